//! The memory store: the reference implementation of [`Storage`].

use std::borrow::Borrow;
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::convert::Infallible;

use crate::group::values::{CommittedOffset, GroupId, GroupMembership};
use crate::names::TopicName;
use crate::names::TopicPartition;
use crate::partition::{
    AppendError, AppendInfo, BatchIndexEntry, BatchRewrite, PartitionState, RecordData,
};
use crate::storage::{
    BatchLookup, CreateTopicError, RewriteError, Storage, StoredBatch, TopicUpdate,
    TransactionCommit, UpdateTopicError,
};
use crate::topic::{TopicConfig, TopicMetadata};
use crate::types::{Offset, PartitionId, Timestamp};

/// The memory store never fails.
pub type MemoryStoreError = Infallible;

#[derive(Debug)]
struct TopicEntry {
    config: TopicConfig,
    partitions: Vec<PartitionEntry>,
}

impl TopicEntry {
    fn partition(&self, tp: &TopicPartition) -> Option<&PartitionEntry> {
        self.partitions.get(tp.partition().0 as usize)
    }
}

#[derive(Debug)]
struct PartitionEntry {
    state: PartitionState,
    batches: BTreeMap<u64, Vec<u8>>,
    /// In base offset order; sequence numbers and running max timestamps grow with it.
    index: Vec<BatchIndexEntry>,
}

/// A store that keeps everything in memory: for tests, benchmarks and ephemeral labs.
#[derive(Debug, Default)]
pub struct MemoryStore {
    topics: RefCell<BTreeMap<TopicName, TopicEntry>>,
    groups: RefCell<BTreeMap<(GroupId, TopicName, PartitionId), CommittedOffset>>,
    memberships: RefCell<BTreeMap<(GroupId, TopicName), GroupMembership>>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        MemoryStore::default()
    }

    fn metadata(entry: &TopicEntry) -> TopicMetadata {
        TopicMetadata {
            config: entry.config.clone(),
            partitions: entry.partitions.iter().map(|p| p.state.clone()).collect(),
        }
    }
}

impl Storage for MemoryStore {
    type Error = MemoryStoreError;

    async fn create_topic(
        &self,
        config: &TopicConfig,
    ) -> Result<TopicMetadata, CreateTopicError<Self::Error>> {
        let mut topics = self.topics.borrow_mut();
        if topics.contains_key(config.name()) {
            return Err(CreateTopicError::AlreadyExists(config.name().clone()));
        }
        let entry = TopicEntry {
            config: config.clone(),
            partitions: config
                .initial_partitions()
                .into_iter()
                .map(|state| PartitionEntry {
                    state,
                    batches: BTreeMap::new(),
                    index: Vec::new(),
                })
                .collect(),
        };
        let metadata = MemoryStore::metadata(&entry);
        topics.insert(config.name().clone(), entry);
        Ok(metadata)
    }

    async fn delete_topic(&self, name: &TopicName) -> Result<bool, Self::Error> {
        let existed = self.topics.borrow_mut().remove(name).is_some();
        self.groups.borrow_mut().retain(|(_, t, _), _| t != name);
        self.memberships.borrow_mut().retain(|(_, t), _| t != name);
        Ok(existed)
    }

    async fn list_topics(&self) -> Result<Vec<TopicMetadata>, Self::Error> {
        Ok(self
            .topics
            .borrow()
            .values()
            .map(MemoryStore::metadata)
            .collect())
    }

    async fn describe_topic(&self, name: &TopicName) -> Result<Option<TopicMetadata>, Self::Error> {
        Ok(self.topics.borrow().get(name).map(MemoryStore::metadata))
    }

    async fn partition_state(
        &self,
        tp: &TopicPartition,
    ) -> Result<Option<PartitionState>, Self::Error> {
        Ok(self
            .topics
            .borrow()
            .get(tp.topic())
            .and_then(|t| t.partition(tp))
            .map(|p| p.state.clone()))
    }

