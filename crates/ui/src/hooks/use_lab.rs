//! `use_lab`: one lab's store, producer worker, state and the operations on them.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use gloo_worker::{Spawnable, WorkerBridge};
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use streamlab_idb::IdbStore;
use streamlab_log::{
    fetch, CreateTopicError, FetchLimits, Mode, Offset, Storage, TopicConfig, TopicName,
    TopicPartition,
};
use streamlab_protocol::{ProducerCommand, ProducerEvent, WireRecord};
use streamlab_workers::{ProducerWorker, WORKER_SCRIPT};

use crate::state::{Action, LabState};
use crate::view::RecordRow;

/// How many of the newest records per partition the records table shows.
const RECENT_RECORDS: u64 = 50;

/// The most records one click may produce.
pub const MAX_PRODUCE_COUNT: u32 = 10_000;

/// A lab's state and what the user can do with it; shared through a context.
#[derive(Clone)]
pub struct LabHandle {
    /// The state to draw.
    pub state: UseReducerHandle<LabState>,
    revision: u64,
    db: AttrValue,
    producer: Rc<RefCell<Option<WorkerBridge<ProducerWorker>>>>,
    next_request: Rc<Cell<u64>>,
}

impl PartialEq for LabHandle {
    fn eq(&self, other: &Self) -> bool {
        // The handle always reads the newest state, so compare the revision it was made at.
        self.revision == other.revision && self.db == other.db
    }
}

impl LabHandle {
    /// Validates and creates a topic, then opens it.
    pub fn create_topic(&self, name: &str, partitions: &str, mode: &str) {
        let dispatch = self.state.dispatcher();
        let Some(mode) = Mode::parse(mode) else {
            dispatch.dispatch(Action::Error(format!("unknown mode '{mode}'")));
            return;
        };
        let count = match partitions.trim().parse::<u32>() {
            Ok(n) => n,
            Err(_) => {
                let what = match mode {
                    Mode::Kafka => "partitions",
                    Mode::Kinesis => "shards",
                };
                dispatch.dispatch(Action::Error(format!(
                    "'{partitions}' is not a number of {what}"
                )));
                return;
            }
        };
        let config = match TopicConfig::new(name.trim(), mode, count) {
            Ok(config) => config,
            Err(e) => {
                dispatch.dispatch(Action::Error(e.to_string()));
                return;
            }
        };
        let Some(store) = self.state.store.clone() else {
            dispatch.dispatch(Action::Error("the database is still opening".into()));
            return;
        };
        spawn_local(async move {
            match store.create_topic(&config).await {
                Ok(_) => {
                    dispatch.dispatch(Action::ClearError);
                    dispatch.dispatch(Action::OpenTopic(config.name().clone()));
                }
                Err(CreateTopicError::AlreadyExists(name)) => {
                    dispatch.dispatch(Action::Error(format!("topic '{name}' already exists")))
                }
                Err(e) => dispatch.dispatch(Action::Error(e.to_string())),
            }
        });
    }

    /// Opens a topic.
    pub fn open_topic(&self, name: TopicName) {
        self.state.dispatch(Action::OpenTopic(name));
    }

    /// Sends `count` records with `key` and `value` to the producer worker.
    pub fn produce(&self, key: &str, value: &str, count: &str) {
        let dispatch = self.state.dispatcher();
        let Some(topic) = self.state.open_topic.clone() else {
            dispatch.dispatch(Action::Error("open a topic first".into()));
            return;
        };
        let count = match count.trim().parse::<u32>() {
            Ok(n) if (1..=MAX_PRODUCE_COUNT).contains(&n) => n,
            _ => {
                dispatch.dispatch(Action::Error(format!(
                    "the count must be a whole number from 1 to {MAX_PRODUCE_COUNT}"
                )));
                return;
            }
        };
        let key = (!key.is_empty()).then(|| key.to_owned());
        let records = (0..count)
            .map(|_| WireRecord {
                key: key.clone(),
                value: value.to_owned(),
            })
            .collect();
        let request_id = self.next_request.get();
        self.next_request.set(request_id + 1);
        let producer = self.producer.borrow();
        let Some(bridge) = producer.as_ref() else {
            dispatch.dispatch(Action::Error("the producer worker is not running".into()));
            return;
        };
        dispatch.dispatch(Action::ProduceSent);
        bridge.send(ProducerCommand::Produce {
            request_id,
            db: self.db.to_string(),
            topic: topic.as_str().to_owned(),
            records,
        });
    }

