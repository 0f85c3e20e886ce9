//! Planning a SELECT: its columns typed against the source, its output schema named as ksqlDB
//! names it (aliases, column names, `KSQL_COL_n`), and which of its columns form the key.

use crate::aggregate::{AggregateCall, AggregateFunction};
use crate::ast::{Emit, Expr, Query, SelectItem, SourceKind, WindowKind, WindowSpec};
use crate::catalog::{SourceDef, WindowType};
use crate::error::SqlError;
use crate::expr::{compile, Typed};
use crate::schema::{Column, Schema, Scope, ScopeColumn, ROWTIME, WINDOWEND, WINDOWSTART};
use crate::types::SqlType;

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
    Aggregate(Box<AggregatePlan>),
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
}

/// A named output column with its expression, before it is split into key and value.
struct Item {
    name: String,
    expr: Expr,
}

/// Names the select list: aliases, then plain column names, then `KSQL_COL_n` in order.
fn name_items(query: &Query, scope: &Scope) -> Result<Vec<Item>, SqlError> {
    let mut items = Vec::new();
    let mut synthetic = 0;
    let joined = {
        let mut sources: Vec<&str> = scope.columns.iter().map(|c| c.source.as_str()).collect();
        sources.dedup();
        sources.len() > 1
    };
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
                    _ => None,
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
        if [ROWTIME, WINDOWSTART, WINDOWEND].contains(&item.name.as_str()) {
            return Err(SqlError::BadSchema(format!(
                "Reserved column name in select: `{}`. Please remove or alias the column.",
                item.name
            )));
        }
        if items[..i].iter().any(|other| other.name == item.name) {
            return Err(SqlError::BadSchema(format!(
                "Duplicate value columns found in schema: `{}`",
                item.name
            )));
        }
    }
    Ok(items)
}

fn contains_aggregate(e: &Expr) -> bool {
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

fn visit(e: &Expr, f: &mut dyn FnMut(&Expr)) {
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

/// Plans `query` over `source`; `sink` names the new source for error messages.
pub fn plan_query(query: &Query, source: &SourceDef, sink: &str) -> Result<QueryPlan, SqlError> {
    if !query.from.joins.is_empty() {
        return Err(SqlError::Unsupported(
            "Joins are not supported by Streamlab's engine yet: a query reads one stream or table"
                .to_owned(),
        ));
    }
    let alias = &query.from.source.alias;
    let scope = Scope::of_source(alias, &source.schema, source.window.is_some());
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
                    reason: "Type error in WHERE expression: should evaluate to boolean but is"
                        .to_owned()
                        + &format!(" {}.", t.ty.map_or("NULL".to_owned(), |t| t.to_string())),
                });
            }
            Ok(t)
        })
        .transpose()?;
    let items = name_items(query, &scope)?;
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
    if aggregating {
        if !query.partition_by.is_empty() {
            return Err(SqlError::BadAggregation(
                "PARTITION BY is not supported together with GROUP BY".to_owned(),
            ));
        }
        return plan_aggregate(query, source, scope, filter, items, sink);
    }
    if !query.partition_by.is_empty() && source.kind == SourceKind::Table {
        return Err(SqlError::Unsupported(
            "PARTITION BY can only be used with STREAMS: a table's key is its primary key"
                .to_owned(),
        ));
    }
    let (key_exprs, rekeyed) = if query.partition_by.is_empty() {
        let key = scope
            .columns
            .iter()
            .enumerate()
            .filter(|(_, c)| c.is_key)
            .map(|(i, c)| Typed {
                node: crate::expr::Node::Column(i),
                ty: Some(c.ty),
            })
            .collect::<Vec<_>>();
        (key, false)
    } else {
        let key = query
            .partition_by
            .iter()
            .map(|e| compile(e, &scope, "PARTITION BY"))
            .collect::<Result<Vec<_>, _>>()?;
        (key, true)
    };
    let mut key_cols: Vec<Option<Column>> = vec![None; key_exprs.len()];
    let mut value_cols = Vec::new();
    let mut value_exprs = Vec::new();
    for item in &items {
        let t = compile(&item.expr, &scope, "SELECT")?;
        let ty = t.ty.ok_or_else(|| SqlError::BadSchema(format!("Can't infer a type of null. Please explicitly cast it to a required type, e.g. CAST(null AS VARCHAR). ({})", item.name)))?;
        if let Some(k) = key_exprs.iter().position(|k| *k == t) {
            if let Some(first) = &key_cols[k] {
                let column = describe_key(&key_exprs[k], &scope, query);
                return Err(SqlError::BadSchema(format!(
                    "The projection contains a key column (`{column}`) more than once, aliased as: {} and {}.",
                    first.name, item.name
                )));
            }
            key_cols[k] = Some(Column::new(item.name.clone(), ty));
            continue;
        }
        value_cols.push(Column::new(item.name.clone(), ty));
        value_exprs.push(t);
    }
    let missing: Vec<String> = key_cols
        .iter()
        .zip(&key_exprs)
        .filter(|(c, _)| c.is_none())
        .map(|(_, k)| describe_key(k, &scope, query))
        .collect();
    if !missing.is_empty() {
        return Err(SqlError::KeyMissingFromProjection {
            sink: sink.to_owned(),
            what: if rekeyed {
                "partitioning expression"
            } else {
                "key column"
            },
            columns: missing.join(", "),
        });
    }
    let key_cols: Vec<Column> = key_cols.into_iter().flatten().collect();
    if value_cols.is_empty() {
        return Err(SqlError::BadSchema(
            "The projection contains no value columns.".to_owned(),
        ));
    }
    Ok(QueryPlan {
        output: Schema {
            key: key_cols,
            value: value_cols,
        },
        output_kind: source.kind,
        output_window: source.window,
        source: source.clone(),
        scope,
        filter,
        kind: PlanKind::Project {
            key: key_exprs,
            value: value_exprs,
            rekeyed,
        },
    })
}

