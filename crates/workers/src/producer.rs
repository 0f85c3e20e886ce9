//! The producer worker.

use std::cell::{Cell, RefCell};
use std::collections::{HashMap, VecDeque};
use std::rc::Rc;

use futures::channel::mpsc;
use wasm_bindgen_futures::spawn_local;

use streamlab_idb::IdbStore;
use streamlab_log::{
    produce, produce_to_overlapped, KeylessPartitioner, Mode, ProduceRecord, RecordData, Storage,
    Target, Timestamp, TopicName,
};
use streamlab_protocol::{log_channel, ProduceAck, ProducerCommand, ProducerEvent};

use crate::port::{Responder, Served, WorkerBridge};
use crate::run::{run, RunControl, RunRequest};
use crate::{now_ms, Failure};

/// The page's handle on a producer worker.
pub type ProducerBridge = WorkerBridge<ProducerCommand, ProducerEvent>;

/// Appends what the UI asks for and acknowledges each record with its partition and offset.
///
/// Requests are handled one at a time, in the order they arrive: a producer's records keep its
/// order in every partition, as a Kafka producer's do with one request in flight.
#[derive(Default)]
pub struct ProducerWorker {
    stores: Rc<RefCell<HashMap<String, Rc<IdbStore>>>>,
    keyless: Rc<KeylessPartitioner>,
    queue: Rc<RefCell<VecDeque<ProducerCommand>>>,
    draining: Rc<Cell<bool>>,
    /// Running runs, by id: how to tell each to pause, resume or stop.
    runs: Rc<RefCell<HashMap<u64, mpsc::UnboundedSender<RunControl>>>>,
}

impl Served for ProducerWorker {
    type Command = ProducerCommand;
    type Event = ProducerEvent;

    fn unreadable(message: String) -> ProducerEvent {
        ProducerEvent::Unreadable { message }
    }

    fn received(&mut self, command: ProducerCommand, responder: &Rc<Responder<ProducerEvent>>) {
        // Runs go on their own, beside the request queue; their controls take effect at once.
        let control = match command {
            ProducerCommand::StartRun {
                run_id,
                db,
                topic,
                spec,
            } => {
                self.start_run(
                    RunRequest {
                        run_id,
                        db,
                        topic,
                        spec,
                    },
                    responder,
                );
                return;
            }
            ProducerCommand::PauseRun { run_id } => Some((run_id, RunControl::Pause)),
            ProducerCommand::ResumeRun { run_id } => Some((run_id, RunControl::Resume)),
            ProducerCommand::StopRun { run_id } => Some((run_id, RunControl::Stop)),
            ProducerCommand::SetRunRate { run_id, rate } => {
                Some((run_id, RunControl::SetRate(rate)))
            }
            _ => None,
        };
        if let Some((run_id, control)) = control {
            let sent = self
                .runs
                .borrow()
                .get(&run_id)
                .is_some_and(|tx| tx.unbounded_send(control).is_ok());
            if !sent {
                responder.respond(&ProducerEvent::RunEnded {
                    run_id,
                    sent: 0,
                    error: Some(format!("there is no run {run_id} in this producer")),
                    storage_full: false,
                });
            }
            return;
        }
        self.queue.borrow_mut().push_back(command);
        if self.draining.replace(true) {
            return; // the running drain will get to it
        }
        let (queue, draining) = (Rc::clone(&self.queue), Rc::clone(&self.draining));
        let (stores, keyless, responder) = (
            Rc::clone(&self.stores),
            Rc::clone(&self.keyless),
            Rc::clone(responder),
        );
        spawn_local(async move {
            loop {
                let next = queue.borrow_mut().pop_front();
                let Some(command) = next else { break };
                let event = handle(&stores, &keyless, command).await;
                responder.respond(&event);
            }
            draining.set(false);
        });
    }
}

impl ProducerWorker {
    fn start_run(&mut self, request: RunRequest, responder: &Rc<Responder<ProducerEvent>>) {
        let run_id = request.run_id;
        if self.runs.borrow().contains_key(&run_id) {
            responder.respond(&ProducerEvent::RunEnded {
                run_id,
                sent: 0,
                error: Some(format!("run {run_id} is already running")),
                storage_full: false,
            });
            return;
        }
        let (tx, rx) = mpsc::unbounded();
        self.runs.borrow_mut().insert(run_id, tx);
        let (stores, keyless, runs, responder) = (
            Rc::clone(&self.stores),
            Rc::clone(&self.keyless),
            Rc::clone(&self.runs),
            Rc::clone(responder),
        );
        spawn_local(async move {
            run(&stores, &keyless, request, rx, &|event| {
                responder.respond(&event)
            })
            .await;
            runs.borrow_mut().remove(&run_id);
        });
    }
}

async fn handle(
    stores: &RefCell<HashMap<String, Rc<IdbStore>>>,
    keyless: &KeylessPartitioner,
    command: ProducerCommand,
) -> ProducerEvent {
    match command {
        ProducerCommand::Produce {
            request_id,
            db,
            topic,
            records,
        } => match produce_request(stores, keyless, &db, &topic, &records).await {
            Ok(acks) => ProducerEvent::Acked { request_id, acks },
            Err(Failure {
                message,
                storage_full,
            }) => ProducerEvent::Failed {
                request_id,
                message,
                storage_full,
            },
        },
        ProducerCommand::ProduceGenerated {
            request_id,
            db,
            topic,
            batches,
            batch_size,
            value_bytes,
            key_prefix,
        } => {
            let load = Load {
                batches,
                batch_size,
                value_bytes,
                key_prefix,
            };
            match produce_generated(stores, keyless, &db, &topic, &load).await {
                Ok((records, elapsed_ms)) => ProducerEvent::Generated {
                    request_id,
                    records,
                    elapsed_ms,
                },
                Err(message) => ProducerEvent::Failed {
                    request_id,
                    message,
                    storage_full: false,
                },
            }
        }
        // `received` hands these to their runs; none is ever queued.
        ProducerCommand::StartRun { .. }
        | ProducerCommand::PauseRun { .. }
        | ProducerCommand::ResumeRun { .. }
        | ProducerCommand::SetRunRate { .. }
        | ProducerCommand::StopRun { .. } => ProducerEvent::Unreadable {
            message: "a run command reached the request queue".into(),
        },
    }
}

