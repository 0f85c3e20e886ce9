//! Reading the log: fetch from an offset with limits.

use crate::batch::RecordBatch;
use crate::errors::{CorruptBatch, FetchError, GetRecordsLimitError, OffsetOutOfRange};
use crate::names::TopicPartition;
use crate::record::Record;
use crate::storage::{BatchLookup, Storage, StoredBatch};
use crate::types::Offset;

/// How much one fetch may return.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FetchLimits {
    /// At most this many records.
    pub max_records: usize,
    /// Stop reading batches once this many encoded bytes were read (at least one batch is read).
    pub max_bytes: usize,
}

impl FetchLimits {
    /// The most records one Kinesis GetRecords call returns.
    pub const KINESIS_MAX_RECORDS: u32 = 10_000;

    /// Kinesis' GetRecords limits: `limit` records (1 to 10,000) and at most 10 MiB.
    pub fn get_records(limit: u32) -> Result<FetchLimits, GetRecordsLimitError> {
        if !(1..=Self::KINESIS_MAX_RECORDS).contains(&limit) {
            return Err(GetRecordsLimitError(limit));
        }
        Ok(FetchLimits {
            max_records: limit as usize,
            max_bytes: 10 * 1024 * 1024,
        })
    }
}

impl Default for FetchLimits {
    /// 500 records (Kafka's `max.poll.records`) and 1 MiB (`max.partition.fetch.bytes`).
    fn default() -> Self {
        FetchLimits {
            max_records: 500,
            max_bytes: 1024 * 1024,
        }
    }
}

/// What a fetch returned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fetched {
    /// The records, in offset order, starting at the first offset at or after the one asked for.
    pub records: Vec<Record>,
    /// Where the next fetch should start.
    pub next_offset: Offset,
    /// The partition's log start offset when the fetch began.
    pub log_start_offset: Offset,
    /// The partition's log end offset (high watermark) when the fetch began.
    pub log_end_offset: Offset,
}

/// Fetches records of `topic_partition` from `offset` on, within `limits`.
///
/// An offset equal to the log end offset is in range and returns no records (a consumer that has
/// caught up). Offsets missing inside the log (compaction gaps) are skipped.
pub async fn fetch<S: Storage>(
    store: &S,
    topic_partition: &TopicPartition,
    offset: Offset,
    limits: FetchLimits,
) -> Result<Fetched, FetchError<S::Error>> {
    let state = store
        .partition_state(topic_partition)
        .await
        .map_err(FetchError::Storage)?
        .ok_or_else(|| FetchError::UnknownTopicOrPartition(topic_partition.clone()))?;
    let (log_start_offset, log_end_offset) = (state.log_start_offset(), state.log_end_offset());
    if offset < log_start_offset || offset > log_end_offset {
        return Err(FetchError::OffsetOutOfRange(OffsetOutOfRange {
            topic_partition: topic_partition.clone(),
            requested: offset,
            log_start_offset,
            log_end_offset,
        }));
    }
    let mut fetched = Fetched {
        records: Vec::new(),
        next_offset: offset,
        log_start_offset,
        log_end_offset,
    };
    if offset == log_end_offset || limits.max_records == 0 {
        return Ok(fetched);
    }
    let batches = store
        .read_batches(topic_partition, offset, limits.max_bytes)
        .await
        .map_err(FetchError::Storage)?;
    for stored in batches {
        let wanted = limits.max_records - fetched.records.len();
        let batch =
            decode_stored(topic_partition, stored, offset, wanted).map_err(FetchError::Corrupt)?;
        let next_after_batch = batch.header().next_offset();
        for record in batch.into_records() {
            fetched.next_offset = Offset(record.offset().0 + 1);
            fetched.records.push(record);
        }
        if fetched.records.len() == limits.max_records {
            // The limit may have cut this batch short: resume right after the last record.
            break;
        }
        // The whole batch was read; compaction may have removed its last records, so the next
        // read starts after the batch.
        fetched.next_offset = fetched.next_offset.max(next_after_batch);
    }
    Ok(fetched)
}

/// Decodes one stored batch, keeping up to `wanted` records from `from` on. Only those are
/// copied out, and they share the stored batch's buffer: no copy per record.
fn decode_stored(
    topic_partition: &TopicPartition,
    stored: StoredBatch,
    from: Offset,
    wanted: usize,
) -> Result<RecordBatch, CorruptBatch> {
    RecordBatch::decode_range(stored.bytes, from, wanted).map_err(|source| CorruptBatch {
        topic_partition: topic_partition.clone(),
        base_offset: stored.base_offset,
        source,
    })
}