    async fn append<R: Borrow<RecordData>>(
        &self,
        tp: &TopicPartition,
        records: &[R],
        append_time: Timestamp,
    ) -> Result<AppendInfo, AppendError<Self::Error>> {
        let mut topics = self.topics.borrow_mut();
        let unknown = || AppendError::UnknownTopicOrPartition(tp.clone());
        let topic = topics.get_mut(tp.topic()).ok_or_else(unknown)?;
        let rules = topic.config.append_rules();
        let partition = topic
            .partitions
            .get_mut(tp.partition().0 as usize)
            .ok_or_else(unknown)?;
        let planned = partition
            .state
            .plan_append(tp, records, append_time, &rules)
            .map_err(AppendError::widen)?;
        partition
            .batches
            .insert(planned.info.base_offset.0, planned.batch);
        partition.index.push(planned.index);
        partition.state = planned.state;
        Ok(planned.info)
    }

    async fn append_transaction<R: Borrow<RecordData>>(
        &self,
        appends: &[(TopicPartition, &[R])],
        group: &GroupId,
        commits: &[TransactionCommit],
        append_time: Timestamp,
    ) -> Result<Vec<AppendInfo>, AppendError<Self::Error>> {
        // The fence first: every offset must still be the one the step read.
        {
            let groups = self.groups.borrow();
            for c in commits {
                let tp = &c.topic_partition;
                let found = groups
                    .get(&(group.clone(), tp.topic().clone(), tp.partition()))
                    .map(|o| o.offset);
                if found != c.expected {
                    return Err(AppendError::Fenced {
                        topic_partition: tp.clone(),
                        expected: c.expected,
                        found,
                    });
                }
            }
        }
        let mut topics = self.topics.borrow_mut();
        // Plan every append on copies of the states first; store only once all are accepted.
        let mut states: BTreeMap<TopicPartition, PartitionState> = BTreeMap::new();
        let mut planned = Vec::with_capacity(appends.len());
        for (tp, records) in appends {
            let unknown = || AppendError::UnknownTopicOrPartition(tp.clone());
            let topic = topics.get(tp.topic()).ok_or_else(unknown)?;
            let rules = topic.config.append_rules();
            let state = match states.get(tp) {
                Some(s) => s.clone(),
                None => topic.partition(tp).ok_or_else(unknown)?.state.clone(),
            };
            let plan = state
                .plan_append(tp, records, append_time, &rules)
                .map_err(AppendError::widen)?;
            states.insert(tp.clone(), plan.state.clone());
            planned.push((tp.clone(), plan));
        }
        let mut infos = Vec::with_capacity(planned.len());
        for (tp, plan) in planned {
            if let Some(partition) = topics
                .get_mut(tp.topic())
                .and_then(|t| t.partitions.get_mut(tp.partition().0 as usize))
            {
                partition
                    .batches
                    .insert(plan.info.base_offset.0, plan.batch);
                partition.index.push(plan.index);
                partition.state = plan.state;
            }
            infos.push(plan.info);
        }
        drop(topics);
        let mut groups = self.groups.borrow_mut();
        for c in commits {
            let tp = &c.topic_partition;
            groups.insert(
                (group.clone(), tp.topic().clone(), tp.partition()),
                c.committed.clone(),
            );
        }
        Ok(infos)
    }

    async fn lookup_batch(
        &self,
        tp: &TopicPartition,
        lookup: BatchLookup,
    ) -> Result<Option<BatchIndexEntry>, Self::Error> {
        let topics = self.topics.borrow();
        let Some(partition) = topics.get(tp.topic()).and_then(|t| t.partition(tp)) else {
            return Ok(None);
        };
        let index = &partition.index;
        // Binary searches: every key grows with the position in the index.
        let at_or_below = |count: usize| count.checked_sub(1).and_then(|i| index.get(i)).copied();
        Ok(match lookup {
            BatchLookup::Offset(o) => at_or_below(index.partition_point(|e| e.base_offset <= o)),
            BatchLookup::Sequence(s) => {
                at_or_below(index.partition_point(|e| e.base_sequence <= s))
            }
            BatchLookup::Timestamp(t) => index
                .get(index.partition_point(|e| e.max_timestamp_so_far < t))
                .copied(),
        })
    }

    async fn update_topic(
        &self,
        name: &TopicName,
        update: TopicUpdate<'_>,
    ) -> Result<TopicMetadata, UpdateTopicError<Self::Error>> {
        let mut topics = self.topics.borrow_mut();
        let entry = topics
            .get_mut(name)
            .ok_or_else(|| UpdateTopicError::UnknownTopic(name.clone()))?;
        let updated = update(&MemoryStore::metadata(entry)).map_err(UpdateTopicError::Refused)?;
        entry.config = updated.config.clone();
        for (i, state) in updated.partitions.iter().enumerate() {
            match entry.partitions.get_mut(i) {
                Some(p) => p.state = state.clone(),
                None => entry.partitions.push(PartitionEntry {
                    state: state.clone(),
                    batches: BTreeMap::new(),
                    index: Vec::new(),
                }),
            }
        }
        Ok(updated)
    }