    /// Dismisses the error.
    pub fn clear_error(&self) {
        self.state.dispatch(Action::ClearError);
    }
}

/// Opens the lab's database, starts its producer worker, and reloads the views whenever the log
/// changes.
#[hook]
pub fn use_lab(db: AttrValue) -> LabHandle {
    let state = use_reducer(LabState::default);
    let producer = use_mut_ref(|| None::<WorkerBridge<ProducerWorker>>);
    let next_request = use_memo((), |_| Cell::new(0u64));

    {
        let dispatch = state.dispatcher();
        let producer = Rc::clone(&producer);
        use_effect_with(db.clone(), move |db| {
            let on_event = {
                let dispatch = dispatch.clone();
                move |event: ProducerEvent| match event {
                    ProducerEvent::Acked { acks, .. } => dispatch.dispatch(Action::Produced(acks)),
                    ProducerEvent::Failed { message, .. } => {
                        dispatch.dispatch(Action::ProduceFailed(message))
                    }
                    // A generated run changed the log; its records are not listed one by one.
                    ProducerEvent::Generated { .. } => {
                        dispatch.dispatch(Action::Produced(Vec::new()))
                    }
                }
            };
            // Trunk builds the worker with wasm-bindgen's `no-modules` target: a classic worker.
            let bridge = ProducerWorker::spawner()
                .as_module(false)
                .callback(on_event)
                .spawn(WORKER_SCRIPT);
            *producer.borrow_mut() = Some(bridge);
            let db = db.to_string();
            spawn_local(async move {
                match IdbStore::open(&db).await {
                    Ok(store) => dispatch.dispatch(Action::StoreOpened(Rc::new(store))),
                    Err(e) => dispatch.dispatch(Action::Error(e.to_string())),
                }
            });
            move || {
                // Dropping the last bridge ends the worker.
                producer.borrow_mut().take();
            }
        });
    }

    {
        let dispatch = state.dispatcher();
        let store = state.store.clone();
        let open_topic = state.open_topic.clone();
        let generation = state.generation;
        use_effect_with(
            (generation, open_topic.clone(), store.is_some()),
            move |_| {
                if let Some(store) = store {
                    spawn_local(async move {
                        match load_views(&store, open_topic.as_ref()).await {
                            Ok((topics, records)) => dispatch.dispatch(Action::Loaded {
                                generation,
                                topics,
                                records,
                            }),
                            Err(message) => dispatch.dispatch(Action::Error(message)),
                        }
                    });
                }
            },
        );
    }

    LabHandle {
        revision: state.revision,
        state,
        db,
        producer,
        next_request,
    }
}

async fn load_views(
    store: &IdbStore,
    open_topic: Option<&TopicName>,
) -> Result<(Vec<streamlab_log::TopicMetadata>, Vec<RecordRow>), String> {
    let topics = store.list_topics().await.map_err(|e| e.to_string())?;
    let mut records = Vec::new();
    if let Some(topic) = open_topic.and_then(|name| topics.iter().find(|t| t.config.name() == name))
    {
        for partition in &topic.partitions {
            let from = partition.log_start_offset().max(Offset(
                partition.log_end_offset().0.saturating_sub(RECENT_RECORDS),
            ));
            let tp = TopicPartition::new(topic.config.name().clone(), partition.partition());
            let limits = FetchLimits {
                max_records: RECENT_RECORDS as usize,
                ..FetchLimits::default()
            };
            let fetched = fetch(store, &tp, from, limits)
                .await
                .map_err(|e| e.to_string())?;
            records.extend(
                fetched
                    .records
                    .iter()
                    .map(|r| RecordRow::new(partition.partition().0, r)),
            );
        }
    }
    Ok((topics, records))
}
