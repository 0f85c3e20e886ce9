//! The engine: a database's metastore and persistent queries. It runs statements and routes
//! each record of a topic through every query that reads it, and through the queries that read
//! their outputs, depth first, as ksqlDB's test driver does.
//! `ddl` runs the statements that change the metastore; `inspect` those that only read it.

mod ddl;
mod inspect;
mod push;

use inspect::describe;
pub use push::{PushQuery, PushRow};

use std::collections::BTreeMap;

use crate::ast::{Query, SourceKind, Statement};
use crate::catalog::SourceDef;
use crate::error::SqlError;
use crate::exec::{InputRecord, OutputRecord, RunningQuery};
use crate::parser::parse_each;
use crate::plan::{plan_query, QueryPlan};
use crate::types::Value;
use crate::window::WindowBounds;

/// A topic a statement needs created: a new source's, or a query's sink.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopicRequest {
    /// The topic's name.
    pub name: String,
    /// Its partition count.
    pub partitions: u32,
    /// Whether it is a table's changelog (compacted).
    pub compacted: bool,
}

/// One statement's outcome.
#[derive(Debug, Clone, PartialEq)]
pub struct StatementResult {
    /// The statement's text.
    pub statement: String,
    /// Whether it ran.
    pub ok: bool,
    /// What happened, or why not.
    pub message: String,
    /// The persistent query it started.
    pub query_id: Option<String>,
    /// A pull query's rows: column names and values.
    pub rows: Option<Vec<Vec<(String, Value)>>>,
    /// Topics to create for it.
    pub topics: Vec<TopicRequest>,
    /// Why it failed, typed.
    pub error: Option<SqlError>,
    /// Whether it changed the metastore (CREATE, INSERT, DROP, TERMINATE): a processor keeps
    /// such statements in its command topic, and replays them when it opens.
    pub durable: bool,
}

/// A materialized table's newest row of a key: its value's bytes and its timestamp.
#[derive(Debug)]
struct MaterializedRow {
    value: Vec<u8>,
    timestamp: i64,
}

/// A materialized table's rows: its newest row per key (and window).
type Materialized = BTreeMap<(Option<Vec<u8>>, Option<WindowBounds>), MaterializedRow>;

/// A database's streams, tables and queries.
#[derive(Debug, Default)]
pub struct Engine {
    sources: BTreeMap<String, SourceDef>,
    queries: Vec<RunningQuery>,
    topics: BTreeMap<String, u32>,
    commands: u64,
    /// Create a new source's topic when it does not exist, with one partition, as ksqlDB's test
    /// runner does (otherwise a missing topic needs `PARTITIONS`).
    pub auto_create_topics: bool,
    materialized: BTreeMap<String, Materialized>,
    /// Push queries started and not yet taken by the processor.
    pushes: Vec<PushQuery>,
    /// Push queries started, for their ids.
    push_count: u64,
}

impl Engine {
    /// An empty database.
    pub fn new() -> Engine {
        Engine::default()
    }

    /// Tells the engine a topic exists (with its partition count).
    pub fn add_topic(&mut self, name: &str, partitions: u32) {
        self.topics.entry(name.to_owned()).or_insert(partitions);
    }

    /// The declared and created sources, by name.
    pub fn sources(&self) -> impl Iterator<Item = &SourceDef> {
        self.sources.values()
    }

    /// A source by name.
    pub fn source(&self, name: &str) -> Option<&SourceDef> {
        self.sources.get(name)
    }

    /// The running persistent queries, in the order they started.
    pub fn queries(&self) -> &[RunningQuery] {
        &self.queries
    }

    /// Runs every statement of `sql`, in order, stopping at the first that fails: one result
    /// per statement run (the failed one last).
    pub fn execute(&mut self, sql: &str) -> Vec<StatementResult> {
        let mut results = Vec::new();
        for parsed in parse_each(sql) {
            let (text, durable, outcome) = match parsed {
                Ok(p) => {
                    let outcome = self.run(&p.statement, &p.text);
                    let durable = !matches!(
                        p.statement,
                        Statement::Select(_) | Statement::Show(_) | Statement::Describe(_)
                    );
                    (p.text, durable, outcome)
                }
                Err(e) => (String::new(), false, Err(SqlError::Parse(e))),
            };
            let failed = outcome.is_err();
            results.push(match outcome {
                Ok(mut r) => {
                    r.statement = text;
                    r.durable = durable;
                    r
                }
                Err(e) => StatementResult {
                    statement: text,
                    ok: false,
                    message: e.to_string(),
                    query_id: None,
                    rows: None,
                    topics: Vec::new(),
                    error: Some(e),
                    durable: false,
                },
            });
            if failed {
                break;
            }
        }
        results
    }

