//! Joins, as ksqlDB plans them: stream–stream within a window, stream–table on the table's
//! key, table–table on both keys. The joined row is the left source's columns, the right's,
//! ROWTIME and the join key (`ROWKEY`), which becomes the result's key.

use crate::ast::{visit, BinaryOp, Expr, Join, JoinKind, Query, SourceKind, Within};
use crate::catalog::SourceDef;
use crate::error::SqlError;
use crate::expr::{compile, Node, Typed};
use crate::schema::{Scope, ScopeColumn, ROWTIME};
use crate::types::SqlType;

/// The synthetic join key column.
pub const ROWKEY: &str = "ROWKEY";

/// Which sources a join combines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JoinShape {
    /// Two streams, within a window.
    StreamStream,
    /// A stream enriched from a table.
    StreamTable,
    /// Two tables, on their keys.
    TableTable,
}

/// A planned join.
#[derive(Debug, Clone, PartialEq)]
pub struct JoinPlan {
    /// Inner, left or full outer (a right join is planned as a left join, sides swapped).
    pub kind: JoinKind,
    /// Which sources.
    pub shape: JoinShape,
    /// The right source (the query's `source` is the left).
    pub right: SourceDef,
    /// The left side's join expression, over a left row.
    pub left_key: Typed,
    /// The right side's join expression, over a right row.
    pub right_key: Typed,
    /// The join window (stream–stream).
    pub within: Option<Within>,
    /// Where the right source's columns start in a joined row.
    pub right_offset: usize,
    /// The number of left and right columns (before ROWTIME and ROWKEY).
    pub width: usize,
}

/// A join planned: the joined rows' scope, the join, and its key.
pub struct PlannedJoin {
    /// The joined row's columns.
    pub scope: Scope,
    /// The join.
    pub plan: JoinPlan,
    /// The expressions a projection may name the key with, preferred first.
    pub key_names: Vec<Typed>,
    /// The join key's column in the joined row.
    pub rowkey: Typed,
    /// The synthetic key's name (ROWKEY, or ROWKEY_n when a source has such a column), when the
    /// key is synthetic.
    pub synthetic_name: Option<String>,
}

