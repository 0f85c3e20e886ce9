//! The lab's processor worker (`streamlab-streams` over the lab's database): started when the
//! database has statements or the user runs one, it runs the Streams panel's SQL and keeps the
//! persistent queries running while the page is open. Its progress reports (queries, lag,
//! topology counts, declared streams and tables) become [`ProcessorState`].

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use yew::prelude::*;

use streamlab_protocol::processor::{
    ProcessorCommand, ProcessorEvent, QueryStatus, SourceStatus, SqlOutcome,
};
use streamlab_workers::{ProcessorBridge, WorkerRole};

/// Runs the panel keeps (newest last).
const HISTORY: usize = 50;

/// Rows a push query's result keeps (the newest).
const PUSH_ROWS: usize = 500;

/// A push query's rows as they came.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct PushView {
    /// The newest rows (at most 500), oldest first.
    pub rows: Vec<Vec<(String, String)>>,
    /// Rows received in all.
    pub received: u64,
    /// Why it no longer runs: its LIMIT, the user, or the worker's end.
    pub ended: Option<String>,
}

/// Whether the processor worker runs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Worker {
    /// Not started (no statement yet in this database).
    Idle,
    /// Opening the database: replaying statements, restoring state.
    Starting,
    /// Running the queries.
    Running,
    /// Terminated by the user, as a crash would; nothing of its unfinished step was stored.
    Killed,
    /// It failed; the message says why.
    Failed(String),
}

/// One run of the editor's text and its outcome.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Submission {
    /// The command's request number.
    pub request: u64,
    /// The text run.
    pub text: String,
    /// One outcome per statement, once answered.
    pub results: Option<Vec<SqlOutcome>>,
    /// Why nothing ran (the worker failed).
    pub error: Option<String>,
}

/// A query's rate of records read, from two progress reports.
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub struct Rate {
    at_ms: f64,
    records_in: u64,
    /// Records read per second.
    pub per_second: f64,
}

/// What the Streams panel shows.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct ProcessorState {
    /// The worker.
    pub worker: Option<Worker>,
    /// The running queries.
    pub queries: Vec<QueryStatus>,
    /// The declared streams and tables.
    pub sources: Vec<SourceStatus>,
    /// This page's runs, newest last.
    pub submissions: Vec<Submission>,
    /// Rates by query id.
    pub rates: BTreeMap<String, Rate>,
    /// Push queries' rows, by push query id.
    pub pushes: BTreeMap<String, PushView>,
}

/// A change to [`ProcessorState`].
pub enum ProcessorAction {
    /// The worker was started (or restarted).
    Starting,
    /// An event of the worker.
    Event(ProcessorEvent),
    /// The worker failed to load or its message did not decode.
    Broken(String),
    /// Text was sent to run.
    Submitted(u64, String),
    /// The user killed the worker.
    Killed,
    /// The user stopped a push query.
    PushStopped(String),
    /// A second passed: a query that read nothing since its last rate reads at 0/s.
    Tick,
}

impl Reducible for ProcessorState {
    type Action = ProcessorAction;

    fn reduce(self: Rc<Self>, action: ProcessorAction) -> Rc<Self> {
        if let ProcessorAction::Tick = action {
            // Most seconds change nothing, and the lab does not render again.
            let rates = self.rates_for(&self.queries);
            if rates == self.rates {
                return self;
            }
            let mut next = (*self).clone();
            next.rates = rates;
            return Rc::new(next);
        }
        let mut next = (*self).clone();
        match action {
            ProcessorAction::Starting => next.worker = Some(Worker::Starting),
            ProcessorAction::Killed => {
                next.worker = Some(Worker::Killed);
                next.end_pushes("the processor worker was killed");
            }
            ProcessorAction::PushStopped(id) => {
                if let Some(p) = next.pushes.get_mut(&id) {
                    p.ended.get_or_insert_with(|| "stopped".to_owned());
                }
            }
            ProcessorAction::Broken(message) => next.worker = Some(Worker::Failed(message)),
            ProcessorAction::Submitted(request, text) => {
                next.submissions.push(Submission {
                    request,
                    text,
                    results: None,
                    error: None,
                });
                let drop = next.submissions.len().saturating_sub(HISTORY);
                next.submissions.drain(..drop);
            }
            ProcessorAction::Event(event) => next.apply(event),
            ProcessorAction::Tick => {}
        }
        Rc::new(next)
    }
}

