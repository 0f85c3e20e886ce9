//! GROUP BY through a repartition topic, as Kafka Streams runs a re-keying aggregation: the
//! query's first sub-topology reads its source, applies WHERE and writes each row to
//! `_streamlab-<query>-repartition` keyed by its group, so that a group's records meet in one
//! partition; the second sub-topology reads that topic and aggregates. The processor stores
//! each sub-topology's step in its own transaction; a query run in memory (QTT, push queries)
//! aggregates in place, with the same results.

use crate::ast::SourceKind;
use crate::catalog::SourceDef;
use crate::format::encode_key;
use crate::plan::{AggregatePlan, PlanKind};
use crate::processor::repartition_topic;
use crate::types::Value;
use crate::window::WindowBounds;

use super::{decode_at, InputRecord, OutputRecord, Processed, RunningQuery};
use crate::expr::Node;

/// Whether `plan` groups by exactly `source`'s key columns, in order (no re-key needed).
fn groups_by_key(plan: &AggregatePlan, source: &SourceDef) -> bool {
    plan.group.len() == source.schema.key.len()
        && plan
            .group
            .iter()
            .enumerate()
            .all(|(i, g)| g.node == Node::Column(i))
}

impl RunningQuery {
    /// Whether the query re-keys a stream through a repartition topic before it aggregates:
    /// a GROUP BY of a stream by anything but its key columns (ksqlDB repartitions there too).
    /// A GROUP BY of the key columns needs none; a table's or a join's aggregation re-keys in
    /// place.
    pub fn repartitions(&self) -> bool {
        let PlanKind::Aggregate(plan) = &self.plan.kind else {
            return false;
        };
        self.plan.join.is_none()
            && self.plan.source.kind == SourceKind::Stream
            && !groups_by_key(plan, &self.plan.source)
    }

    /// The first sub-topology for one source record: the record for the repartition topic,
    /// keyed by its group (encoded as the sink's key), with its value, its time (the TIMESTAMP
    /// column's, if the source names one) and its window. Nothing when it has no value, WHERE
    /// drops it or its group is NULL (as the aggregation would drop it); skipped and counted
    /// when it does not decode.
    pub fn repartition(&mut self, record: &InputRecord) -> Processed {
        self.records_in += 1;
        self.counts.left += 1;
        self.meta_dirty = true;
        let (key, value, timestamp) =
            match decode_at(&self.plan.source, self.unread.as_deref(), record) {
                Ok(decoded) => decoded,
                Err(e) => return self.skip(e),
            };
        let (Some(value), Some(plan)) = (value, self.aggregate_plan()) else {
            return Processed::default();
        };
        let row = row_of(key, value, timestamp, record.window);
        let Some(group) = self.group_of(&plan, &row) else {
            return Processed::default();
        };
        self.counts.passed += 1;
        Processed {
            outputs: vec![OutputRecord {
                topic: repartition_topic(&self.id),
                key: encode_key(self.sink.key_format, &self.sink.schema.key, &group),
                value: record.value.clone(),
                timestamp,
                window: record.window,
            }],
            skipped: None,
        }
    }

    /// The second sub-topology for one record of the repartition topic, given with its source
    /// record's key (the repartition record's own key is the group): the aggregation, as
    /// [`RunningQuery::process`] would have run it on the source record. Its reads, filter and
    /// re-key were counted by [`RunningQuery::repartition`].
    pub fn aggregate_repartitioned(&mut self, record: &InputRecord) -> Processed {
        self.meta_dirty = true;
        let (key, value, _) = match decode_at(&self.plan.source, self.unread.as_deref(), record) {
            Ok(decoded) => decoded,
            Err(e) => return self.skip(e),
        };
        let Some(value) = value else {
            return Processed::default();
        };
        self.stream_time = self.stream_time.max(record.timestamp);
        let row = row_of(key, value, record.timestamp, record.window);
        let passed = self.counts.passed;
        let outputs = self.aggregate_stream(&row, record.timestamp);
        self.counts.passed = passed;
        self.emitted(outputs)
    }
}

/// An input row: key columns, value columns, ROWTIME and a window's bounds.
pub(super) fn row_of(
    key: Vec<Value>,
    value: Vec<Value>,
    timestamp: i64,
    window: Option<WindowBounds>,
) -> Vec<Value> {
    let mut row = key;
    row.extend(value);
    row.push(Value::BigInt(timestamp));
    if let Some(w) = window {
        row.push(Value::BigInt(w.start));
        row.push(Value::BigInt(w.end));
    }
    row
}
