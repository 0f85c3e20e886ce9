//! Random sequences of appends, fetches and seeks on the memory store, checked against a plain
//! `Vec` model of the log that follows the rules as written: offsets count from 0, a batch's base
//! sequence number is `max(next, append_ms · 10^6)`, a timestamp seek finds the first record at or
//! after the time, a sequence seek the first record at (or after) the number.
use proptest::prelude::*;

use streamlab_log::{
    block_on, fetch, resolve_position, sequence_number_at, FetchError, FetchLimits, MemoryStore,
    Mode, Offset, OffsetOutOfRange, OffsetResetPolicy, PartitionId, Position, PositionError,
    RecordData, SequenceNumber, Storage, Timestamp, TopicConfig, TopicPartition,
};

const PARTITIONS: u32 = 3;

/// A record to append: key, value, CreateTime.
type ModelInput = (Option<Vec<u8>>, Option<Vec<u8>>, Option<i64>);

#[derive(Clone, Debug)]
enum Op {
    Append {
        partition: u32,
        now: i64,
        records: Vec<ModelInput>,
    },
    Fetch {
        partition: u32,
        offset: u64,
        max_records: usize,
    },
    Seek {
        partition: u32,
        position: SeekKind,
    },
}

#[derive(Clone, Debug)]
enum SeekKind {
    Earliest,
    Latest,
    Offset(u64),
    Timestamp(i64),
    /// The n-th record's sequence number (or an arbitrary one when n is past the end), plus a
    /// nudge to land between records.
    AtSequence(usize, u8),
    AfterSequence(usize, u8),
}

#[derive(Clone, Debug, PartialEq)]
struct ModelRecord {
    sequence: u128,
    timestamp: i64,
    key: Option<Vec<u8>>,
    value: Option<Vec<u8>>,
}

#[derive(Default)]
struct ModelPartition {
    records: Vec<ModelRecord>,
    next_sequence: u128,
}

fn op() -> impl Strategy<Value = Op> {
    let record = (
        proptest::option::of(proptest::collection::vec(any::<u8>(), 0..8)),
        proptest::option::of(proptest::collection::vec(any::<u8>(), 0..24)),
        proptest::option::of(0i64..2_000),
    );
    prop_oneof![
        4 => (0..PARTITIONS, 0i64..2_000, proptest::collection::vec(record, 1..6))
            .prop_map(|(partition, now, records)| Op::Append { partition, now, records }),
        2 => (0..PARTITIONS, 0u64..40, 0usize..8)
            .prop_map(|(partition, offset, max_records)| Op::Fetch { partition, offset, max_records }),
        3 => (0..PARTITIONS, prop_oneof![
                Just(SeekKind::Earliest),
                Just(SeekKind::Latest),
                (0u64..40).prop_map(SeekKind::Offset),
                (0i64..2_100).prop_map(SeekKind::Timestamp),
                (0usize..40, 0u8..3).prop_map(|(n, d)| SeekKind::AtSequence(n, d)),
                (0usize..40, 0u8..3).prop_map(|(n, d)| SeekKind::AfterSequence(n, d)),
            ]).prop_map(|(partition, position)| Op::Seek { partition, position }),
    ]
}

