//! The behavioural suite every [`Storage`] implementation of `streamlab-log` must pass: a crate
//! of its own, used by the stores' tests as a dev-dependency.
//!
//! Each check takes a fresh, empty store and asserts what the log promises on top of it. The
//! memory store runs the suite natively (`tests/conformance.rs`); the IndexedDB store runs the same
//! checks in headless Chromium. [`for_each_check!`](crate::for_each_check) lists them, so a
//! harness generates one test per check and none is forgotten.
#![allow(clippy::unwrap_used, missing_docs)]

mod transactions;

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

pub async fn topics_are_created_listed_and_never_duplicated<S: Storage>(store: &S) {
    let made = topic(store, "orders", Mode::Kafka, 3).await;
    topic(store, "clicks", Mode::Kinesis, 2).await;
    assert_eq!(made.partitions.len(), 3);
    let listed = store.list_topics().await.unwrap();
    let names: Vec<&str> = listed.iter().map(|t| t.config.name().as_str()).collect();
    assert_eq!(names, ["clicks", "orders"]);
    let orders = store
        .describe_topic(made.config.name())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(orders, made);
    let clicks = &listed[0];
    assert_eq!(clicks.config.mode(), Mode::Kinesis);
    let ranges: Vec<_> = clicks
        .partitions
        .iter()
        .map(|p| *p.hash_key_range().unwrap())
        .collect();
    assert_eq!(ranges, uniform_hash_key_ranges(2));
    assert!(matches!(
        store.create_topic(&made.config).await,
        Err(CreateTopicError::AlreadyExists(_))
    ));
    let missing = TopicName::new("missing", Mode::Kafka).unwrap();
    assert_eq!(store.describe_topic(&missing).await.unwrap(), None);
    assert_eq!(store.partition_state(&tp("orders", 3)).await.unwrap(), None);
}

pub async fn appends_take_contiguous_offsets_and_read_back<S: Storage>(store: &S) {
    topic(store, "t", Mode::Kafka, 2).await;
    let p0 = tp("t", 0);
    let a = store
        .append(&p0, &[data("a"), data("b")], Timestamp(1))
        .await
        .unwrap();
    let b = store.append(&p0, &[data("c")], Timestamp(2)).await.unwrap();
    let other = store
        .append(&tp("t", 1), &[data("x")], Timestamp(3))
        .await
        .unwrap();
    assert_eq!(
        (a.base_offset, b.base_offset, other.base_offset),
        (Offset(0), Offset(2), Offset(0))
    );
    assert_eq!(values(store, &p0, 0).await, ["a", "b", "c"]);
    assert_eq!(values(store, &p0, 1).await, ["b", "c"]);
    let state = store.partition_state(&p0).await.unwrap().unwrap();
    assert_eq!(state.log_start_offset(), Offset(0));
    assert_eq!(state.log_end_offset(), Offset(3));
    assert_eq!(state.record_count(), 3);
    assert!(state.byte_count() > 0);
    let with_headers = RecordData {
        headers: vec![Header {
            key: "trace".into(),
            value: Some(vec![7]),
        }],
        value: None,
        ..data("")
    };
    store
        .append(&p0, &[with_headers], Timestamp(4))
        .await
        .unwrap();
    let last = fetch(store, &p0, Offset(3), FetchLimits::default())
        .await
        .unwrap();
    assert_eq!(last.records[0].value(), None, "a tombstone stays null");
    assert_eq!(last.records[0].headers()[0].key, "trace");
}

pub async fn fetch_honours_limits_and_range<S: Storage>(store: &S) {
    topic(store, "t", Mode::Kafka, 1).await;
    let p = tp("t", 0);
    for batch in [["a", "b", "c"], ["d", "e", "f"], ["g", "h", "i"]] {
        let records: Vec<RecordData> = batch.iter().map(|v| data(v)).collect();
        store.append(&p, &records, Timestamp(1)).await.unwrap();
    }
    let limited = fetch(
        store,
        &p,
        Offset(1),
        FetchLimits {
            max_records: 4,
            max_bytes: 1 << 20,
        },
    )
    .await
    .unwrap();
    let offsets: Vec<u64> = limited.records.iter().map(|r| r.offset().0).collect();
    assert_eq!(offsets, [1, 2, 3, 4]);
    assert_eq!(limited.next_offset, Offset(5));
    assert_eq!(limited.log_end_offset, Offset(9));
    // A byte budget smaller than one batch still returns that batch.
    let tiny = fetch(
        store,
        &p,
        Offset(4),
        FetchLimits {
            max_records: 100,
            max_bytes: 1,
        },
    )
    .await
    .unwrap();
    let offsets: Vec<u64> = tiny.records.iter().map(|r| r.offset().0).collect();
    assert_eq!(offsets, [4, 5]);
    assert_eq!(tiny.next_offset, Offset(6));
    let caught_up = fetch(store, &p, Offset(9), FetchLimits::default())
        .await
        .unwrap();
    assert!(caught_up.records.is_empty());
    assert_eq!(caught_up.next_offset, Offset(9));
    assert!(matches!(
        fetch(store, &p, Offset(10), FetchLimits::default()).await,
        Err(FetchError::OffsetOutOfRange(OffsetOutOfRange {
            requested: Offset(10),
            log_end_offset: Offset(9),
            ..
        }))
    ));
    assert!(matches!(
        fetch(store, &tp("t", 5), Offset(0), FetchLimits::default()).await,
        Err(FetchError::UnknownTopicOrPartition(_))
    ));
    // A scan returns every offset once, whether each read holds one batch or all of them,
    // from the middle of a batch, and stops at its end even inside a batch.
    let all: Vec<u64> = (1..9).collect();
    assert_eq!(scanned(store, &p, 1, 9, 1).await, all);
    assert_eq!(scanned(store, &p, 1, 9, 1 << 20).await, all);
    assert_eq!(scanned(store, &p, 4, 7, 1).await, [4, 5, 6]);
    assert!(scanned(store, &p, 9, 9, 1).await.is_empty());
}

pub async fn refused_appends_store_nothing<S: Storage>(store: &S) {
    let config = TopicConfig::new("t", Mode::Kafka, 1)
        .unwrap()
        .with_max_record_bytes(10);
    store.create_topic(&config).await.unwrap();
    let p = tp("t", 0);
    assert!(matches!(
        store
            .append(&p, &[data("ok"), data("far too long")], Timestamp(1))
            .await,
        Err(AppendError::RecordTooLarge { index: 1, .. })
    ));
    assert!(matches!(
        store.append::<RecordData>(&p, &[], Timestamp(1)).await,
        Err(AppendError::Empty)
    ));
    assert!(matches!(
        store
            .append(&tp("nope", 0), &[data("x")], Timestamp(1))
            .await,
        Err(AppendError::UnknownTopicOrPartition(_))
    ));
    let keyless = KeylessPartitioner::new();
    let name = config.name().clone();
    let big = [
        ProduceRecord::new(Some("k"), "ok"),
        ProduceRecord::new(Some("k"), "far too long"),
    ];
    assert!(matches!(
        produce(store, &name, &big, &keyless, Timestamp(1)).await,
        Err(ProduceError::RecordTooLarge { index: 1, .. })
    ));
    let state = store.partition_state(&p).await.unwrap().unwrap();
    assert_eq!((state.log_end_offset(), state.byte_count()), (Offset(0), 0));
    assert!(store
        .read_batches(&p, Offset(0), 1 << 20)
        .await
        .unwrap()
        .is_empty());
}

