//! The Kinesis behavioural suite (`streamlab-kinesis`) on Streamlab's log in a real IndexedDB, in
//! headless Chromium: the same checks kinesalite passes in `make test` (natively and over fetch).
#![cfg(target_arch = "wasm32")]

use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

use streamlab_idb::IdbStore;
use streamlab_kinesis::streams::LocalStreams;
use streamlab_kinesis::FetchTransport;
use streamlab_kinesis_suite::{self as suite, for_each_stream_check};

wasm_bindgen_test_configure!(run_in_browser);

macro_rules! on_indexeddb {
    ($check:ident) => {
        #[wasm_bindgen_test]
        async fn $check() {
            let name = concat!("kinesis-suite-", stringify!($check));
            IdbStore::delete_database(name).await.expect("delete");
            let store = IdbStore::open(name).await.expect("open");
            let api = LocalStreams::new(store, FetchTransport);
            suite::$check(&api, stringify!($check)).await;
        }
    };
}

for_each_stream_check!(on_indexeddb);
