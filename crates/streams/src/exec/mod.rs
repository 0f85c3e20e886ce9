//! Running a planned query: a deterministic state machine from input records to output records.
//! The same inputs in the same order give the same outputs, however they are batched.
//! `aggregate` runs GROUP BY (windows, sessions, tables, EMIT FINAL); `join` runs a join's sides.

mod aggregate;
mod join;
mod repartition;

use crate::state::{split_key, ChangelogRecord, RestoreError, StateMap};
use crate::topology::NodeCounts;

use crate::ast::SourceKind;
use crate::catalog::SourceDef;
use crate::format::{
    decode_key, decode_value, decode_value_for, encode_key, encode_value, FormatError,
};
use crate::join_state::JoinState;
use crate::plan::{PlanKind, QueryPlan};
use crate::types::Value;
use crate::window::WindowBounds;

use aggregate::{Group, Session};
use repartition::row_of;

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

/// A record's key and value columns as its source declares them (`None`: a tombstone).
pub(super) fn decode(
    source: &SourceDef,
    record: &InputRecord,
) -> Result<(Vec<Value>, Option<Vec<Value>>), FormatError> {
    decode_reading(source, None, record)
}

/// [`decode`], leaving the STRING value columns `unread` marks NULL (see
/// [`decode_value_for`]).
fn decode_reading(
    source: &SourceDef,
    unread: Option<&[bool]>,
    record: &InputRecord,
) -> Result<(Vec<Value>, Option<Vec<Value>>), FormatError> {
    let key = decode_key(source.key_format, &source.schema.key, record.key.as_deref())?;
    let value = decode_value_for(
        source.value_format,
        &source.schema.value,
        unread,
        record.value.as_deref(),
    )?;
    Ok((key, value))
}

/// The value columns of its source a query never reads (`None`: it may read them all, as a
/// join's projection over both sides does): what WHERE, the projection, the grouping, the
/// aggregates' arguments and the TIMESTAMP column name are read; the rest is not.
fn unread_columns(plan: &QueryPlan) -> Option<Vec<bool>> {
    if plan.join.is_some() {
        return None;
    }
    let key_len = plan.source.schema.key.len();
    let read = std::cell::RefCell::new(vec![false; plan.source.schema.value.len()]);
    let mark = |t: &crate::expr::Typed| {
        t.reads_column(&|i| {
            if let Some(v) = i.checked_sub(key_len) {
                if let Some(r) = read.borrow_mut().get_mut(v) {
                    *r = true;
                }
            }
            false
        });
    };
    plan.filter.iter().for_each(mark);
    match &plan.kind {
        PlanKind::Project { key, value, .. } => key.iter().chain(value).for_each(mark),
        PlanKind::Aggregate(a) => {
            a.group.iter().for_each(mark);
            a.aggregates
                .iter()
                .filter_map(|c| c.arg.as_ref())
                .for_each(mark);
        }
    }
    let mut read = read.into_inner();
    if let Some(v) = plan
        .source
        .timestamp_index()
        .and_then(|i| i.checked_sub(key_len))
    {
        if let Some(r) = read.get_mut(v) {
            *r = true;
        }
    }
    Some(read.into_iter().map(|r| !r).collect())
}

/// A record's key columns, value columns (`None`: a tombstone) and time.
type Decoded = (Vec<Value>, Option<Vec<Value>>, i64);

/// A record decoded, with its time ([`event_time`]).
pub(super) fn decode_at(
    source: &SourceDef,
    unread: Option<&[bool]>,
    record: &InputRecord,
) -> Result<Decoded, FormatError> {
    let (key, value) = decode_reading(source, unread, record)?;
    let timestamp = event_time(source, &key, value.as_deref(), record.timestamp)?;
    Ok((key, value, timestamp))
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
    /// What its operators have passed (its topology's counts).
    pub counts: NodeCounts,
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
    /// The source's value columns it never reads ([`unread_columns`]).
    unread: Option<Vec<bool>>,
}

/// The counters and stream time of a query, as its changelog keeps them.
#[derive(serde::Serialize, serde::Deserialize)]
struct QueryMeta {
    stream_time: i64,
    records_in: u64,
    records_out: u64,
    records_skipped: u64,
    records_late: u64,
    #[serde(default)]
    counts: NodeCounts,
}

impl RunningQuery {
    /// A query that has read nothing.
    pub fn new(id: String, plan: QueryPlan, sink: SourceDef, text: String) -> RunningQuery {
        let join = plan.join.clone().map(JoinState::new);
        let unread = unread_columns(&plan);
        RunningQuery {
            unread,
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
            counts: NodeCounts::default(),
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
                counts: self.counts,
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
                self.counts = meta.counts;
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

    /// Processes one record of the source.
    pub fn process(&mut self, record: &InputRecord) -> Processed {
        self.records_in += 1;
        self.counts.left += 1;
        self.meta_dirty = true;
        let source = &self.plan.source;
        let (key, value, ts) = match decode_at(source, self.unread.as_deref(), record) {
            Ok(decoded) => decoded,
            Err(e) => return self.skip(e),
        };
        let adjusted;
        let record = if ts == record.timestamp {
            record
        } else {
            adjusted = InputRecord {
                timestamp: ts,
                ..record.clone()
            };
            &adjusted
        };
        self.stream_time = self.stream_time.max(record.timestamp);
        let is_table = source.kind == SourceKind::Table;
        if is_table && key.iter().any(Value::is_null) {
            return Processed::default();
        }
        let (ts, window) = (record.timestamp, record.window);
        let outputs = match &self.plan.kind {
            PlanKind::Project { .. } => {
                let row = value.map(|v| row_of(key.clone(), v, ts, window));
                self.project(&key, row, record)
            }
            PlanKind::Aggregate(_) if is_table => {
                let row = value.map(|v| row_of(key.clone(), v, ts, window));
                self.aggregate_table(key, row, ts)
            }
            // A stream's aggregation needs the key only in the row.
            PlanKind::Aggregate(_) => match value {
                Some(v) => self.aggregate_stream(&row_of(key, v, ts, window), ts),
                None => Vec::new(),
            },
        };
        self.emitted(outputs)
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

    /// What a record processed to: `outputs` with the sink's TIMESTAMP applied, counted.
    fn emitted(&mut self, outputs: Vec<OutputRecord>) -> Processed {
        let outputs = self.sink_time(outputs);
        self.records_out += outputs.len() as u64;
        Processed {
            outputs,
            skipped: None,
        }
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
        output_to(&self.sink, key, value, timestamp, window)
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
        self.counts.passed += 1;
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
}

/// The record `sink` gets for a key and value (`None`: a tombstone).
fn output_to(
    sink: &SourceDef,
    key: &[Value],
    value: Option<&[Value]>,
    timestamp: i64,
    window: Option<WindowBounds>,
) -> OutputRecord {
    OutputRecord {
        topic: sink.topic.clone(),
        key: encode_key(sink.key_format, &sink.schema.key, key),
        value: value.map(|v| encode_value(sink.value_format, &sink.schema.value, v)),
        timestamp,
        window,
    }
}
