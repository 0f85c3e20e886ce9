//! Deleting the open topic, in two steps (`topic-delete`, then `topic-delete-confirm`).

use yew::prelude::*;

use streamlab_log::TopicName;

use crate::hooks::use_lab::LabActions;

/// Properties of [`TopicDelete`].
#[derive(Properties, PartialEq)]
pub struct TopicDeleteProps {
    /// The topic to delete.
    pub name: TopicName,
}

/// A delete button that asks once more, in the page (a browser dialog would be invisible to
/// scripts and tests).
#[function_component]
pub fn TopicDelete(props: &TopicDeleteProps) -> Html {
    crate::renders::count("TopicDelete");
    let lab = use_context::<LabActions>();
    let asking = use_state(|| false);
    let Some(lab) = lab else {
        return Html::default();
    };
    let onask = {
        let asking = asking.clone();
        Callback::from(move |_| asking.set(true))
    };
    let oncancel = {
        let asking = asking.clone();
        Callback::from(move |_| asking.set(false))
    };
    let ondelete = {
        let (asking, name) = (asking.clone(), props.name.clone());
        Callback::from(move |_| {
            asking.set(false);
            lab.topics.delete(name.clone());
        })
    };
    if *asking {
        html! {
            <span class="sl-confirm">
                { format!("Delete '{}' and all its records?", props.name) }
                <button class="sl-small sl-danger" data-testid="topic-delete-confirm" onclick={ondelete}>{ "Delete" }</button>
                <button class="sl-small" onclick={oncancel}>{ "Cancel" }</button>
            </span>
        }
    } else {
        html! { <button class="sl-small" data-testid="topic-delete" onclick={onask}>{ "Delete topic" }</button> }
    }
}
