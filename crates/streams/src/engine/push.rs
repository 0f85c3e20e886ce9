//! Push queries (`SELECT … EMIT CHANGES`, ksqlDB's transient queries): planned like persistent
//! ones, but they write no topic and keep nothing in the log; their rows go to whoever asked,
//! from the records that arrive after they start (ksqlDB's `auto.offset.reset = latest`),
//! until stopped or until `LIMIT` rows.

use crate::ast::Query;
use crate::catalog::SourceDef;
use crate::error::SqlError;
use crate::exec::{InputRecord, RunningQuery};
use crate::format::{decode_key, decode_value, KeyFormat, ValueFormat};
use crate::schema::{WINDOWEND, WINDOWSTART};
use crate::types::Value;

use super::{Engine, StatementResult};

/// A push query's row: column names and values.
pub type PushRow = Vec<(String, Value)>;

/// A running push query.
#[derive(Debug, Clone)]
pub struct PushQuery {
    /// Its id (`transient_ORDERS_1`).
    pub id: String,
    /// The query, whose sink is only a schema.
    pub query: RunningQuery,
    /// `LIMIT`: the rows it ends after.
    pub limit: Option<u64>,
    /// Rows sent so far.
    pub sent: u64,
}

impl PushQuery {
    /// Whether it has sent its `LIMIT` of rows.
    pub fn done(&self) -> bool {
        self.limit.is_some_and(|l| self.sent >= l)
    }

    /// Processes one record of `topic`; returns the rows it makes (never past `LIMIT`).
    pub fn process(&mut self, topic: &str, record: &InputRecord) -> Vec<PushRow> {
        let processed = self.query.process_topic(topic, record);
        let sink = &self.query.sink;
        let mut rows = Vec::new();
        for out in processed.outputs {
            if self.done() {
                break;
            }
            let Ok(key) = decode_key(sink.key_format, &sink.schema.key, out.key.as_deref()) else {
                continue;
            };
            let value = decode_value(sink.value_format, &sink.schema.value, out.value.as_deref())
                .ok()
                .flatten();
            let mut row: PushRow = Vec::new();
            for (c, v) in sink.schema.key.iter().zip(key) {
                if !self.query.plan.hidden.contains(&c.name) {
                    row.push((c.name.clone(), v));
                }
            }
            if let Some(w) = out.window {
                row.push((WINDOWSTART.to_owned(), Value::BigInt(w.start)));
                row.push((WINDOWEND.to_owned(), Value::BigInt(w.end)));
            }
            // A table's deleted row shows with its value columns NULL.
            let values = value.unwrap_or_else(|| vec![Value::Null; sink.schema.value.len()]);
            for (c, v) in sink.schema.value.iter().zip(values) {
                row.push((c.name.clone(), v));
            }
            rows.push(row);
            self.sent += 1;
        }
        rows
    }
}

impl Engine {
    /// Plans a push query; the processor takes it with [`Engine::take_push_queries`].
    pub(super) fn start_push(
        &mut self,
        q: &Query,
        text: &str,
    ) -> Result<StatementResult, SqlError> {
        let source = self.source_for(q)?.clone();
        let plan = self.plan_for(q, "the push query", true)?;
        self.push_count += 1;
        let id = format!("transient_{}_{}", source.name, self.push_count);
        let sink = SourceDef {
            name: id.clone(),
            kind: plan.output_kind,
            topic: String::new(),
            key_format: KeyFormat::Json,
            value_format: ValueFormat::Json,
            schema: plan.output.clone(),
            window: plan.output_window,
            written_by: None,
            timestamp: None,
        };
        let query = RunningQuery::new(id.clone(), plan, sink, text.to_owned());
        self.pushes.push(PushQuery {
            id: id.clone(),
            query,
            limit: q.limit,
            sent: 0,
        });
        let mut r = Engine::ok(format!(
            "Push query {id} started: its rows come as records arrive, until stopped{}",
            q.limit
                .map_or(String::new(), |l| format!(" or after {l} row(s)"))
        ));
        r.query_id = Some(id);
        Ok(r)
    }

    /// The push queries started since the last call.
    pub fn take_push_queries(&mut self) -> Vec<PushQuery> {
        std::mem::take(&mut self.pushes)
    }
}
