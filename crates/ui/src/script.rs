//! A small scripting API, for users' own scripts and for end-to-end tests. Trunk exposes it as
//! `window.wasmBindings`:
//!
//! ```js
//! await wasmBindings.create_topic('streamlab', 'orders', 3, 'kafka');
//! await wasmBindings.produce_with_workers('streamlab', 'orders', 2, 100, 'demo');
//! const rows = await wasmBindings.read_partition('streamlab', 'orders', 0); // [[offset, key, value], …]
//! ```

use futures::channel::mpsc;
use futures::StreamExt;
use gloo_worker::Spawnable;
use js_sys::Array;
use wasm_bindgen::prelude::*;

use streamlab_idb::IdbStore;
use streamlab_log::{
    Mode, PartitionId, PartitionScan, PartitionState, Record, Storage, TopicConfig, TopicName,
    TopicPartition,
};
use streamlab_protocol::{ProducerCommand, ProducerEvent, WireRecord};
use streamlab_workers::{ProducerWorker, WORKER_SCRIPT};

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
    let (tx, mut rx) = mpsc::unbounded::<ProducerEvent>();
    let bridges: Vec<_> = (0..workers)
        .map(|w| {
            let tx = tx.clone();
            let bridge = ProducerWorker::spawner()
                .as_module(false)
                .callback(move |event| {
                    let _ = tx.unbounded_send(event);
                })
                .spawn(WORKER_SCRIPT);
            for n in 0..requests {
                bridge.send(ProducerCommand::Produce {
                    request_id: u64::from(n),
                    db: db.clone(),
                    topic: topic.clone(),
                    records: vec![WireRecord {
                        key: Some(format!("{tag}-{w}")),
                        value: format!("{tag}-{w}-{n}"),
                    }],
                });
            }
            bridge
        })
        .collect();
    let mut acked = 0;
    for _ in 0..workers * requests {
        match rx.next().await {
            Some(ProducerEvent::Acked { acks, .. }) => acked += acks.len() as u32,
            Some(ProducerEvent::Generated { records, .. }) => acked += records as u32,
            Some(ProducerEvent::Failed { message, .. }) => return Err(js_error(message)),
            None => return Err(js_error("a producer worker stopped answering")),
        }
    }
    drop(bridges);
    Ok(acked)
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
    let (tx, mut rx) = mpsc::unbounded::<ProducerEvent>();
    let bridge = ProducerWorker::spawner()
        .as_module(false)
        .callback(move |event| {
            let _ = tx.unbounded_send(event);
        })
        .spawn(WORKER_SCRIPT);
    bridge.send(ProducerCommand::ProduceGenerated {
        request_id: 0,
        db,
        topic,
        batches,
        batch_size,
        value_bytes,
        key_prefix: "key-".into(),
    });
    let outcome = match rx.next().await {
        Some(ProducerEvent::Generated {
            records,
            elapsed_ms,
            ..
        }) => Ok(Array::of2(
            &JsValue::from_f64(records as f64),
            &JsValue::from_f64(elapsed_ms),
        )),
        Some(ProducerEvent::Failed { message, .. }) => Err(js_error(message)),
        Some(other) => Err(js_error(format!("unexpected reply {other:?}"))),
        None => Err(js_error("the producer worker stopped answering")),
    };
    drop(bridge);
    outcome
}

/// Opens `db` and finds partition `partition` of `topic`.
async fn open_partition(
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
async fn scan(
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

/// How much one read of a scan asks IndexedDB for: small enough that decoding one read overlaps
/// most of the next, large enough that the requests' fixed cost stays small.
const SCAN_READ_BYTES: usize = 8 << 20;

/// Reads one whole partition, decoding every record, and resolves with `[records,
/// elapsed_ms]`. (The benchmark's replay; the time covers the reads, not opening the database.)
#[wasm_bindgen]
pub async fn replay_partition(db: String, topic: String, partition: u32) -> Result<Array, JsValue> {
    let (store, tp, state) = open_partition(&db, &topic, partition).await?;
    let mut records = 0u64;
    let started = js_sys::Date::now();
    scan(&store, &tp, &state, &mut |batch| {
        records += batch.len() as u64
    })
    .await?;
    let elapsed = js_sys::Date::now() - started;
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