impl ProcessorState {
    fn apply(&mut self, event: ProcessorEvent) {
        match event {
            ProcessorEvent::Started { queries } => {
                self.worker = Some(Worker::Running);
                self.set_queries(queries);
            }
            ProcessorEvent::Progress { queries, sources } => {
                self.worker = Some(Worker::Running);
                self.set_queries(queries);
                self.sources = sources;
            }
            ProcessorEvent::Idle { queries, .. } => self.set_queries(queries),
            ProcessorEvent::Results { request, results } => {
                for id in results.iter().filter_map(|r| r.query_id.as_ref()) {
                    if id.starts_with("transient_") {
                        self.pushes.insert(id.clone(), PushView::default());
                    }
                }
                if let Some(s) = self.submissions.iter_mut().find(|s| s.request == request) {
                    s.results = Some(results);
                }
            }
            ProcessorEvent::PushRows {
                id,
                rows,
                done,
                error,
            } => {
                let view = self.pushes.entry(id).or_default();
                view.received += rows.len() as u64;
                view.rows.extend(rows);
                let drop = view.rows.len().saturating_sub(PUSH_ROWS);
                view.rows.drain(..drop);
                if done {
                    view.ended = Some(error.unwrap_or_else(|| "LIMIT reached".to_owned()));
                }
            }
            ProcessorEvent::Failed {
                request: Some(request),
                message,
            } => {
                if let Some(s) = self.submissions.iter_mut().find(|s| s.request == request) {
                    s.error = Some(message);
                }
            }
            ProcessorEvent::Failed {
                request: None,
                message,
            } => {
                self.worker = Some(Worker::Failed(message.clone()));
                self.end_pushes("the processor worker failed");
                for s in self.submissions.iter_mut().filter(|s| s.results.is_none()) {
                    s.error.get_or_insert_with(|| message.clone());
                }
            }
            ProcessorEvent::Stopped => {
                self.worker = Some(Worker::Idle);
                self.end_pushes("the processor worker stopped");
            }
        }
    }

    fn end_pushes(&mut self, why: &str) {
        for p in self.pushes.values_mut() {
            p.ended.get_or_insert_with(|| why.to_owned());
        }
    }

    fn set_queries(&mut self, queries: Vec<QueryStatus>) {
        self.rates = self.rates_for(&queries);
        self.queries = queries;
    }

    /// Each query's rate: over at least a second since its last rate, so a rate is not one
    /// step's burst; a query idle at 0/s keeps its rate as it is.
    fn rates_for(&self, queries: &[QueryStatus]) -> BTreeMap<String, Rate> {
        let now = js_sys::Date::now();
        queries
            .iter()
            .map(|q| {
                let fresh = |per_second| Rate {
                    at_ms: now,
                    records_in: q.records_in,
                    per_second,
                };
                let rate = match self.rates.get(&q.id) {
                    Some(r) if r.records_in == q.records_in && r.per_second == 0.0 => *r,
                    Some(r) if now - r.at_ms >= 1000.0 => fresh(
                        q.records_in.saturating_sub(r.records_in) as f64 * 1000.0 / (now - r.at_ms),
                    ),
                    Some(r) => *r,
                    None => fresh(0.0),
                };
                (q.id.clone(), rate)
            })
            .collect()
    }
}

