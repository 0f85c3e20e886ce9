//! `use_lab`: one lab's store, producer worker, state and the operations on them.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;

use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use js_sys::{Array, Reflect};
use streamlab_idb::IdbStore;
use streamlab_log::{
    add_partitions, merge_shards, resolve_position, split_shard, truncate_partition, BatchLookup,
    CleanupPolicy, CorruptBatch, CreateTopicError, FetchError, HashKey, Mode, Offset,
    OffsetResetPolicy, Pacer, PartitionId, PartitionScan, PartitionState, Position, ReshardError,
    SequenceNumber, Storage, TableView, Timestamp, TopicConfig, TopicMetadata, TopicName,
    TopicPartition, ValueTemplate,
};
use streamlab_protocol::{
    log_channel, ConsumerCommand, ConsumerEvent, ProducerCommand, ProducerEvent, RunSpec,
    WireKeyPattern, WirePosition, WireRecord, WireTarget,
};
use streamlab_workers::{ConsumerBridge, PortError, ProducerBridge, WorkerRole};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};

use crate::state::{
    Action, ConsumerView, ImportView, InspectedBatch, LabState, RecordsQuery, RunStatus, RunView,
    ScenarioView,
};
use crate::tools;
use crate::view::RecordRow;

/// How many of the newest records per partition the records table shows.
const RECENT_RECORDS: u64 = 50;
/// The shortest time between two reloads of the views caused by producers' notices.
const RELOAD_INTERVAL_MS: i32 = 150;
/// How long a stopping consumer may take to commit and end its worker before it is ended.
const STOP_GRACE_MS: i32 = 5_000;

/// The most records one click may produce.
pub const MAX_PRODUCE_COUNT: u32 = 10_000;

/// A lab's state and what the user can do with it; shared through a context.
#[derive(Clone)]
pub struct LabHandle {
    /// The state to draw.
    pub state: UseReducerHandle<LabState>,
    revision: u64,
    db: AttrValue,
    producer: Rc<RefCell<Option<ProducerBridge>>>,
    next_request: Rc<Cell<u64>>,
    consumers: Rc<RefCell<HashMap<u32, ConsumerBridge>>>,
    next_consumer: Rc<Cell<u32>>,
    runs: Rc<RefCell<HashMap<u64, ProducerBridge>>>,
    next_run: Rc<Cell<u64>>,
    import_bridge: Rc<RefCell<Option<ImportJob>>>,
    /// False once the lab is unmounted (a scenario under way stops at its next step).
    mounted: Rc<Cell<bool>>,
}

impl PartialEq for LabHandle {
    fn eq(&self, other: &Self) -> bool {
        // The handle always reads the newest state, so compare the revision it was made at.
        self.revision == other.revision && self.db == other.db
    }
}

