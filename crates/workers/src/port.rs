//! The message port between the page and a worker: one encoded buffer per message, transferred
//! (not copied) by `postMessage`.
//!
//! Each side encodes its messages with [`streamlab_protocol::encode`] into one `ArrayBuffer` and
//! hands the buffer over in the transfer list, so a batch of thousands of records crosses as one
//! message and its bytes change owner instead of being cloned. A message that does not decode is
//! reported as a [`WireError`], never a panic.

use std::cell::RefCell;
use std::marker::PhantomData;
use std::rc::Rc;

use js_sys::{Array, Uint8Array};
use serde::de::DeserializeOwned;
use serde::Serialize;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{
    Blob, BlobPropertyBag, DedicatedWorkerGlobalScope, MessageEvent, Url, Worker, WorkerOptions,
};

use crate::WorkerRole;

use streamlab_protocol::{decode, encode, WireError};

/// Why a worker could not be started or reached.
#[derive(Debug, thiserror::Error)]
pub enum PortError {
    /// The worker script's URL is not valid relative to the page.
    #[error("the worker script '{0}' is not a valid URL")]
    ScriptUrl(String),
    /// The browser refused to start the worker.
    #[error("the browser could not start a worker for '{script}': {reason}")]
    Spawn {
        /// The script.
        script: String,
        /// What the browser said.
        reason: String,
    },
    /// A message could not be encoded.
    #[error(transparent)]
    Wire(#[from] WireError),
    /// `postMessage` failed (the worker is gone, or the message could not be transferred).
    #[error("the message could not be posted: {0}")]
    Post(String),
}

fn describe(value: &JsValue) -> String {
    value
        .dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| value.as_string())
        .unwrap_or_else(|| format!("{value:?}"))
}

/// What a worker posts once it listens: messages sent before then would be lost, so the page
/// holds them until it hears this.
const READY: &str = "streamlab:ready";

/// `message` encoded into a fresh `ArrayBuffer`, viewed as bytes.
fn packed<T: Serialize>(message: &T) -> Result<Uint8Array, PortError> {
    let bytes = encode(message)?;
    let len =
        u32::try_from(bytes.len()).map_err(|_| PortError::Post("message too large".into()))?;
    let array = Uint8Array::new_with_length(len);
    array.copy_from(&bytes);
    Ok(array)
}

/// Posts `array` with its buffer transferred.
fn post(
    array: &Uint8Array,
    send: impl FnOnce(&JsValue, &JsValue) -> Result<(), JsValue>,
) -> Result<(), PortError> {
    let transfer = Array::of1(&array.buffer());
    send(array, &transfer).map_err(|e| PortError::Post(describe(&e)))
}

fn received<T: DeserializeOwned>(event: &MessageEvent) -> Result<T, WireError> {
    let data = event.data();
    let bytes = data
        .dyn_ref::<Uint8Array>()
        .map(Uint8Array::to_vec)
        .unwrap_or_default();
    decode(&bytes)
}

/// The page's end of a worker: sends commands `C`, receives events `E`.
pub struct WorkerBridge<C, E> {
    worker: Worker,
    /// Messages sent before the worker listens; `None` once it does.
    pending: Rc<RefCell<Option<Vec<Uint8Array>>>>,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_error: Closure<dyn FnMut(web_sys::ErrorEvent)>,
    _types: PhantomData<fn(C) -> E>,
}

