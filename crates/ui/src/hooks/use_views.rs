//! `use_views`: what the lab shows, read again from the store whenever the log may have changed.

use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use streamlab_views::load_topic_views;

use crate::hooks::use_store::StoreCell;
use crate::state::{Action, Dispatch, LabState};

/// Reads every topic, and the open topic's views (`streamlab_views`), each time the state's
/// `generation` moves, another topic opens or the store opens. A load that finishes after a
/// newer one is ignored by the reducer.
#[hook]
pub fn use_views(store: &StoreCell, state: &LabState, dispatch: Dispatch) {
    let store = store.clone();
    let deps = (state.generation, state.open_topic.clone(), state.ready);
    let query = state.records_query.clone();
    use_effect_with(deps, move |(generation, open_topic, _)| {
        let (generation, open_topic) = (*generation, open_topic.clone());
        if let Some(store) = store.get() {
            spawn_local(async move {
                let listing = match store.list_topics_checked().await {
                    Ok(listing) => listing,
                    Err(e) => return dispatch.dispatch(Action::Error(e.to_string())),
                };
                let open = open_topic
                    .as_ref()
                    .and_then(|name| listing.topics.iter().find(|t| t.config.name() == name));
                let views = match open {
                    Some(topic) => match load_topic_views(store.as_ref(), topic, &query).await {
                        Ok(views) => views,
                        Err(e) => return dispatch.dispatch(Action::Error(e.to_string())),
                    },
                    None => Default::default(),
                };
                dispatch.dispatch(Action::Loaded {
                    generation,
                    topics: listing.topics,
                    views,
                    damaged: listing.damaged,
                });
            });
        }
    });
}
