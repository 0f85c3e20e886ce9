//! A GROUP BY of a stream by a value column goes through the query's repartition topic, as in
//! Kafka Streams: a real topic with the source's partition count, holding each row that passed
//! WHERE keyed by its group in the partition Kafka's partitioner gives that key. The
//! aggregation reads it back and writes what the same query run in memory (aggregating in
//! place, as ksqlDB's QTT run it) writes, record for record; a GROUP BY of the key needs none.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support {
    pub mod send;
}

use std::collections::BTreeMap;

use streamlab_log::{
    block_on, fetch, kafka_partition, FetchLimits, MemoryStore, Mode, Offset, Record, Storage,
    Timestamp, TopicConfig, TopicName, TopicPartition,
};
use streamlab_streams::processor::{join_repartition_topic, repartition_topic, Processor};
use streamlab_streams::topology::NodeKind;
use streamlab_streams::{Engine, InputRecord};

const NOW: Timestamp = Timestamp(1_700_000_000_000);

const STATEMENTS: &str = "
    CREATE STREAM ORDERS (ID STRING KEY, CUSTOMER STRING, AMOUNT BIGINT) WITH (kafka_topic='orders', value_format='JSON');
    CREATE TABLE TOTALS AS SELECT CUSTOMER, COUNT(*) AS N, SUM(AMOUNT) AS TOTAL, LATEST_BY_OFFSET(ID) AS LAST_ID FROM ORDERS WHERE AMOUNT > 3 GROUP BY CUSTOMER;
    CREATE TABLE WINDOWED AS SELECT CUSTOMER, COUNT(*) AS N FROM ORDERS WINDOW TUMBLING (SIZE 10 SECONDS) GROUP BY CUSTOMER;
    CREATE TABLE BY_ID AS SELECT ID, COUNT(*) AS N FROM ORDERS GROUP BY ID;
";

fn name(topic: &str) -> TopicName {
    TopicName::new(topic, Mode::Kafka).unwrap()
}

/// Every record of every partition of `topic`: (partition, record).
fn read(store: &MemoryStore, topic: &str) -> Vec<(u32, Record)> {
    let meta = block_on(store.describe_topic(&name(topic)))
        .unwrap()
        .unwrap();
    let mut out = Vec::new();
    for state in &meta.partitions {
        let tp = TopicPartition::new(name(topic), state.partition());
        let limits = FetchLimits {
            max_records: 1_000_000,
            max_bytes: 1 << 26,
        };
        let fetched = block_on(fetch(store, &tp, Offset(0), limits)).unwrap();
        out.extend(
            fetched
                .records
                .into_iter()
                .map(|r| (state.partition().0, r)),
        );
    }
    out
}

/// A repartition record: (key, value, timestamp, its source record's key).
type Through = (Vec<u8>, Vec<u8>, i64, Vec<u8>);

/// (value, timestamp) of each record as text, per key in offset order.
type PerKey = BTreeMap<Option<String>, Vec<(Option<String>, i64)>>;

fn per_key(records: impl IntoIterator<Item = (Option<Vec<u8>>, Option<Vec<u8>>, i64)>) -> PerKey {
    let text = |b: Option<Vec<u8>>| b.map(|b| String::from_utf8_lossy(&b).into_owned());
    let mut out = PerKey::new();
    for (k, v, ts) in records {
        out.entry(text(k)).or_default().push((text(v), ts));
    }
    out
}

