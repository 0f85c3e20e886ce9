//! Streaming SQL from a script, through the database's processor worker (one per database and
//! page, started on first use), plus record-level `produce` and `read` in the terms the SQL
//! tests use:
//!
//! ```js
//! await streamlab.sql('streamlab', "CREATE STREAM orders (id STRING KEY, customer STRING) WITH (kafka_topic='orders', value_format='JSON', partitions=1);");
//! await streamlab.produce('streamlab', 'orders', [{ key: 'o1', value: '{"customer":"alice"}', timestamp: 1000 }]);
//! await streamlab.await_queries('streamlab');
//! const rows = await streamlab.read('streamlab', 'ORDERS', 0); // [{ offset, key, value, timestamp, headers }]
//! ```

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use futures::channel::oneshot;
use js_sys::{Array, Object, Reflect};
use wasm_bindgen::prelude::*;

use streamlab_idb::IdbStore;
use streamlab_log::{
    produce as produce_records, Header, KeylessPartitioner, Mode, PartitionId, ProduceRecord,
    Target, Timestamp, TopicName,
};
use streamlab_protocol::processor::{ProcessorCommand, ProcessorEvent, QueryStatus, SqlOutcome};
use streamlab_workers::{ProcessorBridge, WorkerRole};

use crate::{js_error, open_partition, scan};

type Waiter = oneshot::Sender<Result<ProcessorEvent, String>>;

/// A database's processor worker and the requests waiting for its answers.
struct Handle {
    bridge: ProcessorBridge,
    waiting: Rc<RefCell<HashMap<u64, Waiter>>>,
    next: u64,
}

thread_local! {
    static PROCESSORS: RefCell<HashMap<String, Handle>> = RefCell::default();
}

fn handle_for(db: &str) -> Result<(), JsValue> {
    PROCESSORS.with(|p| {
        let mut processors = p.borrow_mut();
        if processors.contains_key(db) {
            return Ok(());
        }
        let waiting: Rc<RefCell<HashMap<u64, Waiter>>> = Rc::default();
        let routed = Rc::clone(&waiting);
        let bridge = ProcessorBridge::spawn(WorkerRole::Processor, move |event| {
            let mut waiting = routed.borrow_mut();
            let request = match &event {
                Ok(ProcessorEvent::Results { request, .. })
                | Ok(ProcessorEvent::Idle { request, .. }) => Some(*request),
                Ok(ProcessorEvent::Failed { request, .. }) => *request,
                _ => None,
            };
            match (request, event) {
                (Some(r), event) => {
                    if let Some(w) = waiting.remove(&r) {
                        let _ = w.send(event.map_err(|e| e.to_string()));
                    }
                }
                // A failure of the worker itself fails every request waiting on it.
                (None, Ok(ProcessorEvent::Failed { message, .. }))
                | (None, Err(streamlab_workers::PortError::Post(message))) => {
                    for (_, w) in waiting.drain() {
                        let _ = w.send(Err(message.clone()));
                    }
                }
                (None, Err(e)) => {
                    for (_, w) in waiting.drain() {
                        let _ = w.send(Err(e.to_string()));
                    }
                }
                _ => {}
            }
        })
        .map_err(js_error)?;
        bridge
            .send(&ProcessorCommand::Start { db: db.to_owned() })
            .map_err(js_error)?;
        processors.insert(
            db.to_owned(),
            Handle {
                bridge,
                waiting,
                next: 1,
            },
        );
        Ok(())
    })
}

/// Sends a command made for a fresh request number and waits for its answer.
async fn ask(
    db: &str,
    command: impl FnOnce(u64) -> ProcessorCommand,
) -> Result<ProcessorEvent, JsValue> {
    handle_for(db)?;
    let rx = PROCESSORS.with(|p| {
        let mut processors = p.borrow_mut();
        let handle = processors
            .get_mut(db)
            .ok_or_else(|| js_error("the processor worker is gone"))?;
        let request = handle.next;
        handle.next += 1;
        let (tx, rx) = oneshot::channel();
        handle.waiting.borrow_mut().insert(request, tx);
        handle.bridge.send(&command(request)).map_err(js_error)?;
        Ok::<_, JsValue>(rx)
    })?;
    match rx.await {
        Ok(Ok(event)) => Ok(event),
        Ok(Err(message)) => Err(js_error(message)),
        Err(_) => Err(js_error("the processor worker stopped answering")),
    }
}