pub async fn overlapped_appends_run_their_work_once_whatever_the_outcome<S: Storage>(store: &S) {
    let metadata = topic(store, "o", Mode::Kafka, 3).await;
    let small = TopicConfig::new("small", Mode::Kafka, 1)
        .unwrap()
        .with_max_record_bytes(10);
    store.create_topic(&small).await.unwrap();
    let runs = std::cell::Cell::new(0);
    let work = |label: &'static str| {
        runs.set(runs.get() + 1);
        label
    };
    // Appended: the work ran once, and the append is an ordinary one.
    let p = tp("o", 1);
    let (appended, done) = store
        .append_overlapped(&p, &[data("a"), data("b")], Timestamp(1), || work("ok"))
        .await;
    assert_eq!(
        (appended.unwrap().base_offset, done, runs.get()),
        (Offset(0), "ok", 1)
    );
    assert_eq!(values(store, &p, 0).await, ["a", "b"]);
    // Refused by the rules, or for an unknown partition: it still runs, once, nothing stored.
    let (refused, _) = store
        .append_overlapped(
            &tp("small", 0),
            &[data("far too long")],
            Timestamp(1),
            || work("refused"),
        )
        .await;
    assert!(matches!(refused, Err(AppendError::RecordTooLarge { .. })));
    let (unknown, _) = store
        .append_overlapped(&tp("nope", 0), &[data("x")], Timestamp(1), || {
            work("unknown")
        })
        .await;
    assert!(matches!(
        unknown,
        Err(AppendError::UnknownTopicOrPartition(_))
    ));
    assert_eq!(runs.get(), 3);
    assert_eq!(
        store
            .partition_state(&tp("small", 0))
            .await
            .unwrap()
            .unwrap()
            .log_end_offset(),
        Offset(0)
    );
    // A request spread over partitions: once, with every record acknowledged where it landed.
    let keyless = KeylessPartitioner::new();
    let records: Vec<ProduceRecord> = (0..30)
        .map(|i| ProduceRecord::new(Some(&format!("key-{i}")), "v"))
        .collect();
    let (acks, done) = streamlab_log::produce_to_overlapped(
        store,
        &metadata,
        &records,
        &keyless,
        Timestamp(2),
        || work("produced"),
    )
    .await;
    let acks = acks.unwrap();
    assert_eq!((acks.len(), done, runs.get()), (30, "produced", 4));
    let partitions: BTreeSet<PartitionId> = acks.iter().map(|a| a.partition).collect();
    assert!(partitions.len() > 1, "30 keys landed on one partition");
    for (record, ack) in records.iter().zip(&acks) {
        let key = record.data.key.as_deref().unwrap();
        assert_eq!(ack.partition, kafka_partition(key, 3));
    }
    // A request refused before any append (empty): once.
    let (empty, _) =
        streamlab_log::produce_to_overlapped(store, &metadata, &[], &keyless, Timestamp(3), || {
            work("empty")
        })
        .await;
    assert!(matches!(empty, Err(ProduceError::Empty)));
    assert_eq!(runs.get(), 5);
}

pub async fn kafka_routes_by_murmur2_and_spreads_keyless_records<S: Storage>(store: &S) {
    let t = topic(store, "t", Mode::Kafka, 4).await;
    let name = t.config.name().clone();
    let keyless = KeylessPartitioner::new();
    let keys = ["alice", "bob", "carol", "dave", "erin", "frank"];
    let records: Vec<ProduceRecord> = keys
        .iter()
        .map(|k| ProduceRecord::new(Some(k), k))
        .collect();
    let acks = produce(store, &name, &records, &keyless, Timestamp(1))
        .await
        .unwrap();
    for (key, ack) in keys.iter().zip(&acks) {
        assert_eq!(ack.partition, kafka_partition(key.as_bytes(), 4), "{key}");
    }
    let unkeyed: Vec<ProduceRecord> = (0..5)
        .map(|i| ProduceRecord::new(None, &i.to_string()))
        .collect();
    let acks = produce(store, &name, &unkeyed, &keyless, Timestamp(1))
        .await
        .unwrap();
    let partitions: Vec<u32> = acks.iter().map(|a| a.partition.0).collect();
    assert_eq!(partitions, [0, 1, 2, 3, 0]);
    let explicit = [ProduceRecord {
        target: Target::Partition(PartitionId(3)),
        ..ProduceRecord::new(Some("alice"), "x")
    }];
    let acks = produce(store, &name, &explicit, &keyless, Timestamp(1))
        .await
        .unwrap();
    assert_eq!(acks[0].partition, PartitionId(3));
    let beyond = [ProduceRecord {
        target: Target::Partition(PartitionId(4)),
        ..ProduceRecord::new(Some("alice"), "x")
    }];
    assert!(matches!(
        produce(store, &name, &beyond, &keyless, Timestamp(1)).await,
        Err(ProduceError::NoSuchPartition {
            partition: PartitionId(4),
            ..
        })
    ));
}

pub async fn kinesis_routes_by_md5_and_explicit_hash_key<S: Storage>(store: &S) {
    let t = topic(store, "s", Mode::Kinesis, 5).await;
    let name = t.config.name().clone();
    let keyless = KeylessPartitioner::new();
    let ranges = uniform_hash_key_ranges(5);
    for key in ["user-1", "user-2", "🦀", "a", &"x".repeat(256)] {
        let acks = produce(
            store,
            &name,
            &[ProduceRecord::new(Some(key), "v")],
            &keyless,
            Timestamp(1),
        )
        .await
        .unwrap();
        let hash = kinesis_hash_key(key).unwrap();
        let owner = ranges.iter().position(|r| r.contains(hash)).unwrap() as u32;
        assert_eq!(acks[0].partition, PartitionId(owner), "{key}");
    }
    // An explicit hash key overrides the partition key's MD5.
    let last = ranges[4].starting_hash_key;
    let explicit = [ProduceRecord {
        target: Target::ExplicitHashKey(last),
        ..ProduceRecord::new(Some("user-1"), "v")
    }];
    let acks = produce(store, &name, &explicit, &keyless, Timestamp(1))
        .await
        .unwrap();
    assert_eq!(acks[0].partition, PartitionId(4));
    for bad in [None, Some("")] {
        assert!(matches!(
            produce(
                store,
                &name,
                &[ProduceRecord::new(bad, "v")],
                &keyless,
                Timestamp(1)
            )
            .await,
            Err(ProduceError::PartitionKey { index: 0, .. })
        ));
    }
    let too_long = "x".repeat(257);
    assert!(matches!(
        produce(
            store,
            &name,
            &[ProduceRecord::new(Some(&too_long), "v")],
            &keyless,
            Timestamp(1)
        )
        .await,
        Err(ProduceError::PartitionKey { .. })
    ));
    let partition_target = [ProduceRecord {
        target: Target::Partition(PartitionId(0)),
        ..ProduceRecord::new(Some("k"), "v")
    }];
    assert!(matches!(
        produce(store, &name, &partition_target, &keyless, Timestamp(1)).await,
        Err(ProduceError::TargetNotInMode {
            mode: Mode::Kinesis,
            ..
        })
    ));
}

