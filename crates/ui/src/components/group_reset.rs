//! Reset a consumer group's committed offsets (`reset-*`), as `kafka-consumer-groups
//! --reset-offsets` does: only while the group has no active member.

use web_sys::HtmlSelectElement;
use yew::prelude::*;

use streamlab_log::{Mode, TopicName};

use crate::hooks::use_lab::LabActions;
use crate::view::typed;

/// Properties of [`GroupReset`].
#[derive(Properties, PartialEq)]
pub struct GroupResetProps {
    /// The open topic, whose offsets are reset.
    pub topic: TopicName,
    /// The open topic's mode, for its words.
    pub mode: Mode,
    /// What the last reset did, in words.
    pub summary: Option<String>,
}

/// The reset form and what the last reset did (`reset-result`).
#[function_component]
pub fn GroupReset(props: &GroupResetProps) -> Html {
    crate::renders::count("GroupReset");
    let lab = use_context::<LabActions>();
    let kinesis = props.mode == Mode::Kinesis;
    // Yew re-applies an input's `value` on every render, so what the user types is state.
    let group = use_state(String::new);
    let target = use_state(|| if kinesis { "TRIM_HORIZON" } else { "earliest" }.to_owned());
    let value = use_state(String::new);
    let ontarget = {
        let target = target.clone();
        Callback::from(move |e: Event| {
            target.set(e.target_unchecked_into::<HtmlSelectElement>().value())
        })
    };
    let onsubmit = {
        let (group, target, value, lab) =
            (group.clone(), target.clone(), value.clone(), lab.clone());
        let topic = props.topic.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if let Some(lab) = lab.as_ref() {
                lab.topics.reset_group(&topic, &group, &target, &value);
            }
        })
    };
    if lab.is_none() {
        return Html::default();
    }
    let targets: &[(&str, &str)] = if kinesis {
        &[
            ("TRIM_HORIZON", "TRIM_HORIZON"),
            ("LATEST", "LATEST"),
            ("AT_TIMESTAMP", "AT_TIMESTAMP"),
        ]
    } else {
        &[
            ("earliest", "earliest"),
            ("latest", "latest"),
            ("offset", "offset"),
            ("timestamp", "timestamp"),
        ]
    };
    let needs_value = matches!(target.as_str(), "offset" | "timestamp" | "AT_TIMESTAMP");
    html! {
        <form class="sl-reset" novalidate=true {onsubmit}>
            <div class="sl-row">
                <label>{ if kinesis { "Reset the checkpoints of application" } else { "Reset the offsets of group" } }
                    <input data-testid="reset-group" value={(*group).clone()} oninput={typed(&group)} placeholder="billing" autocomplete="off" />
                </label>
                <label>{ "to" }
                    <select data-testid="reset-target" onchange={ontarget}>
                        { for targets.iter().map(|(v, label)| html! {
                            <option value={*v} selected={**v == *target}>{ *label }</option>
                        }) }
                    </select>
                </label>
                if needs_value {
                    <label>{ if target.as_str() == "offset" { "Offset (or partition:offset, …)" } else { "Time (ms or a date)" } }
                        <input data-testid="reset-value" value={(*value).clone()} oninput={typed(&value)} placeholder={if target.as_str() == "offset" { "0:5, 1:7" } else { "2026-11-25T10:00:00Z" }} autocomplete="off" />
                    </label>
                }
                <button type="submit" data-testid="reset-submit">{ "Reset" }</button>
            </div>
            <p class="sl-muted sl-hint">
                { "Stop the group's consumers first: a group is reset only while no member is active. The next member to start reads from the new offsets, so those records flow again." }
            </p>
            if let Some(summary) = &props.summary {
                <p class="sl-hint" data-testid="reset-result">{ summary }</p>
            }
        </form>
    }
}
