//! The state of a running join, and what each side's record makes of it, as Kafka Streams
//! computes it: stream–stream joins buffer both sides in window stores (retention: the window
//! plus grace, dropped by whole segments), stream–table and table–table joins keep the tables'
//! latest rows.

use std::collections::BTreeSet;

use crate::state::{ChangelogRecord, RestoreError, StateMap};

use crate::ast::JoinKind;
use crate::join::{JoinPlan, JoinShape};
use crate::types::Value;

/// Kafka Streams' default grace for a join window without `GRACE PERIOD`: 24 h minus the window.
const DEFAULT_RETENTION_MS: i64 = 24 * 60 * 60 * 1000;

/// One joined result: the join key, the joined row (`None`: the key's result is deleted) and its
/// timestamp.
#[derive(Debug, Clone, PartialEq)]
pub struct Joined {
    /// The join key.
    pub key: Value,
    /// Left columns then right columns (NULLs for a missing side); `None` for a deletion.
    pub row: Option<Vec<Value>>,
    /// The result's timestamp.
    pub timestamp: i64,
}

/// One side's window store: records by join key, kept while their segment lives.
#[derive(Debug, Clone, Default)]
struct WindowStore {
    records: StateMap<Value, Vec<(i64, u64, Vec<Value>)>>,
    /// Every record by (timestamp, arrival), to drop expired ones oldest first (rebuilt from
    /// `records` on restore, so not in the changelog).
    by_time: BTreeSet<(i64, u64, Value)>,
    observed: i64,
}

impl WindowStore {
    /// Drops every record whose segment is older than `min_live`.
    fn expire(&mut self, segment: i64, min_live: i64) {
        while let Some((ts, arrival, key)) = self.by_time.first().cloned() {
            if ts / segment >= min_live {
                break;
            }
            self.by_time.remove(&(ts, arrival, key.clone()));
            let emptied = match self.records.get_mut(&key) {
                Some(list) => {
                    list.retain(|(t, a, _)| (*t, *a) != (ts, arrival));
                    list.is_empty()
                }
                None => false,
            };
            if emptied {
                self.records.remove(&key);
            }
        }
    }
}

/// A join's counters and clocks, as its changelog keeps them.
#[derive(serde::Serialize, serde::Deserialize)]
struct JoinMeta {
    stream_time: i64,
    arrivals: u64,
    observed: [i64; 2],
}

/// A pending unmatched record of an outer join, by (timestamp, side, key order, arrival).
type OuterKey = (i64, bool, String, u64);

/// A running join's state.
#[derive(Debug, Clone)]
pub struct JoinState {
    plan: JoinPlan,
    left_width: usize,
    right_width: usize,
    stream_time: i64,
    arrivals: u64,
    stores: [WindowStore; 2],
    /// Unmatched outer-join records waiting for their window to close (with GRACE PERIOD).
    outer: StateMap<OuterKey, (Value, Vec<Value>)>,
    /// Tables' latest rows and their timestamps, by key: [left, right].
    tables: [StateMap<Value, (Vec<Value>, i64)>; 2],
    /// Table–table: keys whose joined result currently exists.
    emitted: StateMap<Value, ()>,
    /// Whether the clocks changed since the changelog last took them.
    meta_dirty: bool,
}

impl JoinState {
    /// A join that has seen nothing.
    pub fn new(plan: JoinPlan) -> JoinState {
        let left_width = plan.right_offset;
        let right_width = plan.width - plan.right_offset;
        JoinState {
            plan,
            left_width,
            right_width,
            stream_time: i64::MIN,
            arrivals: 0,
            stores: [
                WindowStore {
                    observed: i64::MIN,
                    ..WindowStore::default()
                },
                WindowStore {
                    observed: i64::MIN,
                    ..WindowStore::default()
                },
            ],
            outer: StateMap::default(),
            tables: [StateMap::default(), StateMap::default()],
            emitted: StateMap::default(),
            meta_dirty: false,
        }
    }

    fn combine(&self, left: Option<&[Value]>, right: Option<&[Value]>) -> Vec<Value> {
        let mut row = match left {
            Some(l) => l.to_vec(),
            None => vec![Value::Null; self.left_width],
        };
        match right {
            Some(r) => row.extend_from_slice(r),
            None => row.extend(std::iter::repeat_n(Value::Null, self.right_width)),
        }
        row
    }

    /// The state changes since the last call, as changelog records.
    pub fn take_changes(&mut self, out: &mut Vec<ChangelogRecord>) {
        if std::mem::take(&mut self.meta_dirty) {
            let meta = JoinMeta {
                stream_time: self.stream_time,
                arrivals: self.arrivals,
                observed: [self.stores[0].observed, self.stores[1].observed],
            };
            if let Ok(bytes) = serde_json::to_vec(&meta) {
                out.push((b"join.meta:0".to_vec(), Some(bytes)));
            }
        }
        self.stores[0].records.take_changes("join.window.left", out);
        self.stores[1]
            .records
            .take_changes("join.window.right", out);
        self.outer.take_changes("join.outer", out);
        self.tables[0].take_changes("join.table.left", out);
        self.tables[1].take_changes("join.table.right", out);
        self.emitted.take_changes("join.emitted", out);
    }

