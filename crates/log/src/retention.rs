//! Retention, compaction and truncation: what happens to a log over time.

use std::collections::HashMap;

use crate::batch::{encode_in_frame, RecordBatch};
use crate::errors::CorruptBatch;
use crate::names::TopicPartition;
use crate::partition::{BatchIndexEntry, BatchRewrite, PartitionState};
use crate::record::Record;
use crate::storage::{RewriteError, Storage};
use crate::topic::{CleanupPolicy, TopicConfig};
use crate::types::{Offset, Timestamp};

/// Plans retention for one partition at `now`: deletes whole batches from the oldest on while
/// they are past `retention.ms` (by the batch index's running max timestamp, as Kafka judges a
/// segment by its largest timestamp) or while the partition would still hold at least
/// `retention.bytes` without them. The log start offset moves to the first batch kept (the log
/// end when none is). `None` when nothing is due. Compacted topics are not deleted by time.
pub fn plan_retention(
    config: &TopicConfig,
    state: &PartitionState,
    index: &[BatchIndexEntry],
    now: Timestamp,
) -> Option<BatchRewrite> {
    if config.cleanup_policy() != CleanupPolicy::Delete {
        return None;
    }
    let cutoff = config.retention_ms().map(|ms| now.0.saturating_sub(ms));
    let mut remaining: u64 = index.iter().map(|e| e.size_bytes).sum();
    let mut deleted = Vec::new();
    for entry in index {
        let expired = cutoff.is_some_and(|c| entry.max_timestamp_so_far.0 < c);
        let oversize = config
            .retention_bytes()
            .is_some_and(|limit| remaining.saturating_sub(entry.size_bytes) >= limit);
        if !(expired || oversize) {
            break;
        }
        remaining -= entry.size_bytes;
        deleted.push(*entry);
    }
    let last = deleted.last()?;
    let log_start = index
        .get(deleted.len())
        .map_or(state.log_end_offset(), |kept| kept.base_offset)
        .max(last.next_offset.min(state.log_end_offset()));
    Some(BatchRewrite {
        epoch: state.rewrite_epoch(),
        deleted,
        log_start_offset: Some(log_start),
        ..BatchRewrite::default()
    })
}

/// Plans compaction for one partition at `now` (`cleanup.policy=compact`): keeps only the newest
/// record of each key; a tombstone (null value) stays until `delete.retention.ms` after its
/// timestamp, then goes too. Records keep their offsets and sequence numbers (gaps appear), a
/// batch keeps its frame, and a batch left empty is deleted. Keyless records (written before the
/// policy changed) are kept. `None` when nothing changes.
pub fn plan_compaction(
    config: &TopicConfig,
    state: &PartitionState,
    batches: &[(BatchIndexEntry, RecordBatch)],
    now: Timestamp,
) -> Option<BatchRewrite> {
    let mut newest: HashMap<&[u8], Offset> = HashMap::new();
    for (_, batch) in batches {
        for r in batch.records() {
            if let Some(k) = r.key() {
                newest.insert(k, r.offset());
            }
        }
    }
    let tombstone_cutoff = now.0.saturating_sub(config.delete_retention_ms());
    let keep = |r: &Record| match r.key() {
        None => true,
        Some(k) => {
            newest.get(k) == Some(&r.offset())
                && (r.value().is_some() || r.timestamp().0 >= tombstone_cutoff)
        }
    };
    let mut rewrite = BatchRewrite {
        epoch: state.rewrite_epoch(),
        ..BatchRewrite::default()
    };
    for (entry, batch) in batches {
        let kept: Vec<Record> = batch
            .records()
            .iter()
            .filter(|r| keep(r))
            .cloned()
            .collect();
        if kept.len() == batch.records().len() {
            continue;
        }
        if kept.is_empty() {
            rewrite.deleted.push(*entry);
            continue;
        }
        // The records come from this very batch, so they always fit its frame.
        let Some(bytes) = encode_in_frame(&kept, batch.header()) else {
            continue;
        };
        let new_entry = BatchIndexEntry {
            record_count: kept.len() as u32,
            size_bytes: bytes.len() as u64,
            ..*entry
        };
        rewrite.replaced_before.push(*entry);
        rewrite.replaced.push((new_entry, bytes));
    }
    (!rewrite.deleted.is_empty() || !rewrite.replaced.is_empty()).then_some(rewrite)
}

