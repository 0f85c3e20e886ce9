//! A query's progress as the dashboard shows it: input lag against the log's ends, and its
//! topology with each node's count, checked against counts made from the inputs by hand.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support {
    pub mod send;
}

use streamlab_log::{
    block_on, produce, KeylessPartitioner, MemoryStore, Mode, ProduceRecord, Storage, Timestamp,
    TopicConfig, TopicName,
};
use streamlab_streams::processor::{
    changelog_topic, join_repartition_topic, repartition_topic, Processor, QueryProgress,
};
use streamlab_streams::topology::NodeKind;

const NOW: Timestamp = Timestamp(1_700_000_000_000);

fn produce_orders(store: &MemoryStore, amounts: &[i64]) {
    let records: Vec<(String, String)> = amounts
        .iter()
        .enumerate()
        .map(|(i, a)| {
            let value = format!(r#"{{"customer": "c{}", "amount": {a}}}"#, i % 3);
            (format!("o{i}"), value)
        })
        .collect();
    let records: Vec<(&str, &str, i64)> = records
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str(), 0))
        .collect();
    support::send::send(store, "orders", &records);
}

fn kinds(p: &QueryProgress) -> Vec<(NodeKind, u64)> {
    p.topology.iter().map(|n| (n.kind, n.count)).collect()
}

#[test]
fn lag_and_topology_counts_follow_the_records() {
    let store = MemoryStore::new();
    block_on(store.create_topic(&TopicConfig::new("orders", Mode::Kafka, 2).unwrap())).unwrap();
    let mut p = block_on(Processor::open(&store)).unwrap();
    let results = block_on(p.execute(
        "CREATE STREAM ORDERS (ID STRING KEY, CUSTOMER STRING, AMOUNT BIGINT) WITH (kafka_topic='orders', value_format='JSON');
         CREATE TABLE COUNTS AS SELECT CUSTOMER, COUNT(*) AS N FROM ORDERS WHERE AMOUNT > 10 GROUP BY CUSTOMER;
         CREATE STREAM BIG AS SELECT ID, AMOUNT FROM ORDERS WHERE AMOUNT > 10 PARTITION BY AMOUNT;",
        NOW,
    ))
    .unwrap();
    assert!(results.iter().all(|r| r.ok), "{results:?}");
    let amounts = [5, 20, 30, 1, 11, 12, 9];
    let passing = amounts.iter().filter(|a| **a > 10).count() as u64;
    produce_orders(&store, &amounts);
    // Nothing read yet: the lag is every record of the input, in both partitions.
    let before = block_on(p.progress()).unwrap();
    assert_eq!(before.len(), 2);
    assert!(
        before.iter().all(|q| q.lag == amounts.len() as u64),
        "{before:?}"
    );

    block_on(p.run_until_idle(3, NOW)).unwrap();
    let after = block_on(p.progress()).unwrap();
    let counts = after.iter().find(|q| q.sink == "COUNTS").unwrap();
    assert_eq!(counts.lag, 0);
    let changelog = block_on(
        store.describe_topic(&TopicName::new(&changelog_topic(&counts.id), Mode::Kafka).unwrap()),
    )
    .unwrap()
    .unwrap()
    .partitions[0]
        .log_end_offset()
        .0;
    assert!(changelog > 0);
    assert_eq!(
        kinds(counts),
        vec![
            (NodeKind::Source, amounts.len() as u64),
            (NodeKind::Filter, passing),
            (NodeKind::Rekey, passing),
            (NodeKind::Repartition, passing),
            (NodeKind::Aggregate, passing),
            (NodeKind::Sink, passing),
            (NodeKind::Changelog, changelog),
        ]
    );
    assert_eq!(counts.topology[1].label, "WHERE (AMOUNT > 10)");
    assert_eq!(counts.topology[0].label, "orders");
    assert_eq!(counts.topology[3].label, repartition_topic(&counts.id));
    assert_eq!(counts.topology[5].label, "COUNTS");
    assert_eq!(counts.topology[3].inputs, vec![2]);
    assert_eq!(counts.topology[4].inputs, vec![3]);
    let big = after.iter().find(|q| q.sink == "BIG").unwrap();
    assert_eq!(
        kinds(big)[..5],
        [
            (NodeKind::Source, amounts.len() as u64),
            (NodeKind::Filter, passing),
            (NodeKind::Rekey, passing),
            (NodeKind::Project, passing),
            (NodeKind::Sink, passing),
        ]
    );
    assert_eq!(big.topology[2].label, "PARTITION BY AMOUNT");

    // New records show as lag until a step reads them; the counts survive a reopen.
    produce_orders(&store, &[50, 60]);
    assert!(block_on(p.progress()).unwrap().iter().all(|q| q.lag == 2));
    drop(p);
    let mut p = block_on(Processor::open(&store)).unwrap();
    block_on(p.run_until_idle(3, NOW)).unwrap();
    let reopened = block_on(p.progress()).unwrap();
    let counts = reopened.iter().find(|q| q.sink == "COUNTS").unwrap();
    assert_eq!(counts.topology[0].count, amounts.len() as u64 + 2);
    assert_eq!(counts.topology[1].count, passing + 2);
    assert_eq!(counts.lag, 0);
}

