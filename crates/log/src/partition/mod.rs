//! A partition's metadata and the rules of appending to it (`values` holds what appends and
//! rewrites are made of).

use std::borrow::Borrow;

use crate::batch::{encode_views, RecordView};
use crate::names::TopicPartition;
use crate::partitioner::HashKeyRange;
use crate::record::payload_size;
use crate::throttle::WriteQuota;
use crate::types::{Offset, PartitionId, SequenceNumber, ShardId, Timestamp};

mod values;

pub use values::{
    AppendError, AppendInfo, AppendRules, BatchIndexEntry, BatchRewrite, RecordData,
    RewriteConflict, ShardState, TimestampType, MAX_RECORD_BYTES,
};

/// A planned append: the new partition state and the encoded batch to store with it, atomically.
#[derive(Clone, Debug)]
pub struct PlannedAppend {
    /// The partition's state once the batch is stored.
    pub state: PartitionState,
    /// The encoded batch (see [`RecordBatch`]).
    pub batch: Vec<u8>,
    /// The batch's index entry, stored with it.
    pub index: BatchIndexEntry,
    /// What to tell the producer.
    pub info: AppendInfo,
}

/// A partition's (shard's) metadata: everything the dashboard shows without reading records.
#[derive(Clone, Debug, PartialEq)]
pub struct PartitionState {
    partition: PartitionId,
    log_start_offset: Offset,
    log_end_offset: Offset,
    next_sequence_number: SequenceNumber,
    record_count: u64,
    byte_count: u64,
    max_timestamp: Timestamp,
    hash_key_range: Option<HashKeyRange>,
    shard_state: ShardState,
    parents: Vec<PartitionId>,
    ending_sequence_number: Option<SequenceNumber>,
    rewrite_epoch: u64,
    write_quota: Option<WriteQuota>,
}

/// The fields of a [`PartitionState`], for stores that write it out and read it back.
#[derive(Clone, Debug, PartialEq)]
pub struct PartitionStateParts {
    /// See [`PartitionState::partition`].
    pub partition: PartitionId,
    /// See [`PartitionState::log_start_offset`].
    pub log_start_offset: Offset,
    /// See [`PartitionState::log_end_offset`].
    pub log_end_offset: Offset,
    /// See [`PartitionState::next_sequence_number`].
    pub next_sequence_number: SequenceNumber,
    /// See [`PartitionState::record_count`].
    pub record_count: u64,
    /// See [`PartitionState::byte_count`].
    pub byte_count: u64,
    /// See [`PartitionState::max_timestamp`].
    pub max_timestamp: Timestamp,
    /// See [`PartitionState::hash_key_range`].
    pub hash_key_range: Option<HashKeyRange>,
    /// See [`PartitionState::shard_state`].
    pub shard_state: ShardState,
    /// See [`PartitionState::parents`].
    pub parents: Vec<PartitionId>,
    /// See [`PartitionState::ending_sequence_number`].
    pub ending_sequence_number: Option<SequenceNumber>,
    /// See [`PartitionState::rewrite_epoch`].
    pub rewrite_epoch: u64,
    /// See [`PartitionState::write_quota`].
    pub write_quota: Option<WriteQuota>,
}

impl PartitionState {
    /// An empty, open partition. Kinesis shards own `hash_key_range`; Kafka partitions own none.
    pub fn new(partition: PartitionId, hash_key_range: Option<HashKeyRange>) -> PartitionState {
        PartitionState {
            partition,
            log_start_offset: Offset(0),
            log_end_offset: Offset(0),
            next_sequence_number: SequenceNumber(0),
            record_count: 0,
            byte_count: 0,
            max_timestamp: Timestamp(i64::MIN),
            hash_key_range,
            shard_state: ShardState::Open,
            parents: Vec::new(),
            ending_sequence_number: None,
            rewrite_epoch: 0,
            write_quota: None,
        }
    }

