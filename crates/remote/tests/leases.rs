//! A consumer application's checkpoints in the browser's lease table (IndexedDB), in headless
//! Chromium: a run reads everything, a run after a reconnection reads only what came since, and
//! each application keeps its own checkpoints.
#![cfg(target_arch = "wasm32")]

use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

use streamlab_idb::IdbStore;
use streamlab_kinesis::streams::LocalStreams;
use streamlab_kinesis::FetchTransport;
use streamlab_remote::AppLeases;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
async fn a_consumer_application_resumes_from_the_lease_table_after_a_reload() {
    use streamlab_kinesis::consumer::consume;
    use streamlab_kinesis::streams::Streams;
    use streamlab_kinesis::PutEntry;

    let name = "kinesis-leases";
    IdbStore::delete_database(name).await.expect("delete");
    IdbStore::delete_database(streamlab_idb::LEASE_DATABASE)
        .await
        .expect("delete leases");
    let api = LocalStreams::new(IdbStore::open(name).await.expect("open"), FetchTransport);
    api.create_stream("orders", 2).await.expect("create");
    let put = |from: u32, to: u32| -> Vec<PutEntry> {
        (from..to)
            .map(|n| PutEntry {
                partition_key: format!("k{n}"),
                explicit_hash_key: None,
                data: format!("r{n}").into_bytes(),
            })
            .collect()
    };
    api.put("orders", &put(0, 12)).await.expect("put");
    let owner = |application: &str| streamlab_idb::LeaseOwner {
        endpoint: "http://127.0.0.1:4567".into(),
        stream: "orders".into(),
        application: application.into(),
    };

    let table = streamlab_idb::LeaseTable::open().await.expect("leases");
    let billing = AppLeases(&table, owner("billing"));
    assert_eq!(
        consume(&api, "orders", &billing, 1000)
            .await
            .expect("run")
            .records
            .len(),
        12
    );
    table.close();

    // A reload: a new connection finds the checkpoints, and only new records are read.
    api.put("orders", &put(12, 15)).await.expect("put");
    let table = streamlab_idb::LeaseTable::open().await.expect("leases");
    let billing = AppLeases(&table, owner("billing"));
    let run = consume(&api, "orders", &billing, 1000).await.expect("run");
    let mut data: Vec<String> = run
        .records
        .iter()
        .map(|r| String::from_utf8_lossy(&r.data).into_owned())
        .collect();
    data.sort();
    assert_eq!(data, ["r12", "r13", "r14"]);
    assert_eq!(table.load(&owner("billing")).await.expect("load").len(), 2);

    // Checkpoints belong to one application: another starts from the beginning.
    let audit = AppLeases(&table, owner("audit"));
    assert_eq!(
        consume(&api, "orders", &audit, 1000)
            .await
            .expect("run")
            .records
            .len(),
        15
    );
    // A reset forgets one application's checkpoints only.
    table.reset(&owner("billing")).await.expect("reset");
    assert!(table
        .load(&owner("billing"))
        .await
        .expect("load")
        .is_empty());
    assert_eq!(table.load(&owner("audit")).await.expect("load").len(), 2);
    table.close();
}
