//! A persistent query drawn as Kafka Streams draws a topology: source topics, the operators a
//! record passes through (with the repartition topic a re-keying GROUP BY goes through), the
//! sink topic and the internal changelog topic, each node with how
//! many records it has passed (since the query started; the counts live in its changelog).

use serde::{Deserialize, Serialize};

use crate::ast::{JoinKind, SourceKind, WindowKind};
use crate::exec::RunningQuery;
use crate::join::JoinShape;
use crate::plan::PlanKind;
use crate::processor::{changelog_topic, repartition_topic};

/// What a query's operators have passed, beside its records in and out.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeCounts {
    /// Records read from the source (a join's left side).
    pub left: u64,
    /// Records read from a join's right side.
    pub right: u64,
    /// Rows a join produced (before the WHERE clause).
    pub joined: u64,
    /// Rows that passed the WHERE clause (every row, when there is none).
    pub passed: u64,
}

/// What a node of a topology is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum NodeKind {
    /// A topic the query reads.
    Source,
    /// A join of the two sources.
    Join,
    /// `WHERE`.
    Filter,
    /// `PARTITION BY` (or a GROUP BY's re-key): records take a new key.
    Rekey,
    /// The internal topic a GROUP BY re-keys a stream through (Kafka Streams' repartition
    /// topic): its first sub-topology writes it, its second reads it.
    Repartition,
    /// `GROUP BY` with its aggregates (and window).
    Aggregate,
    /// The projection (`SELECT` list).
    Project,
    /// The topic the query writes.
    Sink,
    /// The query's internal state topic.
    Changelog,
}

impl NodeKind {
    /// The node's kind as the dashboard's `data-kind` names it.
    pub fn as_str(self) -> &'static str {
        match self {
            NodeKind::Source => "source",
            NodeKind::Join => "join",
            NodeKind::Filter => "filter",
            NodeKind::Rekey => "rekey",
            NodeKind::Repartition => "repartition",
            NodeKind::Aggregate => "aggregate",
            NodeKind::Project => "project",
            NodeKind::Sink => "sink",
            NodeKind::Changelog => "changelog",
        }
    }
}

/// One node of a query's topology.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TopologyNode {
    /// What it is.
    pub kind: NodeKind,
    /// Its topic, or what it does (`customer`, `TUMBLING 1 MINUTE`, `LEFT JOIN`).
    pub label: String,
    /// Records it has passed.
    pub count: u64,
    /// The nodes it reads from (indexes into the topology).
    pub inputs: Vec<usize>,
}

fn window_label(kind: &WindowKind) -> String {
    let secs = |ms: i64| {
        if ms % 1000 == 0 {
            format!("{} s", ms / 1000)
        } else {
            format!("{ms} ms")
        }
    };
    match kind {
        WindowKind::Tumbling { size_ms } => format!("TUMBLING {}", secs(*size_ms)),
        WindowKind::Hopping {
            size_ms,
            advance_ms,
        } => format!("HOPPING {} by {}", secs(*size_ms), secs(*advance_ms)),
        WindowKind::Session { gap_ms } => format!("SESSION gap {}", secs(*gap_ms)),
    }
}

/// The nodes of `query`'s topology, each reading the ones before it; `changelog_records` is
/// how many records its changelog topic holds (the processor reads it from the log).
pub fn topology(query: &RunningQuery, changelog_records: u64) -> Vec<TopologyNode> {
    let plan = &query.plan;
    let counts = query.counts;
    let mut nodes: Vec<TopologyNode> = Vec::new();
    let push = |nodes: &mut Vec<TopologyNode>, kind, label: String, count, inputs| {
        nodes.push(TopologyNode {
            kind,
            label,
            count,
            inputs,
        });
        nodes.len() - 1
    };
    let mut last = push(
        &mut nodes,
        NodeKind::Source,
        plan.source.topic.clone(),
        counts.left,
        Vec::new(),
    );
    if let Some(join) = &plan.join {
        let rekeyed = query.repartitioned_inputs();
        // A side joined on anything but its key goes through its repartition topic first.
        let through = |nodes: &mut Vec<TopologyNode>, side: usize, from: usize, count: u64| {
            let Some(true) = rekeyed.get(side).copied() else {
                return from;
            };
            let by = push(
                nodes,
                NodeKind::Rekey,
                "by join key".to_owned(),
                count,
                vec![from],
            );
            push(
                nodes,
                NodeKind::Repartition,
                query.repartition_topic_of(side),
                count,
                vec![by],
            )
        };
        last = through(&mut nodes, 0, last, counts.left);
        let right = push(
            &mut nodes,
            NodeKind::Source,
            join.right.topic.clone(),
            counts.right,
            Vec::new(),
        );
        let right = through(&mut nodes, 1, right, counts.right);
        let kind = match join.kind {
            JoinKind::Inner => "INNER JOIN",
            JoinKind::Left | JoinKind::Right => "LEFT JOIN",
            JoinKind::Full => "FULL OUTER JOIN",
        };
        let shape = match join.shape {
            JoinShape::StreamStream => "stream–stream",
            JoinShape::StreamTable => "stream–table",
            JoinShape::TableTable => "table–table",
        };
        last = push(
            &mut nodes,
            NodeKind::Join,
            format!("{kind} ({shape})"),
            counts.joined,
            vec![last, right],
        );
    }
    if plan.filter.is_some() {
        last = push(
            &mut nodes,
            NodeKind::Filter,
            format!("WHERE {}", plan.clauses.filter.clone().unwrap_or_default()),
            counts.passed,
            vec![last],
        );
    }
    match &plan.kind {
        PlanKind::Project { rekeyed, .. } => {
            if *rekeyed {
                last = push(
                    &mut nodes,
                    NodeKind::Rekey,
                    format!("PARTITION BY {}", plan.clauses.partition_by.join(", ")),
                    counts.passed,
                    vec![last],
                );
            }
            last = push(
                &mut nodes,
                NodeKind::Project,
                "SELECT".to_owned(),
                query.records_out,
                vec![last],
            );
        }
        PlanKind::Aggregate(a) => {
            let by = plan.clauses.group_by.join(", ");
            let mut label = format!("GROUP BY {by}");
            if let Some(w) = &a.window {
                label = format!("{label} · {}", window_label(&w.kind));
            }
            if a.emit_final {
                label.push_str(" · EMIT FINAL");
            }
            let source_is_table = plan.source.kind == SourceKind::Table && plan.join.is_none();
            if !source_is_table {
                last = push(
                    &mut nodes,
                    NodeKind::Rekey,
                    format!("by {by}"),
                    counts.passed,
                    vec![last],
                );
            }
            if plan.join.is_none() && query.repartitions() {
                // Every re-keyed record is written there, in the step that counts it.
                last = push(
                    &mut nodes,
                    NodeKind::Repartition,
                    repartition_topic(&query.id),
                    counts.passed,
                    vec![last],
                );
            }
            last = push(
                &mut nodes,
                NodeKind::Aggregate,
                label,
                query.records_out,
                vec![last],
            );
        }
    }
    push(
        &mut nodes,
        NodeKind::Sink,
        query.sink.topic.clone(),
        query.records_out,
        vec![last],
    );
    // The changelog holds the operator's store (for aggregates and joins) and the query's
    // counters and stream time (for every query).
    push(
        &mut nodes,
        NodeKind::Changelog,
        changelog_topic(&query.id),
        changelog_records,
        vec![last],
    );
    nodes
}
