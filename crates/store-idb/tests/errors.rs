//! The store's failures against a real IndexedDB: each is a typed error a user can act on.
#![cfg(target_arch = "wasm32")]

use js_sys::Promise;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

use streamlab_idb::{DamagedTopic, IdbError, IdbStore};
use streamlab_log::{
    fetch, resolve_position, CorruptBatch, DecodeError, FetchError, FetchLimits, Mode, Offset,
    OffsetResetPolicy, PartitionId, Position, RecordData, Storage, Timestamp, TopicConfig,
    TopicPartition,
};

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen(inline_js = r#"
export function holdOpen(name, version) {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(name, version);
    req.onupgradeneeded = () => {
      for (const s of ['topics', 'partitions', 'batches', 'groups']) req.result.createObjectStore(s);
    };
    // No versionchange handler: this connection never lets go by itself.
    req.onsuccess = () => { globalThis.__held = req.result; resolve(); };
    req.onerror = () => reject(req.error);
  });
}
export function releaseHeld() { globalThis.__held.close(); }
export function upgradeTo(name, version) {
  return new Promise((resolve, reject) => {
    let blocked = false;
    const req = indexedDB.open(name, version);
    req.onblocked = () => { blocked = true; };
    req.onsuccess = () => { req.result.close(); resolve(blocked ? 'blocked then opened' : 'opened'); };
    req.onerror = () => reject(req.error);
  });
}
export function putRaw(name, storeName, key, value) {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(name);
    req.onsuccess = () => {
      const db = req.result;
      const tx = db.transaction(storeName, 'readwrite');
      tx.objectStore(storeName).put(value, key);
      tx.oncomplete = () => { db.close(); resolve(); };
      tx.onerror = () => reject(tx.error);
    };
    req.onerror = () => reject(req.error);
  });
}
export function flipByte(name, key, at) {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(name);
    req.onsuccess = () => {
      const db = req.result;
      const tx = db.transaction('batches', 'readwrite');
      const store = tx.objectStore('batches');
      const get = store.get(key);
      get.onsuccess = () => {
        const bytes = new Uint8Array(get.result);
        bytes[at] ^= 0xff;
        store.put(bytes, key);
      };
      tx.oncomplete = () => { db.close(); resolve(); };
      tx.onerror = () => reject(tx.error);
    };
    req.onerror = () => reject(req.error);
  });
}
export function quotaExceeded() {
  return new DOMException('The current transaction exceeded its quota limitations.', 'QuotaExceededError');
}
"#)]
extern "C" {
    #[wasm_bindgen(js_name = holdOpen)]
    fn hold_open(name: &str, version: u32) -> Promise;
    #[wasm_bindgen(js_name = releaseHeld)]
    fn release_held();
    #[wasm_bindgen(js_name = upgradeTo)]
    fn upgrade_to(name: &str, version: u32) -> Promise;
    #[wasm_bindgen(js_name = putRaw)]
    fn put_raw(name: &str, store: &str, key: JsValue, value: JsValue) -> Promise;
    #[wasm_bindgen(js_name = flipByte)]
    fn flip_byte(name: &str, key: JsValue, at: u32) -> Promise;
    #[wasm_bindgen(js_name = quotaExceeded)]
    fn quota_exceeded() -> JsValue;
}

async fn fresh_store(name: &str) -> IdbStore {
    IdbStore::delete_database(name).await.expect("delete");
    IdbStore::open(name).await.expect("open")
}

#[wasm_bindgen_test]
async fn an_open_lab_steps_aside_for_an_upgrade_in_another_tab() {
    let store = fresh_store("idb-test-versionchange").await;
    // Another tab opens a newer schema: our versionchange handler closes this connection, so
    // the upgrade is not blocked.
    let outcome = JsFuture::from(upgrade_to("idb-test-versionchange", 3))
        .await
        .expect("upgrade");
    assert_eq!(outcome.as_string().as_deref(), Some("opened"));
    let err = store
        .list_topics()
        .await
        .expect_err("closed by the upgrade");
    assert!(matches!(err, IdbError::Closed), "{err:?}");
    // This build cannot open the newer schema, and says so.
    let newer = IdbStore::open("idb-test-versionchange")
        .await
        .expect_err("newer schema");
    assert!(matches!(newer, IdbError::NewerSchema { .. }), "{newer:?}");
    assert!(newer.to_string().contains("newer version of Streamlab"));
}

#[wasm_bindgen_test]
async fn an_old_connection_that_will_not_close_blocks_with_a_clear_error() {
    IdbStore::delete_database("idb-test-blocked")
        .await
        .expect("delete");
    JsFuture::from(hold_open("idb-test-blocked", 1))
        .await
        .expect("hold");
    let err = IdbStore::open("idb-test-blocked")
        .await
        .expect_err("blocked");
    assert_eq!(err, IdbError::Blocked);
    assert!(err.to_string().contains("close it"));
    // Once the other tab lets go, the upgrade from schema 1 goes through, complete: the batch
    // index exists, so appends and seeks work.
    release_held();
    let store = IdbStore::open("idb-test-blocked")
        .await
        .expect("opens after release");
    assert!(store.list_topics().await.expect("list").is_empty());
    let config = TopicConfig::new("t", Mode::Kafka, 1).expect("valid");
    store.create_topic(&config).await.expect("create");
    let tp = TopicPartition::new(config.name().clone(), PartitionId(0));
    let data = [RecordData {
        value: Some(b"v".to_vec()),
        ..RecordData::default()
    }];
    store
        .append(&tp, &data, Timestamp(5))
        .await
        .expect("append");
    let at = resolve_position(
        &store,
        &tp,
        Position::Timestamp(Timestamp(5)),
        OffsetResetPolicy::None,
    )
    .await
    .expect("seek uses the batch index");
    assert_eq!(at, Offset(0));
}