impl LabHandle {
    /// Validates and creates a topic, then opens it.
    pub fn create_topic(&self, form: &TopicForm) {
        let (name, partitions, mode) = (
            form.name.as_str(),
            form.partitions.as_str(),
            form.mode.as_str(),
        );
        let dispatch = self.state.dispatcher();
        let Some(mode) = Mode::parse(mode) else {
            dispatch.dispatch(Action::FieldError("mode", format!("unknown mode '{mode}'")));
            return;
        };
        let count = match partitions.trim().parse::<u32>() {
            Ok(n) => n,
            Err(_) => {
                let what = match mode {
                    Mode::Kafka => "partitions",
                    Mode::Kinesis => "shards",
                };
                dispatch.dispatch(Action::FieldError(
                    "partitions",
                    format!("'{partitions}' is not a number of {what}"),
                ));
                return;
            }
        };
        let config = match topic_config(name.trim(), mode, count, form) {
            Ok(config) => config,
            Err((field, message)) => {
                dispatch.dispatch(Action::FieldError(field, message));
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
                Err(CreateTopicError::AlreadyExists(name)) => dispatch.dispatch(
                    Action::FieldError("name", format!("topic '{name}' already exists")),
                ),
                Err(e) => dispatch.dispatch(Action::Error(e.to_string())),
            }
        });
    }

    /// Runs a change to the open topic's partitions (split, merge, add) and reports refusals.
    fn update_open_topic(
        &self,
        update: impl Fn(&TopicMetadata) -> Result<TopicMetadata, ReshardError> + 'static,
    ) {
        let dispatch = self.state.dispatcher();
        let (Some(store), Some(topic)) = (self.state.store.clone(), self.state.open_topic.clone())
        else {
            return;
        };
        spawn_local(async move {
            match store.update_topic(&topic, &update).await {
                Ok(_) => {
                    dispatch.dispatch(Action::ClearError);
                    dispatch.dispatch(Action::LogChanged);
                }
                Err(e) => dispatch.dispatch(Action::Error(e.to_string())),
            }
        });
    }

    /// Splits an open shard at the middle of its hash-key range (SplitShard).
    pub fn split_shard(&self, shard: PartitionId, at: HashKey) {
        self.update_open_topic(move |m| split_shard(m, shard, at));
    }

    /// Merges two adjacent open shards (MergeShards).
    pub fn merge_shards(&self, shard: PartitionId, adjacent: PartitionId) {
        self.update_open_topic(move |m| merge_shards(m, shard, adjacent));
    }

    /// Adds one partition to the open Kafka topic.
    pub fn add_partition(&self) {
        self.update_open_topic(|m| add_partitions(m, m.partitions.len() as u32 + 1));
    }

    /// The open topic's metadata as last read.
    fn open_metadata(&self) -> Option<TopicMetadata> {
        let name = self.state.open_topic.as_ref()?;
        self.state
            .topics
            .iter()
            .find(|t| t.config.name() == name)
            .cloned()
    }

    /// The store, the open topic and its partition count, when both are there.
    fn open_topic_in_store(&self) -> Option<(Rc<IdbStore>, TopicName, u32)> {
        let store = self.state.store.clone()?;
        let topic = self.state.open_topic.clone()?;
        let partitions = self
            .open_metadata()
            .map_or(0, |t| t.partitions.len() as u32);
        Some((store, topic, partitions))
    }

    /// Truncates partition `partition` of the open topic at the batch starting at `base_offset`
    /// (a damaged batch): that batch and every later one are deleted.
    pub fn truncate_at(&self, partition: u32, base_offset: u64) {
        let dispatch = self.state.dispatcher();
        let Some((store, topic, _)) = self.open_topic_in_store() else {
            return;
        };
        spawn_local(async move {
            let tp = TopicPartition::new(topic, PartitionId(partition));
            match truncate_partition(store.as_ref(), &tp, Offset(base_offset)).await {
                Ok(out) => {
                    dispatch.dispatch(Action::ClearError);
                    dispatch.dispatch(Action::Cleaned(format!(
                        "truncated {tp} at offset {base_offset}: {} batches removed; the log ends at {}",
                        out.batches_deleted,
                        out.state.log_end_offset()
                    )));
                }
                Err(e) => dispatch.dispatch(Action::Error(e.to_string())),
            }
        });
    }

    /// Runs the open topic's cleanup policy (retention or compaction) on every partition now.
    pub fn clean_topic(&self) {
        self.run_tool("clean_topic", Vec::new(), Action::Cleaned);
    }

    /// Runs tool `name` (see [`tools`]) on the open topic with `args` after the database and the
    /// topic's name; its answer, in words, becomes `done(words)`, a failure the error message.
    fn run_tool(&self, name: &'static str, args: Vec<JsValue>, done: fn(String) -> Action) {
        let dispatch = self.state.dispatcher();
        let Some((_, topic, _)) = self.open_topic_in_store() else {
            return;
        };
        let mut all = vec![
            JsValue::from_str(&self.db),
            JsValue::from_str(topic.as_str()),
        ];
        all.extend(args);
        spawn_local(async move {
            let args: Vec<&JsValue> = all.iter().collect();
            match tools::call(name, &args).await {
                Ok(words) => {
                    dispatch.dispatch(Action::ClearError);
                    dispatch.dispatch(done(words.as_string().unwrap_or_default()));
                }
                Err(message) => dispatch.dispatch(Action::Error(message)),
            }
        });
    }

    /// Deletes a stored topic that does not decode, by its stored name.
    pub fn delete_damaged_topic(&self, name: String) {
        let dispatch = self.state.dispatcher();
        let Some(store) = self.state.store.clone() else {
            return;
        };
        spawn_local(async move {
            match store.delete_damaged_topic(&name).await {
                Ok(_) => dispatch.dispatch(Action::DamagedTopicDeleted(name)),
                Err(e) => dispatch.dispatch(Action::Error(e.to_string())),
            }
        });
    }

    /// Deletes a topic with everything it holds, stopping this dashboard's consumers of it.
    pub fn delete_topic(&self, name: TopicName) {
        let dispatch = self.state.dispatcher();
        let Some(store) = self.state.store.clone() else {
            return;
        };
        let readers: Vec<u32> = self
            .state
            .consumers
            .iter()
            .filter(|c| c.topic == name && c.running)
            .map(|c| c.id)
            .collect();
        for id in readers {
            self.stop_consumer(id);
        }
        let db = self.db.to_string();
        spawn_local(async move {
            match store.delete_topic(&name).await {
                Ok(_) => {
                    // Other tabs' dashboards refresh on the channel too.
                    if let Ok(channel) = web_sys::BroadcastChannel::new(&log_channel(&db)) {
                        let _ = channel.post_message(&name.as_str().into());
                        channel.close();
                    }
                    dispatch.dispatch(Action::TopicDeleted(name));
                }
                Err(e) => dispatch.dispatch(Action::Error(e.to_string())),
            }
        });
    }

    /// Shows an error in the lab's banner (`error-message`).
    pub fn report_error(&self, message: String) {
        self.state.dispatch(Action::Error(message));
    }

    /// Opens a topic.
    pub fn open_topic(&self, name: TopicName) {
        self.state.dispatch(Action::OpenTopic(name));
    }

    /// Sends `count` records with `key` and `value` to the producer worker.
    pub fn produce(&self, key: &str, value: &str, count: &str, headers: &str, target: &str) {
        let dispatch = self.state.dispatcher();
        let Some(topic) = self.state.open_topic.clone() else {
            dispatch.dispatch(Action::Error("open a topic first".into()));
            return;
        };
        let mode = self
            .open_metadata()
            .map_or(Mode::Kafka, |t| t.config.mode());
        let (headers, target) = match (parse_headers(headers), parse_target(target, mode)) {
            (Ok(h), Ok(t)) => (h, t),
            (Err(message), _) | (_, Err(message)) => {
                dispatch.dispatch(Action::Error(message));
                return;
            }
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
                headers: headers.clone(),
                target: target.clone(),
                ..WireRecord::default()
            })
            .collect();
        let request_id = self.next_request.get();
        self.next_request.set(request_id + 1);
        let producer = self.producer.borrow();
        let Some(bridge) = producer.as_ref() else {
            dispatch.dispatch(Action::Error("the producer worker is not running".into()));
            return;
        };
        let sent = bridge.send(&ProducerCommand::Produce {
            request_id,
            db: self.db.to_string(),
            topic: topic.as_str().to_owned(),
            records,
        });
        match sent {
            Ok(()) => dispatch.dispatch(Action::ProduceSent),
            Err(e) => dispatch.dispatch(Action::Error(e.to_string())),
        }
    }

    /// Starts a producer run on the open topic in a worker of its own.
    pub fn start_run(&self, form: &RunForm) {
        let dispatch = self.state.dispatcher();
        let Some(topic) = self.state.open_topic.clone() else {
            dispatch.dispatch(Action::Error("open a topic first".into()));
            return;
        };
        let mode = self
            .open_metadata()
            .map_or(Mode::Kafka, |t| t.config.mode());
        let spec = match form.spec(mode) {
            Ok(spec) => spec,
            Err(message) => {
                dispatch.dispatch(Action::Error(message));
                return;
            }
        };
        let id = self.next_run.get();
        self.next_run.set(id + 1);
        let on_event = {
            let dispatch = dispatch.clone();
            let runs = Rc::clone(&self.runs);
            move |event: Result<ProducerEvent, PortError>| {
                let event = event.unwrap_or_else(|e| ProducerEvent::RunEnded {
                    run_id: id,
                    sent: 0,
                    error: Some(e.to_string()),
                    storage_full: false,
                });
                if matches!(event, ProducerEvent::RunEnded { .. }) {
                    // The run is over: end its worker (not from inside its own handler).
                    let runs = Rc::clone(&runs);
                    run_after(0, move || {
                        runs.borrow_mut().remove(&id);
                    });
                }
                dispatch.dispatch(Action::Run(event));
            }
        };
        let summary = RunForm::summary(&spec);
        let rate = spec.rate;
        let started = ProducerBridge::spawn(WorkerRole::Producer, on_event).and_then(|bridge| {
            bridge.send(&ProducerCommand::StartRun {
                run_id: id,
                db: self.db.to_string(),
                topic: topic.as_str().to_owned(),
                spec,
            })?;
            Ok(bridge)
        });
        match started {
            Ok(bridge) => {
                self.runs.borrow_mut().insert(id, bridge);
                dispatch.dispatch(Action::ClearError);
                dispatch.dispatch(Action::RunStarted(RunView {
                    id,
                    topic,
                    summary,
                    rate,
                    sent: 0,
                    batches: 0,
                    recent: Vec::new(),
                    status: RunStatus::Running,
                }));
            }
            Err(e) => dispatch.dispatch(Action::Error(e.to_string())),
        }
    }

    fn run_command(&self, id: u64, command: ProducerCommand) {
        let sent = self
            .runs
            .borrow()
            .get(&id)
            .map(|bridge| bridge.send(&command));
        self.report_send(sent);
    }

    /// Shows a failed send to one of the lab's workers (`None`: the worker has ended, and there
    /// is nothing to tell it).
    fn report_send(&self, sent: Option<Result<(), PortError>>) {
        if let Some(Err(e)) = sent {
            self.state.dispatch(Action::Error(e.to_string()));
        }
    }

    /// Pauses a run.
    pub fn pause_run(&self, id: u64) {
        self.run_command(id, ProducerCommand::PauseRun { run_id: id });
    }

    /// Resumes a paused run.
    pub fn resume_run(&self, id: u64) {
        self.run_command(id, ProducerCommand::ResumeRun { run_id: id });
    }

    /// Stops a run; its worker ends when the run says it ended.
    pub fn stop_run(&self, id: u64) {
        self.run_command(id, ProducerCommand::StopRun { run_id: id });
    }

    /// Changes a running run's rate (`None`: as fast as the store takes records).
    pub fn set_run_rate(&self, id: u64, rate: Option<u32>) {
        self.run_command(id, ProducerCommand::SetRunRate { run_id: id, rate });
        self.state.dispatch(Action::RunRate(id, rate));
    }

    /// Dismisses the error.
    pub fn clear_error(&self) {
        self.state.dispatch(Action::ClearError);
    }

    /// Starts a consumer worker on the open topic. `kind` is a position name of either
    /// vocabulary (`earliest`, `latest`, `offset`, `timestamp`, `TRIM_HORIZON`, `LATEST`,
    /// `AT_SEQUENCE_NUMBER`, `AFTER_SEQUENCE_NUMBER`, `AT_TIMESTAMP`); `value` goes with the kinds
    /// that need one.
    pub fn start_consumer(&self, kind: &str, value: &str, group: &str) {
        let dispatch = self.state.dispatcher();
        let Some(topic) = self.state.open_topic.clone() else {
            dispatch.dispatch(Action::Error("open a topic first".into()));
            return;
        };
        let position = match parse_position(kind, value.trim()) {
            Ok(p) => p,
            Err(message) => {
                dispatch.dispatch(Action::Error(message));
                return;
            }
        };
        let start = if value.trim().is_empty() {
            kind.to_owned()
        } else {
            format!("{kind} {}", value.trim())
        };
        let group = (!group.trim().is_empty()).then(|| group.trim().to_owned());
        self.spawn_consumer(topic, position, start, group);
    }

    /// Starts a consumer worker on `topic` from `position` (written as `start`), in `group` if
    /// one is given, and shows it in the consumers panel.
    fn spawn_consumer(
        &self,
        topic: TopicName,
        position: WirePosition,
        start: String,
        group: Option<String>,
    ) {
        let dispatch = self.state.dispatcher();
        let id = self.next_consumer.get();
        self.next_consumer.set(id + 1);
        let on_event = {
            let dispatch = dispatch.clone();
            let consumers = Rc::clone(&self.consumers);
            move |event: Result<ConsumerEvent, PortError>| {
                let event = event.unwrap_or_else(|e| ConsumerEvent::Failed {
                    message: e.to_string(),
                });
                if event == ConsumerEvent::Stopped {
                    // Its worker has ended; let go of the bridge (not from inside its own
                    // message handler).
                    let consumers = Rc::clone(&consumers);
                    run_after(0, move || {
                        consumers.borrow_mut().remove(&id);
                    });
                }
                dispatch.dispatch(Action::Consumer(id, event));
            }
        };
        let started = ConsumerBridge::spawn(WorkerRole::Consumer, on_event).and_then(|bridge| {
            bridge.send(&ConsumerCommand::Start {
                db: self.db.to_string(),
                topic: topic.as_str().to_owned(),
                group: group.clone(),
                position,
            })?;
            Ok(bridge)
        });
        match started {
            Ok(bridge) => {
                self.consumers.borrow_mut().insert(id, bridge);
            }
            Err(e) => {
                dispatch.dispatch(Action::Error(e.to_string()));
                return;
            }
        }
        dispatch.dispatch(Action::ClearError);
        dispatch.dispatch(Action::ConsumerStarted(ConsumerView {
            id,
            topic,
            group,
            start,
            consumed: 0,
            positions: Vec::new(),
            committed: Vec::new(),
            recent: Vec::new(),
            running: true,
            error: None,
            assigned: None,
            millis_behind: 0,
        }));
    }

    /// Opens `name` (the element's `topic` attribute), creating it with `partitions` (default
    /// 3) and `mode` (default kafka) when the database does not have it yet. A topic that
    /// exists is opened as it is.
    pub fn ensure_topic(&self, name: &str, partitions: Option<&str>, mode: Option<&str>) {
        let dispatch = self.state.dispatcher();
        let fail = |message: String| dispatch.dispatch(Action::Error(message));
        let Some(store) = self.state.store.clone() else {
            return;
        };
        let mode_text = mode.unwrap_or("kafka").trim();
        let Some(mode) = Mode::parse(mode_text) else {
            return fail(format!(
                "attribute mode: '{mode_text}' is not kafka or kinesis"
            ));
        };
        let count_text = partitions.unwrap_or("3").trim();
        let Ok(count) = count_text.parse::<u32>() else {
            return fail(format!(
                "attribute partitions: '{count_text}' is not a number"
            ));
        };
        let config = match TopicConfig::new(name.trim(), mode, count) {
            Ok(config) => config,
            Err(e) => return fail(format!("attribute topic/partitions: {e}")),
        };
        spawn_local(async move {
            let exists = match store.describe_topic(config.name()).await {
                Ok(found) => found.is_some(),
                Err(e) => return dispatch.dispatch(Action::Error(e.to_string())),
            };
            if !exists {
                match store.create_topic(&config).await {
                    // Another element on the same database was quicker: the same topic.
                    Ok(_) | Err(CreateTopicError::AlreadyExists(_)) => {}
                    Err(e) => return dispatch.dispatch(Action::Error(e.to_string())),
                }
            }
            dispatch.dispatch(Action::OpenTopic(config.name().clone()));
            dispatch.dispatch(Action::LogChanged);
        });
    }

    /// Replays the scenario file at `source` (relative to the page) on this lab's (emptied)
    /// database, step by step (the tools bundle's `run_scenario`), then opens `open` or the
    /// scenario's topic. Its `consume` steps start consumers here, as if started by hand.
    pub fn run_scenario(&self, source: AttrValue, open: Option<AttrValue>) {
        if self.state.store.is_none() {
            return;
        }
        let lab = self.clone();
        spawn_local(async move {
            let dispatch = lab.state.dispatcher();
            let view = Rc::new(RefCell::new(ScenarioView {
                source: source.to_string(),
                total: 0,
                done: 0,
                step: "reading the file".into(),
                error: None,
            }));
            dispatch.dispatch(Action::Scenario(view.borrow().clone()));
            let on_progress = {
                let (view, dispatch, mounted) =
                    (Rc::clone(&view), dispatch.clone(), Rc::clone(&lab.mounted));
                Closure::<dyn FnMut(f64, f64, String) -> bool>::new(move |total, done, step| {
                    let mut view = view.borrow_mut();
                    (view.total, view.done, view.step) = (total as usize, done as usize, step);
                    dispatch.dispatch(Action::Scenario(view.clone()));
                    mounted.get()
                })
            };
            let on_consume = {
                let lab = lab.clone();
                Closure::<dyn FnMut(String, String, Option<String>) -> Result<(), JsValue>>::new(
                    move |topic: String, from: String, group: Option<String>| {
                        let (kind, value) = from.split_once(' ').unwrap_or((&from, ""));
                        let fail = |e: String| JsValue::from(js_sys::Error::new(&e));
                        let position =
                            WirePosition::parse(kind, value).map_err(|e| fail(e.to_string()))?;
                        let topic = TopicName::new(&topic, Mode::Kafka)
                            .or_else(|_| TopicName::new(&topic, Mode::Kinesis))
                            .map_err(|e| fail(e.to_string()))?;
                        lab.spawn_consumer(topic, position, from, group);
                        Ok(())
                    },
                )
            };
            let open = open.map_or(JsValue::UNDEFINED, |o| JsValue::from_str(&o));
            let args = [
                &JsValue::from_str(&lab.db),
                &JsValue::from_str(&source),
                &open,
            ];
            let ran = tools::call(
                "run_scenario",
                &[
                    args[0],
                    args[1],
                    args[2],
                    on_progress.as_ref(),
                    on_consume.as_ref(),
                ],
            )
            .await;
            let mut view = view.borrow().clone();
            match ran {
                Ok(shown) => {
                    let shown = shown.as_string().and_then(|name| {
                        TopicName::new(&name, Mode::Kafka)
                            .or_else(|_| TopicName::new(&name, Mode::Kinesis))
                            .ok()
                    });
                    if let Some(topic) = shown {
                        dispatch.dispatch(Action::OpenTopic(topic));
                    }
                    view.done = view.total;
                    view.step = "done".into();
                }
                Err(e) => view.error = Some(e),
            }
            dispatch.dispatch(Action::Scenario(view));
        });
    }

    /// Sends a command to a running consumer.
    fn command(&self, id: u32, command: ConsumerCommand) {
        let sent = self
            .consumers
            .borrow()
            .get(&id)
            .map(|bridge| bridge.send(&command));
        self.report_send(sent);
    }

    /// Replays from the start: seeks the consumer to the earliest offset of every partition.
    pub fn replay_consumer(&self, id: u32) {
        self.command(
            id,
            ConsumerCommand::Seek {
                position: WirePosition::Earliest,
            },
        );
    }

    /// Resets `group`'s committed offsets on the open topic: `target` is `earliest`, `latest`,
    /// `offset` (`value`: one offset for every partition, or `partition:offset` pairs separated
    /// by commas) or `timestamp` (`value`: ms or a date), or the Kinesis words for them.
    /// Refused while a member of the group is active.
    pub fn reset_group(&self, group: &str, target: &str, value: &str) {
        let args = [group, target, value].map(JsValue::from_str).to_vec();
        self.run_tool("reset_group", args, Action::GroupReset);
    }

    /// Reads the stored batch that holds `offset` of `partition` into the byte inspector.
    pub fn inspect_batch(&self, partition: u32, offset: u64) {
        let dispatch = self.state.dispatcher();
        let Some((store, topic, _)) = self.open_topic_in_store() else {
            return;
        };
        spawn_local(async move {
            let tp = TopicPartition::new(topic, PartitionId(partition));
            let read = async {
                let entry = store
                    .lookup_batch(&tp, BatchLookup::Offset(Offset(offset)))
                    .await
                    .map_err(|e| e.to_string())?
                    .ok_or_else(|| format!("no stored batch holds offset {offset} of {tp}"))?;
                let batch = store
                    .read_batches(&tp, entry.base_offset, 0)
                    .await
                    .map_err(|e| e.to_string())?
                    .into_iter()
                    .next()
                    .ok_or_else(|| {
                        format!("the batch at base offset {} is gone", entry.base_offset)
                    })?;
                Ok::<_, String>(InspectedBatch {
                    partition,
                    base_offset: batch.base_offset.0,
                    bytes: Rc::new(batch.bytes),
                })
            };
            match read.await {
                Ok(batch) => dispatch.dispatch(Action::Inspect(Some(batch))),
                Err(message) => dispatch.dispatch(Action::Error(message)),
            }
        });
    }

    /// Downloads the open topic as JSON Lines (`<topic>.jsonl`), every partition in order.
    pub fn export_topic(&self) {
        let dispatch = self.state.dispatcher();
        let Some((_, topic, _)) = self.open_topic_in_store() else {
            return;
        };
        let db = JsValue::from_str(&self.db);
        spawn_local(async move {
            let exported = tools::call("export_topic", &[&db, &topic.as_str().into()])
                .await
                .and_then(|answer| {
                    let answer = Array::from(&answer);
                    let (text, count) = (answer.get(0).as_string(), answer.get(1).as_f64());
                    let file = format!("{topic}.jsonl");
                    download(&file, &text.unwrap_or_default())?;
                    Ok(format!(
                        "exported {} records to {file}",
                        count.unwrap_or_default()
                    ))
                });
            match exported {
                Ok(summary) => dispatch.dispatch(Action::Exported(summary)),
                Err(message) => dispatch.dispatch(Action::Error(message)),
            }
        });
    }

    /// Imports a JSON Lines file into the open topic through a producer worker of its own (the
    /// tools bundle's `import_jsonl`), 500 records per request. A file with a bad line is refused
    /// whole, naming the line. The import ends with the next import or the lab.
    pub fn import_file(&self, file: web_sys::File) {
        let dispatch = self.state.dispatcher();
        let Some(metadata) = self.open_metadata() else {
            return;
        };
        let args = [
            JsValue::from_str(&self.db),
            JsValue::from_str(metadata.config.name().as_str()),
            JsValue::from_str(metadata.config.mode().as_str()),
            JsValue::from(metadata.partitions.len() as u32),
        ];
        let imports = Rc::clone(&self.import_bridge);
        spawn_local(async move {
            let text = match wasm_bindgen_futures::JsFuture::from(file.text()).await {
                Ok(text) => text,
                Err(_) => {
                    dispatch.dispatch(Action::Error(format!("could not read {}", file.name())));
                    return;
                }
            };
            let on_event = {
                let dispatch = dispatch.clone();
                Closure::<dyn FnMut(String, JsValue, JsValue)>::new(
                    move |kind: String, a: JsValue, b: JsValue| match kind.as_str() {
                        "acked" => dispatch.dispatch(Action::ImportProgress(
                            a.as_f64().unwrap_or_default() as u64,
                        )),
                        "failed" => report_refusal(
                            &dispatch,
                            a.as_string().unwrap_or_default(),
                            b.is_truthy(),
                            Action::ImportFailed,
                        ),
                        _ => dispatch
                            .dispatch(Action::ImportFailed(a.as_string().unwrap_or_default())),
                    },
                )
            };
            let [db, topic, mode, partitions] = &args;
            let call = [db, topic, mode, partitions, &text, on_event.as_ref()];
            let job = match tools::call("import_jsonl", &call).await {
                Ok(job) => job,
                Err(e) => {
                    dispatch.dispatch(Action::Error(format!("{}: {e}", file.name())));
                    return;
                }
            };
            let total = Reflect::get(&job, &"total".into())
                .ok()
                .and_then(|t| t.as_f64())
                .unwrap_or_default() as u64;
            dispatch.dispatch(Action::ClearError);
            dispatch.dispatch(Action::ImportStarted(ImportView {
                file: file.name(),
                total,
                done: 0,
                error: None,
            }));
            // The worker answers request by request; it ends with the next import or the lab.
            *imports.borrow_mut() = Some(ImportJob {
                job,
                _on_event: on_event,
            });
        });
    }

    /// Closes the byte inspector.
    pub fn close_inspector(&self) {
        self.state.dispatch(Action::Inspect(None));
    }

    /// Speaks `mode`'s vocabulary on every topic (the Kafka ⇄ Kinesis toggle).
    pub fn set_vocabulary(&self, mode: Mode) {
        self.state.dispatch(Action::SetVocabulary(mode));
    }

    /// Shows other records in the records table.
    pub fn query_records(&self, query: RecordsQuery) {
        self.state.dispatch(Action::QueryRecords(query));
    }

    /// Pages the records table to partition `partition` at `kind` (`offset`, `sequence` or
    /// `timestamp`) `value`; out-of-range positions are errors in words.
    pub fn jump_records(&self, partition: u32, kind: &str, value: &str) {
        let dispatch = self.state.dispatcher();
        let Some((store, topic, _)) = self.open_topic_in_store() else {
            return;
        };
        let value = value.trim();
        let position = match kind {
            "offset" => value
                .parse::<u64>()
                .map(|o| Position::Offset(Offset(o)))
                .map_err(|_| format!("'{value}' is not an offset (a whole number from 0)")),
            "sequence" => SequenceNumber::parse(value)
                .map(Position::AtSequenceNumber)
                .ok_or_else(|| format!("'{value}' is not a sequence number (a decimal integer)")),
            "timestamp" => match parse_position("timestamp", value) {
                Ok(WirePosition::Timestamp(ms)) => Ok(Position::Timestamp(Timestamp(ms))),
                Ok(_) => Err(format!("'{value}' is not a time")),
                Err(e) => Err(e),
            },
            other => Err(format!("unknown jump '{other}'")),
        };
        let position = match position {
            Ok(p) => p,
            Err(message) => {
                dispatch.dispatch(Action::Error(message));
                return;
            }
        };
        let key_search = self.state.records_query.key_search.clone();
        spawn_local(async move {
            let tp = TopicPartition::new(topic, PartitionId(partition));
            match resolve_position(store.as_ref(), &tp, position, OffsetResetPolicy::None).await {
                Ok(offset) => {
                    dispatch.dispatch(Action::ClearError);
                    dispatch.dispatch(Action::QueryRecords(RecordsQuery {
                        partition: Some(partition),
                        from: Some(offset.0),
                        key_search,
                    }));
                }
                Err(e) => dispatch.dispatch(Action::Error(e.to_string())),
            }
        });
    }

    /// Commits the consumer's positions now.
    pub fn commit_consumer(&self, id: u32) {
        self.command(id, ConsumerCommand::Commit);
    }

    /// Stops the consumer (it commits first) and ends its worker.
    pub fn stop_consumer(&self, id: u32) {
        self.command(id, ConsumerCommand::Stop);
        // The worker commits, answers `Stopped` and ends itself; one that does not answer within
        // five seconds is ended anyway.
        let consumers = Rc::clone(&self.consumers);
        run_after(STOP_GRACE_MS, move || {
            consumers.borrow_mut().remove(&id);
        });
        self.state.dispatch(Action::ConsumerStopped(id));
    }
}

