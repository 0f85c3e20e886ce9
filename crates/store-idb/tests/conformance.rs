//! The storage behavioural suite of `streamlab-log`, on a real IndexedDB in headless Chromium.
#![cfg(target_arch = "wasm32")]

use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

use streamlab_conformance as conformance;
use streamlab_conformance::for_each_check;
use streamlab_idb::IdbStore;

wasm_bindgen_test_configure!(run_in_browser);

async fn fresh_store(name: &str) -> IdbStore {
    IdbStore::delete_database(name).await.expect("delete");
    IdbStore::open(name).await.expect("open")
}

macro_rules! in_browser {
    ($check:ident) => {
        #[wasm_bindgen_test]
        async fn $check() {
            let store = fresh_store(concat!("conformance-", stringify!($check))).await;
            conformance::$check(&store).await;
            store.close();
        }
    };
}

for_each_check!(in_browser);
