//! Statement results (`sql-result` with `data-ok`), newest first, with a pull query's rows as a
//! table and a push query's rows arriving live (`push-rows`, `push-stop`).

use std::collections::BTreeMap;

use yew::prelude::*;

use streamlab_protocol::processor::SqlOutcome;

use crate::use_processor::{PushView, Submission};

/// Runs shown (newest first).
const SHOWN: usize = 8;

/// Properties of [`SqlResults`].
#[derive(Properties, PartialEq)]
pub struct SqlResultsProps {
    /// This page's runs, newest last.
    pub submissions: Vec<Submission>,
    /// Push queries' rows, by id.
    pub pushes: BTreeMap<String, PushView>,
    /// Stops a push query.
    pub onstop: Callback<String>,
}

fn rows_table(rows: &[Vec<(String, String)>]) -> Html {
    let Some(first) = rows.first() else {
        return html! { <p class="sl-muted sl-hint">{ "No rows." }</p> };
    };
    let head = first
        .iter()
        .map(|(name, _)| html! { <th>{ name.clone() }</th> });
    let body = rows.iter().map(|row| {
        // Strings as ksqlDB's CLI prints them (no quotes); the rest as JSON.
        let cells = row.iter().map(|(_, json)| {
            let text = js_sys::JSON::parse(json)
                .ok()
                .and_then(|v| v.as_string())
                .unwrap_or_else(|| json.clone());
            html! { <td><code>{ text }</code></td> }
        });
        html! { <tr data-testid="sql-row">{ for cells }</tr> }
    });
    html! {
        <table class="sl-table">
            <thead><tr>{ for head }</tr></thead>
            <tbody>{ for body }</tbody>
        </table>
    }
}

fn push_rows(id: &str, view: &PushView, onstop: &Callback<String>) -> Html {
    let onclick = {
        let (onstop, id) = (onstop.clone(), id.to_owned());
        Callback::from(move |_: MouseEvent| onstop.emit(id.clone()))
    };
    let status = match &view.ended {
        Some(why) => format!("{} row(s); ended: {why}", view.received),
        None => format!(
            "{} row(s) so far; produce records to see more",
            view.received
        ),
    };
    html! {
        <div class="sl-push" data-testid="push-rows" data-query-id={id.to_owned()}
             data-count={view.received.to_string()} data-ended={view.ended.is_some().to_string()}>
            <div class="sl-row sl-push-head">
                <span class="sl-muted sl-hint">{ status }</span>
                if view.ended.is_none() {
                    <button class="sl-small" data-testid="push-stop" {onclick}>{ "Stop" }</button>
                }
            </div>
            if !view.rows.is_empty() {
                <div class="sl-table-wrap sl-push-rows">{ rows_table(&view.rows) }</div>
            }
        </div>
    }
}

fn outcome(o: &SqlOutcome, pushes: &BTreeMap<String, PushView>, onstop: &Callback<String>) -> Html {
    let push = o
        .query_id
        .as_ref()
        .and_then(|id| pushes.get(id).map(|view| push_rows(id, view, onstop)));
    let listing = o.message.contains('\n') || o.message.contains(" | ");
    html! {
        <div class={classes!("sl-sql-result", (!o.ok).then_some("bad"))} data-testid="sql-result"
             data-ok={o.ok.to_string()} data-query-id={o.query_id.clone()}>
            <code class="sl-sql-statement">{ o.statement.clone() }</code>
            if listing {
                <pre class="sl-sql-message">{ o.message.clone() }</pre>
            } else {
                <div class="sl-sql-message">{ o.message.clone() }</div>
            }
            if let Some(rows) = &o.rows {
                { rows_table(rows) }
            }
            { push.unwrap_or_default() }
        </div>
    }
}

/// The outcome of each run, newest first.
#[function_component]
pub fn SqlResults(props: &SqlResultsProps) -> Html {
    if props.submissions.is_empty() {
        return Html::default();
    }
    let runs = props.submissions.iter().rev().take(SHOWN).map(|s| {
        let body = match (&s.results, &s.error) {
            (_, Some(error)) => html! {
                <div class="sl-sql-result bad" data-testid="sql-result" data-ok="false">
                    <code class="sl-sql-statement">{ s.text.clone() }</code>
                    <div class="sl-sql-message">{ error.clone() }</div>
                </div>
            },
            (Some(results), None) if results.is_empty() => html! {
                <p class="sl-muted sl-hint">{ "Nothing to run (only comments or whitespace)." }</p>
            },
            (Some(results), None) => html! {
                <>{ for results.iter().map(|o| outcome(o, &props.pushes, &props.onstop)) }</>
            },
            (None, None) => html! {
                <div class="sl-sql-result pending" data-testid="sql-pending">
                    <code class="sl-sql-statement">{ s.text.clone() }</code>
                    <div class="sl-muted">{ "Running…" }</div>
                </div>
            },
        };
        html! { <div class="sl-sql-run" key={s.request.to_string()}>{ body }</div> }
    });
    html! { <div class="sl-sql-results">{ for runs }</div> }
}
