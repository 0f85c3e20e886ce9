//! Running a planned query: a deterministic state machine from input records to output records.
//! The same inputs in the same order give the same outputs, however they are batched.

use crate::state::{split_key, ChangelogRecord, RestoreError, StateMap};

use crate::aggregate::Accumulator;
use crate::ast::{SourceKind, WindowKind};
use crate::catalog::SourceDef;
use crate::format::{decode_key, decode_value, encode_key, encode_value, FormatError};
use crate::join::JoinShape;
use crate::join_state::JoinState;
use crate::plan::{AggregatePlan, PlanKind, QueryPlan};
use crate::types::Value;
use crate::window::{grace_ms, time_windows, WindowBounds};

/// A record's time: its timestamp, or the value of its source's TIMESTAMP column (in ms from
/// 0; NULL or negative is refused). A tombstone keeps its timestamp.
fn event_time(
    source: &SourceDef,
    key: &[Value],
    value: Option<&[Value]>,
    timestamp: i64,
) -> Result<i64, FormatError> {
    let Some(index) = source.timestamp_index() else {
        return Ok(timestamp);
    };
    let found = if index < key.len() {
        key.get(index)
    } else {
        match value {
            Some(v) => v.get(index - key.len()),
            None => return Ok(timestamp),
        }
    };
    match found {
        Some(Value::BigInt(ms)) if *ms >= 0 => Ok(*ms),
        other => Err(FormatError::BadTimestamp {
            column: source.timestamp.clone().unwrap_or_default(),
            found: other.map_or("nothing".to_owned(), |v| v.to_string()),
        }),
    }
}

/// A record as a query reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputRecord {
    /// The key's bytes; `None` for no key.
    pub key: Option<Vec<u8>>,
    /// The value's bytes; `None` for a tombstone.
    pub value: Option<Vec<u8>>,
    /// The record's timestamp, ms.
    pub timestamp: i64,
    /// The window of a windowed source's key.
    pub window: Option<WindowBounds>,
}

/// A record a query writes.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct OutputRecord {
    /// The topic written.
    pub topic: String,
    /// The key's bytes.
    pub key: Option<Vec<u8>>,
    /// The value's bytes; `None` for a tombstone.
    pub value: Option<Vec<u8>>,
    /// The timestamp, ms.
    pub timestamp: i64,
    /// The window of a windowed result (its headers `window.start` and `window.end`).
    pub window: Option<WindowBounds>,
}

/// What happened to one input record.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Processed {
    /// The records written, in order.
    pub outputs: Vec<OutputRecord>,
    /// Why the record was skipped, when it could not be decoded.
    pub skipped: Option<FormatError>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
struct Group {
    accumulators: Vec<Accumulator>,
    timestamp: i64,
    passed: bool,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
struct Session {
    bounds: WindowBounds,
    group: Group,
}

/// A running persistent query: its plan and its state.
#[derive(Debug, Clone)]
pub struct RunningQuery {
    /// The query's id (`CSAS_S_1`, `CTAS_T_2`, `INSERTQUERY_3`).
    pub id: String,
    /// The plan.
    pub plan: QueryPlan,
    /// The source written.
    pub sink: SourceDef,
    /// The statement's text.
    pub text: String,
    /// Records read.
    pub records_in: u64,
    /// Records written.
    pub records_out: u64,
    /// Records skipped because they could not be decoded.
    pub records_skipped: u64,
    /// Records dropped because their window had closed.
    pub records_late: u64,
    stream_time: i64,
    /// Whether the counters or stream time changed since the changelog last took them.
    meta_dirty: bool,
    /// A table source's current rows by key, to take a changed row out of its old group.
    table_rows: StateMap<Vec<Value>, Vec<Value>>,
    groups: StateMap<(Vec<Value>, Option<WindowBounds>), Group>,
    sessions: StateMap<Vec<Value>, Vec<Session>>,
    /// A join's state (its window stores or tables).
    join: Option<JoinState>,
    /// Table–table joins: the output keys that currently have a row, so a deletion is written
    /// only for a key that had one.
    present: StateMap<Option<Vec<u8>>, ()>,
    /// EMIT FINAL: the newest result of each open window, by window end.
    pending: StateMap<(i64, i64, String), OutputRecord>,
}

/// The counters and stream time of a query, as its changelog keeps them.
#[derive(serde::Serialize, serde::Deserialize)]
struct QueryMeta {
    stream_time: i64,
    records_in: u64,
    records_out: u64,
    records_skipped: u64,
    records_late: u64,
}

impl RunningQuery {
    /// A query that has read nothing.
    pub fn new(id: String, plan: QueryPlan, sink: SourceDef, text: String) -> RunningQuery {
        let join = plan.join.clone().map(JoinState::new);
        RunningQuery {
            join,
            present: StateMap::default(),
            meta_dirty: false,
            id,
            plan,
            sink,
            text,
            records_in: 0,
            records_out: 0,
            records_skipped: 0,
            records_late: 0,
            stream_time: i64::MIN,
            table_rows: StateMap::default(),
            groups: StateMap::default(),
            sessions: StateMap::default(),
            pending: StateMap::default(),
        }
    }

