//! The storage trait: the only way the log touches bytes.

use std::borrow::Borrow;

use crate::group::values::CommittedOffset;
use crate::names::{TopicName, TopicPartition};
use crate::partition::{
    AppendError, AppendInfo, BatchIndexEntry, BatchRewrite, PartitionState, RecordData,
};
use crate::topic::{TopicConfig, TopicMetadata};
use crate::types::{Offset, PartitionId, Timestamp};

/// Why a topic could not be created.
#[derive(Debug, thiserror::Error)]
pub enum CreateTopicError<E> {
    /// A topic of that name exists.
    #[error("topic '{0}' already exists")]
    AlreadyExists(TopicName),
    /// The storage failed; nothing was created.
    #[error("storage failed: {0}")]
    Storage(#[source] E),
}

/// Why a topic update was refused.
#[derive(Debug, thiserror::Error)]
pub enum UpdateTopicError<E> {
    /// The topic does not exist.
    #[error("topic '{0}' does not exist")]
    UnknownTopic(TopicName),
    /// The log refused the change (see [`crate::ReshardError`]).
    #[error(transparent)]
    Refused(crate::topic::ReshardError),
    /// The storage failed; nothing changed.
    #[error("storage failed: {0}")]
    Storage(#[source] E),
}

/// Why a batch rewrite (retention, compaction) was not applied.
#[derive(Debug, thiserror::Error)]
pub enum RewriteError<E> {
    /// The topic or partition does not exist.
    #[error("unknown topic or partition {0}")]
    UnknownTopicOrPartition(TopicPartition),
    /// Another rewrite happened since the plan was made.
    #[error(transparent)]
    Conflict(#[from] crate::partition::RewriteConflict),
    /// The storage failed; nothing changed.
    #[error("storage failed: {0}")]
    Storage(#[source] E),
}

/// One offset a stream processor's step commits, with the offset it read from (a fence).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TransactionCommit {
    /// The partition read.
    pub topic_partition: TopicPartition,
    /// The group's offset when the step read it (`None`: nothing was committed).
    pub expected: Option<Offset>,
    /// The offset to commit.
    pub committed: CommittedOffset,
}

/// The change a topic update makes, decided by the log from the topic's current metadata.
pub type TopicUpdate<'a> =
    &'a dyn Fn(&TopicMetadata) -> Result<TopicMetadata, crate::topic::ReshardError>;

/// One stored record batch, still encoded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredBatch {
    /// The key it is stored under: the offset of its first record.
    pub base_offset: Offset,
    /// The offset after the batch, from its index entry (where the next batch starts).
    pub next_offset: Offset,
    /// The encoded batch (see [`crate::RecordBatch`]).
    pub bytes: Vec<u8>,
}

/// Which batch [`Storage::lookup_batch`] looks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BatchLookup {
    /// The batch with the greatest base offset at or below this offset.
    Offset(Offset),
    /// The batch with the greatest base sequence number at or below this one.
    Sequence(crate::types::SequenceNumber),
    /// The first batch whose `max_timestamp_so_far` is at least this timestamp.
    Timestamp(Timestamp),
}

/// Where the log's bytes live. Implementations move bytes; the log decides what they mean.
///
/// Every method is async and fallible so that IndexedDB, and later a remote engine, fit behind it.
/// The futures are not `Send`: in a browser everything runs on one thread per worker.
///
/// # Contract
/// - `append` is atomic: it reads the partition's [`PartitionState`], calls
///   [`PartitionState::plan_append`], and stores the planned batch and state together or not at
///   all. Concurrent appends to one partition are serialized, so no offset is assigned twice.
/// - `append` also stores the planned [`BatchIndexEntry`]; `lookup_batch` finds entries in
///   O(log n) (every key of the index grows with the base offset, so an ordered map or an
///   IndexedDB index answers each lookup with one seek).
/// - `read_batches` returns batches in offset order, starting with the batch that holds `from`
///   (the greatest base offset at or below it) and stopping once `max_bytes` have been returned
///   (always at least one batch when any holds offsets at or after `from`; a store may return
///   fewer batches than fit, never none while some remain). A batch that ends at or before
///   `from` (possible after compaction deleted the batch that held it) is not returned.
/// - `update_topic` reads the topic's metadata, calls the update, and stores the result (config
///   and every partition state) in one atomic step; partitions are never removed.
/// - `rewrite_batches` applies a retention or compaction plan atomically with
///   [`PartitionState::plan_rewrite`], which refuses a stale plan.
#[allow(async_fn_in_trait)] // The futures are deliberately not Send (see above).
pub trait Storage {
    /// The store's own failures (IO, quota, a closed database).
    type Error: std::error::Error + 'static;

    /// Creates a topic with [`TopicConfig::initial_partitions`].
    async fn create_topic(
        &self,
        config: &TopicConfig,
    ) -> Result<TopicMetadata, CreateTopicError<Self::Error>>;

    /// Deletes a topic with all it holds: partitions, batches, the batch index, and the
    /// committed offsets and memberships of groups on it. Returns whether it existed.
    async fn delete_topic(&self, name: &TopicName) -> Result<bool, Self::Error>;

    /// Every topic with its partitions, by name.
    async fn list_topics(&self) -> Result<Vec<TopicMetadata>, Self::Error>;

    /// One topic with its partitions, or `None`.
    async fn describe_topic(&self, name: &TopicName) -> Result<Option<TopicMetadata>, Self::Error>;

    /// One partition's state, or `None` when the topic or partition does not exist.
    async fn partition_state(
        &self,
        topic_partition: &TopicPartition,
    ) -> Result<Option<PartitionState>, Self::Error>;

