//! A small scripting API, for users' own scripts, the end-to-end tests and the benchmarks: a
//! bundle of its own, which the loader (`stream-lab.js`) fetches on demand and exposes as
//! `window.streamlab` and `await customElements.get('stream-lab').api`:
//!
//! ```js
//! await streamlab.create_topic('streamlab', 'orders', 3, 'kafka');
//! await streamlab.produce_with_workers('streamlab', 'orders', 2, 100, 'demo');
//! const rows = await streamlab.read_partition('streamlab', 'orders', 0); // [[offset, key, value], …]
//! ```
//!
//! The same bundle holds the lab's less used operations (`tools`: export, import, group resets,
//! cleanup, scenarios), which the lab calls on first use, so pages that only show labs never
//! download them. They are part of the API too: `await streamlab.export_topic('streamlab',
//! 'orders')` resolves with `[jsonLines, records]`.

#![deny(clippy::unwrap_used, clippy::expect_used)]

mod consumer;
mod lab_tool;
mod measure;

use measure::now_ms;
pub mod sql;
pub mod tools;

use std::rc::Rc;

use futures::channel::mpsc;
use futures::StreamExt;
use js_sys::Array;
use wasm_bindgen::prelude::*;

use streamlab_idb::IdbStore;
use streamlab_log::{
    Mode, PartitionId, PartitionScan, PartitionState, Record, Storage, TopicConfig, TopicName,
    TopicPartition,
};
use streamlab_protocol::{ProducerCommand, ProducerEvent, WireRecord};
use streamlab_workers::{PortError, ProducerBridge, WorkerRole};

/// Prepares this bundle's wasm: panics are reported on the console.
pub fn start() {
    console_error_panic_hook::set_once();
}

/// Where the release files are (the loader's own directory), so workers start from there.
#[wasm_bindgen]
pub fn set_script_base(url: &str) {
    streamlab_workers::set_script_base(url);
}

fn js_error(e: impl std::fmt::Display) -> JsValue {
    js_sys::Error::new(&e.to_string()).into()
}

/// Creates a topic: `mode` is `kafka` or `kinesis`.
#[wasm_bindgen]
pub async fn create_topic(
    db: String,
    name: String,
    partitions: u32,
    mode: String,
) -> Result<(), JsValue> {
    let mode = Mode::parse(&mode).ok_or_else(|| js_error(format!("unknown mode '{mode}'")))?;
    let config = TopicConfig::new(&name, mode, partitions).map_err(js_error)?;
    let store = IdbStore::open(&db).await.map_err(js_error)?;
    store.create_topic(&config).await.map_err(js_error)?;
    store.close();
    Ok(())
}

/// Starts `workers` producer Web Workers that each send `requests` one-record produce requests
/// to `topic` (key `<tag>-<worker>`, value `<tag>-<worker>-<n>`), all at once, and resolves with
/// the number of records acknowledged once every worker is done. The workers end afterwards.
#[wasm_bindgen]
pub async fn produce_with_workers(
    db: String,
    topic: String,
    workers: u32,
    requests: u32,
    tag: String,
) -> Result<u32, JsValue> {
    let (tx, mut rx) = mpsc::unbounded();
    let mut bridges = Vec::new();
    for w in 0..workers {
        let bridge = spawn_producer_into(tx.clone())?;
        for n in 0..requests {
            bridge
                .send(&ProducerCommand::Produce {
                    request_id: u64::from(n),
                    db: db.clone(),
                    topic: topic.clone(),
                    records: vec![WireRecord {
                        key: Some(format!("{tag}-{w}")),
                        value: format!("{tag}-{w}-{n}"),
                        ..WireRecord::default()
                    }],
                })
                .map_err(js_error)?;
        }
        bridges.push(bridge);
    }
    let mut acked = 0;
    for _ in 0..workers * requests {
        match next_event(&mut rx).await? {
            ProducerEvent::Acked { acks, .. } => acked += acks.len() as u32,
            ProducerEvent::Generated { records, .. } => acked += records as u32,
            ProducerEvent::Failed { message, .. } | ProducerEvent::Unreadable { message } => {
                return Err(js_error(message))
            }
            other => return Err(unexpected(&other)),
        }
    }
    drop(bridges);
    Ok(acked)
}

