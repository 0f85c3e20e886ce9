//! The partitions (shards) of the open topic (`partition-row`).

use yew::prelude::*;

use streamlab_log::{
    merge_partner, middle_hash_key, CorruptBatch, Mode, ShardState, TopicMetadata,
};

use std::collections::VecDeque;

use crate::hooks::every;
use crate::hooks::use_lab::LabActions;
use crate::view::shard_id;

/// How far back the throughput column looks, in ms.
const RATE_WINDOW_MS: f64 = 5_000.0;

/// Each partition's appends per second over the last few seconds, from samples of its log end
/// offset taken as the dashboard redraws (and at least once a second).
fn rates(history: &VecDeque<(f64, Vec<u64>)>, partitions: usize) -> Vec<f64> {
    let (Some((t1, now)), Some((t0, then))) = (history.back(), history.front()) else {
        return vec![0.0; partitions];
    };
    let seconds = (t1 - t0) / 1000.0;
    (0..partitions)
        .map(|p| {
            let delta = now
                .get(p)
                .copied()
                .unwrap_or(0)
                .saturating_sub(then.get(p).copied().unwrap_or(0));
            if seconds > 0.0 {
                delta as f64 / seconds
            } else {
                0.0
            }
        })
        .collect()
}

/// The shards as a small tree: parents on the left, children to their right, a line from each
/// parent to each child.
fn lineage_tree(topic: &TopicMetadata) -> Html {
    let partitions = &topic.partitions;
    let mut depth = vec![0usize; partitions.len()];
    for (i, p) in partitions.iter().enumerate() {
        // Parents are always older, so their depth is known by now.
        depth[i] = p
            .parents()
            .iter()
            .filter_map(|q| depth.get(q.0 as usize).map(|d| d + 1))
            .max()
            .unwrap_or(0);
    }
    let mut row_in_level = vec![0usize; partitions.len()];
    let mut per_level: Vec<usize> = Vec::new();
    for (i, d) in depth.iter().enumerate() {
        if per_level.len() <= *d {
            per_level.resize(d + 1, 0);
        }
        row_in_level[i] = per_level[*d];
        per_level[*d] += 1;
    }
    let rows = per_level.iter().copied().max().unwrap_or(1);
    let (col, row) = (190.0, 26.0);
    let at = |i: usize| {
        (
            10.0 + depth[i] as f64 * col,
            16.0 + row_in_level[i] as f64 * row,
        )
    };
    let width = 10.0 + per_level.len() as f64 * col;
    let height = 8.0 + rows as f64 * row;
    let edges = partitions.iter().enumerate().flat_map(|(i, p)| {
        p.parents()
            .iter()
            .filter(|q| (q.0 as usize) < partitions.len())
            .map(move |q| (q.0 as usize, i))
            .collect::<Vec<_>>()
    });
    html! {
        <svg class="sl-lineage" data-testid="lineage-tree" viewBox={format!("0 0 {width} {height}")} width={width.to_string()} height={height.to_string()}
             role="img" aria-label="shard lineage: parents on the left, children on the right">
            { for edges.map(|(from, to)| {
                let ((x1, y1), (x2, y2)) = (at(from), at(to));
                html! { <line x1={(x1 + 150.0).to_string()} y1={(y1 - 4.0).to_string()} x2={(x2 - 4.0).to_string()} y2={(y2 - 4.0).to_string()} /> }
            }) }
            { for partitions.iter().enumerate().map(|(i, p)| {
                let (x, y) = at(i);
                let class = if p.shard_state() == ShardState::Open { "open" } else { "closed" };
                html! {
                    <text {class} x={x.to_string()} y={y.to_string()} data-shard={p.partition().0.to_string()} data-depth={depth[i].to_string()}>
                        { shard_id(p.partition().0) }
                    </text>
                }
            }) }
        </svg>
    }
}

