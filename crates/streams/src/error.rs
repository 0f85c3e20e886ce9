//! The errors of statements: each says what ksqlDB would say, in words a learner can act on.

use thiserror::Error;

/// A statement that does not parse: where, and why.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("line {line}:{column}: {message}")]
pub struct ParseError {
    /// 1-based line of the offending token.
    pub line: u64,
    /// 1-based column of the offending token.
    pub column: u64,
    /// What was wrong there.
    pub message: String,
}

/// Why a statement was refused.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum SqlError {
    /// The text does not parse.
    #[error("Syntax error at {0}")]
    Parse(#[from] ParseError),
    /// A stream or table that does not exist.
    #[error("{0} does not exist.")]
    UnknownSource(String),
    /// A source of that name exists already.
    #[error("Cannot add {kind} '{name}': A {existing} with the same name already exists")]
    SourceExists {
        /// STREAM or TABLE, the new one.
        kind: String,
        /// Its name.
        name: String,
        /// STREAM or TABLE, the existing one.
        existing: String,
    },
    /// A column that none of the sources has.
    #[error("{clause} column '{column}' cannot be resolved.")]
    UnknownColumn {
        /// Where it was named (SELECT, WHERE, GROUP BY, …).
        clause: &'static str,
        /// The column as written.
        column: String,
    },
    /// A column name both sides of a join have, used without a source.
    #[error("{0}")]
    AmbiguousColumn(String),
    /// A function that does not exist.
    #[error("Can't find any functions with the name '{0}'")]
    UnknownFunction(String),
    /// A function called with arguments of the wrong number or types.
    #[error("Function '{name}' does not accept parameters ({args}).")]
    BadArguments {
        /// The function.
        name: String,
        /// The argument types given.
        args: String,
    },
    /// Operands of the wrong types.
    #[error("Error processing expression: {expression}. {reason}")]
    TypeMismatch {
        /// The expression.
        expression: String,
        /// What did not fit.
        reason: String,
    },
    /// A join whose condition is not an equality of one column or expression per side.
    #[error("{0}")]
    JoinWithoutKeyEquality(String),
    /// A table joined on something other than its primary key.
    #[error("Invalid join condition: table joins require to join on the primary key of the table {table}. Got {condition}.")]
    TableJoinWithoutKey {
        /// The table.
        table: String,
        /// The condition as written.
        condition: String,
    },
    /// A stream–stream join without `WITHIN`, or a `WITHIN` on another join.
    #[error("{0}")]
    BadWithin(String),
    /// `EMIT FINAL` on a query without a window.
    #[error("EMIT FINAL is only supported for windowed aggregations.")]
    EmitFinalWithoutWindow,
    /// A persistent query that does not select its key columns.
    #[error("Key missing from projection (ie, SELECT). The query used to build `{sink}` must include the {what} {columns} in its projection (eg, SELECT {example}...).")]
    KeyMissingFromProjection {
        /// The new source.
        sink: String,
        /// "key column", "grouping expression", "join expression".
        what: &'static str,
        /// The missing names.
        columns: String,
        /// What to write instead.
        example: String,
    },
    /// An aggregate where none is allowed, or a column outside GROUP BY next to aggregates.
    #[error("{0}")]
    BadAggregation(String),
    /// A `WITH (…)` property that is missing, unknown or of the wrong kind.
    #[error("{0}")]
    BadProperty(String),
    /// A declared schema that cannot be used.
    #[error("{0}")]
    BadSchema(String),
    /// A statement ksqlDB itself refuses (a self join, a table–stream join, …).
    #[error("{0}")]
    Unsupported(String),
    /// A statement ksqlDB runs that Streamlab does not run yet, said plainly.
    #[error("{0}")]
    NotYet(String),
    /// `TERMINATE` of a query that is not running.
    #[error("Unknown queryId: {0}")]
    UnknownQuery(String),
    /// A source that queries still read or write.
    #[error("Cannot drop {name}. The following queries read from this source: [{readers}] and the following queries write into this source: [{writers}]. You need to terminate them before dropping {name}.")]
    SourceInUse {
        /// The source.
        name: String,
        /// Queries reading it.
        readers: String,
        /// Queries writing it.
        writers: String,
    },
    /// A pull query that cannot be answered.
    #[error("{0}")]
    BadPullQuery(String),
}
