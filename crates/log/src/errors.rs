//! Why a read failed: an offset outside the log, a stored batch that fails its checks, a fetch
//! or a position that cannot be served, and a Kinesis GetRecords limit out of range. Shared by
//! `fetch`, `position` and the stores.

use crate::batch::DecodeError;
use crate::group::values::GroupId;
use crate::names::TopicPartition;
use crate::types::{Offset, SequenceNumber};

/// A Kinesis GetRecords limit outside 1 to 10,000.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("GetRecords limit {0} is out of range; use 1 to 10,000")]
pub struct GetRecordsLimitError(pub u32);

/// An offset outside a partition's log.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("offset {requested} is out of range for {topic_partition}: the log holds {log_start_offset}..{log_end_offset}")]
pub struct OffsetOutOfRange {
    /// The partition.
    pub topic_partition: TopicPartition,
    /// The offset asked for.
    pub requested: Offset,
    /// The first offset in the log.
    pub log_start_offset: Offset,
    /// The offset after the last record.
    pub log_end_offset: Offset,
}

/// A stored batch that failed its checks, named by where it is stored.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("corrupt batch at base offset {base_offset} of {topic_partition}: {source}")]
pub struct CorruptBatch {
    /// The partition.
    pub topic_partition: TopicPartition,
    /// The batch's base offset, which is its key in storage.
    pub base_offset: Offset,
    /// What is wrong with it.
    #[source]
    pub source: DecodeError,
}

/// Why a fetch failed.
#[derive(Debug, thiserror::Error)]
pub enum FetchError<E> {
    /// The topic or partition does not exist.
    #[error("unknown topic or partition {0}")]
    UnknownTopicOrPartition(TopicPartition),
    /// The offset is below the log start or above the log end.
    #[error(transparent)]
    OffsetOutOfRange(OffsetOutOfRange),
    /// A stored batch failed its checks.
    #[error(transparent)]
    Corrupt(CorruptBatch),
    /// The storage failed.
    #[error("storage failed: {0}")]
    Storage(#[source] E),
}

/// What a shard has assigned, for [`PositionError::SequenceNumberOutOfRange`].
fn assigned_below(next: &SequenceNumber) -> String {
    if next.0 == 0 {
        "it has no records yet".to_owned()
    } else {
        format!("every sequence number it assigned is below {next}")
    }
}

/// Why a position could not be resolved.
#[derive(Debug, thiserror::Error)]
pub enum PositionError<E> {
    /// The topic or partition does not exist.
    #[error("unknown topic or partition {0}")]
    UnknownTopicOrPartition(TopicPartition),
    /// The offset is outside the log and the reset policy is `none`.
    #[error(transparent)]
    OffsetOutOfRange(OffsetOutOfRange),
    /// The sequence number was never assigned in this shard (it is past the newest one).
    #[error(
        "sequence number {requested} is not in {topic_partition}: it was never assigned there ({})",
        assigned_below(next)
    )]
    SequenceNumberOutOfRange {
        /// The shard.
        topic_partition: TopicPartition,
        /// The sequence number asked for.
        requested: SequenceNumber,
        /// The shard's next sequence number floor.
        next: SequenceNumber,
    },
    /// A stored batch failed its checks.
    #[error(transparent)]
    Corrupt(CorruptBatch),
    /// The group has no committed offset here and the reset policy is `none`.
    #[error("group '{group}' has no committed offset for {topic_partition} and auto.offset.reset is none")]
    NoCommittedOffset {
        /// The group.
        group: GroupId,
        /// The partition.
        topic_partition: TopicPartition,
    },
    /// The storage failed.
    #[error("storage failed: {0}")]
    Storage(#[source] E),
}
