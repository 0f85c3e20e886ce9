//! The processor over the memory store: statements kept in the command topic, outputs,
//! changelogs and offsets stored per step in one transaction, and a processor killed at any
//! step (before or after its transaction) that reopens and leaves every output topic exactly as
//! a run that was never killed. (A query reading several partitions takes each step's records in
//! timestamp order, so its output order across keys depends on what each step found, as in
//! Kafka Streams; the chained query here reads a one-partition stream, so every topic compares
//! record for record.)
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support {
    pub mod crashing;
}

use proptest::prelude::*;
use streamlab_log::{
    block_on, fetch, produce, FetchLimits, KeylessPartitioner, MemoryStore, Mode, Offset,
    PartitionId, ProduceRecord, Record, Storage, Timestamp, TopicConfig, TopicName, TopicPartition,
};
use streamlab_streams::processor::{changelog_topic, Processor, COMMAND_TOPIC};
use support::crashing::Crashing;

const NOW: Timestamp = Timestamp(1_700_000_000_000);

const STATEMENTS: &str = "
    CREATE STREAM ORDERS (ID STRING KEY, CUSTOMER STRING, AMOUNT DOUBLE) WITH (kafka_topic='orders', value_format='JSON');
    CREATE TABLE ORDER_COUNTS AS SELECT CUSTOMER, COUNT(*) AS N, SUM(AMOUNT) AS TOTAL FROM ORDERS GROUP BY CUSTOMER EMIT CHANGES;
    CREATE TABLE PER_MINUTE AS SELECT CUSTOMER, COUNT(*) AS N FROM ORDERS WINDOW TUMBLING (SIZE 60 SECONDS) GROUP BY CUSTOMER;
    CREATE STREAM BIG WITH (PARTITIONS=1) AS SELECT ID, CUSTOMER, AMOUNT * 2 AS DOUBLED FROM ORDERS WHERE AMOUNT > 5;
    CREATE TABLE BIG_COUNTS AS SELECT CUSTOMER, COUNT(*) AS N FROM BIG GROUP BY CUSTOMER;
";

