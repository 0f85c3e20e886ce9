//! Where records go: Kafka's murmur2 and keyless spreading, Kinesis' MD5 hash keys and explicit hash keys, PutRecords limits and per-shard throttling.

use super::*;

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
