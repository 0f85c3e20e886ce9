//! Streamlab's Web Workers.
//!
//! A producer is a real dedicated worker: it opens the same IndexedDB database as the page and
//! appends through `streamlab-idb`, so the page never writes records itself. That is the lesson:
//! producers are decoupled from consumers and from the UI, and the log holds the data.
//!
//! Workers hold no authoritative state; a killed worker loses only what it had not yet
//! acknowledged.

mod producer;

pub use producer::ProducerWorker;

/// The script Trunk builds for the worker binary (`no-modules` target), relative to the page.
pub const WORKER_SCRIPT: &str = "./streamlab-worker.js";
