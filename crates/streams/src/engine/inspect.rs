//! The statements that only read the metastore: SHOW, DESCRIBE, and pull queries on a
//! materialized table.

use crate::ast::{Query, ShowKind, SourceKind};
use crate::catalog::{SourceDef, WindowType};
use crate::error::SqlError;
use crate::expr::compile;
use crate::format::{decode_key, decode_value};
use crate::schema::Scope;
use crate::types::Value;

use super::{Engine, StatementResult};

impl Engine {
    pub(super) fn show(&self, kind: ShowKind) -> StatementResult {
        let lines: Vec<String> = match kind {
            ShowKind::Streams | ShowKind::Tables => {
                let want = if kind == ShowKind::Streams {
                    SourceKind::Stream
                } else {
                    SourceKind::Table
                };
                self.sources
                    .values()
                    .filter(|s| s.kind == want)
                    .map(|s| {
                        format!(
                            "{} | {} | {} | {}",
                            s.name,
                            s.topic,
                            s.key_format.name(),
                            s.value_format.name()
                        )
                    })
                    .collect()
            }
            ShowKind::Queries => self
                .queries
                .iter()
                .map(|q| format!("{} | RUNNING | {} | {}", q.id, q.sink.name, q.text))
                .collect(),
            ShowKind::Topics => self
                .topics
                .iter()
                .map(|(t, p)| format!("{t} | {p}"))
                .collect(),
        };
        Engine::ok(lines.join("\n"))
    }

    /// A pull query on a table a query materializes.
    pub(super) fn pull(&self, q: &Query) -> Result<StatementResult, SqlError> {
        let source = self.source_for(q)?;
        let Some(rows) = self.materialized.get(&source.name) else {
            return Err(SqlError::BadPullQuery(format!(
                "The {} {} is not queryable: pull queries need a table made by CREATE TABLE AS SELECT.",
                source.kind.to_string().to_lowercase(),
                source.name
            )));
        };
        if !q.group_by.is_empty()
            || q.window.is_some()
            || !q.partition_by.is_empty()
            || !q.from.joins.is_empty()
        {
            return Err(SqlError::BadPullQuery(
                "Pull queries don't support GROUP BY, WINDOW, PARTITION BY or JOIN clauses."
                    .to_owned(),
            ));
        }
        let scope = Scope::of_source(
            &q.from.source.alias,
            &source.schema,
            source.window.is_some(),
        );
        let filter = q
            .filter
            .as_ref()
            .map(|f| compile(f, &scope, "WHERE"))
            .transpose()?;
        let plan_items = crate::plan::pull_items(q, &scope)?;
        let mut out = Vec::new();
        for ((key, window), record) in rows {
            let Ok(mut row) = decode_key(source.key_format, &source.schema.key, key.as_deref())
            else {
                continue;
            };
            let Ok(Some(value)) = decode_value(
                source.value_format,
                &source.schema.value,
                Some(record.value.as_slice()),
            ) else {
                continue;
            };
            row.extend(value);
            row.push(Value::BigInt(record.timestamp));
            if let Some(w) = window {
                row.push(Value::BigInt(w.start));
                row.push(Value::BigInt(w.end));
            }
            if filter.as_ref().is_some_and(|f| !f.test(&row)) {
                continue;
            }
            out.push(
                plan_items
                    .iter()
                    .map(|(name, e)| (name.clone(), e.eval(&row)))
                    .collect(),
            );
            if q.limit.is_some_and(|l| out.len() as u64 >= l) {
                break;
            }
        }
        let mut r = Engine::ok(format!("{} row(s)", out.len()));
        r.rows = Some(out);
        Ok(r)
    }
}

pub(super) fn describe(s: &SourceDef) -> String {
    let mut text = format!(
        "Name                 : {}\nType                 : {}\nKafka topic          : {}\nKey format           : {}\nValue format         : {}\n",
        s.name,
        s.kind,
        s.topic,
        s.key_format.name(),
        s.value_format.name()
    );
    if let Some(w) = s.window {
        text.push_str(&format!("Windowed             : {}\n", w.name()));
    }
    if let Some(q) = &s.written_by {
        text.push_str(&format!("Written by           : {q}\n"));
    }
    text.push_str(" Field | Type\n");
    for c in &s.schema.key {
        let kind = if s.kind == SourceKind::Table {
            "(primary key)"
        } else {
            "(key)"
        };
        text.push_str(&format!(" {} | {} {kind}\n", c.name, c.ty));
    }
    for c in &s.schema.value {
        text.push_str(&format!(" {} | {}\n", c.name, c.ty));
    }
    if s.window == Some(WindowType::Time) || s.window == Some(WindowType::Session) {
        text.push_str(" WINDOWSTART | BIGINT\n WINDOWEND | BIGINT\n");
    }
    text
}
