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
mod processor;
mod producer;
mod run;

pub use consumer::{ConsumerBridge, ConsumerWorker, SESSION_TIMEOUT_MS};
pub use port::{serve, PortError, Served, WorkerBridge};
pub use processor::{ProcessorBridge, ProcessorWorker};

/// Tells every consumer, dashboard and processor of database `db` that `topic` grew (its
/// BroadcastChannel notice), for records appended outside a producer worker.
pub fn announce_append(db: &str, topic: &str) {
    producer::announce(db, topic);
}
pub use producer::{ProducerBridge, ProducerWorker};

/// The bytes of this thread's WebAssembly memory (the page's or a worker's; it only grows).
pub fn wasm_memory_bytes() -> u64 {
    use wasm_bindgen::JsCast;
    wasm_bindgen::memory()
        .unchecked_into::<js_sys::WebAssembly::Memory>()
        .buffer()
        .unchecked_into::<js_sys::ArrayBuffer>()
        .byte_length()
        .into()
}

/// The script Trunk builds for the worker binary (`no-modules` target), relative to the
/// [script base](set_script_base). One binary serves both roles, so a page downloads one worker
/// bundle; the role is the worker's name.
pub const WORKER_SCRIPT: &str = "streamlab-worker.js";

/// The processor worker's script: a binary of its own, so pages that never run SQL never
/// download the streams engine.
pub const PROCESSOR_SCRIPT: &str = "streamlab-processor.js";

/// What a worker started by [`WorkerBridge::spawn`] does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WorkerRole {
    /// Appends records ([`ProducerWorker`]).
    Producer,
    /// Reads records, alone or in a group ([`ConsumerWorker`]).
    Consumer,
    /// Runs a database's streaming-SQL queries ([`ProcessorWorker`], its own script).
    Processor,
}

impl WorkerRole {
    /// The worker's name (`new Worker(url, { name })`), which tells the binary its role.
    pub fn name(self) -> &'static str {
        match self {
            WorkerRole::Producer => "streamlab-producer",
            WorkerRole::Consumer => "streamlab-consumer",
            WorkerRole::Processor => "streamlab-processor",
        }
    }

    /// The script that serves the role.
    pub fn script(self) -> &'static str {
        match self {
            WorkerRole::Processor => PROCESSOR_SCRIPT,
            _ => WORKER_SCRIPT,
        }
    }

    fn from_name(name: &str) -> Option<WorkerRole> {
        [WorkerRole::Producer, WorkerRole::Consumer]
            .into_iter()
            .find(|role| role.name() == name)
    }
}

/// A worker binary's `main`: serves the role its name gives it (see [`WorkerRole::name`]).
pub fn serve_by_name() {
    use wasm_bindgen::JsCast;
    let scope: web_sys::DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    match WorkerRole::from_name(&scope.name()) {
        Some(WorkerRole::Producer) => serve::<ProducerWorker>(),
        Some(WorkerRole::Consumer) => serve::<ConsumerWorker>(),
        // The processor has a binary of its own (PROCESSOR_SCRIPT), so this one stays small.
        Some(WorkerRole::Processor) | None => web_sys::console::error_1(
            &format!("a Streamlab worker named '{}' has no role", scope.name()).into(),
        ),
    }
}

thread_local! {
    static SCRIPT_BASE: std::cell::RefCell<Option<String>> = const { std::cell::RefCell::new(None) };
}

/// Where the worker script is: the URL of the directory the page's Streamlab bundle was loaded
/// from (the `<stream-lab>` loader sets it from its own address, so the files can be served
/// from any path). Without it, the script is looked for relative to the page.
pub fn set_script_base(url: &str) {
    SCRIPT_BASE.with(|base| *base.borrow_mut() = Some(url.to_owned()));
}

pub(crate) fn script_base() -> Option<String> {
    SCRIPT_BASE.with(|base| base.borrow().clone())
}

/// Calls `tick` every `ms` milliseconds until the returned function is called (an effect's
/// cleanup). The dashboard's bundles share it.
pub fn every(ms: i32, tick: impl FnMut() + 'static) -> impl FnOnce() {
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::JsCast;
    let tick = Closure::<dyn FnMut()>::new(tick);
    let id = web_sys::window().and_then(|w| {
        w.set_interval_with_callback_and_timeout_and_arguments_0(tick.as_ref().unchecked_ref(), ms)
            .ok()
    });
    move || {
        if let (Some(id), Some(w)) = (id, web_sys::window()) {
            w.clear_interval_with_handle(id);
        }
        drop(tick);
    }
}

/// Why a produce request or a run failed: the message for the user, and whether the browser
/// refused the write because its storage quota is full (so the page can say how to free space
/// without reading the message).
#[derive(Debug)]
pub(crate) struct Failure {
    pub(crate) message: String,
    pub(crate) storage_full: bool,
}

impl Failure {
    /// The failure of a produce into IndexedDB.
    pub(crate) fn of_produce(e: &streamlab_log::ProduceError<streamlab_idb::IdbError>) -> Failure {
        use streamlab_log::{AppendError, ProduceError};
        let storage_full = match e {
            ProduceError::Storage(s)
            | ProduceError::Append {
                source: AppendError::Storage(s),
                ..
            } => s.is_quota_exceeded(),
            _ => false,
        };
        Failure {
            message: e.to_string(),
            storage_full,
        }
    }
}

impl From<String> for Failure {
    fn from(message: String) -> Failure {
        Failure {
            message,
            storage_full: false,
        }
    }
}

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
