//! A topic's (Kinesis: stream's) configuration and metadata, checked as the builders check
//! them, and why a change of its partitions is refused: value types, below the storage trait.

use crate::names::{NameError, TopicName, MAX_PARTITIONS};
use crate::partition::{AppendRules, PartitionState, TimestampType, MAX_RECORD_BYTES};
use crate::partitioner::{uniform_hash_key_ranges, HashKey};
use crate::throttle::ShardLimits;
use crate::types::{Mode, PartitionId, ShardId};

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

/// Why a change to a topic's partitions was refused. Nothing changes.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ReshardError {
    /// The operation belongs to the other mode (split a Kafka partition, say).
    #[error("{operation} is a {owner} operation; this topic is in {mode} mode")]
    NotInMode {
        /// What was asked.
        operation: &'static str,
        /// The mode that has it.
        owner: Mode,
        /// The topic's mode.
        mode: Mode,
    },
    /// No such shard.
    #[error("{0} does not exist")]
    UnknownShard(ShardId),
    /// Only open shards can be split or merged.
    #[error("{0} is closed; only open shards can be split or merged")]
    ShardClosed(ShardId),
    /// The new starting hash key must leave both children at least one hash key.
    #[error("new starting hash key {hash_key} is outside {shard}'s range {start}..{end} (it must be above the start and at most the end)")]
    HashKeyOutOfRange {
        /// The shard.
        shard: ShardId,
        /// The key given.
        hash_key: HashKey,
        /// The shard's first hash key.
        start: HashKey,
        /// The shard's last hash key.
        end: HashKey,
    },
    /// Merged shards must own adjacent hash-key ranges.
    #[error("{0} and {1} are not adjacent; only shards whose hash-key ranges touch can merge")]
    NotAdjacent(ShardId, ShardId),
    /// A shard cannot merge with itself.
    #[error("{0} cannot merge with itself")]
    SameShard(ShardId),
    /// UpdateShardCount may at most double or halve the open shards.
    #[error("target shard count {target} is out of range: with {open} open shards it must be {min} to {max}")]
    TargetOutOfRange {
        /// The count asked for.
        target: u32,
        /// Open shards now.
        open: u32,
        /// Smallest allowed.
        min: u32,
        /// Largest allowed.
        max: u32,
    },
    /// The topic would exceed the partition limit (open and closed shards count).
    #[error("the topic would have {total} partitions; the limit is {MAX_PARTITIONS}")]
    TooManyPartitions {
        /// Partitions after the change.
        total: u32,
    },
    /// Kafka partitions can only be added, never removed.
    #[error(
        "a topic with {current} partitions cannot go to {requested}; partitions can only be added"
    )]
    PartitionsCanOnlyGrow {
        /// Partitions now.
        current: u32,
        /// Partitions asked for.
        requested: u32,
    },
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
