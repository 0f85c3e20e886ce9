//! The processor worker: opens a database's streaming-SQL processor (`streamlab-streams` over
//! IndexedDB), runs the page's statements, and keeps every persistent query running, one step
//! (one IndexedDB transaction) at a time. It wakes on the database's BroadcastChannel notices and
//! on commands, never polls while idle, and announces the topics it writes, so consumers, the
//! dashboard and chained queries see them at once. A step refused because another processor of
//! the database committed first (another tab) reopens from the log; a killed worker loses
//! nothing, since every step's outputs, changelog and offsets were stored together.

use std::collections::{BTreeSet, VecDeque};
use std::rc::Rc;

use futures::channel::mpsc;
use futures::StreamExt;
use streamlab_idb::IdbStore;
use streamlab_log::Timestamp;
use streamlab_protocol::log_channel;
use streamlab_protocol::processor::{
    ProcessorCommand, ProcessorEvent, QueryStatus, SourceStatus, SqlOutcome, TopologyNode,
};
use streamlab_streams::ast::SourceKind;
use streamlab_streams::format::value_to_json;
use streamlab_streams::processor::{Processor, ProcessorError, QueryProgress};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::spawn_local;

use crate::port::{Responder, Served, WorkerBridge};
use crate::producer::announce;

/// The page's side of a processor worker.
pub type ProcessorBridge = WorkerBridge<ProcessorCommand, ProcessorEvent>;

const fn same(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

// The page finds a database's statements by the protocol's name for the engine's topic.
const _: () = assert!(same(
    streamlab_protocol::processor::COMMAND_TOPIC,
    streamlab_streams::processor::COMMAND_TOPIC
));

/// Records a step reads at most per input partition.
const STEP_RECORDS: usize = 10_000;

enum Wake {
    /// A topic of the database grew.
    Notice,
    /// The page sent a command.
    Command(ProcessorCommand),
}

/// The worker's side: one database's processor.
#[derive(Default)]
pub struct ProcessorWorker {
    wake: Option<mpsc::UnboundedSender<Wake>>,
}

impl Served for ProcessorWorker {
    type Command = ProcessorCommand;
    type Event = ProcessorEvent;

    fn unreadable(message: String) -> ProcessorEvent {
        ProcessorEvent::Failed {
            request: None,
            message,
        }
    }

    fn received(&mut self, command: ProcessorCommand, responder: &Rc<Responder<ProcessorEvent>>) {
        match command {
            ProcessorCommand::Start { db } if self.wake.is_none() => {
                let (tx, rx) = mpsc::unbounded();
                self.wake = Some(tx.clone());
                let responder = Rc::clone(responder);
                spawn_local(async move {
                    let respond = |event| responder.respond(&event);
                    match run(&respond, tx, rx, &db).await {
                        Ok(()) => {
                            respond(ProcessorEvent::Stopped);
                            responder.close();
                        }
                        Err(message) => respond(ProcessorEvent::Failed {
                            request: None,
                            message,
                        }),
                    }
                });
            }
            ProcessorCommand::Start { .. } => responder.respond(&ProcessorEvent::Failed {
                request: None,
                message: "this processor is already running".into(),
            }),
            other => match &self.wake {
                Some(wake) => {
                    let _ = wake.unbounded_send(Wake::Command(other));
                }
                None => responder.respond(&ProcessorEvent::Failed {
                    request: None,
                    message: "the processor has not been started".into(),
                }),
            },
        }
    }
}

fn now() -> Timestamp {
    Timestamp(js_sys::Date::now() as i64)
}

fn query_status(q: QueryProgress) -> QueryStatus {
    QueryStatus {
        id: q.id,
        sink: q.sink,
        text: q.text,
        records_in: q.records_in,
        records_out: q.records_out,
        records_skipped: q.records_skipped,
        state: if q.error.is_some() {
            "ERROR"
        } else {
            "RUNNING"
        }
        .to_owned(),
        error: q.error,
        lag: q.lag,
        topology: q
            .topology
            .into_iter()
            .map(|n| TopologyNode {
                kind: n.kind.as_str().to_owned(),
                label: n.label,
                count: n.count,
                inputs: n.inputs.into_iter().map(|i| i as u32).collect(),
            })
            .collect(),
    }
}

/// The running queries with their lag and topology.
async fn statuses(p: &Processor<'_, IdbStore>) -> Result<Vec<QueryStatus>, String> {
    let progress = p.progress().await.map_err(|e| e.to_string())?;
    Ok(progress.into_iter().map(query_status).collect())
}

/// The declared streams and tables.
fn sources(p: &Processor<'_, IdbStore>) -> Vec<SourceStatus> {
    p.engine()
        .sources()
        .map(|s| {
            let keys = s.schema.key.iter().map(|c| {
                let key = if s.kind == SourceKind::Table {
                    "PRIMARY KEY"
                } else {
                    "KEY"
                };
                format!("{} {} {key}", c.name, c.ty)
            });
            let values = s
                .schema
                .value
                .iter()
                .map(|c| format!("{} {}", c.name, c.ty));
            SourceStatus {
                name: s.name.clone(),
                kind: s.kind.to_string(),
                topic: s.topic.clone(),
                formats: format!("{} / {}", s.key_format.name(), s.value_format.name()),
                columns: keys.chain(values).collect::<Vec<_>>().join(", "),
                written_by: s.written_by.clone(),
            }
        })
        .collect()
}

/// Tells the page what the queries have done.
async fn report_progress(
    respond: &dyn Fn(ProcessorEvent),
    p: &Processor<'_, IdbStore>,
) -> Result<(), String> {
    respond(ProcessorEvent::Progress {
        queries: statuses(p).await?,
        sources: sources(p),
    });
    Ok(())
}

/// How often a busy processor reports its progress, ms.
const REPORT_EVERY_MS: f64 = 250.0;

/// A processor opened again from the log, with the page's push queries carried over (they
/// keep nothing in the log).
async fn reopen<'a>(
    store: &'a IdbStore,
    mut old: Processor<'a, IdbStore>,
) -> Result<Processor<'a, IdbStore>, String> {
    let pushes = old.take_pushes();
    let mut processor = Processor::open(store).await.map_err(|e| e.to_string())?;
    processor.keep_pushes(pushes);
    Ok(processor)
}

