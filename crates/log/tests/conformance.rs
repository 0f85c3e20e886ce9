//! The storage behavioural suite on the memory store (the IndexedDB store runs the same checks in
//! headless Chromium).
use streamlab_conformance as conformance;
use streamlab_conformance::for_each_check;
use streamlab_log::{block_on, MemoryStore};

macro_rules! native {
    ($check:ident) => {
        #[test]
        fn $check() {
            block_on(conformance::$check(&MemoryStore::new()));
        }
    };
}

for_each_check!(native);
