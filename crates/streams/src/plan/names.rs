//! Naming a select list as ksqlDB does: aliases, column names (source-prefixed in a join when
//! both sources have the column), `KSQL_COL_n` for the rest, and `*` expanded.

use crate::ast::{Expr, Query, SelectItem};
use crate::error::SqlError;
use crate::schema::{Column, Scope, ROWTIME, WINDOWEND, WINDOWSTART};

/// A named output column with its expression, before it is split into key and value.
pub(super) struct Item {
    pub(super) name: String,
    pub(super) expr: Expr,
}

/// Names the select list: aliases, then plain column names, then `KSQL_COL_n` in order.
pub(super) fn name_items(
    query: &Query,
    scope: &Scope,
    joined: bool,
    synthetic_key: Option<&str>,
) -> Result<Vec<Item>, SqlError> {
    let mut items = Vec::new();
    let mut synthetic = 0;
    for item in &query.select {
        match item {
            SelectItem::Wildcard | SelectItem::QualifiedWildcard(_) => {
                let only = match item {
                    SelectItem::QualifiedWildcard(alias) => {
                        if !scope.columns.iter().any(|c| &c.source == alias) {
                            return Err(SqlError::UnknownSource(alias.clone()));
                        }
                        Some(alias)
                    }
                    _ => {
                        // A join whose key is ROWKEY: `*` includes it, as the key.
                        if let Some(key) = synthetic_key {
                            items.push(Item {
                                name: key.to_owned(),
                                expr: Expr::Column {
                                    source: None,
                                    name: key.to_owned(),
                                },
                            });
                        }
                        if !joined
                            && !query.partition_by.is_empty()
                            && !is_null_key(&query.partition_by)
                        {
                            // After PARTITION BY, `*` is the new key, the value columns, then the
                            // old key columns (moved into the value).
                            let mut keyed = Vec::new();
                            for e in &query.partition_by {
                                let name = match e {
                                    Expr::Column { name, .. } => {
                                        keyed.push(name.clone());
                                        name.clone()
                                    }
                                    _ => {
                                        let name = format!("KSQL_COL_{synthetic}");
                                        synthetic += 1;
                                        name
                                    }
                                };
                                items.push(Item {
                                    name,
                                    expr: e.clone(),
                                });
                            }
                            let rest = scope
                                .columns
                                .iter()
                                .filter(|c| !c.is_pseudo && !c.is_key)
                                .chain(scope.columns.iter().filter(|c| c.is_key));
                            for c in rest.filter(|c| !keyed.contains(&c.name)) {
                                items.push(Item {
                                    name: c.name.clone(),
                                    expr: Expr::Column {
                                        source: Some(c.source.clone()),
                                        name: c.name.clone(),
                                    },
                                });
                            }
                            continue;
                        }
                        None
                    }
                };
                for c in scope
                    .columns
                    .iter()
                    .filter(|c| !c.is_pseudo && only.is_none_or(|a| &c.source == a))
                {
                    let name = if joined {
                        format!("{}_{}", c.source, c.name)
                    } else {
                        c.name.clone()
                    };
                    items.push(Item {
                        name,
                        expr: Expr::Column {
                            source: Some(c.source.clone()),
                            name: c.name.clone(),
                        },
                    });
                }
            }
            SelectItem::Expr { expr, alias } => {
                let name = match (alias, expr) {
                    (Some(a), _) => a.clone(),
                    // In a join a qualified column whose name both sources have is named after
                    // its source: `t.id` is T_ID; otherwise it keeps its name.
                    (
                        None,
                        Expr::Column {
                            source: Some(s),
                            name,
                        },
                    ) if joined
                        && scope
                            .columns
                            .iter()
                            .filter(|c| !c.source.is_empty() && &c.name == name)
                            .count()
                            > 1 =>
                    {
                        format!("{s}_{name}")
                    }
                    (None, Expr::Column { name, .. }) => name.clone(),
                    (None, _) => {
                        let mut name = format!("KSQL_COL_{synthetic}");
                        synthetic += 1;
                        while query.select.iter().any(
                            |i| matches!(i, SelectItem::Expr { alias: Some(a), .. } if *a == name),
                        ) {
                            name = format!("KSQL_COL_{synthetic}");
                            synthetic += 1;
                        }
                        name
                    }
                };
                items.push(Item {
                    name,
                    expr: expr.clone(),
                });
            }
        }
    }
    for (i, item) in items.iter().enumerate() {
        if items[..i].iter().any(|other| other.name == item.name) {
            return Err(SqlError::BadSchema(format!(
                "Duplicate value columns found in schema: `{}`",
                item.name
            )));
        }
    }
    Ok(items)
}

/// ROWTIME and the window bounds may name a key column, never a value column.
pub(super) fn check_value_names(columns: &[Column]) -> Result<(), SqlError> {
    match columns
        .iter()
        .find(|c| [ROWTIME, WINDOWSTART, WINDOWEND].contains(&c.name.as_str()))
    {
        Some(c) => Err(SqlError::BadSchema(format!(
            "Reserved column name in select: `{}`. Please remove or alias the column.",
            c.name
        ))),
        None => Ok(()),
    }
}

/// `PARTITION BY NULL`: the result has no key.
pub(super) fn is_null_key(partition_by: &[Expr]) -> bool {
    matches!(partition_by, [Expr::Literal(crate::types::Value::Null)])
}

pub(super) fn check_partition_by(partition_by: &[Expr]) -> Result<(), SqlError> {
    if partition_by.len() > 1
        && partition_by
            .iter()
            .any(|e| matches!(e, Expr::Literal(crate::types::Value::Null)))
    {
        return Err(SqlError::BadSchema(
            "Cannot PARTITION BY multiple columns including NULL".to_owned(),
        ));
    }
    Ok(())
}
