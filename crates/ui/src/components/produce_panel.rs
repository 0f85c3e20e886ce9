//! Produce records into the open topic, through the producer worker.

use web_sys::HtmlInputElement;
use yew::prelude::*;

use streamlab_log::{Mode, TopicName};
use streamlab_protocol::form::{ProduceForm, MAX_PRODUCE_COUNT};
use streamlab_protocol::ProduceAck;

use crate::hooks::use_lab::LabActions;
use crate::view::shard_id;

/// Properties of [`ProducePanel`].
#[derive(Properties, PartialEq)]
pub struct ProducePanelProps {
    /// The vocabulary to speak.
    pub mode: Mode,
    /// The open topic's own mode: what the target field means.
    pub rules: Mode,
    /// The open topic.
    pub topic: TopicName,
    /// Where produced records went, oldest first.
    pub produced: Vec<ProduceAck>,
    /// Produce requests not yet answered.
    pub pending: usize,
}

/// The produce form and where each produced record went (`produce-result`).
#[function_component]
pub fn ProducePanel(props: &ProducePanelProps) -> Html {
    crate::renders::count("ProducePanel");
    let lab = use_context::<LabActions>();
    let key = use_node_ref();
    let value = use_node_ref();
    let count = use_node_ref();
    let headers = use_node_ref();
    let target = use_node_ref();
    let kinesis = props.mode == Mode::Kinesis;
    // Yew re-applies a `value` on every render (each acknowledgement), so the count is state.
    let count_value = use_state(|| "1".to_owned());
    let oncount = {
        let count_value = count_value.clone();
        Callback::from(move |e: InputEvent| {
            count_value.set(e.target_unchecked_into::<HtmlInputElement>().value())
        })
    };
    let onsubmit = {
        let (key, value, count) = (key.clone(), value.clone(), count.clone());
        let (headers, target) = (headers.clone(), target.clone());
        let lab = lab.clone();
        let (topic, rules) = (props.topic.clone(), props.rules);
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let (Some(lab), Some(k), Some(v), Some(c)) = (
                lab.as_ref(),
                key.cast::<HtmlInputElement>(),
                value.cast::<HtmlInputElement>(),
                count.cast::<HtmlInputElement>(),
            ) else {
                return;
            };
            let text = |r: &NodeRef| {
                r.cast::<HtmlInputElement>()
                    .map(|i| i.value())
                    .unwrap_or_default()
            };
            let form = ProduceForm {
                key: k.value(),
                value: v.value(),
                count: c.value(),
                headers: text(&headers),
                target: text(&target),
            };
            lab.producer.produce(&topic, rules, &form);
        })
    };
    if lab.is_none() {
        return Html::default();
    }
    let state = props;
    let results = state.produced.iter().rev().take(8).rev().map(|ack| {
        let key_text = ack.key.clone().unwrap_or_default();
        let place = if kinesis {
            format!("{} · seq {}", shard_id(ack.partition), ack.sequence_number)
        } else {
            format!("partition {} · offset {}", ack.partition, ack.offset)
        };
        html! {
            <li data-testid="produce-result"
                data-key={key_text.clone()}
                data-partition={ack.partition.to_string()}
                data-offset={ack.offset.to_string()}
                data-shard-id={kinesis.then(|| shard_id(ack.partition))}
                data-sequence-number={kinesis.then(|| ack.sequence_number.clone())}>
                <code>{ if ack.key.is_some() { key_text } else { "(no key)".to_owned() } }</code>
                { " → " }
                <span>{ place }</span>
            </li>
        }
    });
    let key_label = if kinesis {
        "Partition key"
    } else {
        "Key (optional)"
    };
    html! {
        <div class="sl-card sl-produce">
            <form novalidate=true {onsubmit}>
                <h3>{ "Produce" }</h3>
                <div class="sl-row">
                    <label>{ key_label }
                        <input ref={key} data-testid="produce-key" placeholder="customer-42" autocomplete="off" />
                    </label>
                    <label class="sl-grow">{ "Value" }
                        <input ref={value} data-testid="produce-value" placeholder={r#"{"amount": 12}"#} autocomplete="off" />
                    </label>
                    <label class="sl-narrow">{ "Count" }
                        <input ref={count} data-testid="produce-count" type="number" value={(*count_value).clone()} oninput={oncount} min="1" max={MAX_PRODUCE_COUNT.to_string()} />
                    </label>
                    <button type="submit" class="sl-primary" data-testid="produce-submit">
                        { if state.pending > 0 { "Producing…" } else { "Produce" } }
                    </button>
                </div>
                <div class="sl-row">
                    <label class="sl-grow">{ "Headers (optional)" }
                        <input ref={headers} data-testid="produce-headers" placeholder="trace-id=abc, source=web" autocomplete="off" />
                    </label>
                    <label>{ if props.rules == Mode::Kinesis { "Explicit hash key (optional)" } else { "Partition (optional)" } }
                        <input ref={target} data-testid="produce-target" placeholder={if props.rules == Mode::Kinesis { "0 to 2^128-1, decimal" } else { "by key when empty" }} autocomplete="off" />
                    </label>
                </div>
                <p class="sl-muted sl-hint">
                    // How records are routed is the topic's rule, whatever the words.
                    { match (props.rules, kinesis) {
                        (Mode::Kinesis, _) => "The shard is the one whose hash-key range holds MD5(partition key).",
                        (Mode::Kafka, false) => "The partition is toPositive(murmur2(key)) % partitions; keyless records go round robin.",
                        (Mode::Kafka, true) => "This is a Kafka topic: its shard (partition) is toPositive(murmur2(key)) % count, not an MD5 hash-key range; keyless records go round robin.",
                    } }
                </p>
            </form>
            if !state.produced.is_empty() {
                <ul class="sl-results">{ for results }</ul>
            }
        </div>
    }
}