pub async fn kinesis_request_limits_store_nothing<S: Storage>(store: &S) {
    let t = topic(store, "s", Mode::Kinesis, 1).await;
    let name = t.config.name().clone();
    let keyless = KeylessPartitioner::new();
    let many: Vec<ProduceRecord> = (0..501)
        .map(|_| ProduceRecord::new(Some("k"), "v"))
        .collect();
    assert!(matches!(
        produce(store, &name, &many, &keyless, Timestamp(1)).await,
        Err(ProduceError::TooManyRecords {
            count: 501,
            max: 500
        })
    ));
    let big_value = "v".repeat(1024 * 1024 - 1);
    let heavy: Vec<ProduceRecord> = (0..6)
        .map(|_| ProduceRecord::new(Some("k"), &big_value))
        .collect();
    assert!(matches!(
        produce(store, &name, &heavy, &keyless, Timestamp(1)).await,
        Err(ProduceError::RequestTooLarge { .. })
    ));
    let oversize = "v".repeat(1024 * 1024);
    assert!(matches!(
        produce(
            store,
            &name,
            &[ProduceRecord::new(Some("k"), &oversize)],
            &keyless,
            Timestamp(1)
        )
        .await,
        Err(ProduceError::RecordTooLarge { .. })
    ));
    let fine = &many[..500];
    assert_eq!(
        produce(store, &name, fine, &keyless, Timestamp(1))
            .await
            .unwrap()
            .len(),
        500
    );
    let state = store.partition_state(&tp("s", 0)).await.unwrap().unwrap();
    assert_eq!(state.log_end_offset(), Offset(500));
}

pub async fn positions_resolve_in_both_vocabularies<S: Storage>(store: &S) {
    topic(store, "t", Mode::Kafka, 1).await;
    let p = tp("t", 0);
    // Timestamps: 100, 300, 200 | 150 | 500, 400 (not monotonic, as CreateTime may be).
    store
        .append(
            &p,
            &[at("a", 100), at("b", 300), at("c", 200)],
            Timestamp(1),
        )
        .await
        .unwrap();
    store
        .append(&p, &[at("d", 150)], Timestamp(1))
        .await
        .unwrap();
    store
        .append(&p, &[at("e", 500), at("f", 400)], Timestamp(1))
        .await
        .unwrap();
    let resolve = |position, reset| resolve_position(store, &p, position, reset);
    let none = OffsetResetPolicy::None;
    assert_eq!(resolve(Position::Earliest, none).await.unwrap(), Offset(0));
    assert_eq!(resolve(Position::Latest, none).await.unwrap(), Offset(6));
    assert_eq!(
        resolve(Position::Offset(Offset(4)), none).await.unwrap(),
        Offset(4)
    );
    assert_eq!(
        resolve(Position::Offset(Offset(6)), none).await.unwrap(),
        Offset(6)
    );
    assert!(matches!(
        resolve(Position::Offset(Offset(7)), none).await,
        Err(PositionError::OffsetOutOfRange(OffsetOutOfRange {
            requested: Offset(7),
            ..
        }))
    ));
    assert_eq!(
        resolve(Position::Offset(Offset(70)), OffsetResetPolicy::Earliest)
            .await
            .unwrap(),
        Offset(0)
    );
    assert_eq!(
        resolve(Position::Offset(Offset(70)), OffsetResetPolicy::Latest)
            .await
            .unwrap(),
        Offset(6)
    );
    // offsetsForTimes: the first offset whose timestamp is at least T.
    for (t, expect) in [
        (0, 0),
        (100, 0),
        (101, 1),
        (250, 1),
        (300, 1),
        (301, 4),
        (450, 4),
        (500, 4),
        (501, 6),
    ] {
        assert_eq!(
            resolve(Position::Timestamp(Timestamp(t)), none)
                .await
                .unwrap(),
            Offset(expect),
            "T={t}"
        );
    }
    // Kinesis' iterator types are the same positions.
    use streamlab_log::ShardIteratorType as It;
    assert_eq!(
        resolve(It::TrimHorizon.into(), none).await.unwrap(),
        Offset(0)
    );
    assert_eq!(resolve(It::Latest.into(), none).await.unwrap(), Offset(6));
    assert_eq!(
        resolve(It::AtTimestamp(Timestamp(301)).into(), none)
            .await
            .unwrap(),
        Offset(4)
    );
    assert!(matches!(
        resolve_position(store, &tp("t", 9), Position::Earliest, none).await,
        Err(PositionError::UnknownTopicOrPartition(_))
    ));
}

pub async fn sequence_numbers_map_to_offsets_and_back<S: Storage>(store: &S) {
    topic(store, "s", Mode::Kinesis, 1).await;
    let p = tp("s", 0);
    let a = store
        .append(&p, &[data("a"), data("b"), data("c")], Timestamp(1_000))
        .await
        .unwrap();
    // The clock goes back: sequence numbers still increase.
    let b = store
        .append(&p, &[data("d"), data("e")], Timestamp(500))
        .await
        .unwrap();
    let c = store
        .append(&p, &[data("f")], Timestamp(2_000))
        .await
        .unwrap();
    assert!(a.base_sequence < b.base_sequence && b.base_sequence < c.base_sequence);
    let mut sequences = Vec::new();
    for o in 0..6 {
        sequences.push(
            sequence_number_at(store, &p, Offset(o))
                .await
                .unwrap()
                .unwrap(),
        );
    }
    assert!(sequences.windows(2).all(|w| w[0] < w[1]), "{sequences:?}");
    assert_eq!(
        sequence_number_at(store, &p, Offset(6)).await.unwrap(),
        None
    );
    let fetched = fetch(store, &p, Offset(0), FetchLimits::default())
        .await
        .unwrap();
    let stored: Vec<SequenceNumber> = fetched
        .records
        .iter()
        .map(|r| r.sequence_number())
        .collect();
    assert_eq!(stored, sequences);

    let none = OffsetResetPolicy::None;
    let resolve = |position| resolve_position(store, &p, position, none);
    for (o, s) in sequences.iter().enumerate() {
        let o = o as u64;
        assert_eq!(
            resolve(Position::AtSequenceNumber(*s)).await.unwrap(),
            Offset(o)
        );
        assert_eq!(
            resolve(Position::AfterSequenceNumber(*s)).await.unwrap(),
            Offset(o + 1)
        );
    }
    // A sequence number between batches resolves to the next record; one below all to the first.
    let gap = SequenceNumber(sequences[4].0 + 1);
    assert!(gap < sequences[5]);
    assert_eq!(
        resolve(Position::AtSequenceNumber(gap)).await.unwrap(),
        Offset(5)
    );
    assert_eq!(
        resolve(Position::AfterSequenceNumber(gap)).await.unwrap(),
        Offset(5)
    );
    assert_eq!(
        resolve(Position::AtSequenceNumber(SequenceNumber(0)))
            .await
            .unwrap(),
        Offset(0)
    );
    let past = SequenceNumber(sequences[5].0 + 1);
    assert!(matches!(
        resolve(Position::AtSequenceNumber(past)).await,
        Err(PositionError::SequenceNumberOutOfRange { .. })
    ));
}