/// Why retention or compaction failed.
#[derive(Debug, thiserror::Error)]
pub enum CleanupError<E> {
    /// The topic or partition does not exist.
    #[error("unknown topic or partition {0}")]
    UnknownTopicOrPartition(TopicPartition),
    /// A stored batch failed its checks while compacting.
    #[error(transparent)]
    Corrupt(CorruptBatch),
    /// Applying the plan failed (a concurrent cleanup, or storage).
    #[error(transparent)]
    Rewrite(RewriteError<E>),
    /// No stored batch starts at this offset, so there is nothing to truncate at.
    #[error("no batch of {0} starts at offset {1}")]
    NoBatchAt(TopicPartition, Offset),
    /// The storage failed.
    #[error("storage failed: {0}")]
    Storage(#[source] E),
}

/// What a cleanup did.
#[derive(Clone, Debug, PartialEq)]
pub struct CleanupOutcome {
    /// Batches deleted.
    pub batches_deleted: usize,
    /// Batches rewritten with fewer records.
    pub batches_rewritten: usize,
    /// The partition's state afterwards.
    pub state: PartitionState,
}

/// Plans truncating a partition at the batch that starts at `base_offset` (a damaged batch, say):
/// that batch and every later one are deleted and the log end moves back to `base_offset`, so the
/// next append takes that offset again; sequence numbers keep growing. `None` when no batch starts
/// there.
pub fn plan_truncation(
    state: &PartitionState,
    index: &[BatchIndexEntry],
    base_offset: Offset,
) -> Option<BatchRewrite> {
    let at = index.iter().position(|e| e.base_offset == base_offset)?;
    Some(BatchRewrite {
        epoch: state.rewrite_epoch(),
        deleted: index[at..].to_vec(),
        log_end_offset: Some(base_offset),
        ..BatchRewrite::default()
    })
}

/// Truncates `tp` at the batch starting at `base_offset` (see [`plan_truncation`]); returns how
/// many batches went, and the partition's new state.
pub async fn truncate_partition<S: Storage>(
    store: &S,
    tp: &TopicPartition,
    base_offset: Offset,
) -> Result<CleanupOutcome, CleanupError<S::Error>> {
    let unknown = || CleanupError::UnknownTopicOrPartition(tp.clone());
    let state = store
        .partition_state(tp)
        .await
        .map_err(CleanupError::Storage)?
        .ok_or_else(unknown)?;
    let index = store.batch_index(tp).await.map_err(CleanupError::Storage)?;
    let plan = plan_truncation(&state, &index, base_offset)
        .ok_or(CleanupError::NoBatchAt(tp.clone(), base_offset))?;
    apply(store, tp, &plan).await
}

/// Applies a planned rewrite and says what it did.
async fn apply<S: Storage>(
    store: &S,
    tp: &TopicPartition,
    plan: &BatchRewrite,
) -> Result<CleanupOutcome, CleanupError<S::Error>> {
    let state = store
        .rewrite_batches(tp, plan)
        .await
        .map_err(CleanupError::Rewrite)?;
    Ok(CleanupOutcome {
        batches_deleted: plan.deleted.len(),
        batches_rewritten: plan.replaced.len(),
        state,
    })
}

/// Runs the topic's cleanup policy on one partition at `now`: retention for `delete`,
/// compaction for `compact`.
pub async fn clean_partition<S: Storage>(
    store: &S,
    tp: &TopicPartition,
    now: Timestamp,
) -> Result<CleanupOutcome, CleanupError<S::Error>> {
    let unknown = || CleanupError::UnknownTopicOrPartition(tp.clone());
    let meta = store
        .describe_topic(tp.topic())
        .await
        .map_err(CleanupError::Storage)?
        .ok_or_else(unknown)?;
    let state = meta
        .partitions
        .get(tp.partition().0 as usize)
        .cloned()
        .ok_or_else(unknown)?;
    let index = store.batch_index(tp).await.map_err(CleanupError::Storage)?;
    let plan = match meta.config.cleanup_policy() {
        CleanupPolicy::Delete => plan_retention(&meta.config, &state, &index, now),
        CleanupPolicy::Compact => {
            let mut batches = Vec::with_capacity(index.len());
            for entry in &index {
                let stored = store
                    .read_batches(tp, entry.base_offset, 0)
                    .await
                    .map_err(CleanupError::Storage)?;
                let Some(stored) = stored
                    .into_iter()
                    .find(|b| b.base_offset == entry.base_offset)
                else {
                    continue;
                };
                let batch = RecordBatch::decode(&stored.bytes).map_err(|source| {
                    CleanupError::Corrupt(CorruptBatch {
                        topic_partition: tp.clone(),
                        base_offset: entry.base_offset,
                        source,
                    })
                })?;
                batches.push((*entry, batch));
            }
            plan_compaction(&meta.config, &state, &batches, now)
        }
    };
    let Some(plan) = plan else {
        return Ok(CleanupOutcome {
            batches_deleted: 0,
            batches_rewritten: 0,
            state,
        });
    };
    apply(store, tp, &plan).await
}
