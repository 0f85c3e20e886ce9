//! The storage trait: the only way the log touches bytes.

use crate::names::{NameError, TopicName, MAX_PARTITIONS};
use crate::partition::{
    AppendError, AppendInfo, AppendRules, BatchIndexEntry, PartitionState, RecordData,
    TimestampType, MAX_RECORD_BYTES,
};
use crate::partitioner::uniform_hash_key_ranges;
use crate::types::{Mode, Offset, PartitionId, Timestamp, TopicPartition};

/// Why a topic configuration was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TopicConfigError {
    /// The name breaks the mode's naming rules.
    #[error("illegal name: {0}")]
    Name(#[from] NameError),
    /// The partition (shard) count is outside `1..=1024`.
    #[error("{given} is not a valid number of partitions; use 1 to {MAX_PARTITIONS}")]
    PartitionCount {
        /// The count asked for.
        given: u32,
    },
}

/// A topic's (stream's) configuration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TopicConfig {
    name: TopicName,
    mode: Mode,
    partition_count: u32,
    max_record_bytes: usize,
    timestamp_type: TimestampType,
}

impl TopicConfig {
    /// Validates a new topic: its name under `mode`'s rules and `1..=1024` partitions.
    pub fn new(name: &str, mode: Mode, partition_count: u32) -> Result<Self, TopicConfigError> {
        let name = TopicName::new(name, mode)?;
        if !(1..=MAX_PARTITIONS).contains(&partition_count) {
            return Err(TopicConfigError::PartitionCount {
                given: partition_count,
            });
        }
        Ok(TopicConfig {
            name,
            mode,
            partition_count,
            max_record_bytes: MAX_RECORD_BYTES,
            // Kinesis stamps every record with its arrival time.
            timestamp_type: match mode {
                Mode::Kafka => TimestampType::CreateTime,
                Mode::Kinesis => TimestampType::LogAppendTime,
            },
        })
    }

    /// Rebuilds a configuration read back from storage, checking it as [`TopicConfig::new`] does
    /// (the name under the looser Kafka length rule).
    pub fn from_stored(
        name: &str,
        mode: Mode,
        partition_count: u32,
        max_record_bytes: usize,
        timestamp_type: TimestampType,
    ) -> Result<Self, TopicConfigError> {
        let mut config = TopicConfig::new(name, Mode::Kafka, partition_count)?;
        config.mode = mode;
        config.max_record_bytes = max_record_bytes;
        config.timestamp_type = timestamp_type;
        Ok(config)
    }

    /// The same configuration with another timestamp type (Kafka mode; Kinesis always uses the
    /// arrival time).
    pub fn with_timestamp_type(mut self, timestamp_type: TimestampType) -> Self {
        if self.mode == Mode::Kafka {
            self.timestamp_type = timestamp_type;
        }
        self
    }

    /// Which timestamp records keep.
    pub fn timestamp_type(&self) -> TimestampType {
        self.timestamp_type
    }

    /// The rules an append to this topic follows.
    pub fn append_rules(&self) -> AppendRules {
        AppendRules {
            max_record_bytes: self.max_record_bytes,
            timestamp_type: self.timestamp_type,
        }
    }

    /// The same configuration with another record size limit.
    pub fn with_max_record_bytes(mut self, max_record_bytes: usize) -> Self {
        self.max_record_bytes = max_record_bytes;
        self
    }

    /// The topic's name.
    pub fn name(&self) -> &TopicName {
        &self.name
    }

    /// Kafka or Kinesis.
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// How many partitions (shards) the topic was created with.
    pub fn partition_count(&self) -> u32 {
        self.partition_count
    }

    /// The largest record allowed, in bytes of key, value and headers.
    pub fn max_record_bytes(&self) -> usize {
        self.max_record_bytes
    }

    /// The partitions of a new topic: empty and open; Kinesis shards own the uniform hash-key
    /// ranges.
    pub fn initial_partitions(&self) -> Vec<PartitionState> {
        match self.mode {
            Mode::Kafka => (0..self.partition_count)
                .map(|p| PartitionState::new(PartitionId(p), None))
                .collect(),
            Mode::Kinesis => uniform_hash_key_ranges(self.partition_count)
                .into_iter()
                .zip(0..)
                .map(|(range, p)| PartitionState::new(PartitionId(p), Some(range)))
                .collect(),
        }
    }
}

/// A topic and the state of each of its partitions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TopicMetadata {
    /// The configuration.
    pub config: TopicConfig,
    /// Every partition, in partition order.
    pub partitions: Vec<PartitionState>,
}

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

/// One stored record batch, still encoded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredBatch {
    /// The key it is stored under: the offset of its first record.
    pub base_offset: Offset,
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
///   fewer batches than fit, never none while some remain).
#[allow(async_fn_in_trait)] // The futures are deliberately not Send (see above).
pub trait Storage {
    /// The store's own failures (IO, quota, a closed database).
    type Error: std::error::Error + 'static;

    /// Creates a topic with [`TopicConfig::initial_partitions`].
    async fn create_topic(
        &self,
        config: &TopicConfig,
    ) -> Result<TopicMetadata, CreateTopicError<Self::Error>>;

    /// Every topic with its partitions, by name.
    async fn list_topics(&self) -> Result<Vec<TopicMetadata>, Self::Error>;

    /// One topic with its partitions, or `None`.
    async fn describe_topic(&self, name: &TopicName) -> Result<Option<TopicMetadata>, Self::Error>;

    /// One partition's state, or `None` when the topic or partition does not exist.
    async fn partition_state(
        &self,
        topic_partition: &TopicPartition,
    ) -> Result<Option<PartitionState>, Self::Error>;

    /// Appends `records` as one batch (see the contract above).
    async fn append(
        &self,
        topic_partition: &TopicPartition,
        records: &[RecordData],
        append_time: Timestamp,
    ) -> Result<AppendInfo, AppendError<Self::Error>>;

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
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partition_counts_are_bounded() {
        assert!(TopicConfig::new("t", Mode::Kafka, 1).is_ok());
        assert!(TopicConfig::new("t", Mode::Kafka, 1024).is_ok());
        assert_eq!(
            TopicConfig::new("t", Mode::Kafka, 0),
            Err(TopicConfigError::PartitionCount { given: 0 })
        );
        assert_eq!(
            TopicConfig::new("t", Mode::Kinesis, 1025),
            Err(TopicConfigError::PartitionCount { given: 1025 })
        );
        assert_eq!(
            TopicConfig::new("", Mode::Kafka, 3),
            Err(TopicConfigError::Name(NameError::Empty))
        );
    }

    #[test]
    fn kinesis_topics_start_with_uniform_shards_and_kafka_topics_without_ranges() {
        let kinesis = TopicConfig::new("s", Mode::Kinesis, 4).expect("valid");
        let shards = kinesis.initial_partitions();
        assert_eq!(shards.len(), 4);
        assert_eq!(
            shards
                .iter()
                .map(|s| s.hash_key_range().copied())
                .collect::<Vec<_>>(),
            uniform_hash_key_ranges(4)
                .into_iter()
                .map(Some)
                .collect::<Vec<_>>()
        );
        let kafka = TopicConfig::new("t", Mode::Kafka, 2).expect("valid");
        assert!(kafka
            .initial_partitions()
            .iter()
            .all(|p| p.hash_key_range().is_none()));
    }
}