    async fn batch_index(&self, tp: &TopicPartition) -> Result<Vec<BatchIndexEntry>, Self::Error> {
        Ok(self
            .topics
            .borrow()
            .get(tp.topic())
            .and_then(|t| t.partition(tp))
            .map(|p| p.index.clone())
            .unwrap_or_default())
    }

    async fn rewrite_batches(
        &self,
        tp: &TopicPartition,
        rewrite: &BatchRewrite,
    ) -> Result<PartitionState, RewriteError<Self::Error>> {
        let mut topics = self.topics.borrow_mut();
        let partition = topics
            .get_mut(tp.topic())
            .and_then(|t| t.partitions.get_mut(tp.partition().0 as usize))
            .ok_or_else(|| RewriteError::UnknownTopicOrPartition(tp.clone()))?;
        let state = partition.state.plan_rewrite(rewrite)?;
        for entry in &rewrite.deleted {
            partition.batches.remove(&entry.base_offset.0);
        }
        for (entry, bytes) in &rewrite.replaced {
            partition.batches.insert(entry.base_offset.0, bytes.clone());
        }
        partition.index.retain(|e| {
            !rewrite
                .deleted
                .iter()
                .any(|d| d.base_offset == e.base_offset)
        });
        for (entry, _) in &rewrite.replaced {
            if let Some(e) = partition
                .index
                .iter_mut()
                .find(|e| e.base_offset == entry.base_offset)
            {
                *e = *entry;
            }
        }
        partition.state = state.clone();
        Ok(state)
    }

    async fn commit_offsets(
        &self,
        group: &GroupId,
        offsets: &[(TopicPartition, CommittedOffset)],
    ) -> Result<(), Self::Error> {
        let mut groups = self.groups.borrow_mut();
        for (tp, committed) in offsets {
            groups.insert(
                (group.clone(), tp.topic().clone(), tp.partition()),
                committed.clone(),
            );
        }
        Ok(())
    }

    async fn update_membership(
        &self,
        group: &GroupId,
        topic: &TopicName,
        update: &dyn Fn(GroupMembership) -> GroupMembership,
    ) -> Result<GroupMembership, Self::Error> {
        let mut memberships = self.memberships.borrow_mut();
        let key = (group.clone(), topic.clone());
        let updated = update(memberships.get(&key).cloned().unwrap_or_default());
        memberships.insert(key, updated.clone());
        Ok(updated)
    }

    async fn committed_offsets(
        &self,
        group: &GroupId,
        topic: &TopicName,
    ) -> Result<BTreeMap<PartitionId, CommittedOffset>, Self::Error> {
        Ok(self
            .groups
            .borrow()
            .iter()
            .filter(|((g, t, _), _)| g == group && t == topic)
            .map(|((_, _, p), c)| (*p, c.clone()))
            .collect())
    }

    async fn read_batches(
        &self,
        tp: &TopicPartition,
        from: Offset,
        max_bytes: usize,
    ) -> Result<Vec<StoredBatch>, Self::Error> {
        let topics = self.topics.borrow();
        let Some(partition) = topics.get(tp.topic()).and_then(|t| t.partition(tp)) else {
            return Ok(Vec::new());
        };
        // The batch holding `from` is the one with the greatest base offset at or below it,
        // unless that batch ends before `from` (compaction deleted the one that held it).
        let index = &partition.index;
        let holding = index.partition_point(|e| e.base_offset <= from);
        let start = match holding.checked_sub(1).and_then(|i| index.get(i)) {
            Some(e) if e.next_offset > from => holding - 1,
            _ => holding,
        };
        let mut out = Vec::new();
        let mut total = 0usize;
        for entry in index.iter().skip(start) {
            let Some(bytes) = partition.batches.get(&entry.base_offset.0) else {
                continue;
            };
            if !out.is_empty() && total + bytes.len() > max_bytes {
                break;
            }
            total += bytes.len();
            out.push(StoredBatch {
                base_offset: entry.base_offset,
                next_offset: entry.next_offset,
                bytes: bytes.clone(),
            });
        }
        Ok(out)
    }
}
