//! Consumers of the open topic (`consumer-start`, `consumer-row`).

use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

use streamlab_log::{Mode, TopicMetadata};

use crate::components::group_reset::GroupReset;
use crate::hooks::use_lab::LabActions;
use crate::state::ConsumerView;
use crate::view::shard_id;

/// Properties of [`ConsumerPanel`].
#[derive(Properties, PartialEq)]
pub struct ConsumerPanelProps {
    /// The open topic.
    pub topic: TopicMetadata,
    /// The vocabulary to show it in.
    pub words: Mode,
    /// The lab's consumers (those of the topic are shown).
    pub consumers: Vec<ConsumerView>,
    /// What the last group offset reset did.
    pub group_reset: Option<String>,
}

/// Start consumers (Web Workers) at any position of the topic's mode; each shows what it read,
/// where it is, its lag, and its group's last commit.
#[function_component]
pub fn ConsumerPanel(props: &ConsumerPanelProps) -> Html {
    crate::renders::count("ConsumerPanel");
    let lab = use_context::<LabActions>();
    let position = use_node_ref();
    let value = use_node_ref();
    let group = use_node_ref();
    let kinesis = props.words == Mode::Kinesis;
    // The chosen start position is state, so re-rendering (a new consumer row) never changes it.
    let chosen = use_state(String::new);
    let onchange = {
        let chosen = chosen.clone();
        Callback::from(move |e: Event| {
            chosen.set(e.target_unchecked_into::<HtmlSelectElement>().value());
        })
    };
    let onsubmit = {
        let (position, value, group, lab) =
            (position.clone(), value.clone(), group.clone(), lab.clone());
        let topic = props.topic.config.name().clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let (Some(lab), Some(p), Some(v), Some(g)) = (
                lab.as_ref(),
                position.cast::<HtmlSelectElement>(),
                value.cast::<HtmlInputElement>(),
                group.cast::<HtmlInputElement>(),
            ) else {
                return;
            };
            lab.consumers
                .start(&topic, &p.value(), &v.value(), &g.value());
        })
    };
    let Some(lab) = lab else {
        return Html::default();
    };
    let positions: &[(&str, &str)] = if kinesis {
        &[
            ("TRIM_HORIZON", "TRIM_HORIZON"),
            ("LATEST", "LATEST"),
            ("AT_SEQUENCE_NUMBER", "AT_SEQUENCE_NUMBER"),
            ("AFTER_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER"),
            ("AT_TIMESTAMP", "AT_TIMESTAMP"),
        ]
    } else {
        &[
            ("earliest", "earliest"),
            ("latest", "latest"),
            ("offset", "offset N"),
            ("timestamp", "timestamp T"),
        ]
    };
    // A choice from the other mode's list (after switching topics) falls back to the first.
    let current = positions
        .iter()
        .map(|(v, _)| *v)
        .find(|v| **v == **chosen)
        .unwrap_or(positions[0].0);
    let name = props.topic.config.name();
    let rows = props
        .consumers
        .iter()
        .filter(|c| &c.topic == name)
        .map(|c| {
            let position_attr = c
                .positions
                .iter()
                .map(|(p, o)| format!("{p}:{o}"))
                .collect::<Vec<_>>()
                .join(",");
            let lag = c.lag(&props.topic);
            // The at-least-once window: read, not yet committed.
            let uncommitted = c.uncommitted();
            let id = c.id;
            let onreplay = { let lab = lab.clone(); Callback::from(move |_| lab.consumers.replay(id)) };
            let oncommit = { let lab = lab.clone(); Callback::from(move |_| lab.consumers.commit(id)) };
            let onstop = { let lab = lab.clone(); Callback::from(move |_| lab.consumers.stop(id)) };
            let place = |p: u32| if kinesis { shard_id(p) } else { format!("p{p}") };
            let recent = c.recent.iter().rev().map(|r| {
                html! {
                    <li>
                        <span class="sl-muted">{ if kinesis { format!("{} seq {}", shard_id(r.partition), r.sequence_number) } else { format!("p{}@{}", r.partition, r.offset) } }</span>
                        { " " }
                        <code>{ r.key.clone().unwrap_or_else(|| "null".into()) }</code>
                        { " " }
                        <span class="sl-value">{ r.value.clone().unwrap_or_else(|| "null (tombstone)".into()) }</span>
                    </li>
                }
            });
            html! {
                <div key={id} class="sl-consumer" data-testid="consumer-row"
                     data-consumer={id.to_string()} data-consumed={c.consumed.to_string()}
                     data-position={position_attr} data-running={c.running.to_string()}
                     data-assigned={c.assigned.as_ref().map(|(_, ps)| ps.iter().map(ToString::to_string).collect::<Vec<_>>().join(","))}
                     data-generation={c.assigned.as_ref().map(|(g, _)| g.to_string())}>
                    <div class="sl-consumer-head">
                        <strong>{ format!("consumer {id}") }</strong>
                        <span class="sl-muted">{ match &c.group { Some(g) => format!("group {g} · from {}", c.start), None => format!("standalone · from {}", c.start) } }</span>
                        <span class="sl-grow"></span>
                        <span>{ format!("{} consumed", c.consumed) }</span>
                        <span class="sl-muted" data-testid="consumer-lag" data-lag={lag.to_string()} data-millis-behind={c.millis_behind.to_string()}>
                            { if kinesis { format!("MillisBehindLatest {} · {lag} records behind", c.millis_behind) } else { format!("lag {lag}") } }
                        </span>
                    </div>
                    if let Some((generation, partitions)) = &c.assigned {
                        <div class="sl-hint">
                            { format!("generation {generation} · assigned ") }
                            if partitions.is_empty() {
                                <span class="sl-muted">{ "nothing (more members than partitions)" }</span>
                            }
                            { for partitions.iter().map(|p| html! { <code>{ place(*p) }</code> }) }
                        </div>
                    }
                    <div class="sl-muted sl-hint">
                        { "position " }
                        { for c.positions.iter().map(|(p, o)| html! { <code>{ format!("{} → {o}", place(*p)) }</code> }) }
                        if !c.committed.is_empty() {
                            { " · committed " }
                            { for c.committed.iter().map(|(p, o)| html! { <code>{ format!("{} → {o}", place(*p)) }</code> }) }
                            { " · " }
                            <span data-testid="consumer-uncommitted" data-uncommitted={uncommitted.to_string()}
                                  title="Records read since the last commit: a member taking over these partitions reads them again (at-least-once).">
                                { format!("{uncommitted} read but not committed") }
                            </span>
                        }
                    </div>
                    <ul class="sl-recent">{ for recent }</ul>
                    if c.running {
                        <div class="sl-row sl-actions">
                            <button onclick={onreplay} data-testid="consumer-replay">{ "Replay from start" }</button>
                            if c.group.is_some() {
                                <button onclick={oncommit} data-testid="consumer-commit">{ "Commit" }</button>
                            }
                            <button onclick={onstop} data-testid="consumer-stop">{ "Stop" }</button>
                        </div>
                    } else {
                        <p class="sl-muted sl-hint">{ c.error.clone().unwrap_or_else(|| "stopped".into()) }</p>
                    }
                </div>
            }
        });
    html! {
        <div class="sl-card sl-consumers">
            <form novalidate=true {onsubmit}>
                <h3>{ "Consumers" }</h3>
                <div class="sl-row">
                    <label>{ if kinesis { "Shard iterator type" } else { "Start at" } }
                        <select ref={position} data-testid="consumer-position" {onchange}>
                            { for positions.iter().map(|(v, label)| html! {
                                <option value={*v} selected={*v == current}>{ *label }</option>
                            }) }
                        </select>
                    </label>
                    <label>{ if kinesis { "Sequence number or time" } else { "Offset or time" } }
                        <input ref={value} data-testid="consumer-offset" placeholder={if kinesis { "AT_/AFTER_: shard:number (1:42); AT_TIMESTAMP: a time" } else { "only for offset N or timestamp T" }} autocomplete="off" />
                    </label>
                    <label>{ if kinesis { "Application (group)" } else { "Consumer group (optional)" } }
                        <input ref={group} data-testid="consumer-group" placeholder="billing" autocomplete="off" />
                    </label>
                    <button type="submit" class="sl-primary" data-testid="consumer-start">{ "Start consumer" }</button>
                </div>
                <p class="sl-muted sl-hint">{ "Each consumer is its own Web Worker reading from IndexedDB. It wakes when a producer appends (BroadcastChannel), so it never polls." }</p>
            </form>
            { for rows }
            <GroupReset topic={name.clone()} mode={props.words} summary={props.group_reset.clone()} />
        </div>
    }
}