/// Reads a partition from one offset up to another, whole reads at a time, for a replay or a
/// consumer catching up. Each read decodes its batches group by group as the store hands them
/// over ([`Storage::read_batches_streamed`]), so on IndexedDB the decoding and the CRC checks
/// of one group overlap the fetching of the next instead of adding to it.
pub struct PartitionScan<'s, S: Storage> {
    store: &'s S,
    topic_partition: TopicPartition,
    /// The first offset not yet returned.
    position: Offset,
    /// Where the scan stops (exclusive).
    end: Offset,
    /// The byte budget of one read.
    max_bytes: usize,
    /// A damaged batch found after records that were returned first; reported next.
    pending: Option<CorruptBatch>,
}

impl<'s, S: Storage> PartitionScan<'s, S> {
    /// A scan of `from..end`; each read returns about `max_bytes` of batches (at least one).
    pub fn new(
        store: &'s S,
        topic_partition: TopicPartition,
        from: Offset,
        end: Offset,
        max_bytes: usize,
    ) -> Self {
        PartitionScan {
            store,
            topic_partition,
            position: from,
            end,
            max_bytes,
            pending: None,
        }
    }

    /// The first offset the scan has not returned yet.
    pub fn position(&self) -> Offset {
        self.position
    }

    /// Moves past `bad`, the damaged batch [`PartitionScan::next`] stopped before, to where the
    /// batch index says it ends, so the rest of the partition still reads.
    pub async fn skip_damaged(&mut self, bad: &CorruptBatch) -> Result<(), FetchError<S::Error>> {
        let entry = self
            .store
            .lookup_batch(&self.topic_partition, BatchLookup::Offset(bad.base_offset))
            .await
            .map_err(FetchError::Storage)?;
        let next = entry.map_or(self.end, |e| e.next_offset);
        self.pending = None;
        self.position = next.clamp(self.position, self.end);
        Ok(())
    }

    /// The next records in offset order (possibly none, where compaction removed them), or
    /// `None` once the scan reached its end. A corrupt batch is an error, and the scan stays
    /// before it; the records before it in the same read are returned first.
    pub async fn next(&mut self) -> Result<Option<Vec<Record>>, FetchError<S::Error>> {
        if let Some(bad) = self.pending.take() {
            return Err(FetchError::Corrupt(bad));
        }
        if self.position >= self.end {
            return Ok(None);
        }
        let (tp, from, end) = (&self.topic_partition, self.position, self.end);
        let mut records = Vec::new();
        // Where the last batch read ends, and the first damaged batch, if any.
        let mut follow: Option<Offset> = None;
        let mut bad: Option<CorruptBatch> = None;
        self.store
            .read_batches_streamed(tp, from, self.max_bytes, &mut |batches| {
                for stored in batches {
                    if bad.is_some() || stored.base_offset >= end {
                        // Past a damaged batch or past the scan's end: nothing more to decode.
                        continue;
                    }
                    let base_offset = stored.base_offset;
                    follow = Some(stored.next_offset);
                    if let Err(source) =
                        RecordBatch::decode_into(stored.bytes, from..end, usize::MAX, &mut records)
                    {
                        bad = Some(CorruptBatch {
                            topic_partition: tp.clone(),
                            base_offset,
                            source,
                        });
                    }
                }
            })
            .await
            .map_err(FetchError::Storage)?;
        let Some(bad) = bad else {
            let Some(follow) = follow else {
                // Nothing read before the end: the scan is over.
                self.position = self.end;
                return Ok(None);
            };
            self.position = follow.clamp(self.position, self.end);
            return Ok(Some(records));
        };
        // Stop before the damaged batch; what was read after it is read again if asked.
        self.position = bad.base_offset.clamp(self.position, self.end);
        if records.is_empty() {
            return Err(FetchError::Corrupt(bad));
        }
        self.pending = Some(bad);
        Ok(Some(records))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn get_records_limits_are_1_to_10000() {
        assert_eq!(FetchLimits::get_records(0), Err(GetRecordsLimitError(0)));
        assert_eq!(
            FetchLimits::get_records(10_001),
            Err(GetRecordsLimitError(10_001))
        );
        let one = FetchLimits::get_records(1).expect("in range");
        assert_eq!(one.max_records, 1);
        let most = FetchLimits::get_records(10_000).expect("in range");
        assert_eq!(
            (most.max_records, most.max_bytes),
            (10_000, 10 * 1024 * 1024)
        );
    }
}
