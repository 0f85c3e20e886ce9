//! The statements and expressions of ksqlDB's dialect, as parsed (names resolved to their
//! canonical case, nothing typed yet).

use std::fmt;

use crate::types::{SqlType, Value};

/// One parsed statement.
#[derive(Debug, Clone, PartialEq)]
pub enum Statement {
    /// `CREATE [OR REPLACE] STREAM|TABLE [IF NOT EXISTS] name (columns) WITH (…)`.
    CreateSource(CreateSource),
    /// `CREATE STREAM|TABLE name [WITH (…)] AS SELECT …`.
    CreateAsSelect(CreateAsSelect),
    /// `INSERT INTO name SELECT …`.
    InsertInto {
        /// The stream written to.
        target: String,
        /// The query that feeds it.
        query: Box<Query>,
    },
    /// A transient query: `SELECT … EMIT CHANGES` (push) or a pull query on a table.
    Select(Box<Query>),
    /// `SHOW|LIST STREAMS|TABLES|QUERIES|TOPICS`.
    Show(ShowKind),
    /// `DESCRIBE name`.
    Describe(String),
    /// `DROP STREAM|TABLE [IF EXISTS] name [DELETE TOPIC]`.
    Drop {
        /// Stream or table.
        kind: SourceKind,
        /// The source's name.
        name: String,
        /// `IF EXISTS` given.
        if_exists: bool,
        /// `DELETE TOPIC` given.
        delete_topic: bool,
    },
    /// `TERMINATE query_id` or `TERMINATE ALL`.
    Terminate(Option<String>),
}

/// What `SHOW` lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShowKind {
    /// `SHOW STREAMS`.
    Streams,
    /// `SHOW TABLES`.
    Tables,
    /// `SHOW QUERIES`.
    Queries,
    /// `SHOW TOPICS`.
    Topics,
}

/// A stream (events) or a table (a changelog: the latest value per key).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SourceKind {
    /// A stream.
    Stream,
    /// A table.
    Table,
}

impl fmt::Display for SourceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SourceKind::Stream => "STREAM",
            SourceKind::Table => "TABLE",
        })
    }
}

/// `CREATE STREAM|TABLE … (columns) WITH (…)`.
#[derive(Debug, Clone, PartialEq)]
pub struct CreateSource {
    /// Stream or table.
    pub kind: SourceKind,
    /// The new source's name.
    pub name: String,
    /// `OR REPLACE` given.
    pub or_replace: bool,
    /// `IF NOT EXISTS` given.
    pub if_not_exists: bool,
    /// The declared columns, in order.
    pub columns: Vec<ColumnDef>,
    /// The `WITH (…)` properties.
    pub properties: Properties,
}

/// `CREATE STREAM|TABLE … AS SELECT`.
#[derive(Debug, Clone, PartialEq)]
pub struct CreateAsSelect {
    /// Stream or table.
    pub kind: SourceKind,
    /// The new source's name.
    pub name: String,
    /// `OR REPLACE` given.
    pub or_replace: bool,
    /// `IF NOT EXISTS` given.
    pub if_not_exists: bool,
    /// The `WITH (…)` properties.
    pub properties: Properties,
    /// The query.
    pub query: Box<Query>,
}

/// A declared column.
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnDef {
    /// The column's name.
    pub name: String,
    /// Its type.
    pub ty: SqlType,
    /// `KEY` (streams) or `PRIMARY KEY` (tables).
    pub key: KeyConstraint,
}

/// Whether a declared column is part of the record key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyConstraint {
    /// A value column.
    None,
    /// `KEY`: a stream's key column.
    Key,
    /// `PRIMARY KEY`: a table's key column.
    PrimaryKey,
}

/// `WITH (name = value, …)`: names upper-cased, values as literals.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Properties(pub Vec<(String, Value)>);

impl Properties {
    /// The value of a property, by its upper-case name.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.0.iter().find(|(n, _)| n == name).map(|(_, v)| v)
    }
}

