//! The processor over the memory store, natively: records per second for a filter-and-project
//! and a GROUP BY COUNT over 1,000,000 JSON records of 100 B (where the engine's own time goes,
//! without IndexedDB). `cargo run --release -p streamlab-streams --example bench_processor [N [WORD]]`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Instant;

use streamlab_log::{
    block_on, MemoryStore, Mode, PartitionId, RecordData, Storage, Timestamp, TopicConfig,
    TopicName, TopicPartition,
};
use streamlab_streams::processor::Processor;

fn main() {
    let n: u64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let now = Timestamp(1_700_000_000_000);
    let store = MemoryStore::new();
    block_on(store.create_topic(&TopicConfig::new("sql-in", Mode::Kafka, 1).unwrap())).unwrap();
    let tp = TopicPartition::new(
        TopicName::new("sql-in", Mode::Kafka).unwrap(),
        PartitionId(0),
    );
    for b in 0..n / 1000 {
        let batch: Vec<RecordData> = (0..1000)
            .map(|i| {
                let k = b * 1000 + i;
                let mut value = format!("{{\"n\":{k},\"pad\":\"").into_bytes();
                value.resize(98, b'x');
                value.extend_from_slice(b"\"}");
                RecordData {
                    key: Some(format!("key-{}", k % 1000).into_bytes()),
                    value: Some(value),
                    headers: Vec::new(),
                    timestamp: Some(now),
                }
            })
            .collect();
        block_on(store.append(&tp, &batch, now)).unwrap();
    }
    let mut p = block_on(Processor::open(&store)).unwrap();
    let r = block_on(p.execute(
        "CREATE STREAM src (k STRING KEY, n BIGINT, pad STRING) WITH (kafka_topic='sql-in', value_format='JSON');",
        now,
    ))
    .unwrap();
    assert!(r[0].ok);
    for statement in [
        "CREATE STREAM evens AS SELECT k, n, n * 2 AS doubled FROM src WHERE n % 2 = 0 EMIT CHANGES;",
        "CREATE TABLE counts AS SELECT k, COUNT(*) AS c FROM src GROUP BY k EMIT CHANGES;",
    ] {
        // `cargo run … -- N WORD` runs only the statements that hold WORD (to profile one).
        if std::env::args().nth(2).is_some_and(|only| !statement.contains(&only)) {
            continue;
        }
        let r = block_on(p.execute(statement, now)).unwrap();
        assert!(r[0].ok, "{r:?}");
        let started = Instant::now();
        let report = block_on(p.run_until_idle(10_000, now)).unwrap();
        let secs = started.elapsed().as_secs_f64();
        let read: usize = report.read.values().sum();
        println!("{statement}\n  {read} records in {secs:.2} s: {:.0} k/s", read as f64 / secs / 1000.0);
        let id = r[0].query_id.clone().unwrap();
        block_on(p.execute(&format!("TERMINATE {id};"), now)).unwrap();
    }
}
