//! The partitions (shards) of the open topic (`partition-row`).

use yew::prelude::*;

use streamlab_log::{Mode, ShardState, TopicMetadata};

use crate::view::shard_id;

/// Properties of [`PartitionGrid`].
#[derive(Properties, PartialEq)]
pub struct PartitionGridProps {
    /// The open topic.
    pub topic: TopicMetadata,
}

/// One row per partition: log start and end offsets, records, bytes; in Kinesis mode the shard
/// id, hash-key range and state.
#[function_component]
pub fn PartitionGrid(props: &PartitionGridProps) -> Html {
    let kinesis = props.topic.config.mode() == Mode::Kinesis;
    let rows = props.topic.partitions.iter().map(|p| {
        let range = p.hash_key_range();
        let state = match p.shard_state() {
            ShardState::Open => "OPEN",
            ShardState::Closed => "CLOSED",
        };
        html! {
            <tr key={p.partition().0}
                data-testid="partition-row"
                data-partition={p.partition().0.to_string()}
                data-log-start-offset={p.log_start_offset().0.to_string()}
                data-log-end-offset={p.log_end_offset().0.to_string()}
                data-shard-id={kinesis.then(|| shard_id(p.partition().0))}
                data-starting-hash-key={range.filter(|_| kinesis).map(|r| r.starting_hash_key.to_string())}
                data-ending-hash-key={range.filter(|_| kinesis).map(|r| r.ending_hash_key.to_string())}
                data-state={kinesis.then_some(state)}>
                <td>{ if kinesis { shard_id(p.partition().0) } else { p.partition().0.to_string() } }</td>
                <td class="sl-num">{ p.log_start_offset().0 }</td>
                <td class="sl-num">{ p.log_end_offset().0 }</td>
                <td class="sl-num">{ p.record_count() }</td>
                <td class="sl-num">{ p.byte_count() }</td>
                if kinesis {
                    <td class="sl-hash">
                        { range.map(|r| format!("{} … {}", r.starting_hash_key, r.ending_hash_key)).unwrap_or_default() }
                    </td>
                    <td>{ state }</td>
                }
            </tr>
        }
    });
    html! {
        <div class="sl-card">
            <h3>{ if kinesis { "Shards" } else { "Partitions" } }</h3>
            <table class="sl-table">
                <thead>
                    <tr>
                        <th>{ if kinesis { "Shard" } else { "Partition" } }</th>
                        <th class="sl-num">{ if kinesis { "Trim horizon (offset)" } else { "Log start offset" } }</th>
                        <th class="sl-num">{ "Log end offset" }</th>
                        <th class="sl-num">{ "Records" }</th>
                        <th class="sl-num">{ "Bytes" }</th>
                        if kinesis {
                            <th>{ "Hash-key range" }</th>
                            <th>{ "State" }</th>
                        }
                    </tr>
                </thead>
                <tbody>{ for rows }</tbody>
            </table>
        </div>
    }
}