fn describe_key(k: &Typed, scope: &Scope, query: &Query) -> String {
    match &k.node {
        crate::expr::Node::Column(i) => scope.columns[*i].name.clone(),
        _ => query
            .partition_by
            .iter()
            .map(|e| e.to_string())
            .collect::<Vec<_>>()
            .join(", "),
    }
}

/// The aggregated row's scope: `$K<n>` per grouping expression, `$A<n>` per aggregate, then
/// ROWTIME, WINDOWSTART and WINDOWEND.
fn aggregated_scope(group: &[Typed], aggregates: &[AggregateCall], windowed: bool) -> Scope {
    let mut columns = Vec::new();
    let col = |name: String, ty: SqlType, is_key: bool, is_pseudo: bool| ScopeColumn {
        source: "$".to_owned(),
        name,
        ty,
        is_key,
        is_pseudo,
    };
    for (i, g) in group.iter().enumerate() {
        columns.push(col(
            format!("$K{i}"),
            g.ty.unwrap_or(SqlType::String),
            true,
            false,
        ));
    }
    for (i, a) in aggregates.iter().enumerate() {
        columns.push(col(format!("$A{i}"), a.ty, false, false));
    }
    columns.push(col(ROWTIME.to_owned(), SqlType::BigInt, false, true));
    if windowed {
        columns.push(col(WINDOWSTART.to_owned(), SqlType::BigInt, false, true));
        columns.push(col(WINDOWEND.to_owned(), SqlType::BigInt, false, true));
    }
    Scope { columns }
}

struct Rewriter<'a> {
    scope: &'a Scope,
    group: &'a [Typed],
    aggregates: Vec<(Expr, AggregateCall)>,
    error: Option<SqlError>,
    table_source: bool,
}