/// Plans the join of `query` (exactly one): its joined scope, the join, and its key.
pub fn plan_join(
    query: &Query,
    left: &SourceDef,
    right: &SourceDef,
) -> Result<PlannedJoin, SqlError> {
    let [join] = query.from.joins.as_slice() else {
        return Err(SqlError::NotYet(
            "Streamlab joins two sources per query; join the result of one query in another"
                .to_owned(),
        ));
    };
    let Join {
        kind,
        source: right_ref,
        within,
        on,
    } = join;
    let left_ref = &query.from.source;
    if left.name == right.name {
        return Err(SqlError::Unsupported(format!(
            "Can not join '{}' to '{}': self joins are not yet supported.",
            left.name, right.name
        )));
    }
    if left_ref.alias == right_ref.alias {
        return Err(SqlError::Unsupported(format!(
            "Can not join two sources both called {}: give one an alias",
            left_ref.alias
        )));
    }
    let got = |k: JoinKind| match k {
        JoinKind::Inner => "[INNER] JOIN",
        JoinKind::Left => "LEFT [OUTER] JOIN",
        JoinKind::Right => "RIGHT [OUTER] JOIN",
        JoinKind::Full => "[FULL] OUTER JOIN",
    };
    let shape = match (left.kind, right.kind) {
        (SourceKind::Stream, SourceKind::Stream) => JoinShape::StreamStream,
        (SourceKind::Stream, SourceKind::Table) => JoinShape::StreamTable,
        (SourceKind::Table, SourceKind::Table) => JoinShape::TableTable,
        (SourceKind::Table, SourceKind::Stream) => {
            return Err(SqlError::Unsupported(format!(
                "Invalid join order: table-stream joins are not supported; only stream-table joins. Got {} {} {}.",
                left.name,
                got(*kind),
                right.name
            )))
        }
    };
    if shape == JoinShape::StreamTable && matches!(kind, JoinKind::Full | JoinKind::Right) {
        return Err(SqlError::Unsupported(format!(
            "Invalid join type: {} join not supported for stream-table join. Got {} {} {}.",
            if *kind == JoinKind::Full {
                "full-outer"
            } else {
                "right"
            },
            left.name,
            got(*kind),
            right.name
        )));
    }
    // The joined row: left columns, right columns, ROWTIME, ROWKEY.
    let left_scope = Scope::of_source(&left_ref.alias, &left.schema, false);
    let right_scope = Scope::of_source(&right_ref.alias, &right.schema, false);
    // Each side's rows carry their own ROWTIME (`s.ROWTIME`), after their columns.
    let mut columns: Vec<ScopeColumn> = left_scope.columns.clone();
    let right_offset = columns.len();
    columns.extend(right_scope.columns.iter().cloned());
    let width = columns.len();
    // The condition: one equality between an expression of each side.
    let Expr::Binary {
        op: BinaryOp::Eq,
        left: a,
        right: b,
    } = on
    else {
        if matches!(
            on,
            Expr::Binary {
                op: BinaryOp::And,
                ..
            }
        ) {
            return Err(SqlError::JoinWithoutKeyEquality(format!("Invalid join condition: joins on multiple conditions are not yet supported. Got {on}.")));
        }
        return Err(SqlError::JoinWithoutKeyEquality(format!(
            "Unsupported join expression: {on}. A join needs one equality between the two sources, such as ON a.id = b.id"
        )));
    };
    let both = Scope {
        columns: columns.clone(),
    };
    let side_of = |e: &Expr| -> Result<Option<bool>, SqlError> {
        let mut sides = Vec::new();
        collect_sides(e, &both, &mut sides)?;
        sides.sort();
        sides.dedup();
        Ok(match sides.as_slice() {
            [s] => Some(*s < right_offset),
            _ => None,
        })
    };
    let (left_expr, right_expr) = match (side_of(a)?, side_of(b)?) {
        (Some(true), Some(false)) => (a.as_ref(), b.as_ref()),
        (Some(false), Some(true)) => (b.as_ref(), a.as_ref()),
        _ => {
            return Err(SqlError::JoinWithoutKeyEquality(format!(
                "Invalid comparison expression '{on}' in join '{on}'. Each side of the join comparision must contain references from exactly one source."
            )))
        }
    };
    match (shape, within) {
        (JoinShape::StreamStream, None) => {
            return Err(SqlError::BadWithin(
                "Stream-Stream joins must have a WITHIN clause specified. None was provided: add one, such as WITHIN 10 SECONDS, to say how far apart in time two records may be to join.".to_owned(),
            ))
        }
        (JoinShape::StreamTable | JoinShape::TableTable, Some(_)) => {
            return Err(SqlError::BadWithin(format!(
                "A window definition was provided for a Stream-Table join or a Table-Table join. These joins are not windowed. Got {} {} {}.",
                left.name,
                got(*kind),
                right.name
            )))
        }
        _ => {}
    }
    let left_key = compile(left_expr, &left_scope, "JOIN")?;
    let right_key = compile(right_expr, &right_scope, "JOIN")?;
    if left_key.ty != right_key.ty {
        return Err(SqlError::TypeMismatch {
            expression: on.to_string(),
            reason: format!(
                "Invalid join condition: types don't match. Got {left_expr}{{{}}} = {right_expr}{{{}}}.",
                left_key.ty.map_or("NULL".to_owned(), |t| t.to_string()),
                right_key.ty.map_or("NULL".to_owned(), |t| t.to_string())
            ),
        });
    }
    let is_key =
        |t: &Typed, scope: &Scope| matches!(t.node, Node::Column(i) if scope.columns[i].is_key);
    // A table is joined on its one primary key column (no foreign-key joins).
    for (source, key, scope) in [
        (right, &right_key, &right_scope),
        (left, &left_key, &left_scope),
    ] {
        if source.kind == SourceKind::Table && !(is_key(key, scope) && source.schema.key.len() == 1)
        {
            return Err(SqlError::TableJoinWithoutKey {
                table: source.name.clone(),
                condition: format!(
                    "{}.{} = {}.{}",
                    left.name,
                    strip(left_expr),
                    right.name,
                    strip(right_expr)
                ),
            });
        }
    }
    let key_ty = left_key.ty.unwrap_or(SqlType::String);
    if *kind == JoinKind::Right {
        return Err(SqlError::NotYet(
            "RIGHT JOIN: write it as a LEFT JOIN with the sources swapped".to_owned(),
        ));
    }
    // The join key is a column of the result: either side's join column, for inner and left
    // joins on columns (the left one preferred); a synthetic ROWKEY when both sides are
    // expressions, or for a full outer join (either side may be missing).
    let mut key_names = Vec::new();
    if *kind != JoinKind::Full {
        if let Node::Column(i) = left_key.node {
            key_names.push(Typed {
                node: Node::Column(i),
                ty: Some(key_ty),
            });
        }
        if let Node::Column(i) = right_key.node {
            key_names.push(Typed {
                node: Node::Column(right_offset + i),
                ty: Some(key_ty),
            });
        }
    }
    let synthetic = key_names.is_empty();
    let rowkey_name = if synthetic {
        (0..)
            .map(|n| {
                if n == 0 {
                    ROWKEY.to_owned()
                } else {
                    format!("{ROWKEY}_{n}")
                }
            })
            .find(|name| !columns.iter().any(|c| &c.name == name))
            .unwrap_or_else(|| ROWKEY.to_owned())
    } else {
        // Not a column a query can name: the key is one of the join columns.
        "$JOINKEY".to_owned()
    };
    let pseudo = |name: &str, ty: SqlType| ScopeColumn {
        source: String::new(),
        name: name.to_owned(),
        ty,
        is_key: false,
        is_pseudo: true,
    };
    columns.push(pseudo(ROWTIME, SqlType::BigInt));
    columns.push(pseudo(&rowkey_name, key_ty));
    let scope = Scope { columns };
    let rowkey = Typed {
        node: Node::Column(width + 1),
        ty: Some(key_ty),
    };
    if synthetic {
        key_names.push(rowkey.clone());
    }
    let kind = *kind;
    let plan = JoinPlan {
        kind,
        shape,
        right: right.clone(),
        left_key,
        right_key,
        within: *within,
        right_offset,
        width,
    };
    Ok(PlannedJoin {
        scope,
        plan,
        key_names,
        rowkey,
        synthetic_name: synthetic.then_some(rowkey_name),
    })
}

fn strip(e: &Expr) -> String {
    match e {
        Expr::Column { name, .. } => name.clone(),
        other => other.to_string(),
    }
}

/// The positions of every column `e` names, in the joined scope.
fn collect_sides(e: &Expr, scope: &Scope, out: &mut Vec<usize>) -> Result<(), SqlError> {
    let mut columns = Vec::new();
    visit(e, &mut |x| {
        if let Expr::Column { source, name } = x {
            columns.push((source.clone(), name.clone()));
        }
    });
    for (source, name) in columns {
        out.push(scope.resolve(source.as_deref(), &name, "JOIN")?);
    }
    Ok(())
}
