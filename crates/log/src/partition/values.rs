//! What appends and rewrites of a partition are made of: a record as a producer sends it, the
//! rules an append follows, what it returns or why it is refused, and the batch index entries
//! and rewrite plans of retention and compaction. Value types, below the partition's state.

use std::convert::Infallible;

use crate::names::TopicPartition;
use crate::record::Header;
use crate::throttle::ShardLimits;
use crate::types::{Offset, SequenceNumber, ShardId, Timestamp};

/// The largest record, in bytes of key, value and headers: 1 MiB, Kinesis' limit and Kafka's
/// default `max.message.bytes` order of magnitude.
pub const MAX_RECORD_BYTES: usize = 1024 * 1024;

/// Whether a shard takes new records. Kafka partitions are always open.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ShardState {
    /// Takes new records.
    Open,
    /// Closed by a split or merge; its records stay readable.
    Closed,
}

/// Why an append was refused. Nothing of a refused append is stored.
#[derive(Debug, thiserror::Error)]
pub enum AppendError<E = Infallible> {
    /// The topic or the partition does not exist.
    #[error("unknown topic or partition {0}")]
    UnknownTopicOrPartition(TopicPartition),
    /// An append must carry at least one record.
    #[error("an append needs at least one record")]
    Empty,
    /// A record is larger than the topic allows.
    #[error("record {index} is {size} bytes; the limit is {max} bytes")]
    RecordTooLarge {
        /// The record's index in the request.
        index: usize,
        /// Its size in bytes of key, value and headers.
        size: usize,
        /// The limit.
        max: usize,
    },
    /// The shard was closed by a split or merge.
    #[error("{0} is closed; write to its child shards")]
    ShardClosed(ShardId),
    /// A compacted topic keeps the newest value per key, so every record needs a key.
    #[error("record {index} has no key; a compacted topic needs a key on every record")]
    KeylessRecordOnCompactedTopic {
        /// The record's index in the request.
        index: usize,
    },
    /// The shard's write limit (1,000 records/s, 1 MiB/s) is used up.
    #[error("{shard} is over its write limit (ProvisionedThroughputExceeded); retry in {retry_after_ms} ms")]
    ProvisionedThroughputExceeded {
        /// The shard.
        shard: ShardId,
        /// When the request would fit.
        retry_after_ms: u64,
    },
    /// The partition ran out of offsets or sequence numbers (after 2^64 records, in theory).
    #[error("partition {0} has no offsets left")]
    OffsetOverflow(TopicPartition),
    /// A transaction's group offset moved since the step read it: another processor (a second
    /// tab, a worker thought dead) committed first, so this step is refused whole (fenced).
    #[error("the group's offset of {topic_partition} is {found:?}, not {expected:?} as this step read it: another processor committed first")]
    Fenced {
        /// The partition whose offset moved.
        topic_partition: TopicPartition,
        /// What the step read (`None`: nothing committed).
        expected: Option<crate::types::Offset>,
        /// What is committed now.
        found: Option<crate::types::Offset>,
    },
    /// The storage failed; nothing was appended.
    #[error("storage failed: {0}")]
    Storage(#[source] E),
}

impl AppendError<Infallible> {
    /// Carries a refusal decided by the log into a store's error type.
    pub fn widen<E>(self) -> AppendError<E> {
        match self {
            AppendError::UnknownTopicOrPartition(tp) => AppendError::UnknownTopicOrPartition(tp),
            AppendError::Empty => AppendError::Empty,
            AppendError::RecordTooLarge { index, size, max } => {
                AppendError::RecordTooLarge { index, size, max }
            }
            AppendError::ShardClosed(s) => AppendError::ShardClosed(s),
            AppendError::KeylessRecordOnCompactedTopic { index } => {
                AppendError::KeylessRecordOnCompactedTopic { index }
            }
            AppendError::ProvisionedThroughputExceeded {
                shard,
                retry_after_ms,
            } => AppendError::ProvisionedThroughputExceeded {
                shard,
                retry_after_ms,
            },
            AppendError::OffsetOverflow(tp) => AppendError::OffsetOverflow(tp),
            AppendError::Fenced {
                topic_partition,
                expected,
                found,
            } => AppendError::Fenced {
                topic_partition,
                expected,
                found,
            },
            AppendError::Storage(never) => match never {},
        }
    }
}

/// What an append did: where its records went.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AppendInfo {
    /// The offset of the first appended record; the rest follow contiguously.
    pub base_offset: Offset,
    /// How many records were appended.
    pub record_count: u32,
    /// The sequence number of the first record; the rest follow, one apart.
    pub base_sequence: SequenceNumber,
    /// The timestamp given to records that had none (LogAppendTime, ApproximateArrivalTimestamp).
    pub append_time: Timestamp,
}