#[wasm_bindgen_test]
async fn a_corrupted_batch_is_named_and_its_neighbours_still_read() {
    let store = fresh_store("idb-test-corrupt").await;
    let config = TopicConfig::new("t", Mode::Kafka, 1).expect("valid");
    store.create_topic(&config).await.expect("create");
    let tp = TopicPartition::new(config.name().clone(), PartitionId(0));
    for batch in [["a", "b"], ["c", "d"], ["e", "f"]] {
        let data: Vec<RecordData> = batch
            .iter()
            .map(|v| RecordData {
                value: Some(v.as_bytes().to_vec()),
                ..RecordData::default()
            })
            .collect();
        store
            .append(&tp, &data, Timestamp(1))
            .await
            .expect("append");
    }
    let key = js_sys::Array::of3(&"t".into(), &JsValue::from(0), &JsValue::from(2));
    JsFuture::from(flip_byte("idb-test-corrupt", key.into(), 60))
        .await
        .expect("corrupt");

    let err = fetch(&store, &tp, Offset(0), FetchLimits::default())
        .await
        .expect_err("corrupt");
    let FetchError::Corrupt(CorruptBatch {
        topic_partition,
        base_offset,
        source,
    }) = &err
    else {
        panic!("expected a corrupt batch, got {err}");
    };
    assert_eq!((topic_partition, *base_offset), (&tp, Offset(2)));
    assert!(matches!(source, DecodeError::CrcMismatch { .. }));
    assert!(err.to_string().contains("base offset 2 of t-0"), "{err}");
    // The batches before and after it still read.
    let before = fetch(
        &store,
        &tp,
        Offset(0),
        FetchLimits {
            max_records: 2,
            max_bytes: 1,
        },
    )
    .await
    .expect("first batch");
    assert_eq!(before.records.len(), 2);
    let after = fetch(&store, &tp, Offset(4), FetchLimits::default())
        .await
        .expect("last batch");
    assert_eq!(after.records.len(), 2);
}

#[wasm_bindgen_test]
async fn a_kinesis_stream_named_dot_lists_beside_kafka_topics_after_a_reopen() {
    let name = "idb-test-dot-stream";
    let store = fresh_store(name).await;
    for config in [
        TopicConfig::new(".", Mode::Kinesis, 2).expect("legal in Kinesis"),
        TopicConfig::new("orders", Mode::Kafka, 3).expect("valid"),
    ] {
        store.create_topic(&config).await.expect("create");
    }
    drop(store);
    let reopened = IdbStore::open(name).await.expect("reopen");
    let listing = reopened.list_topics_checked().await.expect("list");
    let names: Vec<(String, Mode, usize)> = listing
        .topics
        .iter()
        .map(|t| {
            (
                t.config.name().as_str().to_owned(),
                t.config.mode(),
                t.partitions.len(),
            )
        })
        .collect();
    assert_eq!(
        names,
        [
            (".".to_owned(), Mode::Kinesis, 2),
            ("orders".to_owned(), Mode::Kafka, 3)
        ]
    );
    assert_eq!(listing.damaged, []);
}

#[wasm_bindgen_test]
async fn a_damaged_topic_row_is_listed_as_damaged_and_hides_nothing_else() {
    let name = "idb-test-damaged-topic";
    let store = fresh_store(name).await;
    for topic in ["a", "c"] {
        let config = TopicConfig::new(topic, Mode::Kafka, 1).expect("valid");
        store.create_topic(&config).await.expect("create");
    }
    // A row this code never writes: a Kafka topic named "." and a row that is not an object.
    let bad = js_sys::JSON::parse(
        r#"{"name": ".", "mode": "kafka", "partitionCount": 1, "maxRecordBytes": 1048576}"#,
    )
    .expect("json");
    JsFuture::from(put_raw(name, "topics", ".".into(), bad))
        .await
        .expect("put");
    JsFuture::from(put_raw(name, "topics", "b".into(), JsValue::from(7)))
        .await
        .expect("put");

    let listing = store.list_topics_checked().await.expect("list");
    let good: Vec<&str> = listing
        .topics
        .iter()
        .map(|t| t.config.name().as_str())
        .collect();
    assert_eq!(good, ["a", "c"]);
    let damaged: Vec<&str> = listing.damaged.iter().map(|d| d.name.as_str()).collect();
    assert_eq!(damaged, [".", "b"]);
    assert_eq!(
        listing.damaged[0],
        DamagedTopic {
            name: ".".into(),
            problem: "stored topic is malformed: illegal name: '.' is not a legal Kafka topic name"
                .into(),
        }
    );
    // The trait's list is the undamaged topics; a damaged one can be deleted by its stored name.
    assert_eq!(store.list_topics().await.expect("list").len(), 2);
    assert!(store.delete_damaged_topic("b").await.expect("delete"));
    let listing = store.list_topics_checked().await.expect("list");
    assert_eq!(listing.damaged.len(), 1);
    assert_eq!(listing.topics.len(), 2);
}

#[wasm_bindgen_test]
fn a_quota_error_says_how_to_free_space() {
    let err = IdbError::from_js(quota_exceeded());
    assert!(matches!(err, IdbError::QuotaExceeded { .. }), "{err:?}");
    let text = err.to_string();
    assert!(
        text.contains("quota is full") && text.contains("retention"),
        "{text}"
    );
}
