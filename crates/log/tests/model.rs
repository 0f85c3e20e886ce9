//! Random sequences of appends, fetches, seeks and retention runs on the memory store, checked
//! against a plain `Vec` model of the log that follows the rules as written: offsets count from 0,
//! a batch's base sequence number is `max(next, append_ms · 10^6)`, retention drops whole batches
//! from the oldest while their running max timestamp is past retention, a timestamp seek finds the
//! first remaining record at or after the time, a sequence seek the first record at (or after)
//! the number.
use proptest::prelude::*;

use streamlab_log::{
    block_on, clean_partition, fetch, resolve_position, sequence_number_at, FetchError,
    FetchLimits, MemoryStore, Mode, Offset, OffsetOutOfRange, OffsetResetPolicy, PartitionId,
    PartitionScan, Position, PositionError, RecordData, SequenceNumber, Storage, Timestamp,
    TopicConfig, TopicPartition,
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
    /// Retention at `now` (the topic keeps 500 ms).
    Clean {
        partition: u32,
        now: i64,
    },
}

#[derive(Clone, Debug)]
enum SeekKind {
    Earliest,
    Latest,
    Offset(u64),
    Timestamp(i64),
    /// The n-th remaining record's sequence number (or one past the newest when n is past the
    /// end), plus a nudge to land between records.
    AtSequence(usize, u8),
    AfterSequence(usize, u8),
}

#[derive(Clone, Debug, PartialEq)]
struct ModelRecord {
    offset: u64,
    sequence: u128,
    timestamp: i64,
    key: Option<Vec<u8>>,
    value: Option<Vec<u8>>,
}

struct ModelBatch {
    base: u64,
    running_max: i64,
}

#[derive(Default)]
struct ModelPartition {
    records: Vec<ModelRecord>,
    batches: Vec<ModelBatch>,
    next_sequence: u128,
    log_start: u64,
    log_end: u64,
    running_max: i64,
}

const RETENTION_MS: i64 = 500;

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
        1 => (0..PARTITIONS, 0i64..3_000).prop_map(|(partition, now)| Op::Clean { partition, now }),
    ]
}

