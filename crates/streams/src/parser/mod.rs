//! ksqlDB's statements over sqlparser: its tokenizer and expression parser (with a dialect that
//! quotes identifiers with backticks or double quotes), and the statement shapes ksqlDB adds
//! (`CREATE STREAM … WITH (…)`, `EMIT CHANGES`, `WINDOW TUMBLING (SIZE 30 SECONDS)`,
//! `PARTITION BY`, `WITHIN`, `GRACE PERIOD`) parsed here, token by token.//! `select` parses a SELECT's clauses (joins, windows, durations).

mod select;

use sqlparser::dialect::Dialect;
use sqlparser::parser::{Parser, ParserError};
use sqlparser::tokenizer::{Location, Token, TokenWithSpan};

use crate::ast::*;
use crate::convert::convert_expr;
use crate::error::ParseError;
use crate::types::{SqlType, Value};

/// ksqlDB's lexical rules, for sqlparser.
#[derive(Debug, Default)]
pub struct KsqlDialect;

impl Dialect for KsqlDialect {
    fn is_delimited_identifier_start(&self, ch: char) -> bool {
        ch == '`' || ch == '"'
    }

    fn is_identifier_start(&self, ch: char) -> bool {
        ch.is_alphabetic() || ch == '_' || ch == '@'
    }

    fn is_identifier_part(&self, ch: char) -> bool {
        ch.is_alphanumeric() || ch == '_' || ch == '@' || ch == '$'
    }
}

/// A statement and the text it was parsed from.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedStatement {
    /// The statement's own text, without the closing `;`.
    pub text: String,
    /// The statement.
    pub statement: Statement,
}

/// Parses every statement of `sql` (separated by `;`). Stops at the first statement that does
/// not parse: the error names its line and column in `sql`.
pub fn parse(sql: &str) -> Result<Vec<ParsedStatement>, ParseError> {
    parse_each(sql).into_iter().collect()
}

/// Parses statement by statement: the statements before a syntax error, then the error.
pub fn parse_each(sql: &str) -> Vec<Result<ParsedStatement, ParseError>> {
    let dialect = KsqlDialect;
    let parser = match Parser::new(&dialect).try_with_sql(sql) {
        Ok(p) => p,
        Err(e) => return vec![Err(from_parser_error(&e, sql))],
    };
    let mut p = StatementParser { p: parser, sql };
    let mut out = Vec::new();
    loop {
        while p.p.consume_token(&Token::SemiColon) {}
        let start = p.p.peek_token();
        if start.token == Token::EOF {
            break;
        }
        match p.statement() {
            Ok(statement) => {
                let end = p.p.peek_token();
                if end.token != Token::SemiColon && end.token != Token::EOF {
                    out.push(Err(
                        p.error_at(&end, &format!("extraneous input {}", describe(&end)))
                    ));
                    break;
                }
                let text = slice(sql, start.span.start, end.span.start)
                    .trim()
                    .to_owned();
                out.push(Ok(ParsedStatement { text, statement }));
            }
            Err(e) => {
                out.push(Err(e));
                break;
            }
        }
    }
    out
}

fn describe(token: &TokenWithSpan) -> String {
    match &token.token {
        Token::EOF => "<EOF>".to_owned(),
        t => format!("'{t}'"),
    }
}

/// Byte offset of a (1-based line, 1-based column in characters) location.
fn offset(sql: &str, at: Location) -> usize {
    if at.line == 0 {
        return sql.len();
    }
    let mut line = 1;
    let mut column = 1;
    for (i, ch) in sql.char_indices() {
        if line == at.line && column == at.column {
            return i;
        }
        if ch == '\n' {
            line += 1;
            column = 1;
        } else {
            column += 1;
        }
    }
    sql.len()
}

fn slice(sql: &str, from: Location, to: Location) -> &str {
    let (a, b) = (offset(sql, from), offset(sql, to));
    sql.get(a..b.max(a)).unwrap_or("")
}

/// sqlparser's errors end with " at Line: L, Column: C"; this takes them apart.
fn from_parser_error(e: &ParserError, sql: &str) -> ParseError {
    let text = match e {
        ParserError::TokenizerError(m) | ParserError::ParserError(m) => m.clone(),
        ParserError::RecursionLimitExceeded => "the statement nests too deeply".to_owned(),
    };
    if let Some((message, place)) = text.rsplit_once(" at Line: ") {
        if let Some((line, column)) = place.split_once(", Column: ") {
            if let (Ok(line), Ok(column)) = (line.trim().parse(), column.trim().parse()) {
                return ParseError {
                    line,
                    column,
                    message: message.to_owned(),
                };
            }
        }
    }
    let lines = sql.lines().count().max(1) as u64;
    ParseError {
        line: lines,
        column: 1,
        message: text,
    }
}

