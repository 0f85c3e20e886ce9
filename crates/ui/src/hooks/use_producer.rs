//! `use_producer`: the produce form's producer worker.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use yew::prelude::*;

use streamlab_log::{Mode, TopicName};
use streamlab_protocol::form::ProduceForm;
use streamlab_protocol::{ProducerCommand, ProducerEvent};
use streamlab_workers::{PortError, ProducerBridge, WorkerRole};

use crate::state::{Action, Dispatch};

/// The produce form's worker: one per lab, started when the lab mounts, ended when it unmounts.
#[derive(Clone)]
pub struct Producer {
    db: AttrValue,
    dispatch: Dispatch,
    bridge: Rc<RefCell<Option<ProducerBridge>>>,
    next_request: Rc<Cell<u64>>,
}

impl Producer {
    /// Sends the records `form` describes to `topic` (whose rules are `rules`'s).
    pub fn produce(&self, topic: &TopicName, rules: Mode, form: &ProduceForm) {
        let dispatch = &self.dispatch;
        let records = match form.records(rules) {
            Ok(records) => records,
            Err(message) => return dispatch.dispatch(Action::Error(message)),
        };
        let request_id = self.next_request.get();
        self.next_request.set(request_id + 1);
        let bridge = self.bridge.borrow();
        let Some(bridge) = bridge.as_ref() else {
            return dispatch.dispatch(Action::Error("the producer worker is not running".into()));
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
}

/// Reports a producer's refusal with `failed` (the produce form's or the import's action),
/// raising the storage warning first when the browser's quota was the cause.
pub fn report_refusal(
    dispatch: &Dispatch,
    message: String,
    storage_full: bool,
    failed: fn(String) -> Action,
) {
    if storage_full {
        dispatch.dispatch(Action::StorageFull);
    }
    dispatch.dispatch(failed(message));
}

/// Starts the produce form's worker; its acknowledgements and refusals become actions.
#[hook]
pub fn use_producer(db: AttrValue, dispatch: Dispatch) -> Producer {
    let bridge = use_mut_ref(|| None::<ProducerBridge>);
    let next_request = use_memo((), |_| Cell::new(0u64));
    {
        let (bridge, dispatch) = (Rc::clone(&bridge), dispatch.clone());
        use_effect_with(db.clone(), move |_| {
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
                Ok(started) => *bridge.borrow_mut() = Some(started),
                Err(e) => dispatch.dispatch(Action::Error(e.to_string())),
            }
            // Dropping the last bridge ends the worker.
            move || drop(bridge.borrow_mut().take())
        });
    }
    Producer {
        db,
        dispatch,
        bridge,
        next_request,
    }
}
