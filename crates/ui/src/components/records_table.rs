//! The newest records of the open topic (`record-row`).

use yew::prelude::*;

use streamlab_log::Mode;

use crate::view::{iso_time, shard_id, RecordRow};

/// Properties of [`RecordsTable`].
#[derive(Properties, PartialEq)]
pub struct RecordsTableProps {
    /// The open topic's mode, for its words.
    pub mode: Mode,
    /// The rows, by partition and offset.
    pub rows: Vec<RecordRow>,
}

/// Records by partition and offset (Kinesis: shard and sequence number). Values are text.
#[function_component]
pub fn RecordsTable(props: &RecordsTableProps) -> Html {
    let kinesis = props.mode == Mode::Kinesis;
    if props.rows.is_empty() {
        return html! {
            <div class="sl-card"><h3>{ "Records" }</h3><p class="sl-muted">{ "No records yet. Produce one above." }</p></div>
        };
    }
    let rows = props.rows.iter().map(|r| {
        html! {
            <tr key={format!("{}-{}", r.partition, r.offset)}
                data-testid="record-row"
                data-partition={r.partition.to_string()}
                data-offset={r.offset.to_string()}
                data-key={r.key.clone()}
                data-sequence-number={kinesis.then(|| r.sequence_number.clone())}>
                <td>{ if kinesis { shard_id(r.partition) } else { r.partition.to_string() } }</td>
                <td class="sl-num">{ r.offset }</td>
                if kinesis { <td class="sl-seq">{ &r.sequence_number }</td> }
                <td>{ match &r.key { Some(k) => html!{ <code>{ k }</code> }, None => html!{ <span class="sl-muted">{ "null" }</span> } } }</td>
                <td class="sl-value">{ match &r.value { Some(v) => html!{ { v } }, None => html!{ <span class="sl-muted">{ "null (tombstone)" }</span> } } }</td>
                <td class="sl-time">{ iso_time(r.timestamp) }</td>
            </tr>
        }
    });
    html! {
        <div class="sl-card">
            <h3>{ "Records" }</h3>
            <table class="sl-table">
                <thead>
                    <tr>
                        <th>{ if kinesis { "Shard" } else { "Partition" } }</th>
                        <th class="sl-num">{ "Offset" }</th>
                        if kinesis { <th>{ "Sequence number" }</th> }
                        <th>{ if kinesis { "Partition key" } else { "Key" } }</th>
                        <th>{ "Value" }</th>
                        <th>{ if kinesis { "Arrival time" } else { "Timestamp" } }</th>
                    </tr>
                </thead>
                <tbody>{ for rows }</tbody>
            </table>
        </div>
    }
}