struct StatementParser<'a> {
    p: Parser<'a>,
    sql: &'a str,
}

/// Words that end a source reference, so they are never taken for an alias.
const CLAUSE_WORDS: &[&str] = &[
    "WINDOW",
    "WHERE",
    "GROUP",
    "PARTITION",
    "HAVING",
    "EMIT",
    "LIMIT",
    "JOIN",
    "INNER",
    "LEFT",
    "RIGHT",
    "FULL",
    "OUTER",
    "WITHIN",
    "ON",
    "FROM",
];

impl StatementParser<'_> {
    fn error_at(&self, token: &TokenWithSpan, message: &str) -> ParseError {
        let _ = self.sql;
        ParseError {
            line: token.span.start.line,
            column: token.span.start.column,
            message: message.to_owned(),
        }
    }

    fn fail<T>(&self, expected: &str) -> Result<T, ParseError> {
        let found = self.p.peek_token();
        Err(self.error_at(
            &found,
            &format!("mismatched input {} expecting {expected}", describe(&found)),
        ))
    }

    fn wrap<T>(&self, r: Result<T, ParserError>) -> Result<T, ParseError> {
        r.map_err(|e| from_parser_error(&e, self.sql))
    }

    /// The next token is the unquoted word `word` (any case).
    fn peek_word(&self, word: &str) -> bool {
        matches!(&self.p.peek_token().token, Token::Word(w) if w.quote_style.is_none() && w.value.eq_ignore_ascii_case(word))
    }

    fn eat_word(&mut self, word: &str) -> bool {
        if self.peek_word(word) {
            self.p.next_token();
            true
        } else {
            false
        }
    }

    fn expect_word(&mut self, word: &str) -> Result<(), ParseError> {
        if self.eat_word(word) {
            Ok(())
        } else {
            self.fail(&format!("'{word}'"))
        }
    }

    fn expect_token(&mut self, token: Token) -> Result<(), ParseError> {
        if self.p.consume_token(&token) {
            Ok(())
        } else {
            self.fail(&format!("'{token}'"))
        }
    }

    /// An identifier: unquoted ones are upper-cased, quoted ones kept exactly.
    fn identifier(&mut self) -> Result<String, ParseError> {
        // ksqlDB's identifiers may start with a digit (`AS 1R`): sqlparser reads a number
        // then a word, with nothing between them.
        if let (Token::Number(n, false), Token::Word(w)) = (
            self.p.peek_nth_token(0).token,
            self.p.peek_nth_token(1).token,
        ) {
            let (a, b) = (self.p.peek_nth_token(0).span, self.p.peek_nth_token(1).span);
            if w.quote_style.is_none() && a.end == b.start && !n.contains(['.', 'e', 'E']) {
                self.p.next_token();
                self.p.next_token();
                return Ok(format!("{n}{}", w.value).to_uppercase());
            }
        }
        match self.p.peek_token().token {
            Token::Word(w) => {
                self.p.next_token();
                Ok(match w.quote_style {
                    Some(_) => w.value,
                    None => w.value.to_uppercase(),
                })
            }
            _ => self.fail("an identifier"),
        }
    }

    fn statement(&mut self) -> Result<Statement, ParseError> {
        if self.eat_word("CREATE") {
            return self.create();
        }
        if self.eat_word("INSERT") {
            self.expect_word("INTO")?;
            let target = self.identifier()?;
            self.expect_word("SELECT")?;
            let query = self.select_body()?;
            return Ok(Statement::InsertInto {
                target,
                query: Box::new(query),
            });
        }
        if self.eat_word("SELECT") {
            return Ok(Statement::Select(Box::new(self.select_body()?)));
        }
        if self.eat_word("SHOW") || self.eat_word("LIST") {
            let kind = if self.eat_word("STREAMS") {
                ShowKind::Streams
            } else if self.eat_word("TABLES") {
                ShowKind::Tables
            } else if self.eat_word("QUERIES") {
                ShowKind::Queries
            } else if self.eat_word("TOPICS") {
                ShowKind::Topics
            } else {
                return self.fail("STREAMS, TABLES, QUERIES or TOPICS");
            };
            self.eat_word("EXTENDED");
            return Ok(Statement::Show(kind));
        }
        if self.eat_word("DESCRIBE") {
            self.eat_word("EXTENDED");
            return Ok(Statement::Describe(self.identifier()?));
        }
        if self.eat_word("DROP") {
            let kind = self.source_kind()?;
            let if_exists = if self.eat_word("IF") {
                self.expect_word("EXISTS")?;
                true
            } else {
                false
            };
            let name = self.identifier()?;
            let delete_topic = if self.eat_word("DELETE") {
                self.expect_word("TOPIC")?;
                true
            } else {
                false
            };
            return Ok(Statement::Drop {
                kind,
                name,
                if_exists,
                delete_topic,
            });
        }
        if self.eat_word("TERMINATE") {
            if self.eat_word("ALL") {
                return Ok(Statement::Terminate(None));
            }
            return Ok(Statement::Terminate(Some(self.identifier()?)));
        }
        self.fail("CREATE, INSERT, SELECT, SHOW, LIST, DESCRIBE, DROP or TERMINATE")
    }

    fn source_kind(&mut self) -> Result<SourceKind, ParseError> {
        if self.eat_word("STREAM") {
            Ok(SourceKind::Stream)
        } else if self.eat_word("TABLE") {
            Ok(SourceKind::Table)
        } else {
            self.fail("STREAM or TABLE")
        }
    }

    fn create(&mut self) -> Result<Statement, ParseError> {
        let or_replace = if self.eat_word("OR") {
            self.expect_word("REPLACE")?;
            true
        } else {
            false
        };
        self.eat_word("SOURCE");
        let kind = self.source_kind()?;
        let if_not_exists = if self.eat_word("IF") {
            self.expect_word("NOT")?;
            self.expect_word("EXISTS")?;
            true
        } else {
            false
        };
        let name = self.identifier()?;
        let columns = if self.p.peek_token().token == Token::LParen {
            self.p.next_token();
            let mut columns = Vec::new();
            loop {
                columns.push(self.column_def()?);
                if !self.p.consume_token(&Token::Comma) {
                    break;
                }
            }
            self.expect_token(Token::RParen)?;
            Some(columns)
        } else {
            None
        };
        let properties = if self.eat_word("WITH") {
            self.properties()?
        } else {
            Properties::default()
        };
        if self.eat_word("AS") {
            if columns.is_some() {
                let here = self.p.peek_token();
                return Err(self.error_at(
                    &here,
                    "a CREATE … AS SELECT statement cannot declare columns",
                ));
            }
            self.expect_word("SELECT")?;
            let query = self.select_body()?;
            return Ok(Statement::CreateAsSelect(CreateAsSelect {
                kind,
                name,
                or_replace,
                if_not_exists,
                properties,
                query: Box::new(query),
            }));
        }
        Ok(Statement::CreateSource(CreateSource {
            kind,
            name,
            or_replace,
            if_not_exists,
            columns: columns.unwrap_or_default(),
            properties,
        }))
    }

    fn column_def(&mut self) -> Result<ColumnDef, ParseError> {
        let name = self.identifier()?;
        let ty = self.sql_type()?;
        let key = if self.eat_word("PRIMARY") {
            self.expect_word("KEY")?;
            KeyConstraint::PrimaryKey
        } else if self.eat_word("KEY") {
            KeyConstraint::Key
        } else {
            KeyConstraint::None
        };
        Ok(ColumnDef { name, ty, key })
    }

    fn sql_type(&mut self) -> Result<SqlType, ParseError> {
        let token = self.p.peek_token();
        let Token::Word(w) = &token.token else {
            return self.fail("a type");
        };
        let ty = match w.value.to_uppercase().as_str() {
            "BOOLEAN" => SqlType::Boolean,
            "INT" | "INTEGER" => SqlType::Int,
            "BIGINT" => SqlType::BigInt,
            "DOUBLE" => SqlType::Double,
            "STRING" | "VARCHAR" => SqlType::String,
            other => {
                return Err(self.error_at(
                    &token,
                    &format!("unsupported type {other}: Streamlab has BOOLEAN, INT, BIGINT, DOUBLE and STRING"),
                ))
            }
        };
        self.p.next_token();
        Ok(ty)
    }

    fn properties(&mut self) -> Result<Properties, ParseError> {
        self.expect_token(Token::LParen)?;
        let mut props = Vec::new();
        loop {
            let name = self.identifier()?.to_uppercase();
            self.expect_token(Token::Eq)?;
            let token = self.p.next_token();
            let value = match token.token.clone() {
                Token::SingleQuotedString(s) => Value::String(s),
                Token::Number(n, _) => {
                    number_literal(&n).ok_or_else(|| self.error_at(&token, "not a number"))?
                }
                Token::Word(w) if w.value.eq_ignore_ascii_case("true") => Value::Boolean(true),
                Token::Word(w) if w.value.eq_ignore_ascii_case("false") => Value::Boolean(false),
                _ => {
                    return Err(self.error_at(
                        &token,
                        &format!("mismatched input {} expecting a literal", describe(&token)),
                    ))
                }
            };
            props.push((name, value));
            if !self.p.consume_token(&Token::Comma) {
                break;
            }
        }
        self.expect_token(Token::RParen)?;
        Ok(Properties(props))
    }

    fn expr(&mut self) -> Result<Expr, ParseError> {
        let start = self.p.peek_token();
        let parsed = self.p.parse_expr();
        let parsed = self.wrap(parsed)?;
        convert_expr(parsed).map_err(|message| self.error_at(&start, &message))
    }

    fn expr_list(&mut self) -> Result<Vec<Expr>, ParseError> {
        let mut list = vec![self.expr()?];
        while self.p.consume_token(&Token::Comma) {
            list.push(self.expr()?);
        }
        Ok(list)
    }
}

