//! The create-topic form.

use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

use streamlab_protocol::form::TopicForm;

use crate::hooks::use_lab::LabActions;

/// Properties of [`TopicCreate`].
#[derive(Properties, PartialEq)]
pub struct TopicCreateProps {
    /// The database is open.
    pub opened: bool,
    /// The field last refused, and why.
    pub field_error: Option<(&'static str, String)>,
}

/// Name, partitions (shards) and mode; validated by the log, errors in `error-message`.
#[function_component]
pub fn TopicCreate(props: &TopicCreateProps) -> Html {
    crate::renders::count("TopicCreate");
    let lab = use_context::<LabActions>();
    let opened = props.opened;
    let field_error = props.field_error.clone();
    let name = use_node_ref();
    let partitions = use_node_ref();
    let mode = use_node_ref();
    let cleanup = use_node_ref();
    let retention = use_node_ref();
    let throttling = use_node_ref();
    let size = use_node_ref();
    // Selections are state, so a re-render (a new topic in the list) never changes them.
    let mode_choice = use_state(|| "kafka".to_owned());
    let cleanup_choice = use_state(|| "delete".to_owned());
    let choose = |choice: &UseStateHandle<String>| {
        let choice = choice.clone();
        Callback::from(move |e: Event| {
            choice.set(e.target_unchecked_into::<HtmlSelectElement>().value())
        })
    };
    let (onmode, oncleanup) = (choose(&mode_choice), choose(&cleanup_choice));
    // Yew re-applies a `value` on every render, so the typed count is state too.
    let count = use_state(|| "3".to_owned());
    let oncount = {
        let count = count.clone();
        Callback::from(move |e: InputEvent| {
            count.set(e.target_unchecked_into::<HtmlInputElement>().value())
        })
    };
    let onsubmit = {
        let refs = (
            name.clone(),
            partitions.clone(),
            mode.clone(),
            cleanup.clone(),
            retention.clone(),
            throttling.clone(),
            size.clone(),
        );
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let (name, partitions, mode, cleanup, retention, throttling, size) = &refs;
            let (Some(lab), Some(n), Some(p), Some(m), Some(c), Some(r), Some(t)) = (
                lab.as_ref(),
                name.cast::<HtmlInputElement>(),
                partitions.cast::<HtmlInputElement>(),
                mode.cast::<HtmlSelectElement>(),
                cleanup.cast::<HtmlSelectElement>(),
                retention.cast::<HtmlInputElement>(),
                throttling.cast::<HtmlInputElement>(),
            ) else {
                return;
            };
            lab.topics.create(&TopicForm {
                name: n.value(),
                partitions: p.value(),
                mode: m.value(),
                cleanup: c.value(),
                retention_ms: r.value(),
                throttling: t.checked(),
                max_record_bytes: size
                    .cast::<HtmlInputElement>()
                    .map(|i| i.value())
                    .unwrap_or_default(),
            });
        })
    };
    // The refused field's message, next to it (the same words as the error banner).
    let note = |field: &'static str| match &field_error {
        Some((f, message)) if *f == field => html! {
            <span class="sl-field-error" data-testid={format!("topic-create-error-{field}")}>{ message.clone() }</span>
        },
        _ => Html::default(),
    };
    // A refused field under "Retention, cleanup, limits" opens it (and nothing ever closes it).
    let more_open = matches!(&field_error, Some((f, _)) if ["retention", "max-record-bytes", "cleanup", "throttling"].contains(f));
    let more = use_node_ref();
    {
        let more = more.clone();
        use_effect_with(more_open, move |open| {
            if let (true, Some(details)) = (*open, more.cast::<web_sys::Element>()) {
                let _ = details.set_attribute("open", "");
            }
        });
    }
    html! {
        <form class="sl-card sl-create" novalidate=true {onsubmit}>
            <h3>{ "New topic / stream" }</h3>
            <label>{ "Name" }
                <input ref={name} data-testid="topic-create-name" placeholder="orders" autocomplete="off" />
                { note("name") }
            </label>
            <div class="sl-row">
                <label>{ "Partitions / shards" }
                    <input ref={partitions} data-testid="topic-create-partitions" type="number" value={(*count).clone()} oninput={oncount} min="1" max="1024" />
                    { note("partitions") }
                </label>
                <label>{ "Mode" }
                    <select ref={mode} data-testid="topic-create-mode" onchange={onmode}>
                        <option value="kafka" selected={*mode_choice == "kafka"}>{ "Kafka" }</option>
                        <option value="kinesis" selected={*mode_choice == "kinesis"}>{ "Kinesis" }</option>
                    </select>
                </label>
            </div>
            <details class="sl-more" ref={more}>
                <summary>{ "Retention, cleanup, limits" }</summary>
                <div class="sl-row">
                    <label>{ "Cleanup policy (Kafka)" }
                        <select ref={cleanup} data-testid="topic-create-cleanup" onchange={oncleanup}>
                            <option value="delete" selected={*cleanup_choice == "delete"}>{ "delete" }</option>
                            <option value="compact" selected={*cleanup_choice == "compact"}>{ "compact" }</option>
                        </select>
                    </label>
                    <label>{ "Retention (ms)" }
                        <input ref={retention} data-testid="topic-create-retention-ms" placeholder="default" autocomplete="off" />
                        { note("retention") }
                    </label>
                </div>
                <label>{ "Record size limit (bytes)" }
                    <input ref={size} data-testid="topic-create-max-record-bytes" placeholder="default: 1048576" autocomplete="off" />
                    { note("max-record-bytes") }
                </label>
                { note("cleanup") }
                <label class="sl-check">
                    <input ref={throttling} type="checkbox" data-testid="topic-create-throttling" />
                    { "Kinesis write limits (1,000 records/s and 1 MiB/s per shard)" }
                </label>
                { note("throttling") }
            </details>
            // Nothing can be created before the database is open (a click then would be lost).
            <button type="submit" class="sl-primary" data-testid="topic-create-submit" disabled={!opened}>
                { if opened { "Create" } else { "Opening…" } }
            </button>
        </form>
    }
}
