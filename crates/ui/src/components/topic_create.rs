//! The create-topic form.

use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

use crate::hooks::use_lab::LabHandle;

/// Name, partitions (shards) and mode; validated by the log, errors in `error-message`.
#[function_component]
pub fn TopicCreate() -> Html {
    let lab = use_context::<LabHandle>();
    let name = use_node_ref();
    let partitions = use_node_ref();
    let mode = use_node_ref();
    let onsubmit = {
        let (name, partitions, mode) = (name.clone(), partitions.clone(), mode.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let (Some(lab), Some(n), Some(p), Some(m)) = (
                lab.as_ref(),
                name.cast::<HtmlInputElement>(),
                partitions.cast::<HtmlInputElement>(),
                mode.cast::<HtmlSelectElement>(),
            ) else {
                return;
            };
            lab.create_topic(&n.value(), &p.value(), &m.value());
        })
    };
    html! {
        <form class="sl-card sl-create" novalidate=true {onsubmit}>
            <h3>{ "New topic / stream" }</h3>
            <label>{ "Name" }
                <input ref={name} data-testid="topic-create-name" placeholder="orders" autocomplete="off" />
            </label>
            <div class="sl-row">
                <label>{ "Partitions / shards" }
                    <input ref={partitions} data-testid="topic-create-partitions" type="number" value="3" min="1" max="1024" />
                </label>
                <label>{ "Mode" }
                    <select ref={mode} data-testid="topic-create-mode">
                        <option value="kafka" selected=true>{ "Kafka" }</option>
                        <option value="kinesis">{ "Kinesis" }</option>
                    </select>
                </label>
            </div>
            <button type="submit" class="sl-primary" data-testid="topic-create-submit">{ "Create" }</button>
        </form>
    }
}
