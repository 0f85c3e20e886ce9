//! Columns, schemas and the scope an expression resolves its column names in.

use crate::error::SqlError;
use crate::types::SqlType;

/// A named, typed column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    /// The column's name, in its canonical case.
    pub name: String,
    /// Its type.
    pub ty: SqlType,
}

impl Column {
    /// A column.
    pub fn new(name: impl Into<String>, ty: SqlType) -> Column {
        Column {
            name: name.into(),
            ty,
        }
    }
}

/// A source's columns: those in the record key, then those in the value.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Schema {
    /// The key columns, in order.
    pub key: Vec<Column>,
    /// The value columns, in order.
    pub value: Vec<Column>,
}

impl Schema {
    /// Every column, key columns first.
    pub fn columns(&self) -> impl Iterator<Item = &Column> {
        self.key.iter().chain(self.value.iter())
    }

    /// The column of that name.
    pub fn find(&self, name: &str) -> Option<&Column> {
        self.columns().find(|c| c.name == name)
    }
}

/// The pseudo columns every row has after its schema's columns.
pub const ROWTIME: &str = "ROWTIME";
/// A windowed row's window start (ms).
pub const WINDOWSTART: &str = "WINDOWSTART";
/// A windowed row's window end (ms).
pub const WINDOWEND: &str = "WINDOWEND";

/// One column an expression may name: which source it is from and where it is in the row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScopeColumn {
    /// The alias of the source it comes from.
    pub source: String,
    /// Its name.
    pub name: String,
    /// Its type.
    pub ty: SqlType,
    /// Whether it is a key column of its source.
    pub is_key: bool,
    /// Whether it is a pseudo column (ROWTIME, WINDOWSTART, WINDOWEND): not part of `*`.
    pub is_pseudo: bool,
}

/// The columns of the rows a query's expressions see, in row order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Scope {
    /// The columns, in row order: a row is a `Vec<Value>` of this length.
    pub columns: Vec<ScopeColumn>,
}

impl Scope {
    /// The scope of one source's rows: key, value, ROWTIME, then WINDOWSTART and WINDOWEND when
    /// the source is windowed.
    pub fn of_source(alias: &str, schema: &Schema, windowed: bool) -> Scope {
        let mut columns = Vec::new();
        for (c, is_key) in schema
            .key
            .iter()
            .map(|c| (c, true))
            .chain(schema.value.iter().map(|c| (c, false)))
        {
            columns.push(ScopeColumn {
                source: alias.to_owned(),
                name: c.name.clone(),
                ty: c.ty,
                is_key,
                is_pseudo: false,
            });
        }
        let mut pseudo = vec![ROWTIME];
        if windowed {
            pseudo.extend([WINDOWSTART, WINDOWEND]);
        }
        for name in pseudo {
            columns.push(ScopeColumn {
                source: alias.to_owned(),
                name: name.to_owned(),
                ty: SqlType::BigInt,
                is_key: false,
                is_pseudo: true,
            });
        }
        Scope { columns }
    }

    /// The position of a column named `name` (from `source`, when given).
    pub fn resolve(
        &self,
        source: Option<&str>,
        name: &str,
        clause: &'static str,
    ) -> Result<usize, SqlError> {
        let matches: Vec<(usize, &ScopeColumn)> = self
            .columns
            .iter()
            .enumerate()
            .filter(|(_, c)| c.name == name && source.is_none_or(|s| c.source == s))
            .collect();
        match matches.as_slice() {
            [(i, _)] => return Ok(*i),
            [] => {}
            [(i, first), (_, second), ..] => {
                // An unqualified ROWTIME of a join is the joined row's own (source "").
                if first.is_pseudo {
                    return Ok(matches
                        .iter()
                        .find(|(_, c)| c.source.is_empty())
                        .map_or(*i, |(j, _)| *j));
                }
                return Err(SqlError::AmbiguousColumn(format!(
                    "Column '{name}' is ambiguous. Could be {}.{name} or {}.{name}.",
                    first.source, second.source
                )));
            }
        }
        // `s.ROWTIME` of a source whose rows carry no ROWTIME of their own is the row's ROWTIME.
        let pseudo = [ROWTIME, WINDOWSTART, WINDOWEND].contains(&name);
        let found = self
            .columns
            .iter()
            .position(|c| pseudo && c.is_pseudo && c.name == name);
        match found {
            Some(i) => Ok(i),
            None => Err(SqlError::UnknownColumn {
                clause,
                column: match source {
                    Some(s) => format!("{s}.{name}"),
                    None => name.to_owned(),
                },
            }),
        }
    }
}
