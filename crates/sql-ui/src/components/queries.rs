//! The persistent queries (`query-row` with `data-query-id`, `data-status`, `data-lag`): state,
//! input lag, records in and out, rate, `query-terminate`, and each query's topology.

use std::collections::BTreeMap;

use yew::prelude::*;

use streamlab_protocol::processor::QueryStatus;

use super::topology::Topology;
use crate::use_processor::Rate;

/// Properties of [`QueryList`].
#[derive(Properties, PartialEq)]
pub struct QueryListProps {
    /// The running queries.
    pub queries: Vec<QueryStatus>,
    /// Their rates.
    pub rates: BTreeMap<String, Rate>,
    /// Runs a statement (`TERMINATE <id>;`).
    pub onrun: Callback<String>,
    /// Opens a topic.
    pub ontopic: Callback<String>,
    /// Whether the processor runs (counts are live).
    pub live: bool,
}

/// The list.
#[function_component]
pub fn QueryList(props: &QueryListProps) -> Html {
    if props.queries.is_empty() {
        return html! {
            <p class="sl-muted sl-hint">
                { "No persistent query yet: CREATE STREAM … AS SELECT, CREATE TABLE … AS SELECT or INSERT INTO … SELECT starts one, and it keeps running (across reloads) until TERMINATE." }
            </p>
        };
    }
    let rows = props.queries.iter().map(|q| {
        let onterminate = {
            let (onrun, id) = (props.onrun.clone(), q.id.clone());
            Callback::from(move |_: MouseEvent| onrun.emit(format!("TERMINATE {id};")))
        };
        let rate = props.rates.get(&q.id).map_or(0.0, |r| r.per_second);
        let state = if props.live { q.state.clone() } else { "STOPPED".to_owned() };
        html! {
            <div class="sl-query" key={q.id.clone()} data-testid="query-row" data-query-id={q.id.clone()}
                 data-status={state.clone()} data-lag={q.lag.to_string()}
                 data-records-in={q.records_in.to_string()} data-records-out={q.records_out.to_string()}>
                <div class="sl-query-head">
                    <code class="sl-query-id">{ q.id.clone() }</code>
                    <span class={classes!("sl-state", state.to_lowercase())}>{ state.clone() }</span>
                    <span class="sl-muted">{ format!("→ {}", q.sink) }</span>
                    <span class="sl-grow"></span>
                    <span class="sl-stat" title="Records of its inputs not read yet">{ format!("lag {}", q.lag) }</span>
                    <span class="sl-stat">{ format!("in {}", q.records_in) }</span>
                    <span class="sl-stat">{ format!("out {}", q.records_out) }</span>
                    if q.records_skipped > 0 {
                        <span class="sl-stat bad" title="Records that could not be decoded: skipped and counted, as ksqlDB does">
                            { format!("skipped {}", q.records_skipped) }
                        </span>
                    }
                    <span class="sl-stat">{ format!("{rate:.0} rec/s") }</span>
                    <button class="sl-small" data-testid="query-terminate" onclick={onterminate}
                            title="Stop the query for good (its sink stays)">{ "Terminate" }</button>
                </div>
                if let (true, Some(error)) = (props.live, &q.error) {
                    <p class="sl-corrupt" data-testid="query-error">
                        { format!("{error}. The other queries keep running; TERMINATE this one, or repair its input and restart the processor.") }
                    </p>
                }
                <code class="sl-query-text">{ q.text.clone() }</code>
                <Topology nodes={q.topology.clone()} ontopic={props.ontopic.clone()} />
            </div>
        }
    });
    html! { <div class="sl-queries">{ for rows }</div> }
}
