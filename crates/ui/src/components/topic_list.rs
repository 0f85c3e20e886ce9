//! The list of topics and streams (`topic-item`); the streaming SQL processor's internal topics
//! (its command topic, each query's changelog) show behind `topic-internal-toggle`.

use yew::prelude::*;

use streamlab_idb::DamagedTopic;
use streamlab_log::{Mode, TopicMetadata, TopicName};
use streamlab_protocol::processor::INTERNAL_TOPIC_PREFIX;

use crate::hooks::use_lab::LabActions;

/// Properties of [`TopicList`].
#[derive(Properties, PartialEq)]
pub struct TopicListProps {
    /// Every topic, as last read.
    pub topics: Vec<TopicMetadata>,
    /// Stored topics whose rows do not decode.
    #[prop_or_default]
    pub damaged: Vec<DamagedTopic>,
    /// The open topic.
    #[prop_or_default]
    pub open: Option<TopicName>,
    /// Called when a topic is opened.
    #[prop_or_default]
    pub onopen: Callback<()>,
    /// Whether the lab shows a topic (not another pane), so the open one is marked.
    #[prop_or(true)]
    pub showing: bool,
}

/// Every topic with its mode and record count; clicking one opens it.
#[function_component]
pub fn TopicList(props: &TopicListProps) -> Html {
    crate::renders::count("TopicList");
    let internal = use_state(|| false);
    let Some(lab) = use_context::<LabActions>() else {
        return Html::default();
    };
    let state = props;
    if state.topics.is_empty() && state.damaged.is_empty() {
        return html! { <p class="sl-muted sl-card">{ "No topics yet." }</p> };
    }
    let hidden = state
        .topics
        .iter()
        .filter(|t| t.config.name().as_str().starts_with(INTERNAL_TOPIC_PREFIX))
        .count();
    let shown = state
        .topics
        .iter()
        .filter(|t| *internal || !t.config.name().as_str().starts_with(INTERNAL_TOPIC_PREFIX));
    let items = shown.map(|topic| {
        let name = topic.config.name().clone();
        let selected = props.showing && state.open.as_ref() == Some(&name);
        let records: u64 = topic.partitions.iter().map(|p| p.record_count()).sum();
        let onclick = {
            let (lab, name) = (lab.clone(), name.clone());
            let onopen = props.onopen.clone();
            Callback::from(move |_| {
                lab.open_topic(name.clone());
                onopen.emit(());
            })
        };
        let unit = match topic.config.mode() {
            Mode::Kafka => "partitions",
            Mode::Kinesis => "shards",
        };
        html! {
            <li key={name.as_str().to_owned()}>
                <button class={classes!("sl-topic-item", selected.then_some("selected"))}
                        data-testid="topic-item" data-topic={name.as_str().to_owned()} {onclick}>
                    <span class={classes!("sl-dot", topic.config.mode().as_str())}></span>
                    <span class="sl-topic-name">{ name.as_str() }</span>
                    <span class="sl-muted">{ format!("{} {unit} · {records} records", topic.partitions.len()) }</span>
                </button>
            </li>
        }
    });
    let damaged = state.damaged.iter().map(|topic| {
        let onclick = {
            let (lab, name) = (lab.clone(), topic.name.clone());
            Callback::from(move |_| lab.topics.delete_damaged(name.clone()))
        };
        html! {
            <li key={format!("damaged {}", topic.name)} class="sl-topic-damaged"
                data-testid="topic-damaged" data-topic={topic.name.clone()}>
                <span class="sl-topic-name">{ &topic.name }</span>
                <span>{ &topic.problem }</span>
                <span class="sl-muted">{ "The other topics are unaffected. Delete this one to free its space; its records cannot be read." }</span>
                <button class="sl-small sl-danger" data-testid="topic-damaged-delete" {onclick}>{ "Delete damaged topic" }</button>
            </li>
        }
    });
    html! {
        <nav class="sl-card">
            <h3>{ "Topics / streams" }</h3>
            <ul class="sl-topic-list">{ for items }{ for damaged }</ul>
            if hidden > 0 {
                <label class="sl-check-line">
                    <input type="checkbox" data-testid="topic-internal-toggle" checked={*internal}
                           onchange={{ let internal = internal.clone(); Callback::from(move |_: Event| internal.set(!*internal)) }} />
                    { format!("Show internal topics ({hidden}: SQL commands, changelogs, repartitions)") }
                </label>
            }
        </nav>
    }
}
