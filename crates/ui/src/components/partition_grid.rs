//! The partitions (shards) of the open topic (`partition-row`).

use yew::prelude::*;

use streamlab_log::{merge_partner, middle_hash_key, Mode, ShardState, TopicMetadata};

use crate::hooks::use_lab::LabHandle;
use crate::view::shard_id;

/// Properties of [`PartitionGrid`].
#[derive(Properties, PartialEq)]
pub struct PartitionGridProps {
    /// The open topic.
    pub topic: TopicMetadata,
    /// The vocabulary to show it in.
    pub words: Mode,
}

/// One row per partition: log start and end offsets, records, bytes; in Kinesis mode the shard
/// id, hash-key range and state.
#[function_component]
pub fn PartitionGrid(props: &PartitionGridProps) -> Html {
    let lab = use_context::<LabHandle>();
    // Words follow the toggle; what can be done (split, merge, add) follows the topic's mode.
    let kinesis = props.words == Mode::Kinesis;
    let kinesis_topic = props.topic.config.mode() == Mode::Kinesis;
    let rows = props.topic.partitions.iter().map(|p| {
        let range = p.hash_key_range();
        let open = p.shard_state() == ShardState::Open;
        let split = match (lab.clone(), range.and_then(middle_hash_key)) {
            (Some(lab), Some(mid)) if open => {
                let shard = p.partition();
                let onclick = Callback::from(move |_| lab.split_shard(shard, mid));
                html! { <button class="sl-small" data-testid="shard-split" title="SplitShard at the middle of the hash-key range" {onclick}>{ "Split" }</button> }
            }
            _ => Html::default(),
        };
        let merge = match (lab.clone(), merge_partner(&props.topic.partitions, p.partition())) {
            (Some(lab), Some(partner)) => {
                let (shard, next) = (p.partition(), partner.0);
                let onclick = Callback::from(move |_| lab.merge_shards(shard, partner));
                let title = format!("MergeShards with {}, whose hash-key range starts where this one ends", shard_id(next));
                html! { <button class="sl-small" data-testid="shard-merge" {title} {onclick}>{ format!("Merge with #{next}") }</button> }
            }
            _ => Html::default(),
        };
        let lineage = if p.parents().is_empty() {
            String::new()
        } else {
            format!("from {}", p.parents().iter().map(|x| shard_id(x.0)).collect::<Vec<_>>().join(" + "))
        };
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
                data-state={kinesis.then_some(state)}
                data-parents={kinesis.then(|| p.parents().iter().map(|x| x.0.to_string()).collect::<Vec<_>>().join(","))}>
                <td>{ if kinesis { shard_id(p.partition().0) } else { p.partition().0.to_string() } }</td>
                <td class="sl-num">{ p.log_start_offset().0 }</td>
                <td class="sl-num">{ p.log_end_offset().0 }</td>
                <td class="sl-num">{ p.record_count() }</td>
                <td class="sl-num">{ p.byte_count() }</td>
                if kinesis {
                    <td class="sl-hash">
                        { range.map_or_else(
                            || "none: a Kafka partition is chosen by murmur2(key), not by a hash-key range".to_owned(),
                            |r| format!("{} … {}", r.starting_hash_key, r.ending_hash_key),
                        ) }
                    </td>
                    <td>
                        { state }
                        <div class="sl-muted sl-hint">{ lineage }</div>
                        if let Some(end) = p.ending_sequence_number() {
                            <div class="sl-muted sl-hint">{ format!("ends at seq {end}") }</div>
                        }
                    </td>
                    <td class="sl-actions">{ split }{ merge }</td>
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
                            <th></th>
                        }
                    </tr>
                </thead>
                <tbody>{ for rows }</tbody>
            </table>
            if let Some(lab) = lab {
                <div class="sl-row sl-actions sl-below">
                    if !kinesis_topic {
                        <button class="sl-small" data-testid="partition-add" onclick={{ let lab = lab.clone(); Callback::from(move |_| lab.add_partition()) }}>
                            { "Add partition" }
                        </button>
                    }
                    <button class="sl-small" data-testid="topic-clean" onclick={{ let lab = lab.clone(); Callback::from(move |_| lab.clean_topic()) }}>
                        { match props.topic.config.cleanup_policy() {
                            streamlab_log::CleanupPolicy::Compact => "Compact now",
                            streamlab_log::CleanupPolicy::Delete => "Apply retention now",
                        } }
                    </button>
                    <span class="sl-muted sl-hint">
                        { retention_words(&props.topic) }
                        if let Some(done) = lab.state.cleanup.clone() {
                            <span data-testid="cleanup-result">{ format!(" · {done}") }</span>
                        }
                    </span>
                </div>
            }
        </div>
    }
}

/// The topic's cleanup settings in words.
fn retention_words(topic: &TopicMetadata) -> String {
    let c = &topic.config;
    match c.cleanup_policy() {
        streamlab_log::CleanupPolicy::Compact => format!(
            "cleanup.policy=compact: newest value per key; tombstones go after {} ms",
            c.delete_retention_ms()
        ),
        streamlab_log::CleanupPolicy::Delete => match (c.retention_ms(), c.retention_bytes()) {
            (Some(ms), _) => format!("retention {ms} ms: older batches are deleted whole"),
            (None, Some(b)) => format!("retention {b} bytes per partition"),
            (None, None) => "retention: forever".to_owned(),
        },
    }
}
