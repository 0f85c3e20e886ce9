//! The engine: a database's metastore and persistent queries. It runs statements and routes
//! each record of a topic through every query that reads it, and through the queries that read
//! their outputs, depth first, as ksqlDB's test driver does.

use std::collections::{BTreeMap, HashSet};

use crate::ast::{
    CreateAsSelect, CreateSource, KeyConstraint, Properties, Query, ShowKind, SourceKind, Statement,
};
use crate::catalog::{SourceDef, WindowType};
use crate::error::SqlError;
use crate::exec::{InputRecord, OutputRecord, RunningQuery};
use crate::expr::compile;
use crate::format::{decode_key, decode_value, KeyFormat, ValueFormat};
use crate::parser::parse_each;
use crate::plan::{plan_query, QueryPlan};
use crate::schema::{Column, Schema, Scope, ROWTIME, WINDOWEND, WINDOWSTART};
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

/// A materialized table's rows: its latest record per key (and window).
type Materialized = BTreeMap<(Option<Vec<u8>>, Option<WindowBounds>), OutputRecord>;

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
}

fn prop_text(props: &Properties, name: &str) -> Result<Option<String>, SqlError> {
    match props.get(name) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(other) => Err(SqlError::BadProperty(format!(
            "Property {name} takes a quoted string, got {other}"
        ))),
    }
}

fn prop_partitions(props: &Properties) -> Result<Option<u32>, SqlError> {
    match props.get("PARTITIONS") {
        None => Ok(None),
        Some(v) => match v
            .as_i64()
            .and_then(|n| u32::try_from(n).ok())
            .filter(|n| *n > 0)
        {
            Some(n) => Ok(Some(n)),
            None => Err(SqlError::BadProperty(format!(
                "Invalid PARTITIONS: {v}: it must be a positive whole number"
            ))),
        },
    }
}

const KNOWN_PROPERTIES: &[&str] = &[
    "KAFKA_TOPIC",
    "VALUE_FORMAT",
    "KEY_FORMAT",
    "FORMAT",
    "PARTITIONS",
    "REPLICAS",
    "TIMESTAMP",
    "TIMESTAMP_FORMAT",
    "WRAP_SINGLE_VALUE",
    "VALUE_DELIMITER",
    "KEY_DELIMITER",
    "RETENTION_MS",
];

fn formats(
    props: &Properties,
    default: Option<(KeyFormat, ValueFormat)>,
) -> Result<(KeyFormat, ValueFormat), SqlError> {
    if let Some((name, _)) = props
        .0
        .iter()
        .find(|(n, _)| !KNOWN_PROPERTIES.contains(&n.as_str()))
    {
        return Err(SqlError::BadProperty(format!(
            "Invalid config variable(s) in the WITH clause: {name}"
        )));
    }
    let format = prop_text(props, "FORMAT")?;
    let key = prop_text(props, "KEY_FORMAT")?;
    let value = prop_text(props, "VALUE_FORMAT")?;
    if format.is_some() && (key.is_some() || value.is_some()) {
        return Err(SqlError::BadProperty(
            "Cannot supply both 'KEY_FORMAT' and 'FORMAT' properties, as 'FORMAT' sets both key and value formats.".to_owned(),
        ));
    }
    let key_name = key.or_else(|| format.clone());
    let value_name = value.or(format);
    let key = match key_name {
        Some(k) => KeyFormat::from_name(&k).ok_or_else(|| {
            SqlError::BadProperty(format!(
                "Unsupported key format: {k}. Streamlab has KAFKA and JSON keys"
            ))
        })?,
        None => default.map_or(KeyFormat::Kafka, |d| d.0),
    };
    let value = match value_name {
        Some(v) => ValueFormat::from_name(&v).ok_or_else(|| SqlError::BadProperty(format!("Unsupported value format: {v}. Streamlab has JSON and DELIMITED values")))?,
        None => match default {
            Some(d) => d.1,
            None => return Err(SqlError::BadProperty("Statement is missing the 'VALUE_FORMAT' property from the WITH clause: add VALUE_FORMAT='JSON' or VALUE_FORMAT='DELIMITED'.".to_owned())),
        },
    };
    Ok((key, value))
}

