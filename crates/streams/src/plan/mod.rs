//! Planning a SELECT: its columns typed against the source, its output schema named as ksqlDB
//! names it (aliases, column names, `KSQL_COL_n`), and which of its columns form the key.
//! `names` names the select list; `aggregate` plans GROUP BY.

mod aggregate;
mod names;

use crate::aggregate::AggregateCall;
use crate::ast::{contains_aggregate, Emit, Query, SourceKind, WindowSpec};
use crate::catalog::{SourceDef, WindowType};
use crate::error::SqlError;
use crate::expr::{compile, Typed};
use crate::join::{plan_join, JoinPlan, JoinShape};
use crate::schema::{Column, Schema, Scope};
use crate::types::SqlType;

use aggregate::plan_aggregate;
use names::{check_partition_by, check_value_names, is_null_key, name_items};

/// What a query does with each input row.
#[derive(Debug, Clone, PartialEq)]
pub enum PlanKind {
    /// Filter and project (and, with PARTITION BY, re-key).
    Project {
        /// The output key, over the input row.
        key: Vec<Typed>,
        /// The output value columns, over the input row.
        value: Vec<Typed>,
        /// Whether PARTITION BY changed the key.
        rekeyed: bool,
    },
    /// GROUP BY with aggregates, optionally windowed.
    Aggregate(std::rc::Rc<AggregatePlan>),
}

/// A GROUP BY.
#[derive(Debug, Clone, PartialEq)]
pub struct AggregatePlan {
    /// The grouping expressions, over the input row.
    pub group: Vec<Typed>,
    /// The aggregates, their arguments over the input row.
    pub aggregates: Vec<AggregateCall>,
    /// The output value columns, over the aggregated row (group values, aggregate results,
    /// ROWTIME, WINDOWSTART, WINDOWEND).
    pub value: Vec<Typed>,
    /// `HAVING`, over the aggregated row.
    pub having: Option<Typed>,
    /// The window.
    pub window: Option<WindowSpec>,
    /// `EMIT FINAL`: a window's result only once it closes.
    pub emit_final: bool,
}

/// A planned query.
#[derive(Debug, Clone, PartialEq)]
pub struct QueryPlan {
    /// The source read.
    pub source: SourceDef,
    /// The columns of an input row.
    pub scope: Scope,
    /// `WHERE`, over the input row.
    pub filter: Option<Typed>,
    /// Projection or aggregation.
    pub kind: PlanKind,
    /// The output's key and value columns.
    pub output: Schema,
    /// Whether the output is a stream or a table.
    pub output_kind: SourceKind,
    /// The output's windowing.
    pub output_window: Option<WindowType>,
    /// The join, when the query joins two sources (`source` is its left side).
    pub join: Option<JoinPlan>,
    /// Its clauses as written, to name the nodes of its topology.
    pub clauses: Clauses,
    /// Output key columns the SELECT list did not name: a push query (which writes no topic)
    /// may leave the key out, as ksqlDB's transient queries may; its rows do not show them.
    pub hidden: Vec<String>,
}

/// A query's clauses as the user wrote them.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Clauses {
    /// `WHERE`.
    pub filter: Option<String>,
    /// `GROUP BY`'s expressions.
    pub group_by: Vec<String>,
    /// `PARTITION BY`'s expressions.
    pub partition_by: Vec<String>,
}

impl Clauses {
    /// The clauses of `query`.
    pub fn of(query: &Query) -> Clauses {
        let texts = |exprs: &[crate::ast::Expr]| exprs.iter().map(|e| e.to_string()).collect();
        Clauses {
            filter: query.filter.as_ref().map(|f| f.to_string()),
            group_by: texts(&query.group_by),
            partition_by: texts(&query.partition_by),
        }
    }
}

/// What a planned query writes.
#[derive(Debug, Clone, Copy)]
pub struct Target<'a> {
    /// The new source's name, for error messages.
    pub name: &'a str,
    /// A push query: it writes no topic and need not select its key.
    pub transient: bool,
}

