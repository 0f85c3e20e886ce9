//! Planning a SELECT: its columns typed against the source, its output schema named as ksqlDB
//! names it (aliases, column names, `KSQL_COL_n`), and which of its columns form the key.

use crate::aggregate::{AggregateCall, AggregateFunction};
use crate::ast::{Emit, Expr, Query, SelectItem, SourceKind, WindowKind, WindowSpec};
use crate::catalog::{SourceDef, WindowType};
use crate::error::SqlError;
use crate::expr::{compile, Typed};
use crate::join::{plan_join, JoinPlan, JoinShape};
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
    /// The join, when the query joins two sources (`source` is its left side).
    pub join: Option<JoinPlan>,
}

/// A named output column with its expression, before it is split into key and value.
struct Item {
    name: String,
    expr: Expr,
}

/// Names the select list: aliases, then plain column names, then `KSQL_COL_n` in order.
fn name_items(
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
fn check_value_names(columns: &[Column]) -> Result<(), SqlError> {
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
fn is_null_key(partition_by: &[Expr]) -> bool {
    matches!(partition_by, [Expr::Literal(crate::types::Value::Null)])
}

fn check_partition_by(partition_by: &[Expr]) -> Result<(), SqlError> {
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

/// Plans `query` over `source` (and, for a join, `right`); `sink` names the new source for
/// error messages.
pub fn plan_query(
    query: &Query,
    source: &SourceDef,
    right: Option<&SourceDef>,
    sink: &str,
) -> Result<QueryPlan, SqlError> {
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
        let mut plan = plan_aggregate(query, source, input_kind, scope, filter, items, sink)?;
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
    })
}

fn describe_key(k: &Typed, scope: &Scope, query: &Query) -> String {
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
    input_kind: SourceKind,
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
    // A function that does not exist is named as such, whatever else is wrong around it.
    for e in items.iter().map(|i| &i.expr).chain(query.having.as_ref()) {
        let mut unknown = None;
        visit(e, &mut |x| {
            if let Expr::Function { name, .. } = x {
                if unknown.is_none()
                    && !crate::aggregate::is_aggregate(name)
                    && !crate::functions::exists(name)
                {
                    unknown = Some(name.clone());
                }
            }
        });
        if let Some(name) = unknown {
            return Err(SqlError::UnknownFunction(name));
        }
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
    for (i, g) in group.iter().enumerate() {
        if group[..i].contains(g) {
            return Err(SqlError::BadAggregation(format!(
                "Duplicate GROUP BY expression: {}",
                query.group_by[i]
            )));
        }
    }
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
        table_source: input_kind == SourceKind::Table,
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
    if aggregates.is_empty() {
        return Err(SqlError::BadAggregation(
            "GROUP BY requires aggregate functions in either the SELECT or HAVING clause."
                .to_owned(),
        ));
    }
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
    // Errors name the expression as written, never the aggregated row's own `$` columns.
    let non_aggregate = |e: SqlError, original: &str| match e {
        SqlError::UnknownColumn { .. } => SqlError::BadAggregation(format!(
            "Non-aggregate SELECT expression(s) not part of GROUP BY: {original}"
        )),
        SqlError::TypeMismatch { reason, .. } => SqlError::TypeMismatch {
            expression: original.to_owned(),
            reason,
        },
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
            example: missing[0].clone(),
        });
    }
    if value_cols.is_empty() {
        return Err(SqlError::BadSchema(
            "The projection contains no value columns.".to_owned(),
        ));
    }
    check_value_names(&value_cols)?;
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
        join: None,
    })
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