impl<C: Serialize, E: DeserializeOwned + 'static> WorkerBridge<C, E> {
    /// Starts the worker built as `script` (Trunk's `no-modules` output, a URL relative to the
    /// page's or absolute) and calls `on_event` with each event, or with the error when a message
    /// does not decode or the worker fails to load.
    pub fn spawn(
        role: WorkerRole,
        on_event: impl Fn(Result<E, PortError>) + 'static,
    ) -> Result<Self, PortError> {
        let script = role.script();
        let js_url = absolute_url(script)?;
        let wasm_url = match js_url.strip_suffix(".js") {
            Some(stem) => format!("{stem}_bg.wasm"),
            None => return Err(PortError::ScriptUrl(script.to_owned())),
        };
        // A classic worker that loads the wasm-bindgen script and starts its wasm (the script
        // defines `wasm_bindgen` and waits to be told where the wasm is).
        let shim = format!(
            "importScripts({js});wasm_bindgen({{module_or_path:{wasm}}});",
            js = js_string(&js_url)?,
            wasm = js_string(&wasm_url)?
        );
        let spawn_error = |e: JsValue| PortError::Spawn {
            script: script.to_owned(),
            reason: describe(&e),
        };
        let options = BlobPropertyBag::new();
        options.set_type("application/javascript");
        let blob = Blob::new_with_str_sequence_and_options(&Array::of1(&shim.into()), &options)
            .map_err(spawn_error)?;
        let blob_url = Url::create_object_url_with_blob(&blob).map_err(spawn_error)?;
        let worker_options = WorkerOptions::new();
        worker_options.set_name(role.name());
        let worker = Worker::new_with_options(&blob_url, &worker_options).map_err(spawn_error);
        let _ = Url::revoke_object_url(&blob_url);
        let worker = worker?;

        let on_event = Rc::new(on_event);
        let pending: Rc<RefCell<Option<Vec<Uint8Array>>>> = Rc::new(RefCell::new(Some(Vec::new())));
        let on_message = {
            let (on_event, pending, worker) =
                (Rc::clone(&on_event), Rc::clone(&pending), worker.clone());
            Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
                if event.data().as_string().as_deref() == Some(READY) {
                    let held = pending.borrow_mut().take().unwrap_or_default();
                    for array in held {
                        if let Err(e) = post(&array, |m, t| worker.post_message_with_transfer(m, t))
                        {
                            on_event(Err(e));
                        }
                    }
                    return;
                }
                on_event(received(&event).map_err(PortError::from));
            })
        };
        let on_error = {
            let script = script.to_owned();
            Closure::<dyn FnMut(web_sys::ErrorEvent)>::new(move |event: web_sys::ErrorEvent| {
                event.prevent_default();
                on_event(Err(PortError::Spawn {
                    script: script.clone(),
                    reason: event.message(),
                }));
            })
        };
        worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        Ok(WorkerBridge {
            worker,
            pending,
            _on_message: on_message,
            _on_error: on_error,
            _types: PhantomData,
        })
    }

    /// Sends `command`; the worker handles commands in the order they were sent.
    pub fn send(&self, command: &C) -> Result<(), PortError> {
        let array = packed(command)?;
        if let Some(held) = self.pending.borrow_mut().as_mut() {
            held.push(array);
            return Ok(());
        }
        post(&array, |message, transfer| {
            self.worker.post_message_with_transfer(message, transfer)
        })
    }

    /// Ends the worker at once: whatever it had not acknowledged is lost, as with a crash.
    pub fn terminate(&self) {
        self.worker.terminate();
    }
}

impl<C, E> Drop for WorkerBridge<C, E> {
    /// A bridge nobody holds can never be answered: its worker ends with it.
    fn drop(&mut self) {
        self.worker.set_onmessage(None);
        self.worker.set_onerror(None);
        self.worker.terminate();
    }
}

/// `url` resolved against the script base, or the page's address when none is set.
fn absolute_url(url: &str) -> Result<String, PortError> {
    let base = crate::script_base()
        .or_else(|| {
            web_sys::window()
                .and_then(|w| w.document())
                .and_then(|d| d.base_uri().ok().flatten())
        })
        .ok_or_else(|| PortError::ScriptUrl(url.to_owned()))?;
    Url::new_with_base(url, &base)
        .map(|u| u.href())
        .map_err(|_| PortError::ScriptUrl(url.to_owned()))
}

/// `text` as a JavaScript string literal.
fn js_string(text: &str) -> Result<String, PortError> {
    js_sys::JSON::stringify(&JsValue::from_str(text))
        .map(String::from)
        .map_err(|_| PortError::ScriptUrl(text.to_owned()))
}

/// The worker's end: how it answers the page.
pub struct Responder<E> {
    scope: DedicatedWorkerGlobalScope,
    _types: PhantomData<fn(E)>,
}

impl<E: Serialize> Responder<E> {
    /// Posts `event` to the page. A failure to post is logged to the worker's console: the page
    /// that should hear about it is the one that cannot be reached.
    pub fn respond(&self, event: &E) {
        let sent = packed(event).and_then(|array| {
            post(&array, |message, transfer| {
                self.scope.post_message_with_transfer(message, transfer)
            })
        });
        if let Err(e) = sent {
            web_sys::console::error_1(&e.to_string().into());
        }
    }

    /// Ends this worker, after what it already posted.
    pub fn close(&self) {
        self.scope.close();
    }
}

/// What a worker does with the page's commands.
pub trait Served: Default + 'static {
    /// The commands it takes.
    type Command: DeserializeOwned + 'static;
    /// The events it answers with.
    type Event: Serialize + 'static;

    /// The event that reports a command it could not read.
    fn unreadable(message: String) -> Self::Event;

    /// Handles one command; answers through `responder`, now or later.
    fn received(&mut self, command: Self::Command, responder: &Rc<Responder<Self::Event>>);
}

/// Serves the page's commands in this worker (a worker binary's `main`): each command goes to
/// one `W`, in order; one that does not decode is answered with [`Served::unreadable`].
pub fn serve<W: Served>() {
    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let responder = Rc::new(Responder {
        scope: scope.clone(),
        _types: PhantomData,
    });
    let mut worker = W::default();
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
        match received(&event) {
            Ok(command) => worker.received(command, &responder),
            Err(e) => responder.respond(&W::unreadable(e.to_string())),
        }
    });
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    // The handler lives as long as the worker.
    on_message.forget();
    if scope.post_message(&READY.into()).is_err() {
        web_sys::console::error_1(&"the worker could not tell the page it is ready".into());
    }
}
