//! The streams processor on a real IndexedDB in headless Chromium: statements kept in the
//! command topic, a query's steps stored with `append_transaction`, and a reopened processor
//! (a new page, a restarted worker) that resumes from its commit with its state restored.
#![cfg(target_arch = "wasm32")]

use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

use streamlab_idb::IdbStore;
use streamlab_log::{
    fetch, produce, FetchLimits, KeylessPartitioner, Mode, Offset, PartitionId, ProduceRecord,
    Storage, Timestamp, TopicConfig, TopicName, TopicPartition,
};
use streamlab_streams::processor::Processor;

wasm_bindgen_test_configure!(run_in_browser);

const NOW: Timestamp = Timestamp(1_700_000_000_000);

async fn orders(store: &IdbStore, from: usize, count: usize) {
    let name = TopicName::new("orders", Mode::Kafka).expect("name");
    let records: Vec<ProduceRecord> = (from..from + count)
        .map(|i| {
            ProduceRecord::new(
                Some(&format!("o{i}")),
                &format!(r#"{{"customer": "c{}", "amount": 1.5}}"#, i % 3),
            )
        })
        .collect();
    produce(store, &name, &records, &KeylessPartitioner::new(), NOW)
        .await
        .expect("produce");
}

/// The newest value of each key of a one-partition topic.
async fn latest(store: &IdbStore, topic: &str) -> std::collections::BTreeMap<String, String> {
    let tp = TopicPartition::new(
        TopicName::new(topic, Mode::Kafka).expect("name"),
        PartitionId(0),
    );
    let fetched = fetch(
        store,
        &tp,
        Offset(0),
        FetchLimits {
            max_records: 10_000,
            max_bytes: 1 << 24,
        },
    )
    .await
    .expect("fetch");
    fetched
        .records
        .iter()
        .map(|r| {
            let text =
                |b: Option<&[u8]>| String::from_utf8_lossy(b.unwrap_or_default()).into_owned();
            (text(r.key()), text(r.value()))
        })
        .collect()
}

#[wasm_bindgen_test]
async fn a_query_on_indexeddb_counts_resumes_and_keeps_its_state() {
    let name = "streams-processor";
    IdbStore::delete_database(name).await.expect("delete");
    let store = IdbStore::open(name).await.expect("open");
    store
        .create_topic(&TopicConfig::new("orders", Mode::Kafka, 1).expect("config"))
        .await
        .expect("create");
    orders(&store, 0, 30).await;
    {
        let mut p = Processor::open(&store).await.expect("processor");
        let results = p
            .execute(
                "CREATE STREAM ORDERS (ID STRING KEY, CUSTOMER STRING, AMOUNT DOUBLE) WITH (kafka_topic='orders', value_format='JSON');
                 CREATE TABLE COUNTS AS SELECT CUSTOMER, COUNT(*) AS N FROM ORDERS GROUP BY CUSTOMER;",
                NOW,
            )
            .await
            .expect("execute");
        assert!(results.iter().all(|r| r.ok), "{results:?}");
        p.run_until_idle(7, NOW).await.expect("run");
    }
    assert_eq!(
        latest(&store, "COUNTS").await.get("c0").map(String::as_str),
        Some(r#"{"N":10}"#)
    );
    store.close();

    // A new connection, as after a reload: the query comes back from the command topic, its
    // counts from its changelog, and it reads only what came since its commit.
    let store = IdbStore::open(name).await.expect("reopen");
    orders(&store, 30, 6).await;
    let mut p = Processor::open(&store).await.expect("processor");
    assert_eq!(p.engine().queries().len(), 1);
    let report = p.run_until_idle(7, NOW).await.expect("run");
    // Six records of the source, each read again from the repartition topic (GROUP BY of a
    // value column).
    assert_eq!(report.read.values().sum::<usize>(), 6);
    assert_eq!(report.repartitioned.values().sum::<usize>(), 6);
    let counts = latest(&store, "COUNTS").await;
    assert_eq!(counts.get("c0").map(String::as_str), Some(r#"{"N":12}"#));
    assert_eq!(counts.get("c2").map(String::as_str), Some(r#"{"N":12}"#));
    store.close();
}
