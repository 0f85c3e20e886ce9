//! A join's two sides: each record decoded with its own source, joined by the join state,
//! then projected (or aggregated) like any row.

use crate::ast::SourceKind;
use crate::join::JoinShape;
use crate::plan::PlanKind;
use crate::types::Value;

use super::{decode, event_time, InputRecord, OutputRecord, Processed, RunningQuery};

impl RunningQuery {
    /// A record of one side of a join.
    pub(super) fn process_side(&mut self, left_side: bool, record: &InputRecord) -> Processed {
        self.count_side(left_side);
        self.join_record(left_side, record)
    }

    /// A record read from one side, counted.
    pub(super) fn count_side(&mut self, left_side: bool) {
        self.records_in += 1;
        if left_side {
            self.counts.left += 1;
        } else {
            self.counts.right += 1;
        }
        self.meta_dirty = true;
    }

    /// A record of one side through the join (and what follows it); its read is counted by
    /// the caller (here, or where it was re-keyed).
    pub(super) fn join_record(&mut self, left_side: bool, record: &InputRecord) -> Processed {
        self.meta_dirty = true;
        let Some(join) = &self.plan.join else {
            return Processed::default();
        };
        let source = if left_side {
            &self.plan.source
        } else {
            &join.right
        };
        let (kind, shape) = (source.kind, join.shape);
        let (key, value) = match decode(source, record) {
            Ok(decoded) => decoded,
            Err(e) => return self.skip(e),
        };
        let timestamp = match event_time(source, &key, value.as_deref(), record.timestamp) {
            Ok(ts) => ts,
            Err(e) => return self.skip(e),
        };
        let record = &InputRecord {
            timestamp,
            ..record.clone()
        };
        self.stream_time = self.stream_time.max(record.timestamp);
        if kind == SourceKind::Table && key.iter().any(Value::is_null) {
            return Processed::default();
        }
        let Some(state) = self.join.as_mut() else {
            return Processed::default();
        };
        let joined = match value {
            Some(v) => {
                let mut row = key;
                row.extend(v);
                row.push(Value::BigInt(record.timestamp));
                state.process(left_side, Some(row), record.timestamp)
            }
            None if kind == SourceKind::Table => {
                let k = key.into_iter().next().unwrap_or(Value::Null);
                if shape == JoinShape::TableTable {
                    state.table_tombstone(left_side, k, record.timestamp)
                } else {
                    state.delete_table_row(left_side, &k);
                    Vec::new()
                }
            }
            None => Vec::new(),
        };
        let mut outputs = Vec::new();
        self.counts.joined += joined.len() as u64;
        for j in joined {
            let projects = matches!(self.plan.kind, PlanKind::Project { .. });
            match j.row {
                Some(mut row) => {
                    row.push(Value::BigInt(j.timestamp));
                    row.push(j.key.clone());
                    if projects {
                        outputs.extend(self.project_joined(&row, &j.key, j.timestamp, shape))
                    } else {
                        outputs.extend(self.aggregate_stream(&row, j.timestamp))
                    }
                }
                None => {
                    outputs.push(self.output(std::slice::from_ref(&j.key), None, j.timestamp, None))
                }
            }
        }
        if shape == JoinShape::TableTable {
            outputs.retain(|o| match o.value {
                Some(_) => {
                    self.present.insert(o.key.clone(), ());
                    true
                }
                None => self.present.remove(&o.key).is_some(),
            });
        }
        self.emitted(outputs)
    }

    /// Filters and projects one joined row; a table–table result that fails the filter is
    /// deleted downstream.
    pub(super) fn project_joined(
        &mut self,
        row: &[Value],
        key: &Value,
        ts: i64,
        shape: JoinShape,
    ) -> Option<OutputRecord> {
        let PlanKind::Project {
            key: key_exprs,
            value,
            ..
        } = &self.plan.kind
        else {
            return None;
        };
        if !self.plan.filter.as_ref().is_none_or(|f| f.test(row)) {
            return (shape == JoinShape::TableTable)
                .then(|| self.output(std::slice::from_ref(key), None, ts, None));
        }
        self.counts.passed += 1;
        let out_key: Vec<Value> = key_exprs.iter().map(|k| k.eval(row)).collect();
        let out_value: Vec<Value> = value.iter().map(|v| v.eval(row)).collect();
        Some(self.output(&out_key, Some(&out_value), ts, None))
    }
}
