//! Reading a topic's views from a store.

use streamlab_log::{
    BatchLookup, CorruptBatch, FetchError, Offset, PartitionScan, PartitionState, Record, Storage,
    TableView, TopicMetadata, TopicPartition,
};

use crate::row::{RecordRow, RecordsQuery};

/// How many of the newest records per partition the records table shows, and the size of one
/// page of a partition or of a key search.
pub const RECENT_RECORDS: u64 = 50;

/// The largest topic whose table view is rebuilt on every change.
pub const TABLE_VIEW_MAX_RECORDS: u64 = 10_000;

/// The most records a key search reads before it stops, so a search of a huge partition stays
/// quick; the table says where it stopped.
pub const SEARCH_MAX_SCANNED: u64 = 200_000;

/// Everything the dashboard shows of one topic.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TopicViews {
    /// The records table's rows, by partition and offset.
    pub records: Vec<RecordRow>,
    /// The table view (latest value per key); `None` past [`TABLE_VIEW_MAX_RECORDS`].
    pub table: Option<TableView>,
    /// Each partition's first and last sequence numbers (Kinesis' SequenceNumberRange of what
    /// the shard holds), decimal; `None` for an empty partition.
    pub sequences: Vec<Option<(String, String)>>,
    /// Stored batches that failed their checks; they were skipped, the rest was read.
    pub corrupt: Vec<CorruptBatch>,
}

/// Reads what the dashboard shows of `topic`: the records `query` asks for (the newest
/// [`RECENT_RECORDS`] of every partition when it asks for no partition and no key), the table
/// view and the sequence-number ranges. A damaged batch is listed in `corrupt` and skipped.
pub async fn load_topic_views<S: Storage>(
    store: &S,
    topic: &TopicMetadata,
    query: &RecordsQuery,
) -> Result<TopicViews, FetchError<S::Error>> {
    let mut corrupt = Vec::new();
    let table = table_view(store, topic, &mut corrupt).await?;
    let sequences = sequence_ranges(store, topic).await?;
    let records = if query.partition.is_some() || !query.key_search.is_empty() {
        query_records(store, topic, query, &mut corrupt).await?
    } else {
        let mut records = Vec::new();
        for partition in &topic.partitions {
            let end = partition.log_end_offset();
            let from = partition
                .log_start_offset()
                .max(Offset(end.0.saturating_sub(RECENT_RECORDS)));
            let tp = TopicPartition::new(topic.config.name().clone(), partition.partition());
            let id = partition.partition().0;
            read_records(store, &tp, from, end, &mut corrupt, &mut |r| {
                records.push(RecordRow::from_record(id, r));
                true
            })
            .await?;
        }
        records
    };
    Ok(TopicViews {
        records,
        table,
        sequences,
        corrupt,
    })
}

/// The table view of a whole topic, or `None` when it holds too many records to rebuild on
/// every change.
async fn table_view<S: Storage>(
    store: &S,
    topic: &TopicMetadata,
    corrupt: &mut Vec<CorruptBatch>,
) -> Result<Option<TableView>, FetchError<S::Error>> {
    let total: u64 = topic.partitions.iter().map(|p| p.record_count()).sum();
    if total > TABLE_VIEW_MAX_RECORDS {
        return Ok(None);
    }
    let mut table = TableView::new();
    for partition in &topic.partitions {
        let tp = TopicPartition::new(topic.config.name().clone(), partition.partition());
        let (start, end) = (partition.log_start_offset(), partition.log_end_offset());
        read_records(store, &tp, start, end, corrupt, &mut |r| {
            table.apply(partition.partition(), r);
            true
        })
        .await?;
    }
    Ok(Some(table))
}

/// Reads `tp` from `from` to `end`, handing each record to `each` until it returns `false`. A
/// batch that fails its checks is reported in `corrupt` and skipped: the rest of the partition
/// stays readable.
async fn read_records<S: Storage>(
    store: &S,
    tp: &TopicPartition,
    from: Offset,
    end: Offset,
    corrupt: &mut Vec<CorruptBatch>,
    each: &mut dyn FnMut(&Record) -> bool,
) -> Result<(), FetchError<S::Error>> {
    let mut scan = PartitionScan::new(store, tp.clone(), from, end, 1 << 20);
    loop {
        match scan.next().await {
            Ok(Some(records)) => {
                for r in &records {
                    if !each(r) {
                        return Ok(());
                    }
                }
            }
            Ok(None) => return Ok(()),
            Err(FetchError::Corrupt(bad)) => {
                scan.skip_damaged(&bad).await?;
                if !corrupt.contains(&bad) {
                    corrupt.push(bad);
                }
            }
            Err(e) => return Err(e),
        }
    }
}

/// One page of the records table: [`RECENT_RECORDS`] records of one partition from the query's
/// offset (or its newest), or the first matches of a key search.
async fn query_records<S: Storage>(
    store: &S,
    topic: &TopicMetadata,
    query: &RecordsQuery,
    corrupt: &mut Vec<CorruptBatch>,
) -> Result<Vec<RecordRow>, FetchError<S::Error>> {
    let page = RECENT_RECORDS as usize;
    let partitions: Vec<&PartitionState> = topic
        .partitions
        .iter()
        .filter(|p| query.partition.is_none_or(|q| p.partition().0 == q))
        .collect();
    let mut rows = Vec::new();
    let mut scanned = 0u64;
    let needle = query.key_search.as_bytes();
    for state in partitions {
        let (start, end) = (state.log_start_offset(), state.log_end_offset());
        let from = match query.from {
            Some(o) => Offset(o).clamp(start, end),
            None if needle.is_empty() => start.max(Offset(end.0.saturating_sub(RECENT_RECORDS))),
            None => start,
        };
        let tp = TopicPartition::new(topic.config.name().clone(), state.partition());
        let partition = state.partition().0;
        read_records(store, &tp, from, end, corrupt, &mut |r| {
            scanned += 1;
            let hit = needle.is_empty()
                || r.key()
                    .is_some_and(|k| k.windows(needle.len()).any(|w| w == needle));
            if hit {
                rows.push(RecordRow::from_record(partition, r));
            }
            rows.len() < page && scanned < SEARCH_MAX_SCANNED
        })
        .await?;
        if rows.len() >= page || scanned >= SEARCH_MAX_SCANNED {
            break;
        }
    }
    Ok(rows)
}

/// Each partition's first and last sequence numbers, from two batch-index lookups.
async fn sequence_ranges<S: Storage>(
    store: &S,
    topic: &TopicMetadata,
) -> Result<Vec<Option<(String, String)>>, FetchError<S::Error>> {
    let mut out = Vec::with_capacity(topic.partitions.len());
    for state in &topic.partitions {
        let tp = TopicPartition::new(topic.config.name().clone(), state.partition());
        let (start, end) = (state.log_start_offset(), state.log_end_offset());
        if start >= end {
            out.push(None);
            continue;
        }
        let at = |offset: Offset| {
            let tp = tp.clone();
            async move {
                let entry = store
                    .lookup_batch(&tp, BatchLookup::Offset(offset))
                    .await
                    .map_err(FetchError::Storage)?;
                Ok::<_, FetchError<S::Error>>(entry.map(|e| {
                    // A batch's records take base_sequence + (offset − base_offset).
                    e.base_sequence.0 + u128::from(offset.0.saturating_sub(e.base_offset.0))
                }))
            }
        };
        match (at(start).await?, at(Offset(end.0 - 1)).await?) {
            (Some(first), Some(last)) => out.push(Some((first.to_string(), last.to_string()))),
            _ => out.push(None),
        }
    }
    Ok(out)
}