    /// Applies one changelog record of store `store`.
    pub fn restore(
        &mut self,
        store: &str,
        key: &str,
        value: Option<&[u8]>,
    ) -> Result<(), RestoreError> {
        match store {
            "join.meta" => {
                let Some(bytes) = value else { return Ok(()) };
                let meta: JoinMeta = serde_json::from_slice(bytes).map_err(|e| RestoreError {
                    key: store.to_owned(),
                    reason: e.to_string(),
                })?;
                self.stream_time = meta.stream_time;
                self.arrivals = meta.arrivals;
                self.stores[0].observed = meta.observed[0];
                self.stores[1].observed = meta.observed[1];
                Ok(())
            }
            "join.window.left" | "join.window.right" => {
                let side = usize::from(store == "join.window.right");
                self.stores[side].records.restore(key, value)
            }
            "join.outer" => self.outer.restore(key, value),
            "join.table.left" => self.tables[0].restore(key, value),
            "join.table.right" => self.tables[1].restore(key, value),
            "join.emitted" => self.emitted.restore(key, value),
            other => Err(RestoreError {
                key: other.to_owned(),
                reason: "no such store in this query".to_owned(),
            }),
        }
    }

    /// Rebuilds what is derived from the restored stores (the window stores' time index).
    pub fn restored(&mut self) {
        for w in &mut self.stores {
            w.by_time = w
                .records
                .iter()
                .flat_map(|(k, l)| l.iter().map(move |(t, a, _)| (*t, *a, k.clone())))
                .collect();
        }
    }

    /// A record of one side: `row` is its key and value columns (`None` for a tombstone).
    pub fn process(
        &mut self,
        left_side: bool,
        row: Option<Vec<Value>>,
        timestamp: i64,
    ) -> Vec<Joined> {
        self.meta_dirty = true;
        self.stream_time = self.stream_time.max(timestamp);
        match self.plan.shape {
            JoinShape::StreamStream => match row {
                Some(row) => self.stream_stream(left_side, row, timestamp),
                None => Vec::new(),
            },
            JoinShape::StreamTable => self.stream_table(left_side, row, timestamp),
            JoinShape::TableTable => self.table_table(left_side, row, timestamp),
        }
    }

    fn key_of(&self, left_side: bool, row: &[Value]) -> Value {
        if left_side {
            self.plan.left_key.eval(row)
        } else {
            self.plan.right_key.eval(row)
        }
    }

    fn stream_table(
        &mut self,
        left_side: bool,
        row: Option<Vec<Value>>,
        timestamp: i64,
    ) -> Vec<Joined> {
        if !left_side {
            // The table's side only updates the table: a stream–table join emits on the stream.
            let Some(row) = row else { return Vec::new() };
            let key = self.key_of(false, &row);
            self.tables[1].insert(key, (row, timestamp));
            return Vec::new();
        }
        let Some(row) = row else { return Vec::new() };
        let key = self.key_of(true, &row);
        if key.is_null() {
            return Vec::new();
        }
        let right = self.tables[1].get(&key).map(|(r, _)| r.as_slice());
        if right.is_none() && self.plan.kind == JoinKind::Inner {
            return Vec::new();
        }
        vec![Joined {
            row: Some(self.combine(Some(&row), right)),
            key,
            timestamp,
        }]
    }

    /// Removes a table's row (a tombstone on the table side of a stream–table join).
    pub fn delete_table_row(&mut self, left_side: bool, key: &Value) {
        self.tables[usize::from(!left_side)].remove(key);
    }

    fn table_table(
        &mut self,
        left_side: bool,
        row: Option<Vec<Value>>,
        timestamp: i64,
    ) -> Vec<Joined> {
        let Some(row) = row else { return Vec::new() };
        let key = self.key_of(left_side, &row);
        let side = usize::from(!left_side);
        self.tables[side].insert(key.clone(), (row, timestamp));
        self.table_result(key)
    }

    /// A table's tombstone for `key` on one side of a table–table join.
    pub fn table_tombstone(&mut self, left_side: bool, key: Value, timestamp: i64) -> Vec<Joined> {
        self.meta_dirty = true;
        self.stream_time = self.stream_time.max(timestamp);
        self.tables[usize::from(!left_side)].remove(&key);
        let mut out = self.table_result(key);
        for j in &mut out {
            if j.row.is_none() {
                j.timestamp = timestamp;
            }
        }
        out
    }

    fn table_result(&mut self, key: Value) -> Vec<Joined> {
        let left = self.tables[0].get(&key);
        let right = self.tables[1].get(&key);
        let present = match self.plan.kind {
            JoinKind::Inner => left.is_some() && right.is_some(),
            JoinKind::Left => left.is_some(),
            _ => left.is_some() || right.is_some(),
        };
        if present {
            let timestamp = left
                .map_or(i64::MIN, |l| l.1)
                .max(right.map_or(i64::MIN, |r| r.1));
            let row = self.combine(left.map(|l| l.0.as_slice()), right.map(|r| r.0.as_slice()));
            self.emitted.insert(key.clone(), ());
            return vec![Joined {
                key,
                row: Some(row),
                timestamp,
            }];
        }
        if self.emitted.remove(&key).is_some() {
            let timestamp = self.stream_time;
            return vec![Joined {
                key,
                row: None,
                timestamp,
            }];
        }
        Vec::new()
    }

