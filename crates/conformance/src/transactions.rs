//! The stream processor's step transaction: appends to several partitions and a group's
//! offsets, stored all or nothing, and fenced on the offsets the step read.

use super::*;

/// A sink topic (records of at most 10 bytes), a one-partition input, the step's group, and how
/// to commit an offset of the input read from `from`.
async fn step_topics<S: Storage>(
    store: &S,
    out: &str,
    partitions: u32,
    input: &'static str,
    group: &str,
) -> (GroupId, impl Fn(Option<u64>, u64) -> TransactionCommit) {
    let config = TopicConfig::new(out, Mode::Kafka, partitions)
        .unwrap()
        .with_max_record_bytes(10);
    store.create_topic(&config).await.unwrap();
    topic(store, input, Mode::Kafka, 1).await;
    let commit = move |from: Option<u64>, to: u64| TransactionCommit {
        topic_partition: tp(input, 0),
        expected: from.map(Offset),
        committed: CommittedOffset {
            offset: Offset(to),
            metadata: String::new(),
            commit_time: Timestamp(5),
        },
    };
    (GroupId::new(group).unwrap(), commit)
}

pub async fn transactions_append_and_commit_all_or_nothing<S: Storage>(store: &S) {
    let (group, commit) = step_topics(store, "out", 2, "in", "query").await;
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

/// A step stored while the processor works on its next one: the work runs once whatever the
/// outcome, and the step is stored (or refused, or fenced) exactly as `append_transaction`
/// stores it.
pub async fn overlapped_transactions_run_their_work_once_whatever_the_outcome<S: Storage>(
    store: &S,
) {
    let (group, commit) = step_topics(store, "o-out", 1, "o-in", "o-query").await;
    let runs = std::cell::Cell::new(0);
    let work = |label: &'static str| {
        runs.set(runs.get() + 1);
        label
    };
    let out = tp("o-out", 0);
    let records = [data("a"), data("b")];
    let (stored, done) = store
        .append_transaction_overlapped(
            &[(out.clone(), &records[..])],
            &group,
            &[commit(None, 2)],
            Timestamp(1),
            || work("stored"),
        )
        .await;
    let bases: Vec<u64> = stored.unwrap().iter().map(|i| i.base_offset.0).collect();
    assert_eq!((bases, done, runs.get()), (vec![0], "stored", 1));
    assert_eq!(values(store, &out, 0).await, ["a", "b"]);

    // Refused (a record too large) and fenced (the offset moved): the work still runs once
    // each, and nothing of either step is stored.
    let too_long = [data("far too long")];
    let (refused, _) = store
        .append_transaction_overlapped(
            &[(out.clone(), &too_long[..])],
            &group,
            &[commit(Some(2), 3)],
            Timestamp(2),
            || work("refused"),
        )
        .await;
    assert!(
        matches!(refused, Err(AppendError::RecordTooLarge { .. })),
        "{refused:?}"
    );
    let more = [data("c")];
    let (fenced, _) = store
        .append_transaction_overlapped(
            &[(out.clone(), &more[..])],
            &group,
            &[commit(None, 3)],
            Timestamp(2),
            || work("fenced"),
        )
        .await;
    assert!(
        matches!(fenced, Err(AppendError::Fenced { .. })),
        "{fenced:?}"
    );
    assert_eq!(runs.get(), 3);
    assert_eq!(values(store, &out, 0).await, ["a", "b"]);
    let committed = store
        .committed_offsets(&group, tp("o-in", 0).topic())
        .await
        .unwrap();
    assert_eq!(
        committed.get(&PartitionId(0)).map(|c| c.offset),
        Some(Offset(2))
    );
}