/// `WITH (TIMESTAMP='col')`: the column must exist and be a BIGINT of ms.
fn timestamp_column(props: &Properties, schema: &Schema) -> Result<Option<String>, SqlError> {
    let Some(name) = prop_text(props, "TIMESTAMP")? else {
        return Ok(None);
    };
    if props.get("TIMESTAMP_FORMAT").is_some() {
        return Err(SqlError::NotYet(
            "TIMESTAMP_FORMAT: Streamlab reads a timestamp column as BIGINT milliseconds"
                .to_owned(),
        ));
    }
    let column = schema
        .find(&name)
        .or_else(|| schema.find(&name.to_uppercase()))
        .ok_or_else(|| {
            SqlError::BadProperty(format!(
                "The TIMESTAMP column set in the WITH clause does not exist in the schema: '{}'",
                name.to_uppercase()
            ))
        })?;
    if column.ty != crate::types::SqlType::BigInt {
        return Err(SqlError::BadProperty(format!(
            "Timestamp column, `{}`, should be BIGINT (milliseconds), not {}",
            column.name, column.ty
        )));
    }
    Ok(Some(column.name.clone()))
}

fn check_key_columns(key: &[Column], format: KeyFormat) -> Result<(), SqlError> {
    if let Some(c) = key
        .iter()
        .find(|c| c.ty == crate::types::SqlType::Boolean && format == KeyFormat::Kafka)
    {
        return Err(SqlError::BadSchema(format!(
            "Key format does not support schema.\nformat: KAFKA\nschema: `{}` BOOLEAN KEY\nreason: The 'KAFKA' format does not support type 'BOOLEAN'",
            c.name
        )));
    }
    if key.len() > 1 && format == KeyFormat::Kafka {
        let names: Vec<&str> = key.iter().map(|c| c.name.as_str()).collect();
        return Err(SqlError::BadSchema(format!(
            "The 'KAFKA' format only supports a single field. Got: [{}]. Use KEY_FORMAT='JSON' for several key columns.",
            names.join(", ")
        )));
    }
    Ok(())
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

    fn check_new_name(
        &self,
        kind: SourceKind,
        name: &str,
        or_replace: bool,
    ) -> Result<(), SqlError> {
        if let Some(existing) = self.sources.get(name) {
            if !or_replace || existing.kind != kind {
                return Err(SqlError::SourceExists {
                    kind: kind.to_string(),
                    name: name.to_owned(),
                    existing: existing.kind.to_string(),
                });
            }
        }
        Ok(())
    }

    fn create_source(&mut self, c: &CreateSource) -> Result<StatementResult, SqlError> {
        if c.if_not_exists && self.sources.contains_key(&c.name) {
            return Ok(Engine::ok(format!(
                "A {} with the name {} already exists",
                c.kind, c.name
            )));
        }
        self.check_new_name(c.kind, &c.name, c.or_replace)?;
        let topic = prop_text(&c.properties, "KAFKA_TOPIC")?.ok_or_else(|| {
            SqlError::BadProperty(
                "Missing required property \"KAFKA_TOPIC\" which has no default value.".to_owned(),
            )
        })?;
        let (key_format, value_format) = formats(&c.properties, None)?;
        if c.columns.is_empty() {
            return Err(SqlError::BadSchema(
                "The statement does not define any columns.".to_owned(),
            ));
        }
        let mut schema = Schema::default();
        for col in &c.columns {
            if [ROWTIME, WINDOWSTART, WINDOWEND].contains(&col.name.as_str()) {
                return Err(SqlError::BadSchema(format!(
                    "'{}' is a reserved column name.",
                    col.name
                )));
            }
            if schema.find(&col.name).is_some() {
                return Err(SqlError::BadSchema(format!(
                    "Duplicate column names: {}",
                    col.name
                )));
            }
            match (c.kind, col.key) {
                (SourceKind::Stream, KeyConstraint::PrimaryKey) => {
                    return Err(SqlError::BadSchema(format!(
                        "Column `{}` is a 'PRIMARY KEY' column: please use 'KEY' for streams.\nTables have PRIMARY KEYs, which are unique and NON NULL.\nStreams have KEYs, which have no uniqueness or NON NULL constraints.",
                        col.name
                    )))
                }
                (SourceKind::Table, KeyConstraint::Key) => {
                    return Err(SqlError::BadSchema(format!(
                        "Column `{}` is a 'KEY' column: please use 'PRIMARY KEY' for tables.\nTables have PRIMARY KEYs, which are unique and NON NULL.\nStreams have KEYs, which have no uniqueness or NON NULL constraints.",
                        col.name
                    )))
                }
                (_, KeyConstraint::None) => schema.value.push(Column::new(col.name.clone(), col.ty)),
                _ => schema.key.push(Column::new(col.name.clone(), col.ty)),
            }
        }
        if c.kind == SourceKind::Table && schema.key.is_empty() {
            return Err(SqlError::BadSchema(
                "Tables require a PRIMARY KEY. Please define the PRIMARY KEY.".to_owned(),
            ));
        }
        check_key_columns(&schema.key, key_format)?;
        let timestamp = timestamp_column(&c.properties, &schema)?;
        let partitions = prop_partitions(&c.properties)?;
        let mut topics = Vec::new();
        if !self.topics.contains_key(&topic) {
            match partitions.or(self.auto_create_topics.then_some(1)) {
                Some(n) => {
                    self.topics.insert(topic.clone(), n);
                    topics.push(TopicRequest { name: topic.clone(), partitions: n, compacted: c.kind == SourceKind::Table });
                }
                None => {
                    return Err(SqlError::BadProperty(format!(
                        "Topic '{topic}' does not exist. If you want to create a new topic for the {} please re-run the statement providing the required 'PARTITIONS' configuration in the WITH clause (and optionally 'REPLICAS').",
                        c.kind.to_string().to_lowercase()
                    )))
                }
            }
        }
        self.commands += 1;
        self.sources.insert(
            c.name.clone(),
            SourceDef {
                name: c.name.clone(),
                kind: c.kind,
                topic,
                key_format,
                value_format,
                schema,
                window: None,
                written_by: None,
                timestamp,
            },
        );
        let mut r = Engine::ok(format!(
            "{} created",
            if c.kind == SourceKind::Stream {
                "Stream"
            } else {
                "Table"
            }
        ));
        r.topics = topics;
        Ok(r)
    }

    fn source_for(&self, query: &Query) -> Result<&SourceDef, SqlError> {
        let name = &query.from.source.name;
        self.sources
            .get(name)
            .ok_or_else(|| SqlError::UnknownSource(name.clone()))
    }

    /// Plans a persistent query: its source and, for a join, the joined source.
    fn plan(&self, query: &Query, sink: &str) -> Result<QueryPlan, SqlError> {
        let source = self.source_for(query)?;
        let right = match query.from.joins.first() {
            Some(j) => Some(
                self.sources
                    .get(&j.source.name)
                    .ok_or_else(|| SqlError::UnknownSource(j.source.name.clone()))?,
            ),
            None => None,
        };
        plan_query(query, source, right, sink)
    }

    fn create_as_select(
        &mut self,
        c: &CreateAsSelect,
        text: &str,
    ) -> Result<StatementResult, SqlError> {
        if c.if_not_exists && self.sources.contains_key(&c.name) {
            return Ok(Engine::ok(format!(
                "A {} with the name {} already exists",
                c.kind, c.name
            )));
        }
        self.check_new_name(c.kind, &c.name, c.or_replace)?;
        let source = self.source_for(&c.query)?.clone();
        let plan = self.plan(&c.query, &c.name)?;
        match (c.kind, plan.output_kind) {
            (SourceKind::Stream, SourceKind::Table) => {
                return Err(SqlError::BadAggregation("Invalid result type. Your SELECT query produces a TABLE. Please use CREATE TABLE AS SELECT statement instead.".to_owned()))
            }
            (SourceKind::Table, SourceKind::Stream) => {
                return Err(SqlError::BadAggregation("Invalid result type. Your SELECT query produces a STREAM. Please use CREATE STREAM AS SELECT statement instead.".to_owned()))
            }
            _ => {}
        }
        let topic = prop_text(&c.properties, "KAFKA_TOPIC")?.unwrap_or_else(|| c.name.clone());
        let (key_format, value_format) = formats(
            &c.properties,
            Some((source.key_format, source.value_format)),
        )?;
        check_key_columns(&plan.output.key, key_format)?;
        let timestamp = timestamp_column(&c.properties, &plan.output)?;
        if self
            .sources
            .values()
            .any(|s| s.topic == topic && s.written_by.is_some() && s.name != c.name)
        {
            return Err(SqlError::BadProperty(format!(
                "A query already writes topic '{topic}'"
            )));
        }
        let partitions = match prop_partitions(&c.properties)? {
            Some(n) => n,
            None => self.topics.get(&source.topic).copied().unwrap_or(1),
        };
        let kind = if c.kind == SourceKind::Stream {
            "CSAS"
        } else {
            "CTAS"
        };
        let id = format!("{kind}_{}_{}", c.name, self.commands);
        let sink = SourceDef {
            name: c.name.clone(),
            kind: c.kind,
            topic: topic.clone(),
            key_format,
            value_format,
            schema: plan.output.clone(),
            window: plan.output_window,
            written_by: Some(id.clone()),
            timestamp,
        };
        let mut topics = Vec::new();
        if !self.topics.contains_key(&topic) {
            self.topics.insert(topic.clone(), partitions);
            topics.push(TopicRequest {
                name: topic.clone(),
                partitions,
                compacted: c.kind == SourceKind::Table,
            });
        }
        self.start(id.clone(), plan, sink, text);
        let mut r = Engine::ok(format!("Created query with ID {id}"));
        r.query_id = Some(id);
        r.topics = topics;
        Ok(r)
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

    fn insert_into(
        &mut self,
        target: &str,
        query: &Query,
        text: &str,
    ) -> Result<StatementResult, SqlError> {
        let sink = self
            .sources
            .get(target)
            .ok_or_else(|| SqlError::UnknownSource(target.to_owned()))?
            .clone();
        if sink.kind == SourceKind::Table {
            return Err(SqlError::Unsupported(format!(
                "INSERT INTO can only be used to insert into a stream. {target} is a table."
            )));
        }
        let source = self.source_for(query)?.clone();
        if source.name == sink.name || query.from.joins.iter().any(|j| j.source.name == sink.name) {
            return Err(SqlError::Unsupported(format!(
                "Cannot insert into {target} from {target}: a query may not read its own output"
            )));
        }
        let plan = self.plan(query, target)?;
        if plan.output_kind != SourceKind::Stream {
            return Err(SqlError::Unsupported(format!("INSERT INTO can only be used to insert into a stream. The query produces a TABLE, not a stream like {target}.")));
        }
        if plan.output != sink.schema {
            return Err(SqlError::BadSchema(format!(
                "Incompatible schema between results and sink.\nResult schema is {}\nSink schema is {}",
                schema_text(&plan.output),
                schema_text(&sink.schema)
            )));
        }
        let id = format!("INSERTQUERY_{}", self.commands);
        self.commands += 1;
        self.queries
            .push(RunningQuery::new(id.clone(), plan, sink, text.to_owned()));
        let mut r = Engine::ok(format!("Created query with ID {id}"));
        r.query_id = Some(id);
        Ok(r)
    }

    fn show(&self, kind: ShowKind) -> StatementResult {
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

    fn drop_source(
        &mut self,
        kind: SourceKind,
        name: &str,
        if_exists: bool,
        delete_topic: bool,
    ) -> Result<StatementResult, SqlError> {
        let Some(source) = self.sources.get(name) else {
            if if_exists {
                return Ok(Engine::ok(format!("Source {name} does not exist.")));
            }
            return Err(SqlError::UnknownSource(name.to_owned()));
        };
        if source.kind != kind {
            return Err(SqlError::Unsupported(format!(
                "Incompatible data source type is {}, but statement was DROP {kind}",
                source.kind
            )));
        }
        let readers: Vec<&str> = self
            .queries
            .iter()
            .filter(|q| q.plan.source.name == name)
            .map(|q| q.id.as_str())
            .collect();
        let writers: Vec<&str> = self
            .queries
            .iter()
            .filter(|q| q.sink.name == name)
            .map(|q| q.id.as_str())
            .collect();
        if !readers.is_empty() || !writers.is_empty() {
            return Err(SqlError::SourceInUse {
                name: name.to_owned(),
                readers: readers.join(", "),
                writers: writers.join(", "),
            });
        }
        let topic = source.topic.clone();
        self.sources.remove(name);
        self.materialized.remove(name);
        self.commands += 1;
        if delete_topic {
            self.topics.remove(&topic);
        }
        Ok(Engine::ok(format!(
            "Source `{name}` (topic: {topic}) was dropped."
        )))
    }

    fn terminate(&mut self, id: Option<&str>) -> Result<StatementResult, SqlError> {
        let ids: Vec<String> = match id {
            None => self.queries.iter().map(|q| q.id.clone()).collect(),
            Some(id) => {
                let found = self
                    .queries
                    .iter()
                    .find(|q| q.id.eq_ignore_ascii_case(id))
                    .ok_or_else(|| SqlError::UnknownQuery(id.to_owned()))?;
                vec![found.id.clone()]
            }
        };
        let gone: HashSet<&String> = ids.iter().collect();
        self.queries.retain(|q| !gone.contains(&q.id));
        for s in self.sources.values_mut() {
            if s.written_by.as_ref().is_some_and(|w| gone.contains(w)) {
                s.written_by = None;
            }
        }
        self.commands += 1;
        Ok(Engine::ok(format!("Query terminated: {}", ids.join(", "))))
    }

    /// A pull query on a table a query materializes.
    fn pull(&self, q: &Query) -> Result<StatementResult, SqlError> {
        let source = self.source_for(q)?;
        if q.emit != crate::ast::Emit::None {
            return Err(SqlError::NotYet("Push queries (EMIT CHANGES) run in the Streams panel's processor, not as a statement here".to_owned()));
        }
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
        for record in rows.values() {
            let Ok(mut row) =
                decode_key(source.key_format, &source.schema.key, record.key.as_deref())
            else {
                continue;
            };
            let Ok(Some(value)) = decode_value(
                source.value_format,
                &source.schema.value,
                record.value.as_deref(),
            ) else {
                continue;
            };
            row.extend(value);
            row.push(Value::BigInt(record.timestamp));
            if let Some(w) = record.window {
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
        if query.sink.kind == SourceKind::Table {
            if let Some(m) = self.materialized.get_mut(&query.sink.name) {
                for out in &processed.outputs {
                    let k = (out.key.clone(), out.window);
                    if out.value.is_some() {
                        m.insert(k, out.clone());
                    } else {
                        m.remove(&k);
                    }
                }
            }
        }
        Some(processed)
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
            let processed = self.queries[i].process_topic(topic, record);
            let is_table = self.queries[i].sink.kind == SourceKind::Table;
            let sink = self.queries[i].sink.name.clone();
            for out in processed.outputs {
                if is_table {
                    if let Some(m) = self.materialized.get_mut(&sink) {
                        let k = (out.key.clone(), out.window);
                        if out.value.is_some() {
                            m.insert(k, out.clone());
                        } else {
                            m.remove(&k);
                        }
                    }
                }
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

fn schema_text(s: &Schema) -> String {
    let key = s.key.iter().map(|c| format!("`{}` {} KEY", c.name, c.ty));
    let value = s.value.iter().map(|c| format!("`{}` {}", c.name, c.ty));
    key.chain(value).collect::<Vec<_>>().join(", ")
}

fn describe(s: &SourceDef) -> String {
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