/// The Streams panel's handle on the processor worker.
#[derive(Clone)]
pub struct ProcessorHandle {
    /// What the worker reported.
    pub state: UseReducerHandle<ProcessorState>,
    bridge: Rc<RefCell<Option<ProcessorBridge>>>,
    next: Rc<RefCell<u64>>,
    db: AttrValue,
}

impl PartialEq for ProcessorHandle {
    fn eq(&self, other: &Self) -> bool {
        self.state == other.state && self.db == other.db
    }
}

impl ProcessorHandle {
    /// Starts the worker unless it runs.
    pub fn start(&self) {
        if self.bridge.borrow().is_some() {
            return;
        }
        let dispatch = self.state.dispatcher();
        let on_event = {
            let dispatch = dispatch.clone();
            move |event: Result<ProcessorEvent, streamlab_workers::PortError>| match event {
                Ok(event) => dispatch.dispatch(ProcessorAction::Event(event)),
                Err(e) => dispatch.dispatch(ProcessorAction::Broken(e.to_string())),
            }
        };
        dispatch.dispatch(ProcessorAction::Starting);
        let started = ProcessorBridge::spawn(WorkerRole::Processor, on_event).and_then(|b| {
            b.send(&ProcessorCommand::Start {
                db: self.db.to_string(),
            })?;
            Ok(b)
        });
        match started {
            Ok(bridge) => *self.bridge.borrow_mut() = Some(bridge),
            Err(e) => dispatch.dispatch(ProcessorAction::Broken(e.to_string())),
        }
    }

    /// Runs one or more statements (starting the worker first if need be).
    pub fn run(&self, text: String) {
        if text.trim().is_empty() {
            return;
        }
        self.start();
        let request = {
            let mut next = self.next.borrow_mut();
            *next += 1;
            *next
        };
        let dispatch = self.state.dispatcher();
        dispatch.dispatch(ProcessorAction::Submitted(request, text.clone()));
        let sent = match self.bridge.borrow().as_ref() {
            Some(b) => b.send(&ProcessorCommand::Sql { request, text }),
            None => return,
        };
        if let Err(e) = sent {
            dispatch.dispatch(ProcessorAction::Event(ProcessorEvent::Failed {
                request: Some(request),
                message: e.to_string(),
            }));
        }
    }

    /// Stops a push query.
    pub fn stop_push(&self, id: String) {
        if let Some(b) = self.bridge.borrow().as_ref() {
            let _ = b.send(&ProcessorCommand::StopPush { id: id.clone() });
        }
        self.state.dispatch(ProcessorAction::PushStopped(id));
    }

    /// Terminates the worker at once, wherever it is, as a crash would.
    pub fn kill(&self) {
        // Dropping the bridge terminates the worker.
        drop(self.bridge.borrow_mut().take());
        self.state.dispatch(ProcessorAction::Killed);
    }
}

/// The processor of database `db`, started at once when `autostart` (the database has
/// statements) and otherwise on the first statement; it ends with the lab.
#[hook]
pub fn use_processor(db: AttrValue, autostart: bool) -> ProcessorHandle {
    let state = use_reducer(ProcessorState::default);
    let bridge = use_mut_ref(|| None::<ProcessorBridge>);
    let next = use_mut_ref(|| 0u64);
    let handle = ProcessorHandle {
        state,
        bridge: bridge.clone(),
        next,
        db: db.clone(),
    };
    {
        let handle = handle.clone();
        use_effect_with(autostart, move |autostart| {
            if *autostart && handle.state.worker.is_none() {
                handle.start();
            }
        });
    }
    {
        // Rates fall to 0/s once a query stops reading, with or without reports.
        let dispatch = handle.state.dispatcher();
        use_effect_with((), move |_| {
            streamlab_workers::every(1000, move || dispatch.dispatch(ProcessorAction::Tick))
        });
    }
    {
        // A new database (the `db` attribute changed) gets its own worker; the lab's end ends it.
        let bridge = bridge.clone();
        use_effect_with(db, move |_| move || drop(bridge.borrow_mut().take()));
    }
    handle
}