pub async fn timestamps_follow_the_topic_timestamp_type<S: Storage>(store: &S) {
    let create = TopicConfig::new("create", Mode::Kafka, 1).unwrap();
    let log_append = TopicConfig::new("append", Mode::Kafka, 1)
        .unwrap()
        .with_timestamp_type(TimestampType::LogAppendTime);
    let kinesis = TopicConfig::new("arrival", Mode::Kinesis, 1).unwrap();
    for config in [&create, &log_append, &kinesis] {
        store.create_topic(config).await.unwrap();
    }
    let stored = store
        .describe_topic(log_append.name())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.config.timestamp_type(), TimestampType::LogAppendTime);
    for (name, expect) in [("create", 42), ("append", 9_000), ("arrival", 9_000)] {
        let p = tp(name, 0);
        store
            .append(&p, &[at("v", 42)], Timestamp(9_000))
            .await
            .unwrap();
        let fetched = fetch(store, &p, Offset(0), FetchLimits::default())
            .await
            .unwrap();
        assert_eq!(fetched.records[0].timestamp(), Timestamp(expect), "{name}");
    }
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

pub async fn retention_by_time_and_size_moves_the_log_start<S: Storage>(store: &S) {
    let by_time = TopicConfig::new("timed", Mode::Kafka, 1)
        .unwrap()
        .with_retention_ms(Some(1_000))
        .unwrap();
    store.create_topic(&by_time).await.unwrap();
    let p = tp("timed", 0);
    for (i, ts) in [100, 200, 5_000].iter().enumerate() {
        store
            .append(
                &p,
                &[at(&format!("b{i}-0"), *ts), at(&format!("b{i}-1"), *ts)],
                Timestamp(*ts),
            )
            .await
            .unwrap();
    }
    // At 1,150 nothing is older than 1,000 ms... except batch 0 (max 100 < 150).
    let out = clean_partition(store, &p, Timestamp(1_150)).await.unwrap();
    assert_eq!(
        (out.batches_deleted, out.state.log_start_offset()),
        (1, Offset(2))
    );
    let out = clean_partition(store, &p, Timestamp(4_000)).await.unwrap();
    assert_eq!(
        (out.batches_deleted, out.state.log_start_offset()),
        (1, Offset(4))
    );
    assert_eq!(out.state.record_count(), 2);
    assert!(matches!(
        fetch(store, &p, Offset(1), FetchLimits::default()).await,
        Err(FetchError::OffsetOutOfRange(OffsetOutOfRange {
            log_start_offset: Offset(4),
            ..
        }))
    ));
    assert_eq!(values(store, &p, 4).await, ["b2-0", "b2-1"]);
    assert_eq!(
        resolve_position(
            store,
            &p,
            Position::Offset(Offset(0)),
            OffsetResetPolicy::Earliest
        )
        .await
        .unwrap(),
        Offset(4)
    );
    // Everything expires: the log is empty and starts at its end.
    let out = clean_partition(store, &p, Timestamp(100_000))
        .await
        .unwrap();
    assert_eq!(
        (
            out.state.log_start_offset(),
            out.state.log_end_offset(),
            out.state.record_count()
        ),
        (Offset(6), Offset(6), 0)
    );
    assert_eq!(out.state.byte_count(), 0);
    // Nothing more to do is not an error.
    assert_eq!(
        clean_partition(store, &p, Timestamp(100_000))
            .await
            .unwrap()
            .batches_deleted,
        0
    );

    let by_size = TopicConfig::new("sized", Mode::Kafka, 1)
        .unwrap()
        .with_retention_ms(None)
        .unwrap();
    store.create_topic(&by_size).await.unwrap();
    let s = tp("sized", 0);
    for i in 0..5 {
        store
            .append(&s, &[data(&format!("v{i}"))], Timestamp(i))
            .await
            .unwrap();
    }
    let index = store.batch_index(&s).await.unwrap();
    let one = index[0].size_bytes;
    let limit = one * 2 + 1;
    store
        .update_topic(s.topic(), &|m| {
            let mut m = m.clone();
            m.config = m.config.clone().with_retention_bytes(Some(limit)).unwrap();
            Ok(m)
        })
        .await
        .unwrap();
    let out = clean_partition(store, &s, Timestamp(10)).await.unwrap();
    // Deleting stops while the partition still holds at least retention.bytes: three remain.
    assert_eq!(
        (out.batches_deleted, out.state.log_start_offset()),
        (2, Offset(2))
    );
    assert!(out.state.byte_count() >= limit);
    let group = GroupId::new("g").unwrap();
    store
        .commit_offsets(
            &group,
            &[(
                s.clone(),
                CommittedOffset {
                    offset: Offset(1),
                    metadata: String::new(),
                    commit_time: Timestamp(1),
                },
            )],
        )
        .await
        .unwrap();
    // A commit below the log start falls back to the reset policy.
    assert_eq!(
        starting_offset(store, &group, &s, OffsetResetPolicy::Earliest)
            .await
            .unwrap(),
        Offset(2)
    );
    assert_eq!(
        starting_offset(store, &group, &s, OffsetResetPolicy::Latest)
            .await
            .unwrap(),
        Offset(5)
    );
}

