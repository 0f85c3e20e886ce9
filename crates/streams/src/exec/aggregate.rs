//! GROUP BY: a group's accumulators per key (and window), sessions that merge, a table's rows
//! taken out of their old group, HAVING's tombstones, and EMIT FINAL's held results.

use crate::aggregate::Accumulator;
use crate::ast::WindowKind;
use crate::plan::{AggregatePlan, PlanKind};
use crate::types::Value;
use crate::window::{grace_ms, time_windows, WindowBounds};

use super::{output_to, OutputRecord, RunningQuery};
use crate::catalog::SourceDef;

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub(super) struct Group {
    accumulators: Vec<Accumulator>,
    timestamp: i64,
    passed: bool,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub(super) struct Session {
    bounds: WindowBounds,
    group: Group,
}

impl RunningQuery {
    /// The aggregation's plan, shared (so the state can change while it is read).
    pub(super) fn aggregate_plan(&self) -> Option<std::rc::Rc<AggregatePlan>> {
        match &self.plan.kind {
            PlanKind::Aggregate(a) => Some(std::rc::Rc::clone(a)),
            PlanKind::Project { .. } => None,
        }
    }

    pub(super) fn group_of(&self, plan: &AggregatePlan, row: &[Value]) -> Option<Vec<Value>> {
        if !self.plan.filter.as_ref().is_none_or(|f| f.test(row)) {
            return None;
        }
        let group: Vec<Value> = plan.group.iter().map(|g| g.eval(row)).collect();
        (!group.iter().any(Value::is_null)).then_some(group)
    }

    pub(super) fn aggregate_stream(&mut self, row: &[Value], ts: i64) -> Vec<OutputRecord> {
        let Some(plan) = self.aggregate_plan() else {
            return Vec::new();
        };
        let Some(group) = self.group_of(&plan, row) else {
            return Vec::new();
        };
        self.counts.passed += 1;
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
    pub(super) fn hold_until_closed(
        &mut self,
        outputs: Vec<OutputRecord>,
        grace: i64,
    ) -> Vec<OutputRecord> {
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

    pub(super) fn result_row(
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
    pub(super) fn emit(
        &self,
        plan: &AggregatePlan,
        group: &[Value],
        state: &mut Group,
        window: Option<WindowBounds>,
    ) -> Option<OutputRecord> {
        emit_to(&self.sink, plan, group, state, window)
    }

    pub(super) fn update_group(
        &mut self,
        plan: &AggregatePlan,
        group: Vec<Value>,
        window: Option<WindowBounds>,
        row: &[Value],
        ts: i64,
        sign: i64,
    ) -> Option<OutputRecord> {
        let key = (group, window);
        let apply = |state: &mut Group| {
            for (a, acc) in plan.aggregates.iter().zip(state.accumulators.iter_mut()) {
                a.apply(acc, row, sign);
            }
            state.timestamp = state.timestamp.max(ts);
        };
        // The group's state changes in place (one lookup); a new group is inserted.
        if let Some(state) = self.groups.get_mut(&key) {
            apply(state);
            return emit_to(&self.sink, plan, &key.0, state, window);
        }
        let mut state = Group {
            accumulators: plan.aggregates.iter().map(|a| a.initial()).collect(),
            timestamp: ts,
            passed: false,
        };
        apply(&mut state);
        let out = emit_to(&self.sink, plan, &key.0, &mut state, window);
        self.groups.insert(key, state);
        out
    }

    pub(super) fn session(
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
    pub(super) fn aggregate_table(
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
        self.counts.passed += u64::from(new_group.is_some());
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

/// The output record for a group's new state, after HAVING (a group that stops passing it is
/// deleted downstream).
fn emit_to(
    sink: &SourceDef,
    plan: &AggregatePlan,
    group: &[Value],
    state: &mut Group,
    window: Option<WindowBounds>,
) -> Option<OutputRecord> {
    let post = RunningQuery::result_row(plan, group, state, window);
    let passes = plan.having.as_ref().is_none_or(|h| h.test(&post));
    if !passes {
        let had_passed = std::mem::replace(&mut state.passed, false);
        return had_passed.then(|| output_to(sink, group, None, state.timestamp, window));
    }
    state.passed = true;
    let value: Vec<Value> = plan.value.iter().map(|v| v.eval(&post)).collect();
    Some(output_to(
        sink,
        group,
        Some(&value),
        state.timestamp,
        window,
    ))
}
