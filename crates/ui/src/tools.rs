//! The lab's less used operations (JSON Lines export and import, a group's offset reset,
//! cleanup now, scenario files) are in the tools bundle (`crates/script`, `streamlab-script.js`),
//! which the loader fetches the first time one is asked for: a page that only shows labs never
//! downloads them. This is the lab's side: find the bundle through the loader
//! (`customElements.get('stream-lab').api`) and send its `lab_tool` a typed request
//! (`streamlab_protocol::tools`: request, events and their answers, reply).

use js_sys::{Function, Promise, Reflect, Uint8Array};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use streamlab_protocol::tools::{EventAnswer, ToolEvent, ToolReply, ToolRequest};
use streamlab_protocol::{decode, encode};

/// The message of a JavaScript error (or the value, written out).
pub fn message(e: &JsValue) -> String {
    e.dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| e.as_string())
        .unwrap_or_else(|| format!("{e:?}"))
}

/// The tools bundle's exports, loaded on first use.
async fn bundle() -> Result<JsValue, String> {
    let unavailable = |e: JsValue| format!("the lab's tools could not load: {}", message(&e));
    let window = web_sys::window().ok_or("the lab's tools need a window")?;
    let registry = Reflect::get(&window, &"customElements".into()).map_err(unavailable)?;
    let get: Function = Reflect::get(&registry, &"get".into())
        .map_err(unavailable)?
        .dyn_into()
        .map_err(unavailable)?;
    let element = get
        .call1(&registry, &"stream-lab".into())
        .map_err(unavailable)?;
    let api = Reflect::get(&element, &"api".into()).map_err(unavailable)?;
    JsFuture::from(Promise::resolve(&api))
        .await
        .map_err(unavailable)
}

/// What the lab keeps of a tool's events: the callback the bundle calls, alive for as long as
/// the tool can call it (an import's, until the import ends).
pub type EventSink = Closure<dyn FnMut(Uint8Array) -> Uint8Array>;

/// The bundle's event callback around `hear`: it decodes each [`ToolEvent`] and encodes the
/// answer. An event that does not decode is refused with the reason.
pub fn events(mut hear: impl FnMut(ToolEvent) -> EventAnswer + 'static) -> EventSink {
    Closure::new(move |bytes: Uint8Array| {
        let answer = match decode::<ToolEvent>(&bytes.to_vec()) {
            Ok(event) => hear(event),
            Err(e) => EventAnswer::Refused(e.to_string()),
        };
        // An `EventAnswer` always encodes; an empty answer would read as a refusal.
        Uint8Array::from(encode(&answer).unwrap_or_default().as_slice())
    })
}

/// A tool's reply, and its job (an import's `cancel()` ends the import).
pub struct Answer {
    /// What the tool did.
    pub reply: ToolReply,
    /// The bundle's job object.
    pub job: JsValue,
}

/// Asks the tools bundle's `lab_tool` for `request`, its events going to `sink`, and awaits its
/// reply; a failure is its message.
pub async fn call(request: &ToolRequest, sink: &EventSink) -> Result<Answer, String> {
    let api = bundle().await?;
    let function: Function = Reflect::get(&api, &"lab_tool".into())
        .ok()
        .and_then(|f| f.dyn_into().ok())
        .ok_or("the lab's tools have no lab_tool")?;
    let bytes = encode(request).map_err(|e| e.to_string())?;
    let promise = function
        .call2(
            &JsValue::NULL,
            &Uint8Array::from(bytes.as_slice()),
            sink.as_ref(),
        )
        .map_err(|e| message(&e))?;
    let promise: Promise = promise
        .dyn_into()
        .map_err(|_| "the lab's tools did not answer with a promise".to_owned())?;
    let job = JsFuture::from(promise).await.map_err(|e| message(&e))?;
    let reply = Reflect::get(&job, &"reply".into())
        .ok()
        .and_then(|r| r.dyn_into::<Uint8Array>().ok())
        .ok_or("the lab's tools answered without a reply")?;
    let reply = decode(&reply.to_vec()).map_err(|e| e.to_string());
    // Only an import's job lives on (its `cancel()` ends the import); free the others' now.
    if !matches!(reply, Ok(ToolReply::ImportStarted { .. })) {
        if let Some(free) = Reflect::get(&job, &"free".into())
            .ok()
            .and_then(|f| f.dyn_into::<Function>().ok())
        {
            let _ = free.call0(&job);
        }
    }
    Ok(Answer { reply: reply?, job })
}