fn check(ops: &[Op]) -> Result<(), TestCaseError> {
    block_on(async {
        let store = MemoryStore::new();
        let config = TopicConfig::new("model", Mode::Kafka, PARTITIONS)
            .expect("valid")
            .with_retention_ms(Some(RETENTION_MS))
            .expect("valid");
        store.create_topic(&config).await.expect("create");
        let mut model: Vec<ModelPartition> = (0..PARTITIONS)
            .map(|_| ModelPartition {
                running_max: i64::MIN,
                ..ModelPartition::default()
            })
            .collect();
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
                    prop_assert_eq!(info.base_offset, Offset(m.log_end));
                    prop_assert_eq!(info.base_sequence, SequenceNumber(base_sequence));
                    let base = m.log_end;
                    for (i, (key, value, ts)) in records.iter().enumerate() {
                        let timestamp = ts.unwrap_or(*now);
                        m.running_max = m.running_max.max(timestamp);
                        m.records.push(ModelRecord {
                            offset: base + i as u64,
                            sequence: base_sequence + i as u128,
                            timestamp,
                            key: key.clone(),
                            value: value.clone(),
                        });
                    }
                    m.batches.push(ModelBatch {
                        base,
                        running_max: m.running_max,
                    });
                    m.log_end += records.len() as u64;
                    m.next_sequence = base_sequence + records.len() as u128;
                }
                Op::Clean { partition, now } => {
                    let m = &mut model[*partition as usize];
                    // Whole batches go, oldest first, while their running max is past retention.
                    let cutoff = now - RETENTION_MS;
                    let expired = m
                        .batches
                        .iter()
                        .take_while(|b| b.running_max < cutoff)
                        .count();
                    if expired > 0 {
                        m.batches.drain(..expired);
                        m.log_start = m.batches.first().map_or(m.log_end, |b| b.base);
                        let start = m.log_start;
                        m.records.retain(|r| r.offset >= start);
                    }
                    let out = clean_partition(&store, &tp(*partition), Timestamp(*now))
                        .await
                        .expect("clean");
                    prop_assert_eq!(out.batches_deleted, expired);
                    prop_assert_eq!(out.state.log_start_offset(), Offset(m.log_start));
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
                    if *offset < m.log_start || *offset > m.log_end {
                        let out_of_range = matches!(
                            result,
                            Err(FetchError::OffsetOutOfRange(OffsetOutOfRange { .. }))
                        );
                        prop_assert!(
                            out_of_range,
                            "fetch at {} of {}..{}",
                            offset,
                            m.log_start,
                            m.log_end
                        );
                        continue;
                    }
                    let fetched = result.expect("in range");
                    let expected: Vec<&ModelRecord> = m
                        .records
                        .iter()
                        .filter(|r| r.offset >= *offset)
                        .take(*max_records)
                        .collect();
                    prop_assert_eq!(fetched.records.len(), expected.len());
                    for (got, want) in fetched.records.iter().zip(&expected) {
                        prop_assert_eq!(got.offset(), Offset(want.offset));
                        prop_assert_eq!(got.sequence_number(), SequenceNumber(want.sequence));
                        prop_assert_eq!(got.timestamp(), Timestamp(want.timestamp));
                        prop_assert_eq!(got.key(), want.key.as_deref());
                        prop_assert_eq!(got.value(), want.value.as_deref());
                        let mapped = sequence_number_at(&store, &tp(*partition), got.offset())
                            .await
                            .expect("map");
                        prop_assert_eq!(mapped, Some(got.sequence_number()));
                    }
                    if let Some(last) = expected.last() {
                        prop_assert_eq!(fetched.next_offset, Offset(last.offset + 1));
                    }
                    // A scan to the log end, reading from one to a few batches at a time,
                    // returns every remaining record once.
                    let mut scan = PartitionScan::new(
                        &store,
                        tp(*partition),
                        Offset(*offset),
                        Offset(m.log_end),
                        *max_records * 40,
                    );
                    let mut scanned = Vec::new();
                    while let Some(records) = scan.next().await.expect("scan") {
                        scanned.extend(records);
                    }
                    let rest: Vec<&ModelRecord> =
                        m.records.iter().filter(|r| r.offset >= *offset).collect();
                    prop_assert_eq!(scanned.len(), rest.len());
                    for (got, want) in scanned.iter().zip(&rest) {
                        prop_assert_eq!(got.offset(), Offset(want.offset));
                        prop_assert_eq!(got.value(), want.value.as_deref());
                    }
                }
                Op::Seek {
                    partition,
                    position,
                } => {
                    let m = &model[*partition as usize];
                    let (start, end) = (m.log_start, m.log_end);
                    let seq_of = |n: usize, nudge: u8| match m.records.get(n) {
                        Some(r) => r.sequence + u128::from(nudge),
                        None => m.next_sequence + u128::from(nudge),
                    };
                    let first = |pred: &dyn Fn(&ModelRecord) -> bool| {
                        m.records.iter().find(|r| pred(r)).map_or(end, |r| r.offset)
                    };
                    let (position, expected): (Position, Option<u64>) = match *position {
                        SeekKind::Earliest => (Position::Earliest, Some(start)),
                        SeekKind::Latest => (Position::Latest, Some(end)),
                        SeekKind::Offset(o) => (
                            Position::Offset(Offset(o)),
                            (start <= o && o <= end).then_some(o),
                        ),
                        SeekKind::Timestamp(t) => (
                            Position::Timestamp(Timestamp(t)),
                            Some(first(&|r| r.timestamp >= t)),
                        ),
                        SeekKind::AtSequence(n, d) => {
                            let s = seq_of(n, d);
                            let found = first(&|r| r.sequence >= s);
                            (
                                Position::AtSequenceNumber(SequenceNumber(s)),
                                (s < m.next_sequence).then_some(found),
                            )
                        }
                        SeekKind::AfterSequence(n, d) => {
                            let s = seq_of(n, d);
                            let found = first(&|r| r.sequence > s);
                            (
                                Position::AfterSequenceNumber(SequenceNumber(s)),
                                (s < m.next_sequence).then_some(found),
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
            prop_assert_eq!(state.log_start_offset(), Offset(m.log_start));
            prop_assert_eq!(state.log_end_offset(), Offset(m.log_end));
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
