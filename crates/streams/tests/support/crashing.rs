//! A memory store whose N-th step transaction is refused before anything is stored: what a
//! processor worker killed in the middle of a step leaves behind (IndexedDB aborts the
//! uncommitted transaction), while every other call goes to the real store. Batches of the
//! topic `damaged` names read back with a byte flipped, as storage damage leaves them.

use std::borrow::Borrow;
use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::convert::Infallible;

use streamlab_log::*;

pub struct Crashing<'a> {
    pub inner: &'a MemoryStore,
    /// The 1-based number of the transaction to refuse; 0 for none.
    pub fail_at: Cell<usize>,
    pub transactions: Cell<usize>,
    /// The topic whose stored batches read back damaged.
    pub damaged: RefCell<Option<TopicName>>,
}

impl<'a> Crashing<'a> {
    pub fn new(inner: &'a MemoryStore, fail_at: usize) -> Crashing<'a> {
        Crashing {
            inner,
            fail_at: Cell::new(fail_at),
            transactions: Cell::new(0),
            damaged: RefCell::new(None),
        }
    }
}

impl Storage for Crashing<'_> {
    type Error = Infallible;

    async fn create_topic(
        &self,
        config: &TopicConfig,
    ) -> Result<TopicMetadata, CreateTopicError<Infallible>> {
        self.inner.create_topic(config).await
    }
    async fn delete_topic(&self, name: &TopicName) -> Result<bool, Infallible> {
        self.inner.delete_topic(name).await
    }
    async fn list_topics(&self) -> Result<Vec<TopicMetadata>, Infallible> {
        self.inner.list_topics().await
    }
    async fn describe_topic(&self, name: &TopicName) -> Result<Option<TopicMetadata>, Infallible> {
        self.inner.describe_topic(name).await
    }
    async fn partition_state(
        &self,
        tp: &TopicPartition,
    ) -> Result<Option<PartitionState>, Infallible> {
        self.inner.partition_state(tp).await
    }
    async fn append<R: Borrow<RecordData>>(
        &self,
        tp: &TopicPartition,
        records: &[R],
        t: Timestamp,
    ) -> Result<AppendInfo, AppendError<Infallible>> {
        self.inner.append(tp, records, t).await
    }
    async fn update_topic(
        &self,
        name: &TopicName,
        update: TopicUpdate<'_>,
    ) -> Result<TopicMetadata, UpdateTopicError<Infallible>> {
        self.inner.update_topic(name, update).await
    }
    async fn batch_index(&self, tp: &TopicPartition) -> Result<Vec<BatchIndexEntry>, Infallible> {
        self.inner.batch_index(tp).await
    }
    async fn rewrite_batches(
        &self,
        tp: &TopicPartition,
        rewrite: &BatchRewrite,
    ) -> Result<PartitionState, RewriteError<Infallible>> {
        self.inner.rewrite_batches(tp, rewrite).await
    }
    async fn commit_offsets(
        &self,
        group: &GroupId,
        offsets: &[(TopicPartition, CommittedOffset)],
    ) -> Result<(), Infallible> {
        self.inner.commit_offsets(group, offsets).await
    }
    async fn append_transaction<R: Borrow<RecordData>>(
        &self,
        appends: &[(TopicPartition, &[R])],
        group: &GroupId,
        commits: &[TransactionCommit],
        t: Timestamp,
    ) -> Result<Vec<AppendInfo>, AppendError<Infallible>> {
        let n = self.transactions.get() + 1;
        self.transactions.set(n);
        if n == self.fail_at.get() {
            // Killed mid-step: the transaction never commits, nothing of it is stored.
            let tp = commits
                .first()
                .map(|c| c.topic_partition.clone())
                .or_else(|| appends.first().map(|(tp, _)| tp.clone()));
            return Err(AppendError::UnknownTopicOrPartition(tp.unwrap_or_else(
                || {
                    TopicPartition::new(
                        TopicName::new("killed", Mode::Kafka).unwrap_or_else(|_| unreachable!()),
                        PartitionId(0),
                    )
                },
            )));
        }
        self.inner
            .append_transaction(appends, group, commits, t)
            .await
    }
    async fn update_membership(
        &self,
        group: &GroupId,
        topic: &TopicName,
        update: &dyn Fn(GroupMembership) -> GroupMembership,
    ) -> Result<GroupMembership, Infallible> {
        self.inner.update_membership(group, topic, update).await
    }
    async fn committed_offsets(
        &self,
        group: &GroupId,
        topic: &TopicName,
    ) -> Result<BTreeMap<PartitionId, CommittedOffset>, Infallible> {
        self.inner.committed_offsets(group, topic).await
    }
    async fn lookup_batch(
        &self,
        tp: &TopicPartition,
        lookup: BatchLookup,
    ) -> Result<Option<BatchIndexEntry>, Infallible> {
        self.inner.lookup_batch(tp, lookup).await
    }
    async fn read_batches(
        &self,
        tp: &TopicPartition,
        from: Offset,
        max_bytes: usize,
    ) -> Result<Vec<StoredBatch>, Infallible> {
        let mut batches = self.inner.read_batches(tp, from, max_bytes).await?;
        if self.damaged.borrow().as_ref() == Some(tp.topic()) {
            for batch in &mut batches {
                if let Some(byte) = batch.bytes.last_mut() {
                    *byte ^= 0xff;
                }
            }
        }
        Ok(batches)
    }
}
