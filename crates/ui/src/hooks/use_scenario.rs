//! `use_scenario`: replaying a scenario file on the lab's database, step by step.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use streamlab_log::{Mode, TopicName};
use streamlab_protocol::tools::{EventAnswer, ToolEvent, ToolReply, ToolRequest};
use streamlab_protocol::WirePosition;

use crate::hooks::use_consumers::Consumers;
use crate::state::{Action, Dispatch, ScenarioView};
use crate::tools;

/// Replays scenario files; a scenario under way stops at its next step once the lab unmounts.
#[derive(Clone)]
pub struct Scenario {
    db: AttrValue,
    dispatch: Dispatch,
    consumers: Consumers,
    mounted: Rc<Cell<bool>>,
}

/// A topic name of either mode (a scenario's steps name topics of both).
fn any_topic(name: &str) -> Result<TopicName, streamlab_log::NameError> {
    TopicName::new(name, Mode::Kafka).or_else(|_| TopicName::new(name, Mode::Kinesis))
}

impl Scenario {
    /// Replays the scenario file at `source` (relative to the page) on this lab's (emptied)
    /// database, step by step (the tools bundle's `run_scenario`), then opens `open` or the
    /// scenario's topic. Its `consume` steps start consumers here, as if started by hand.
    pub fn run(&self, source: AttrValue, open: Option<AttrValue>) {
        let scenario = self.clone();
        spawn_local(async move {
            let dispatch = scenario.dispatch.clone();
            let view = Rc::new(RefCell::new(ScenarioView {
                source: source.to_string(),
                total: 0,
                done: 0,
                step: "reading the file".into(),
                error: None,
            }));
            dispatch.dispatch(Action::Scenario(view.borrow().clone()));
            let events = {
                let (view, dispatch, mounted) = (
                    Rc::clone(&view),
                    dispatch.clone(),
                    Rc::clone(&scenario.mounted),
                );
                let consumers = scenario.consumers.clone();
                tools::events(move |event| match event {
                    ToolEvent::ScenarioStep { total, done, step } => {
                        let mut view = view.borrow_mut();
                        (view.total, view.done, view.step) = (total as usize, done as usize, step);
                        dispatch.dispatch(Action::Scenario(view.clone()));
                        if mounted.get() {
                            EventAnswer::GoOn
                        } else {
                            EventAnswer::Stop
                        }
                    }
                    ToolEvent::ScenarioConsume { topic, from, group } => {
                        let (kind, value) = from.split_once(' ').unwrap_or((&from, ""));
                        let position = match WirePosition::parse(kind, value) {
                            Ok(position) => position,
                            Err(e) => return EventAnswer::Refused(e.to_string()),
                        };
                        let topic = match any_topic(&topic) {
                            Ok(topic) => topic,
                            Err(e) => return EventAnswer::Refused(e.to_string()),
                        };
                        consumers.spawn(topic, position, from, group);
                        EventAnswer::GoOn
                    }
                    // A scenario tells nothing else.
                    _ => EventAnswer::GoOn,
                })
            };
            let request = ToolRequest::RunScenario {
                db: scenario.db.to_string(),
                source: source.to_string(),
                open: open.map(|o| o.to_string()),
            };
            let ran = tools::call(&request, &events).await.map(|a| a.reply);
            let mut view = view.borrow().clone();
            match ran {
                Ok(ToolReply::ScenarioRan { shown }) => {
                    if let Some(topic) = shown.as_deref().and_then(|t| any_topic(t).ok()) {
                        dispatch.dispatch(Action::OpenTopic(topic));
                    }
                    view.done = view.total;
                    view.step = "done".into();
                }
                Ok(_) => view.error = Some("the lab's tools answered another request".into()),
                Err(e) => view.error = Some(e),
            }
            dispatch.dispatch(Action::Scenario(view));
        });
    }
}

/// The lab's scenario replays; they stop at their next step once the lab unmounts.
#[hook]
pub fn use_scenario(db: AttrValue, dispatch: Dispatch, consumers: Consumers) -> Scenario {
    let mounted = use_memo((), |_| Cell::new(true));
    {
        let mounted = Rc::clone(&mounted);
        use_effect_with((), move |_| move || mounted.set(false));
    }
    Scenario {
        db,
        dispatch,
        consumers,
        mounted,
    }
}