#[test]
fn a_join_draws_both_sources() {
    let store = MemoryStore::new();
    for t in ["orders", "customers"] {
        block_on(store.create_topic(&TopicConfig::new(t, Mode::Kafka, 1).unwrap())).unwrap();
    }
    let mut p = block_on(Processor::open(&store)).unwrap();
    let results = block_on(p.execute(
        "CREATE STREAM ORDERS (ID STRING KEY, CUSTOMER STRING, AMOUNT BIGINT) WITH (kafka_topic='orders', value_format='JSON');
         CREATE TABLE CUSTOMERS (ID STRING PRIMARY KEY, NAME STRING) WITH (kafka_topic='customers', value_format='JSON');
         CREATE STREAM ENRICHED AS SELECT O.CUSTOMER, O.ID, C.NAME FROM ORDERS O LEFT JOIN CUSTOMERS C ON O.CUSTOMER = C.ID;",
        NOW,
    ))
    .unwrap();
    assert!(results.iter().all(|r| r.ok), "{results:?}");
    let customers = TopicName::new("customers", Mode::Kafka).unwrap();
    let rows = [
        ProduceRecord::new(Some("c0"), r#"{"name": "Ada"}"#),
        ProduceRecord::new(Some("c1"), r#"{"name": "Bob"}"#),
    ];
    block_on(produce(
        &store,
        &customers,
        &rows,
        &KeylessPartitioner::new(),
        NOW,
    ))
    .unwrap();
    produce_orders(&store, &[1, 2, 3, 4]);
    block_on(p.run_until_idle(10, NOW)).unwrap();
    let q = &block_on(p.progress()).unwrap()[0];
    let nodes = kinds(q);
    // A left join emits one row per order, matched or not; the table's rows emit none. The
    // orders, joined on a value column, are re-keyed through their repartition topic first.
    assert_eq!(nodes[0], (NodeKind::Source, 4));
    assert_eq!(nodes[1], (NodeKind::Rekey, 4));
    assert_eq!(nodes[2], (NodeKind::Repartition, 4));
    assert_eq!(q.topology[2].label, join_repartition_topic(&q.id, true));
    assert_eq!(nodes[3], (NodeKind::Source, 2));
    assert_eq!(nodes[4], (NodeKind::Join, 4));
    assert_eq!(q.topology[4].label, "LEFT JOIN (stream–table)");
    assert_eq!(q.topology[4].inputs, vec![2, 3]);
    assert_eq!(nodes[5], (NodeKind::Project, 4));
    assert_eq!(nodes[6], (NodeKind::Sink, 4));
}
