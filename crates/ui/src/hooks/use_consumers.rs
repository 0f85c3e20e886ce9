//! `use_consumers`: consumer workers started from the lab (by hand or by a scenario's steps).

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;

use yew::prelude::*;

use streamlab_log::TopicName;
use streamlab_protocol::form::parse_position;
use streamlab_protocol::{ConsumerCommand, ConsumerEvent, WirePosition};
use streamlab_workers::{ConsumerBridge, PortError, WorkerRole};

use crate::browser::{parse_date, run_after};
use crate::state::{Action, ConsumerView, Dispatch};

/// How long a stopping consumer may take to commit and end its worker before it is ended.
const STOP_GRACE_MS: i32 = 5_000;

/// Each running consumer's worker, with the topic it reads.
type Bridges = Rc<RefCell<HashMap<u32, (TopicName, ConsumerBridge)>>>;

/// The lab's consumers; every one is told to stop (and commit) when the lab unmounts.
#[derive(Clone)]
pub struct Consumers {
    db: AttrValue,
    dispatch: Dispatch,
    bridges: Bridges,
    next_consumer: Rc<Cell<u32>>,
}

impl Consumers {
    /// Starts a consumer worker on `topic`. `kind` is a position name of either vocabulary
    /// (`earliest`, `latest`, `offset`, `timestamp`, `TRIM_HORIZON`, `LATEST`,
    /// `AT_SEQUENCE_NUMBER`, `AFTER_SEQUENCE_NUMBER`, `AT_TIMESTAMP`); `value` goes with the kinds
    /// that need one; an empty `group` is none.
    pub fn start(&self, topic: &TopicName, kind: &str, value: &str, group: &str) {
        let position = match parse_position(kind, value.trim(), parse_date) {
            Ok(p) => p,
            Err(message) => return self.dispatch.dispatch(Action::Error(message)),
        };
        let start = if value.trim().is_empty() {
            kind.to_owned()
        } else {
            format!("{kind} {}", value.trim())
        };
        let group = (!group.trim().is_empty()).then(|| group.trim().to_owned());
        self.spawn(topic.clone(), position, start, group);
    }

    /// Starts a consumer worker on `topic` from `position` (written as `start`), in `group` if
    /// one is given, and shows it in the consumers panel.
    pub fn spawn(
        &self,
        topic: TopicName,
        position: WirePosition,
        start: String,
        group: Option<String>,
    ) {
        let dispatch = self.dispatch.clone();
        let id = self.next_consumer.get();
        self.next_consumer.set(id + 1);
        let on_event = {
            let (dispatch, bridges) = (dispatch.clone(), Rc::clone(&self.bridges));
            move |event: Result<ConsumerEvent, PortError>| {
                let event = event.unwrap_or_else(|e| ConsumerEvent::Failed {
                    message: e.to_string(),
                });
                if event == ConsumerEvent::Stopped {
                    // Its worker has ended; let go of the bridge (not from inside its own
                    // message handler).
                    let bridges = Rc::clone(&bridges);
                    run_after(0, move || drop(bridges.borrow_mut().remove(&id)));
                }
                dispatch.dispatch(Action::Consumer(id, event));
            }
        };
        let started = ConsumerBridge::spawn(WorkerRole::Consumer, on_event).and_then(|bridge| {
            bridge.send(&ConsumerCommand::Start {
                db: self.db.to_string(),
                topic: topic.as_str().to_owned(),
                group: group.clone(),
                position,
            })?;
            Ok(bridge)
        });
        match started {
            Ok(bridge) => {
                self.bridges
                    .borrow_mut()
                    .insert(id, (topic.clone(), bridge));
            }
            Err(e) => return dispatch.dispatch(Action::Error(e.to_string())),
        }
        dispatch.dispatch(Action::ClearError);
        dispatch.dispatch(Action::ConsumerStarted(ConsumerView {
            id,
            topic,
            group,
            start,
            consumed: 0,
            positions: Vec::new(),
            committed: Vec::new(),
            recent: Vec::new(),
            running: true,
            error: None,
            assigned: None,
            millis_behind: 0,
        }));
    }

    /// Sends a command to a running consumer.
    fn command(&self, id: u32, command: ConsumerCommand) {
        let sent = self
            .bridges
            .borrow()
            .get(&id)
            .map(|(_, b)| b.send(&command));
        // `None`: the consumer's worker has ended, and there is nothing to tell it.
        if let Some(Err(e)) = sent {
            self.dispatch.dispatch(Action::Error(e.to_string()));
        }
    }

    /// Replays from the start: seeks the consumer to the earliest offset of every partition.
    pub fn replay(&self, id: u32) {
        let position = WirePosition::Earliest;
        self.command(id, ConsumerCommand::Seek { position });
    }

    /// Commits the consumer's positions now.
    pub fn commit(&self, id: u32) {
        self.command(id, ConsumerCommand::Commit);
    }

    /// Stops the consumer (it commits first) and ends its worker.
    pub fn stop(&self, id: u32) {
        self.command(id, ConsumerCommand::Stop);
        // The worker commits, answers `Stopped` and ends itself; one that does not answer within
        // five seconds is ended anyway.
        let bridges = Rc::clone(&self.bridges);
        run_after(STOP_GRACE_MS, move || {
            drop(bridges.borrow_mut().remove(&id))
        });
        self.dispatch.dispatch(Action::ConsumerStopped(id));
    }

    /// Stops every running consumer of `topic` (before it is deleted).
    pub fn stop_readers_of(&self, topic: &TopicName) {
        let readers: Vec<u32> = self
            .bridges
            .borrow()
            .iter()
            .filter(|(_, (t, _))| t == topic)
            .map(|(id, _)| *id)
            .collect();
        for id in readers {
            self.stop(id);
        }
    }
}

/// The lab's consumers. Unmounting the lab tells each to stop and commit; one that does not
/// end itself within the grace time is ended.
#[hook]
pub fn use_consumers(db: AttrValue, dispatch: Dispatch) -> Consumers {
    let bridges = use_mut_ref(HashMap::<u32, (TopicName, ConsumerBridge)>::new);
    let next_consumer = use_memo((), |_| Cell::new(1u32));
    {
        let bridges = Rc::clone(&bridges);
        use_effect_with((), move |_| {
            move || {
                let stopping = std::mem::take(&mut *bridges.borrow_mut());
                for (_, bridge) in stopping.values() {
                    let _ = bridge.send(&ConsumerCommand::Stop);
                }
                if !stopping.is_empty() {
                    run_after(STOP_GRACE_MS, move || drop(stopping));
                }
            }
        });
    }
    Consumers {
        db,
        dispatch,
        bridges,
        next_consumer,
    }
}
