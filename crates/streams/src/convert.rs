//! sqlparser's expressions into ksqlDB's: only what ksqlDB has, names in their canonical case.

use sqlparser::ast::{
    self as sql, BinaryOperator, CastKind, FunctionArg, FunctionArgExpr, FunctionArguments, Ident,
    ObjectNamePart, UnaryOperator,
};

use crate::ast::{BinaryOp, Expr};
use crate::parser::number_literal;
use crate::types::{SqlType, Value};

/// An identifier's canonical name: unquoted ones are upper-cased.
fn name(ident: &Ident) -> String {
    match ident.quote_style {
        Some(_) => ident.value.clone(),
        None => ident.value.to_uppercase(),
    }
}

fn boxed(e: sql::Expr) -> Result<Box<Expr>, String> {
    convert_expr(e).map(Box::new)
}

/// Converts one expression; an error says what ksqlDB's dialect lacks.
pub(crate) fn convert_expr(e: sql::Expr) -> Result<Expr, String> {
    Ok(match e {
        sql::Expr::Identifier(ident) => Expr::Column {
            source: None,
            name: name(&ident),
        },
        sql::Expr::CompoundIdentifier(parts) => match parts.as_slice() {
            [source, column] => Expr::Column {
                source: Some(name(source)),
                name: name(column),
            },
            _ => {
                return Err(format!(
                    "unsupported column reference {}",
                    sql::Expr::CompoundIdentifier(parts)
                ))
            }
        },
        sql::Expr::Value(v) => Expr::Literal(match v.value {
            sql::Value::Number(n, _) => {
                number_literal(&n).ok_or_else(|| format!("not a number: {n}"))?
            }
            sql::Value::SingleQuotedString(s) => Value::String(s),
            sql::Value::Boolean(b) => Value::Boolean(b),
            sql::Value::Null => Value::Null,
            other => return Err(format!("unsupported literal {other}")),
        }),
        sql::Expr::Nested(inner) => convert_expr(*inner)?,
        sql::Expr::BinaryOp { left, op, right } => {
            let op = match op {
                BinaryOperator::Plus => BinaryOp::Add,
                BinaryOperator::Minus => BinaryOp::Subtract,
                BinaryOperator::Multiply => BinaryOp::Multiply,
                BinaryOperator::Divide => BinaryOp::Divide,
                BinaryOperator::Modulo => BinaryOp::Modulo,
                BinaryOperator::Eq => BinaryOp::Eq,
                BinaryOperator::NotEq => BinaryOp::NotEq,
                BinaryOperator::Lt => BinaryOp::Lt,
                BinaryOperator::LtEq => BinaryOp::LtEq,
                BinaryOperator::Gt => BinaryOp::Gt,
                BinaryOperator::GtEq => BinaryOp::GtEq,
                BinaryOperator::And => BinaryOp::And,
                BinaryOperator::Or => BinaryOp::Or,
                BinaryOperator::StringConcat => BinaryOp::Concat,
                other => return Err(format!("unsupported operator {other}")),
            };
            Expr::Binary {
                op,
                left: boxed(*left)?,
                right: boxed(*right)?,
            }
        }
        sql::Expr::UnaryOp { op, expr } => match op {
            UnaryOperator::Not => Expr::Not(boxed(*expr)?),
            UnaryOperator::Minus => match convert_expr(*expr)? {
                Expr::Literal(Value::Int(v)) => Expr::Literal(Value::Int(-v)),
                Expr::Literal(Value::BigInt(v)) => Expr::Literal(Value::BigInt(-v)),
                Expr::Literal(Value::Double(v)) => Expr::Literal(Value::Double(-v)),
                other => Expr::Negate(Box::new(other)),
            },
            UnaryOperator::Plus => convert_expr(*expr)?,
            other => return Err(format!("unsupported operator {other}")),
        },
        sql::Expr::IsNull(e) => Expr::IsNull {
            expr: boxed(*e)?,
            negated: false,
        },
        sql::Expr::IsNotNull(e) => Expr::IsNull {
            expr: boxed(*e)?,
            negated: true,
        },
        sql::Expr::Between {
            expr,
            negated,
            low,
            high,
        } => Expr::Between {
            expr: boxed(*expr)?,
            low: boxed(*low)?,
            high: boxed(*high)?,
            negated,
        },
        sql::Expr::In {
            expr,
            target: sql::InTarget::List(list),
            negated,
            global: false,
        } => Expr::InList {
            expr: boxed(*expr)?,
            list: list
                .into_iter()
                .map(convert_expr)
                .collect::<Result<_, _>>()?,
            negated,
        },
        sql::Expr::Like {
            negated,
            any: false,
            expr,
            pattern,
            escape_char,
        } => {
            let escape = match escape_char.map(|e| convert_expr(*e)) {
                None => None,
                Some(Ok(Expr::Literal(Value::String(s)))) if s.chars().count() == 1 => {
                    s.chars().next()
                }
                Some(_) => return Err("ESCAPE takes one character in quotes".to_owned()),
            };
            Expr::Like {
                expr: boxed(*expr)?,
                pattern: boxed(*pattern)?,
                escape,
                negated,
            }
        }
        sql::Expr::Case {
            operand,
            conditions,
            else_result,
            ..
        } => Expr::Case {
            operand: operand.map(|o| boxed(*o)).transpose()?,
            whens: conditions
                .into_iter()
                .map(|w| Ok((convert_expr(w.condition)?, convert_expr(w.result)?)))
                .collect::<Result<_, String>>()?,
            otherwise: else_result.map(|e| boxed(*e)).transpose()?,
        },
        sql::Expr::Cast {
            kind: CastKind::Cast,
            expr,
            data_type,
            format: None,
        } => {
            let text = data_type.to_string().to_uppercase();
            let ty = match text.as_str() {
                "BOOLEAN" => SqlType::Boolean,
                "INT" | "INTEGER" => SqlType::Int,
                "BIGINT" => SqlType::BigInt,
                "DOUBLE" => SqlType::Double,
                "STRING" | "VARCHAR" => SqlType::String,
                _ => return Err(format!("unsupported type {text}: Streamlab has BOOLEAN, INT, BIGINT, DOUBLE and STRING")),
            };
            Expr::Cast {
                expr: boxed(*expr)?,
                ty,
            }
        }
        sql::Expr::Substring {
            expr,
            substring_from,
            substring_for,
            ..
        } => {
            let mut args = vec![convert_expr(*expr)?];
            if let Some(from) = substring_from {
                args.push(convert_expr(*from)?);
            }
            if let Some(len) = substring_for {
                args.push(convert_expr(*len)?);
            }
            Expr::Function {
                name: "SUBSTRING".to_owned(),
                args,
                star: false,
            }
        }
        sql::Expr::Trim {
            expr,
            trim_where: None,
            trim_what: None,
            trim_characters: None,
        } => Expr::Function {
            name: "TRIM".to_owned(),
            args: vec![convert_expr(*expr)?],
            star: false,
        },
        sql::Expr::Ceil {
            expr,
            field: sql::CeilFloorKind::DateTimeField(sql::DateTimeField::NoDateTime),
        } => Expr::Function {
            name: "CEIL".to_owned(),
            args: vec![convert_expr(*expr)?],
            star: false,
        },
        sql::Expr::Floor {
            expr,
            field: sql::CeilFloorKind::DateTimeField(sql::DateTimeField::NoDateTime),
        } => Expr::Function {
            name: "FLOOR".to_owned(),
            args: vec![convert_expr(*expr)?],
            star: false,
        },
        sql::Expr::Function(f) => {
            let function_name = match f.name.0.as_slice() {
                [ObjectNamePart::Identifier(ident)] => ident.value.to_uppercase(),
                _ => return Err(format!("unsupported function name {}", f.name)),
            };
            let mut star = false;
            let mut args = Vec::new();
            match f.args {
                FunctionArguments::None => {}
                FunctionArguments::List(list) => {
                    if list.duplicate_treatment.is_some() || !list.clauses.is_empty() {
                        return Err(format!("unsupported arguments to {function_name}"));
                    }
                    for arg in list.args {
                        match arg {
                            FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) => {
                                args.push(convert_expr(e)?)
                            }
                            FunctionArg::Unnamed(FunctionArgExpr::Wildcard) => star = true,
                            other => return Err(format!("unsupported argument {other}")),
                        }
                    }
                }
                FunctionArguments::Subquery(_) => {
                    return Err("subqueries are not supported".to_owned())
                }
            }
            if f.filter.is_some() || f.over.is_some() || !f.within_group.is_empty() {
                return Err(format!("unsupported clause on {function_name}"));
            }
            Expr::Function {
                name: function_name,
                args,
                star,
            }
        }
        other => return Err(format!("unsupported expression {other}")),
    })
}