/// Reports a producer's refusal with `failed` (the produce form's or the import's action), raising
/// the storage warning first when the browser's quota was the cause.
fn report_refusal(
    dispatch: &UseReducerDispatcher<LabState>,
    message: String,
    storage_full: bool,
    failed: fn(String) -> Action,
) {
    if storage_full {
        dispatch.dispatch(Action::StorageFull);
    }
    dispatch.dispatch(failed(message));
}

/// Runs `f` after `ms` milliseconds.
fn run_after(ms: i32, f: impl FnOnce() + 'static) {
    let callback = Closure::once_into_js(f);
    if let Some(window) = web_sys::window() {
        let _ = window
            .set_timeout_with_callback_and_timeout_and_arguments_0(callback.unchecked_ref(), ms);
    }
}

/// Headers typed as `name=value` pairs separated by commas (empty: none).
fn parse_headers(text: &str) -> Result<Vec<(String, String)>, String> {
    text.split(',')
        .map(str::trim)
        .filter(|pair| !pair.is_empty())
        .map(|pair| match pair.split_once('=') {
            Some((name, value)) if !name.trim().is_empty() => {
                Ok((name.trim().to_owned(), value.trim().to_owned()))
            }
            _ => Err(format!("header '{pair}' is not name=value")),
        })
        .collect()
}

