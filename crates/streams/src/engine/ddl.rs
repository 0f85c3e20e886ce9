//! The statements that change the metastore: CREATE (a source, or a query's sink), INSERT INTO,
//! DROP and TERMINATE, with the checks ksqlDB makes of their properties and schemas.

use std::collections::HashSet;

use crate::ast::{CreateAsSelect, CreateSource, KeyConstraint, Properties, Query, SourceKind};
use crate::catalog::SourceDef;
use crate::error::SqlError;
use crate::exec::RunningQuery;
use crate::format::{KeyFormat, ValueFormat};
use crate::schema::{Column, Schema, ROWTIME, WINDOWEND, WINDOWSTART};
use crate::types::Value;

use super::{Engine, StatementResult, TopicRequest};

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
    pub(super) fn check_new_name(
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

    pub(super) fn create_source(&mut self, c: &CreateSource) -> Result<StatementResult, SqlError> {
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

    pub(super) fn create_as_select(
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

    pub(super) fn insert_into(
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

    pub(super) fn drop_source(
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

    pub(super) fn terminate(&mut self, id: Option<&str>) -> Result<StatementResult, SqlError> {
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
}

pub(super) fn schema_text(s: &Schema) -> String {
    let key = s.key.iter().map(|c| format!("`{}` {} KEY", c.name, c.ty));
    let value = s.value.iter().map(|c| format!("`{}` {}", c.name, c.ty));
    key.chain(value).collect::<Vec<_>>().join(", ")
}
