//! Re-keying through repartition topics, as Kafka Streams runs it. A GROUP BY of a stream by
//! anything but its key: the query's first sub-topology reads its source, applies WHERE and
//! writes each row to `_streamlab-<query>-repartition` keyed by its group, so that a group's
//! records meet in one partition; the second reads that topic and aggregates. A join of a
//! stream on anything but its key: that side's records go to `…-left-repartition` (or
//! `…-right-repartition`) keyed by their join expression, and the join reads them there. The
//! processor stores each sub-topology's step in its own transaction; a query run in memory
//! (QTT, push queries) re-keys in place, with the same results.

use crate::ast::SourceKind;
use crate::catalog::SourceDef;
use crate::expr::Typed;
use crate::format::{encode_key, KeyFormat};
use crate::plan::{AggregatePlan, PlanKind};
use crate::processor::{join_repartition_topic, repartition_topic};
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

/// Whether a join side re-keys: a stream joined on anything but its one key column (a table
/// is always joined on its key).
fn side_rekeys(source: &SourceDef, key: &Typed) -> bool {
    source.kind == SourceKind::Stream
        && !(source.schema.key.len() == 1 && key.node == Node::Column(0))
}

impl RunningQuery {
    /// Which inputs go through a repartition topic: `[source, a join's right side]`. A GROUP
    /// BY of a stream by anything but its key columns, and a join of a stream on anything but
    /// its key, re-key there (as ksqlDB repartitions); a GROUP BY of the key columns, a
    /// table's aggregation and an aggregation after a join re-key in place.
    pub fn repartitioned_inputs(&self) -> [bool; 2] {
        match (&self.plan.join, &self.plan.kind) {
            (Some(j), _) => [
                side_rekeys(&self.plan.source, &j.left_key),
                side_rekeys(&j.right, &j.right_key),
            ],
            (None, PlanKind::Aggregate(plan)) => [
                self.plan.source.kind == SourceKind::Stream
                    && !groups_by_key(plan, &self.plan.source),
                false,
            ],
            (None, PlanKind::Project { .. }) => [false, false],
        }
    }

    /// Whether any input of the query goes through a repartition topic.
    pub fn repartitions(&self) -> bool {
        self.repartitioned_inputs().contains(&true)
    }

    /// The repartition topic of input `side` (0: the source, 1: a join's right side).
    pub fn repartition_topic_of(&self, side: usize) -> String {
        match (&self.plan.join, side) {
            (None, _) => repartition_topic(&self.id),
            (Some(_), 0) => join_repartition_topic(&self.id, true),
            (Some(_), _) => join_repartition_topic(&self.id, false),
        }
    }

    /// The first sub-topology for one record of input `side`: see
    /// [`RunningQuery::repartition`] (a GROUP BY) and [`RunningQuery::repartition_join_side`].
    pub fn repartition_input(&mut self, side: usize, record: &InputRecord) -> Processed {
        match &self.plan.join {
            Some(_) => self.repartition_join_side(side == 0, record),
            None => self.repartition(record),
        }
    }

    /// The second sub-topology for one record of input `side`'s repartition topic, given with
    /// its source record's key: what the query would have done with the source record.
    pub fn process_repartitioned(&mut self, side: usize, record: &InputRecord) -> Processed {
        match &self.plan.join {
            Some(_) => self.join_record(side == 0, record),
            None => self.aggregate_repartitioned(record),
        }
    }

    /// A join side's record for its repartition topic: keyed by its join expression (KAFKA
    /// text; no key when it is NULL or the record has no value), with its value, time and
    /// window. Skipped and counted when it does not decode.
    fn repartition_join_side(&mut self, left: bool, record: &InputRecord) -> Processed {
        self.count_side(left);
        let Some(join) = &self.plan.join else {
            return Processed::default();
        };
        let (source, side_key) = if left {
            (&self.plan.source, &join.left_key)
        } else {
            (&join.right, &join.right_key)
        };
        let (key, value, timestamp) = match decode_at(source, None, record) {
            Ok(decoded) => decoded,
            Err(e) => return self.skip(e),
        };
        let new_key = value.and_then(|v| {
            let row = row_of(key, v, timestamp, None);
            let k = side_key.eval(&row);
            encode_key(KeyFormat::Kafka, &[], std::slice::from_ref(&k))
        });
        Processed {
            outputs: vec![OutputRecord {
                topic: join_repartition_topic(&self.id, left),
                key: new_key,
                value: record.value.clone(),
                timestamp,
                window: record.window,
            }],
            skipped: None,
        }
    }

    /// The first sub-topology for one source record: the record for the repartition topic,
    /// keyed by its group (encoded as the sink's key), with its value, its time (the TIMESTAMP
    /// column's, if the source names one) and its window. Nothing when it has no value, WHERE
    /// drops it or its group is NULL (as the aggregation would drop it); skipped and counted
    /// when it does not decode.
    fn repartition(&mut self, record: &InputRecord) -> Processed {
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
    fn aggregate_repartitioned(&mut self, record: &InputRecord) -> Processed {
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