    /// A new, open child shard of `parents` owning `range`. Its sequence numbers start above
    /// every parent's, so a reader that drains the parents first sees them increase.
    pub fn child(
        partition: PartitionId,
        range: HashKeyRange,
        parents: &[&PartitionState],
    ) -> PartitionState {
        let floor = parents
            .iter()
            .map(|p| p.next_sequence_number)
            .max()
            .unwrap_or_default();
        PartitionState {
            next_sequence_number: floor,
            parents: parents.iter().map(|p| p.partition).collect(),
            ..PartitionState::new(partition, Some(range))
        }
    }

    /// This shard closed by a split or merge: it takes no more records, and its ending sequence
    /// number is its last record's (none when it never held one).
    pub fn closed(&self) -> PartitionState {
        PartitionState {
            shard_state: ShardState::Closed,
            ending_sequence_number: (self.log_end_offset.0 > 0)
                .then(|| SequenceNumber(self.next_sequence_number.0.saturating_sub(1))),
            ..self.clone()
        }
    }

    /// Rebuilds a state read back from storage. Returns `None` when the fields contradict each
    /// other (the log start past the log end), which only corrupted storage can produce.
    pub fn from_parts(parts: PartitionStateParts) -> Option<PartitionState> {
        if parts.log_start_offset > parts.log_end_offset {
            return None;
        }
        Some(PartitionState {
            partition: parts.partition,
            log_start_offset: parts.log_start_offset,
            log_end_offset: parts.log_end_offset,
            next_sequence_number: parts.next_sequence_number,
            record_count: parts.record_count,
            byte_count: parts.byte_count,
            max_timestamp: parts.max_timestamp,
            hash_key_range: parts.hash_key_range,
            shard_state: parts.shard_state,
            parents: parts.parents,
            ending_sequence_number: parts.ending_sequence_number,
            rewrite_epoch: parts.rewrite_epoch,
            write_quota: parts.write_quota,
        })
    }

    /// The fields, for writing out.
    pub fn to_parts(&self) -> PartitionStateParts {
        PartitionStateParts {
            partition: self.partition,
            log_start_offset: self.log_start_offset,
            log_end_offset: self.log_end_offset,
            next_sequence_number: self.next_sequence_number,
            record_count: self.record_count,
            byte_count: self.byte_count,
            max_timestamp: self.max_timestamp,
            hash_key_range: self.hash_key_range,
            shard_state: self.shard_state,
            parents: self.parents.clone(),
            ending_sequence_number: self.ending_sequence_number,
            rewrite_epoch: self.rewrite_epoch,
            write_quota: self.write_quota,
        }
    }

    /// The partition's number (Kinesis: the shard's index).
    pub fn partition(&self) -> PartitionId {
        self.partition
    }

    /// The Kinesis shard id of this partition.
    pub fn shard_id(&self) -> ShardId {
        ShardId::from(self.partition)
    }

    /// The first offset still in the log (Kinesis: the trim horizon).
    pub fn log_start_offset(&self) -> Offset {
        self.log_start_offset
    }

    /// The offset the next record will get. Streamlab has no replicas, so this is also Kafka's
    /// high watermark.
    pub fn log_end_offset(&self) -> Offset {
        self.log_end_offset
    }

    /// The sequence number floor for the next record.
    pub fn next_sequence_number(&self) -> SequenceNumber {
        self.next_sequence_number
    }

    /// Records in the log now.
    pub fn record_count(&self) -> u64 {
        self.record_count
    }

    /// Bytes of stored batches.
    pub fn byte_count(&self) -> u64 {
        self.byte_count
    }

    /// The largest record timestamp ever appended (`i64::MIN` when empty).
    pub fn max_timestamp(&self) -> Timestamp {
        self.max_timestamp
    }

    /// The shard's hash-key range (Kinesis only).
    pub fn hash_key_range(&self) -> Option<&HashKeyRange> {
        self.hash_key_range.as_ref()
    }

    /// Open or closed.
    pub fn shard_state(&self) -> ShardState {
        self.shard_state
    }

    /// The shards this one was split or merged from (Kinesis' ParentShardId and
    /// AdjacentParentShardId; more after UpdateShardCount). Empty for original shards.
    pub fn parents(&self) -> &[PartitionId] {
        &self.parents
    }