/// A `SELECT`.
#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    /// The select list.
    pub select: Vec<SelectItem>,
    /// The source and its joins.
    pub from: From,
    /// `WINDOW …`.
    pub window: Option<WindowSpec>,
    /// `WHERE …`.
    pub filter: Option<Expr>,
    /// `GROUP BY …`.
    pub group_by: Vec<Expr>,
    /// `PARTITION BY …`.
    pub partition_by: Vec<Expr>,
    /// `HAVING …`.
    pub having: Option<Expr>,
    /// `EMIT CHANGES`, `EMIT FINAL`, or neither.
    pub emit: Emit,
    /// `LIMIT n`.
    pub limit: Option<u64>,
}

/// How a query emits its results.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Emit {
    /// No `EMIT` clause (a pull query, or a persistent query's default).
    None,
    /// `EMIT CHANGES`: every change at once.
    Changes,
    /// `EMIT FINAL`: a window's result once, when it closes.
    Final,
}

/// One item of a select list.
#[derive(Debug, Clone, PartialEq)]
pub enum SelectItem {
    /// `*`.
    Wildcard,
    /// `alias.*`.
    QualifiedWildcard(String),
    /// `expr [AS alias]`.
    Expr {
        /// The expression.
        expr: Expr,
        /// Its alias.
        alias: Option<String>,
    },
}

/// `FROM source [alias] [JOIN …]…`.
#[derive(Debug, Clone, PartialEq)]
pub struct From {
    /// The left-most source.
    pub source: SourceRef,
    /// The joins, in order.
    pub joins: Vec<Join>,
}

/// A source named in `FROM` or `JOIN`.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceRef {
    /// The source's name.
    pub name: String,
    /// Its alias (the name itself when none is given).
    pub alias: String,
}

/// One join.
#[derive(Debug, Clone, PartialEq)]
pub struct Join {
    /// Inner, left, right or full outer.
    pub kind: JoinKind,
    /// The joined source.
    pub source: SourceRef,
    /// `WITHIN …` for a stream–stream join.
    pub within: Option<Within>,
    /// The `ON` condition.
    pub on: Expr,
}

/// The kind of a join.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JoinKind {
    /// `[INNER] JOIN`.
    Inner,
    /// `LEFT [OUTER] JOIN`.
    Left,
    /// `RIGHT [OUTER] JOIN`.
    Right,
    /// `FULL [OUTER] JOIN`.
    Full,
}

/// `WITHIN n unit` or `WITHIN (before, after)`, with an optional `GRACE PERIOD`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Within {
    /// How far before the left record a right record may be, in ms.
    pub before_ms: i64,
    /// How far after, in ms.
    pub after_ms: i64,
    /// `GRACE PERIOD`, in ms.
    pub grace_ms: Option<i64>,
}

/// `WINDOW TUMBLING|HOPPING|SESSION (…)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WindowSpec {
    /// The kind and its sizes.
    pub kind: WindowKind,
    /// `RETENTION`, in ms.
    pub retention_ms: Option<i64>,
    /// `GRACE PERIOD`, in ms.
    pub grace_ms: Option<i64>,
}

/// The kind of a window, with its sizes in ms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WindowKind {
    /// Fixed, non-overlapping windows.
    Tumbling {
        /// The window's size.
        size_ms: i64,
    },
    /// Fixed, overlapping windows, one starting every `advance_ms`.
    Hopping {
        /// The window's size.
        size_ms: i64,
        /// The distance between window starts.
        advance_ms: i64,
    },
    /// Sessions of activity separated by gaps of inactivity.
    Session {
        /// The inactivity gap that ends a session.
        gap_ms: i64,
    },
}