/// An explicit partition (Kafka) or explicit hash key (Kinesis), or by key when empty.
fn parse_target(text: &str, mode: Mode) -> Result<WireTarget, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(WireTarget::ByKey);
    }
    match mode {
        Mode::Kafka => text
            .parse::<u32>()
            .map(WireTarget::Partition)
            .map_err(|_| format!("'{text}' is not a partition number")),
        Mode::Kinesis => HashKey::parse(text)
            .map(|h| WireTarget::ExplicitHashKey(h.0))
            .map_err(|e| e.to_string()),
    }
}

/// What the producer-run form holds, as typed.
#[derive(Clone, Debug, Default)]
pub struct RunForm {
    /// `none`, `fixed`, `sequential` or `random`.
    pub pattern: String,
    /// The fixed key, the prefix, or the keys to pick from (comma-separated).
    pub keys: String,
    /// The value template.
    pub template: String,
    /// Records per second.
    pub rate: String,
    /// As fast as the store takes records (the rate is ignored).
    pub unlimited: bool,
    /// Records per batch.
    pub batch_size: String,
    /// Linger in ms.
    pub linger_ms: String,
}

/// The highest rate the run form's slider offers, in records per second.
pub const MAX_RUN_RATE: u32 = 5_000;

impl RunForm {
    /// The run the form describes, or what is wrong with it, in words.
    pub fn spec(&self, mode: Mode) -> Result<RunSpec, String> {
        let number = |text: &str, what: &str, max: u32| -> Result<u32, String> {
            match text.trim().parse::<u32>() {
                Ok(n) if n <= max => Ok(n),
                _ => Err(format!("{what} must be a whole number from 0 to {max}")),
            }
        };
        let keys = self.keys.trim();
        let key = match self.pattern.as_str() {
            "none" => WireKeyPattern::None,
            "fixed" if !keys.is_empty() => WireKeyPattern::Fixed(keys.to_owned()),
            "sequential" => WireKeyPattern::Sequential(keys.to_owned()),
            "random" => WireKeyPattern::RandomFrom(
                keys.split(',')
                    .map(str::trim)
                    .filter(|k| !k.is_empty())
                    .map(str::to_owned)
                    .collect(),
            ),
            "fixed" => return Err("type the key every record gets".into()),
            other => return Err(format!("unknown key pattern '{other}'")),
        };
        key.to_pattern().validate(mode).map_err(|e| e.to_string())?;
        ValueTemplate::parse(&self.template).map_err(|e| e.to_string())?;
        let rate = if self.unlimited {
            None
        } else {
            Some(number(&self.rate, "the rate", MAX_RUN_RATE)?)
        };
        let batch_size = number(&self.batch_size, "the batch size", MAX_PRODUCE_COUNT)?;
        let linger_ms = number(&self.linger_ms, "the linger", 60_000)?;
        Pacer::validate(rate, batch_size).map_err(|e| e.to_string())?;
        Ok(RunSpec {
            key,
            value_template: self.template.clone(),
            rate,
            batch_size,
            linger_ms,
            limit: None,
        })
    }

