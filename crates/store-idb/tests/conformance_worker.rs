//! The storage behavioural suite on IndexedDB from inside a dedicated worker, where producers and
//! consumers run (no `window` there: the store must find `indexedDB` on the worker's global).
#![cfg(target_arch = "wasm32")]

use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

use streamlab_conformance as conformance;
use streamlab_conformance::for_each_check;
use streamlab_idb::IdbStore;

wasm_bindgen_test_configure!(run_in_dedicated_worker);

macro_rules! in_worker {
    ($check:ident) => {
        #[wasm_bindgen_test]
        async fn $check() {
            let name = concat!("conformance-worker-", stringify!($check));
            IdbStore::delete_database(name).await.expect("delete");
            let store = IdbStore::open(name).await.expect("open");
            conformance::$check(&store).await;
            store.close();
        }
    };
}

for_each_check!(in_worker);
