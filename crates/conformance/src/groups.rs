//! Consumer groups: membership, commits, lag and offset resets.

use super::*;

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