pub async fn compaction_keeps_the_newest_value_per_key<S: Storage>(store: &S) {
    let config = TopicConfig::new("table", Mode::Kafka, 1)
        .unwrap()
        .with_cleanup_policy(CleanupPolicy::Compact)
        .unwrap()
        .with_delete_retention_ms(1_000)
        .unwrap();
    store.create_topic(&config).await.unwrap();
    let p = tp("table", 0);
    assert!(matches!(
        store
            .append(
                &p,
                &[keyed("a", Some("1"), 0), RecordData::default()],
                Timestamp(0)
            )
            .await,
        Err(AppendError::KeylessRecordOnCompactedTopic { index: 1 })
    ));
    let batches = [
        vec![
            keyed("a", Some("a1"), 10),
            keyed("b", Some("b1"), 10),
            keyed("c", Some("c1"), 10),
        ],
        vec![keyed("a", Some("a2"), 20), keyed("b", None, 20)],
        vec![keyed("d", Some("d1"), 30), keyed("a", Some("a3"), 30)],
    ];
    for b in &batches {
        store.append(&p, b, Timestamp(0)).await.unwrap();
    }
    let before = all_records(store, &p).await;
    let table_before = TableView::from_records(before.iter().map(|r| (PartitionId(0), r)));
    let out = clean_partition(store, &p, Timestamp(500)).await.unwrap();
    // The third batch holds only newest values and stays as it is.
    assert_eq!((out.batches_deleted, out.batches_rewritten), (0, 2));
    let after = all_records(store, &p).await;
    let kept: Vec<(u64, String)> = after
        .iter()
        .map(|r| {
            (
                r.offset().0,
                String::from_utf8_lossy(r.key().unwrap()).into_owned(),
            )
        })
        .collect();
    // c1 (2), the b tombstone (4), d1 (5), a3 (6): offsets keep their numbers.
    assert_eq!(
        kept,
        [
            (2, "c".into()),
            (4, "b".into()),
            (5, "d".into()),
            (6, "a".into())
        ]
    );
    assert_eq!(out.state.record_count(), 4);
    assert_eq!(out.state.log_end_offset(), Offset(7));
    let table_after = TableView::from_records(after.iter().map(|r| (PartitionId(0), r)));
    assert_eq!(table_after, table_before);
    assert_eq!(table_after.get(b"a").unwrap().value, b"a3");
    assert!(table_after.get(b"b").is_none());
    // Reads land on the next kept record across the gaps; sequence numbers kept.
    let from_gap = fetch(
        store,
        &p,
        Offset(0),
        FetchLimits {
            max_records: 1,
            max_bytes: 1,
        },
    )
    .await
    .unwrap();
    assert_eq!(from_gap.records[0].offset(), Offset(2));
    // A scan skips the gaps and returns what a fetch does.
    assert_eq!(scanned(store, &p, 0, 7, 1).await, [2, 4, 5, 6]);
    assert_eq!(scanned(store, &p, 3, 7, 1 << 20).await, [4, 5, 6]);
    assert_eq!(
        sequence_number_at(store, &p, Offset(6)).await.unwrap(),
        Some(after[3].sequence_number())
    );
    // After delete.retention.ms the tombstone goes, and its batch with it.
    let out = clean_partition(store, &p, Timestamp(1_021)).await.unwrap();
    assert_eq!(out.batches_deleted, 1);
    let keys: Vec<u64> = all_records(store, &p)
        .await
        .iter()
        .map(|r| r.offset().0)
        .collect();
    assert_eq!(keys, [2, 5, 6]);
    // Appends continue after the end, and a fetch from a deleted batch's offset still works.
    let info = store
        .append(&p, &[keyed("c", Some("c2"), 40)], Timestamp(0))
        .await
        .unwrap();
    assert_eq!(info.base_offset, Offset(7));
    let f = fetch(
        store,
        &p,
        Offset(3),
        FetchLimits {
            max_records: 1,
            max_bytes: 1,
        },
    )
    .await
    .unwrap();
    assert_eq!(f.records[0].offset(), Offset(5));
}

pub async fn splits_and_merges_keep_lineage_and_replay_in_order<S: Storage>(store: &S) {
    let meta = topic(store, "s", Mode::Kinesis, 2).await;
    let name = meta.config.name().clone();
    let keyless = KeylessPartitioner::new();
    let keys: Vec<String> = (0..12).map(|i| format!("user-{i}")).collect();
    let produce_round = |round: usize| {
        let records: Vec<ProduceRecord> = keys
            .iter()
            .map(|k| ProduceRecord::new(Some(k), &format!("{k}:{round}")))
            .collect();
        records
    };
    produce(store, &name, &produce_round(0), &keyless, Timestamp(1_000))
        .await
        .unwrap();
    // Split shard 0 in the middle of its range.
    let r0 = *meta.partitions[0].hash_key_range().unwrap();
    let mid = streamlab_log::middle_hash_key(&r0).unwrap();
    let after_split = split(store, &name, PartitionId(0), mid).await.unwrap();
    let parent = &after_split.partitions[0];
    assert_eq!(parent.shard_state(), ShardState::Closed);
    assert!(parent.ending_sequence_number().is_some());
    assert_eq!(after_split.partitions.len(), 4);
    for child in &after_split.partitions[2..] {
        assert_eq!(child.parents(), [PartitionId(0)]);
        assert!(child.next_sequence_number() >= parent.next_sequence_number());
    }
    assert_eq!(
        after_split.partitions[2]
            .hash_key_range()
            .unwrap()
            .ending_hash_key
            .0,
        mid.0 - 1
    );
    assert_eq!(
        after_split.partitions[3]
            .hash_key_range()
            .unwrap()
            .starting_hash_key,
        mid
    );
    produce(store, &name, &produce_round(1), &keyless, Timestamp(2_000))
        .await
        .unwrap();
    assert_eq!(
        store
            .partition_state(&tp("s", 0))
            .await
            .unwrap()
            .unwrap()
            .log_end_offset(),
        parent.log_end_offset(),
        "a closed shard takes no records"
    );
    // Merge the right child of the split (shard 3) with shard 1, which it touches.
    let merged = merge(store, &name, PartitionId(3), PartitionId(1))
        .await
        .unwrap();
    assert_eq!(
        merged.partitions[4].parents(),
        [PartitionId(3), PartitionId(1)]
    );
    produce(store, &name, &produce_round(2), &keyless, Timestamp(3_000))
        .await
        .unwrap();
    // Illegal operations are typed errors and change nothing.
    let refused = |e: UpdateTopicError<S::Error>| match e {
        UpdateTopicError::Refused(r) => r,
        other => panic!("expected a refusal, got {other}"),
    };
    assert_eq!(
        refused(split(store, &name, PartitionId(0), mid).await.unwrap_err()),
        ReshardError::ShardClosed(ShardId(0))
    );
    let r2 = *merged.partitions[2].hash_key_range().unwrap();
    assert!(matches!(
        refused(
            split(store, &name, PartitionId(2), r2.starting_hash_key)
                .await
                .unwrap_err()
        ),
        ReshardError::HashKeyOutOfRange { .. }
    ));
    assert!(matches!(
        refused(
            split(
                store,
                &name,
                PartitionId(2),
                HashKey(r2.ending_hash_key.0 + 1)
            )
            .await
            .unwrap_err()
        ),
        ReshardError::HashKeyOutOfRange { .. }
    ));
    let third = split(store, &name, PartitionId(4), HashKey(u128::MAX))
        .await
        .unwrap();
    assert_eq!(third.partitions.len(), 7);
    // Shard 2 ([0, mid-1]) and shard 6 ([MAX, MAX]) do not touch.
    assert_eq!(
        refused(
            merge(store, &name, PartitionId(2), PartitionId(6))
                .await
                .unwrap_err()
        ),
        ReshardError::NotAdjacent(ShardId(2), ShardId(6))
    );
    assert_eq!(
        refused(
            merge(store, &name, PartitionId(2), PartitionId(2))
                .await
                .unwrap_err()
        ),
        ReshardError::SameShard(ShardId(2))
    );
    assert_eq!(
        store
            .describe_topic(&name)
            .await
            .unwrap()
            .unwrap()
            .partitions
            .len(),
        7
    );

    // A reader that drains parents before children sees every record once, in order per key.
    let meta = store.describe_topic(&name).await.unwrap().unwrap();
    let mut finished = BTreeSet::new();
    let mut seen: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut total = 0;
    loop {
        let ready = readable_shards(&meta.partitions, &finished);
        let Some(&shard) = ready.first() else { break };
        for r in all_records(store, &tp("s", shard.0)).await {
            let value = String::from_utf8_lossy(r.value().unwrap()).into_owned();
            let key = String::from_utf8_lossy(r.key().unwrap()).into_owned();
            seen.entry(key).or_default().push(value);
            total += 1;
        }
        finished.insert(shard);
    }
    assert_eq!(total, keys.len() * 3);
    for k in &keys {
        let expected: Vec<String> = (0..3).map(|round| format!("{k}:{round}")).collect();
        assert_eq!(seen[k], expected, "{k}");
    }
}