    /// A closed shard's last sequence number (Kinesis' EndingSequenceNumber).
    pub fn ending_sequence_number(&self) -> Option<SequenceNumber> {
        self.ending_sequence_number
    }

    /// Counts retention and compaction rewrites, so a stale plan is refused.
    pub fn rewrite_epoch(&self) -> u64 {
        self.rewrite_epoch
    }

    /// The shard's write quota when throttling is on (`None` means full).
    pub fn write_quota(&self) -> Option<&WriteQuota> {
        self.write_quota.as_ref()
    }

    /// The state after `rewrite` is applied: the log start moves, counts drop by what was
    /// removed, and the rewrite epoch advances. Refuses a plan made at another epoch.
    pub fn plan_rewrite(&self, rewrite: &BatchRewrite) -> Result<PartitionState, RewriteConflict> {
        if rewrite.epoch != self.rewrite_epoch {
            return Err(RewriteConflict::Stale {
                planned: rewrite.epoch,
                current: self.rewrite_epoch,
            });
        }
        let removed_records: u64 = rewrite
            .deleted
            .iter()
            .chain(&rewrite.replaced_before)
            .map(|e| u64::from(e.record_count))
            .sum::<u64>()
            - rewrite
                .replaced
                .iter()
                .map(|(e, _)| u64::from(e.record_count))
                .sum::<u64>();
        let removed_bytes: u64 = rewrite
            .deleted
            .iter()
            .chain(&rewrite.replaced_before)
            .map(|e| e.size_bytes)
            .sum::<u64>()
            - rewrite
                .replaced
                .iter()
                .map(|(e, _)| e.size_bytes)
                .sum::<u64>();
        let log_end_offset = rewrite
            .log_end_offset
            .map_or(self.log_end_offset, |end| end.min(self.log_end_offset));
        let log_start_offset = rewrite
            .log_start_offset
            .unwrap_or(self.log_start_offset)
            .max(self.log_start_offset)
            .min(log_end_offset);
        Ok(PartitionState {
            log_start_offset,
            log_end_offset,
            record_count: self.record_count.saturating_sub(removed_records),
            byte_count: self.byte_count.saturating_sub(removed_bytes),
            rewrite_epoch: self.rewrite_epoch + 1,
            ..self.clone()
        })
    }

