//! The dashboard's state and the actions that change it.

use std::rc::Rc;

use yew::{Reducible, UseReducerDispatcher};

use streamlab_log::{TopicMetadata, TopicName};
use streamlab_protocol::{BatchAck, ConsumedRecord, ConsumerEvent, ProduceAck, ProducerEvent};
pub use streamlab_views::RecordsQuery;
use streamlab_views::{RecordRow, TopicViews};

/// What the lab's hooks and actions send the state.
pub type Dispatch = UseReducerDispatcher<LabState>;

/// Everything one `<stream-lab>` element shows.
#[derive(Clone, Default)]
pub struct LabState {
    /// The database is open (the handle itself is `hooks::use_store`'s, not the state's).
    pub ready: bool,
    /// Every topic with its partitions, as last read.
    pub topics: Vec<TopicMetadata>,
    /// The topic the user opened.
    pub open_topic: Option<TopicName>,
    /// The newest records of the open topic, by partition and offset.
    pub records: Vec<RecordRow>,
    /// Where produced records went, oldest first.
    pub produced: Vec<ProduceAck>,
    /// Produce requests sent and not yet answered.
    pub pending: usize,
    /// The error to show, if any.
    pub error: Option<String>,
    /// Bumped whenever the log may have changed, so views reload.
    pub generation: u64,
    /// The generation the shown views were loaded at; an older load finishing late is ignored.
    pub loaded_generation: u64,
    /// The consumers started from this dashboard.
    pub consumers: Vec<ConsumerView>,
    /// The open topic's table view (latest value per key), when it is small enough to build.
    pub table: Option<Rc<streamlab_log::TableView>>,
    /// What the last cleanup did.
    pub cleanup: Option<String>,
    /// The producer runs started from this dashboard.
    pub runs: Vec<RunView>,
    /// What the last group offset reset did.
    pub group_reset: Option<String>,
    /// Which records the records table shows.
    pub records_query: RecordsQuery,
    /// The vocabulary the user chose with the Kafka ⇄ Kinesis toggle; `None` speaks each
    /// topic's own.
    pub vocabulary: Option<streamlab_log::Mode>,
    /// The stored batch the byte inspector shows.
    pub inspected: Option<InspectedBatch>,
    /// The running or last import.
    pub import: Option<ImportView>,
    /// What the last export did.
    pub exported: Option<String>,
    /// The create form's field that was refused, and why.
    pub field_error: Option<(&'static str, String)>,
    /// The open topic's first and last sequence numbers per partition.
    pub sequences: Vec<Option<(String, String)>>,
    /// Stored batches of the open topic that failed their checks when last read.
    pub corrupt: Vec<streamlab_log::CorruptBatch>,
    /// Stored topics whose rows do not decode (listed apart; the others stay usable).
    pub damaged: Vec<streamlab_idb::DamagedTopic>,
    /// The scenario this lab replays, if any.
    pub scenario: Option<ScenarioView>,
    /// The browser refused a write because its storage quota is full (until the error is
    /// dismissed or a write goes through).
    pub storage_full: bool,
}

/// An import of JSON Lines into the open topic.
#[derive(Clone, Debug, PartialEq)]
pub struct ImportView {
    /// The file's name.
    pub file: String,
    /// Records in the file.
    pub total: u64,
    /// Records acknowledged so far.
    pub done: u64,
    /// Why it stopped, if it failed.
    pub error: Option<String>,
}

/// A scenario file the element replays (see `streamlab_protocol::scenario`).
#[derive(Clone, Debug, PartialEq)]
pub struct ScenarioView {
    /// Where it came from (the `scenario` attribute).
    pub source: String,
    /// Its steps (0 until the file is read).
    pub total: usize,
    /// Steps done.
    pub done: usize,
    /// The step running or last run, in words.
    pub step: String,
    /// Why it stopped, if it failed.
    pub error: Option<String>,
}

impl ScenarioView {
    /// `running`, `done` or `failed`.
    pub fn state(&self) -> &'static str {
        match (&self.error, self.total > 0 && self.done == self.total) {
            (Some(_), _) => "failed",
            (None, true) => "done",
            (None, false) => "running",
        }
    }
}

