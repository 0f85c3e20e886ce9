//! A consumer worker driven from a script (`start_consumer`).

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::Array;
use wasm_bindgen::prelude::*;

use streamlab_protocol::{ConsumerCommand, ConsumerEvent, WirePosition};
use streamlab_workers::{ConsumerBridge, PortError, WorkerRole};

use crate::js_error;

/// A consumer worker driven from a script: what it received and committed, and how to stop it.
///
/// ```js
/// const c = streamlab.start_consumer('streamlab', 'orders', 'billing', 'earliest', '');
/// // … later
/// c.received_count(); c.received();  // [partition, offset, latency_ms, partition, …]
/// await c.stop();                     // commits, leaves the group, ends the worker
/// ```
#[wasm_bindgen]
pub struct ScriptConsumer {
    bridge: Option<ConsumerBridge>,
    seen: Rc<RefCell<ConsumerSeen>>,
}

/// What a scripted consumer has seen so far.
#[derive(Default)]
struct ConsumerSeen {
    /// `[partition, offset, latency_ms]` per record received, in order of receipt; the latency
    /// is the receipt time minus the record's timestamp.
    records: Vec<f64>,
    /// The records themselves, in order of receipt.
    rows: Vec<streamlab_protocol::ConsumedRecord>,
    committed: Vec<(u32, u64)>,
    assigned: Vec<u32>,
    failed: Option<String>,
    stopped: bool,
}

/// Starts a consumer worker on `topic` of database `db`. `group` may be empty (a standalone
/// consumer); `kind` and `value` are a start position as the dashboard takes them (`earliest`,
/// `latest`, `offset` 5, `timestamp` …, or the Kinesis iterator types).
#[wasm_bindgen]
pub fn start_consumer(
    db: String,
    topic: String,
    group: String,
    kind: String,
    value: String,
) -> Result<ScriptConsumer, JsValue> {
    let position = WirePosition::parse(&kind, value.trim()).map_err(js_error)?;
    let seen = Rc::new(RefCell::new(ConsumerSeen::default()));
    let on_event = {
        let seen = Rc::clone(&seen);
        move |event: Result<ConsumerEvent, PortError>| {
            let mut seen = seen.borrow_mut();
            match event {
                Ok(ConsumerEvent::Records { records, .. }) => {
                    let now = js_sys::Date::now();
                    for r in &records {
                        seen.records.push(f64::from(r.partition));
                        seen.records.push(r.offset as f64);
                        seen.records.push(now - r.timestamp as f64);
                    }
                    seen.rows.extend(records);
                }
                Ok(ConsumerEvent::Committed { offsets }) => seen.committed = offsets,
                Ok(ConsumerEvent::Assigned { partitions, .. }) => seen.assigned = partitions,
                Ok(ConsumerEvent::Failed { message }) => seen.failed = Some(message),
                Ok(ConsumerEvent::Stopped) => seen.stopped = true,
                Err(e) => seen.failed = Some(e.to_string()),
            }
        }
    };
    let bridge = ConsumerBridge::spawn(WorkerRole::Consumer, on_event).map_err(js_error)?;
    let group = group.trim();
    bridge
        .send(&ConsumerCommand::Start {
            db,
            topic,
            group: (!group.is_empty()).then(|| group.to_owned()),
            position,
        })
        .map_err(js_error)?;
    Ok(ScriptConsumer {
        bridge: Some(bridge),
        seen,
    })
}

#[wasm_bindgen]
impl ScriptConsumer {
    /// How many records it has received.
    pub fn received_count(&self) -> u32 {
        (self.seen.borrow().records.len() / 3) as u32
    }

    /// Every record received, as `[partition, offset, latency_ms, …]` triples in order of
    /// receipt.
    pub fn received(&self) -> js_sys::Float64Array {
        js_sys::Float64Array::from(self.seen.borrow().records.as_slice())
    }

    /// Every record received, as `[partition, offset, key, value]` rows in order of receipt
    /// (`null` for no key or a tombstone).
    pub fn records(&self) -> Array {
        let text = |t: &Option<String>| t.as_deref().map_or(JsValue::NULL, JsValue::from_str);
        self.seen
            .borrow()
            .rows
            .iter()
            .map(|r| {
                let row = Array::of2(
                    &JsValue::from(r.partition),
                    &JsValue::from_f64(r.offset as f64),
                );
                row.push(&text(&r.key));
                row.push(&text(&r.value));
                row
            })
            .collect()
    }

    /// The offsets its group last committed for it, as `[[partition, offset], …]`.
    pub fn committed(&self) -> Array {
        self.seen
            .borrow()
            .committed
            .iter()
            .map(|(p, o)| Array::of2(&JsValue::from(*p), &JsValue::from_f64(*o as f64)))
            .collect()
    }

    /// The partitions its group assigned to it last.
    pub fn assigned(&self) -> Vec<u32> {
        self.seen.borrow().assigned.clone()
    }

    /// Why it stopped, if it failed.
    pub fn error(&self) -> Option<String> {
        self.seen.borrow().failed.clone()
    }

    /// Asks it to commit now.
    pub fn commit(&self) -> Result<(), JsValue> {
        self.send(&ConsumerCommand::Commit)
    }

    /// Commits, leaves its group and ends the worker; resolves once the worker said so.
    pub async fn stop(&mut self) -> Result<(), JsValue> {
        self.send(&ConsumerCommand::Stop)?;
        for _ in 0..100 {
            if self.seen.borrow().stopped {
                self.bridge = None;
                return Ok(());
            }
            if let Some(message) = self.error() {
                return Err(js_error(message));
            }
            let _ = streamlab_workers::sleep(50).await;
        }
        Err(js_error("the consumer did not stop within 5 seconds"))
    }

    /// Ends the worker at once, as a crash would: no commit, no goodbye to its group.
    pub fn terminate(&mut self) {
        if let Some(bridge) = self.bridge.take() {
            bridge.terminate();
        }
    }

    fn send(&self, command: &ConsumerCommand) -> Result<(), JsValue> {
        match &self.bridge {
            Some(bridge) => bridge.send(command).map_err(js_error),
            None => Err(js_error("the consumer has stopped")),
        }
    }
}