    /// The run's keys and values, in words.
    pub fn summary(spec: &RunSpec) -> String {
        let keys = match &spec.key {
            WireKeyPattern::None => "no key".to_owned(),
            WireKeyPattern::Fixed(k) => format!("key {k}"),
            WireKeyPattern::Sequential(p) => format!("keys {p}0, {p}1, …"),
            WireKeyPattern::RandomFrom(keys) => format!("keys at random from {}", keys.join(", ")),
        };
        format!(
            "{keys} · value {} · batches of {} · linger {} ms",
            spec.value_template, spec.batch_size, spec.linger_ms
        )
    }
}

/// What the create-topic form holds.
#[derive(Clone, Debug, Default)]
pub struct TopicForm {
    /// Name.
    pub name: String,
    /// Partition (shard) count, as typed.
    pub partitions: String,
    /// `kafka` or `kinesis`.
    pub mode: String,
    /// `delete` or `compact`.
    pub cleanup: String,
    /// Retention in ms, as typed; empty for the mode's default.
    pub retention_ms: String,
    /// Kinesis write limits on.
    pub throttling: bool,
    /// The largest record in bytes, as typed; empty for the mode's default.
    pub max_record_bytes: String,
}

/// The configuration the form describes, validated by the log.
/// The configuration the form describes, or the field that is wrong and why.
fn topic_config(
    name: &str,
    mode: Mode,
    count: u32,
    form: &TopicForm,
) -> Result<TopicConfig, (&'static str, String)> {
    use streamlab_log::TopicConfigError;
    let mut config = TopicConfig::new(name, mode, count).map_err(|e| {
        let field = match e {
            TopicConfigError::PartitionCount { .. } => "partitions",
            _ => "name",
        };
        (field, e.to_string())
    })?;
    let retention = form.retention_ms.trim();
    if !retention.is_empty() {
        let ms = retention.parse::<i64>().map_err(|_| {
            (
                "retention",
                format!("'{retention}' is not a retention time in milliseconds"),
            )
        })?;
        config = config
            .with_retention_ms(Some(ms))
            .map_err(|e| ("retention", e.to_string()))?;
    }
    let size = form.max_record_bytes.trim();
    if !size.is_empty() {
        let limit = match mode {
            Mode::Kafka => 8 << 20,
            Mode::Kinesis => 1 << 20,
        };
        match size.parse::<usize>() {
            Ok(n) if (1..=limit).contains(&n) => config = config.with_max_record_bytes(n),
            _ => {
                return Err((
                    "max-record-bytes",
                    format!("the record size limit must be 1 to {limit} bytes in {mode} mode"),
                ))
            }
        }
    }
    if form.cleanup == "compact" {
        config = config
            .with_cleanup_policy(CleanupPolicy::Compact)
            .map_err(|e| ("cleanup", e.to_string()))?;
    }
    if form.throttling {
        config = config
            .with_throttling(true)
            .map_err(|e| ("throttling", e.to_string()))?;
    }
    Ok(config)
}

