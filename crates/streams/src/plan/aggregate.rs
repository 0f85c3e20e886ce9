//! Planning GROUP BY: the grouping expressions, the aggregates (deduplicated, typed against the
//! input rows), and the select list and HAVING rewritten over the aggregated row.

use crate::aggregate::{AggregateCall, AggregateFunction};
use crate::ast::{contains_aggregate, visit, Emit, Expr, Query, SourceKind, WindowKind};
use crate::catalog::{SourceDef, WindowType};
use crate::error::SqlError;
use crate::expr::{compile, Typed};
use crate::schema::{Column, Schema, Scope, ScopeColumn, ROWTIME, WINDOWEND, WINDOWSTART};
use crate::types::SqlType;

use super::names::{check_value_names, Item};
use super::{AggregatePlan, PlanKind, QueryPlan};

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

pub(super) fn plan_aggregate(
    query: &Query,
    source: &SourceDef,
    input_kind: SourceKind,
    scope: Scope,
    filter: Option<Typed>,
    items: Vec<Item>,
    target: super::Target<'_>,
) -> Result<QueryPlan, SqlError> {
    let (sink, transient) = (target.name, target.transient);
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
    let mut hidden = Vec::new();
    if transient {
        // A push query may leave the grouping out; its rows are still grouped by it.
        for (k, g) in query.group_by.iter().enumerate() {
            if key_cols[k].is_none() {
                let name = g.to_string();
                hidden.push(name.clone());
                key_cols[k] = Some(Column::new(name, group[k].ty.unwrap_or(SqlType::String)));
            }
        }
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
        kind: PlanKind::Aggregate(std::rc::Rc::new(AggregatePlan {
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
        clauses: super::Clauses::of(query),
        hidden,
    })
}