    /// The state changes since the last call, as records of the query's changelog topic.
    pub fn take_changelog(&mut self) -> Vec<ChangelogRecord> {
        let mut out = Vec::new();
        if std::mem::take(&mut self.meta_dirty) {
            let meta = QueryMeta {
                stream_time: self.stream_time,
                records_in: self.records_in,
                records_out: self.records_out,
                records_skipped: self.records_skipped,
                records_late: self.records_late,
            };
            if let Ok(bytes) = serde_json::to_vec(&meta) {
                out.push((b"meta:0".to_vec(), Some(bytes)));
            }
        }
        self.table_rows.take_changes("table", &mut out);
        self.groups.take_changes("groups", &mut out);
        self.sessions.take_changes("sessions", &mut out);
        self.present.take_changes("present", &mut out);
        self.pending.take_changes("pending", &mut out);
        if let Some(join) = &mut self.join {
            join.take_changes(&mut out);
        }
        out
    }

    /// Finishes a restore: rebuilds what the stores derive.
    pub fn restored(&mut self) {
        if let Some(join) = &mut self.join {
            join.restored();
        }
    }

    /// Applies one record of the query's changelog (a restart replays them all, in order);
    /// [`RunningQuery::restored`] ends the replay.
    pub fn restore(&mut self, key: &[u8], value: Option<&[u8]>) -> Result<(), RestoreError> {
        let (store, entry) = split_key(key)?;
        match store {
            "meta" => {
                let bad = |e: serde_json::Error| RestoreError {
                    key: "meta".to_owned(),
                    reason: e.to_string(),
                };
                let Some(bytes) = value else { return Ok(()) };
                let meta: QueryMeta = serde_json::from_slice(bytes).map_err(bad)?;
                self.stream_time = meta.stream_time;
                self.records_in = meta.records_in;
                self.records_out = meta.records_out;
                self.records_skipped = meta.records_skipped;
                self.records_late = meta.records_late;
                Ok(())
            }
            "table" => self.table_rows.restore(entry, value),
            "groups" => self.groups.restore(entry, value),
            "sessions" => self.sessions.restore(entry, value),
            "present" => self.present.restore(entry, value),
            "pending" => self.pending.restore(entry, value),
            other => match &mut self.join {
                Some(join) => join.restore(other, entry, value),
                None => Err(RestoreError {
                    key: other.to_owned(),
                    reason: "no such store in this query".to_owned(),
                }),
            },
        }
    }

    /// The query's stream time: the largest timestamp it has read.
    pub fn stream_time(&self) -> Option<i64> {
        (self.stream_time != i64::MIN).then_some(self.stream_time)
    }

    /// Whether the query reads `topic` (its source, or the joined source).
    pub fn reads(&self, topic: &str) -> bool {
        self.plan.source.topic == topic
            || self
                .plan
                .join
                .as_ref()
                .is_some_and(|j| j.right.topic == topic)
    }

    /// Processes one record of `topic`: the source's, or for a join either side's.
    pub fn process_topic(&mut self, topic: &str, record: &InputRecord) -> Processed {
        match &self.plan.join {
            Some(j) if j.right.topic == topic => self.process_side(false, record),
            Some(_) => self.process_side(true, record),
            None => self.process(record),
        }
    }