pub async fn update_shard_count_scales_uniformly_within_limits<S: Storage>(store: &S) {
    let meta = topic(store, "s", Mode::Kinesis, 2).await;
    let name = meta.config.name().clone();
    let up = store
        .update_topic(&name, &|m| update_shard_count(m, 4))
        .await
        .unwrap();
    let open: Vec<_> = up
        .partitions
        .iter()
        .filter(|p| p.shard_state() == ShardState::Open)
        .collect();
    assert_eq!(open.len(), 4);
    let ranges: Vec<_> = open.iter().map(|p| *p.hash_key_range().unwrap()).collect();
    assert_eq!(ranges, streamlab_log::uniform_hash_key_ranges(4));
    assert_eq!(open[0].parents(), [PartitionId(0)]);
    assert_eq!(open[3].parents(), [PartitionId(1)]);
    assert!(matches!(
        store
            .update_topic(&name, &|m| update_shard_count(m, 9))
            .await,
        Err(UpdateTopicError::Refused(ReshardError::TargetOutOfRange {
            target: 9,
            open: 4,
            min: 2,
            max: 8
        }))
    ));
    let down = store
        .update_topic(&name, &|m| update_shard_count(m, 3))
        .await
        .unwrap();
    let open = down
        .partitions
        .iter()
        .filter(|p| p.shard_state() == ShardState::Open)
        .count();
    assert_eq!((open, down.partitions.len()), (3, 9));
    let kafka = topic(store, "k", Mode::Kafka, 1).await;
    assert!(matches!(
        store
            .update_topic(kafka.config.name(), &|m| update_shard_count(m, 2))
            .await,
        Err(UpdateTopicError::Refused(ReshardError::NotInMode { .. }))
    ));
}

pub async fn adding_kafka_partitions_moves_only_some_keys<S: Storage>(store: &S) {
    let meta = topic(store, "k", Mode::Kafka, 3).await;
    let name = meta.config.name().clone();
    let keyless = KeylessPartitioner::new();
    let keys: Vec<String> = (0..40).map(|i| format!("key-{i}")).collect();
    let records: Vec<ProduceRecord> = keys
        .iter()
        .map(|k| ProduceRecord::new(Some(k), "v"))
        .collect();
    let before = produce(store, &name, &records, &keyless, Timestamp(1))
        .await
        .unwrap();
    let grown = store
        .update_topic(&name, &|m| add_partitions(m, 5))
        .await
        .unwrap();
    assert_eq!(
        (grown.partitions.len(), grown.config.partition_count()),
        (5, 5)
    );
    let after = produce(store, &name, &records, &keyless, Timestamp(2))
        .await
        .unwrap();
    let moved: Vec<&String> = keys
        .iter()
        .zip(before.iter().zip(&after))
        .filter(|(_, (b, a))| b.partition != a.partition)
        .map(|(k, _)| k)
        .collect();
    let expected: Vec<&String> = keys
        .iter()
        .filter(|k| kafka_partition(k.as_bytes(), 3) != kafka_partition(k.as_bytes(), 5))
        .collect();
    assert_eq!(moved, expected);
    assert!(!moved.is_empty() && moved.len() < keys.len());
    // Records already written stay where they were.
    let total: u64 = store
        .describe_topic(&name)
        .await
        .unwrap()
        .unwrap()
        .partitions[..3]
        .iter()
        .map(|p| p.record_count())
        .sum();
    assert!(total >= 40);
    assert!(matches!(
        store.update_topic(&name, &|m| add_partitions(m, 5)).await,
        Err(UpdateTopicError::Refused(
            ReshardError::PartitionsCanOnlyGrow {
                current: 5,
                requested: 5
            }
        ))
    ));
}

pub async fn throttling_refuses_over_the_limit_and_stores_nothing<S: Storage>(store: &S) {
    let config = TopicConfig::new("s", Mode::Kinesis, 1)
        .unwrap()
        .with_throttling(true)
        .unwrap();
    store.create_topic(&config).await.unwrap();
    assert!(TopicConfig::new("k", Mode::Kafka, 1)
        .unwrap()
        .with_throttling(true)
        .is_err());
    let p = tp("s", 0);
    let five_hundred: Vec<RecordData> = (0..500).map(|i| data(&i.to_string())).collect();
    store
        .append(&p, &five_hundred, Timestamp(10_000))
        .await
        .unwrap();
    store
        .append(&p, &five_hundred, Timestamp(10_000))
        .await
        .unwrap();
    let over = store.append(&p, &[data("x")], Timestamp(10_000)).await;
    assert!(matches!(
        over,
        Err(AppendError::ProvisionedThroughputExceeded {
            shard: ShardId(0),
            retry_after_ms: 1
        })
    ));
    assert_eq!(
        store
            .partition_state(&p)
            .await
            .unwrap()
            .unwrap()
            .log_end_offset(),
        Offset(1_000)
    );
    // Half a second later, half the records are allowed again.
    let info: AppendInfo = store
        .append(&p, &five_hundred, Timestamp(10_500))
        .await
        .unwrap();
    assert_eq!(info.base_offset, Offset(1_000));
    assert!(store
        .append(&p, &[data("x")], Timestamp(10_500))
        .await
        .is_err());
}