/// Plans `query` over `source` (and, for a join, `right`) for `target`.
pub fn plan_query(
    query: &Query,
    source: &SourceDef,
    right: Option<&SourceDef>,
    target: Target<'_>,
) -> Result<QueryPlan, SqlError> {
    let (sink, transient) = (target.name, target.transient);
    let (scope, join, join_keys, synthetic_name) = match right {
        Some(right) => {
            let p = plan_join(query, source, right)?;
            let mut keys = p.key_names;
            keys.insert(0, p.rowkey);
            (p.scope, Some(p.plan), keys, p.synthetic_name)
        }
        None => {
            if !query.from.joins.is_empty() {
                return Err(SqlError::UnknownSource(
                    query.from.joins[0].source.name.clone(),
                ));
            }
            let alias = &query.from.source.alias;
            (
                Scope::of_source(alias, &source.schema, source.window.is_some()),
                None,
                Vec::new(),
                None,
            )
        }
    };
    let filter = query
        .filter
        .as_ref()
        .map(|f| {
            if contains_aggregate(f) {
                return Err(SqlError::BadAggregation(format!(
                    "WHERE clause can not contain aggregate functions: {f}"
                )));
            }
            let t = compile(f, &scope, "WHERE")?;
            if !matches!(t.ty, Some(SqlType::Boolean) | None) {
                return Err(SqlError::TypeMismatch {
                    expression: f.to_string(),
                    reason: format!(
                        "Type error in WHERE expression: should evaluate to boolean but is {}.",
                        t.ty.map_or("NULL".to_owned(), |t| t.to_string())
                    ),
                });
            }
            Ok(t)
        })
        .transpose()?;
    check_partition_by(&query.partition_by)?;
    let items = name_items(query, &scope, join.is_some(), synthetic_name.as_deref())?;
    let aggregating =
        !query.group_by.is_empty() || items.iter().any(|i| contains_aggregate(&i.expr));
    if query.emit == Emit::Final && query.window.is_none() {
        return Err(SqlError::EmitFinalWithoutWindow);
    }
    if query.window.is_some() && !aggregating {
        return Err(SqlError::BadAggregation(
            "WINDOW clause requires a GROUP BY clause.".to_owned(),
        ));
    }
    if query.having.is_some() && !aggregating {
        return Err(SqlError::BadAggregation(
            "HAVING clause requires a GROUP BY clause.".to_owned(),
        ));
    }
    let input_kind = match &join {
        Some(j) if j.shape == JoinShape::TableTable => SourceKind::Table,
        Some(_) => SourceKind::Stream,
        None => source.kind,
    };
    if aggregating {
        if !query.partition_by.is_empty() {
            return Err(SqlError::BadAggregation(
                "PARTITION BY is not supported together with GROUP BY".to_owned(),
            ));
        }
        if input_kind == SourceKind::Table && join.is_some() {
            return Err(SqlError::NotYet(
                "Aggregating a table-table join in the same query: make the join a table first"
                    .to_owned(),
            ));
        }
        let mut plan = plan_aggregate(query, source, input_kind, scope, filter, items, target)?;
        plan.join = join;
        return Ok(plan);
    }
    if !query.partition_by.is_empty() && input_kind == SourceKind::Table {
        return Err(SqlError::Unsupported(
            "PARTITION BY can only be used with STREAMS: a table's key is its primary key"
                .to_owned(),
        ));
    }
    // The key: each entry lists the expressions that may name it in the projection.
    let (key_exprs, candidates, what) = if is_null_key(&query.partition_by) {
        (Vec::new(), Vec::new(), "partitioning expression")
    } else if !query.partition_by.is_empty() {
        let key = query
            .partition_by
            .iter()
            .map(|e| compile(e, &scope, "PARTITION BY"))
            .collect::<Result<Vec<_>, _>>()?;
        let candidates = key.iter().map(|k| vec![k.clone()]).collect();
        (key, candidates, "partitioning expression")
    } else if join.is_some() {
        // join_keys: the ROWKEY column (the key's value), then the names preferred first.
        (
            vec![join_keys[0].clone()],
            vec![join_keys[1..].to_vec()],
            "join expression",
        )
    } else {
        let key: Vec<Typed> = scope
            .columns
            .iter()
            .enumerate()
            .filter(|(_, c)| c.is_key)
            .map(|(i, c)| Typed {
                node: crate::expr::Node::Column(i),
                ty: Some(c.ty),
            })
            .collect();
        let candidates = key.iter().map(|k| vec![k.clone()]).collect();
        (key, candidates, "key column")
    };
    // Each key column is the first item naming the most preferred of its candidates.
    let typed: Vec<Typed> = items
        .iter()
        .map(|item| {
            let t = compile(&item.expr, &scope, "SELECT")?;
            if t.ty.is_none() {
                return Err(SqlError::BadSchema(format!(
                    "Can't infer a type of null. Please explicitly cast it to a required type, e.g. CAST(null AS VARCHAR). ({})",
                    item.name
                )));
            }
            Ok(t)
        })
        .collect::<Result<_, SqlError>>()?;
    let chosen: Vec<Option<usize>> = candidates
        .iter()
        .map(|c: &Vec<Typed>| {
            c.iter()
                .find_map(|cand| typed.iter().position(|t| t == cand))
        })
        .collect();
    let mut key_cols: Vec<Option<(Column, Typed)>> = vec![None; key_exprs.len()];
    let mut value_cols = Vec::new();
    let mut value_exprs = Vec::new();
    for (i, (item, t)) in items.iter().zip(&typed).enumerate() {
        let ty = t.ty.unwrap_or(SqlType::String);
        if let Some(k) = chosen.iter().position(|c| *c == Some(i)) {
            key_cols[k] = Some((Column::new(item.name.clone(), ty), t.clone()));
            continue;
        }
        if let Some(k) = chosen
            .iter()
            .position(|c| c.is_some_and(|j| typed[j] == *t))
        {
            let first = chosen[k].map(|j| items[j].name.clone()).unwrap_or_default();
            let mut names = [first, item.name.clone()];
            names.sort();
            return Err(SqlError::BadSchema(format!(
                "The projection contains a key column (`{}`) more than once, aliased as: {} and {}.",
                describe_key(t, &scope, query),
                names[0],
                names[1]
            )));
        }
        value_cols.push(Column::new(item.name.clone(), ty));
        value_exprs.push(t.clone());
    }
    let mut hidden = Vec::new();
    if transient {
        // The key the user left out is still computed (it keys the output), but not shown.
        for (k, c) in candidates.iter().enumerate() {
            if let (None, Some(first)) = (&key_cols[k], c.first()) {
                let name = describe_key(first, &scope, query);
                let ty = first.ty.unwrap_or(SqlType::String);
                hidden.push(name.clone());
                key_cols[k] = Some((Column::new(name, ty), first.clone()));
            }
        }
    }
    let missing: Vec<String> = key_cols
        .iter()
        .zip(&candidates)
        .filter(|(c, _)| c.is_none())
        .map(|(_, k)| {
            k.iter()
                .map(|e| describe_key(e, &scope, query))
                .collect::<Vec<_>>()
                .join(" or ")
        })
        .collect();
    if !missing.is_empty() {
        let example = missing[0]
            .split(" or ")
            .next()
            .unwrap_or_default()
            .to_owned();
        return Err(SqlError::KeyMissingFromProjection {
            sink: sink.to_owned(),
            what,
            columns: missing.join(", "),
            example,
        });
    }
    let key_cols: Vec<Column> = key_cols.into_iter().flatten().map(|(c, _)| c).collect();
    if value_cols.is_empty() {
        return Err(SqlError::BadSchema(
            "The projection contains no value columns.".to_owned(),
        ));
    }
    check_value_names(&value_cols)?;
    Ok(QueryPlan {
        output: Schema {
            key: key_cols,
            value: value_cols,
        },
        output_kind: input_kind,
        output_window: if join.is_some() { None } else { source.window },
        source: source.clone(),
        scope,
        filter,
        kind: PlanKind::Project {
            key: key_exprs,
            value: value_exprs,
            rekeyed: !query.partition_by.is_empty(),
        },
        join,
        clauses: Clauses::of(query),
        hidden,
    })
}

pub(crate) fn describe_key(k: &Typed, scope: &Scope, query: &Query) -> String {
    match &k.node {
        crate::expr::Node::Column(i)
            if !query.from.joins.is_empty() && !scope.columns[*i].source.is_empty() =>
        {
            format!("{}.{}", scope.columns[*i].source, scope.columns[*i].name)
        }
        crate::expr::Node::Column(i) => scope.columns[*i].name.clone(),
        _ => query
            .partition_by
            .iter()
            .map(|e| e.to_string())
            .collect::<Vec<_>>()
            .join(", "),
    }
}

/// A pull query's columns: names and expressions over the table's rows.
pub(crate) fn pull_items(query: &Query, scope: &Scope) -> Result<Vec<(String, Typed)>, SqlError> {
    name_items(query, scope, false, None)?
        .into_iter()
        .map(|i| {
            if contains_aggregate(&i.expr) {
                return Err(SqlError::BadPullQuery(
                    "Pull queries don't support aggregate functions.".to_owned(),
                ));
            }
            Ok((i.name, compile(&i.expr, scope, "SELECT")?))
        })
        .collect()
}