/// A row's values as JSON text.
fn json_row(row: Vec<(String, streamlab_streams::Value)>) -> Vec<(String, String)> {
    row.into_iter()
        .map(|(name, v)| (name, value_to_json(&v)))
        .collect()
}

fn outcome(r: streamlab_streams::StatementResult) -> SqlOutcome {
    SqlOutcome {
        statement: r.statement,
        ok: r.ok,
        message: r.message,
        query_id: r.query_id,
        rows: r.rows.map(|rows| rows.into_iter().map(json_row).collect()),
    }
}

async fn run(
    respond: &dyn Fn(ProcessorEvent),
    tx: mpsc::UnboundedSender<Wake>,
    mut rx: mpsc::UnboundedReceiver<Wake>,
    db: &str,
) -> Result<(), String> {
    let store = IdbStore::open(db).await.map_err(|e| e.to_string())?;
    // Appends anywhere in the origin wake the processor.
    let channel = web_sys::BroadcastChannel::new(&log_channel(db))
        .map_err(|_| "BroadcastChannel is not available".to_owned())?;
    let notice = tx.clone();
    let on_message =
        Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |_e: web_sys::MessageEvent| {
            let _ = notice.unbounded_send(Wake::Notice);
        });
    channel.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    let mut processor = Processor::open(&store).await.map_err(|e| e.to_string())?;
    respond(ProcessorEvent::Started {
        queries: statuses(&processor).await?,
    });
    report_progress(respond, &processor).await?;
    let mut reported = js_sys::Date::now();
    let mut waiting: Vec<u64> = Vec::new();
    let mut queue: VecDeque<ProcessorCommand> = VecDeque::new();
    loop {
        // Commands first, in the order they came.
        while let Ok(wake) = rx.try_recv() {
            if let Wake::Command(command) = wake {
                queue.push_back(command);
            }
        }
        while let Some(command) = queue.pop_front() {
            {
                match command {
                    ProcessorCommand::Sql { request, text } => {
                        match processor.execute(&text, now()).await {
                            Ok(results) => {
                                respond(ProcessorEvent::Results {
                                    request,
                                    results: results.into_iter().map(outcome).collect(),
                                });
                                // The dashboards of the database list the topics it made.
                                announce(db, streamlab_streams::processor::COMMAND_TOPIC);
                                report_progress(respond, &processor).await?;
                            }
                            Err(e) => respond(ProcessorEvent::Failed {
                                request: Some(request),
                                message: e.to_string(),
                            }),
                        }
                    }
                    ProcessorCommand::AwaitIdle { request } => waiting.push(request),
                    ProcessorCommand::StopPush { id } => {
                        processor.stop_push(&id);
                    }
                    ProcessorCommand::Stop => return Ok(()),
                    ProcessorCommand::Start { .. } => {}
                }
            }
        }
        // Statements another page ran (a new query, a TERMINATE) reach this processor too.
        if processor.is_stale().await.map_err(|e| e.to_string())? {
            processor = reopen(&store, processor).await?;
        }
        let report = match processor.step(STEP_RECORDS, now()).await {
            Ok(report) => report,
            Err(ProcessorError::StepRefused { .. }) => {
                // Another processor of the database committed first, or the step was refused:
                // nothing of it was stored; start again from the log.
                processor = reopen(&store, processor).await?;
                continue;
            }
            Err(e) => return Err(e.to_string()),
        };
        let (pushed, push_read) = processor
            .step_pushes(STEP_RECORDS)
            .await
            .map_err(|e| e.to_string())?;
        for p in pushed {
            respond(ProcessorEvent::PushRows {
                id: p.id,
                rows: p.rows.into_iter().map(json_row).collect(),
                done: p.done,
                error: p.error,
            });
        }
        if report.total_read() > 0 || push_read > 0 {
            let written: BTreeSet<String> = processor
                .engine()
                .queries()
                .iter()
                .filter(|q| report.written.get(&q.id).is_some_and(|n| *n > 0))
                .map(|q| q.sink.topic.clone())
                .collect();
            for topic in written {
                announce(db, &topic);
            }
            if js_sys::Date::now() - reported >= REPORT_EVERY_MS {
                report_progress(respond, &processor).await?;
                reported = js_sys::Date::now();
            }
            continue;
        }
        // Caught up: the page sees the final counts (lag 0).
        let queries = statuses(&processor).await?;
        for request in waiting.drain(..) {
            respond(ProcessorEvent::Idle {
                request,
                queries: queries.clone(),
                memory_bytes: crate::wasm_memory_bytes(),
            });
        }
        respond(ProcessorEvent::Progress {
            queries,
            sources: sources(&processor),
        });
        reported = js_sys::Date::now();
        // Caught up: sleep until a topic grows or a command comes.
        match rx.next().await {
            Some(Wake::Command(command)) => queue.push_back(command),
            Some(Wake::Notice) => {}
            None => return Ok(()),
        }
    }
}
