//! A SELECT's clauses: the select list, FROM with its joins and WITHIN, WINDOW, WHERE, GROUP BY,
//! PARTITION BY, HAVING, EMIT and LIMIT.

use sqlparser::tokenizer::Token;

use crate::ast::*;
use crate::error::ParseError;

use super::{describe, StatementParser, CLAUSE_WORDS};

impl StatementParser<'_> {
    /// Everything after `SELECT`.
    pub(super) fn select_body(&mut self) -> Result<Query, ParseError> {
        let mut select = Vec::new();
        loop {
            select.push(self.select_item()?);
            if !self.p.consume_token(&Token::Comma) {
                break;
            }
        }
        self.expect_word("FROM")?;
        let from = self.from()?;
        let window = if self.eat_word("WINDOW") {
            Some(self.window()?)
        } else {
            None
        };
        let filter = if self.eat_word("WHERE") {
            Some(self.expr()?)
        } else {
            None
        };
        let mut group_by = Vec::new();
        let mut partition_by = Vec::new();
        if self.eat_word("GROUP") {
            self.expect_word("BY")?;
            group_by = self.grouping_list()?;
        }
        if self.eat_word("PARTITION") {
            self.expect_word("BY")?;
            partition_by = self.expr_list()?;
        }
        let having = if self.eat_word("HAVING") {
            Some(self.expr()?)
        } else {
            None
        };
        let emit = if self.eat_word("EMIT") {
            if self.eat_word("CHANGES") {
                Emit::Changes
            } else if self.eat_word("FINAL") {
                Emit::Final
            } else {
                return self.fail("CHANGES or FINAL");
            }
        } else {
            Emit::None
        };
        let limit = if self.eat_word("LIMIT") {
            let r = self.p.parse_literal_uint();
            Some(self.wrap(r)?)
        } else {
            None
        };
        Ok(Query {
            select,
            from,
            window,
            filter,
            group_by,
            partition_by,
            having,
            emit,
            limit,
        })
    }

    /// `GROUP BY a, b` or `GROUP BY (a, b)`.
    pub(super) fn grouping_list(&mut self) -> Result<Vec<Expr>, ParseError> {
        let list = self.expr_list()?;
        Ok(list)
    }

    pub(super) fn select_item(&mut self) -> Result<SelectItem, ParseError> {
        if self.p.consume_token(&Token::Mul) {
            return Ok(SelectItem::Wildcard);
        }
        // `alias.*`
        if let (Token::Word(w), Token::Period, Token::Mul) = (
            self.p.peek_nth_token(0).token,
            self.p.peek_nth_token(1).token,
            self.p.peek_nth_token(2).token,
        ) {
            self.p.next_token();
            self.p.next_token();
            self.p.next_token();
            let alias = if w.quote_style.is_some() {
                w.value
            } else {
                w.value.to_uppercase()
            };
            return Ok(SelectItem::QualifiedWildcard(alias));
        }
        let expr = self.expr()?;
        let alias = if self.eat_word("AS") || self.alias_follows() {
            Some(self.identifier()?)
        } else {
            None
        };
        Ok(SelectItem::Expr { expr, alias })
    }

    /// An alias without `AS`: a word that does not start the next clause.
    pub(super) fn alias_follows(&self) -> bool {
        matches!(self.p.peek_token().token, Token::Word(_))
            && !CLAUSE_WORDS.iter().any(|w| self.peek_word(w))
    }

    pub(super) fn source_ref(&mut self) -> Result<SourceRef, ParseError> {
        let name = self.identifier()?;
        let alias = if self.eat_word("AS") || self.alias_follows() {
            self.identifier()?
        } else {
            name.clone()
        };
        Ok(SourceRef { name, alias })
    }

    pub(super) fn from(&mut self) -> Result<From, ParseError> {
        let source = self.source_ref()?;
        let mut joins = Vec::new();
        loop {
            let kind = if self.eat_word("JOIN") {
                JoinKind::Inner
            } else if self.eat_word("INNER") {
                self.expect_word("JOIN")?;
                JoinKind::Inner
            } else if self.eat_word("LEFT") {
                self.eat_word("OUTER");
                self.expect_word("JOIN")?;
                JoinKind::Left
            } else if self.eat_word("RIGHT") {
                self.eat_word("OUTER");
                self.expect_word("JOIN")?;
                JoinKind::Right
            } else if self.eat_word("FULL") {
                self.eat_word("OUTER");
                self.expect_word("JOIN")?;
                JoinKind::Full
            } else if self.eat_word("OUTER") {
                self.expect_word("JOIN")?;
                JoinKind::Full
            } else {
                break;
            };
            let source = self.source_ref()?;
            let within = if self.eat_word("WITHIN") {
                Some(self.within()?)
            } else {
                None
            };
            self.expect_word("ON")?;
            let on = self.expr()?;
            joins.push(Join {
                kind,
                source,
                within,
                on,
            });
        }
        Ok(From { source, joins })
    }

    pub(super) fn within(&mut self) -> Result<Within, ParseError> {
        let (before_ms, after_ms) = if self.p.consume_token(&Token::LParen) {
            let before = self.duration()?;
            self.expect_token(Token::Comma)?;
            let after = self.duration()?;
            self.expect_token(Token::RParen)?;
            (before, after)
        } else {
            let d = self.duration()?;
            (d, d)
        };
        let grace_ms = if self.eat_word("GRACE") {
            self.expect_word("PERIOD")?;
            Some(self.duration()?)
        } else {
            None
        };
        Ok(Within {
            before_ms,
            after_ms,
            grace_ms,
        })
    }

    /// `n unit`, in milliseconds.
    pub(super) fn duration(&mut self) -> Result<i64, ParseError> {
        let token = self.p.next_token();
        let Token::Number(n, _) = &token.token else {
            return Err(self.error_at(
                &token,
                &format!("mismatched input {} expecting a number", describe(&token)),
            ));
        };
        let n: i64 = n
            .parse()
            .map_err(|_| self.error_at(&token, "a duration must be a whole number"))?;
        let unit = self.p.next_token();
        let Token::Word(w) = &unit.token else {
            return Err(self.error_at(
                &unit,
                &format!("mismatched input {} expecting a time unit", describe(&unit)),
            ));
        };
        let scale: i64 = match w.value.to_uppercase().trim_end_matches('S') {
            "MILLISECOND" => 1,
            "SECOND" => 1_000,
            "MINUTE" => 60_000,
            "HOUR" => 3_600_000,
            "DAY" => 86_400_000,
            _ => {
                return Err(self.error_at(
                    &unit,
                    &format!(
                        "unknown time unit {}: use MILLISECONDS, SECONDS, MINUTES, HOURS or DAYS",
                        w.value
                    ),
                ))
            }
        };
        n.checked_mul(scale)
            .ok_or_else(|| self.error_at(&token, "the duration is too long"))
    }

    pub(super) fn window(&mut self) -> Result<WindowSpec, ParseError> {
        // ksqlDB lets a window be named: `WINDOW w TUMBLING (…)`; the name is not used.
        if !["TUMBLING", "HOPPING", "SESSION"]
            .iter()
            .any(|w| self.peek_word(w))
            && matches!(self.p.peek_token().token, Token::Word(_))
        {
            self.p.next_token();
        }
        let kind_word = if self.eat_word("TUMBLING") {
            "TUMBLING"
        } else if self.eat_word("HOPPING") {
            "HOPPING"
        } else if self.eat_word("SESSION") {
            "SESSION"
        } else {
            return self.fail("TUMBLING, HOPPING or SESSION");
        };
        self.expect_token(Token::LParen)?;
        let mut size = None;
        let mut advance = None;
        let mut gap = None;
        let mut retention_ms = None;
        let mut grace_ms = None;
        loop {
            if self.eat_word("SIZE") {
                size = Some(self.duration()?);
            } else if self.eat_word("ADVANCE") {
                self.expect_word("BY")?;
                advance = Some(self.duration()?);
            } else if self.eat_word("RETENTION") {
                retention_ms = Some(self.duration()?);
            } else if self.eat_word("GRACE") {
                self.expect_word("PERIOD")?;
                grace_ms = Some(self.duration()?);
            } else if kind_word == "SESSION" && gap.is_none() {
                gap = Some(self.duration()?);
            } else {
                return self.fail("SIZE, ADVANCE BY, RETENTION or GRACE PERIOD");
            }
            if !self.p.consume_token(&Token::Comma) {
                break;
            }
        }
        self.expect_token(Token::RParen)?;
        let here = self.p.peek_token();
        let kind = match kind_word {
            "TUMBLING" => WindowKind::Tumbling {
                size_ms: size
                    .ok_or_else(|| self.error_at(&here, "a TUMBLING window needs a SIZE"))?,
            },
            "HOPPING" => WindowKind::Hopping {
                size_ms: size
                    .ok_or_else(|| self.error_at(&here, "a HOPPING window needs a SIZE"))?,
                advance_ms: advance
                    .ok_or_else(|| self.error_at(&here, "a HOPPING window needs an ADVANCE BY"))?,
            },
            _ => WindowKind::Session {
                gap_ms: gap
                    .ok_or_else(|| self.error_at(&here, "a SESSION window needs its gap"))?,
            },
        };
        Ok(WindowSpec {
            kind,
            retention_ms,
            grace_ms,
        })
    }
}
