//! The storage trait: the only way the log touches bytes.

use std::borrow::Borrow;

use crate::names::{NameError, TopicName, MAX_PARTITIONS};
use crate::partition::{
    AppendError, AppendInfo, AppendRules, BatchIndexEntry, BatchRewrite, PartitionState,
    RecordData, TimestampType, MAX_RECORD_BYTES,
};
use crate::partitioner::uniform_hash_key_ranges;
use crate::throttle::ShardLimits;
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
    /// A retention time outside what the mode allows.
    #[error("retention of {given_ms} ms is out of range; {mode} allows {min_ms} to {max_ms} ms")]
    Retention {
        /// The retention asked for, in milliseconds.
        given_ms: i64,
        /// The mode whose rule applies.
        mode: Mode,
        /// The shortest allowed.
        min_ms: i64,
        /// The longest allowed.
        max_ms: i64,
    },
    /// A setting that the other system has, asked of a topic in this mode.
    #[error("{setting} is a {owner} setting; this topic is in {mode} mode")]
    NotInMode {
        /// The setting.
        setting: &'static str,
        /// The mode that has it.
        owner: Mode,
        /// The topic's mode.
        mode: Mode,
    },
}

/// What happens to old records (Kafka's `cleanup.policy`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum CleanupPolicy {
    /// Retention deletes whole batches older than `retention.ms` or beyond `retention.bytes`.
    #[default]
    Delete,
    /// Compaction keeps the newest record per key; tombstones go after `delete.retention.ms`.
    Compact,
}

/// Kinesis' shortest retention period is 24 hours; a lab may go down to one minute so that
/// learners can watch the trim horizon move.
pub const KINESIS_MIN_LAB_RETENTION_MS: i64 = 60_000;
/// Kinesis' longest retention period: 365 days.
pub const KINESIS_MAX_RETENTION_MS: i64 = 365 * 24 * 3_600_000;
/// Kinesis' default retention period: 24 hours.
pub const KINESIS_DEFAULT_RETENTION_MS: i64 = 24 * 3_600_000;
/// Kafka's default `retention.ms`: 7 days.
pub const KAFKA_DEFAULT_RETENTION_MS: i64 = 7 * 24 * 3_600_000;
/// Kafka's default `delete.retention.ms`: 1 day.
pub const KAFKA_DEFAULT_DELETE_RETENTION_MS: i64 = 24 * 3_600_000;

/// Every field of a [`TopicConfig`], for stores that write it out and read it back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TopicConfigParts {
    /// The name.
    pub name: String,
    /// Kafka or Kinesis.
    pub mode: Mode,
    /// Partitions (shards, open and closed).
    pub partition_count: u32,
    /// Largest record.
    pub max_record_bytes: usize,
    /// Which timestamp records keep.
    pub timestamp_type: TimestampType,
    /// Retention by time; `None` keeps records forever (Kafka `retention.ms=-1`).
    pub retention_ms: Option<i64>,
    /// Retention by size; `None` is unlimited.
    pub retention_bytes: Option<u64>,
    /// Delete or compact.
    pub cleanup_policy: CleanupPolicy,
    /// How long a tombstone outlives compaction.
    pub delete_retention_ms: i64,
    /// Kinesis' per-shard write limits enforced.
    pub throttling: bool,
}