    /// A record of one side of a join.
    fn process_side(&mut self, left_side: bool, record: &InputRecord) -> Processed {
        self.records_in += 1;
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
        let key = match decode_key(source.key_format, &source.schema.key, record.key.as_deref()) {
            Ok(k) => k,
            Err(e) => return self.skip(e),
        };
        let value = match decode_value(
            source.value_format,
            &source.schema.value,
            record.value.as_deref(),
        ) {
            Ok(v) => v,
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
        for j in joined {
            match (j.row, &self.plan.kind) {
                (Some(mut row), kind) => {
                    row.push(Value::BigInt(j.timestamp));
                    row.push(j.key.clone());
                    match kind {
                        PlanKind::Project { .. } => {
                            outputs.extend(self.project_joined(&row, &j.key, j.timestamp, shape))
                        }
                        PlanKind::Aggregate(_) => {
                            outputs.extend(self.aggregate_stream(&row, j.timestamp))
                        }
                    }
                }
                (None, _) => {
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
        let outputs = self.sink_time(outputs);
        self.records_out += outputs.len() as u64;
        Processed {
            outputs,
            skipped: None,
        }
    }

    /// Filters and projects one joined row; a table–table result that fails the filter is
    /// deleted downstream.
    fn project_joined(
        &self,
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
        let out_key: Vec<Value> = key_exprs.iter().map(|k| k.eval(row)).collect();
        let out_value: Vec<Value> = value.iter().map(|v| v.eval(row)).collect();
        Some(self.output(&out_key, Some(&out_value), ts, None))
    }

    /// Processes one record of the source.
    pub fn process(&mut self, record: &InputRecord) -> Processed {
        self.records_in += 1;
        self.meta_dirty = true;
        let source = &self.plan.source;
        let key = match decode_key(source.key_format, &source.schema.key, record.key.as_deref()) {
            Ok(k) => k,
            Err(e) => return self.skip(e),
        };
        let value = match decode_value(
            source.value_format,
            &source.schema.value,
            record.value.as_deref(),
        ) {
            Ok(v) => v,
            Err(e) => return self.skip(e),
        };
        let adjusted;
        let record = match event_time(source, &key, value.as_deref(), record.timestamp) {
            Ok(ts) if ts == record.timestamp => record,
            Ok(ts) => {
                adjusted = InputRecord {
                    timestamp: ts,
                    ..record.clone()
                };
                &adjusted
            }
            Err(e) => return self.skip(e),
        };
        self.stream_time = self.stream_time.max(record.timestamp);
        let is_table = source.kind == SourceKind::Table;
        if is_table && key.iter().any(Value::is_null) {
            return Processed::default();
        }
        let row = value.map(|v| {
            let mut row = key.clone();
            row.extend(v);
            row.push(Value::BigInt(record.timestamp));
            if let Some(w) = record.window {
                row.push(Value::BigInt(w.start));
                row.push(Value::BigInt(w.end));
            }
            row
        });
        let outputs = match &self.plan.kind {
            PlanKind::Project { .. } => self.project(&key, row, record),
            PlanKind::Aggregate(_) if is_table => self.aggregate_table(key, row, record.timestamp),
            PlanKind::Aggregate(_) => match row {
                Some(row) => self.aggregate_stream(&row, record.timestamp),
                None => Vec::new(),
            },
        };
        let outputs = self.sink_time(outputs);
        self.records_out += outputs.len() as u64;
        Processed {
            outputs,
            skipped: None,
        }
    }

    /// `WITH (TIMESTAMP=…)` on the sink: each record's time is that column's value; a record
    /// whose column is NULL or negative is not written, as Kafka Streams refuses it.
    fn sink_time(&self, outputs: Vec<OutputRecord>) -> Vec<OutputRecord> {
        let sink = &self.sink;
        if sink.timestamp_index().is_none() {
            return outputs;
        }
        outputs
            .into_iter()
            .filter_map(|mut o| {
                let key = decode_key(sink.key_format, &sink.schema.key, o.key.as_deref()).ok()?;
                let value =
                    decode_value(sink.value_format, &sink.schema.value, o.value.as_deref()).ok()?;
                match event_time(sink, &key, value.as_deref(), o.timestamp) {
                    Ok(ts) => {
                        o.timestamp = ts;
                        Some(o)
                    }
                    Err(_) => None,
                }
            })
            .collect()
    }

    fn skip(&mut self, e: FormatError) -> Processed {
        self.records_skipped += 1;
        Processed {
            outputs: Vec::new(),
            skipped: Some(e),
        }
    }

    fn output(
        &self,
        key: &[Value],
        value: Option<&[Value]>,
        timestamp: i64,
        window: Option<WindowBounds>,
    ) -> OutputRecord {
        let sink = &self.sink;
        OutputRecord {
            topic: sink.topic.clone(),
            key: encode_key(sink.key_format, &sink.schema.key, key),
            value: value.map(|v| encode_value(sink.value_format, &sink.schema.value, v)),
            timestamp,
            window,
        }
    }

    fn project(
        &mut self,
        source_key: &[Value],
        row: Option<Vec<Value>>,
        record: &InputRecord,
    ) -> Vec<OutputRecord> {
        let PlanKind::Project { key, value, .. } = &self.plan.kind else {
            return Vec::new();
        };
        let is_table = self.plan.source.kind == SourceKind::Table;
        let Some(row) = row else {
            // A table's tombstone deletes the key downstream too; a stream's record without a
            // value passes as it is (re-keyed from its key columns, its value columns NULL),
            // unless a filter needs its columns.
            if !is_table && self.plan.filter.is_some() {
                return Vec::new();
            }
            // An expression of anything but key columns (a value column, ROWTIME) is NULL here.
            let key_row = self.key_only_row(source_key, record);
            let key_len = source_key.len();
            let out_key: Vec<Value> = key
                .iter()
                .map(|k| {
                    if k.reads_column(&|i| i >= key_len) {
                        Value::Null
                    } else {
                        k.eval(&key_row)
                    }
                })
                .collect();
            return vec![self.output(&out_key, None, record.timestamp, record.window)];
        };
        let passes = self.plan.filter.as_ref().is_none_or(|f| f.test(&row));
        let out_key: Vec<Value> = key.iter().map(|k| k.eval(&row)).collect();
        if !passes {
            if is_table {
                return vec![self.output(&out_key, None, record.timestamp, record.window)];
            }
            return Vec::new();
        }
        let out_value: Vec<Value> = value.iter().map(|v| v.eval(&row)).collect();
        vec![self.output(&out_key, Some(&out_value), record.timestamp, record.window)]
    }

    /// A row of the key columns, NULL value columns, ROWTIME and the window bounds.
    fn key_only_row(&self, key: &[Value], record: &InputRecord) -> Vec<Value> {
        let mut row = key.to_vec();
        row.extend(std::iter::repeat_n(
            Value::Null,
            self.plan.source.schema.value.len(),
        ));
        row.push(Value::BigInt(record.timestamp));
        if let Some(w) = record.window {
            row.push(Value::BigInt(w.start));
            row.push(Value::BigInt(w.end));
        }
        row
    }

    fn aggregate_plan(&self) -> Option<AggregatePlan> {
        match &self.plan.kind {
            PlanKind::Aggregate(a) => Some((**a).clone()),
            PlanKind::Project { .. } => None,
        }
    }

    fn group_of(&self, plan: &AggregatePlan, row: &[Value]) -> Option<Vec<Value>> {
        if !self.plan.filter.as_ref().is_none_or(|f| f.test(row)) {
            return None;
        }
        let group: Vec<Value> = plan.group.iter().map(|g| g.eval(row)).collect();
        (!group.iter().any(Value::is_null)).then_some(group)
    }

    fn aggregate_stream(&mut self, row: &[Value], ts: i64) -> Vec<OutputRecord> {
        let Some(plan) = self.aggregate_plan() else {
            return Vec::new();
        };
        let Some(group) = self.group_of(&plan, row) else {
            return Vec::new();
        };
        let Some(spec) = plan.window else {
            return self
                .update_group(&plan, group, None, row, ts, 1)
                .into_iter()
                .collect();
        };
        let grace = grace_ms(&spec);
        let mut outputs = Vec::new();
        match spec.kind {
            WindowKind::Tumbling { size_ms } | WindowKind::Hopping { size_ms, .. } => {
                let advance = match spec.kind {
                    WindowKind::Hopping { advance_ms, .. } => advance_ms,
                    _ => size_ms,
                };
                let mut late = false;
                for w in time_windows(size_ms, advance, ts) {
                    if w.end.saturating_add(grace) <= self.stream_time {
                        late = true;
                        continue;
                    }
                    outputs.extend(self.update_group(&plan, group.clone(), Some(w), row, ts, 1));
                }
                if late && outputs.is_empty() {
                    self.records_late += 1;
                }
            }
            WindowKind::Session { gap_ms } => {
                outputs.extend(self.session(&plan, group, row, ts, gap_ms, grace))
            }
        }
        if plan.emit_final {
            outputs = self.hold_until_closed(outputs, grace);
        }
        outputs
    }

    /// EMIT FINAL: keeps each window's newest result until stream time passes its end plus
    /// grace, then emits the closed windows in order of their ends.
    fn hold_until_closed(&mut self, outputs: Vec<OutputRecord>, grace: i64) -> Vec<OutputRecord> {
        for o in outputs {
            if let Some(w) = o.window {
                let key =
                    String::from_utf8_lossy(o.key.as_deref().unwrap_or_default()).into_owned();
                self.pending.insert((w.end, w.start, key), o);
            }
        }
        let mut closed = Vec::new();
        let bound = self.stream_time.saturating_sub(grace);
        while let Some((k, _)) = self.pending.first() {
            if k.0 > bound {
                break;
            }
            let k = k.clone();
            closed.extend(self.pending.remove(&k));
        }
        closed
    }

    fn result_row(
        &self,
        plan: &AggregatePlan,
        group: &[Value],
        state: &Group,
        window: Option<WindowBounds>,
    ) -> Vec<Value> {
        let mut post = group.to_vec();
        post.extend(
            plan.aggregates
                .iter()
                .zip(&state.accumulators)
                .map(|(a, acc)| a.result(acc)),
        );
        post.push(Value::BigInt(state.timestamp));
        if let Some(w) = window {
            post.push(Value::BigInt(w.start));
            post.push(Value::BigInt(w.end));
        }
        post
    }

    /// The output record for a group's new state, after HAVING.
    fn emit(
        &self,
        plan: &AggregatePlan,
        group: &[Value],
        state: &mut Group,
        window: Option<WindowBounds>,
    ) -> Option<OutputRecord> {
        let post = self.result_row(plan, group, state, window);
        let passes = plan.having.as_ref().is_none_or(|h| h.test(&post));
        if !passes {
            let had_passed = std::mem::replace(&mut state.passed, false);
            return had_passed.then(|| self.output(group, None, state.timestamp, window));
        }
        state.passed = true;
        let value: Vec<Value> = plan.value.iter().map(|v| v.eval(&post)).collect();
        Some(self.output(group, Some(&value), state.timestamp, window))
    }

    fn update_group(
        &mut self,
        plan: &AggregatePlan,
        group: Vec<Value>,
        window: Option<WindowBounds>,
        row: &[Value],
        ts: i64,
        sign: i64,
    ) -> Option<OutputRecord> {
        let key = (group, window);
        let mut state = self.groups.remove(&key).unwrap_or_else(|| Group {
            accumulators: plan.aggregates.iter().map(|a| a.initial()).collect(),
            timestamp: ts,
            passed: false,
        });
        for (a, acc) in plan.aggregates.iter().zip(state.accumulators.iter_mut()) {
            a.apply(acc, row, sign);
        }
        state.timestamp = state.timestamp.max(ts);
        let out = self.emit(plan, &key.0, &mut state, window);
        self.groups.insert(key, state);
        out
    }

    fn session(
        &mut self,
        plan: &AggregatePlan,
        group: Vec<Value>,
        row: &[Value],
        ts: i64,
        gap: i64,
        grace: i64,
    ) -> Vec<OutputRecord> {
        // A session closed for good (stream time past its end, gap and grace) is gone from the
        // store, as Kafka Streams' session store drops it: it neither merges nor takes memory.
        let stream_time = self.stream_time;
        let open =
            |b: &WindowBounds| b.end.saturating_add(gap).saturating_add(grace) >= stream_time;
        let sessions: Vec<Session> = self
            .sessions
            .remove(&group)
            .unwrap_or_default()
            .into_iter()
            .filter(|s| open(&s.bounds))
            .collect();
        let (mut merging, keep): (Vec<Session>, Vec<Session>) =
            sessions.into_iter().partition(|s| {
                s.bounds.end >= ts.saturating_sub(gap) && s.bounds.start <= ts.saturating_add(gap)
            });
        merging.sort_by_key(|s| s.bounds);
        let mut bounds = WindowBounds { start: ts, end: ts };
        for s in &merging {
            bounds.start = bounds.start.min(s.bounds.start);
            bounds.end = bounds.end.max(s.bounds.end);
        }
        let mut outputs = Vec::new();
        // Kafka Streams closes a session once stream time passes its end plus the gap and grace.
        if bounds.end.saturating_add(gap).saturating_add(grace) < self.stream_time {
            self.records_late += 1;
            let mut all = keep;
            all.extend(merging);
            self.sessions.insert(group, all);
            return outputs;
        }
        let mut merged = Group {
            accumulators: plan.aggregates.iter().map(|a| a.initial()).collect(),
            timestamp: ts,
            passed: false,
        };
        for s in &merging {
            merged.accumulators = plan
                .aggregates
                .iter()
                .zip(merged.accumulators.iter().zip(&s.group.accumulators))
                .map(|(a, (m, x))| a.merge(m, x))
                .collect();
            merged.timestamp = merged.timestamp.max(s.group.timestamp);
            merged.passed |= s.group.passed;
            if s.bounds != bounds && s.group.passed {
                outputs.push(self.output(&group, None, s.group.timestamp, Some(s.bounds)));
            }
        }
        for (a, acc) in plan.aggregates.iter().zip(merged.accumulators.iter_mut()) {
            a.apply(acc, row, 1);
        }
        merged.timestamp = bounds.end;
        outputs.extend(self.emit(plan, &group, &mut merged, Some(bounds)));
        let mut all = keep;
        all.push(Session {
            bounds,
            group: merged,
        });
        self.sessions.insert(group, all);
        outputs
    }

    /// A table's change: the old row leaves its group, the new row joins its group.
    fn aggregate_table(
        &mut self,
        key: Vec<Value>,
        row: Option<Vec<Value>>,
        ts: i64,
    ) -> Vec<OutputRecord> {
        let Some(plan) = self.aggregate_plan() else {
            return Vec::new();
        };
        let old = match &row {
            Some(r) => self.table_rows.insert(key.clone(), r.clone()),
            None => self.table_rows.remove(&key),
        };
        let old_group = old
            .as_ref()
            .and_then(|r| self.group_of(&plan, r).map(|g| (g, r.clone())));
        let new_group = row
            .as_ref()
            .and_then(|r| self.group_of(&plan, r).map(|g| (g, r.clone())));
        let mut outputs = Vec::new();
        // As Kafka Streams' table aggregation does (KIP-904): the old row is taken out of its
        // group and the new row added to its group; when both are the same group, one result.
        match (old_group, new_group) {
            (Some((og, orow)), Some((ng, nrow))) if og == ng => {
                let key = (og, None);
                let mut state = self.groups.remove(&key).unwrap_or_else(|| Group {
                    accumulators: plan.aggregates.iter().map(|a| a.initial()).collect(),
                    timestamp: ts,
                    passed: false,
                });
                for (a, acc) in plan.aggregates.iter().zip(state.accumulators.iter_mut()) {
                    a.apply(acc, &orow, -1);
                    a.apply(acc, &nrow, 1);
                }
                state.timestamp = state.timestamp.max(ts);
                outputs.extend(self.emit(&plan, &key.0, &mut state, None));
                self.groups.insert(key, state);
            }
            (old, new) => {
                if let Some((og, orow)) = old {
                    outputs.extend(self.update_group(&plan, og, None, &orow, ts, -1));
                }
                if let Some((ng, nrow)) = new {
                    outputs.extend(self.update_group(&plan, ng, None, &nrow, ts, 1));
                }
            }
        }
        outputs
    }
}
