//! The Kinesis behavioural suite on Streamlab's own log, in the memory store: the reference the
//! endpoint backends are held to (the same checks run against kinesalite in `kinesalite.rs`,
//! and on IndexedDB in Chromium).
#![cfg(not(target_arch = "wasm32"))]

mod common;

use futures::executor::block_on;
use streamlab_kinesis::sigv4::HttpRequest;
use streamlab_kinesis::streams::LocalStreams;
use streamlab_kinesis::{HttpResponse, Transport};
use streamlab_kinesis_suite::{self as suite, for_each_stream_check};
use streamlab_log::MemoryStore;

/// The machine's clock and sleep; no network.
struct Clock;

impl Transport for Clock {
    async fn send(&self, _: &HttpRequest) -> Result<HttpResponse, String> {
        Err("the local log needs no network".into())
    }
    async fn sleep(&self, ms: u64) {
        common::sleep_ms(ms);
    }
    fn now_ms(&self) -> i64 {
        common::now_ms()
    }
    fn random(&self) -> f64 {
        0.5
    }
}

macro_rules! on_the_memory_store {
    ($name:ident) => {
        #[test]
        fn $name() {
            let api = LocalStreams::new(MemoryStore::new(), Clock);
            block_on(suite::$name(&api, stringify!($name)));
        }
    };
}

for_each_stream_check!(on_the_memory_store);