pub async fn group_membership_is_kept_per_group_and_topic<S: Storage>(store: &S) {
    let (t, u) = (
        TopicName::new("t", Mode::Kafka).unwrap(),
        TopicName::new("u", Mode::Kafka).unwrap(),
    );
    let group = GroupId::new("billing").unwrap();
    let (a, b) = (
        streamlab_log::MemberId::new("a").unwrap(),
        streamlab_log::MemberId::new("b").unwrap(),
    );
    let joined = store
        .update_membership(&group, &t, &|m| m.heartbeat(&a, Timestamp(0), 3_000))
        .await
        .unwrap();
    assert_eq!((joined.generation, joined.members.len()), (1, 1));
    let both = store
        .update_membership(&group, &t, &|m| m.heartbeat(&b, Timestamp(100), 3_000))
        .await
        .unwrap();
    assert_eq!((both.generation, both.members.len()), (2, 2));
    // Another topic and another group are separate memberships.
    let other = store.update_membership(&group, &u, &|m| m).await.unwrap();
    assert_eq!(other, streamlab_log::GroupMembership::default());
    // b is silent past the session timeout: a's heartbeat removes it.
    let expired = store
        .update_membership(&group, &t, &|m| m.heartbeat(&a, Timestamp(5_000), 3_000))
        .await
        .unwrap();
    assert_eq!((expired.generation, expired.members.len()), (3, 1));
    // Memberships do not show up as committed offsets.
    assert!(store
        .committed_offsets(&group, &t)
        .await
        .unwrap()
        .is_empty());
}

pub async fn deleting_a_topic_removes_everything_it_held<S: Storage>(store: &S) {
    let doomed = topic(store, "doomed", Mode::Kafka, 2).await;
    let kept = topic(store, "kept", Mode::Kafka, 1).await;
    let (p, k) = (tp("doomed", 1), tp("kept", 0));
    store
        .append(&p, &[data("a"), data("b")], Timestamp(1))
        .await
        .unwrap();
    store.append(&k, &[data("k")], Timestamp(1)).await.unwrap();
    let group = GroupId::new("g").unwrap();
    let c = CommittedOffset {
        offset: Offset(1),
        metadata: String::new(),
        commit_time: Timestamp(1),
    };
    store
        .commit_offsets(&group, &[(p.clone(), c.clone()), (k.clone(), c)])
        .await
        .unwrap();
    let member = streamlab_log::MemberId::new("m").unwrap();
    store
        .update_membership(&group, doomed.config.name(), &|m| {
            m.heartbeat(&member, Timestamp(0), 3_000)
        })
        .await
        .unwrap();

    assert!(store.delete_topic(doomed.config.name()).await.unwrap());
    assert!(
        !store.delete_topic(doomed.config.name()).await.unwrap(),
        "a second delete finds nothing"
    );
    assert_eq!(
        store.describe_topic(doomed.config.name()).await.unwrap(),
        None
    );
    assert_eq!(store.partition_state(&p).await.unwrap(), None);
    assert!(store
        .read_batches(&p, Offset(0), 1 << 20)
        .await
        .unwrap()
        .is_empty());
    assert!(store.batch_index(&p).await.unwrap().is_empty());
    assert!(store
        .committed_offsets(&group, doomed.config.name())
        .await
        .unwrap()
        .is_empty());
    let membership = store
        .update_membership(&group, doomed.config.name(), &|m| m)
        .await
        .unwrap();
    assert_eq!(membership, streamlab_log::GroupMembership::default());
    // The other topic is untouched.
    assert_eq!(values(store, &k, 0).await, ["k"]);
    assert_eq!(
        store
            .committed_offsets(&group, kept.config.name())
            .await
            .unwrap()
            .len(),
        1
    );
    // The name can be used again, from an empty log.
    topic(store, "doomed", Mode::Kafka, 2).await;
    let again = store
        .append(&p, &[data("new")], Timestamp(2))
        .await
        .unwrap();
    assert_eq!(again.base_offset, Offset(0));
    assert_eq!(values(store, &p, 0).await, ["new"]);
}

pub async fn groups_commit_resume_and_report_lag<S: Storage>(store: &S) {
    topic(store, "t", Mode::Kafka, 2).await;
    let (p0, p1) = (tp("t", 0), tp("t", 1));
    for i in 0..5 {
        store
            .append(&p0, &[at(&i.to_string(), 100 * i)], Timestamp(0))
            .await
            .unwrap();
    }
    let group = GroupId::new("billing").unwrap();
    let none = OffsetResetPolicy::None;
    assert!(matches!(
        starting_offset(store, &group, &p0, none).await,
        Err(PositionError::NoCommittedOffset { .. })
    ));
    assert_eq!(
        starting_offset(store, &group, &p0, OffsetResetPolicy::Earliest)
            .await
            .unwrap(),
        Offset(0)
    );
    let commit = |o| CommittedOffset {
        offset: Offset(o),
        metadata: "m".into(),
        commit_time: Timestamp(7),
    };
    store
        .commit_offsets(&group, &[(p0.clone(), commit(3)), (p1.clone(), commit(0))])
        .await
        .unwrap();
    let committed = store.committed_offsets(&group, p0.topic()).await.unwrap();
    assert_eq!(committed[&PartitionId(0)], commit(3));
    assert_eq!(committed.len(), 2);
    assert_eq!(
        starting_offset(store, &group, &p0, none).await.unwrap(),
        Offset(3)
    );
    let other = GroupId::new("audit").unwrap();
    assert!(store
        .committed_offsets(&other, p0.topic())
        .await
        .unwrap()
        .is_empty());
    let state = store.partition_state(&p0).await.unwrap().unwrap();
    assert_eq!(lag(&state, Some(Offset(3))), Some(2));
    assert_eq!(lag(&state, None), None);
    let f = fetch(
        store,
        &p0,
        Offset(0),
        FetchLimits {
            max_records: 2,
            max_bytes: 1 << 20,
        },
    )
    .await
    .unwrap();
    // Read up to offset 1 (timestamp 100); the newest record is at 400.
    assert_eq!(
        millis_behind_latest(&state, f.records.last(), f.next_offset),
        300
    );
    assert_eq!(
        millis_behind_latest(&state, None, state.log_end_offset()),
        0
    );
    store
        .commit_offsets(&group, &[(p0.clone(), commit(5))])
        .await
        .unwrap();
    assert_eq!(
        store.committed_offsets(&group, p0.topic()).await.unwrap()[&PartitionId(0)].offset,
        Offset(5)
    );
}

