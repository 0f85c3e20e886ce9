//! The behavioural suite every [`Storage`] implementation must pass.
//!
//! Each check takes a fresh, empty store and asserts what the log promises on top of it. The
//! memory store runs the suite natively (`tests/conformance.rs`); the IndexedDB store runs the same
//! checks in headless Chromium. [`for_each_check!`](crate::for_each_check) lists them, so a
//! harness generates one test per check and none is forgotten.
#![allow(clippy::unwrap_used, missing_docs)]

use crate::partitioner::{kafka_partition, kinesis_hash_key, uniform_hash_key_ranges};
use crate::{
    fetch, produce, resolve_position, sequence_number_at, AppendError, CreateTopicError,
    FetchError, FetchLimits, Header, KeylessPartitioner, Mode, Offset, OffsetOutOfRange,
    OffsetResetPolicy, PartitionId, Position, PositionError, ProduceError, ProduceRecord,
    RecordData, SequenceNumber, Storage, Target, Timestamp, TimestampType, TopicConfig,
    TopicMetadata, TopicName, TopicPartition,
};

/// Calls `$check!(name)` for every check of the suite.
#[macro_export]
macro_rules! for_each_check {
    ($check:ident) => {
        $check!(topics_are_created_listed_and_never_duplicated);
        $check!(appends_take_contiguous_offsets_and_read_back);
        $check!(fetch_honours_limits_and_range);
        $check!(refused_appends_store_nothing);
        $check!(kafka_routes_by_murmur2_and_spreads_keyless_records);
        $check!(kinesis_routes_by_md5_and_explicit_hash_key);
        $check!(kinesis_request_limits_store_nothing);
        $check!(positions_resolve_in_both_vocabularies);
        $check!(sequence_numbers_map_to_offsets_and_back);
        $check!(timestamps_follow_the_topic_timestamp_type);
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
        store.append(&p, &[], Timestamp(1)).await,
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
    use crate::ShardIteratorType as It;
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
