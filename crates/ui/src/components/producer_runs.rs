//! Producer runs: producer workers that send records at a rate, each in a worker of its own,
//! with their acknowledgements live and pause, resume, rate and stop controls.

use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

use streamlab_log::{Mode, TopicName};
use streamlab_protocol::form::{RunForm, MAX_RUN_RATE};

use crate::hooks::use_lab::LabActions;
use crate::hooks::use_runs::Runs;
use crate::state::{RunStatus, RunView};
use crate::view::shard_id;
use crate::view::typed;

/// Properties of [`ProducerRuns`].
#[derive(Properties, PartialEq)]
pub struct ProducerRunsProps {
    /// The open topic's mode, for its words and its rules.
    pub mode: Mode,
    /// The open topic.
    pub topic: TopicName,
    /// The lab's runs (those of the open topic are shown).
    pub runs: Vec<RunView>,
}

/// The start-a-producer form (`run-*`) and one row per run (`run-row`).
#[function_component]
pub fn ProducerRuns(props: &ProducerRunsProps) -> Html {
    crate::renders::count("ProducerRuns");
    let lab = use_context::<LabActions>();
    let kinesis = props.mode == Mode::Kinesis;
    let pattern = use_state(|| if kinesis { "random" } else { "sequential" }.to_owned());
    let rate = use_state(|| "100".to_owned());
    let unlimited = use_state(|| false);
    // Yew re-applies an input's `value` on every render (every acknowledgement), so what the
    // user types is state.
    let keys = use_state(|| default_keys(&pattern).to_owned());
    let template = use_state(|| r#"{"n":${n},"key":"${key}","ts":${ts}}"#.to_owned());
    let batch = use_state(|| "50".to_owned());
    let linger = use_state(|| "20".to_owned());

    let onpattern = {
        let (pattern, keys) = (pattern.clone(), keys.clone());
        Callback::from(move |e: Event| {
            let chosen = e.target_unchecked_into::<HtmlSelectElement>().value();
            keys.set(default_keys(&chosen).to_owned());
            pattern.set(chosen);
        })
    };
    let onrate = {
        let rate = rate.clone();
        Callback::from(move |e: InputEvent| {
            rate.set(e.target_unchecked_into::<HtmlInputElement>().value())
        })
    };
    let onunlimited = {
        let unlimited = unlimited.clone();
        Callback::from(move |e: Event| {
            unlimited.set(e.target_unchecked_into::<HtmlInputElement>().checked())
        })
    };
    let onsubmit = {
        let (keys, template, batch, linger) = (
            keys.clone(),
            template.clone(),
            batch.clone(),
            linger.clone(),
        );
        let (pattern, rate, unlimited, lab) = (
            pattern.clone(),
            rate.clone(),
            unlimited.clone(),
            lab.clone(),
        );
        let (topic, rules) = (props.topic.clone(), props.mode);
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if let Some(lab) = lab.as_ref() {
                lab.runs.start(
                    &topic,
                    rules,
                    &RunForm {
                        pattern: (*pattern).clone(),
                        keys: (*keys).clone(),
                        template: (*template).clone(),
                        rate: (*rate).clone(),
                        unlimited: *unlimited,
                        batch_size: (*batch).clone(),
                        linger_ms: (*linger).clone(),
                    },
                );
            }
        })
    };
    if lab.is_none() {
        return Html::default();
    }
    let keys_label = match pattern.as_str() {
        "fixed" => "Key",
        "sequential" => "Key prefix",
        "random" => "Keys (comma-separated)",
        _ => "Keys",
    };
    let runs = props
        .runs
        .iter()
        .filter(|r| r.topic == props.topic)
        .map(|run| html! { <RunRow run={run.clone()} {kinesis} /> });
    let pattern_option = |value: &'static str, label: &'static str| {
        html! { <option {value} selected={*pattern == value}>{ label }</option> }
    };
    html! {
        <div class="sl-card sl-runs">
            <form novalidate=true {onsubmit}>
                <h3>{ "Producers" }</h3>
                <div class="sl-row">
                    <label>{ "Keys" }
                        <select data-testid="run-key-pattern" onchange={onpattern}>
                            if !kinesis { { pattern_option("none", "none") } }
                            { pattern_option("fixed", "fixed") }
                            { pattern_option("sequential", "sequential") }
                            { pattern_option("random", "random from a set") }
                        </select>
                    </label>
                    if *pattern != "none" {
                        <label class="sl-grow">{ keys_label }
                            <input data-testid="run-keys" value={(*keys).clone()} oninput={typed(&keys)} autocomplete="off" />
                        </label>
                    }
                    <label class="sl-grow">{ "Value template" }
                        <input data-testid="run-template" value={(*template).clone()} oninput={typed(&template)} autocomplete="off"
                            title="${n}: the record's number in the run; ${key}: its key; ${ts}: the time in ms" />
                    </label>
                </div>
                <div class="sl-row">
                    <label class="sl-grow">{ format!("Rate: {}", if *unlimited { "as fast as the store takes them".to_owned() } else { format!("{} records/s", *rate) }) }
                        <input data-testid="run-rate" type="range" min="1" max={MAX_RUN_RATE.to_string()} value={(*rate).clone()} oninput={onrate} disabled={*unlimited} />
                    </label>
                    <label class="sl-check">
                        <input data-testid="run-unlimited" type="checkbox" checked={*unlimited} onchange={onunlimited} />
                        { "unlimited" }
                    </label>
                    <label class="sl-narrow">{ "Batch size" }
                        <input data-testid="run-batch-size" type="number" min="1" value={(*batch).clone()} oninput={typed(&batch)} />
                    </label>
                    <label class="sl-narrow">{ "Linger ms" }
                        <input data-testid="run-linger" type="number" min="0" value={(*linger).clone()} oninput={typed(&linger)} />
                    </label>
                    <button type="submit" class="sl-primary" data-testid="run-start">{ "Start producer" }</button>
                </div>
                <p class="sl-muted sl-hint">
                    { "Each producer is a Web Worker of its own. It sends a batch when batch-size records are due, or when the first waiting record has lingered that long (Kafka's batch.size and linger.ms)." }
                </p>
            </form>
            <ul class="sl-runs-list">{ for runs }</ul>
        </div>
    }
}