/// Reads a consumer start position from the form: the kinds of [`WirePosition::parse`], where
/// a time may also be a date the browser reads (`2026-11-25T10:00:00Z`).
pub fn parse_position(kind: &str, value: &str) -> Result<WirePosition, String> {
    streamlab_protocol::form::parse_position(kind, value, |text| {
        let ms = js_sys::Date::parse(text);
        (!ms.is_nan()).then_some(ms as i64)
    })
}

/// Opens the lab's database (emptied first when `clear`), starts its producer worker, and
/// reloads the views whenever the log changes. Unmounting ends every worker the lab started
/// (consumers are told to stop and commit first) and closes the database.
#[hook]
pub fn use_lab(db: AttrValue, clear: bool) -> LabHandle {
    let state = use_reducer(LabState::default);
    let producer = use_mut_ref(|| None::<ProducerBridge>);
    let next_request = use_memo((), |_| Cell::new(0u64));
    let consumers = use_mut_ref(HashMap::<u32, ConsumerBridge>::new);
    let next_consumer = use_memo((), |_| Cell::new(1u32));
    let runs = use_mut_ref(HashMap::<u64, ProducerBridge>::new);
    let next_run = use_memo((), |_| Cell::new(1u64));
    let import_bridge = use_mut_ref(|| None::<ImportJob>);
    let mounted = use_memo((), |_| Cell::new(true));

    {
        let (consumers, runs, imports) = (
            Rc::clone(&consumers),
            Rc::clone(&runs),
            Rc::clone(&import_bridge),
        );
        let mounted = Rc::clone(&mounted);
        use_effect_with((), move |_| {
            move || {
                mounted.set(false);
                let stopping = std::mem::take(&mut *consumers.borrow_mut());
                for bridge in stopping.values() {
                    let _ = bridge.send(&ConsumerCommand::Stop);
                }
                // A consumer commits, answers and ends itself; one that does not is ended.
                if !stopping.is_empty() {
                    run_after(STOP_GRACE_MS, move || drop(stopping));
                }
                runs.borrow_mut().clear();
                imports.borrow_mut().take();
            }
        });
    }

    // Any producer of this database, in any worker or tab, announces appends: refresh the views.
    {
        let dispatch = state.dispatcher();
        use_effect_with(db.clone(), move |db| {
            let channel = web_sys::BroadcastChannel::new(&log_channel(db)).ok();
            // Producers announce every batch; a busy log would reload the views hundreds of
            // times a second. Reload at most once per interval, after the first notice.
            let scheduled = Rc::new(Cell::new(false));
            let on_message = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |_| {
                if scheduled.replace(true) {
                    return;
                }
                let (scheduled, dispatch) = (Rc::clone(&scheduled), dispatch.clone());
                run_after(RELOAD_INTERVAL_MS, move || {
                    scheduled.set(false);
                    dispatch.dispatch(Action::LogChanged);
                });
            });
            if let Some(channel) = &channel {
                channel.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
            }
            move || {
                if let Some(channel) = channel {
                    channel.set_onmessage(None);
                    channel.close();
                }
                drop(on_message);
            }
        });
    }

    {
        let dispatch = state.dispatcher();
        let producer = Rc::clone(&producer);
        use_effect_with((db.clone(), clear), move |(db, clear)| {
            let on_event = {
                let dispatch = dispatch.clone();
                move |event: Result<ProducerEvent, PortError>| match event {
                    Ok(ProducerEvent::Acked { acks, .. }) => {
                        dispatch.dispatch(Action::Produced(acks))
                    }
                    Ok(ProducerEvent::Failed {
                        message,
                        storage_full,
                        ..
                    }) => report_refusal(&dispatch, message, storage_full, Action::ProduceFailed),
                    Ok(ProducerEvent::Unreadable { message }) => {
                        dispatch.dispatch(Action::ProduceFailed(message))
                    }
                    // A generated run changed the log; its records are not listed one by one.
                    Ok(ProducerEvent::Generated { .. }) => {
                        dispatch.dispatch(Action::Produced(Vec::new()))
                    }
                    // Runs have workers of their own.
                    Ok(run_event) => dispatch.dispatch(Action::Run(run_event)),
                    Err(e) => dispatch.dispatch(Action::ProduceFailed(e.to_string())),
                }
            };
            // Trunk builds the worker with wasm-bindgen's `no-modules` target: a classic worker.
            match ProducerBridge::spawn(WorkerRole::Producer, on_event) {
                Ok(bridge) => *producer.borrow_mut() = Some(bridge),
                Err(e) => dispatch.dispatch(Action::Error(e.to_string())),
            }
            let (db, clear) = (db.to_string(), *clear);
            let opened = Rc::new(RefCell::new(None::<Rc<IdbStore>>));
            let keep = Rc::clone(&opened);
            spawn_local(async move {
                match IdbStore::open(&db).await {
                    Ok(store) => {
                        // Emptied in place, so other labs and tabs on this database keep their
                        // connections; they hear of it like of any change.
                        if clear {
                            if let Err(e) = store.clear().await {
                                let message = format!("could not empty database '{db}': {e}");
                                dispatch.dispatch(Action::Error(message));
                                return;
                            }
                            if let Ok(channel) = web_sys::BroadcastChannel::new(&log_channel(&db)) {
                                let _ = channel.post_message(&JsValue::from_str("cleared"));
                                channel.close();
                            }
                        }
                        let store = Rc::new(store);
                        *keep.borrow_mut() = Some(Rc::clone(&store));
                        dispatch.dispatch(Action::StoreOpened(store));
                    }
                    Err(e) => dispatch.dispatch(Action::Error(e.to_string())),
                }
            });
            move || {
                // Dropping the last bridge ends the worker.
                producer.borrow_mut().take();
                if let Some(store) = opened.borrow_mut().take() {
                    store.close();
                }
            }
        });
    }

    {
        let dispatch = state.dispatcher();
        let store = state.store.clone();
        let open_topic = state.open_topic.clone();
        let generation = state.generation;
        let query = state.records_query.clone();
        use_effect_with(
            (generation, open_topic.clone(), store.is_some()),
            move |_| {
                if let Some(store) = store {
                    spawn_local(async move {
                        match load_views(&store, open_topic.as_ref(), &query).await {
                            Ok(views) => dispatch.dispatch(Action::Loaded {
                                generation,
                                topics: views.topics,
                                records: views.records,
                                table: views.table,
                                sequences: views.sequences,
                                corrupt: views.corrupt,
                                damaged: views.damaged,
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
        consumers,
        next_consumer,
        runs,
        next_run,
        import_bridge,
        mounted: Rc::clone(&mounted),
    }
}

/// An import under way: the tools bundle's job (its producer worker) and the callback that hears
/// its events. Dropping it ends the worker first, then lets go of the callback.
struct ImportJob {
    job: JsValue,
    /// Kept alive for as long as the job can call it.
    _on_event: Closure<dyn FnMut(String, JsValue, JsValue)>,
}

impl Drop for ImportJob {
    fn drop(&mut self) {
        if let Ok(cancel) = Reflect::get(&self.job, &"cancel".into()) {
            if let Some(cancel) = cancel.dyn_ref::<js_sys::Function>() {
                let _ = cancel.call0(&self.job);
            }
        }
    }
}

/// Offers `text` to the user as a download named `name`.
fn download(name: &str, text: &str) -> Result<(), String> {
    let fail = |_| format!("the browser refused to download {name}");
    let options = web_sys::BlobPropertyBag::new();
    options.set_type("application/x-ndjson");
    let parts = js_sys::Array::of1(&JsValue::from_str(text));
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options).map_err(fail)?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(fail)?;
    let document = web_sys::window()
        .and_then(|w| w.document())
        .ok_or_else(|| format!("no document to download {name} from"))?;
    let link: web_sys::HtmlAnchorElement =
        document.create_element("a").map_err(fail)?.unchecked_into();
    link.set_href(&url);
    link.set_download(name);
    link.click();
    // The click has started the download; the URL is no longer needed after this turn.
    run_after(0, move || {
        let _ = web_sys::Url::revoke_object_url(&url);
    });
    Ok(())
}

/// The largest topic whose table view the dashboard builds on every change.
const TABLE_VIEW_MAX_RECORDS: u64 = 10_000;

/// The table view of a whole topic, or `None` when it holds too many records to rebuild on
/// every change.
async fn table_view(
    store: &IdbStore,
    topic: &TopicMetadata,
    corrupt: &mut Vec<CorruptBatch>,
) -> Result<Option<TableView>, String> {
    let total: u64 = topic.partitions.iter().map(|p| p.record_count()).sum();
    if total > TABLE_VIEW_MAX_RECORDS {
        return Ok(None);
    }
    let mut table = TableView::new();
    for partition in &topic.partitions {
        let tp = TopicPartition::new(topic.config.name().clone(), partition.partition());
        let (start, end) = (partition.log_start_offset(), partition.log_end_offset());
        read_records(store, &tp, start, end, corrupt, &mut |r| {
            table.apply(partition.partition(), r);
            true
        })
        .await?;
    }
    Ok(Some(table))
}

/// Reads `tp` from `from` to `end`, handing each record to `each` until it returns `false`. A
/// batch that fails its checks is reported in `corrupt` and skipped: the rest of the partition
/// stays readable.
async fn read_records(
    store: &IdbStore,
    tp: &TopicPartition,
    from: Offset,
    end: Offset,
    corrupt: &mut Vec<CorruptBatch>,
    each: &mut dyn FnMut(&streamlab_log::Record) -> bool,
) -> Result<(), String> {
    let mut scan = PartitionScan::new(store, tp.clone(), from, end, 1 << 20);
    loop {
        match scan.next().await {
            Ok(Some(records)) => {
                for r in &records {
                    if !each(r) {
                        return Ok(());
                    }
                }
            }
            Ok(None) => break,
            Err(FetchError::Corrupt(bad)) => {
                scan.skip_damaged(&bad).await.map_err(|e| e.to_string())?;
                if !corrupt.contains(&bad) {
                    corrupt.push(bad);
                }
            }
            Err(e) => return Err(e.to_string()),
        }
    }
    Ok(())
}

/// The most records a key search reads before it stops, so a search of a huge partition stays
/// quick; the table says where it stopped.
const SEARCH_MAX_SCANNED: u64 = 200_000;

/// One page of the records table: `RECENT_RECORDS` records of one partition from the query's
/// offset (or its newest), or the first matches of a key search.
async fn query_records(
    store: &IdbStore,
    topic: &TopicMetadata,
    query: &RecordsQuery,
    corrupt: &mut Vec<CorruptBatch>,
) -> Result<Vec<RecordRow>, String> {
    let page = RECENT_RECORDS as usize;
    let partitions: Vec<&PartitionState> = topic
        .partitions
        .iter()
        .filter(|p| query.partition.is_none_or(|q| p.partition().0 == q))
        .collect();
    let mut rows = Vec::new();
    let mut scanned = 0u64;
    let needle = query.key_search.as_bytes();
    for state in partitions {
        let (start, end) = (state.log_start_offset(), state.log_end_offset());
        let from = match query.from {
            Some(o) => Offset(o).clamp(start, end),
            None if needle.is_empty() => start.max(Offset(end.0.saturating_sub(RECENT_RECORDS))),
            None => start,
        };
        let tp = TopicPartition::new(topic.config.name().clone(), state.partition());
        let partition = state.partition().0;
        read_records(store, &tp, from, end, corrupt, &mut |r| {
            scanned += 1;
            let hit = needle.is_empty()
                || r.key()
                    .is_some_and(|k| k.windows(needle.len()).any(|w| w == needle));
            if hit {
                rows.push(RecordRow::from_record(partition, r));
            }
            rows.len() < page && scanned < SEARCH_MAX_SCANNED
        })
        .await?;
        if rows.len() >= page || scanned >= SEARCH_MAX_SCANNED {
            break;
        }
    }
    Ok(rows)
}

/// Everything the dashboard shows, read from the store.
struct Views {
    topics: Vec<TopicMetadata>,
    records: Vec<RecordRow>,
    table: Option<TableView>,
    sequences: Vec<Option<(String, String)>>,
    corrupt: Vec<CorruptBatch>,
    damaged: Vec<streamlab_idb::DamagedTopic>,
}

async fn load_views(
    store: &IdbStore,
    open_topic: Option<&TopicName>,
    query: &RecordsQuery,
) -> Result<Views, String> {
    let listing = store
        .list_topics_checked()
        .await
        .map_err(|e| e.to_string())?;
    let topics = listing.topics;
    let mut records = Vec::new();
    let mut table = None;
    let mut sequences = Vec::new();
    let mut corrupt = Vec::new();
    if let Some(topic) = open_topic.and_then(|name| topics.iter().find(|t| t.config.name() == name))
    {
        table = table_view(store, topic, &mut corrupt).await?;
        sequences = sequence_ranges(store, topic).await?;
        if query.partition.is_some() || !query.key_search.is_empty() {
            records = query_records(store, topic, query, &mut corrupt).await?;
        } else {
            for partition in &topic.partitions {
                let end = partition.log_end_offset();
                let from = partition
                    .log_start_offset()
                    .max(Offset(end.0.saturating_sub(RECENT_RECORDS)));
                let tp = TopicPartition::new(topic.config.name().clone(), partition.partition());
                let id = partition.partition().0;
                read_records(store, &tp, from, end, &mut corrupt, &mut |r| {
                    records.push(RecordRow::from_record(id, r));
                    true
                })
                .await?;
            }
        }
    }
    Ok(Views {
        topics,
        records,
        table,
        sequences,
        corrupt,
        damaged: listing.damaged,
    })
}

/// Each partition's first and last sequence numbers (Kinesis' SequenceNumberRange of what the
/// shard holds), from two batch-index lookups; `None` for an empty partition.
async fn sequence_ranges(
    store: &IdbStore,
    topic: &TopicMetadata,
) -> Result<Vec<Option<(String, String)>>, String> {
    let mut out = Vec::with_capacity(topic.partitions.len());
    for state in &topic.partitions {
        let tp = TopicPartition::new(topic.config.name().clone(), state.partition());
        let (start, end) = (state.log_start_offset(), state.log_end_offset());
        if start >= end {
            out.push(None);
            continue;
        }
        let at = |offset: Offset| {
            let tp = tp.clone();
            async move {
                let entry = store
                    .lookup_batch(&tp, BatchLookup::Offset(offset))
                    .await
                    .map_err(|e| e.to_string())?;
                Ok::<_, String>(entry.map(|e| {
                    // A batch's records take base_sequence + (offset − base_offset).
                    e.base_sequence.0 + u128::from(offset.0.saturating_sub(e.base_offset.0))
                }))
            }
        };
        match (at(start).await?, at(Offset(end.0 - 1)).await?) {
            (Some(first), Some(last)) => out.push(Some((first.to_string(), last.to_string()))),
            _ => out.push(None),
        }
    }
    Ok(out)
}
