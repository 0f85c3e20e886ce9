//! What the user does with a topic's records: page the records table, inspect a stored batch,
//! export the topic as JSON Lines, import a file.

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Array, Reflect};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use streamlab_log::{
    resolve_position, BatchLookup, Offset, OffsetResetPolicy, PartitionId, Storage, TopicMetadata,
    TopicName, TopicPartition,
};
use streamlab_protocol::form::parse_jump;
use streamlab_views::RecordsQuery;

use crate::browser::{download, parse_date};
use crate::hooks::use_producer::report_refusal;
use crate::hooks::use_store::StoreCell;
use crate::state::{Action, Dispatch, ImportView, InspectedBatch};
use crate::tools;

/// An import under way: the tools bundle's job (its producer worker) and the callback that hears
/// its events. Dropping it ends the worker first, then lets go of the callback.
pub struct ImportJob {
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
        let (db, name) = (JsValue::from_str(&self.db), topic.clone());
        spawn_local(async move {
            let exported = tools::call("export_topic", &[&db, &name.as_str().into()])
                .await
                .and_then(|answer| {
                    let answer = Array::from(&answer);
                    let (text, count) = (answer.get(0).as_string(), answer.get(1).as_f64());
                    let file = format!("{name}.jsonl");
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

    /// Imports a JSON Lines file into `topic` through a producer worker of its own (the tools
    /// bundle's `import_jsonl`), 500 records per request. A file with a bad line is refused
    /// whole, naming the line. The import ends with the next import or the lab.
    pub fn import(&self, topic: &TopicMetadata, file: web_sys::File) {
        let dispatch = self.dispatch.clone();
        let args = [
            JsValue::from_str(&self.db),
            JsValue::from_str(topic.config.name().as_str()),
            JsValue::from_str(topic.config.mode().as_str()),
            JsValue::from(topic.partitions.len() as u32),
        ];
        let imports = Rc::clone(&self.import);
        spawn_local(async move {
            let text = match wasm_bindgen_futures::JsFuture::from(file.text()).await {
                Ok(text) => text,
                Err(_) => {
                    let message = format!("could not read {}", file.name());
                    return dispatch.dispatch(Action::Error(message));
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
                    return dispatch.dispatch(Action::Error(format!("{}: {e}", file.name())));
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
}
