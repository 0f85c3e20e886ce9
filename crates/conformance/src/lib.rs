//! The behavioural suite every [`Storage`] implementation of `streamlab-log` must pass: a crate
//! of its own, used by the stores' tests as a dev-dependency.
//!
//! Each check takes a fresh, empty store and asserts what the log promises on top of it. The
//! memory store runs the suite natively (`tests/conformance.rs`); the IndexedDB store runs the same
//! checks in headless Chromium. [`for_each_check!`](crate::for_each_check) lists them, so a
//! harness generates one test per check and none is forgotten.
#![allow(clippy::unwrap_used, missing_docs)]

mod cleanup;
mod groups;
mod lifecycle;
mod positions;
mod reshard;
mod routing;
mod transactions;

pub use cleanup::{
    compaction_keeps_the_newest_value_per_key, retention_by_time_and_size_moves_the_log_start,
    truncation_removes_a_batch_and_everything_after_it,
};
pub use groups::{
    group_membership_is_kept_per_group_and_topic,
    group_offsets_reset_only_while_the_group_is_inactive, groups_commit_resume_and_report_lag,
};
pub use lifecycle::{
    appends_take_contiguous_offsets_and_read_back, deleting_a_topic_removes_everything_it_held,
    fetch_honours_limits_and_range, overlapped_appends_run_their_work_once_whatever_the_outcome,
    refused_appends_store_nothing, timestamps_follow_the_topic_timestamp_type,
    topics_are_created_listed_and_never_duplicated,
};
pub use positions::{
    positions_resolve_in_both_vocabularies, sequence_numbers_map_to_offsets_and_back,
};
pub use reshard::{
    adding_kafka_partitions_moves_only_some_keys,
    splits_and_merges_keep_lineage_and_replay_in_order,
    update_shard_count_scales_uniformly_within_limits,
};
pub use routing::{
    kafka_routes_by_murmur2_and_spreads_keyless_records, kinesis_request_limits_store_nothing,
    kinesis_routes_by_md5_and_explicit_hash_key,
    throttling_refuses_over_the_limit_and_stores_nothing,
};
pub use transactions::{
    overlapped_transactions_run_their_work_once_whatever_the_outcome,
    transactions_append_and_commit_all_or_nothing,
};

use std::collections::{BTreeMap, BTreeSet};
use streamlab_log::{kafka_partition, kinesis_hash_key, uniform_hash_key_ranges};

use streamlab_log::{
    add_partitions, clean_partition, lag, merge, millis_behind_latest, readable_shards,
    reset_group_offsets, split, starting_offset, truncate_partition, update_shard_count,
    AppendInfo, CleanupError, CleanupPolicy, CommittedOffset, GroupId, HashKey, MemberId,
    OffsetReset, ResetOffsetsError, ReshardError, ShardId, ShardState, TableView,
    TransactionCommit, UpdateTopicError,
};
use streamlab_log::{
    fetch, produce, resolve_position, sequence_number_at, AppendError, CreateTopicError,
    FetchError, FetchLimits, Header, KeylessPartitioner, Mode, Offset, OffsetOutOfRange,
    OffsetResetPolicy, PartitionId, PartitionScan, Position, PositionError, ProduceError,
    ProduceRecord, RecordData, SequenceNumber, Storage, Target, Timestamp, TimestampType,
    TopicConfig, TopicMetadata, TopicName, TopicPartition,
};