/// Sends `requests` produce requests of `per_request` records each (key `tag`, values
/// `<tag>-<request>-<i>`) to one producer worker, all at once, and terminates the worker the
/// moment `kill_after` requests have been acknowledged, as a crash would. Resolves with the
/// acknowledged records as `[[partition, offset, value], …]`. (The crash tests' producer.)
#[wasm_bindgen]
pub async fn produce_and_kill(
    db: String,
    topic: String,
    requests: u32,
    per_request: u32,
    tag: String,
    kill_after: u32,
) -> Result<Array, JsValue> {
    let (bridge, mut rx) = spawn_producer()?;
    for n in 0..requests {
        let records = (0..per_request)
            .map(|i| WireRecord {
                key: Some(tag.clone()),
                value: format!("{tag}-{n}-{i}"),
                ..WireRecord::default()
            })
            .collect();
        bridge
            .send(&ProducerCommand::Produce {
                request_id: u64::from(n),
                db: db.clone(),
                topic: topic.clone(),
                records,
            })
            .map_err(js_error)?;
    }
    let acked = Array::new();
    for _ in 0..kill_after.min(requests) {
        match next_event(&mut rx).await? {
            ProducerEvent::Acked { request_id, acks } => {
                for (i, ack) in acks.iter().enumerate() {
                    acked.push(&Array::of3(
                        &JsValue::from(ack.partition),
                        &JsValue::from_f64(ack.offset as f64),
                        &JsValue::from_str(&format!("{tag}-{request_id}-{i}")),
                    ));
                }
            }
            ProducerEvent::Failed { message, .. } | ProducerEvent::Unreadable { message } => {
                return Err(js_error(message))
            }
            other => return Err(unexpected(&other)),
        }
    }
    bridge.terminate();
    Ok(acked)
}

/// Producer workers that append until they are killed, reporting every acknowledged request.
/// (The crash tests' producers.)
///
/// ```js
/// const fleet = streamlab.start_producers('db', 'orders', 2, 5, 'trial-3', (ack) => log(ack));
/// // ack = [worker, request, partition, base_offset, count]; records of request r of worker w
/// // have key `trial-3-w` and values `trial-3-w-r-i` (i from 0), so a request is one batch.
/// fleet.kill(); // terminate() every worker at once, as a crash would
/// ```
#[wasm_bindgen]
pub struct ScriptProducers {
    workers: Vec<Rc<ProducerBridge>>,
}

#[wasm_bindgen]
impl ScriptProducers {
    /// Terminates every worker now; what they had not acknowledged is lost.
    pub fn kill(&mut self) {
        // Dropping the last handle on a bridge terminates its worker and ends its loop.
        self.workers.clear();
    }
}

/// Starts `workers` producer workers on `topic`; each keeps two requests of `per_request`
/// records in flight and calls `on_ack` with `[worker, request, partition, base_offset, count]`
/// for each acknowledged one, until killed, refused, or the page goes away.
#[wasm_bindgen]
pub fn start_producers(
    db: String,
    topic: String,
    workers: u32,
    per_request: u32,
    tag: String,
    on_ack: js_sys::Function,
) -> Result<ScriptProducers, JsValue> {
    let mut fleet = ScriptProducers {
        workers: Vec::new(),
    };
    for w in 0..workers {
        let (bridge, mut rx) = spawn_producer()?;
        let bridge = Rc::new(bridge);
        let weak = Rc::downgrade(&bridge);
        fleet.workers.push(bridge);
        let (db, topic, tag, on_ack) = (db.clone(), topic.clone(), tag.clone(), on_ack.clone());
        let request = move |n: u64| ProducerCommand::Produce {
            request_id: n,
            db: db.clone(),
            topic: topic.clone(),
            records: (0..per_request)
                .map(|i| WireRecord {
                    key: Some(format!("{tag}-{w}")),
                    value: format!("{tag}-{w}-{n}-{i}"),
                    ..WireRecord::default()
                })
                .collect(),
        };
        wasm_bindgen_futures::spawn_local(async move {
            let send = |n: u64| weak.upgrade().map(|b| b.send(&request(n)).is_ok());
            if send(0) != Some(true) || send(1) != Some(true) {
                return;
            }
            let mut next = 2;
            // Ends when the bridge is dropped (killed: no more events) or a request fails.
            while let Some(Ok(ProducerEvent::Acked { request_id, acks })) = rx.next().await {
                if let Some(first) = acks.first() {
                    let ack = [
                        f64::from(w),
                        request_id as f64,
                        f64::from(first.partition),
                        first.offset as f64,
                        acks.len() as f64,
                    ];
                    let row: Array = ack.iter().map(|v| JsValue::from_f64(*v)).collect();
                    let _ = on_ack.call1(&JsValue::NULL, &row);
                }
                if send(next) != Some(true) {
                    return;
                }
                next += 1;
            }
        });
    }
    Ok(fleet)
}

/// The offsets group `group` has committed on `topic`, as `[[partition, offset], …]`.
#[wasm_bindgen]
pub async fn committed_offsets(db: String, topic: String, group: String) -> Result<Array, JsValue> {
    let store = IdbStore::open(&db).await.map_err(js_error)?;
    let name = TopicName::new(&topic, Mode::Kafka).map_err(js_error)?;
    let group = streamlab_log::GroupId::new(&group).map_err(js_error)?;
    let committed = store
        .committed_offsets(&group, &name)
        .await
        .map_err(js_error);
    store.close();
    Ok(committed?
        .iter()
        .map(|(p, c)| Array::of2(&JsValue::from(p.0), &JsValue::from_f64(c.offset.0 as f64)))
        .collect())
}

type ProducerEvents = mpsc::UnboundedReceiver<Result<ProducerEvent, PortError>>;

/// Starts a producer worker whose events arrive on the returned receiver.
fn spawn_producer() -> Result<(ProducerBridge, ProducerEvents), JsValue> {
    let (tx, rx) = mpsc::unbounded();
    Ok((spawn_producer_into(tx)?, rx))
}