impl Rewriter<'_> {
    fn column(name: String) -> Expr {
        Expr::Column {
            source: Some("$".to_owned()),
            name,
        }
    }

    /// Replaces grouping expressions by `$K<n>` and aggregate calls by `$A<n>`.
    fn rewrite(&mut self, e: &Expr) -> Expr {
        if let Expr::Function { name, args, star } = e {
            if let Some(function) = AggregateFunction::from_name(name) {
                if let Some(i) = self.aggregates.iter().position(|(x, _)| x == e) {
                    return Self::column(format!("$A{i}"));
                }
                let by_offset = matches!(
                    function,
                    AggregateFunction::LatestByOffset | AggregateFunction::EarliestByOffset
                );
                let (args, ignore_nulls) = match args.as_slice() {
                    [a, Expr::Literal(crate::types::Value::Boolean(b))] if by_offset => {
                        (std::slice::from_ref(a), *b)
                    }
                    all => (all, true),
                };
                let arg = match (args, star) {
                    ([], _) | (_, true) if function == AggregateFunction::Count => None,
                    ([a], false) => {
                        if contains_aggregate(a) {
                            self.error.get_or_insert(SqlError::BadAggregation(format!(
                                "Aggregate functions can not be nested: {e}"
                            )));
                            return e.clone();
                        }
                        match compile(a, self.scope, "SELECT") {
                            Ok(t) => Some(t),
                            Err(err) => {
                                self.error.get_or_insert(err);
                                return e.clone();
                            }
                        }
                    }
                    _ => {
                        self.error.get_or_insert(SqlError::BadArguments {
                            name: name.clone(),
                            args: format!("{} arguments", args.len()),
                        });
                        return e.clone();
                    }
                };
                if self.table_source && !function.supports_tables() {
                    self.error.get_or_insert(SqlError::BadAggregation(format!(
                        "The aggregation function(s) ({name}) cannot be applied to a table source, only to a stream source."
                    )));
                }
                match function.result_type(arg.as_ref().and_then(|a| a.ty)) {
                    Ok(ty) => {
                        self.aggregates.push((
                            e.clone(),
                            AggregateCall {
                                function,
                                arg,
                                ty,
                                ignore_nulls,
                            },
                        ));
                        return Self::column(format!("$A{}", self.aggregates.len() - 1));
                    }
                    Err(err) => {
                        self.error.get_or_insert(err);
                        return e.clone();
                    }
                }
            }
        }
        if let Ok(t) = compile(e, self.scope, "SELECT") {
            if let Some(i) = self.group.iter().position(|g| *g == t) {
                return Self::column(format!("$K{i}"));
            }
        }
        let r = |s: &mut Self, x: &Expr| Box::new(s.rewrite(x));
        match e {
            // ROWTIME and the window bounds are the aggregated row's own, whatever the alias.
            Expr::Column {
                source: Some(_),
                name,
            } if [ROWTIME, WINDOWSTART, WINDOWEND].contains(&name.as_str()) => Expr::Column {
                source: None,
                name: name.clone(),
            },
            Expr::Column { .. } | Expr::Literal(_) => e.clone(),
            Expr::Binary { op, left, right } => Expr::Binary {
                op: *op,
                left: r(self, left),
                right: r(self, right),
            },
            Expr::Not(x) => Expr::Not(r(self, x)),
            Expr::Negate(x) => Expr::Negate(r(self, x)),
            Expr::IsNull { expr, negated } => Expr::IsNull {
                expr: r(self, expr),
                negated: *negated,
            },
            Expr::Cast { expr, ty } => Expr::Cast {
                expr: r(self, expr),
                ty: *ty,
            },
            Expr::Between {
                expr,
                low,
                high,
                negated,
            } => Expr::Between {
                expr: r(self, expr),
                low: r(self, low),
                high: r(self, high),
                negated: *negated,
            },
            Expr::InList {
                expr,
                list,
                negated,
            } => Expr::InList {
                expr: r(self, expr),
                list: list.iter().map(|x| self.rewrite(x)).collect(),
                negated: *negated,
            },
            Expr::Like {
                expr,
                pattern,
                escape,
                negated,
            } => Expr::Like {
                expr: r(self, expr),
                pattern: r(self, pattern),
                escape: *escape,
                negated: *negated,
            },
            Expr::Case {
                operand,
                whens,
                otherwise,
            } => Expr::Case {
                operand: operand.as_ref().map(|o| r(self, o)),
                whens: whens
                    .iter()
                    .map(|(w, t)| (self.rewrite(w), self.rewrite(t)))
                    .collect(),
                otherwise: otherwise.as_ref().map(|o| r(self, o)),
            },
            Expr::Function { name, args, star } => Expr::Function {
                name: name.clone(),
                args: args.iter().map(|x| self.rewrite(x)).collect(),
                star: *star,
            },
        }
    }
}