/// Calls `$check!(name)` for every check of the suite.
#[macro_export]
macro_rules! for_each_check {
    ($check:ident) => {
        $check!(topics_are_created_listed_and_never_duplicated);
        $check!(appends_take_contiguous_offsets_and_read_back);
        $check!(fetch_honours_limits_and_range);
        $check!(refused_appends_store_nothing);
        $check!(transactions_append_and_commit_all_or_nothing);
        $check!(overlapped_transactions_run_their_work_once_whatever_the_outcome);
        $check!(overlapped_appends_run_their_work_once_whatever_the_outcome);
        $check!(kafka_routes_by_murmur2_and_spreads_keyless_records);
        $check!(kinesis_routes_by_md5_and_explicit_hash_key);
        $check!(kinesis_request_limits_store_nothing);
        $check!(positions_resolve_in_both_vocabularies);
        $check!(sequence_numbers_map_to_offsets_and_back);
        $check!(timestamps_follow_the_topic_timestamp_type);
        $check!(retention_by_time_and_size_moves_the_log_start);
        $check!(compaction_keeps_the_newest_value_per_key);
        $check!(splits_and_merges_keep_lineage_and_replay_in_order);
        $check!(update_shard_count_scales_uniformly_within_limits);
        $check!(adding_kafka_partitions_moves_only_some_keys);
        $check!(throttling_refuses_over_the_limit_and_stores_nothing);
        $check!(groups_commit_resume_and_report_lag);
        $check!(group_membership_is_kept_per_group_and_topic);
        $check!(group_offsets_reset_only_while_the_group_is_inactive);
        $check!(truncation_removes_a_batch_and_everything_after_it);
        $check!(deleting_a_topic_removes_everything_it_held);
    };
}

async fn topic<S: Storage>(store: &S, name: &str, mode: Mode, partitions: u32) -> TopicMetadata {
    let config = TopicConfig::new(name, mode, partitions).unwrap();
    store.create_topic(&config).await.unwrap()
}

fn tp(name: &str, partition: u32) -> TopicPartition {
    TopicPartition::new(
        TopicName::new(name, Mode::Kafka).unwrap(),
        PartitionId(partition),
    )
}

fn data(value: &str) -> RecordData {
    RecordData {
        key: Some(b"k".to_vec()),
        value: Some(value.as_bytes().to_vec()),
        ..RecordData::default()
    }
}

fn at(value: &str, ts: i64) -> RecordData {
    RecordData {
        timestamp: Some(Timestamp(ts)),
        ..data(value)
    }
}

async fn values<S: Storage>(store: &S, tp: &TopicPartition, from: u64) -> Vec<String> {
    let fetched = fetch(store, tp, Offset(from), FetchLimits::default())
        .await
        .unwrap();
    fetched
        .records
        .iter()
        .map(|r| String::from_utf8_lossy(r.value().unwrap_or_default()).into_owned())
        .collect()
}

async fn all_records<S: Storage>(store: &S, tp: &TopicPartition) -> Vec<streamlab_log::Record> {
    let state = store.partition_state(tp).await.unwrap().unwrap();
    let mut out = Vec::new();
    let mut offset = state.log_start_offset();
    loop {
        let limits = FetchLimits {
            max_records: 3,
            max_bytes: 1,
        };
        let f = fetch(store, tp, offset, limits).await.unwrap();
        if f.records.is_empty() && f.next_offset == offset {
            return out;
        }
        offset = f.next_offset;
        out.extend(f.records);
    }
}

/// The offsets a [`PartitionScan`] of `from..end` returns, reading `max_bytes` at a time.
async fn scanned<S: Storage>(
    store: &S,
    tp: &TopicPartition,
    from: u64,
    end: u64,
    max_bytes: usize,
) -> Vec<u64> {
    let mut scan = PartitionScan::new(store, tp.clone(), Offset(from), Offset(end), max_bytes);
    let mut offsets = Vec::new();
    while let Some(records) = scan.next().await.unwrap() {
        offsets.extend(records.iter().map(|r| r.offset().0));
    }
    assert_eq!(
        scan.position(),
        Offset(end),
        "a finished scan stands at its end"
    );
    offsets
}

fn keyed(key: &str, value: Option<&str>, ts: i64) -> RecordData {
    RecordData {
        key: Some(key.as_bytes().to_vec()),
        value: value.map(|v| v.as_bytes().to_vec()),
        headers: vec![],
        timestamp: Some(Timestamp(ts)),
    }
}