/// A stored batch, as read for the byte inspector.
#[derive(Clone, Debug, PartialEq)]
pub struct InspectedBatch {
    /// Its partition.
    pub partition: u32,
    /// Its base offset (its key in the store).
    pub base_offset: u64,
    /// Its bytes, exactly as stored.
    pub bytes: Rc<Vec<u8>>,
}

/// One producer run (a producer worker sending at a rate) as the dashboard shows it.
#[derive(Clone, Debug, PartialEq)]
pub struct RunView {
    /// The dashboard's number for it.
    pub id: u64,
    /// The topic it writes.
    pub topic: TopicName,
    /// Its keys and values, in words.
    pub summary: String,
    /// Records per second; `None` is as fast as the store takes them.
    pub rate: Option<u32>,
    /// Records acknowledged.
    pub sent: u64,
    /// Batches acknowledged.
    pub batches: u64,
    /// The latest batches, oldest first.
    pub recent: Vec<BatchAck>,
    /// What it is doing.
    pub status: RunStatus,
}

/// What a producer run is doing.
#[derive(Clone, Debug, PartialEq)]
pub enum RunStatus {
    /// Sending.
    Running,
    /// Paused by the user.
    Paused,
    /// Refused for now (Kinesis' write limit); retrying by itself.
    Retrying(String),
    /// Stopped by the user.
    Stopped,
    /// Ended on an error.
    Failed(String),
}

impl RunStatus {
    /// The status in one word, for tests and styles.
    pub fn word(&self) -> &'static str {
        match self {
            RunStatus::Running => "running",
            RunStatus::Paused => "paused",
            RunStatus::Retrying(_) => "retrying",
            RunStatus::Stopped => "stopped",
            RunStatus::Failed(_) => "failed",
        }
    }
}

/// How many of a run's latest batches it shows.
const RECENT_BATCHES: usize = 5;

/// How many of a consumer's latest records it shows.
const RECENT_CONSUMED: usize = 8;

/// One consumer worker as the dashboard shows it.
#[derive(Clone, Debug, PartialEq)]
pub struct ConsumerView {
    /// The dashboard's number for it.
    pub id: u32,
    /// The topic it reads.
    pub topic: TopicName,
    /// Its group, if any.
    pub group: Option<String>,
    /// Where it started, in words.
    pub start: String,
    /// Records received.
    pub consumed: u64,
    /// `(partition, next offset)`.
    pub positions: Vec<(u32, u64)>,
    /// `(partition, committed offset)` of its last commit.
    pub committed: Vec<(u32, u64)>,
    /// Its latest records, oldest first.
    pub recent: Vec<ConsumedRecord>,
    /// Still reading.
    pub running: bool,
    /// Why it stopped, if it failed.
    pub error: Option<String>,
    /// With a group: the group's generation and this member's partitions.
    pub assigned: Option<(u32, Vec<u32>)>,
    /// MillisBehindLatest after its last read.
    pub millis_behind: u64,
}

impl ConsumerView {
    /// Records it is behind the log end of `topic`, over the partitions it reads.
    pub fn lag(&self, topic: &TopicMetadata) -> u64 {
        self.positions
            .iter()
            .filter_map(|(p, o)| {
                topic
                    .partitions
                    .get(*p as usize)
                    .map(|s| s.log_end_offset().0.saturating_sub(*o))
            })
            .sum()
    }

    /// Records read but not committed yet: the at-least-once window.
    pub fn uncommitted(&self) -> u64 {
        self.positions
            .iter()
            .filter_map(|(p, o)| {
                self.committed
                    .iter()
                    .find(|(cp, _)| cp == p)
                    .map(|(_, co)| o.saturating_sub(*co))
            })
            .sum()
    }
}