fn plan_aggregate(
    query: &Query,
    source: &SourceDef,
    scope: Scope,
    filter: Option<Typed>,
    items: Vec<Item>,
    sink: &str,
) -> Result<QueryPlan, SqlError> {
    if query.group_by.is_empty() {
        return Err(SqlError::BadAggregation(
            "Aggregate functions need a GROUP BY clause in a persistent query.".to_owned(),
        ));
    }
    let group = query
        .group_by
        .iter()
        .map(|e| {
            if contains_aggregate(e) {
                return Err(SqlError::BadAggregation(format!(
                    "GROUP BY does not support aggregate functions: {e} is an aggregate function."
                )));
            }
            compile(e, &scope, "GROUP BY")
        })
        .collect::<Result<Vec<_>, _>>()?;
    if let Some(w) = &query.window {
        let sizes = match w.kind {
            WindowKind::Tumbling { size_ms } => vec![size_ms],
            WindowKind::Hopping {
                size_ms,
                advance_ms,
            } => {
                if advance_ms > size_ms {
                    return Err(SqlError::BadAggregation(format!(
                        "A HOPPING window's ADVANCE BY ({advance_ms} ms) must not exceed its SIZE ({size_ms} ms)"
                    )));
                }
                vec![size_ms, advance_ms]
            }
            WindowKind::Session { gap_ms } => vec![gap_ms],
        };
        if sizes.iter().any(|s| *s <= 0) {
            return Err(SqlError::BadAggregation(
                "A window's size, advance and gap must be positive".to_owned(),
            ));
        }
    }
    let mut rw = Rewriter {
        scope: &scope,
        group: &group,
        aggregates: Vec::new(),
        error: None,
        table_source: source.kind == SourceKind::Table,
    };
    let rewritten: Vec<(String, Expr)> = items
        .iter()
        .map(|i| (i.name.clone(), rw.rewrite(&i.expr)))
        .collect();
    let having = query.having.as_ref().map(|h| rw.rewrite(h));
    if let Some(e) = rw.error.take() {
        return Err(e);
    }
    let aggregates: Vec<AggregateCall> = rw.aggregates.into_iter().map(|(_, a)| a).collect();
    if source.value_format == crate::format::ValueFormat::Delimited
        && aggregates
            .iter()
            .any(|a| a.function == AggregateFunction::Avg)
    {
        // AVG keeps a sum and a count: a STRUCT, which DELIMITED cannot hold in the changelog.
        return Err(SqlError::BadAggregation(
            "One of the functions used in the statement has an intermediate type that the value format can not handle. Please remove the function or change the format.".to_owned(),
        ));
    }
    let post = aggregated_scope(&group, &aggregates, query.window.is_some());
    let non_aggregate = |e: SqlError, original: &str| match e {
        SqlError::UnknownColumn { .. } => SqlError::BadAggregation(format!(
            "Non-aggregate SELECT expression(s) not part of GROUP BY: {original}"
        )),
        other => other,
    };
    let mut key_cols: Vec<Option<Column>> = vec![None; group.len()];
    let mut value_cols = Vec::new();
    let mut value = Vec::new();
    for ((name, expr), item) in rewritten.iter().zip(&items) {
        if let Expr::Column {
            source: Some(s),
            name: col,
        } = expr
        {
            if s == "$" {
                if let Some(k) = col.strip_prefix("$K").and_then(|n| n.parse::<usize>().ok()) {
                    if let Some(first) = &key_cols[k] {
                        return Err(SqlError::BadSchema(format!(
                            "The projection contains a key column more than once: `{}` and `{name}`.",
                            first.name
                        )));
                    }
                    key_cols[k] = Some(Column::new(
                        name.clone(),
                        group[k].ty.unwrap_or(SqlType::String),
                    ));
                    continue;
                }
            }
        }
        let t =
            compile(expr, &post, "SELECT").map_err(|e| non_aggregate(e, &item.expr.to_string()))?;
        let ty = t
            .ty
            .ok_or_else(|| SqlError::BadSchema(format!("Can't infer a type of null for {name}")))?;
        value_cols.push(Column::new(name.clone(), ty));
        value.push(t);
    }
    let missing: Vec<String> = key_cols
        .iter()
        .zip(&query.group_by)
        .filter(|(c, _)| c.is_none())
        .map(|(_, g)| g.to_string())
        .collect();
    if !missing.is_empty() {
        return Err(SqlError::KeyMissingFromProjection {
            sink: sink.to_owned(),
            what: "grouping expression",
            columns: missing.join(", "),
        });
    }
    if value_cols.is_empty() {
        return Err(SqlError::BadSchema(
            "The projection contains no value columns.".to_owned(),
        ));
    }
    let having = having
        .map(|h| {
            let original = query
                .having
                .as_ref()
                .map(|x| x.to_string())
                .unwrap_or_default();
            compile(&h, &post, "HAVING").map_err(|e| non_aggregate(e, &original))
        })
        .transpose()?;
    let output_window = query.window.map(|w| match w.kind {
        WindowKind::Session { .. } => WindowType::Session,
        _ => WindowType::Time,
    });
    Ok(QueryPlan {
        source: source.clone(),
        scope,
        filter,
        kind: PlanKind::Aggregate(Box::new(AggregatePlan {
            group,
            aggregates,
            value,
            having,
            window: query.window,
            emit_final: query.emit == Emit::Final,
        })),
        output: Schema {
            key: key_cols.into_iter().flatten().collect(),
            value: value_cols,
        },
        output_kind: SourceKind::Table,
        output_window,
    })
}

/// A pull query's columns: names and expressions over the table's rows.
pub(crate) fn pull_items(query: &Query, scope: &Scope) -> Result<Vec<(String, Typed)>, SqlError> {
    name_items(query, scope)?
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