/// A generated load.
struct Load {
    batches: u32,
    batch_size: u32,
    value_bytes: u32,
    key_prefix: String,
}

async fn produce_generated(
    stores: &RefCell<HashMap<String, Rc<IdbStore>>>,
    keyless: &KeylessPartitioner,
    db: &str,
    topic: &str,
    load: &Load,
) -> Result<(u64, f64), String> {
    let topic = TopicName::new(topic, Mode::Kafka).map_err(|e| e.to_string())?;
    let store = store_for(stores, db).await?;
    let metadata = store
        .describe_topic(&topic)
        .await
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("topic '{topic}' does not exist"))?;
    let mut records = 0u64;
    let started = now_ms();
    // The timing covers building each batch too, as a producer's send does. Like a Kafka
    // producer, it builds the next batch while the previous one is being stored: while
    // IndexedDB commits it.
    let mut batch = load.batch(0);
    for b in 0..load.batches {
        let now = Timestamp(js_sys::Date::now() as i64);
        let build_next = || (b + 1 < load.batches).then(|| load.batch(b + 1));
        let (acks, next) =
            produce_to_overlapped(store.as_ref(), &metadata, &batch, keyless, now, build_next)
                .await;
        let acks = acks.map_err(|e| e.to_string())?;
        records += acks.len() as u64;
        announce(db, topic.as_str());
        match next {
            Some(next) => batch = next,
            None => break,
        }
    }
    Ok((records, now_ms() - started))
}

impl Load {
    /// Batch `b`: records numbered from `b · batch_size`, keyed `<prefix><n mod 1000>`, with a
    /// JSON value `{"n":N,"pad":"xx…"}` padded to `value_bytes` (longer when that is too short
    /// for the object).
    fn batch(&self, b: u32) -> Vec<ProduceRecord> {
        (0..self.batch_size)
            .map(|i| {
                let n = u64::from(b) * u64::from(self.batch_size) + u64::from(i);
                let mut value = format!("{{\"n\":{n},\"pad\":\"").into_bytes();
                let padded = (self.value_bytes as usize)
                    .saturating_sub(2)
                    .max(value.len());
                value.resize(padded, b'x');
                value.extend_from_slice(b"\"}");
                ProduceRecord {
                    data: RecordData {
                        key: Some(format!("{}{}", self.key_prefix, n % 1000).into_bytes()),
                        value: Some(value),
                        headers: Vec::new(),
                        timestamp: None,
                    },
                    target: Target::ByKey,
                }
            })
            .collect()
    }
}

/// Tells every consumer and dashboard of database `db` that `topic` grew.
pub(crate) fn announce(db: &str, topic: &str) {
    thread_local! {
        static CHANNELS: RefCell<HashMap<String, web_sys::BroadcastChannel>> = RefCell::default();
    }
    CHANNELS.with(|channels| {
        let mut channels = channels.borrow_mut();
        if !channels.contains_key(db) {
            match web_sys::BroadcastChannel::new(&log_channel(db)) {
                Ok(channel) => {
                    channels.insert(db.to_owned(), channel);
                }
                // Without BroadcastChannel, consumers still see the records on their next read.
                Err(_) => return,
            }
        }
        if let Some(channel) = channels.get(db) {
            let _ = channel.post_message(&topic.into());
        }
    });
}

pub(crate) async fn store_for(
    stores: &RefCell<HashMap<String, Rc<IdbStore>>>,
    db: &str,
) -> Result<Rc<IdbStore>, String> {
    if let Some(store) = stores.borrow().get(db) {
        return Ok(Rc::clone(store));
    }
    let store = Rc::new(IdbStore::open(db).await.map_err(|e| e.to_string())?);
    stores.borrow_mut().insert(db.to_owned(), Rc::clone(&store));
    Ok(store)
}

async fn produce_request(
    stores: &RefCell<HashMap<String, Rc<IdbStore>>>,
    keyless: &KeylessPartitioner,
    db: &str,
    topic: &str,
    records: &[streamlab_protocol::WireRecord],
) -> Result<Vec<ProduceAck>, Failure> {
    // Either mode's charset check suffices to look the topic up; the topic's own mode rules
    // were applied when it was created.
    let topic = TopicName::new(topic, Mode::Kafka).map_err(|e| e.to_string())?;
    let store = store_for(stores, db).await?;
    let to_produce: Vec<ProduceRecord> = records.iter().map(|r| r.to_produce_record()).collect();
    let now = Timestamp(js_sys::Date::now() as i64);
    let metadata = produce(store.as_ref(), &topic, &to_produce, keyless, now)
        .await
        .map_err(|e| Failure::of_produce(&e))?;
    announce(db, topic.as_str());
    Ok(records
        .iter()
        .zip(&metadata)
        .map(|(r, m)| ProduceAck::from_metadata(r.key.clone(), m))
        .collect())
}
