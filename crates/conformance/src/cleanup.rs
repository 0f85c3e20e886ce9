//! What happens to a log over time: retention by time and size, compaction, truncation at a damaged batch.

use super::*;

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