/// Starts a producer worker whose events go to `tx`.
fn spawn_producer_into(
    tx: mpsc::UnboundedSender<Result<ProducerEvent, PortError>>,
) -> Result<ProducerBridge, JsValue> {
    ProducerBridge::spawn(WorkerRole::Producer, move |event| {
        let _ = tx.unbounded_send(event);
    })
    .map_err(js_error)
}

/// The error for an event a script did not ask for.
fn unexpected(event: &ProducerEvent) -> JsValue {
    js_error(format!(
        "unexpected reply from the producer worker: {event:?}"
    ))
}

/// The next event of a producer run, or why there is none.
async fn next_event(rx: &mut ProducerEvents) -> Result<ProducerEvent, JsValue> {
    match rx.next().await {
        Some(Ok(event)) => Ok(event),
        Some(Err(e)) => Err(js_error(e)),
        None => Err(js_error("a producer worker stopped answering")),
    }
}

/// Runs a producer worker that generates `batches` requests of `batch_size` records with values
/// of `value_bytes` bytes and appends them as fast as the store takes them; resolves with
/// `[records, elapsed_ms]` as measured inside the worker. (The benchmark's producer.)
#[wasm_bindgen]
pub async fn produce_generated(
    db: String,
    topic: String,
    batches: u32,
    batch_size: u32,
    value_bytes: u32,
) -> Result<Array, JsValue> {
    let (bridge, mut rx) = spawn_producer()?;
    bridge
        .send(&ProducerCommand::ProduceGenerated {
            request_id: 0,
            db,
            topic,
            batches,
            batch_size,
            value_bytes,
            key_prefix: "key-".into(),
        })
        .map_err(js_error)?;
    match next_event(&mut rx).await? {
        ProducerEvent::Generated {
            records,
            elapsed_ms,
            ..
        } => Ok(Array::of2(
            &JsValue::from_f64(records as f64),
            &JsValue::from_f64(elapsed_ms),
        )),
        ProducerEvent::Failed { message, .. } | ProducerEvent::Unreadable { message } => {
            Err(js_error(message))
        }
        other => Err(unexpected(&other)),
    }
}

/// Opens `db` and finds partition `partition` of `topic`.
pub(crate) async fn open_partition(
    db: &str,
    topic: &str,
    partition: u32,
) -> Result<(IdbStore, TopicPartition, PartitionState), JsValue> {
    let store = IdbStore::open(db).await.map_err(js_error)?;
    let name = TopicName::new(topic, Mode::Kafka).map_err(js_error)?;
    let tp = TopicPartition::new(name, PartitionId(partition));
    let state = store
        .partition_state(&tp)
        .await
        .map_err(js_error)?
        .ok_or_else(|| js_error(format!("unknown topic or partition {tp}")))?;
    Ok((store, tp, state))
}

/// Reads the whole partition (as it was when `state` was read), handing each read's records to
/// `each`.
pub(crate) async fn scan(
    store: &IdbStore,
    tp: &TopicPartition,
    state: &PartitionState,
    each: &mut dyn FnMut(&[Record]),
) -> Result<(), JsValue> {
    let (start, end) = (state.log_start_offset(), state.log_end_offset());
    let mut scan = PartitionScan::new(store, tp.clone(), start, end, SCAN_READ_BYTES);
    while let Some(records) = scan.next().await.map_err(js_error)? {
        each(&records);
    }
    Ok(())
}

/// How much one read of a scan asks IndexedDB for (its records are held at once; within a read
/// the store hands batches over in groups, decoded while the next groups are fetched).
const SCAN_READ_BYTES: usize = 8 << 20;

/// Reads one whole partition, decoding every record, and resolves with `[records,
/// elapsed_ms]`. (The benchmark's replay; the time covers the reads, not opening the database.)
#[wasm_bindgen]
pub async fn replay_partition(db: String, topic: String, partition: u32) -> Result<Array, JsValue> {
    let (store, tp, state) = open_partition(&db, &topic, partition).await?;
    let mut records = 0u64;
    let started = now_ms();
    scan(&store, &tp, &state, &mut |batch| {
        records += batch.len() as u64
    })
    .await?;
    let elapsed = now_ms() - started;
    store.close();
    Ok(Array::of2(
        &JsValue::from_f64(records as f64),
        &JsValue::from_f64(elapsed),
    ))
}

/// Every record of one partition as `[offset, key, value]` rows (text), in offset order.
#[wasm_bindgen]
pub async fn read_partition(db: String, topic: String, partition: u32) -> Result<Array, JsValue> {
    let (store, tp, state) = open_partition(&db, &topic, partition).await?;
    let rows = Array::new();
    let text = |b: Option<&[u8]>| {
        b.map_or(JsValue::NULL, |b| {
            String::from_utf8_lossy(b).into_owned().into()
        })
    };
    scan(&store, &tp, &state, &mut |batch| {
        for r in batch {
            let offset = JsValue::from_f64(r.offset().0 as f64);
            rows.push(&Array::of3(&offset, &text(r.key()), &text(r.value())));
        }
    })
    .await?;
    store.close();
    Ok(rows)
}
