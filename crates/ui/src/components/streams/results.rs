//! Statement results (`sql-result` with `data-ok`), newest first, with a pull query's rows as a
//! table.

use yew::prelude::*;

use streamlab_protocol::processor::SqlOutcome;

use crate::hooks::use_processor::Submission;

/// Runs shown (newest first).
const SHOWN: usize = 8;

/// Properties of [`SqlResults`].
#[derive(Properties, PartialEq)]
pub struct SqlResultsProps {
    /// This page's runs, newest last.
    pub submissions: Vec<Submission>,
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

fn outcome(o: &SqlOutcome) -> Html {
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
            (Some(results), None) => html! { <>{ for results.iter().map(outcome) }</> },
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