/// A numeric literal: INT when it fits, else BIGINT; DOUBLE when it has a fraction or exponent.
pub(crate) fn number_literal(text: &str) -> Option<Value> {
    if text.contains(['.', 'e', 'E']) {
        return text.parse::<f64>().ok().map(Value::Double);
    }
    if let Ok(v) = text.parse::<i32>() {
        return Some(Value::Int(v));
    }
    text.parse::<i64>().ok().map(Value::BigInt)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_create_stream_with_key_and_properties() {
        let parsed = parse(
            "CREATE STREAM s (id STRING KEY, `amount` DOUBLE) WITH (kafka_topic='orders', value_format='JSON');",
        )
        .unwrap();
        let Statement::CreateSource(c) = &parsed[0].statement else {
            panic!("{parsed:?}")
        };
        assert_eq!(c.name, "S");
        assert_eq!(
            c.columns[0],
            ColumnDef {
                name: "ID".into(),
                ty: SqlType::String,
                key: KeyConstraint::Key
            }
        );
        assert_eq!(c.columns[1].name, "amount");
        assert_eq!(
            c.properties.get("KAFKA_TOPIC"),
            Some(&Value::String("orders".into()))
        );
    }

    #[test]
    fn parses_a_windowed_count() {
        let parsed = parse(
            "CREATE TABLE t AS SELECT id, COUNT(*) AS n FROM s WINDOW TUMBLING (SIZE 30 SECONDS, GRACE PERIOD 1 MINUTE) \
             WHERE amount > 1.5 GROUP BY id EMIT CHANGES",
        )
        .unwrap();
        let Statement::CreateAsSelect(c) = &parsed[0].statement else {
            panic!()
        };
        let window = c.query.window.unwrap();
        assert_eq!(window.kind, WindowKind::Tumbling { size_ms: 30_000 });
        assert_eq!(window.grace_ms, Some(60_000));
        assert_eq!(c.query.emit, Emit::Changes);
        assert_eq!(
            c.query.group_by,
            vec![Expr::Column {
                source: None,
                name: "ID".into()
            }]
        );
    }

    #[test]
    fn a_syntax_error_names_its_line_and_column() {
        let err = parse("SHOW STREAMS;\nCREATE STREAM s WITH (kafka_topic = );").unwrap_err();
        assert_eq!((err.line, err.column), (2, 37), "{err}");
    }

    #[test]
    fn splits_statements_and_keeps_their_text() {
        let parsed = parse("SHOW STREAMS; show tables ;").unwrap();
        assert_eq!(parsed.len(), 2);
        assert_eq!(parsed[1].text, "show tables");
        assert_eq!(parsed[1].statement, Statement::Show(ShowKind::Tables));
    }
}
