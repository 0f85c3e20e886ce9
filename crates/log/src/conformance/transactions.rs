//! The stream processor's step transaction: appends to several partitions and a group's
//! offsets, stored all or nothing, and fenced on the offsets the step read.

use super::*;

pub async fn transactions_append_and_commit_all_or_nothing<S: Storage>(store: &S) {
    let config = TopicConfig::new("out", Mode::Kafka, 2)
        .unwrap()
        .with_max_record_bytes(10);
    store.create_topic(&config).await.unwrap();
    topic(store, "in", Mode::Kafka, 1).await;
    let group = GroupId::new("query").unwrap();
    let commit = |from: Option<u64>, to: u64| TransactionCommit {
        topic_partition: tp("in", 0),
        expected: from.map(Offset),
        committed: CommittedOffset {
            offset: Offset(to),
            metadata: String::new(),
            commit_time: Timestamp(5),
        },
    };
    let (out0, out1, input) = (tp("out", 0), tp("out", 1), tp("in", 0));
    // Several partitions (one twice) and the group's offset, in one step.
    let first = [data("a"), data("b")];
    let second = [data("c")];
    let third = [data("d")];
    let infos = store
        .append_transaction(
            &[
                (out0.clone(), &first[..]),
                (out1.clone(), &second[..]),
                (out0.clone(), &third[..]),
            ],
            &group,
            &[commit(None, 3)],
            Timestamp(1),
        )
        .await
        .unwrap();
    let bases: Vec<(u64, u32)> = infos
        .iter()
        .map(|i| (i.base_offset.0, i.record_count))
        .collect();
    assert_eq!(bases, vec![(0, 2), (0, 1), (2, 1)]);
    assert_eq!(values(store, &out0, 0).await, ["a", "b", "d"]);
    assert_eq!(values(store, &out1, 0).await, ["c"]);
    let committed = store
        .committed_offsets(&group, input.topic())
        .await
        .unwrap();
    assert_eq!(
        committed.get(&PartitionId(0)).map(|c| c.offset),
        Some(Offset(3))
    );

    // A refused append, even the last, stores nothing of the step: no record, no offset.
    let fine = [data("e")];
    let too_long = [data("far too long")];
    let refused = store
        .append_transaction(
            &[(out1.clone(), &fine[..]), (out0.clone(), &too_long[..])],
            &group,
            &[commit(Some(3), 9)],
            Timestamp(2),
        )
        .await;
    assert!(
        matches!(refused, Err(AppendError::RecordTooLarge { index: 0, .. })),
        "{refused:?}"
    );
    let unknown = store
        .append_transaction(
            &[(out1.clone(), &fine[..]), (tp("out", 7), &fine[..])],
            &group,
            &[commit(Some(3), 9)],
            Timestamp(2),
        )
        .await;
    assert!(
        matches!(unknown, Err(AppendError::UnknownTopicOrPartition(_))),
        "{unknown:?}"
    );
    assert_eq!(values(store, &out0, 0).await, ["a", "b", "d"]);
    assert_eq!(values(store, &out1, 0).await, ["c"]);
    assert_eq!(
        store
            .partition_state(&out1)
            .await
            .unwrap()
            .unwrap()
            .log_end_offset(),
        Offset(1)
    );
    let committed = store
        .committed_offsets(&group, input.topic())
        .await
        .unwrap();
    assert_eq!(
        committed.get(&PartitionId(0)).map(|c| c.offset),
        Some(Offset(3))
    );

    // A step that read from an offset another processor has moved since is fenced: nothing of
    // it is stored.
    let fenced = store
        .append_transaction(
            &[(out1.clone(), &fine[..])],
            &group,
            &[commit(None, 9)],
            Timestamp(2),
        )
        .await;
    assert!(
        matches!(
            fenced,
            Err(AppendError::Fenced {
                expected: None,
                found: Some(Offset(3)),
                ..
            })
        ),
        "{fenced:?}"
    );
    assert_eq!(values(store, &out1, 0).await, ["c"]);

    // A step that read records but wrote none still commits its offsets.
    store
        .append_transaction::<RecordData>(&[], &group, &[commit(Some(3), 4)], Timestamp(3))
        .await
        .unwrap();
    let committed = store
        .committed_offsets(&group, input.topic())
        .await
        .unwrap();
    assert_eq!(
        committed.get(&PartitionId(0)).map(|c| c.offset),
        Some(Offset(4))
    );
}