/// A binary operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinaryOp {
    /// `+`.
    Add,
    /// `-`.
    Subtract,
    /// `*`.
    Multiply,
    /// `/`.
    Divide,
    /// `%`.
    Modulo,
    /// `=`.
    Eq,
    /// `<>` or `!=`.
    NotEq,
    /// `<`.
    Lt,
    /// `<=`.
    LtEq,
    /// `>`.
    Gt,
    /// `>=`.
    GtEq,
    /// `AND`.
    And,
    /// `OR`.
    Or,
    /// `||`.
    Concat,
}

impl BinaryOp {
    /// The operator as written.
    pub fn symbol(self) -> &'static str {
        match self {
            BinaryOp::Add => "+",
            BinaryOp::Subtract => "-",
            BinaryOp::Multiply => "*",
            BinaryOp::Divide => "/",
            BinaryOp::Modulo => "%",
            BinaryOp::Eq => "=",
            BinaryOp::NotEq => "<>",
            BinaryOp::Lt => "<",
            BinaryOp::LtEq => "<=",
            BinaryOp::Gt => ">",
            BinaryOp::GtEq => ">=",
            BinaryOp::And => "AND",
            BinaryOp::Or => "OR",
            BinaryOp::Concat => "||",
        }
    }

    /// Whether the operator compares two values.
    pub fn is_comparison(self) -> bool {
        matches!(
            self,
            BinaryOp::Eq
                | BinaryOp::NotEq
                | BinaryOp::Lt
                | BinaryOp::LtEq
                | BinaryOp::Gt
                | BinaryOp::GtEq
        )
    }
}

/// An expression, untyped.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// A column, optionally qualified by a source alias.
    Column {
        /// The source alias, for `alias.column`.
        source: Option<String>,
        /// The column's name.
        name: String,
    },
    /// A literal.
    Literal(Value),
    /// `left op right`.
    Binary {
        /// The operator.
        op: BinaryOp,
        /// The left operand.
        left: Box<Expr>,
        /// The right operand.
        right: Box<Expr>,
    },
    /// `NOT expr`.
    Not(Box<Expr>),
    /// `-expr`.
    Negate(Box<Expr>),
    /// `expr IS [NOT] NULL`.
    IsNull {
        /// The tested expression.
        expr: Box<Expr>,
        /// `IS NOT NULL`.
        negated: bool,
    },
    /// `expr [NOT] BETWEEN low AND high`.
    Between {
        /// The tested expression.
        expr: Box<Expr>,
        /// The lower bound (inclusive).
        low: Box<Expr>,
        /// The upper bound (inclusive).
        high: Box<Expr>,
        /// `NOT BETWEEN`.
        negated: bool,
    },
    /// `expr [NOT] IN (list)`.
    InList {
        /// The tested expression.
        expr: Box<Expr>,
        /// The candidates.
        list: Vec<Expr>,
        /// `NOT IN`.
        negated: bool,
    },
    /// `expr [NOT] LIKE pattern [ESCAPE c]`.
    Like {
        /// The tested expression.
        expr: Box<Expr>,
        /// The pattern (`%` any run, `_` one character).
        pattern: Box<Expr>,
        /// The escape character.
        escape: Option<char>,
        /// `NOT LIKE`.
        negated: bool,
    },
    /// `CASE [operand] WHEN … THEN … [ELSE …] END`.
    Case {
        /// The operand of a simple CASE.
        operand: Option<Box<Expr>>,
        /// The `WHEN condition THEN result` pairs.
        whens: Vec<(Expr, Expr)>,
        /// The `ELSE` result.
        otherwise: Option<Box<Expr>>,
    },
    /// `CAST(expr AS type)`.
    Cast {
        /// The expression cast.
        expr: Box<Expr>,
        /// The target type.
        ty: SqlType,
    },
    /// A function call, scalar or aggregate.
    Function {
        /// The function's name, upper-cased.
        name: String,
        /// The arguments.
        args: Vec<Expr>,
        /// Called as `f(*)`.
        star: bool,
    },
}

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expr::Column {
                source: Some(s),
                name,
            } => write!(f, "{s}.{name}"),
            Expr::Column { source: None, name } => f.write_str(name),
            Expr::Literal(Value::String(s)) => write!(f, "'{}'", s.replace('\'', "''")),
            Expr::Literal(v) => write!(f, "{v}"),
            Expr::Binary { op, left, right } => write!(f, "({left} {} {right})", op.symbol()),
            Expr::Not(e) => write!(f, "(NOT {e})"),
            Expr::Negate(e) => write!(f, "-{e}"),
            Expr::IsNull { expr, negated } => {
                write!(f, "({expr} IS {}NULL)", if *negated { "NOT " } else { "" })
            }
            Expr::Between {
                expr,
                low,
                high,
                negated,
            } => write!(
                f,
                "({expr} {}BETWEEN {low} AND {high})",
                if *negated { "NOT " } else { "" }
            ),
            Expr::InList {
                expr,
                list,
                negated,
            } => {
                write!(f, "({expr} {}IN (", if *negated { "NOT " } else { "" })?;
                write_list(f, list)?;
                f.write_str("))")
            }
            Expr::Like {
                expr,
                pattern,
                negated,
                ..
            } => {
                write!(
                    f,
                    "({expr} {}LIKE {pattern})",
                    if *negated { "NOT " } else { "" }
                )
            }
            Expr::Case {
                operand,
                whens,
                otherwise,
            } => {
                f.write_str("(CASE")?;
                if let Some(o) = operand {
                    write!(f, " {o}")?;
                }
                for (w, t) in whens {
                    write!(f, " WHEN {w} THEN {t}")?;
                }
                if let Some(e) = otherwise {
                    write!(f, " ELSE {e}")?;
                }
                f.write_str(" END)")
            }
            Expr::Cast { expr, ty } => write!(f, "CAST({expr} AS {ty})"),
            Expr::Function {
                name, star: true, ..
            } => write!(f, "{name}(*)"),
            Expr::Function { name, args, .. } => {
                write!(f, "{name}(")?;
                write_list(f, args)?;
                f.write_str(")")
            }
        }
    }
}