/// What the keys field starts with for a key pattern.
fn default_keys(pattern: &str) -> &'static str {
    match pattern {
        "fixed" => "customer-1",
        "sequential" => "order-",
        _ => "alice, bob, carol, dave",
    }
}

/// Properties of [`RunRow`].
#[derive(Properties, PartialEq)]
struct RunRowProps {
    run: RunView,
    kinesis: bool,
}

/// One run: what it sends, how much it has, its latest batches, its controls.
#[function_component]
fn RunRow(props: &RunRowProps) -> Html {
    crate::renders::count("RunRow");
    let lab = use_context::<LabActions>();
    let run = &props.run;
    let id = run.id;
    let control = |f: fn(&Runs, u64)| {
        let lab = lab.clone();
        Callback::from(move |_: MouseEvent| {
            if let Some(lab) = lab.as_ref() {
                f(&lab.runs, id);
            }
        })
    };
    let onrate = {
        let lab = lab.clone();
        Callback::from(move |e: Event| {
            let value = e.target_unchecked_into::<HtmlInputElement>().value();
            if let (Some(lab), Ok(rate)) = (lab.as_ref(), value.parse::<u32>()) {
                lab.runs.set_rate(id, Some(rate));
            }
        })
    };
    let live = matches!(
        run.status,
        RunStatus::Running | RunStatus::Paused | RunStatus::Retrying(_)
    );
    let batches = run.recent.iter().rev().map(|b| {
        let place = if props.kinesis {
            format!(
                "{} · seq {} … {}",
                shard_id(b.partition),
                b.first_sequence,
                b.last_sequence
            )
        } else if b.count == 1 {
            format!("partition {} · offset {}", b.partition, b.base_offset)
        } else {
            format!(
                "partition {} · offsets {}–{}",
                b.partition,
                b.base_offset,
                b.base_offset + u64::from(b.count).saturating_sub(1)
            )
        };
        let records = if b.count == 1 { "record" } else { "records" };
        html! {
            <li data-testid="run-batch" data-partition={b.partition.to_string()} data-base-offset={b.base_offset.to_string()} data-count={b.count.to_string()}>
                { format!("{} {records} → {place}", b.count) }
            </li>
        }
    });
    let status = match &run.status {
        RunStatus::Retrying(why) => format!("retrying: {why}"),
        RunStatus::Failed(why) => format!("failed: {why}"),
        other => other.word().to_owned(),
    };
    html! {
        <li class="sl-run" data-testid="run-row" data-run={id.to_string()} data-sent={run.sent.to_string()} data-status={run.status.word()}>
            <div class="sl-row">
                <strong>{ format!("Producer {id}") }</strong>
                <span class={classes!("sl-status", run.status.word())}>{ status }</span>
                <span>{ format!("{} records in {} batches", run.sent, run.batches) }</span>
                <span class="sl-muted">{ &run.summary }</span>
            </div>
            if live {
                <div class="sl-row">
                    <label class="sl-grow">{ match run.rate { Some(r) => format!("Rate: {r} records/s"), None => "Rate: unlimited".to_owned() } }
                        <input data-testid="run-rate-live" type="range" min="1" max={MAX_RUN_RATE.to_string()} value={run.rate.unwrap_or(MAX_RUN_RATE).to_string()} onchange={onrate} />
                    </label>
                    if run.status == RunStatus::Paused {
                        <button data-testid="run-resume" onclick={control(Runs::resume)}>{ "Resume" }</button>
                    } else {
                        <button data-testid="run-pause" onclick={control(Runs::pause)}>{ "Pause" }</button>
                    }
                    <button data-testid="run-stop" onclick={control(Runs::stop)}>{ "Stop" }</button>
                </div>
            }
            if !run.recent.is_empty() {
                <ul class="sl-results">{ for batches }</ul>
            }
        </li>
    }
}
