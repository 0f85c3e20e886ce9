//! `lab_tool`: the one door from the lab into this bundle. The lab sends an encoded
//! [`ToolRequest`], hears [`ToolEvent`]s and gets a [`ToolJob`] with the encoded [`ToolReply`]
//! (`streamlab_protocol::tools` is the contract; the lab never links this bundle).

use js_sys::{Function, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use streamlab_protocol::tools::{EventAnswer, ToolEvent, ToolReply, ToolRequest};
use streamlab_protocol::{decode, encode};
use streamlab_workers::ProducerBridge;

use crate::js_error;
use crate::tools::{clean_topic, export_topic, import_jsonl, reset_group, run_scenario};

/// The lab's event callback: it takes an encoded [`ToolEvent`] and returns an encoded
/// [`EventAnswer`].
#[derive(Clone)]
pub(crate) struct Events(Function);

impl Events {
    /// Tells the lab `event`; what it answers, or `Refused` with the reason when the callback
    /// failed or answered something that does not decode.
    pub(crate) fn send(&self, event: &ToolEvent) -> EventAnswer {
        let asked = encode(event).map_err(|e| e.to_string()).and_then(|bytes| {
            self.0
                .call1(&JsValue::NULL, &Uint8Array::from(bytes.as_slice()))
                .map_err(|e| crate::tools::message(&e))
        });
        let answer = asked.and_then(|answer| {
            let bytes = answer
                .dyn_into::<Uint8Array>()
                .map_err(|_| "the lab's answer is not bytes".to_owned())?
                .to_vec();
            decode::<EventAnswer>(&bytes).map_err(|e| e.to_string())
        });
        answer.unwrap_or_else(EventAnswer::Refused)
    }
}

/// A tool's answer, and for an import its producer worker (ended by `cancel()` or by dropping
/// the job).
#[wasm_bindgen]
pub struct ToolJob {
    reply: Vec<u8>,
    bridge: Option<ProducerBridge>,
}

#[wasm_bindgen]
impl ToolJob {
    /// The encoded [`ToolReply`].
    #[wasm_bindgen(getter)]
    pub fn reply(&self) -> Vec<u8> {
        self.reply.clone()
    }

    /// Ends an import's producer worker; requests it has not answered are not stored.
    pub fn cancel(&mut self) {
        self.bridge = None;
    }
}

/// Runs the encoded [`ToolRequest`] `request`, telling `on_event` what happens on the way (see
/// [`Events`]). Rejects with the failure in the dashboard's words.
#[wasm_bindgen]
pub async fn lab_tool(request: Vec<u8>, on_event: Function) -> Result<ToolJob, JsValue> {
    let request: ToolRequest = decode(&request).map_err(js_error)?;
    let events = Events(on_event);
    let mut bridge = None;
    let reply = match request {
        ToolRequest::CleanTopic { db, topic } => ToolReply::Done(clean_topic(&db, &topic).await?),
        ToolRequest::ResetGroup {
            db,
            topic,
            group,
            target,
            value,
        } => ToolReply::Done(reset_group(&db, &topic, &group, &target, &value).await?),
        ToolRequest::ExportTopic { db, topic } => {
            let (text, records) = export_topic(&db, &topic).await?;
            ToolReply::Exported { text, records }
        }
        ToolRequest::ImportJsonl {
            db,
            topic,
            kafka,
            partitions,
            text,
        } => {
            let (worker, total) = import_jsonl(&db, &topic, kafka, partitions, &text, events)?;
            bridge = Some(worker);
            ToolReply::ImportStarted { total }
        }
        ToolRequest::RunScenario { db, source, open } => ToolReply::ScenarioRan {
            shown: run_scenario(db, &source, open, &events).await?,
        },
    };
    let reply = encode(&reply).map_err(js_error)?;
    Ok(ToolJob { reply, bridge })
}
