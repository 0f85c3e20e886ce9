//! The table view of the open topic (Kafka Streams' KTable): latest value per key.

use yew::prelude::*;

use std::rc::Rc;

use streamlab_log::{Mode, TableView};

use crate::view::shard_id;

/// Properties of [`TableViewCard`].
#[derive(Properties, PartialEq)]
pub struct TableViewCardProps {
    /// The open topic's mode, for its words.
    pub mode: Mode,
    /// The table; `None` when the topic is too big to build it on every change.
    pub table: Option<Rc<TableView>>,
}

/// The latest value of every key, updating as records arrive (`table-row`).
#[function_component]
pub fn TableViewCard(props: &TableViewCardProps) -> Html {
    crate::renders::count("TableViewCard");
    let kinesis = props.mode == Mode::Kinesis;
    let body = match props.table.as_deref() {
        None => {
            html! { <p class="sl-muted">{ "The topic holds more than 10,000 records; the table view is built for smaller topics." }</p> }
        }
        Some(table) if table.is_empty() => {
            html! { <p class="sl-muted">{ "No keyed records yet." }</p> }
        }
        Some(table) => {
            let rows = table.iter().map(|(key, entry)| {
                let key = String::from_utf8_lossy(key).into_owned();
                let value = String::from_utf8_lossy(&entry.value).into_owned();
                html! {
                    <tr key={key.clone()} data-testid="table-row" data-key={key.clone()} data-value={value.clone()}>
                        <td><code>{ key }</code></td>
                        <td class="sl-value">{ value }</td>
                        <td class="sl-num sl-muted">{ if kinesis { format!("{} #{}", shard_id(entry.partition.0), entry.offset.0) } else { format!("p{}@{}", entry.partition.0, entry.offset.0) } }</td>
                    </tr>
                }
            });
            html! {
                <table class="sl-table">
                    <thead><tr><th>{ "Key" }</th><th>{ "Latest value" }</th><th class="sl-num">{ "From" }</th></tr></thead>
                    <tbody>{ for rows }</tbody>
                </table>
            }
        }
    };
    html! {
        <div class="sl-card">
            <h3>{ "Table view (latest value per key)" }</h3>
            { body }
        </div>
    }
}