/// What can happen to the dashboard.
pub enum Action {
    /// The database is open.
    StoreOpened,
    /// Fresh views were read from the store, for the state at `generation`.
    Loaded {
        generation: u64,
        topics: Vec<TopicMetadata>,
        views: TopicViews,
        damaged: Vec<streamlab_idb::DamagedTopic>,
    },
    /// The user opened a topic.
    OpenTopic(TopicName),
    /// A produce request went to the worker.
    ProduceSent,
    /// The worker acknowledged a produce request.
    Produced(Vec<ProduceAck>),
    /// The worker refused a produce request.
    ProduceFailed(String),
    /// Something failed; tell the user.
    Error(String),
    /// The user dismissed the error, or fixed the input.
    ClearError,
    /// A producer somewhere (this tab, a worker, another tab) appended.
    LogChanged,
    /// A consumer worker was started.
    ConsumerStarted(ConsumerView),
    /// A consumer worker reported.
    Consumer(u32, ConsumerEvent),
    /// A consumer was stopped.
    ConsumerStopped(u32),
    /// A cleanup ran; what it did, in words.
    Cleaned(String),
    /// A topic was deleted.
    TopicDeleted(TopicName),
    /// A damaged topic was deleted by its stored name.
    DamagedTopicDeleted(String),
    /// A producer run was started.
    RunStarted(RunView),
    /// A producer run reported.
    Run(ProducerEvent),
    /// The user changed a run's rate.
    RunRate(u64, Option<u32>),
    /// A group's offsets were reset; what happened, in words.
    GroupReset(String),
    /// The user asked the records table for other records.
    QueryRecords(RecordsQuery),
    /// The user flipped the Kafka ⇄ Kinesis toggle.
    SetVocabulary(streamlab_log::Mode),
    /// A batch was read for the byte inspector (or the inspector was closed).
    Inspect(Option<InspectedBatch>),
    /// An import started.
    ImportStarted(ImportView),
    /// An import's producer acknowledged this many records.
    ImportProgress(u64),
    /// An import failed.
    ImportFailed(String),
    /// An export finished; what it did.
    Exported(String),
    /// A form field was refused: which one, and why (also shown as the error).
    FieldError(&'static str, String),
    /// The scenario's progress.
    Scenario(ScenarioView),
    /// A producer was refused because the browser's storage quota is full.
    StorageFull,
}

/// At most this many produce results are kept on screen.
const MAX_RESULTS: usize = 200;

impl LabState {
    fn apply_run_event(&mut self, event: ProducerEvent) {
        let run_id = match &event {
            ProducerEvent::RunAcked { run_id, .. }
            | ProducerEvent::RunRetrying { run_id, .. }
            | ProducerEvent::RunPaused { run_id, .. }
            | ProducerEvent::RunEnded { run_id, .. } => *run_id,
            _ => return,
        };
        let Some(run) = self.runs.iter_mut().find(|r| r.id == run_id) else {
            return;
        };
        match event {
            ProducerEvent::RunAcked {
                batches,
                sent,
                batch_count,
                ..
            } => {
                run.sent = sent;
                run.batches = batch_count;
                run.recent.extend(batches);
                let excess = run.recent.len().saturating_sub(RECENT_BATCHES);
                run.recent.drain(..excess);
                if matches!(run.status, RunStatus::Retrying(_)) {
                    run.status = RunStatus::Running;
                }
            }
            ProducerEvent::RunRetrying { message, .. } => run.status = RunStatus::Retrying(message),
            ProducerEvent::RunPaused { paused, .. } => {
                run.status = if paused {
                    RunStatus::Paused
                } else {
                    RunStatus::Running
                };
            }
            ProducerEvent::RunEnded {
                sent,
                error,
                storage_full,
                ..
            } => {
                self.storage_full |= storage_full;
                run.sent = sent;
                run.status = match error {
                    Some(message) => {
                        self.error = Some(message.clone());
                        RunStatus::Failed(message)
                    }
                    None => RunStatus::Stopped,
                };
            }
            _ => {}
        }
    }
}

impl Reducible for LabState {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut next = (*self).clone();
        match action {
            Action::StoreOpened => {
                next.ready = true;
                next.generation += 1;
            }
            Action::Loaded {
                generation,
                topics,
                views,
                damaged,
            } => {
                // Loads run concurrently; one started earlier may finish later. Keep the newest.
                if generation < next.loaded_generation {
                    return self;
                }
                next.loaded_generation = generation;
                next.topics = topics;
                next.records = views.records;
                next.table = views.table.map(Rc::new);
                next.sequences = views.sequences;
                next.corrupt = views.corrupt;
                next.damaged = damaged;
            }
            Action::OpenTopic(topic) => {
                if next.open_topic.as_ref() != Some(&topic) {
                    next.produced.clear();
                    next.group_reset = None;
                    next.records_query = RecordsQuery::default();
                    next.inspected = None;
                    next.cleanup = None;
                    next.table = None;
                }
                next.open_topic = Some(topic);
                next.records.clear();
                next.generation += 1;
            }
            Action::ProduceSent => {
                next.pending += 1;
                next.error = None;
            }
            Action::StorageFull => next.storage_full = true,
            Action::Produced(acks) => {
                if !acks.is_empty() {
                    next.storage_full = false;
                }
                next.pending = next.pending.saturating_sub(1);
                next.produced.extend(acks);
                let excess = next.produced.len().saturating_sub(MAX_RESULTS);
                next.produced.drain(..excess);
                next.generation += 1;
            }
            Action::ProduceFailed(message) => {
                next.pending = next.pending.saturating_sub(1);
                next.error = Some(message);
                next.generation += 1;
            }
            Action::Error(message) => next.error = Some(message),
            Action::ClearError => {
                next.error = None;
                next.field_error = None;
                next.storage_full = false;
            }
            Action::LogChanged => next.generation += 1,
            Action::DamagedTopicDeleted(name) => {
                next.damaged.retain(|d| d.name != name);
                next.generation += 1;
            }
            Action::TopicDeleted(name) => {
                if next.open_topic.as_ref() == Some(&name) {
                    next.open_topic = None;
                    next.records.clear();
                    next.produced.clear();
                    next.table = None;
                    next.cleanup = None;
                }
                next.topics.retain(|t| t.config.name() != &name);
                next.generation += 1;
            }
            Action::Cleaned(summary) => {
                next.cleanup = Some(summary);
                next.generation += 1;
            }
            Action::ConsumerStarted(view) => next.consumers.push(view),
            Action::RunStarted(view) => next.runs.push(view),
            Action::GroupReset(summary) => next.group_reset = Some(summary),
            Action::SetVocabulary(mode) => next.vocabulary = Some(mode),
            Action::Inspect(batch) => next.inspected = batch,
            Action::ImportStarted(view) => next.import = Some(view),
            Action::Scenario(view) => {
                if let Some(e) = &view.error {
                    next.error = Some(format!("scenario {}: {e}", view.source));
                }
                next.scenario = Some(view);
                next.generation += 1;
            }
            Action::ImportProgress(n) => {
                if let Some(import) = next.import.as_mut() {
                    import.done += n;
                }
                next.generation += 1;
            }
            Action::ImportFailed(message) => {
                if let Some(import) = next.import.as_mut() {
                    import.error = Some(message.clone());
                }
                next.error = Some(message);
            }
            Action::Exported(summary) => next.exported = Some(summary),
            Action::FieldError(field, message) => {
                next.error = Some(message.clone());
                next.field_error = Some((field, message));
            }
            Action::QueryRecords(query) => {
                next.records_query = query;
                next.generation += 1;
            }
            Action::RunRate(id, rate) => {
                if let Some(run) = next.runs.iter_mut().find(|r| r.id == id) {
                    run.rate = rate;
                }
            }
            Action::Run(event) => next.apply_run_event(event),
            Action::ConsumerStopped(id) => {
                if let Some(c) = next.consumers.iter_mut().find(|c| c.id == id) {
                    c.running = false;
                }
            }
            Action::Consumer(id, event) => {
                let Some(c) = next.consumers.iter_mut().find(|c| c.id == id) else {
                    return self;
                };
                match event {
                    ConsumerEvent::Records {
                        records,
                        positions,
                        millis_behind,
                    } => {
                        c.millis_behind = millis_behind;
                        c.consumed += records.len() as u64;
                        c.positions = positions;
                        c.recent.extend(records);
                        let excess = c.recent.len().saturating_sub(RECENT_CONSUMED);
                        c.recent.drain(..excess);
                    }
                    ConsumerEvent::Committed { offsets } => c.committed = offsets,
                    ConsumerEvent::Assigned {
                        generation,
                        partitions,
                        positions,
                    } => {
                        // Positions of partitions handed to other members no longer apply.
                        c.positions = positions;
                        c.committed.retain(|(p, _)| partitions.contains(p));
                        c.assigned = Some((generation, partitions));
                    }
                    ConsumerEvent::Stopped => c.running = false,
                    ConsumerEvent::Failed { message } => {
                        c.running = false;
                        c.error = Some(message.clone());
                        next.error = Some(message);
                    }
                }
            }
        }
        Rc::new(next)
    }
}
