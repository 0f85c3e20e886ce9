//! The metastore: the streams and tables a database has declared or created, and the topics
//! they live in.

use crate::ast::SourceKind;
use crate::format::{KeyFormat, ValueFormat};
use crate::schema::Schema;

/// How a windowed source's keys are windowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WindowType {
    /// Tumbling or hopping windows: `[start, end)`.
    Time,
    /// Session windows: `[first, last]` record timestamps.
    Session,
}

impl WindowType {
    /// The name QTT and ksqlDB's DESCRIBE give it.
    pub fn name(self) -> &'static str {
        match self {
            WindowType::Time => "time",
            WindowType::Session => "session",
        }
    }
}

/// A stream or table: its schema, its topic and the formats of that topic's records.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceDef {
    /// The source's name.
    pub name: String,
    /// Stream or table.
    pub kind: SourceKind,
    /// The topic it reads (or, for a query's sink, writes).
    pub topic: String,
    /// The key's format.
    pub key_format: KeyFormat,
    /// The value's format.
    pub value_format: ValueFormat,
    /// Key and value columns.
    pub schema: Schema,
    /// Whether (and how) its keys are windowed.
    pub window: Option<WindowType>,
    /// The query that writes it, for sources made by `CREATE … AS SELECT`.
    pub written_by: Option<String>,
    /// `WITH (TIMESTAMP='col')`: the BIGINT column (key or value) whose value, in ms, is the
    /// record's time instead of the record's own timestamp.
    pub timestamp: Option<String>,
}

impl SourceDef {
    /// The position of the timestamp column among the key and value columns.
    pub fn timestamp_index(&self) -> Option<usize> {
        let name = self.timestamp.as_ref()?;
        self.schema.columns().position(|c| &c.name == name)
    }
}