    fn ok(message: String) -> StatementResult {
        StatementResult {
            statement: String::new(),
            ok: true,
            message,
            query_id: None,
            rows: None,
            topics: Vec::new(),
            error: None,
            durable: false,
        }
    }

    fn run(&mut self, statement: &Statement, text: &str) -> Result<StatementResult, SqlError> {
        match statement {
            Statement::CreateSource(c) => self.create_source(c),
            Statement::CreateAsSelect(c) => self.create_as_select(c, text),
            Statement::InsertInto { target, query } => self.insert_into(target, query, text),
            Statement::Select(q) if q.emit != crate::ast::Emit::None => self.start_push(q, text),
            Statement::Select(q) => self.pull(q),
            Statement::Show(kind) => Ok(self.show(*kind)),
            Statement::Describe(name) => {
                let s = self
                    .sources
                    .get(name)
                    .ok_or_else(|| SqlError::UnknownSource(name.clone()))?;
                Ok(Engine::ok(describe(s)))
            }
            Statement::Drop {
                kind,
                name,
                if_exists,
                delete_topic,
            } => self.drop_source(*kind, name, *if_exists, *delete_topic),
            Statement::Terminate(id) => self.terminate(id.as_deref()),
        }
    }

    fn source_for(&self, query: &Query) -> Result<&SourceDef, SqlError> {
        let name = &query.from.source.name;
        self.sources
            .get(name)
            .ok_or_else(|| SqlError::UnknownSource(name.clone()))
    }

    /// Plans a persistent query: its source and, for a join, the joined source.
    fn plan(&self, query: &Query, sink: &str) -> Result<QueryPlan, SqlError> {
        self.plan_for(query, sink, false)
    }

    /// Plans a query, persistent or (`transient`) a push query.
    fn plan_for(&self, query: &Query, sink: &str, transient: bool) -> Result<QueryPlan, SqlError> {
        let source = self.source_for(query)?;
        let right = match query.from.joins.first() {
            Some(j) => Some(
                self.sources
                    .get(&j.source.name)
                    .ok_or_else(|| SqlError::UnknownSource(j.source.name.clone()))?,
            ),
            None => None,
        };
        plan_query(
            query,
            source,
            right,
            crate::plan::Target {
                name: sink,
                transient,
            },
        )
    }

    fn start(&mut self, id: String, plan: QueryPlan, sink: SourceDef, text: &str) {
        self.commands += 1;
        if sink.kind == SourceKind::Table {
            self.materialized.entry(sink.name.clone()).or_default();
        }
        self.sources.insert(sink.name.clone(), sink.clone());
        self.queries
            .push(RunningQuery::new(id, plan, sink, text.to_owned()));
    }

    /// Processes one record of `topic` through the query at `index` only (a processor routes
    /// each query's outputs through the log, not in memory).
    pub fn process_query(
        &mut self,
        index: usize,
        topic: &str,
        record: &InputRecord,
    ) -> Option<crate::exec::Processed> {
        let query = self.queries.get_mut(index)?;
        let processed = query.process_topic(topic, record);
        Some(self.materialized_from(index, processed))
    }

    /// The first sub-topology of a query that re-keys through repartition topics (see
    /// [`RunningQuery::repartition_input`]): what one record of input `side` writes there.
    pub fn repartition_query(
        &mut self,
        index: usize,
        side: usize,
        record: &InputRecord,
    ) -> Option<crate::exec::Processed> {
        Some(self.queries.get_mut(index)?.repartition_input(side, record))
    }