fn write_list(f: &mut fmt::Formatter<'_>, list: &[Expr]) -> fmt::Result {
    for (i, e) in list.iter().enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        write!(f, "{e}")?;
    }
    Ok(())
}

/// Whether an aggregate function is called anywhere in `e`.
pub(crate) fn contains_aggregate(e: &Expr) -> bool {
    let mut found = false;
    visit(e, &mut |x| {
        if let Expr::Function { name, .. } = x {
            if crate::aggregate::is_aggregate(name) {
                found = true;
            }
        }
    });
    found
}

/// Calls `f` on `e` and every expression inside it.
pub(crate) fn visit(e: &Expr, f: &mut dyn FnMut(&Expr)) {
    f(e);
    match e {
        Expr::Binary { left, right, .. } => {
            visit(left, f);
            visit(right, f);
        }
        Expr::Not(x)
        | Expr::Negate(x)
        | Expr::IsNull { expr: x, .. }
        | Expr::Cast { expr: x, .. } => visit(x, f),
        Expr::Between {
            expr, low, high, ..
        } => {
            visit(expr, f);
            visit(low, f);
            visit(high, f);
        }
        Expr::InList { expr, list, .. } => {
            visit(expr, f);
            list.iter().for_each(|x| visit(x, f));
        }
        Expr::Like { expr, pattern, .. } => {
            visit(expr, f);
            visit(pattern, f);
        }
        Expr::Case {
            operand,
            whens,
            otherwise,
        } => {
            if let Some(o) = operand {
                visit(o, f);
            }
            for (w, t) in whens {
                visit(w, f);
                visit(t, f);
            }
            if let Some(o) = otherwise {
                visit(o, f);
            }
        }
        Expr::Function { args, .. } => args.iter().for_each(|x| visit(x, f)),
        Expr::Column { .. } | Expr::Literal(_) => {}
    }
}