fn set(obj: &Object, key: &str, value: &JsValue) {
    let _ = Reflect::set(obj, &key.into(), value);
}

fn outcome_to_js(o: &SqlOutcome) -> JsValue {
    let obj = Object::new();
    set(&obj, "statement", &o.statement.as_str().into());
    set(&obj, "ok", &o.ok.into());
    set(&obj, "message", &o.message.as_str().into());
    set(
        &obj,
        "query_id",
        &o.query_id.as_deref().map_or(JsValue::NULL, Into::into),
    );
    if let Some(rows) = &o.rows {
        let list = Array::new();
        for row in rows {
            let r = Object::new();
            for (name, json) in row {
                let value = js_sys::JSON::parse(json).unwrap_or_else(|_| json.as_str().into());
                set(&r, name, &value);
            }
            list.push(&r);
        }
        set(&obj, "rows", &list);
    }
    obj.into()
}

fn query_to_js(q: &QueryStatus) -> JsValue {
    let obj = Object::new();
    set(&obj, "query_id", &q.id.as_str().into());
    set(&obj, "sink", &q.sink.as_str().into());
    set(&obj, "statement", &q.text.as_str().into());
    set(&obj, "records_in", &(q.records_in as f64).into());
    set(&obj, "records_out", &(q.records_out as f64).into());
    set(&obj, "records_skipped", &(q.records_skipped as f64).into());
    set(&obj, "state", &q.state.as_str().into());
    set(&obj, "lag", &(q.lag as f64).into());
    let error = q.error.as_deref().map_or(JsValue::NULL, JsValue::from_str);
    set(&obj, "error", &error);
    obj.into()
}

/// Runs one or more statements in the database's processor; resolves with one result per
/// statement run: `{ statement, ok, message, query_id }`, plus `rows` for a pull query.
#[wasm_bindgen]
pub async fn sql(db: String, text: String) -> Result<Array, JsValue> {
    Ok(run_sql(&db, text)
        .await?
        .iter()
        .map(outcome_to_js)
        .collect())
}

/// Runs statements in the database's processor: one outcome per statement run.
pub(crate) async fn run_sql(db: &str, text: String) -> Result<Vec<SqlOutcome>, JsValue> {
    match ask(db, |request| ProcessorCommand::Sql { request, text }).await? {
        ProcessorEvent::Results { results, .. } => Ok(results),
        other => Err(js_error(format!(
            "unexpected reply from the processor: {other:?}"
        ))),
    }
}

/// Resolves once no running persistent query has anything left to read (every input, other
/// queries' sinks included, read to its end), with the queries and their counts.
#[wasm_bindgen]
pub async fn await_queries(db: String) -> Result<Array, JsValue> {
    Ok(queries_idle(&db).await?.iter().map(query_to_js).collect())
}

/// Resolves, once no running query has anything left to read, with the bytes of the database's
/// processor worker's WebAssembly memory (what `make bench` reports).
#[wasm_bindgen]
pub async fn processor_memory_bytes(db: String) -> Result<f64, JsValue> {
    Ok(idle(&db).await?.1 as f64)
}

/// Waits until no running query has anything left to read; the queries.
pub(crate) async fn queries_idle(db: &str) -> Result<Vec<QueryStatus>, JsValue> {
    Ok(idle(db).await?.0)
}

async fn idle(db: &str) -> Result<(Vec<QueryStatus>, u64), JsValue> {
    match ask(db, |request| ProcessorCommand::AwaitIdle { request }).await? {
        ProcessorEvent::Idle {
            queries,
            memory_bytes,
            ..
        } => Ok((queries, memory_bytes)),
        other => Err(js_error(format!(
            "unexpected reply from the processor: {other:?}"
        ))),
    }
}

fn field(obj: &JsValue, name: &str) -> JsValue {
    Reflect::get(obj, &name.into()).unwrap_or(JsValue::UNDEFINED)
}