    /// The second sub-topology of such a query: one record of input `side`'s repartition topic
    /// (with its source record's key) through the rest of the query.
    pub fn process_repartitioned(
        &mut self,
        index: usize,
        side: usize,
        record: &InputRecord,
    ) -> Option<crate::exec::Processed> {
        let processed = self
            .queries
            .get_mut(index)?
            .process_repartitioned(side, record);
        Some(self.materialized_from(index, processed))
    }

    /// A table's outputs applied to its materialized rows.
    fn materialized_from(
        &mut self,
        index: usize,
        mut processed: crate::exec::Processed,
    ) -> crate::exec::Processed {
        if let Some(query) = self.queries.get(index) {
            if query.sink.kind == SourceKind::Table {
                let table = query.sink.name.clone();
                for out in &mut processed.outputs {
                    self.materialize(&table, out);
                }
            }
        }
        processed
    }

    /// Applies one record of table `table`'s topic to its materialized rows (what pull queries
    /// read): a key's newest row, or none after a tombstone. A processor that opens rebuilds
    /// them from the table's topic this way.
    pub fn materialize(&mut self, table: &str, out: &mut OutputRecord) {
        let Some(m) = self.materialized.get_mut(table) else {
            return;
        };
        // The key is lent to the lookup and given back: an update of a key copies no key.
        let k = (std::mem::take(&mut out.key), out.window);
        match (m.get_mut(&k), &out.value) {
            // A key's new row replaces its value in place (its buffer reused).
            (Some(row), Some(value)) => {
                row.value.clone_from(value);
                row.timestamp = out.timestamp;
            }
            (None, Some(value)) => {
                let row = MaterializedRow {
                    value: value.clone(),
                    timestamp: out.timestamp,
                };
                m.insert(k.clone(), row);
            }
            (_, None) => {
                m.remove(&k);
            }
        }
        out.key = k.0;
    }

    /// Every running query's state changes since the last call: (query id, changelog records).
    pub fn take_changelogs(&mut self) -> Vec<(String, Vec<crate::state::ChangelogRecord>)> {
        self.queries
            .iter_mut()
            .map(|q| (q.id.clone(), q.take_changelog()))
            .collect()
    }

    /// The state changes of the query at `index` since the last call.
    pub fn take_changelogs_of(&mut self, index: usize) -> Vec<crate::state::ChangelogRecord> {
        self.queries
            .get_mut(index)
            .map(|q| q.take_changelog())
            .unwrap_or_default()
    }

    /// Applies one changelog record to the query `query_id` (a restart replays a query's
    /// changelog before it reads anything, then calls [`Engine::restored`]).
    pub fn restore(
        &mut self,
        query_id: &str,
        key: &[u8],
        value: Option<&[u8]>,
    ) -> Result<(), crate::state::RestoreError> {
        match self.queries.iter_mut().find(|q| q.id == query_id) {
            Some(q) => q.restore(key, value),
            None => Err(crate::state::RestoreError {
                key: query_id.to_owned(),
                reason: "no such query".to_owned(),
            }),
        }
    }

    /// Ends every query's restore.
    pub fn restored(&mut self) {
        for q in &mut self.queries {
            q.restored();
        }
    }

    /// Routes a record of `topic` through every query reading it, then their outputs through
    /// the queries reading those, depth first. Returns every record written, in order.
    pub fn process(&mut self, topic: &str, record: &InputRecord) -> Vec<OutputRecord> {
        let mut written = Vec::new();
        self.route(topic, record, &mut written, 0);
        written
    }

    fn route(
        &mut self,
        topic: &str,
        record: &InputRecord,
        written: &mut Vec<OutputRecord>,
        depth: usize,
    ) {
        // Queries never read their own sink, so a chain is at most as long as the query list.
        if depth > self.queries.len() {
            return;
        }
        for i in 0..self.queries.len() {
            if !self.queries[i].reads(topic) {
                continue;
            }
            let Some(processed) = self.process_query(i, topic, record) else {
                continue;
            };
            for out in processed.outputs {
                let next = InputRecord {
                    key: out.key.clone(),
                    value: out.value.clone(),
                    timestamp: out.timestamp,
                    window: out.window,
                };
                let out_topic = out.topic.clone();
                written.push(out);
                self.route(&out_topic, &next, written, depth + 1);
            }
        }
    }
}
