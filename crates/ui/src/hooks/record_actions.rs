//! What the user does with a topic's records: page the records table, inspect a stored batch,
//! export the topic as JSON Lines, import a file.

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::Reflect;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use streamlab_log::{
    resolve_position, BatchLookup, Offset, OffsetResetPolicy, PartitionId, Storage, TopicMetadata,
    TopicName, TopicPartition,
};
use streamlab_protocol::form::parse_jump;
use streamlab_protocol::tools::{EventAnswer, ToolEvent, ToolReply, ToolRequest};
use streamlab_views::RecordsQuery;

use crate::browser::{download, parse_date};
use crate::hooks::use_producer::report_refusal;
use crate::hooks::use_store::StoreCell;
use crate::state::{Action, Dispatch, ImportView, InspectedBatch};
use crate::tools::{self, EventSink};

/// An import under way: the tools bundle's job (its producer worker) and the callback that hears
/// its events. Dropping it ends the worker first, then lets go of the callback.
pub struct ImportJob {
    job: JsValue,
    /// Kept alive for as long as the job can call it.
    _events: EventSink,
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

/// The operations on the open topic's records.
#[derive(Clone)]
pub struct RecordActions {
    pub(crate) db: AttrValue,
    pub(crate) dispatch: Dispatch,
    pub(crate) store: StoreCell,
    /// The running import; it ends with the next import or the lab.
    pub(crate) import: Rc<RefCell<Option<ImportJob>>>,
}

impl RecordActions {
    /// Shows other records in the records table.
    pub fn query(&self, query: RecordsQuery) {
        self.dispatch.dispatch(Action::QueryRecords(query));
    }

    /// Pages the records table to partition `partition` of `topic` at `kind` (`offset`,
    /// `sequence` or `timestamp`) `value`, keeping the key search; out-of-range positions are
    /// errors in words.
    pub fn jump(
        &self,
        topic: &TopicName,
        partition: u32,
        kind: &str,
        value: &str,
        key_search: String,
    ) {
        let dispatch = self.dispatch.clone();
        let position = match parse_jump(kind, value, parse_date) {
            Ok(p) => p,
            Err(message) => return dispatch.dispatch(Action::Error(message)),
        };
        let Some(store) = self.store.get() else {
            return;
        };
        let tp = TopicPartition::new(topic.clone(), PartitionId(partition));
        spawn_local(async move {
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

    /// Reads the stored batch that holds `offset` of partition `partition` of `topic` into the
    /// byte inspector.
    pub fn inspect(&self, topic: &TopicName, partition: u32, offset: u64) {
        let dispatch = self.dispatch.clone();
        let Some(store) = self.store.get() else {
            return;
        };
        let tp = TopicPartition::new(topic.clone(), PartitionId(partition));
        spawn_local(async move {
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

    /// Closes the byte inspector.
    pub fn close_inspector(&self) {
        self.dispatch.dispatch(Action::Inspect(None));
    }

    /// Downloads `topic` as JSON Lines (`<topic>.jsonl`), every partition in order.
    pub fn export(&self, topic: &TopicName) {
        let dispatch = self.dispatch.clone();
        let name = topic.clone();
        let request = ToolRequest::ExportTopic {
            db: self.db.to_string(),
            topic: topic.as_str().to_owned(),
        };
        spawn_local(async move {
            let sink = tools::events(|_| EventAnswer::GoOn);
            let exported = match tools::call(&request, &sink).await.map(|a| a.reply) {
                Ok(ToolReply::Exported { text, records }) => {
                    let file = format!("{name}.jsonl");
                    download(&file, &text).map(|()| format!("exported {records} records to {file}"))
                }
                Ok(_) => Err("the lab's tools answered another request".to_owned()),
                Err(message) => Err(message),
            };
            match exported {
                Ok(summary) => dispatch.dispatch(Action::Exported(summary)),
                Err(message) => dispatch.dispatch(Action::Error(message)),
            }
        });
    }

    /// Imports a JSON Lines file into `topic` through a producer worker of its own (the tools
    /// bundle's `import_jsonl`), 500 records per request. A file with a bad line is refused
    /// whole, naming the line. The import ends with the next import or the lab.
    pub fn import(&self, topic: &TopicMetadata, file: web_sys::File) {
        let dispatch = self.dispatch.clone();
        let (db, name) = (self.db.to_string(), topic.config.name().as_str().to_owned());
        let kafka = topic.config.mode() == streamlab_log::Mode::Kafka;
        let partitions = topic.partitions.len() as u32;
        let imports = Rc::clone(&self.import);
        spawn_local(async move {
            let text = match wasm_bindgen_futures::JsFuture::from(file.text()).await {
                Ok(text) => text,
                Err(_) => {
                    let message = format!("could not read {}", file.name());
                    return dispatch.dispatch(Action::Error(message));
                }
            };
            let events = {
                let dispatch = dispatch.clone();
                tools::events(move |event| {
                    match event {
                        ToolEvent::ImportAcked(records) => {
                            dispatch.dispatch(Action::ImportProgress(records))
                        }
                        ToolEvent::ImportRefused {
                            message,
                            storage_full,
                        } => report_refusal(&dispatch, message, storage_full, Action::ImportFailed),
                        ToolEvent::ImportFailed(message) => {
                            dispatch.dispatch(Action::ImportFailed(message))
                        }
                        // An import tells nothing else.
                        ToolEvent::ScenarioStep { .. } | ToolEvent::ScenarioConsume { .. } => {}
                    }
                    EventAnswer::GoOn
                })
            };
            let request = ToolRequest::ImportJsonl {
                db,
                topic: name,
                kafka,
                partitions,
                text: text.as_string().unwrap_or_default(),
            };
            let (total, job) = match tools::call(&request, &events).await {
                Ok(tools::Answer {
                    reply: ToolReply::ImportStarted { total },
                    job,
                }) => (total, job),
                Ok(_) => {
                    let message = "the lab's tools answered another request".to_owned();
                    return dispatch.dispatch(Action::Error(message));
                }
                Err(e) => {
                    return dispatch.dispatch(Action::Error(format!("{}: {e}", file.name())));
                }
            };
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
                _events: events,
            });
        });
    }
}
