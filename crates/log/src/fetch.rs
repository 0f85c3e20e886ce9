//! Reading the log: fetch from an offset with limits.

use crate::batch::{DecodeError, RecordBatch};
use crate::record::Record;
use crate::storage::Storage;
use crate::types::{Offset, TopicPartition};

/// How much one fetch may return.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FetchLimits {
    /// At most this many records.
    pub max_records: usize,
    /// Stop reading batches once this many encoded bytes were read (at least one batch is read).
    pub max_bytes: usize,
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

/// Why a fetch failed.
#[derive(Debug, thiserror::Error)]
pub enum FetchError<E> {
    /// The topic or partition does not exist.
    #[error("unknown topic or partition {0}")]
    UnknownTopicOrPartition(TopicPartition),
    /// The offset is below the log start or above the log end.
    #[error("offset {requested} is out of range for {topic_partition}: the log holds {log_start_offset}..{log_end_offset}")]
    OffsetOutOfRange {
        /// The partition.
        topic_partition: TopicPartition,
        /// The offset asked for.
        requested: Offset,
        /// The first offset in the log.
        log_start_offset: Offset,
        /// The offset after the last record.
        log_end_offset: Offset,
    },
    /// A stored batch failed its checks.
    #[error("corrupt batch at base offset {base_offset} of {topic_partition}: {source}")]
    Corrupt {
        /// The partition.
        topic_partition: TopicPartition,
        /// The batch's base offset, which is its key in storage.
        base_offset: Offset,
        /// What is wrong with it.
        #[source]
        source: DecodeError,
    },
    /// The storage failed.
    #[error("storage failed: {0}")]
    Storage(#[source] E),
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
        return Err(FetchError::OffsetOutOfRange {
            topic_partition: topic_partition.clone(),
            requested: offset,
            log_start_offset,
            log_end_offset,
        });
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
    'batches: for stored in batches {
        let batch = RecordBatch::decode(&stored.bytes).map_err(|source| FetchError::Corrupt {
            topic_partition: topic_partition.clone(),
            base_offset: stored.base_offset,
            source,
        })?;
        let next_after_batch = batch.header().next_offset();
        for record in batch.into_records() {
            if record.offset() < offset {
                continue;
            }
            if fetched.records.len() == limits.max_records {
                break 'batches;
            }
            fetched.next_offset = Offset(record.offset().0 + 1);
            fetched.records.push(record);
        }
        // Compaction may have removed the batch's last records; skip past them.
        fetched.next_offset = fetched.next_offset.max(next_after_batch);
    }
    Ok(fetched)
}