/// Properties of [`PartitionGrid`].
#[derive(Properties, PartialEq)]
pub struct PartitionGridProps {
    /// The open topic.
    pub topic: TopicMetadata,
    /// The vocabulary to show it in.
    pub words: Mode,
    /// Each partition's first and last sequence numbers.
    pub sequences: Vec<Option<(String, String)>>,
    /// Stored batches that failed their checks when last read.
    pub corrupt: Vec<CorruptBatch>,
    /// What the last cleanup did.
    pub cleanup: Option<String>,
}

/// One row per partition: log start and end offsets, records, bytes; in Kinesis mode the shard
/// id, hash-key range and state.
#[function_component]
pub fn PartitionGrid(props: &PartitionGridProps) -> Html {
    let lab = use_context::<LabActions>();
    // Words follow the toggle; what can be done (split, merge, add) follows the topic's mode.
    let kinesis = props.words == Mode::Kinesis;
    let kinesis_topic = props.topic.config.mode() == Mode::Kinesis;
    // Log end samples for the throughput column, and a once-a-second redraw so a rate falls back
    // to zero when appends stop.
    let history = use_mut_ref(VecDeque::<(f64, Vec<u64>)>::new);
    let redraw = use_force_update();
    let ticked = use_mut_ref(|| false);
    crate::renders::count(if ticked.replace(false) {
        "PartitionGrid, by its clock"
    } else {
        "PartitionGrid"
    });
    {
        let ticked = ticked.clone();
        use_effect_with(props.topic.config.name().clone(), move |_| {
            every(1_000, move || {
                *ticked.borrow_mut() = true;
                redraw.force_update();
            })
        });
    }
    let rate = {
        let mut history = history.borrow_mut();
        let now = js_sys::Date::now();
        let ends: Vec<u64> = props
            .topic
            .partitions
            .iter()
            .map(|p| p.log_end_offset().0)
            .collect();
        if history
            .back()
            .is_some_and(|(_, last)| last.len() != ends.len())
        {
            history.clear();
        }
        history.push_back((now, ends));
        while history
            .front()
            .is_some_and(|(t, _)| now - t > RATE_WINDOW_MS)
            && history.len() > 2
        {
            history.pop_front();
        }
        rates(&history, props.topic.partitions.len())
    };
    let (sequences, corrupt) = (&props.sequences, &props.corrupt);
    let topic = props.topic.config.name().clone();
    let rows = props.topic.partitions.iter().map(|p| {
        let range = p.hash_key_range();
        let open = p.shard_state() == ShardState::Open;
        let split = match (lab.clone(), range.and_then(middle_hash_key)) {
            (Some(lab), Some(mid)) if open => {
                let topic = topic.clone();
                let shard = p.partition();
                let onclick = Callback::from(move |_| lab.topics.split_shard(&topic, shard, mid));
                html! { <button class="sl-small" data-testid="shard-split" title="SplitShard at the middle of the hash-key range" {onclick}>{ "Split" }</button> }
            }
            _ => Html::default(),
        };
        let merge = match (lab.clone(), merge_partner(&props.topic.partitions, p.partition())) {
            (Some(lab), Some(partner)) => {
                let topic = topic.clone();
                let (shard, next) = (p.partition(), partner.0);
                let onclick = Callback::from(move |_| lab.topics.merge_shards(&topic, shard, partner));
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
                if kinesis {
                    <td class="sl-seq" data-testid="sequence-range">
                        { match sequences.get(p.partition().0 as usize).cloned().flatten() {
                            Some((first, last)) => html! { <><div>{ first }</div><div>{ format!("… {last}") }</div></> },
                            None => html! { <span class="sl-muted">{ "empty" }</span> },
                        } }
                    </td>
                }
                <td class="sl-num">{ p.record_count() }</td>
                <td class="sl-num">{ p.byte_count() }</td>
                <td class="sl-num" data-testid="partition-throughput" data-rate={format!("{:.0}", rate.get(p.partition().0 as usize).copied().unwrap_or(0.0))}>
                    { format!("{:.0}/s", rate.get(p.partition().0 as usize).copied().unwrap_or(0.0)) }
                </td>
                if kinesis {
                    <td class="sl-hash">
                        { match range {
                            Some(r) => html! { <>
                                <div>{ r.starting_hash_key.to_string() }</div>
                                <div>{ format!("… {}", r.ending_hash_key) }</div>
                            </> },
                            None => html! { <span class="sl-wrap">{ "none: a Kafka partition is chosen by murmur2(key), not by a hash-key range" }</span> },
                        } }
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
            <div class="sl-scroll-x">
            <table class="sl-table">
                <thead>
                    <tr>
                        <th>{ if kinesis { "Shard" } else { "Partition" } }</th>
                        <th class="sl-num">{ if kinesis { "Trim horizon (offset)" } else { "Log start offset" } }</th>
                        <th class="sl-num">{ "Log end offset" }</th>
                        if kinesis { <th>{ "Sequence numbers (first … last)" }</th> }
                        <th class="sl-num">{ "Records" }</th>
                        <th class="sl-num">{ "Bytes" }</th>
                        <th class="sl-num" title="Appends per second over the last five seconds">{ "Throughput" }</th>
                        if kinesis {
                            <th>{ "Hash-key range" }</th>
                            <th>{ "State" }</th>
                            <th></th>
                        }
                    </tr>
                </thead>
                <tbody>{ for rows }</tbody>
            </table>
            </div>
            { for corrupt.iter().map(|bad| {
                let (partition, base) = (bad.topic_partition.partition().0, bad.base_offset.0);
                let ontruncate = {
                    let (lab, topic) = (lab.clone(), topic.clone());
                    Callback::from(move |_: MouseEvent| {
                        if let Some(lab) = lab.as_ref() {
                            lab.topics.truncate_at(&topic, partition, base);
                        }
                    })
                };
                html! {
                    <div class="sl-corrupt" data-testid="corrupt-batch" data-partition={partition.to_string()} data-base-offset={base.to_string()}>
                        <strong>{ format!("{}: the batch at base offset {base} is damaged", if kinesis { shard_id(partition) } else { format!("partition {partition}") }) }</strong>
                        <span>{ format!(" ({}). The records around it still read; this batch cannot. ", bad.source) }</span>
                        <button class="sl-small" data-testid="truncate-at-bad-batch" onclick={ontruncate}
                                title="Delete this batch and every later one; the next record takes this offset again">
                            { format!("Truncate from offset {base}") }
                        </button>
                    </div>
                }
            }) }
            if kinesis_topic && props.topic.partitions.iter().any(|p| !p.parents().is_empty()) {
                <div class="sl-lineage-wrap">
                    <span class="sl-muted sl-hint">{ "Lineage: readers finish a parent before its children." }</span>
                    { lineage_tree(&props.topic) }
                </div>
            }
            if let Some(lab) = lab {
                <div class="sl-row sl-actions sl-below">
                    if !kinesis_topic {
                        <button class="sl-small" data-testid="partition-add" onclick={{ let (lab, topic) = (lab.clone(), topic.clone()); Callback::from(move |_| lab.topics.add_partition(&topic)) }}>
                            { "Add partition" }
                        </button>
                    }
                    <button class="sl-small" data-testid="topic-clean" onclick={{ let (lab, topic) = (lab.clone(), topic.clone()); Callback::from(move |_| lab.topics.clean(&topic)) }}>
                        { match props.topic.config.cleanup_policy() {
                            streamlab_log::CleanupPolicy::Compact => "Compact now",
                            streamlab_log::CleanupPolicy::Delete => "Apply retention now",
                        } }
                    </button>
                    <span class="sl-muted sl-hint">
                        { retention_words(&props.topic) }
                        if let Some(done) = props.cleanup.clone() {
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
