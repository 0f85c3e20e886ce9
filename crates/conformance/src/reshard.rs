//! Changing a topic's partitions: Kinesis' split, merge and shard count, Kafka's added partitions.

use super::*;

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
