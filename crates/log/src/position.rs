//! Positions: where a consumer starts reading, in Kafka's words and in Kinesis' shard iterator
//! types, and how the log maps them to offsets.

use crate::batch::RecordBatch;
use crate::errors::{CorruptBatch, OffsetOutOfRange, PositionError};
use crate::names::TopicPartition;
use crate::storage::{BatchLookup, Storage};
use crate::types::{Offset, SequenceNumber, Timestamp};

/// A position in a partition, in Kafka's vocabulary. Kinesis' [`ShardIteratorType`] converts into
/// it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Position {
    /// The log start offset (Kinesis: TRIM_HORIZON).
    Earliest,
    /// The log end offset: only records appended from now on (Kinesis: LATEST).
    Latest,
    /// This offset.
    Offset(Offset),
    /// The first record whose timestamp is at least this (Kafka's `offsetsForTimes`, Kinesis'
    /// AT_TIMESTAMP); the log end when there is none.
    Timestamp(Timestamp),
    /// The record with this sequence number, or the first after it (AT_SEQUENCE_NUMBER).
    AtSequenceNumber(SequenceNumber),
    /// The first record after this sequence number (AFTER_SEQUENCE_NUMBER).
    AfterSequenceNumber(SequenceNumber),
}

/// Kinesis' `ShardIteratorType`, with the value each type needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ShardIteratorType {
    /// The oldest record still in the shard.
    TrimHorizon,
    /// Just after the newest record.
    Latest,
    /// At the given sequence number.
    AtSequenceNumber(SequenceNumber),
    /// Right after the given sequence number.
    AfterSequenceNumber(SequenceNumber),
    /// At the first record at or after the given time.
    AtTimestamp(Timestamp),
}

impl ShardIteratorType {
    /// The name Kinesis' API uses (`TRIM_HORIZON`, …).
    pub fn name(&self) -> &'static str {
        match self {
            ShardIteratorType::TrimHorizon => "TRIM_HORIZON",
            ShardIteratorType::Latest => "LATEST",
            ShardIteratorType::AtSequenceNumber(_) => "AT_SEQUENCE_NUMBER",
            ShardIteratorType::AfterSequenceNumber(_) => "AFTER_SEQUENCE_NUMBER",
            ShardIteratorType::AtTimestamp(_) => "AT_TIMESTAMP",
        }
    }
}

impl From<ShardIteratorType> for Position {
    fn from(t: ShardIteratorType) -> Position {
        match t {
            ShardIteratorType::TrimHorizon => Position::Earliest,
            ShardIteratorType::Latest => Position::Latest,
            ShardIteratorType::AtSequenceNumber(s) => Position::AtSequenceNumber(s),
            ShardIteratorType::AfterSequenceNumber(s) => Position::AfterSequenceNumber(s),
            ShardIteratorType::AtTimestamp(t) => Position::Timestamp(t),
        }
    }
}

/// What to do with an offset outside the log (Kafka's `auto.offset.reset`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum OffsetResetPolicy {
    /// Move to the log start offset.
    Earliest,
    /// Move to the log end offset (Kafka's default).
    #[default]
    Latest,
    /// Fail with [`PositionError::OffsetOutOfRange`].
    None,
}

