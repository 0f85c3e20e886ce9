//! A query's topology drawn left to right (`topology-node` with `data-kind` and `data-count`):
//! source topics, then each operator a record passes (a re-keying GROUP BY through its internal
//! repartition topic), then the sink topic with the internal changelog topic under it. Topic
//! nodes open their topic.

use yew::prelude::*;

use streamlab_protocol::processor::TopologyNode;

/// Properties of [`Topology`].
#[derive(Properties, PartialEq)]
pub struct TopologyProps {
    /// The query's nodes, each reading the ones its `inputs` name.
    pub nodes: Vec<TopologyNode>,
    /// Opens a topic.
    pub ontopic: Callback<String>,
}

/// Each node's column: every node one past its furthest input, and a source just before the
/// first node that reads it (a join's table beside the other side's repartition topic, not
/// beside its stream).
fn columns(nodes: &[TopologyNode]) -> Vec<Vec<usize>> {
    let mut depth = vec![0usize; nodes.len()];
    for (i, n) in nodes.iter().enumerate() {
        // Inputs always come before the node that reads them.
        depth[i] = n
            .inputs
            .iter()
            .filter_map(|&j| depth.get(j as usize).map(|d| d + 1))
            .max()
            .unwrap_or(0);
    }
    for (i, n) in nodes.iter().enumerate() {
        if !n.inputs.is_empty() {
            continue;
        }
        let reader = nodes
            .iter()
            .enumerate()
            .filter(|(_, r)| r.inputs.contains(&(i as u32)))
            .filter_map(|(r, _)| depth.get(r).copied())
            .min();
        if let (Some(reader), Some(d)) = (reader, depth.get_mut(i)) {
            *d = reader.saturating_sub(1);
        }
    }
    let width = depth.iter().copied().max().map_or(0, |d| d + 1);
    let mut out = vec![Vec::new(); width];
    for (i, d) in depth.into_iter().enumerate() {
        out[d].push(i);
    }
    out
}

fn what(kind: &str) -> &'static str {
    match kind {
        "source" => "source topic",
        "join" => "join",
        "filter" => "filter",
        "rekey" => "re-key",
        "aggregate" => "aggregate",
        "project" => "project",
        "sink" => "sink topic",
        "changelog" => "changelog (internal)",
        "repartition" => "repartition (internal)",
        _ => "node",
    }
}

/// The diagram.
#[function_component]
pub fn Topology(props: &TopologyProps) -> Html {
    let draw = |i: usize| {
        let Some(n) = props.nodes.get(i) else {
            return Html::default();
        };
        let topic = matches!(
            n.kind.as_str(),
            "source" | "sink" | "changelog" | "repartition"
        );
        let body = html! {
            <>
                <span class="sl-node-kind">{ what(&n.kind) }</span>
                <span class="sl-node-label">{ n.label.clone() }</span>
                <span class="sl-node-count">{ format!("{} records", n.count) }</span>
            </>
        };
        let class = classes!("sl-node", n.kind.clone());
        let title = format!("{}: {} ({} records)", what(&n.kind), n.label, n.count);
        if topic {
            let (ontopic, name) = (props.ontopic.clone(), n.label.clone());
            let onclick = Callback::from(move |_: MouseEvent| ontopic.emit(name.clone()));
            html! {
                <button {class} data-testid="topology-node" data-kind={n.kind.clone()}
                        data-count={n.count.to_string()} data-topic={n.label.clone()}
                        title={format!("{title}; click to open the topic")} {onclick}>{ body }</button>
            }
        } else {
            html! {
                <div {class} data-testid="topology-node" data-kind={n.kind.clone()}
                     data-count={n.count.to_string()} {title}>{ body }</div>
            }
        }
    };
    let cols = columns(&props.nodes);
    let last = cols.len().saturating_sub(1);
    let drawn = cols.into_iter().enumerate().map(|(c, ids)| {
        html! {
            <>
                <div class="sl-topology-col">{ for ids.into_iter().map(draw) }</div>
                if c < last {
                    <div class="sl-topology-arrow" aria-hidden="true">{ "→" }</div>
                }
            </>
        }
    });
    html! { <div class="sl-topology" data-testid="topology">{ for drawn }</div> }
}