/// Which timestamp a record keeps (Kafka's `message.timestamp.type`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum TimestampType {
    /// The producer's timestamp, or the append time when it gave none.
    #[default]
    CreateTime,
    /// Always the append time (Kinesis' ApproximateArrivalTimestamp works this way).
    LogAppendTime,
}

/// The topic's rules an append must follow.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AppendRules {
    /// The largest record, in bytes of key, value and headers.
    pub max_record_bytes: usize,
    /// Which timestamp records keep.
    pub timestamp_type: TimestampType,
    /// Every record needs a key (compacted topics).
    pub require_keys: bool,
    /// Per-shard write limits, when throttling is on.
    pub limits: Option<ShardLimits>,
}

impl Default for AppendRules {
    fn default() -> Self {
        AppendRules {
            max_record_bytes: MAX_RECORD_BYTES,
            timestamp_type: TimestampType::CreateTime,
            require_keys: false,
            limits: None,
        }
    }
}

/// One batch's entry in a partition's batch index, which lets a store find a batch by offset,
/// by sequence number or by time in O(log n). All three keys grow with the base offset.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BatchIndexEntry {
    /// The batch's first offset (its key).
    pub base_offset: Offset,
    /// The offset after the batch.
    pub next_offset: Offset,
    /// The batch's first sequence number.
    pub base_sequence: SequenceNumber,
    /// The largest record timestamp in this batch and every batch before it, as Kafka's time
    /// index keeps it: never decreasing, so "the first batch whose value is at least T" holds the
    /// first record with a timestamp at least T.
    pub max_timestamp_so_far: Timestamp,
    /// Records in the batch (fewer than its offset span after compaction).
    pub record_count: u32,
    /// The encoded batch's size in bytes.
    pub size_bytes: u64,
}

/// A change to a partition's stored batches, planned by retention or compaction and applied by a
/// store atomically with the partition's new state (see [`PartitionState::plan_rewrite`]).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct BatchRewrite {
    /// The partition's rewrite epoch the plan was made at; a store refuses the plan if another
    /// rewrite happened since.
    pub epoch: u64,
    /// Batches to delete, by base offset, with their index entries as planned.
    pub deleted: Vec<BatchIndexEntry>,
    /// Batches to replace: the new index entry (same base offset) and the new bytes.
    pub replaced: Vec<(BatchIndexEntry, Vec<u8>)>,
    /// The old index entries of the replaced batches, in the same order.
    pub replaced_before: Vec<BatchIndexEntry>,
    /// The new log start offset, if it moves.
    pub log_start_offset: Option<Offset>,
    /// The new log end offset, if the log is truncated (only ever lower): offsets from here on
    /// are assigned again; sequence numbers never are.
    pub log_end_offset: Option<Offset>,
}

/// Why a batch rewrite could not be applied.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RewriteConflict {
    /// Another retention or compaction run changed the partition since the plan was made.
    #[error("the partition was rewritten since this plan was made (epoch {planned}, now {current}); plan again")]
    Stale {
        /// The epoch the plan was made at.
        planned: u64,
        /// The partition's epoch now.
        current: u64,
    },
}

/// A record as a producer sends it: no offset or sequence number yet.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct RecordData {
    /// The key (Kinesis: the partition key as UTF-8); `None` for none.
    pub key: Option<Vec<u8>>,
    /// The value; `None` is a tombstone.
    pub value: Option<Vec<u8>>,
    /// Headers, in order.
    pub headers: Vec<Header>,
    /// CreateTime; `None` takes the append time.
    pub timestamp: Option<Timestamp>,
}