pub async fn group_offsets_reset_only_while_the_group_is_inactive<S: Storage>(store: &S) {
    topic(store, "t", Mode::Kafka, 2).await;
    let (p0, p1) = (tp("t", 0), tp("t", 1));
    for i in 0..6 {
        store
            .append(&p0, &[at(&format!("a{i}"), 100 * i)], Timestamp(0))
            .await
            .unwrap();
    }
    store
        .append(&p1, &[at("b0", 50), at("b1", 450)], Timestamp(0))
        .await
        .unwrap();
    let group = GroupId::new("billing").unwrap();
    let name = p0.topic().clone();
    let member = MemberId::new("m-1").unwrap();
    store
        .update_membership(&group, &name, &|m| {
            m.heartbeat(&member, Timestamp(1_000), 3_000)
        })
        .await
        .unwrap();
    let reset =
        |target, now| reset_group_offsets(store, &group, &name, target, Timestamp(now), 3_000);
    // A member heartbeated a second ago: the group is active.
    assert!(matches!(
        reset(&OffsetReset::Earliest, 2_000).await,
        Err(ResetOffsetsError::GroupActive { members: 1, .. })
    ));
    assert!(store
        .committed_offsets(&group, &name)
        .await
        .unwrap()
        .is_empty());
    // Once its session expired, the reset goes through.
    let moved = reset(&OffsetReset::Latest, 10_000).await.unwrap();
    assert_eq!(
        moved,
        [(PartitionId(0), Offset(6)), (PartitionId(1), Offset(2))]
    );
    assert_eq!(committed_in(store, &group, &name).await, [(0, 6), (1, 2)]);
    // To a time: the first record at or after it in each partition (none: the log end).
    reset(&OffsetReset::Timestamp(Timestamp(250)), 10_000)
        .await
        .unwrap();
    assert_eq!(committed_in(store, &group, &name).await, [(0, 3), (1, 1)]);
    reset(&OffsetReset::Timestamp(Timestamp(9_999)), 10_000)
        .await
        .unwrap();
    assert_eq!(committed_in(store, &group, &name).await, [(0, 6), (1, 2)]);
    // Per partition: out-of-range offsets go to the nearest end; others keep their commit.
    let high = OffsetReset::Offsets(BTreeMap::from([(PartitionId(0), Offset(99))]));
    reset(&high, 10_000).await.unwrap();
    let one = OffsetReset::Offsets(BTreeMap::from([(PartitionId(1), Offset(1))]));
    reset(&one, 10_000).await.unwrap();
    assert_eq!(committed_in(store, &group, &name).await, [(0, 6), (1, 1)]);
    reset(&OffsetReset::Earliest, 10_000).await.unwrap();
    assert_eq!(committed_in(store, &group, &name).await, [(0, 0), (1, 0)]);
    // A member starting now reads from the reset offsets.
    assert_eq!(
        starting_offset(store, &group, &p0, OffsetResetPolicy::None)
            .await
            .unwrap(),
        Offset(0)
    );
    let bad = OffsetReset::Offsets(BTreeMap::from([(PartitionId(7), Offset(0))]));
    assert!(matches!(
        reset(&bad, 10_000).await,
        Err(ResetOffsetsError::NoSuchPartition {
            partition: PartitionId(7),
            ..
        })
    ));
    let missing = TopicName::new("missing", Mode::Kafka).unwrap();
    assert!(matches!(
        reset_group_offsets(
            store,
            &group,
            &missing,
            &OffsetReset::Earliest,
            Timestamp(0),
            3_000
        )
        .await,
        Err(ResetOffsetsError::UnknownTopic(_))
    ));
}

/// A group's committed offsets on a topic, as `(partition, offset)`.
async fn committed_in<S: Storage>(
    store: &S,
    group: &GroupId,
    topic: &TopicName,
) -> Vec<(u32, u64)> {
    store
        .committed_offsets(group, topic)
        .await
        .unwrap()
        .into_iter()
        .map(|(p, c)| (p.0, c.offset.0))
        .collect()
}

pub async fn truncation_removes_a_batch_and_everything_after_it<S: Storage>(store: &S) {
    topic(store, "t", Mode::Kafka, 1).await;
    let p = tp("t", 0);
    let mut sequences = Vec::new();
    for batch in [["a", "b"], ["c", "d"], ["e", "f"]] {
        let records: Vec<RecordData> = batch.iter().map(|v| data(v)).collect();
        let info = store.append(&p, &records, Timestamp(1)).await.unwrap();
        sequences.push(info.base_sequence);
    }
    // Damage the middle batch (a rewrite that stores other bytes under its key): a scan returns
    // the records before it, then names it, and stays before it.
    let index = store.batch_index(&p).await.unwrap();
    let mut bytes = store
        .read_batches(&p, Offset(2), 0)
        .await
        .unwrap()
        .remove(0)
        .bytes;
    let last = bytes.len() - 1;
    bytes[last] ^= 0x01;
    let state = store.partition_state(&p).await.unwrap().unwrap();
    let damage = streamlab_log::BatchRewrite {
        epoch: state.rewrite_epoch(),
        replaced: vec![(index[1], bytes)],
        replaced_before: vec![index[1]],
        ..streamlab_log::BatchRewrite::default()
    };
    store.rewrite_batches(&p, &damage).await.unwrap();
    let mut scan = PartitionScan::new(store, p.clone(), Offset(0), Offset(6), 1 << 20);
    let first: Vec<u64> = scan
        .next()
        .await
        .unwrap()
        .unwrap()
        .iter()
        .map(|r| r.offset().0)
        .collect();
    assert_eq!(first, [0, 1]);
    let bad = match scan.next().await {
        Err(FetchError::Corrupt(bad)) => bad,
        other => panic!("expected the damaged batch, got {other:?}"),
    };
    assert_eq!(bad.base_offset, Offset(2));
    assert_eq!(scan.position(), Offset(2));
    // Skipping it, the scan reads the rest.
    scan.skip_damaged(&bad).await.unwrap();
    assert_eq!(scan.position(), Offset(4));
    let rest: Vec<u64> = scan
        .next()
        .await
        .unwrap()
        .unwrap()
        .iter()
        .map(|r| r.offset().0)
        .collect();
    assert_eq!(rest, [4, 5]);
    // Reading on after it works.
    assert_eq!(values(store, &p, 4).await, ["e", "f"]);
    // Only a batch's first offset is a place to truncate at.
    assert!(matches!(
        truncate_partition(store, &p, Offset(3)).await,
        Err(CleanupError::NoBatchAt(_, Offset(3)))
    ));
    let out = truncate_partition(store, &p, Offset(2)).await.unwrap();
    assert_eq!(out.batches_deleted, 2);
    assert_eq!(out.state.log_end_offset(), Offset(2));
    assert_eq!(out.state.record_count(), 2);
    assert_eq!(values(store, &p, 0).await, ["a", "b"]);
    // The next append takes offset 2 again, with a sequence number above every earlier one.
    let info = store.append(&p, &[data("g")], Timestamp(2)).await.unwrap();
    assert_eq!(info.base_offset, Offset(2));
    assert!(info.base_sequence > sequences[2]);
    assert_eq!(values(store, &p, 0).await, ["a", "b", "g"]);
    assert_eq!(scanned(store, &p, 0, 3, 1).await, [0, 1, 2]);
}
