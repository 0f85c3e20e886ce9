//! Topics made, listed and deleted; appends and fetches; refused and overlapped appends; timestamps.

use super::*;

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