fn orders() -> Vec<(String, String, i64)> {
    // Out of timestamp order across customers, some late for their window, some filtered.
    (0..90)
        .map(|i: i64| {
            let value = format!(r#"{{"customer": "c{}", "amount": {}}}"#, i % 5, i % 9);
            let ts = 1_000 * i - if i % 7 == 0 { 15_000 } else { 0 };
            (format!("o{}", i % 30), value, ts.max(0))
        })
        .collect()
}

#[test]
fn a_group_by_of_a_value_column_goes_through_its_repartition_topic() {
    let store = MemoryStore::new();
    block_on(store.create_topic(&TopicConfig::new("orders", Mode::Kafka, 3).unwrap())).unwrap();
    let mut p = block_on(Processor::open(&store)).unwrap();
    let results = block_on(p.execute(STATEMENTS, NOW)).unwrap();
    assert!(results.iter().all(|r| r.ok), "{results:?}");
    let ids: Vec<String> = results.iter().filter_map(|r| r.query_id.clone()).collect();
    let [totals, windowed, by_id] = &ids[..] else {
        panic!("three queries: {ids:?}")
    };
    let sent = orders();
    let records: Vec<(&str, &str, i64)> = sent
        .iter()
        .map(|(k, v, ts)| (k.as_str(), v.as_str(), *ts))
        .collect();
    support::send::send(&store, "orders", &records);
    block_on(p.run_until_idle(1_000, NOW)).unwrap();

    // The repartition topic: the source's partition count, kept until read, one record per row
    // that passed WHERE, keyed by its customer in Kafka's partition for that key, with the
    // source record's value and time, and its key and position in headers.
    let through = repartition_topic(totals);
    let config = block_on(store.describe_topic(&name(&through)))
        .unwrap()
        .unwrap()
        .config;
    assert_eq!((config.partition_count(), config.retention_ms()), (3, None));
    let stored = read(&store, &through);
    let passing: Vec<&(String, String, i64)> = sent
        .iter()
        .filter(|(_, v, _)| {
            let amount: i64 = v
                .rsplit(": ")
                .next()
                .unwrap()
                .trim_end_matches('}')
                .parse()
                .unwrap();
            amount > 3
        })
        .collect();
    assert_eq!(stored.len(), passing.len());
    let mut expected: Vec<Through> = passing
        .iter()
        .map(|(k, v, ts)| {
            let customer = v.split('"').nth(3).unwrap();
            (
                customer.into(),
                v.clone().into_bytes(),
                *ts,
                k.clone().into_bytes(),
            )
        })
        .collect();
    let mut got: Vec<Through> = stored
        .iter()
        .map(|(partition, r)| {
            let key = r.key().unwrap().to_vec();
            assert_eq!(
                kafka_partition(&key, 3).0,
                *partition,
                "routed by its new key"
            );
            let source_key = r
                .headers()
                .iter()
                .find(|h| h.key == "streamlab.source.key")
                .and_then(|h| h.value.clone())
                .unwrap();
            (
                key,
                r.value().unwrap().to_vec(),
                r.timestamp().0,
                source_key,
            )
        })
        .collect();
    expected.sort();
    got.sort();
    assert_eq!(got, expected);

    // A GROUP BY of the key aggregates in place: no repartition topic.
    assert!(
        block_on(store.describe_topic(&name(&repartition_topic(by_id))))
            .unwrap()
            .is_none()
    );

    // The topology draws the topic between the re-key and the aggregation, with its count.
    let progress = block_on(p.progress()).unwrap();
    let q = progress.iter().find(|q| &q.id == totals).unwrap();
    let node = q
        .topology
        .iter()
        .position(|n| n.kind == NodeKind::Repartition)
        .unwrap();
    assert_eq!(q.topology[node].label, through);
    assert_eq!(q.topology[node].count, passing.len() as u64);
    assert_eq!(q.topology[node - 1].kind, NodeKind::Rekey);
    assert_eq!(q.topology[node + 1].kind, NodeKind::Aggregate);
    assert_eq!(q.topology[node + 1].inputs, vec![node]);
    assert_eq!(q.lag, 0);

    // The sinks equal the same statements run in memory over the records in the order one
    // step reads them all: by timestamp, then partition and offset.
    let mut engine = Engine::new();
    engine.add_topic("orders", 3);
    assert!(engine.execute(STATEMENTS).iter().all(|r| r.ok));
    let mut source = read(&store, "orders");
    source.sort_by_key(|(p, r)| (r.timestamp().0, *p, r.offset().0));
    let mut reference: BTreeMap<String, Vec<_>> = BTreeMap::new();
    for (_, r) in &source {
        let input = InputRecord {
            key: r.key().map(<[u8]>::to_vec),
            value: r.value().map(<[u8]>::to_vec),
            timestamp: r.timestamp().0,
            window: None,
        };
        for out in engine.process("orders", &input) {
            reference.entry(out.topic.clone()).or_default().push((
                out.key,
                out.value,
                out.timestamp,
            ));
        }
    }
    for (sink, id) in [("TOTALS", totals), ("WINDOWED", windowed), ("BY_ID", by_id)] {
        let got = per_key(read(&store, sink).into_iter().map(|(_, r)| {
            (
                r.key().map(<[u8]>::to_vec),
                r.value().map(<[u8]>::to_vec),
                r.timestamp().0,
            )
        }));
        let want = per_key(reference.remove(sink).unwrap_or_default());
        assert!(!want.is_empty(), "{sink} wrote nothing");
        assert_eq!(got, want, "{sink} ({id})");
    }
}

/// Runs `statements` over `sent` (topic, key, value, timestamp) in the processor, then checks
/// every sink against the same statements run in memory over the records in the order one step
/// reads them (timestamp, then input, partition and offset); returns the store.
fn joined_as_in_memory(
    statements: &str,
    topics: &[(&str, u32)],
    sent: &[(&str, String, String, i64)],
    sinks: &[&str],
) -> (MemoryStore, Vec<String>) {
    let store = MemoryStore::new();
    for (topic, partitions) in topics {
        let config = TopicConfig::new(topic, Mode::Kafka, *partitions).unwrap();
        block_on(store.create_topic(&config)).unwrap();
    }
    let mut p = block_on(Processor::open(&store)).unwrap();
    let results = block_on(p.execute(statements, NOW)).unwrap();
    assert!(results.iter().all(|r| r.ok), "{results:?}");
    let ids = results.iter().filter_map(|r| r.query_id.clone()).collect();
    for (topic, key, value, ts) in sent {
        support::send::send(&store, topic, &[(key.as_str(), value.as_str(), *ts)]);
    }
    block_on(p.run_until_idle(1_000, NOW)).unwrap();
    assert!(block_on(p.progress()).unwrap().iter().all(|q| q.lag == 0));

    let mut engine = Engine::new();
    for (topic, partitions) in topics {
        engine.add_topic(topic, *partitions);
    }
    assert!(engine.execute(statements).iter().all(|r| r.ok));
    let mut source: Vec<(i64, usize, u32, u64, &str, Record)> = Vec::new();
    for (input, (topic, _)) in topics.iter().enumerate() {
        for (partition, r) in read(&store, topic) {
            source.push((r.timestamp().0, input, partition, r.offset().0, topic, r));
        }
    }
    source.sort_by_key(|s| (s.0, s.1, s.2, s.3));
    let mut reference: BTreeMap<String, Vec<_>> = BTreeMap::new();
    for (_, _, _, _, topic, r) in &source {
        let input = InputRecord {
            key: r.key().map(<[u8]>::to_vec),
            value: r.value().map(<[u8]>::to_vec),
            timestamp: r.timestamp().0,
            window: None,
        };
        for out in engine.process(topic, &input) {
            reference.entry(out.topic.clone()).or_default().push((
                out.key,
                out.value,
                out.timestamp,
            ));
        }
    }
    for sink in sinks {
        let got = per_key(read(&store, sink).into_iter().map(|(_, r)| {
            (
                r.key().map(<[u8]>::to_vec),
                r.value().map(<[u8]>::to_vec),
                r.timestamp().0,
            )
        }));
        let want = per_key(reference.remove(*sink).unwrap_or_default());
        assert!(!want.is_empty(), "{sink} wrote nothing");
        assert_eq!(got, want, "{sink}");
    }
    (store, ids)
}

/// A repartition record's key and its source record's key, as text.
type KeyAndSource = (Option<String>, Option<String>);

/// The partition count and (key, source key) of each record of a repartition topic.
fn through_topic(store: &MemoryStore, topic: &str) -> (u32, Vec<KeyAndSource>) {
    let partitions = block_on(store.describe_topic(&name(topic)))
        .unwrap()
        .unwrap()
        .config
        .partition_count();
    let text = |b: Option<&[u8]>| b.map(|b| String::from_utf8_lossy(b).into_owned());
    let mut records: Vec<_> = read(store, topic)
        .into_iter()
        .map(|(partition, r)| {
            if let Some(k) = r.key() {
                assert_eq!(
                    kafka_partition(k, partitions).0,
                    partition,
                    "routed by its new key"
                );
            }
            let source_key = r
                .headers()
                .iter()
                .find(|h| h.key == "streamlab.source.key")
                .and_then(|h| h.value.as_deref().map(<[u8]>::to_vec));
            (text(r.key()), text(source_key.as_deref()))
        })
        .collect();
    records.sort();
    (partitions, records)
}

#[test]
fn a_stream_joined_on_a_value_column_goes_through_its_repartition_topic() {
    let statements = "
        CREATE STREAM ORDERS (ID STRING KEY, CUSTOMER STRING, AMOUNT BIGINT) WITH (kafka_topic='orders', value_format='JSON');
        CREATE TABLE CUSTOMERS (ID STRING PRIMARY KEY, NAME STRING) WITH (kafka_topic='customers', value_format='JSON');
        CREATE STREAM ENRICHED AS SELECT O.CUSTOMER, O.ID, O.AMOUNT, C.NAME FROM ORDERS O LEFT JOIN CUSTOMERS C ON O.CUSTOMER = C.ID;
        CREATE STREAM BY_KEY AS SELECT O.ID, O.AMOUNT, C.NAME FROM ORDERS O LEFT JOIN CUSTOMERS C ON O.ID = C.ID;
    ";
    let mut sent = Vec::new();
    for i in 0..40i64 {
        if i % 4 == 0 {
            let value = format!(r#"{{"name": "name-{i}"}}"#);
            sent.push(("customers", format!("c{}", (i / 4) % 5), value, 1_000 * i));
        }
        let value = format!(r#"{{"customer": "c{}", "amount": {i}}}"#, i % 6);
        sent.push(("orders", format!("o{i}"), value, 1_000 * i + 500));
    }
    let (store, ids) = joined_as_in_memory(
        statements,
        &[("orders", 3), ("customers", 2)],
        &sent,
        &["ENRICHED", "BY_KEY"],
    );
    let [enriched, by_key] = &ids[..] else {
        panic!("two queries: {ids:?}")
    };
    // The orders, keyed by customer in as many partitions as the table they are joined with;
    // a join on the stream's key needs no repartition topic.
    let (partitions, records) = through_topic(&store, &join_repartition_topic(enriched, true));
    assert_eq!(partitions, 2);
    let mut expected: Vec<KeyAndSource> = (0..40)
        .map(|i| (Some(format!("c{}", i % 6)), Some(format!("o{i}"))))
        .collect();
    expected.sort();
    assert_eq!(records, expected);
    for topic in [
        join_repartition_topic(enriched, false),
        join_repartition_topic(by_key, true),
    ] {
        assert!(
            block_on(store.describe_topic(&name(&topic)))
                .unwrap()
                .is_none(),
            "{topic}"
        );
    }
}

#[test]
fn a_stream_stream_join_on_value_columns_repartitions_both_sides() {
    let statements = "
        CREATE STREAM CLICKS (ID STRING KEY, USER_ID STRING, PAGE STRING) WITH (kafka_topic='clicks', value_format='JSON');
        CREATE STREAM VIEWS (ID STRING KEY, USER_ID STRING, AD STRING) WITH (kafka_topic='views', value_format='JSON');
        CREATE STREAM MATCHED AS SELECT C.USER_ID, C.PAGE, V.AD FROM CLICKS C LEFT JOIN VIEWS V WITHIN 5 SECONDS ON C.USER_ID = V.USER_ID;
    ";
    let mut sent = Vec::new();
    for i in 0..30i64 {
        let user = format!("u{}", i % 4);
        sent.push((
            "clicks",
            format!("k{i}"),
            format!(r#"{{"user_id": "{user}", "page": "p{i}"}}"#),
            2_000 * i,
        ));
        if i % 3 == 0 {
            sent.push((
                "views",
                format!("v{i}"),
                format!(r#"{{"user_id": "{user}", "ad": "a{i}"}}"#),
                2_000 * i + 700,
            ));
        }
    }
    let (store, ids) = joined_as_in_memory(
        statements,
        &[("clicks", 2), ("views", 3)],
        &sent,
        &["MATCHED"],
    );
    // Both sides keyed by user, in as many partitions as the larger source.
    for (left, records) in [(true, 30), (false, 10)] {
        let topic = join_repartition_topic(&ids[0], left);
        let (partitions, stored) = through_topic(&store, &topic);
        assert_eq!((partitions, stored.len()), (3, records), "{topic}");
        assert!(stored
            .iter()
            .all(|(k, _)| k.as_deref().is_some_and(|k| k.starts_with('u'))));
    }
}
