//! Streamlab's Web Workers.
//!
//! A producer is a real dedicated worker: it opens the same IndexedDB database as the page and
//! appends through `streamlab-idb`, so the page never writes records itself. That is the lesson:
//! producers are decoupled from consumers and from the UI, and the log holds the data.
//!
//! Workers hold no authoritative state; a killed worker loses only what it had not yet
//! acknowledged.
#![deny(clippy::unwrap_used, clippy::expect_used)]

mod consumer;
mod port;
mod producer;
mod run;

pub use consumer::{ConsumerBridge, ConsumerWorker, SESSION_TIMEOUT_MS};
pub use port::{serve, PortError, Served, WorkerBridge};
pub use producer::{ProducerBridge, ProducerWorker};

/// The script Trunk builds for the producer worker binary (`no-modules` target), relative to the
/// page.
pub const WORKER_SCRIPT: &str = "./streamlab-worker.js";

/// The script Trunk builds for the consumer worker binary.
pub const CONSUMER_SCRIPT: &str = "./streamlab-consumer.js";

/// The time now, in milliseconds (`performance.now` where there is one).
pub(crate) fn now_ms() -> f64 {
    use wasm_bindgen::JsCast;
    js_sys::Reflect::get(&js_sys::global(), &"performance".into())
        .ok()
        .and_then(|p| p.dyn_into::<web_sys::Performance>().ok())
        .map_or_else(js_sys::Date::now, |p| p.now())
}

/// Resolves after `ms` milliseconds (`setTimeout` of the worker or page).
pub fn sleep(ms: i32) -> wasm_bindgen_futures::JsFuture {
    use wasm_bindgen::{JsCast, JsValue};
    let promise = js_sys::Promise::new(&mut |resolve: js_sys::Function, _reject| {
        let global = js_sys::global();
        if let Ok(set_timeout) = js_sys::Reflect::get(&global, &"setTimeout".into()) {
            if let Some(set_timeout) = set_timeout.dyn_ref::<js_sys::Function>() {
                let _ = set_timeout.call2(&global, &resolve, &JsValue::from(ms));
            }
        }
    });
    wasm_bindgen_futures::JsFuture::from(promise)
}