    fn grace(&self) -> (i64, bool) {
        let w = self.plan.within.unwrap_or(crate::ast::Within {
            before_ms: 0,
            after_ms: 0,
            grace_ms: None,
        });
        match w.grace_ms {
            Some(g) => (g, true),
            None => (
                (DEFAULT_RETENTION_MS - w.before_ms - w.after_ms).max(0),
                false,
            ),
        }
    }

    fn stream_stream(&mut self, left_side: bool, row: Vec<Value>, ts: i64) -> Vec<Joined> {
        let key = self.key_of(left_side, &row);
        if key.is_null() {
            return Vec::new();
        }
        let w = self.plan.within.unwrap_or(crate::ast::Within {
            before_ms: 0,
            after_ms: 0,
            grace_ms: None,
        });
        let (grace, spurious_fix) = self.grace();
        let retention = w.before_ms + w.after_ms + grace;
        let segment = (retention / 2).max(60_000);
        // This side's window store takes the record first (unless its segment has expired).
        let this = usize::from(!left_side);
        self.arrivals += 1;
        let arrival = self.arrivals;
        {
            let store = &mut self.stores[this];
            store.observed = store.observed.max(ts);
            let min_live = store.observed.saturating_sub(retention) / segment;
            if ts / segment >= min_live {
                let mut list = store.records.remove(&key).unwrap_or_default();
                list.push((ts, arrival, row.clone()));
                store.records.insert(key.clone(), list);
                store.by_time.insert((ts, arrival, key.clone()));
            }
            store.expire(segment, min_live);
        }
        let mut out = Vec::new();
        if spurious_fix && ts == self.stream_time {
            out.extend(self.emit_closed(w.before_ms, w.after_ms, grace));
        }
        // The other side's records within the window, oldest first.
        let (from, to) = if left_side {
            ((ts - w.before_ms).max(0), (ts + w.after_ms).max(0))
        } else {
            ((ts - w.after_ms).max(0), (ts + w.before_ms).max(0))
        };
        let other = 1 - this;
        let mut matches: Vec<(i64, u64, Vec<Value>)> = {
            let store = &self.stores[other];
            let min_live = store.observed.saturating_sub(retention) / segment;
            store
                .records
                .get(&key)
                .map(|l| {
                    l.iter()
                        .filter(|(t, _, _)| *t >= from && *t <= to && t / segment >= min_live)
                        .cloned()
                        .collect()
                })
                .unwrap_or_default()
        };
        matches.sort_by_key(|(t, a, _)| (*t, *a));
        for (other_ts, other_arrival, other_row) in &matches {
            if spurious_fix {
                let order = format!("{key:?}");
                self.outer
                    .remove(&(*other_ts, !left_side, order, *other_arrival));
            }
            let joined = if left_side {
                self.combine(Some(&row), Some(other_row))
            } else {
                self.combine(Some(other_row), Some(&row))
            };
            out.push(Joined {
                key: key.clone(),
                row: Some(joined),
                timestamp: ts.max(*other_ts),
            });
        }
        let outer_side = match self.plan.kind {
            JoinKind::Inner => false,
            JoinKind::Left => left_side,
            _ => true,
        };
        if matches.is_empty() && outer_side {
            let time_to = if left_side {
                ts + w.after_ms
            } else {
                ts + w.before_ms
            };
            if !spurious_fix || time_to < self.stream_time {
                let joined = self.unmatched(left_side, &row);
                out.push(Joined {
                    key,
                    row: Some(joined),
                    timestamp: ts,
                });
            } else {
                let order = format!("{key:?}");
                self.outer
                    .insert((ts, left_side, order, arrival), (key, row));
            }
        }
        out
    }

    /// An outer join's row for a record of one side that met none of the other.
    fn unmatched(&self, left_side: bool, row: &[Value]) -> Vec<Value> {
        if left_side {
            self.combine(Some(row), None)
        } else {
            self.combine(None, Some(row))
        }
    }

    /// Emits the unmatched outer-join records whose window has closed, oldest first.
    fn emit_closed(&mut self, before: i64, after: i64, grace: i64) -> Vec<Joined> {
        let mut out = Vec::new();
        while let Some((k, _)) = self.outer.first() {
            let k = k.clone();
            let (ts, left_side) = (k.0, k.1);
            let look_back = if left_side { after } else { before };
            if ts + look_back + grace >= self.stream_time {
                break;
            }
            if let Some((key, row)) = self.outer.remove(&k) {
                let joined = self.unmatched(left_side, &row);
                out.push(Joined {
                    key,
                    row: Some(joined),
                    timestamp: ts,
                });
            }
        }
        out
    }
}