/// A topic's (stream's) configuration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TopicConfig {
    name: TopicName,
    mode: Mode,
    partition_count: u32,
    max_record_bytes: usize,
    timestamp_type: TimestampType,
    retention_ms: Option<i64>,
    retention_bytes: Option<u64>,
    cleanup_policy: CleanupPolicy,
    delete_retention_ms: i64,
    throttling: bool,
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
            retention_ms: Some(match mode {
                Mode::Kafka => KAFKA_DEFAULT_RETENTION_MS,
                Mode::Kinesis => KINESIS_DEFAULT_RETENTION_MS,
            }),
            retention_bytes: None,
            cleanup_policy: CleanupPolicy::Delete,
            delete_retention_ms: KAFKA_DEFAULT_DELETE_RETENTION_MS,
            throttling: false,
        })
    }

    /// The same configuration with another retention time (`None`: keep forever, Kafka only).
    /// Kafka takes any time from 0; Kinesis 1 minute (a lab's shortest) to 365 days.
    pub fn with_retention_ms(
        mut self,
        retention_ms: Option<i64>,
    ) -> Result<Self, TopicConfigError> {
        let (min_ms, max_ms) = match self.mode {
            Mode::Kafka => (0, i64::MAX),
            Mode::Kinesis => (KINESIS_MIN_LAB_RETENTION_MS, KINESIS_MAX_RETENTION_MS),
        };
        match retention_ms {
            Some(ms) if !(min_ms..=max_ms).contains(&ms) => Err(TopicConfigError::Retention {
                given_ms: ms,
                mode: self.mode,
                min_ms,
                max_ms,
            }),
            None if self.mode == Mode::Kinesis => Err(TopicConfigError::Retention {
                given_ms: -1,
                mode: self.mode,
                min_ms,
                max_ms,
            }),
            _ => {
                self.retention_ms = retention_ms;
                Ok(self)
            }
        }
    }

    /// The same configuration with a size limit per partition (Kafka `retention.bytes`).
    pub fn with_retention_bytes(
        mut self,
        retention_bytes: Option<u64>,
    ) -> Result<Self, TopicConfigError> {
        if retention_bytes.is_some() && self.mode != Mode::Kafka {
            return Err(self.not_in_mode("retention.bytes", Mode::Kafka));
        }
        self.retention_bytes = retention_bytes;
        Ok(self)
    }

    /// The same configuration with another cleanup policy (compaction is Kafka's).
    pub fn with_cleanup_policy(mut self, policy: CleanupPolicy) -> Result<Self, TopicConfigError> {
        if policy == CleanupPolicy::Compact && self.mode != Mode::Kafka {
            return Err(self.not_in_mode("cleanup.policy=compact", Mode::Kafka));
        }
        self.cleanup_policy = policy;
        Ok(self)
    }

    /// The same configuration with another `delete.retention.ms` (at least 0).
    pub fn with_delete_retention_ms(mut self, ms: i64) -> Result<Self, TopicConfigError> {
        if ms < 0 {
            return Err(TopicConfigError::Retention {
                given_ms: ms,
                mode: self.mode,
                min_ms: 0,
                max_ms: i64::MAX,
            });
        }
        self.delete_retention_ms = ms;
        Ok(self)
    }

    /// The same configuration with Kinesis' per-shard write limits on or off.
    pub fn with_throttling(mut self, on: bool) -> Result<Self, TopicConfigError> {
        if on && self.mode != Mode::Kinesis {
            return Err(self.not_in_mode("throttling", Mode::Kinesis));
        }
        self.throttling = on;
        Ok(self)
    }

    fn not_in_mode(&self, setting: &'static str, owner: Mode) -> TopicConfigError {
        TopicConfigError::NotInMode {
            setting,
            owner,
            mode: self.mode,
        }
    }

    /// Every field, for writing out.
    pub fn to_parts(&self) -> TopicConfigParts {
        TopicConfigParts {
            name: self.name.as_str().to_owned(),
            mode: self.mode,
            partition_count: self.partition_count,
            max_record_bytes: self.max_record_bytes,
            timestamp_type: self.timestamp_type,
            retention_ms: self.retention_ms,
            retention_bytes: self.retention_bytes,
            cleanup_policy: self.cleanup_policy,
            delete_retention_ms: self.delete_retention_ms,
            throttling: self.throttling,
        }
    }

    /// Rebuilds a configuration read back from storage, checking it as the builders do: the
    /// name under its own mode's rules (a Kinesis stream may be named `.`, a Kafka topic not).
    pub fn from_parts(parts: TopicConfigParts) -> Result<Self, TopicConfigError> {
        let mut config = TopicConfig::new(&parts.name, parts.mode, parts.partition_count)?;
        config.max_record_bytes = parts.max_record_bytes;
        config.timestamp_type = parts.timestamp_type;
        config
            .with_retention_ms(parts.retention_ms)?
            .with_retention_bytes(parts.retention_bytes)?
            .with_cleanup_policy(parts.cleanup_policy)?
            .with_delete_retention_ms(parts.delete_retention_ms)?
            .with_throttling(parts.throttling)
    }

    /// Retention by time, if any.
    pub fn retention_ms(&self) -> Option<i64> {
        self.retention_ms
    }

    /// Retention by size per partition, if any.
    pub fn retention_bytes(&self) -> Option<u64> {
        self.retention_bytes
    }

    /// Delete or compact.
    pub fn cleanup_policy(&self) -> CleanupPolicy {
        self.cleanup_policy
    }

    /// How long tombstones outlive compaction.
    pub fn delete_retention_ms(&self) -> i64 {
        self.delete_retention_ms
    }

    /// Whether Kinesis' per-shard write limits are enforced.
    pub fn throttling(&self) -> bool {
        self.throttling
    }

    /// The same configuration counting `count` partitions (after adding partitions or
    /// resharding).
    pub(crate) fn with_partition_count(mut self, count: u32) -> Self {
        self.partition_count = count;
        self
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

    /// How many partitions (shards, open and closed) the topic has.
    pub fn partition_count(&self) -> u32 {
        self.partition_count
    }

    /// The largest record allowed, in bytes of key, value and headers.
    pub fn max_record_bytes(&self) -> usize {
        self.max_record_bytes
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
            require_keys: self.cleanup_policy == CleanupPolicy::Compact,
            limits: self.throttling.then_some(ShardLimits::KINESIS),
        }
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
#[derive(Clone, Debug, PartialEq)]
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

/// Why a topic update was refused.
#[derive(Debug, thiserror::Error)]
pub enum UpdateTopicError<E> {
    /// The topic does not exist.
    #[error("topic '{0}' does not exist")]
    UnknownTopic(TopicName),
    /// The log refused the change (see [`crate::ReshardError`]).
    #[error(transparent)]
    Refused(crate::reshard::ReshardError),
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

/// A consumer group's committed position in one partition (Kinesis: a shard's checkpoint).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CommittedOffset {
    /// The next offset the group will read.
    pub offset: Offset,
    /// Free text the consumer attached (Kafka's commit metadata).
    pub metadata: String,
    /// When the commit happened.
    pub commit_time: Timestamp,
}

/// The change a topic update makes, decided by the log from the topic's current metadata.
pub type TopicUpdate<'a> =
    &'a dyn Fn(&TopicMetadata) -> Result<TopicMetadata, crate::reshard::ReshardError>;

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
        group: &crate::group::GroupId,
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
        group: &crate::group::GroupId,
        commits: &[TransactionCommit],
        append_time: Timestamp,
    ) -> Result<Vec<AppendInfo>, AppendError<Self::Error>>;

    /// Stores a step like [`Storage::append_transaction`] and runs `meanwhile` once, whatever
    /// the outcome: a store that commits off this thread (IndexedDB) runs it while the step is
    /// being committed, so a processor works on its next step then. The default runs it after.
    async fn append_transaction_overlapped<R: Borrow<RecordData>, T>(
        &self,
        appends: &[(TopicPartition, &[R])],
        group: &crate::group::GroupId,
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
        group: &crate::group::GroupId,
        topic: &TopicName,
        update: &dyn Fn(crate::group::GroupMembership) -> crate::group::GroupMembership,
    ) -> Result<crate::group::GroupMembership, Self::Error>;

    /// A group's committed offsets in one topic, by partition.
    async fn committed_offsets(
        &self,
        group: &crate::group::GroupId,
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
    fn stored_names_are_checked_under_their_own_modes_rules() {
        for (name, mode) in [
            (".", Mode::Kinesis),
            ("..", Mode::Kinesis),
            ("a".repeat(249).as_str(), Mode::Kafka),
        ] {
            let config = TopicConfig::new(name, mode, 2).expect("legal in its mode");
            assert_eq!(TopicConfig::from_parts(config.to_parts()), Ok(config));
        }
        let mut kafka_dot = TopicConfig::new("t", Mode::Kafka, 1)
            .expect("valid")
            .to_parts();
        kafka_dot.name = ".".into();
        assert_eq!(
            TopicConfig::from_parts(kafka_dot),
            Err(TopicConfigError::Name(NameError::Reserved(".".into())))
        );
        let mut long_stream = TopicConfig::new("s", Mode::Kinesis, 1)
            .expect("valid")
            .to_parts();
        long_stream.name = "s".repeat(129);
        assert_eq!(
            TopicConfig::from_parts(long_stream),
            Err(TopicConfigError::Name(NameError::TooLong {
                len: 129,
                max: 128,
                mode: Mode::Kinesis
            }))
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