fn orders(store: &impl Storage, from: usize, count: usize) {
    let name = TopicName::new("orders", Mode::Kafka).unwrap();
    let records: Vec<ProduceRecord> = (from..from + count)
        .map(|i| {
            let mut r = ProduceRecord::new(
                Some(&format!("o{i}")),
                &format!(r#"{{"customer": "c{}", "amount": {}.5}}"#, i % 7, i % 11),
            );
            r.data.timestamp = Some(Timestamp(i as i64 * 7_000));
            r
        })
        .collect();
    block_on(produce(
        store,
        &name,
        &records,
        &KeylessPartitioner::new(),
        NOW,
    ))
    .unwrap();
}

fn setup(store: &MemoryStore) {
    block_on(store.create_topic(&TopicConfig::new("orders", Mode::Kafka, 3).unwrap())).unwrap();
    let mut p = block_on(Processor::open(store)).unwrap();
    let results = block_on(p.execute(STATEMENTS, NOW)).unwrap();
    assert!(results.iter().all(|r| r.ok), "{results:?}");
}

/// One stored record: (offset, key, value, timestamp, number of headers).
type Stored = (u64, Option<Vec<u8>>, Option<Vec<u8>>, i64, usize);

/// Every partition of every output topic: (topic, partition, records).
fn outputs(store: &MemoryStore) -> Vec<(String, u32, Vec<Stored>)> {
    let mut all = Vec::new();
    for topic in ["ORDER_COUNTS", "PER_MINUTE", "BIG", "BIG_COUNTS"] {
        let name = TopicName::new(topic, Mode::Kafka).unwrap();
        let meta = block_on(store.describe_topic(&name)).unwrap().unwrap();
        for state in &meta.partitions {
            let tp = TopicPartition::new(name.clone(), state.partition());
            let fetched = block_on(fetch(
                store,
                &tp,
                Offset(0),
                FetchLimits {
                    max_records: 100_000,
                    max_bytes: 1 << 26,
                },
            ))
            .unwrap();
            let records = fetched
                .records
                .iter()
                .map(|r: &Record| {
                    (
                        r.offset().0,
                        r.key().map(<[u8]>::to_vec),
                        r.value().map(<[u8]>::to_vec),
                        r.timestamp().0,
                        r.headers().len(),
                    )
                })
                .collect();
            all.push((topic.to_owned(), state.partition().0, records));
        }
    }
    all
}

#[test]
fn statements_persist_and_queries_resume_after_a_reopen() {
    let store = MemoryStore::new();
    setup(&store);
    orders(&store, 0, 40);
    {
        let mut p = block_on(Processor::open(&store)).unwrap();
        assert_eq!(p.engine().queries().len(), 4);
        let report = block_on(p.run_until_idle(16, NOW)).unwrap();
        assert_eq!(report.read.get("CTAS_ORDER_COUNTS_1"), Some(&40));
    }
    // The command topic holds the statements; each query's changelog its state.
    let commands = TopicPartition::new(
        TopicName::new(COMMAND_TOPIC, Mode::Kafka).unwrap(),
        PartitionId(0),
    );
    assert_eq!(
        block_on(store.partition_state(&commands))
            .unwrap()
            .unwrap()
            .log_end_offset(),
        Offset(5)
    );
    let changelog = TopicName::new(&changelog_topic("CTAS_ORDER_COUNTS_1"), Mode::Kafka).unwrap();
    assert!(block_on(store.describe_topic(&changelog))
        .unwrap()
        .is_some());

    orders(&store, 40, 20);
    let mut p = block_on(Processor::open(&store)).unwrap();
    assert_eq!(p.damaged_changelog_records, 0);
    let report = block_on(p.run_until_idle(16, NOW)).unwrap();
    assert_eq!(
        report.read.get("CTAS_ORDER_COUNTS_1"),
        Some(&20),
        "only what came since the commit"
    );

    // The last count of each customer is the number of its orders.
    let counts = TopicName::new("ORDER_COUNTS", Mode::Kafka).unwrap();
    let mut last = std::collections::BTreeMap::new();
    for partition in 0..3 {
        let tp = TopicPartition::new(counts.clone(), PartitionId(partition));
        for r in block_on(fetch(
            &store,
            &tp,
            Offset(0),
            FetchLimits {
                max_records: 10_000,
                max_bytes: 1 << 24,
            },
        ))
        .unwrap()
        .records
        {
            last.insert(
                String::from_utf8(r.key().unwrap().to_vec()).unwrap(),
                String::from_utf8(r.value().unwrap().to_vec()).unwrap(),
            );
        }
    }
    for c in 0..7 {
        let n = (0..60).filter(|i| i % 7 == c).count();
        assert!(
            last[&format!("c{c}")].starts_with(&format!("{{\"N\":{n},")),
            "{last:?}"
        );
    }
}

/// Runs the processor to idle, killing it at each of `kill_at` (transactions counted over the
/// whole run); returns how many kills happened.
fn run(store: &MemoryStore, kill_at: &[usize]) -> usize {
    // Each entry: the transaction (counted over the whole run) at which the processor dies.
    let mut killed = 0;
    let mut transactions = 0;
    loop {
        let crashing = Crashing::new(store, kill_at.get(killed).map_or(0, |k| k - transactions));
        let mut p = block_on(Processor::open(&crashing)).unwrap();
        match block_on(p.run_until_idle(5, NOW)) {
            Ok(_) => return killed,
            Err(_) => {
                transactions += crashing.transactions.get() - 1;
                killed += 1;
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 20, ..ProptestConfig::default() })]

    /// 20 trials: the processor is killed at random steps (its transaction refused, as an
    /// aborted IndexedDB transaction), reopened, and the output topics equal the clean run's.
    #[test]
    fn a_processor_killed_at_any_step_loses_and_repeats_nothing(mut kill_at in prop::collection::vec(1usize..24, 1..6)) {
        kill_at.sort();
        kill_at.dedup();
        let clean = MemoryStore::new();
        setup(&clean);
        orders(&clean, 0, 80);
        prop_assert_eq!(run(&clean, &[]), 0);

        let crashed = MemoryStore::new();
        setup(&crashed);
        orders(&crashed, 0, 80);
        prop_assert_eq!(run(&crashed, &kill_at), kill_at.len(), "every kill happened");
        // Compared topic by topic and partition by partition, without printing megabytes.
        let (a, b) = (outputs(&crashed), outputs(&clean));
        prop_assert_eq!(a.len(), b.len());
        for (x, y) in a.iter().zip(&b) {
            prop_assert!(x == y, "{} partition {} differs: {} records against {}", x.0, x.1, x.2.len(), y.2.len());
        }
    }
}

/// Two processors of one database (two tabs) step in turn: the one whose step read offsets the
/// other has since committed is fenced, reopens from the log, and goes on; no output is doubled.
#[test]
fn a_second_processor_of_the_database_is_fenced_not_duplicated() {
    let clean = MemoryStore::new();
    setup(&clean);
    orders(&clean, 0, 60);
    run(&clean, &[]);

    let store = MemoryStore::new();
    setup(&store);
    orders(&store, 0, 60);
    let mut a = block_on(Processor::open(&store)).unwrap();
    let mut b = block_on(Processor::open(&store)).unwrap();
    let mut fenced = 0;
    for _ in 0..200 {
        let mut idle = true;
        for p in [&mut a, &mut b] {
            match block_on(p.step(5, NOW)) {
                Ok(report) => idle &= report.total_read() == 0,
                Err(_) => {
                    fenced += 1;
                    idle = false;
                    *p = block_on(Processor::open(&store)).unwrap();
                }
            }
        }
        if idle {
            break;
        }
    }
    assert!(fenced > 0, "the two processors never met");
    let (x, y) = (outputs(&store), outputs(&clean));
    assert_eq!(x.len(), y.len());
    for (got, want) in x.iter().zip(&y) {
        assert!(
            got == want,
            "{} partition {} differs: {} records against {}",
            got.0,
            got.1,
            got.2.len(),
            want.2.len()
        );
    }
}

/// A statement run by one processor reaches another of the same database: it sees the command
/// topic grew, reopens, and runs the new query too.
#[test]
fn a_processor_learns_statements_another_one_ran() {
    let store = MemoryStore::new();
    setup(&store);
    let mut a = block_on(Processor::open(&store)).unwrap();
    let b = block_on(Processor::open(&store)).unwrap();
    assert!(!block_on(a.is_stale()).unwrap());
    let r = block_on(a.execute(
        "CREATE STREAM SMALL AS SELECT ID, AMOUNT FROM ORDERS WHERE AMOUNT < 3;",
        NOW,
    ))
    .unwrap();
    assert!(r[0].ok, "{r:?}");
    assert!(
        !block_on(a.is_stale()).unwrap(),
        "its own statements are known to it"
    );
    assert!(block_on(b.is_stale()).unwrap());
    let b = block_on(Processor::open(&store)).unwrap();
    assert!(!block_on(b.is_stale()).unwrap());
    assert_eq!(b.engine().queries().len(), 5);
}

/// A source whose stored batches are damaged stops the queries reading it (ksqlDB's `ERROR`,
/// saying which partition and why), not the processor: the other queries go on, and once the
/// damage is gone a reopened processor runs the stopped query from where it stood.
#[test]
fn a_damaged_input_stops_its_queries_only() {
    let store = MemoryStore::new();
    setup(&store);
    orders(&store, 0, 30);
    let crashing = Crashing::new(&store, 0);
    let mut p = block_on(Processor::open(&crashing)).unwrap();
    let r = block_on(p.execute(
        "CREATE STREAM SMALL AS SELECT ID, DOUBLED FROM BIG WHERE DOUBLED < 12;",
        NOW,
    ))
    .unwrap();
    assert!(r[0].ok, "{r:?}");
    // BIG's batches are damaged once BIG has records: the queries reading it stop.
    block_on(p.step(1_000, NOW)).unwrap();
    *crashing.damaged.borrow_mut() = Some(TopicName::new("BIG", Mode::Kafka).unwrap());
    orders(&store, 30, 30);
    let report = block_on(p.run_until_idle(1_000, NOW)).unwrap();
    assert_eq!(report.read.get("CTAS_ORDER_COUNTS_1"), Some(&30));
    let progress = block_on(p.progress()).unwrap();
    for q in &progress {
        let reads_big = q.text.contains("FROM BIG");
        match &q.error {
            Some(e) => {
                assert!(reads_big, "{} stopped: {e}", q.id);
                assert!(
                    e.starts_with(&format!("query {} cannot read BIG-0: ", q.id))
                        && e.contains("CRC"),
                    "{e}"
                );
            }
            None => assert!(!reads_big, "{} reads BIG and did not stop", q.id),
        }
    }
    assert_eq!(progress.iter().filter(|q| q.error.is_some()).count(), 2);
    let counts = progress.iter().find(|q| q.sink == "ORDER_COUNTS").unwrap();
    assert_eq!((counts.records_in, counts.lag), (60, 0));

    // Repaired (here: read without the damage), a reopened processor runs them to the end.
    drop(p);
    let mut p = block_on(Processor::open(&store)).unwrap();
    block_on(p.run_until_idle(1_000, NOW)).unwrap();
    let progress = block_on(p.progress()).unwrap();
    assert!(
        progress.iter().all(|q| q.error.is_none() && q.lag == 0),
        "{progress:?}"
    );
    let big_counts = progress.iter().find(|q| q.sink == "BIG_COUNTS").unwrap();
    let big = progress.iter().find(|q| q.sink == "BIG").unwrap();
    assert_eq!(big_counts.records_in, big.records_out);
}
