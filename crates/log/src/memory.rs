//! The memory store: the reference implementation of [`Storage`].

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::convert::Infallible;

use crate::names::TopicName;
use crate::partition::{AppendError, AppendInfo, BatchIndexEntry, PartitionState, RecordData};
use crate::storage::{
    BatchLookup, CreateTopicError, Storage, StoredBatch, TopicConfig, TopicMetadata,
};
use crate::types::{Offset, Timestamp, TopicPartition};

/// The memory store never fails.
pub type MemoryStoreError = Infallible;

#[derive(Debug)]
struct TopicEntry {
    config: TopicConfig,
    partitions: Vec<PartitionEntry>,
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
            .and_then(|t| t.partitions.get(tp.partition().0 as usize))
            .map(|p| p.state.clone()))
    }

    async fn append(
        &self,
        tp: &TopicPartition,
        records: &[RecordData],
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

    async fn lookup_batch(
        &self,
        tp: &TopicPartition,
        lookup: BatchLookup,
    ) -> Result<Option<BatchIndexEntry>, Self::Error> {
        let topics = self.topics.borrow();
        let Some(partition) = topics
            .get(tp.topic())
            .and_then(|t| t.partitions.get(tp.partition().0 as usize))
        else {
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

    async fn read_batches(
        &self,
        tp: &TopicPartition,
        from: Offset,
        max_bytes: usize,
    ) -> Result<Vec<StoredBatch>, Self::Error> {
        let topics = self.topics.borrow();
        let Some(partition) = topics
            .get(tp.topic())
            .and_then(|t| t.partitions.get(tp.partition().0 as usize))
        else {
            return Ok(Vec::new());
        };
        // The batch holding `from` is the one with the greatest base offset at or below it.
        let start = partition
            .batches
            .range(..=from.0)
            .next_back()
            .map_or(from.0, |(base, _)| *base);
        let mut out = Vec::new();
        let mut total = 0usize;
        for (base, bytes) in partition.batches.range(start..) {
            if !out.is_empty() && total + bytes.len() > max_bytes {
                break;
            }
            total += bytes.len();
            out.push(StoredBatch {
                base_offset: Offset(*base),
                bytes: bytes.clone(),
            });
        }
        Ok(out)
    }
}
