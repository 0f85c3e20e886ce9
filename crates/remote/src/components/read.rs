//! GetRecords (`records-*`): replay one shard from any of the five iterator types.

use yew::prelude::*;

use streamlab_kinesis::api::Shard;
use streamlab_kinesis::StartingPosition;

use crate::components::view::{short, table, value};
use crate::remote::Remote;
use crate::state::{Action, ReadView, READ_LIMIT};

/// The iterator types, in the form's order.
const ITERATOR_TYPES: [&str; 5] = [
    "TRIM_HORIZON",
    "LATEST",
    "AT_SEQUENCE_NUMBER",
    "AFTER_SEQUENCE_NUMBER",
    "AT_TIMESTAMP",
];

/// Properties of [`ShardReader`].
#[derive(Properties, PartialEq)]
pub struct ShardReaderProps {
    /// The open stream.
    pub stream: String,
    /// Its shards.
    pub shards: Vec<Shard>,
    /// The last read.
    pub read: Option<ReadView>,
    /// A call is under way.
    pub working: bool,
}

/// Where a read starts, from the form's kind and value, or what is wrong with it.
fn starting_position(kind: &str, at: &str) -> Result<StartingPosition, String> {
    Ok(match kind {
        "TRIM_HORIZON" => StartingPosition::TrimHorizon,
        "LATEST" => StartingPosition::Latest,
        "AT_SEQUENCE_NUMBER" | "AFTER_SEQUENCE_NUMBER" => {
            if at.is_empty() || !at.bytes().all(|b| b.is_ascii_digit()) {
                return Err(format!("'{at}' is not a sequence number (decimal digits)"));
            }
            if kind == "AT_SEQUENCE_NUMBER" {
                StartingPosition::AtSequenceNumber(at.to_owned())
            } else {
                StartingPosition::AfterSequenceNumber(at.to_owned())
            }
        }
        _ => match at.parse::<i64>().ok().or_else(|| {
            let ms = js_sys::Date::parse(at);
            (!ms.is_nan()).then_some(ms as i64)
        }) {
            Some(ms) => StartingPosition::AtTimestamp(ms),
            None => {
                return Err(format!(
                    "'{at}' is not a time (ms since 1970, or a date like 2026-11-26T10:00:00Z)"
                ))
            }
        },
    })
}

/// Reads a shard until a read comes back empty (its newest record), the shard's end (a closed
/// shard) or 1,000 records.
#[function_component]
pub fn ShardReader(props: &ShardReaderProps) -> Html {
    let remote = use_context::<Remote>();
    let (shard_in, from_in, value_in) = (use_node_ref(), use_node_ref(), use_node_ref());
    let Some(remote) = remote else {
        return Html::default();
    };
    let onread = {
        let refs = (shard_in.clone(), from_in.clone(), value_in.clone());
        let (remote, stream, shards) = (remote.clone(), props.stream.clone(), props.shards.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let (shard_id, kind, at) = (
                value(&refs.0),
                value(&refs.1),
                value(&refs.2).trim().to_owned(),
            );
            let from = match starting_position(&kind, &at) {
                Ok(from) => from,
                Err(message) => return remote.error(message),
            };
            let children: Vec<String> = shards
                .iter()
                .filter(|s| {
                    s.parent_shard_id.as_deref() == Some(shard_id.as_str())
                        || s.adjacent_parent_shard_id.as_deref() == Some(shard_id.as_str())
                })
                .map(|s| s.shard_id.clone())
                .collect();
            let words = if at.is_empty() {
                kind.clone()
            } else {
                format!("{kind} {at}")
            };
            let stream = stream.clone();
            remote.run(move |client, dispatch| async move {
                let mut iterator =
                    Some(client.get_shard_iterator(&stream, &shard_id, &from).await?);
                let mut view = ReadView {
                    shard_id: shard_id.clone(),
                    from: words,
                    records: Vec::new(),
                    ended: false,
                    children,
                };
                // Read on until a read comes back empty (the shard's newest record), the
                // shard's end (a closed shard), or the display's limit.
                while let Some(it) = iterator.take() {
                    let read = client.get_records(&it, Some(500)).await?;
                    let empty = read.records.is_empty();
                    view.records.extend(read.records.into_iter().map(|r| {
                        let data = String::from_utf8_lossy(&r.data).into_owned();
                        (r.sequence_number, r.partition_key, data, r.arrival_ms)
                    }));
                    if let Some(children) = read.child_shards {
                        view.children = children;
                    }
                    match read.next_iterator {
                        None => view.ended = true,
                        Some(next) if !empty && view.records.len() < READ_LIMIT => {
                            iterator = Some(next)
                        }
                        Some(_) => {}
                    }
                }
                dispatch.dispatch(Action::Read(view));
                Ok(())
            });
        })
    };
    let shard_options = props.shards.iter().map(|s| html! {
        <option value={s.shard_id.clone()} selected={props.read.as_ref().is_some_and(|r| r.shard_id == s.shard_id)}>{ s.shard_id.clone() }</option>
    });
    let read = props.read.as_ref().map(|r| {
        let rows = r.records.iter().map(|(seq, key, data, at)| html! {
            <tr data-testid="record-row" data-shard-id={r.shard_id.clone()} data-sequence-number={seq.clone()} data-key={key.clone()}>
                <td class="sl-seq"><code title={seq.clone()}>{ short(seq) }</code></td>
                <td><code>{ key.clone() }</code></td>
                <td class="sl-wrap">{ data.clone() }</td>
                <td class="sl-muted">{ at.map(|ms| String::from(js_sys::Date::new(&(ms as f64).into()).to_iso_string())).unwrap_or_default() }</td>
            </tr>
        });
        let end = if r.ended {
            let children = if r.children.is_empty() { "none yet".to_owned() } else { r.children.join(", ") };
            format!("the end of closed shard {}: its hash keys went to {children}", r.shard_id)
        } else {
            format!("up to the newest record of {} (read again for more)", r.shard_id)
        };
        html! {
            <>
                <p class="sl-muted" data-testid="records-end" data-ended={r.ended.to_string()} data-children={r.children.join(",")}>
                    { format!("{} records from {} · {end}", r.records.len(), r.from) }
                </p>
                { table(&["Sequence number", "Partition key", "Data", "Arrived"], rows.collect()) }
            </>
        }
    });
    html! {
        <form class="sl-card" novalidate=true onsubmit={onread}>
            <h3>{ "GetRecords: replay a shard" }</h3>
            <div class="sl-row">
                <label>{ "Shard" }<select ref={shard_in} data-testid="records-shard">{ for shard_options }</select></label>
                <label>{ "From" }
                    <select ref={from_in} data-testid="records-from">
                        { for ITERATOR_TYPES.iter().map(|kind| {
                            let chosen = props.read.as_ref().is_some_and(|r| r.from.split(' ').next() == Some(*kind));
                            html! { <option value={*kind} selected={chosen}>{ *kind }</option> }
                        }) }
                    </select>
                </label>
                <label class="sl-grow">{ "Sequence number or time" }
                    <input ref={value_in} data-testid="records-value" placeholder="only for AT_/AFTER_SEQUENCE_NUMBER and AT_TIMESTAMP" autocomplete="off" />
                </label>
                <button type="submit" class="sl-primary" data-testid="records-read" disabled={props.working}>{ "Read" }</button>
            </div>
            { for read }
        </form>
    }
}
