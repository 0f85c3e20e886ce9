//! Opening a database written by schema version 1 (the first release) upgrades it in place.
#![cfg(target_arch = "wasm32")]

use js_sys::{Promise, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

use streamlab_idb::{IdbStore, SCHEMA_VERSION};
use streamlab_log::{
    fetch, resolve_position, FetchLimits, Mode, Offset, OffsetResetPolicy, PartitionId, Position,
    Record, RecordBatch, SequenceNumber, Storage, Timestamp, TopicName, TopicPartition,
};

wasm_bindgen_test_configure!(run_in_browser);

// Schema 1 exactly as the first release wrote it: four object stores, plain objects for topics
// and partitions, one Uint8Array per batch.
#[wasm_bindgen(inline_js = r#"
export function writeSchemaV1(name, batches) {
  return new Promise((resolve, reject) => {
    const del = indexedDB.deleteDatabase(name);
    del.onerror = () => reject(del.error);
    del.onsuccess = () => {
      const open = indexedDB.open(name, 1);
      open.onupgradeneeded = () => {
        const db = open.result;
        for (const s of ['topics', 'partitions', 'batches', 'groups']) db.createObjectStore(s);
      };
      open.onerror = () => reject(open.error);
      open.onsuccess = () => {
        const db = open.result;
        const tx = db.transaction(['topics', 'partitions', 'batches'], 'readwrite');
        tx.objectStore('topics').put({ name: 'legacy', mode: 'kafka', partitionCount: 1, maxRecordBytes: 1048576 }, 'legacy');
        tx.objectStore('partitions').put({
          partition: 0, logStartOffset: 0, logEndOffset: 5, nextSequenceNumber: '2005',
          recordCount: 5, byteCount: batches.reduce((n, b) => n + b.bytes.length, 0),
          maxTimestamp: 300, startingHashKey: null, endingHashKey: null, state: 'open',
        }, ['legacy', 0]);
        for (const b of batches) tx.objectStore('batches').put(b.bytes, ['legacy', 0, b.base]);
        tx.oncomplete = () => { db.close(); resolve(); };
        tx.onerror = () => reject(tx.error);
      };
    };
  });
}
"#)]
extern "C" {
    #[wasm_bindgen(js_name = writeSchemaV1)]
    fn write_schema_v1(name: &str, batches: JsValue) -> Promise;
}

fn batch(base: u64, base_seq: u128, stamps: &[i64]) -> Vec<u8> {
    let records: Vec<Record> = stamps
        .iter()
        .enumerate()
        .map(|(i, ts)| {
            Record::new(
                Offset(base + i as u64),
                SequenceNumber(base_seq + i as u128),
                Timestamp(*ts),
                Some(b"k".to_vec()),
                Some(format!("v{}", base + i as u64).into_bytes()),
                vec![],
            )
        })
        .collect();
    RecordBatch::encode(&records).expect("valid batch")
}

#[wasm_bindgen_test]
async fn a_schema_1_database_opens_upgraded_with_its_records_and_a_batch_index() {
    let batches = js_sys::Array::new();
    for (base, bytes) in [
        (0u64, batch(0, 1000, &[100, 300, 200])),
        (3, batch(3, 2000, &[150, 250])),
    ] {
        let entry = js_sys::Object::new();
        js_sys::Reflect::set(&entry, &"base".into(), &JsValue::from_f64(base as f64)).expect("set");
        js_sys::Reflect::set(&entry, &"bytes".into(), &Uint8Array::from(bytes.as_slice()))
            .expect("set");
        batches.push(&entry);
    }
    JsFuture::from(write_schema_v1("idb-test-upgrade-v1", batches.into()))
        .await
        .expect("schema 1 fixture");

    let store = IdbStore::open("idb-test-upgrade-v1")
        .await
        .expect("upgrade");
    assert_eq!(SCHEMA_VERSION, 2);
    let topics = store.list_topics().await.expect("list");
    assert_eq!(topics.len(), 1);
    assert_eq!(topics[0].partitions[0].log_end_offset(), Offset(5));

    let tp = TopicPartition::new(
        TopicName::new("legacy", Mode::Kafka).expect("name"),
        PartitionId(0),
    );
    let fetched = fetch(&store, &tp, Offset(0), FetchLimits::default())
        .await
        .expect("fetch");
    let values: Vec<String> = fetched
        .records
        .iter()
        .map(|r| String::from_utf8_lossy(r.value().unwrap_or_default()).into_owned())
        .collect();
    assert_eq!(values, ["v0", "v1", "v2", "v3", "v4"]);

    // The index built by the upgrade answers time and sequence-number seeks.
    let none = OffsetResetPolicy::None;
    let at = |p| resolve_position(&store, &tp, p, none);
    assert_eq!(
        at(Position::Timestamp(Timestamp(250))).await.expect("seek"),
        Offset(1)
    );
    assert_eq!(
        at(Position::Timestamp(Timestamp(301))).await.expect("seek"),
        Offset(5)
    );
    assert_eq!(
        at(Position::AtSequenceNumber(SequenceNumber(2001)))
            .await
            .expect("seek"),
        Offset(4)
    );
    assert_eq!(
        at(Position::AfterSequenceNumber(SequenceNumber(1002)))
            .await
            .expect("seek"),
        Offset(3)
    );

    // And appends after the upgrade continue the log.
    let info = store
        .append(
            &tp,
            &[streamlab_log::RecordData {
                value: Some(b"v5".to_vec()),
                ..Default::default()
            }],
            Timestamp(400),
        )
        .await
        .expect("append");
    assert_eq!(info.base_offset, Offset(5));
    assert_eq!(
        at(Position::Timestamp(Timestamp(301))).await.expect("seek"),
        Offset(5)
    );
}