/// Resolves `position` in `topic_partition` to the offset a fetch should start at, applying
/// `reset` to offsets outside the log. Timestamp and sequence-number positions cost one index
/// lookup (O(log n)) and at most one batch read.
pub async fn resolve_position<S: Storage>(
    store: &S,
    topic_partition: &TopicPartition,
    position: Position,
    reset: OffsetResetPolicy,
) -> Result<Offset, PositionError<S::Error>> {
    let state = store
        .partition_state(topic_partition)
        .await
        .map_err(PositionError::Storage)?
        .ok_or_else(|| PositionError::UnknownTopicOrPartition(topic_partition.clone()))?;
    let (start, end) = (state.log_start_offset(), state.log_end_offset());
    let clamp = |o: Offset| o.max(start).min(end);
    match position {
        Position::Earliest => Ok(start),
        Position::Latest => Ok(end),
        Position::Offset(o) if start <= o && o <= end => Ok(o),
        Position::Offset(requested) => match reset {
            OffsetResetPolicy::Earliest => Ok(start),
            OffsetResetPolicy::Latest => Ok(end),
            OffsetResetPolicy::None => Err(PositionError::OffsetOutOfRange(OffsetOutOfRange {
                topic_partition: topic_partition.clone(),
                requested,
                log_start_offset: start,
                log_end_offset: end,
            })),
        },
        Position::Timestamp(t) => {
            let Some(entry) = store
                .lookup_batch(topic_partition, BatchLookup::Timestamp(t))
                .await
                .map_err(PositionError::Storage)?
            else {
                return Ok(end);
            };
            // Every earlier batch holds only older records, so the answer is in this batch or
            // after it. It is in this one unless retention deleted the batch that raised the
            // running maximum; then the first record at or after T comes later.
            let found = first_from(store, topic_partition, entry.base_offset, end, |r| {
                r.timestamp() >= t
            })
            .await?;
            Ok(clamp(found.unwrap_or(end)))
        }
        Position::AtSequenceNumber(s) | Position::AfterSequenceNumber(s) => {
            if s >= state.next_sequence_number() {
                return Err(PositionError::SequenceNumberOutOfRange {
                    topic_partition: topic_partition.clone(),
                    requested: s,
                    next: state.next_sequence_number(),
                });
            }
            let after = matches!(position, Position::AfterSequenceNumber(_));
            let (offset, exact) = offset_for_sequence(store, topic_partition, s).await?;
            Ok(clamp(if exact && after {
                Offset(offset.0 + 1)
            } else {
                offset
            }))
        }
    }
}

/// The offset of the record with sequence number `s`, with `true`; or, when no record has it,
/// the offset of the first record after it, with `false`. O(log n).
async fn offset_for_sequence<S: Storage>(
    store: &S,
    tp: &TopicPartition,
    s: SequenceNumber,
) -> Result<(Offset, bool), PositionError<S::Error>> {
    let entry = store
        .lookup_batch(tp, BatchLookup::Sequence(s))
        .await
        .map_err(PositionError::Storage)?;
    let Some(entry) = entry else {
        // Before the first batch: the first record comes after it.
        return Ok((Offset(0), false));
    };
    let delta = s.0 - entry.base_sequence.0;
    let span = u128::from(entry.next_offset.0 - entry.base_offset.0);
    if delta < span {
        // Within the batch's range: offset and sequence number move together.
        Ok((Offset(entry.base_offset.0 + delta as u64), true))
    } else {
        // In the gap between this batch's sequence numbers and the next batch's.
        Ok((entry.next_offset, false))
    }
}

/// The sequence number of the record at `offset`, if a batch covers it. O(log n).
pub async fn sequence_number_at<S: Storage>(
    store: &S,
    tp: &TopicPartition,
    offset: Offset,
) -> Result<Option<SequenceNumber>, S::Error> {
    let entry = store.lookup_batch(tp, BatchLookup::Offset(offset)).await?;
    Ok(entry
        .filter(|e| offset < e.next_offset)
        .map(|e| SequenceNumber(e.base_sequence.0 + u128::from(offset.0 - e.base_offset.0))))
}

/// The offset of the first record from `from` on that satisfies `pred`, reading batch by batch
/// up to `end`.
async fn first_from<S: Storage>(
    store: &S,
    tp: &TopicPartition,
    from: Offset,
    end: Offset,
    pred: impl Fn(&crate::record::Record) -> bool,
) -> Result<Option<Offset>, PositionError<S::Error>> {
    let mut next = from;
    while next < end {
        let batches = store
            .read_batches(tp, next, 0)
            .await
            .map_err(PositionError::Storage)?;
        let Some(stored) = batches.into_iter().next() else {
            return Ok(None);
        };
        let batch = RecordBatch::decode(&stored.bytes).map_err(|source| {
            PositionError::Corrupt(CorruptBatch {
                topic_partition: tp.clone(),
                base_offset: stored.base_offset,
                source,
            })
        })?;
        if let Some(found) = batch
            .records()
            .iter()
            .find(|r| r.offset() >= next && pred(r))
        {
            return Ok(Some(found.offset()));
        }
        let after = batch.header().next_offset();
        if after <= next {
            return Ok(None);
        }
        next = after;
    }
    Ok(None)
}
