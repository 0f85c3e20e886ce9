//! `use_lab`: one lab's state, and the actions on it, composed from the hooks per concern.

use std::cell::RefCell;
use std::rc::Rc;

use yew::prelude::*;

use streamlab_log::{Mode, TopicName};

use crate::hooks::record_actions::RecordActions;
use crate::hooks::topic_actions::TopicActions;
use crate::hooks::use_consumers::{use_consumers, Consumers};
use crate::hooks::use_log_notices::use_log_notices;
use crate::hooks::use_producer::{use_producer, Producer};
use crate::hooks::use_runs::{use_runs, Runs};
use crate::hooks::use_scenario::{use_scenario, Scenario};
use crate::hooks::use_store::use_store;
use crate::hooks::use_views::use_views;
use crate::state::{Action, Dispatch, LabState};

/// What the user can do in a lab, by concern. Shared with the components through a context; it
/// never changes while the lab lives (its parts hold the dispatcher and shared cells, not the
/// state), so reading it re-renders nothing: components get the state they draw as props.
#[derive(Clone)]
pub struct LabActions {
    /// The lab's database name.
    db: AttrValue,
    dispatch: Dispatch,
    /// Creating, opening, deleting and reshaping topics.
    pub topics: TopicActions,
    /// Paging, inspecting, exporting and importing records.
    pub records: RecordActions,
    /// The produce form's worker.
    pub producer: Producer,
    /// Producer runs.
    pub runs: Runs,
    /// Consumers.
    pub consumers: Consumers,
    /// Scenario replays.
    pub scenario: Scenario,
}

impl PartialEq for LabActions {
    fn eq(&self, other: &Self) -> bool {
        // Every part is made of the lab's dispatcher and shared cells: the same for one database.
        self.db == other.db
    }
}

impl LabActions {
    /// Shows an error in the lab's banner (`error-message`).
    pub fn report_error(&self, message: String) {
        self.dispatch.dispatch(Action::Error(message));
    }

    /// Dismisses the error.
    pub fn clear_error(&self) {
        self.dispatch.dispatch(Action::ClearError);
    }

    /// Opens a topic.
    pub fn open_topic(&self, name: TopicName) {
        self.dispatch.dispatch(Action::OpenTopic(name));
    }

    /// Speaks `mode`'s vocabulary on every topic (the Kafka ⇄ Kinesis toggle).
    pub fn set_vocabulary(&self, mode: Mode) {
        self.dispatch.dispatch(Action::SetVocabulary(mode));
    }
}

/// A lab on database `db` (emptied first when `clear`): its store connection, its producer
/// worker, its runs and consumers, the log's change notices and the views they reload.
/// Unmounting ends every worker the lab started (consumers are told to stop and commit first)
/// and closes the database.
#[hook]
pub fn use_lab(db: AttrValue, clear: bool) -> (UseReducerHandle<LabState>, LabActions) {
    let state = use_reducer(LabState::default);
    let dispatch = state.dispatcher();
    let store = use_store(db.clone(), clear, dispatch.clone());
    use_log_notices(db.clone(), dispatch.clone());
    use_views(&store, &state, dispatch.clone());
    let producer = use_producer(db.clone(), dispatch.clone());
    let runs = use_runs(db.clone(), dispatch.clone());
    let consumers = use_consumers(db.clone(), dispatch.clone());
    let scenario = use_scenario(db.clone(), dispatch.clone(), consumers.clone());
    let import = use_mut_ref(|| None);
    {
        let import = Rc::clone(&import);
        use_effect_with((), move |_| move || drop(RefCell::take(&*import)));
    }
    let actions = LabActions {
        topics: TopicActions {
            db: db.clone(),
            dispatch: dispatch.clone(),
            store: store.clone(),
            consumers: consumers.clone(),
        },
        records: RecordActions {
            db: db.clone(),
            dispatch: dispatch.clone(),
            store,
            import,
        },
        producer,
        runs,
        consumers,
        scenario,
        db,
        dispatch,
    };
    (state, actions)
}
