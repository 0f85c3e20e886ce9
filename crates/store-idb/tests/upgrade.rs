//! Opening a database written by schema version 1 (the first release; a fixture file) upgrades
//! it in place, its records intact.
#![cfg(target_arch = "wasm32")]

use js_sys::Promise;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

use streamlab_idb::{IdbStore, SCHEMA_VERSION};
use streamlab_log::{
    fetch, resolve_position, FetchLimits, Mode, Offset, OffsetResetPolicy, PartitionId, Position,
    SequenceNumber, Storage, Timestamp, TopicName, TopicPartition,
};

wasm_bindgen_test_configure!(run_in_browser);

// The fixture `fixtures/schema-v1.json` holds a database as schema 1 (the first release) stored
// it: its object stores, plain objects for topics and partitions, one Uint8Array per batch (the
// batches' bytes frozen as hex). This writes it with raw IndexedDB calls, as that release did.
#[wasm_bindgen(inline_js = r#"
export function writeFixture(name, text) {
  const fixture = JSON.parse(text);
  const bytes = (hex) => Uint8Array.from(hex.match(/../g), (h) => parseInt(h, 16));
  return new Promise((resolve, reject) => {
    const del = indexedDB.deleteDatabase(name);
    del.onerror = () => reject(del.error);
    del.onsuccess = () => {
      const open = indexedDB.open(name, fixture.version);
      open.onupgradeneeded = () => {
        for (const s of fixture.stores) open.result.createObjectStore(s);
      };
      open.onerror = () => reject(open.error);
      open.onsuccess = () => {
        const db = open.result;
        const tx = db.transaction(['topics', 'partitions', 'batches'], 'readwrite');
        for (const t of fixture.topics) tx.objectStore('topics').put(t.value, t.key);
        for (const p of fixture.partitions) tx.objectStore('partitions').put(p.value, p.key);
        for (const b of fixture.batches) tx.objectStore('batches').put(bytes(b.hex), b.key);
        tx.oncomplete = () => { db.close(); resolve(); };
        tx.onerror = () => reject(tx.error);
      };
    };
  });
}
"#)]
extern "C" {
    #[wasm_bindgen(js_name = writeFixture)]
    fn write_fixture(name: &str, fixture: &str) -> Promise;
}

#[wasm_bindgen_test]
async fn a_schema_1_database_opens_upgraded_with_its_records_and_a_batch_index() {
    JsFuture::from(write_fixture(
        "idb-test-upgrade-v1",
        include_str!("fixtures/schema-v1.json"),
    ))
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