fn check(ops: &[Op]) -> Result<(), TestCaseError> {
    block_on(async {
        let store = MemoryStore::new();
        let config = TopicConfig::new("model", Mode::Kafka, PARTITIONS).expect("valid");
        store.create_topic(&config).await.expect("create");
        let mut model: Vec<ModelPartition> =
            (0..PARTITIONS).map(|_| ModelPartition::default()).collect();
        let tp = |p: u32| TopicPartition::new(config.name().clone(), PartitionId(p));

        for op in ops {
            match op {
                Op::Append {
                    partition,
                    now,
                    records,
                } => {
                    let m = &mut model[*partition as usize];
                    let data: Vec<RecordData> = records
                        .iter()
                        .map(|(key, value, ts)| RecordData {
                            key: key.clone(),
                            value: value.clone(),
                            headers: vec![],
                            timestamp: ts.map(Timestamp),
                        })
                        .collect();
                    let info = store
                        .append(&tp(*partition), &data, Timestamp(*now))
                        .await
                        .expect("append");
                    let base_sequence = m.next_sequence.max(*now as u128 * 1_000_000);
                    prop_assert_eq!(info.base_offset, Offset(m.records.len() as u64));
                    prop_assert_eq!(info.base_sequence, SequenceNumber(base_sequence));
                    for (i, (key, value, ts)) in records.iter().enumerate() {
                        m.records.push(ModelRecord {
                            sequence: base_sequence + i as u128,
                            timestamp: ts.unwrap_or(*now),
                            key: key.clone(),
                            value: value.clone(),
                        });
                    }
                    m.next_sequence = base_sequence + records.len() as u128;
                }
                Op::Fetch {
                    partition,
                    offset,
                    max_records,
                } => {
                    let m = &model[*partition as usize];
                    let limits = FetchLimits {
                        max_records: *max_records,
                        max_bytes: usize::MAX,
                    };
                    let result = fetch(&store, &tp(*partition), Offset(*offset), limits).await;
                    if *offset as usize > m.records.len() {
                        let out_of_range = matches!(
                            result,
                            Err(FetchError::OffsetOutOfRange(OffsetOutOfRange { .. }))
                        );
                        prop_assert!(out_of_range, "fetch at {} of {}", offset, m.records.len());
                        continue;
                    }
                    let fetched = result.expect("in range");
                    let expected: Vec<&ModelRecord> = m
                        .records
                        .iter()
                        .skip(*offset as usize)
                        .take(*max_records)
                        .collect();
                    prop_assert_eq!(fetched.records.len(), expected.len());
                    for (i, (got, want)) in fetched.records.iter().zip(&expected).enumerate() {
                        prop_assert_eq!(got.offset(), Offset(*offset + i as u64));
                        prop_assert_eq!(got.sequence_number(), SequenceNumber(want.sequence));
                        prop_assert_eq!(got.timestamp(), Timestamp(want.timestamp));
                        prop_assert_eq!(got.key(), want.key.as_deref());
                        prop_assert_eq!(got.value(), want.value.as_deref());
                        let mapped = sequence_number_at(&store, &tp(*partition), got.offset())
                            .await
                            .expect("map");
                        prop_assert_eq!(mapped, Some(got.sequence_number()));
                    }
                    if !expected.is_empty() {
                        prop_assert_eq!(
                            fetched.next_offset,
                            Offset(*offset + expected.len() as u64)
                        );
                    }
                }
                Op::Seek {
                    partition,
                    position,
                } => {
                    let m = &model[*partition as usize];
                    let len = m.records.len() as u64;
                    let seq_of = |n: usize, nudge: u8| match m.records.get(n) {
                        Some(r) => r.sequence + u128::from(nudge),
                        None => m.next_sequence + u128::from(nudge),
                    };
                    let (position, expected): (Position, Option<u64>) = match *position {
                        SeekKind::Earliest => (Position::Earliest, Some(0)),
                        SeekKind::Latest => (Position::Latest, Some(len)),
                        SeekKind::Offset(o) => {
                            (Position::Offset(Offset(o)), (o <= len).then_some(o))
                        }
                        SeekKind::Timestamp(t) => (
                            Position::Timestamp(Timestamp(t)),
                            Some(
                                m.records
                                    .iter()
                                    .position(|r| r.timestamp >= t)
                                    .map_or(len, |i| i as u64),
                            ),
                        ),
                        SeekKind::AtSequence(n, d) => {
                            let s = seq_of(n, d);
                            let first = m
                                .records
                                .iter()
                                .position(|r| r.sequence >= s)
                                .map_or(len, |i| i as u64);
                            (
                                Position::AtSequenceNumber(SequenceNumber(s)),
                                (s < m.next_sequence).then_some(first),
                            )
                        }
                        SeekKind::AfterSequence(n, d) => {
                            let s = seq_of(n, d);
                            let first = m
                                .records
                                .iter()
                                .position(|r| r.sequence > s)
                                .map_or(len, |i| i as u64);
                            (
                                Position::AfterSequenceNumber(SequenceNumber(s)),
                                (s < m.next_sequence).then_some(first),
                            )
                        }
                    };
                    let got = resolve_position(
                        &store,
                        &tp(*partition),
                        position,
                        OffsetResetPolicy::None,
                    )
                    .await;
                    match expected {
                        Some(offset) => prop_assert_eq!(
                            got.expect("resolves"),
                            Offset(offset),
                            "{:?}",
                            position
                        ),
                        None => prop_assert!(
                            matches!(
                                got,
                                Err(PositionError::OffsetOutOfRange(OffsetOutOfRange { .. })
                                    | PositionError::SequenceNumberOutOfRange { .. })
                            ),
                            "{:?} gave {:?}",
                            position,
                            got
                        ),
                    }
                }
            }
        }
        for (p, m) in model.iter().enumerate() {
            let state = store
                .partition_state(&tp(p as u32))
                .await
                .expect("state")
                .expect("exists");
            prop_assert_eq!(state.log_end_offset(), Offset(m.records.len() as u64));
            prop_assert_eq!(state.record_count(), m.records.len() as u64);
        }
        Ok(())
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]
    #[test]
    fn the_log_agrees_with_a_vec_model(ops in proptest::collection::vec(op(), 1..60)) {
        check(&ops)?;
    }
}