    /// Appends `records` as one batch (see the contract above). They may be borrowed
    /// (`&[&RecordData]`), so a producer routing a request to partitions copies no record.
    async fn append<R: Borrow<RecordData>>(
        &self,
        topic_partition: &TopicPartition,
        records: &[R],
        append_time: Timestamp,
    ) -> Result<AppendInfo, AppendError<Self::Error>>;

    /// Appends like [`Storage::append`] and runs `meanwhile` once, whatever the outcome: a store
    /// that commits off this thread (IndexedDB) runs it while the batch is being committed, so a
    /// producer builds its next batch then instead of before the next transaction. The default
    /// runs it after the append.
    async fn append_overlapped<R: Borrow<RecordData>, T>(
        &self,
        topic_partition: &TopicPartition,
        records: &[R],
        append_time: Timestamp,
        meanwhile: impl FnOnce() -> T,
    ) -> (Result<AppendInfo, AppendError<Self::Error>>, T) {
        let result = self.append(topic_partition, records, append_time).await;
        (result, meanwhile())
    }

    /// Applies `update` to the topic's current metadata and stores the result atomically.
    async fn update_topic(
        &self,
        name: &TopicName,
        update: TopicUpdate<'_>,
    ) -> Result<TopicMetadata, UpdateTopicError<Self::Error>>;

    /// Every batch index entry of the partition, in offset order (for retention and compaction
    /// planning; O(batches)).
    async fn batch_index(
        &self,
        topic_partition: &TopicPartition,
    ) -> Result<Vec<BatchIndexEntry>, Self::Error>;

    /// Applies a retention or compaction plan (see the contract above).
    async fn rewrite_batches(
        &self,
        topic_partition: &TopicPartition,
        rewrite: &BatchRewrite,
    ) -> Result<PartitionState, RewriteError<Self::Error>>;

    /// Stores a group's committed offsets, all or none.
    async fn commit_offsets(
        &self,
        group: &crate::group::values::GroupId,
        offsets: &[(TopicPartition, CommittedOffset)],
    ) -> Result<(), Self::Error>;

    /// One step of a stream processor, atomically: appends each `(partition, records)` of
    /// `appends` (planned in order; a partition may appear more than once) and commits each
    /// offset of `commits` for `group`, in one transaction. Either all of it is stored or none of
    /// it: a refused append (its error is returned), a commit whose group offset is no longer
    /// the one the step read (`AppendError::Fenced`: another processor committed first) or a
    /// storage failure leaves every partition and every offset as it was. Returns each append's
    /// offsets, in order.
    async fn append_transaction<R: Borrow<RecordData>>(
        &self,
        appends: &[(TopicPartition, &[R])],
        group: &crate::group::values::GroupId,
        commits: &[TransactionCommit],
        append_time: Timestamp,
    ) -> Result<Vec<AppendInfo>, AppendError<Self::Error>>;

    /// Stores a step like [`Storage::append_transaction`] and runs `meanwhile` once, whatever
    /// the outcome: a store that commits off this thread (IndexedDB) runs it while the step is
    /// being committed, so a processor works on its next step then. The default runs it after.
    async fn append_transaction_overlapped<R: Borrow<RecordData>, T>(
        &self,
        appends: &[(TopicPartition, &[R])],
        group: &crate::group::values::GroupId,
        commits: &[TransactionCommit],
        append_time: Timestamp,
        meanwhile: impl FnOnce() -> T,
    ) -> (Result<Vec<AppendInfo>, AppendError<Self::Error>>, T) {
        let result = self
            .append_transaction(appends, group, commits, append_time)
            .await;
        (result, meanwhile())
    }

    /// Applies `update` to the membership of `group` on `topic` (empty when there is none) and
    /// stores the result atomically.
    async fn update_membership(
        &self,
        group: &crate::group::values::GroupId,
        topic: &TopicName,
        update: &dyn Fn(
            crate::group::values::GroupMembership,
        ) -> crate::group::values::GroupMembership,
    ) -> Result<crate::group::values::GroupMembership, Self::Error>;

    /// A group's committed offsets in one topic, by partition.
    async fn committed_offsets(
        &self,
        group: &crate::group::values::GroupId,
        topic: &TopicName,
    ) -> Result<std::collections::BTreeMap<PartitionId, CommittedOffset>, Self::Error>;

    /// Finds one batch's index entry (see [`BatchLookup`]), or `None` when no batch matches.
    async fn lookup_batch(
        &self,
        topic_partition: &TopicPartition,
        lookup: BatchLookup,
    ) -> Result<Option<BatchIndexEntry>, Self::Error>;

    /// Reads encoded batches from `from` on (see the contract above).
    async fn read_batches(
        &self,
        topic_partition: &TopicPartition,
        from: Offset,
        max_bytes: usize,
    ) -> Result<Vec<StoredBatch>, Self::Error>;

    /// Reads like [`Storage::read_batches`], handing the batches to `each` in order, a group at
    /// a time, as they arrive: a store whose reads happen off this thread (IndexedDB's do) asks
    /// for every group at once and hands over each as soon as it is in, so a scan decodes one
    /// group while the next ones are still being fetched. The default hands over one group.
    async fn read_batches_streamed(
        &self,
        topic_partition: &TopicPartition,
        from: Offset,
        max_bytes: usize,
        each: &mut dyn FnMut(Vec<StoredBatch>),
    ) -> Result<(), Self::Error> {
        let batches = self.read_batches(topic_partition, from, max_bytes).await?;
        if !batches.is_empty() {
            each(batches);
        }
        Ok(())
    }
}
