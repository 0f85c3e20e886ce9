//! The list of topics and streams (`topic-item`).

use yew::prelude::*;

use streamlab_log::Mode;

use crate::hooks::use_lab::LabHandle;

/// Every topic with its mode and record count; clicking one opens it.
#[function_component]
pub fn TopicList() -> Html {
    let Some(lab) = use_context::<LabHandle>() else {
        return Html::default();
    };
    let state = &*lab.state;
    if state.topics.is_empty() {
        return html! { <p class="sl-muted sl-card">{ "No topics yet." }</p> };
    }
    let items = state.topics.iter().map(|topic| {
        let name = topic.config.name().clone();
        let selected = state.open_topic.as_ref() == Some(&name);
        let records: u64 = topic.partitions.iter().map(|p| p.record_count()).sum();
        let onclick = {
            let (lab, name) = (lab.clone(), name.clone());
            Callback::from(move |_| lab.open_topic(name.clone()))
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
    html! {
        <nav class="sl-card">
            <h3>{ "Topics / streams" }</h3>
            <ul class="sl-topic-list">{ for items }</ul>
        </nav>
    }
}
