//! `use_runs`: producer runs, each a producer worker of its own sending at a rate.

use std::cell::Cell;
use std::collections::HashMap;
use std::rc::Rc;

use yew::prelude::*;

use streamlab_log::{Mode, TopicName};
use streamlab_protocol::form::RunForm;
use streamlab_protocol::{ProducerCommand, ProducerEvent};
use streamlab_workers::{PortError, ProducerBridge, WorkerRole};

use crate::browser::run_after;
use crate::state::{Action, Dispatch, RunStatus, RunView};

type Bridges = Rc<std::cell::RefCell<HashMap<u64, ProducerBridge>>>;

/// The lab's producer runs; every one ends with the lab.
#[derive(Clone)]
pub struct Runs {
    db: AttrValue,
    dispatch: Dispatch,
    bridges: Bridges,
    next_run: Rc<Cell<u64>>,
}

impl Runs {
    /// Starts the run `form` describes on `topic` (whose rules are `rules`'s).
    pub fn start(&self, topic: &TopicName, rules: Mode, form: &RunForm) {
        let dispatch = self.dispatch.clone();
        let spec = match form.spec(rules) {
            Ok(spec) => spec,
            Err(message) => return dispatch.dispatch(Action::Error(message)),
        };
        let id = self.next_run.get();
        self.next_run.set(id + 1);
        let on_event = {
            let (dispatch, bridges) = (dispatch.clone(), Rc::clone(&self.bridges));
            move |event: Result<ProducerEvent, PortError>| {
                let event = event.unwrap_or_else(|e| ProducerEvent::RunEnded {
                    run_id: id,
                    sent: 0,
                    error: Some(e.to_string()),
                    storage_full: false,
                });
                if matches!(event, ProducerEvent::RunEnded { .. }) {
                    // The run is over: end its worker (not from inside its own handler).
                    let bridges = Rc::clone(&bridges);
                    run_after(0, move || drop(bridges.borrow_mut().remove(&id)));
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
                self.bridges.borrow_mut().insert(id, bridge);
                dispatch.dispatch(Action::ClearError);
                dispatch.dispatch(Action::RunStarted(RunView {
                    id,
                    topic: topic.clone(),
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

    fn command(&self, id: u64, command: ProducerCommand) {
        let sent = self.bridges.borrow().get(&id).map(|b| b.send(&command));
        // `None`: the run's worker has ended, and there is nothing to tell it.
        if let Some(Err(e)) = sent {
            self.dispatch.dispatch(Action::Error(e.to_string()));
        }
    }

    /// Pauses a run.
    pub fn pause(&self, id: u64) {
        self.command(id, ProducerCommand::PauseRun { run_id: id });
    }

    /// Resumes a paused run.
    pub fn resume(&self, id: u64) {
        self.command(id, ProducerCommand::ResumeRun { run_id: id });
    }

    /// Stops a run; its worker ends when the run says it ended.
    pub fn stop(&self, id: u64) {
        self.command(id, ProducerCommand::StopRun { run_id: id });
    }

    /// Changes a running run's rate (`None`: as fast as the store takes records).
    pub fn set_rate(&self, id: u64, rate: Option<u32>) {
        self.command(id, ProducerCommand::SetRunRate { run_id: id, rate });
        self.dispatch.dispatch(Action::RunRate(id, rate));
    }
}

/// The lab's producer runs; unmounting the lab ends their workers.
#[hook]
pub fn use_runs(db: AttrValue, dispatch: Dispatch) -> Runs {
    let bridges = use_mut_ref(HashMap::<u64, ProducerBridge>::new);
    let next_run = use_memo((), |_| Cell::new(1u64));
    {
        let bridges = Rc::clone(&bridges);
        use_effect_with((), move |_| move || bridges.borrow_mut().clear());
    }
    Runs {
        db,
        dispatch,
        bridges,
        next_run,
    }
}