fn text_or_null(v: &JsValue, what: &str, i: u32) -> Result<Option<Vec<u8>>, JsValue> {
    if v.is_null() || v.is_undefined() {
        return Ok(None);
    }
    v.as_string()
        .map(|s| Some(s.into_bytes()))
        .ok_or_else(|| js_error(format!("records[{i}].{what} must be a string or null")))
}

/// Appends records (`{ key, value, timestamp, headers, partition }`: key and value strings or
/// null, timestamp in ms, headers an object of strings, partition to bypass the partitioner)
/// to a Kafka-mode topic; resolves with `{ partition, offset }` per record, in order. The
/// database's processor is told, so its queries read them at once.
#[wasm_bindgen]
pub async fn produce(db: String, topic: String, records: Array) -> Result<Array, JsValue> {
    let name = TopicName::new(&topic, Mode::Kafka).map_err(js_error)?;
    let mut batch = Vec::with_capacity(records.length() as usize);
    for (i, r) in records.iter().enumerate() {
        let i = i as u32;
        let mut record = ProduceRecord::new(None, "");
        record.data.key = text_or_null(&field(&r, "key"), "key", i)?;
        record.data.value = text_or_null(&field(&r, "value"), "value", i)?;
        let ts = field(&r, "timestamp");
        if let Some(ms) = ts.as_f64() {
            record.data.timestamp = Some(Timestamp(ms as i64));
        }
        let headers = field(&r, "headers");
        if headers.is_object() {
            for key in Object::keys(headers.unchecked_ref::<Object>()).iter() {
                let k = key.as_string().unwrap_or_default();
                let v = text_or_null(&field(&headers, &k), "headers", i)?;
                record.data.headers.push(Header { key: k, value: v });
            }
        }
        if let Some(p) = field(&r, "partition").as_f64() {
            record.target = Target::Partition(PartitionId(p as u32));
        }
        batch.push(record);
    }
    let store = IdbStore::open(&db).await.map_err(js_error)?;
    let now = Timestamp(js_sys::Date::now() as i64);
    let acks = produce_records(&store, &name, &batch, &KeylessPartitioner::new(), now)
        .await
        .map_err(js_error);
    store.close();
    let acks = acks?;
    streamlab_workers::announce_append(&db, &topic);
    Ok(acks
        .iter()
        .map(|a| {
            let obj = Object::new();
            set(&obj, "partition", &a.partition.0.into());
            set(&obj, "offset", &(a.offset.0 as f64).into());
            JsValue::from(obj)
        })
        .collect())
}

/// Every record of one partition: `{ offset, key, value, timestamp, headers }` (a tombstone's
/// value is null; headers an object of strings).
#[wasm_bindgen]
pub async fn read(db: String, topic: String, partition: u32) -> Result<Array, JsValue> {
    let (store, tp, state) = open_partition(&db, &topic, partition).await?;
    let rows = Array::new();
    let text = |b: Option<&[u8]>| {
        b.map_or(JsValue::NULL, |b| {
            String::from_utf8_lossy(b).into_owned().into()
        })
    };
    let outcome = scan(&store, &tp, &state, &mut |batch| {
        for r in batch {
            let obj = Object::new();
            set(&obj, "offset", &(r.offset().0 as f64).into());
            set(&obj, "key", &text(r.key()));
            set(&obj, "value", &text(r.value()));
            set(&obj, "timestamp", &(r.timestamp().0 as f64).into());
            let headers = Object::new();
            for h in r.headers() {
                set(&headers, &h.key, &text(h.value.as_deref()));
            }
            set(&obj, "headers", &headers);
            rows.push(&obj);
        }
    })
    .await;
    store.close();
    outcome?;
    Ok(rows)
}

/// Terminates the database's processor worker at once, wherever it is, as a crash would (the
/// step it was in never commits); the next `sql` or `await_queries` starts a new one.
#[wasm_bindgen]
pub fn kill_processor(db: String) {
    // Dropping the bridge terminates the worker.
    PROCESSORS.with(|p| drop(p.borrow_mut().remove(&db)));
}

/// Stops the database's processor worker (it finishes its step, then ends).
#[wasm_bindgen]
pub fn stop_processor(db: String) {
    PROCESSORS.with(|p| {
        if let Some(handle) = p.borrow_mut().remove(&db) {
            let _ = handle.bridge.send(&ProcessorCommand::Stop);
        }
    });
}
