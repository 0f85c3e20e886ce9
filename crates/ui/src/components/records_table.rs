//! The records of the open topic (`record-row`): the newest of every partition, live, or one
//! partition page by page, with jumps to an offset, sequence number or time, a key search, and
//! values as text, JSON or hex.

use web_sys::HtmlSelectElement;
use yew::prelude::*;

use streamlab_log::{Mode, TopicMetadata};

use crate::hooks::use_lab::LabActions;
use crate::state::RecordsQuery;
use streamlab_views::RecordRow;

use crate::view::{iso_time, shard_id, text, typed, ValueFormat};

/// Records per page (the same number the live view keeps per partition).
const PAGE: u64 = 50;

/// Properties of [`RecordsTable`].
#[derive(Properties, PartialEq)]
pub struct RecordsTableProps {
    /// The open topic.
    pub topic: TopicMetadata,
    /// The vocabulary to show it in.
    pub mode: Mode,
    /// The rows, by partition and offset.
    pub rows: Vec<RecordRow>,
    /// What the rows are.
    pub query: RecordsQuery,
}

/// Records by partition and offset (Kinesis: shard and sequence number). Values are text.
#[function_component]
pub fn RecordsTable(props: &RecordsTableProps) -> Html {
    crate::renders::count("RecordsTable");
    let lab = use_context::<LabActions>();
    let format = use_state(|| ValueFormat::Text);
    let search = use_state(|| props.query.key_search.clone());
    let jump_kind = use_state(|| "offset".to_owned());
    let jump_value = use_state(String::new);
    let kinesis = props.mode == Mode::Kinesis;
    let query = props.query.clone();

    let set_query = {
        let lab = lab.clone();
        move |q: RecordsQuery| {
            if let Some(lab) = lab.as_ref() {
                lab.records.query(q);
            }
        }
    };
    let onpartition = {
        let (set_query, query) = (set_query.clone(), query.clone());
        Callback::from(move |e: Event| {
            let value = e.target_unchecked_into::<HtmlSelectElement>().value();
            set_query(RecordsQuery {
                partition: value.parse().ok(),
                from: None,
                key_search: query.key_search.clone(),
            });
        })
    };
    let onformat = {
        let format = format.clone();
        Callback::from(move |e: Event| {
            format.set(ValueFormat::parse(
                &e.target_unchecked_into::<HtmlSelectElement>().value(),
            ))
        })
    };
    let onsearch = {
        let (set_query, query, search) = (set_query.clone(), query.clone(), search.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            set_query(RecordsQuery {
                key_search: search.trim().to_owned(),
                ..query.clone()
            });
        })
    };
    let onjumpkind = {
        let jump_kind = jump_kind.clone();
        Callback::from(move |e: Event| {
            jump_kind.set(e.target_unchecked_into::<HtmlSelectElement>().value())
        })
    };
    let onjump = {
        let (lab, query, jump_kind, jump_value) = (
            lab.clone(),
            query.clone(),
            jump_kind.clone(),
            jump_value.clone(),
        );
        let topic = props.topic.config.name().clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if let Some(lab) = lab.as_ref() {
                let partition = query.partition.unwrap_or(0);
                let search = query.key_search.clone();
                lab.records
                    .jump(&topic, partition, &jump_kind, &jump_value, search);
            }
        })
    };
    let page_to = |from: Option<u64>| {
        let (set_query, query) = (set_query.clone(), query.clone());
        Callback::from(move |_: MouseEvent| {
            set_query(RecordsQuery {
                from,
                ..query.clone()
            })
        })
    };

    let place = |p: u32| {
        if kinesis {
            shard_id(p)
        } else {
            format!("partition {p}")
        }
    };
    let selected = query
        .partition
        .and_then(|p| props.topic.partitions.get(p as usize));
    let first_shown = props.rows.first().map(|r| r.offset);
    let last_shown = props.rows.last().map(|r| r.offset);
    let pager = selected.map(|state| {
        let (start, end) = (state.log_start_offset().0, state.log_end_offset().0);
        let from = query.from.or(first_shown).unwrap_or(start);
        let prev = from.saturating_sub(PAGE).max(start);
        let next = last_shown.map_or(end, |o| o + 1);
        let range = match (first_shown, last_shown) {
            (Some(a), Some(b)) => format!("offsets {a}–{b}"),
            _ => "no records here".to_owned(),
        };
        html! {
            <div class="sl-row sl-pager">
                <span class="sl-grow" data-testid="records-range">
                    { format!("{} · {range} of {start}–{} ", place(state.partition().0), end.saturating_sub(1)) }
                    if query.from.is_none() { <span class="sl-status running">{ "live" }</span> }
                </span>
                <button data-testid="records-first" onclick={page_to(Some(start))} disabled={from <= start}>{ "⇤ First" }</button>
                <button data-testid="records-prev" onclick={page_to(Some(prev))} disabled={from <= start}>{ "← Older" }</button>
                <button data-testid="records-next" onclick={page_to(Some(next))} disabled={next >= end}>{ "Newer →" }</button>
                <button data-testid="records-tail" onclick={page_to(None)} disabled={query.from.is_none()}>{ "Newest (live) ⇥" }</button>
            </div>
        }
    });

    let format_now = *format;
    let rows = props.rows.iter().map(|r| {
        let (value, exact) = match &r.value {
            Some(v) => {
                let (shown, exact) = format_now.render(v);
                (Some(shown), exact)
            }
            None => (None, true),
        };
        let headers = r
            .headers
            .iter()
            .map(|(k, v)| format!("{k}={}", v.as_deref().map_or_else(|| "null".into(), text)))
            .collect::<Vec<_>>()
            .join(", ");
        let pre = format_now != ValueFormat::Text && exact;
        let oninspect = {
            let (lab, topic) = (lab.clone(), props.topic.config.name().clone());
            let (partition, offset) = (r.partition, r.offset);
            Callback::from(move |_: MouseEvent| {
                if let Some(lab) = lab.as_ref() {
                    lab.records.inspect(&topic, partition, offset);
                }
            })
        };
        html! {
            <tr key={format!("{}-{}", r.partition, r.offset)}
                data-testid="record-row"
                data-partition={r.partition.to_string()}
                data-offset={r.offset.to_string()}
                data-key={r.key_text()}
                data-sequence-number={kinesis.then(|| r.sequence_number.clone())}>
                <td>{ if kinesis { shard_id(r.partition) } else { r.partition.to_string() } }</td>
                <td class="sl-num">{ r.offset }</td>
                if kinesis { <td class="sl-seq">{ &r.sequence_number }</td> }
                <td>{ match r.key_text() { Some(k) => html!{ <code>{ k }</code> }, None => html!{ <span class="sl-muted">{ "null" }</span> } } }</td>
                <td class="sl-value" data-testid="record-value">
                    { match value {
                        Some(v) if pre => html!{ <pre>{ v }</pre> },
                        Some(v) => html!{ <>
                            { v }
                            if !exact { <span class="sl-muted">{ " (not JSON)" }</span> }
                        </> },
                        None => html!{ <span class="sl-muted">{ "null (tombstone)" }</span> },
                    } }
                </td>
                <td class="sl-muted">{ headers }</td>
                <td class="sl-time">{ iso_time(r.timestamp) }</td>
                <td><button class="sl-small" data-testid="record-inspect" title="Show the stored batch that holds this record, byte by byte" onclick={oninspect}>{ "bytes" }</button></td>
            </tr>
        }
    });
    let partitions = props.topic.partitions.iter().map(|p| {
        let id = p.partition().0;
        html! { <option value={id.to_string()} selected={query.partition == Some(id)}>{ place(id) }</option> }
    });
    let searching = !query.key_search.is_empty();
    html! {
        <div class="sl-card sl-records">
            <h3>{ "Records" }</h3>
            <div class="sl-row">
                <label>{ if kinesis { "Shard" } else { "Partition" } }
                    <select data-testid="records-partition" onchange={onpartition}>
                        <option value="" selected={query.partition.is_none()}>{ "all (newest, live)" }</option>
                        { for partitions }
                    </select>
                </label>
                <label class="sl-narrow">{ "Show values as" }
                    <select data-testid="records-format" onchange={onformat}>
                        <option value="text" selected={format_now == ValueFormat::Text}>{ "text" }</option>
                        <option value="json" selected={format_now == ValueFormat::Json}>{ "JSON" }</option>
                        <option value="hex" selected={format_now == ValueFormat::Hex}>{ "hex" }</option>
                    </select>
                </label>
                <form class="sl-inline" onsubmit={onsearch}>
                    <label>{ if kinesis { "Search partition keys" } else { "Search keys" } }
                        <input data-testid="records-search" value={(*search).clone()} oninput={typed(&search)} placeholder="contains…" autocomplete="off" />
                    </label>
                    <button type="submit" data-testid="records-search-submit">{ "Search" }</button>
                </form>
                if query.partition.is_some() {
                    <form class="sl-inline" onsubmit={onjump}>
                        <label>{ "Jump to" }
                            <select data-testid="records-jump-kind" onchange={onjumpkind}>
                                <option value="offset" selected={*jump_kind == "offset"}>{ "offset" }</option>
                                <option value="sequence" selected={*jump_kind == "sequence"}>{ "sequence number" }</option>
                                <option value="timestamp" selected={*jump_kind == "timestamp"}>{ "time" }</option>
                            </select>
                        </label>
                        <label>{ "\u{00a0}" }
                            <input data-testid="records-jump-value" value={(*jump_value).clone()} oninput={typed(&jump_value)} autocomplete="off" />
                        </label>
                        <button type="submit" data-testid="records-jump-submit">{ "Go" }</button>
                    </form>
                }
            </div>
            { pager.unwrap_or_default() }
            if searching {
                <p class="sl-muted sl-hint" data-testid="records-search-note">
                    { format!("Records whose key contains \"{}\" (the first {PAGE}).", query.key_search) }
                </p>
            }
            if props.rows.is_empty() {
                <p class="sl-muted">{ if searching { "No record matches." } else { "No records yet. Produce one above." } }</p>
            } else {
                <div class="sl-table-wrap">
                <table class="sl-table">
                    <thead>
                        <tr>
                            <th>{ if kinesis { "Shard" } else { "Partition" } }</th>
                            <th class="sl-num">{ "Offset" }</th>
                            if kinesis { <th>{ "Sequence number" }</th> }
                            <th>{ if kinesis { "Partition key" } else { "Key" } }</th>
                            <th>{ "Value" }</th>
                            <th>{ "Headers" }</th>
                            <th>{ if kinesis { "Arrival time" } else { "Timestamp" } }</th>
                            <th>{ "Batch" }</th>
                        </tr>
                    </thead>
                    <tbody>{ for rows }</tbody>
                </table>
                </div>
            }
        </div>
    }
}