    /// Plans appending `records` at `append_time`: assigns offsets from the log end offset and
    /// sequence numbers, encodes the batch, and returns the state to store with it. A store
    /// applies the result atomically or not at all.
    ///
    /// Sequence numbers: the batch's base is `max(next_sequence_number, append_time · 10^6)`, so
    /// they track arrival time (as Kinesis' do) yet keep strictly increasing when the clock goes
    /// backwards; records within a batch are one apart, batches leave gaps.
    pub fn plan_append<R: Borrow<RecordData>>(
        &self,
        topic_partition: &TopicPartition,
        records: &[R],
        append_time: Timestamp,
        rules: &AppendRules,
    ) -> Result<PlannedAppend, AppendError> {
        let max_record_bytes = rules.max_record_bytes;
        if records.is_empty() {
            return Err(AppendError::Empty);
        }
        if self.shard_state == ShardState::Closed {
            return Err(AppendError::ShardClosed(self.shard_id()));
        }
        for (index, r) in records.iter().map(Borrow::borrow).enumerate() {
            if rules.require_keys && r.key.is_none() {
                return Err(AppendError::KeylessRecordOnCompactedTopic { index });
            }
            let size = payload_size(&r.key, &r.value, &r.headers);
            if size > max_record_bytes {
                return Err(AppendError::RecordTooLarge {
                    index,
                    size,
                    max: max_record_bytes,
                });
            }
        }
        let overflow = || AppendError::OffsetOverflow(topic_partition.clone());
        let count = u32::try_from(records.len()).map_err(|_| overflow())?;
        let base_offset = self.log_end_offset;
        let clock_floor = u128::try_from(append_time.0.max(0)).unwrap_or(0) * 1_000_000;
        let base_sequence = SequenceNumber(self.next_sequence_number.0.max(clock_floor));
        // Offsets and sequence numbers must not wrap; check the last ones once.
        base_offset
            .0
            .checked_add(u64::from(count))
            .ok_or_else(overflow)?;
        base_sequence
            .0
            .checked_add(u128::from(count))
            .ok_or_else(overflow)?;
        let timestamp_of = |r: &RecordData| match rules.timestamp_type {
            TimestampType::CreateTime => r.timestamp.unwrap_or(append_time),
            TimestampType::LogAppendTime => append_time,
        };
        let views = records
            .iter()
            .map(Borrow::borrow)
            .enumerate()
            .map(|(i, r)| RecordView {
                offset: Offset(base_offset.0 + i as u64),
                sequence_number: SequenceNumber(base_sequence.0 + i as u128),
                timestamp: timestamp_of(r),
                key: r.key.as_deref(),
                value: r.value.as_deref(),
                headers: &r.headers,
            });
        let batch = encode_views(views).ok_or_else(overflow)?;
        let max_timestamp = records
            .iter()
            .map(|r| timestamp_of(r.borrow()))
            .fold(self.max_timestamp, Timestamp::max);
        let next_offset = base_offset
            .0
            .checked_add(u64::from(count))
            .ok_or_else(overflow)?;
        let next_sequence = base_sequence
            .0
            .checked_add(u128::from(count))
            .ok_or_else(overflow)?;
        // Throttling is decided last, so a request refused for any other reason costs no quota.
        let write_quota = match &rules.limits {
            None => self.write_quota,
            Some(limits) => {
                let bytes = records
                    .iter()
                    .map(Borrow::borrow)
                    .map(|r: &RecordData| payload_size(&r.key, &r.value, &r.headers))
                    .sum();
                let quota =
                    WriteQuota::take(self.write_quota, limits, records.len(), bytes, append_time)
                        .map_err(
                        |retry_after_ms| AppendError::ProvisionedThroughputExceeded {
                            shard: self.shard_id(),
                            retry_after_ms,
                        },
                    )?;
                Some(quota)
            }
        };
        let state = PartitionState {
            log_end_offset: Offset(next_offset),
            next_sequence_number: SequenceNumber(next_sequence),
            record_count: self.record_count + u64::from(count),
            byte_count: self.byte_count + batch.len() as u64,
            max_timestamp,
            write_quota,
            ..self.clone()
        };
        let index = BatchIndexEntry {
            base_offset,
            next_offset: state.log_end_offset,
            base_sequence,
            max_timestamp_so_far: state.max_timestamp,
            record_count: count,
            size_bytes: batch.len() as u64,
        };
        Ok(PlannedAppend {
            state,
            batch,
            index,
            info: AppendInfo {
                base_offset,
                record_count: count,
                base_sequence,
                append_time,
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::batch::RecordBatch;
    use crate::names::TopicName;
    use crate::types::Mode;

    fn tp() -> TopicPartition {
        TopicPartition::new(
            TopicName::new("t", Mode::Kafka).expect("legal"),
            PartitionId(0),
        )
    }

    fn data(value: &str) -> RecordData {
        RecordData {
            value: Some(value.as_bytes().to_vec()),
            ..RecordData::default()
        }
    }

    #[test]
    fn appends_assign_contiguous_offsets_from_the_log_end() {
        let s0 = PartitionState::new(PartitionId(0), None);
        let a = s0
            .plan_append(
                &tp(),
                &[data("a"), data("b")],
                Timestamp(10),
                &AppendRules::default(),
            )
            .expect("append");
        assert_eq!(a.info.base_offset, Offset(0));
        assert_eq!(a.state.log_end_offset(), Offset(2));
        let b = a
            .state
            .plan_append(&tp(), &[data("c")], Timestamp(11), &AppendRules::default())
            .expect("append");
        assert_eq!(b.info.base_offset, Offset(2));
        assert_eq!(b.state.log_end_offset(), Offset(3));
        assert_eq!(b.state.record_count(), 3);
        let batch = RecordBatch::decode(&b.batch).expect("decodes");
        assert_eq!(batch.records()[0].offset(), Offset(2));
        assert_eq!(batch.records()[0].timestamp(), Timestamp(11));
    }

    #[test]
    fn sequence_numbers_increase_even_when_the_clock_goes_back() {
        let s0 = PartitionState::new(PartitionId(0), None);
        let a = s0
            .plan_append(
                &tp(),
                &[data("a"), data("b")],
                Timestamp(5_000),
                &AppendRules::default(),
            )
            .expect("append");
        assert_eq!(a.info.base_sequence, SequenceNumber(5_000_000_000));
        let b = a
            .state
            .plan_append(
                &tp(),
                &[data("c")],
                Timestamp(1_000),
                &AppendRules::default(),
            )
            .expect("append");
        assert_eq!(b.info.base_sequence, SequenceNumber(5_000_000_002));
        let c = b
            .state
            .plan_append(
                &tp(),
                &[data("d")],
                Timestamp(6_000),
                &AppendRules::default(),
            )
            .expect("append");
        assert_eq!(c.info.base_sequence, SequenceNumber(6_000_000_000));
    }

    #[test]
    fn refusals_name_the_reason() {
        let s0 = PartitionState::new(PartitionId(0), None);
        assert!(matches!(
            s0.plan_append::<RecordData>(&tp(), &[], Timestamp(0), &AppendRules::default()),
            Err(AppendError::Empty)
        ));
        assert!(matches!(
            s0.plan_append(
                &tp(),
                &[data("ok"), data("too long")],
                Timestamp(0),
                &AppendRules {
                    max_record_bytes: 4,
                    ..AppendRules::default()
                }
            ),
            Err(AppendError::RecordTooLarge {
                index: 1,
                size: 8,
                max: 4
            })
        ));
        let mut closed = s0.to_parts();
        closed.shard_state = ShardState::Closed;
        let closed = PartitionState::from_parts(closed).expect("consistent");
        assert!(matches!(
            closed.plan_append(&tp(), &[data("x")], Timestamp(0), &AppendRules::default()),
            Err(AppendError::ShardClosed(ShardId(0)))
        ));
    }

    #[test]
    fn log_append_time_overrides_the_producers_timestamp() {
        let s0 = PartitionState::new(PartitionId(0), None);
        let mut with_time = data("a");
        with_time.timestamp = Some(Timestamp(42));
        let create = s0
            .plan_append(
                &tp(),
                &[with_time.clone()],
                Timestamp(99),
                &AppendRules::default(),
            )
            .expect("append");
        let rules = AppendRules {
            timestamp_type: TimestampType::LogAppendTime,
            ..AppendRules::default()
        };
        let append = s0
            .plan_append(&tp(), &[with_time], Timestamp(99), &rules)
            .expect("append");
        let first = |p: &PlannedAppend| {
            RecordBatch::decode(&p.batch).expect("decodes").records()[0].timestamp()
        };
        assert_eq!(first(&create), Timestamp(42));
        assert_eq!(first(&append), Timestamp(99));
    }

    #[test]
    fn the_batch_index_keeps_the_running_max_timestamp() {
        let s0 = PartitionState::new(PartitionId(0), None);
        let at = |t| RecordData {
            timestamp: Some(Timestamp(t)),
            ..data("x")
        };
        let a = s0
            .plan_append(
                &tp(),
                &[at(50), at(20)],
                Timestamp(0),
                &AppendRules::default(),
            )
            .expect("append");
        assert_eq!(a.index.max_timestamp_so_far, Timestamp(50));
        assert_eq!(a.index.next_offset, Offset(2));
        // A later batch of older records does not lower the running maximum.
        let b = a
            .state
            .plan_append(&tp(), &[at(10)], Timestamp(0), &AppendRules::default())
            .expect("append");
        assert_eq!(b.index.max_timestamp_so_far, Timestamp(50));
        assert_eq!(b.index.base_offset, Offset(2));
        assert_eq!(b.index.base_sequence, b.info.base_sequence);
    }

    #[test]
    fn stored_state_that_contradicts_itself_is_refused() {
        let mut parts = PartitionState::new(PartitionId(0), None).to_parts();
        parts.log_start_offset = Offset(5);
        assert_eq!(PartitionState::from_parts(parts), None);
    }
}
