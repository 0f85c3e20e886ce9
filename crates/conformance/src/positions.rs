//! Positions in both vocabularies, and sequence numbers to offsets and back.

use super::*;

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
