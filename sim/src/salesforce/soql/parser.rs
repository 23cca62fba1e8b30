//! Recursive-descent parser: tokens to [`Query`]. Keywords are case-insensitive.

use super::ast::*;
use super::dates;
use super::error::{MALFORMED_QUERY, NUMBER_OUTSIDE_VALID_RANGE, SoqlError};
use super::lexer::{Tok, Token, lex};

/// Words that can never be a field or object name.
const RESERVED: &[&str] = &[
    "SELECT", "FROM", "WHERE", "AND", "OR", "NOT", "IN", "LIKE", "INCLUDES", "EXCLUDES", "ORDER",
    "GROUP", "HAVING", "LIMIT", "OFFSET", "NULL", "TRUE", "FALSE", "BY", "WITH", "USING", "FOR",
    "ASC", "DESC", "NULLS",
];

const MAX_OFFSET: u64 = 2000;
/// Caps `LAST_N_DAYS:n` and friends so calendar arithmetic cannot overflow.
const MAX_RELATIVE_N: u64 = 1_000_000;

/// Parses a SOQL query (syntax only: names are checked against the org by the engine).
pub fn parse(soql: &str) -> Result<Query, SoqlError> {
    let tokens = lex(soql)?;
    let mut p = Parser {
        src: soql,
        toks: tokens,
        i: 0,
    };
    let q = p.query(false)?;
    p.expect_eof()?;
    Ok(q)
}

/// An aggregate function call: the function, its field (none for `COUNT()`), its position.
type AggregateCall = (AggregateFn, Option<Path>, usize);

struct Parser<'a> {
    src: &'a str,
    toks: Vec<Token>,
    i: usize,
}

impl Parser<'_> {
    fn peek(&self) -> &Token {
        &self.toks[self.i]
    }
    fn peek_at(&self, ahead: usize) -> &Tok {
        &self.toks[(self.i + ahead).min(self.toks.len() - 1)].tok
    }
    fn bump(&mut self) -> Token {
        let t = self.toks[self.i].clone();
        if self.i < self.toks.len() - 1 {
            self.i += 1;
        }
        t
    }

    fn unexpected(&self) -> SoqlError {
        let t = self.peek();
        let reason = match t.tok {
            Tok::Eof => "unexpected token: <EOF>".to_string(),
            _ => format!("unexpected token: '{}'", &self.src[t.start..t.end]),
        };
        SoqlError::at(MALFORMED_QUERY, self.src, t.start, reason)
    }

    fn is_kw(&self, kw: &str) -> bool {
        matches!(&self.peek().tok, Tok::Ident(s) if s.eq_ignore_ascii_case(kw))
    }
    fn is_kw_at(&self, ahead: usize, kw: &str) -> bool {
        matches!(self.peek_at(ahead), Tok::Ident(s) if s.eq_ignore_ascii_case(kw))
    }
    fn eat_kw(&mut self, kw: &str) -> bool {
        if self.is_kw(kw) {
            self.bump();
            true
        } else {
            false
        }
    }
    fn expect_kw(&mut self, kw: &str) -> Result<(), SoqlError> {
        if self.eat_kw(kw) {
            Ok(())
        } else {
            Err(self.unexpected())
        }
    }
    fn expect(&mut self, tok: &Tok) -> Result<Token, SoqlError> {
        if &self.peek().tok == tok {
            Ok(self.bump())
        } else {
            Err(self.unexpected())
        }
    }
    fn expect_eof(&self) -> Result<(), SoqlError> {
        match self.peek().tok {
            Tok::Eof => Ok(()),
            _ => Err(self.unexpected()),
        }
    }

    fn name(&mut self) -> Result<Ident, SoqlError> {
        match &self.peek().tok {
            Tok::Ident(s) if !RESERVED.iter().any(|r| r.eq_ignore_ascii_case(s)) => {
                let t = self.bump();
                let Tok::Ident(text) = t.tok else {
                    unreachable!("peeked an identifier")
                };
                Ok(Ident { text, pos: t.start })
            }
            _ => Err(self.unexpected()),
        }
    }

    /// After FROM: `Order` and `Group` are objects there unless `BY` follows.
    fn object_name(&mut self) -> Result<Ident, SoqlError> {
        if (self.is_kw("ORDER") || self.is_kw("GROUP")) && !self.is_kw_at(1, "BY") {
            let t = self.bump();
            let Tok::Ident(text) = t.tok else {
                unreachable!("peeked an identifier")
            };
            return Ok(Ident { text, pos: t.start });
        }
        self.name()
    }

    fn path(&mut self) -> Result<Path, SoqlError> {
        let mut parts = vec![self.name()?];
        while self.peek().tok == Tok::Dot {
            self.bump();
            parts.push(self.name()?);
        }
        Ok(Path { parts })
    }

    /// `SELECT .. FROM ..` up to (not including) the end of input or the closing parenthesis.
    fn query(&mut self, nested: bool) -> Result<Query, SoqlError> {
        self.expect_kw("SELECT")?;
        let mut select = Vec::new();
        loop {
            select.push(self.select_item(nested)?);
            if self.peek().tok == Tok::Comma {
                self.bump();
            } else {
                break;
            }
        }
        self.expect_kw("FROM")?;
        let from = self.object_name()?;
        // `FROM Contact c`: an alias, later stripped from every path.
        let alias = match &self.peek().tok {
            Tok::Ident(s) if !RESERVED.iter().any(|r| r.eq_ignore_ascii_case(s)) => {
                Some(self.name()?)
            }
            _ => None,
        };
        let filter = if self.eat_kw("WHERE") {
            Some(self.condition()?)
        } else {
            None
        };
        // Sharing and access modes change nothing in a single-user simulator.
        if self.is_kw("WITH")
            && ["SECURITY_ENFORCED", "USER_MODE", "SYSTEM_MODE"]
                .iter()
                .any(|m| self.is_kw_at(1, m))
        {
            self.bump();
            self.bump();
        }
        let mut group_by = Vec::new();
        if self.is_kw("GROUP") && self.is_kw_at(1, "BY") {
            self.bump();
            self.bump();
            loop {
                group_by.push(self.path()?);
                if self.peek().tok == Tok::Comma {
                    self.bump();
                } else {
                    break;
                }
            }
        }
        let having = if self.eat_kw("HAVING") {
            Some(self.condition()?)
        } else {
            None
        };
        let mut order_by = Vec::new();
        if self.is_kw("ORDER") {
            self.bump();
            self.expect_kw("BY")?;
            loop {
                let (path, aggregate) = match self.aggregate_call()? {
                    Some((func, Some(path), _)) => (path, Some(func)),
                    Some((_, None, pos)) => {
                        return Err(SoqlError::at(
                            MALFORMED_QUERY,
                            self.src,
                            pos,
                            "unexpected token: 'COUNT'",
                        ));
                    }
                    None => (self.path()?, None),
                };
                let descending = if self.eat_kw("DESC") {
                    true
                } else {
                    self.eat_kw("ASC");
                    false
                };
                let nulls_first = if self.eat_kw("NULLS") {
                    if self.eat_kw("FIRST") {
                        Some(true)
                    } else if self.eat_kw("LAST") {
                        Some(false)
                    } else {
                        return Err(self.unexpected());
                    }
                } else {
                    None
                };
                order_by.push(OrderKey {
                    path,
                    aggregate,
                    descending,
                    nulls_first,
                });
                if self.peek().tok == Tok::Comma {
                    self.bump();
                } else {
                    break;
                }
            }
        }
        let limit = if self.eat_kw("LIMIT") {
            Some(self.integer()?)
        } else {
            None
        };
        let offset = if self.eat_kw("OFFSET") {
            let (n, pos) = self.integer()?;
            if n > MAX_OFFSET {
                return Err(SoqlError::at(
                    NUMBER_OUTSIDE_VALID_RANGE,
                    self.src,
                    pos,
                    format!("Maximum SOQL offset allowed is {MAX_OFFSET}"),
                ));
            }
            Some((n, pos))
        } else {
            None
        };
        // `FOR VIEW` / `FOR REFERENCE` only update "recently viewed" data; `FOR UPDATE` locks.
        if self.is_kw("FOR")
            && ["VIEW", "REFERENCE", "UPDATE"]
                .iter()
                .any(|m| self.is_kw_at(1, m))
        {
            self.bump();
            self.bump();
        }
        let mut query = Query {
            select,
            from,
            filter,
            group_by,
            having,
            order_by,
            limit,
            offset,
        };
        if let Some(alias) = alias {
            strip_alias(&mut query, &alias.text);
        }
        Ok(query)
    }

    fn integer(&mut self) -> Result<(u64, usize), SoqlError> {
        match &self.peek().tok {
            Tok::Num(s) if s.bytes().all(|b| b.is_ascii_digit()) => {
                let value = s.parse::<u64>().unwrap_or(u64::MAX);
                let t = self.bump();
                Ok((value, t.start))
            }
            _ => Err(self.unexpected()),
        }
    }

    fn select_item(&mut self, nested: bool) -> Result<SelectItem, SoqlError> {
        if self.peek().tok == Tok::LParen && !nested {
            self.bump();
            let q = self.query(true)?;
            self.expect(&Tok::RParen)?;
            return Ok(SelectItem::Subquery(Box::new(q)));
        }
        if let Some((func, field, pos)) = self.aggregate_call()? {
            let alias = match &self.peek().tok {
                Tok::Ident(s)
                    if field.is_some() && !RESERVED.iter().any(|r| r.eq_ignore_ascii_case(s)) =>
                {
                    Some(self.name()?)
                }
                _ => None,
            };
            return Ok(SelectItem::Aggregate {
                func,
                field,
                alias,
                pos,
            });
        }
        let path = self.path()?;
        match &self.peek().tok {
            Tok::Ident(s) if !RESERVED.iter().any(|r| r.eq_ignore_ascii_case(s)) => {
                let alias = self.name()?;
                Ok(SelectItem::AliasedField(path, alias))
            }
            _ => Ok(SelectItem::Field(path)),
        }
    }

    /// `COUNT()`, `COUNT(Id)`, `SUM(Amount)`...: the function, its field, its position.
    fn aggregate_call(&mut self) -> Result<Option<AggregateCall>, SoqlError> {
        let Tok::Ident(word) = &self.peek().tok else {
            return Ok(None);
        };
        if *self.peek_at(1) != Tok::LParen {
            return Ok(None);
        }
        let func = match word.to_ascii_uppercase().as_str() {
            "COUNT" => AggregateFn::Count,
            "COUNT_DISTINCT" => AggregateFn::CountDistinct,
            "SUM" => AggregateFn::Sum,
            "AVG" => AggregateFn::Avg,
            "MIN" => AggregateFn::Min,
            "MAX" => AggregateFn::Max,
            _ => return Ok(None),
        };
        let pos = self.bump().start;
        self.bump();
        let field = if func == AggregateFn::Count && self.peek().tok == Tok::RParen {
            None
        } else {
            Some(self.path()?)
        };
        self.expect(&Tok::RParen)?;
        Ok(Some((func, field, pos)))
    }

    /// A chain of terms joined by one kind of operator: SOQL refuses `a AND b OR c` without
    /// parentheses, pointing at the second operator.
    fn condition(&mut self) -> Result<Condition, SoqlError> {
        let first = self.term()?;
        let mut items = vec![first];
        let mut joiner: Option<bool> = None; // Some(true) = AND
        loop {
            let is_and = if self.is_kw("AND") {
                true
            } else if self.is_kw("OR") {
                false
            } else {
                break;
            };
            if joiner.is_some_and(|j| j != is_and) {
                return Err(self.unexpected());
            }
            joiner = Some(is_and);
            self.bump();
            items.push(self.term()?);
        }
        Ok(match joiner {
            None => items.pop().expect("one term"),
            Some(true) => Condition::And(items),
            Some(false) => Condition::Or(items),
        })
    }

    fn term(&mut self) -> Result<Condition, SoqlError> {
        if self.eat_kw("NOT") {
            return Ok(Condition::Not(Box::new(self.term()?)));
        }
        if self.peek().tok == Tok::LParen {
            self.bump();
            let c = self.condition()?;
            self.expect(&Tok::RParen)?;
            return Ok(c);
        }
        if let Some((func, path, pos)) = self.aggregate_call()? {
            let Tok::Op(op) = self.peek().tok else {
                return Err(self.unexpected());
            };
            self.bump();
            let value = self.literal()?;
            return Ok(Condition::AggregateCompare {
                func,
                path,
                op,
                value,
                pos,
            });
        }
        let path = self.path()?;
        if let Tok::Op(op) = self.peek().tok {
            self.bump();
            let value = self.literal()?;
            return Ok(Condition::Compare { path, op, value });
        }
        let negated = if self.is_kw("NOT") && self.is_kw_at(1, "IN") {
            self.bump();
            true
        } else {
            false
        };
        if self.eat_kw("IN") {
            self.expect(&Tok::LParen)?;
            if self.is_kw("SELECT") {
                let query = self.query(true)?;
                self.expect(&Tok::RParen)?;
                return Ok(Condition::InSubquery {
                    path,
                    negated,
                    query: Box::new(query),
                });
            }
            let values = self.literal_list()?;
            return Ok(Condition::In {
                path,
                negated,
                values,
            });
        }
        if self.eat_kw("LIKE") {
            let t = self.peek().clone();
            let Tok::Str(raw) = &t.tok else {
                return Err(self.unexpected());
            };
            let pattern = decode_like(self.src, t.start, raw)?;
            self.bump();
            return Ok(Condition::Like {
                path,
                pattern,
                pos: t.start,
            });
        }
        let excludes = if self.eat_kw("INCLUDES") {
            false
        } else if self.eat_kw("EXCLUDES") {
            true
        } else {
            return Err(self.unexpected());
        };
        self.expect(&Tok::LParen)?;
        let values = self.literal_list()?;
        Ok(Condition::Includes {
            path,
            excludes,
            values,
        })
    }

    /// The rest of `( v1, v2 )` after the opening parenthesis.
    fn literal_list(&mut self) -> Result<Vec<Literal>, SoqlError> {
        let mut values = vec![self.literal()?];
        while self.peek().tok == Tok::Comma {
            self.bump();
            values.push(self.literal()?);
        }
        self.expect(&Tok::RParen)?;
        Ok(values)
    }

    fn literal(&mut self) -> Result<Literal, SoqlError> {
        let t = self.peek().clone();
        let kind = match &t.tok {
            Tok::Str(raw) => LiteralKind::Str(decode_string(self.src, t.start, raw)?),
            Tok::Num(s) => match s.parse::<f64>() {
                Ok(n) => LiteralKind::Number(n),
                Err(_) => return Err(self.unexpected()),
            },
            Tok::Date(d) => LiteralKind::Date(*d),
            Tok::DateTime(ms) => LiteralKind::DateTime(*ms),
            Tok::Ident(word) => {
                let upper = word.to_ascii_uppercase();
                match upper.as_str() {
                    "TRUE" => LiteralKind::Bool(true),
                    "FALSE" => LiteralKind::Bool(false),
                    "NULL" => LiteralKind::Null,
                    _ => match dates::literal_arity(&upper) {
                        Some(false) => LiteralKind::Relative(upper, 0),
                        Some(true) => {
                            self.bump();
                            self.expect(&Tok::Colon)?;
                            let (n, _) = self.integer()?;
                            return Ok(Literal {
                                kind: LiteralKind::Relative(upper, n.min(MAX_RELATIVE_N) as i32),
                                pos: t.start,
                            });
                        }
                        None => return Err(self.unexpected()),
                    },
                }
            }
            _ => return Err(self.unexpected()),
        };
        self.bump();
        Ok(Literal { kind, pos: t.start })
    }
}

fn strip_alias(q: &mut Query, alias: &str) {
    fn strip(path: &mut Path, alias: &str) {
        if path.parts.len() > 1 && path.parts[0].text.eq_ignore_ascii_case(alias) {
            path.parts.remove(0);
        }
    }
    fn walk(c: &mut Condition, alias: &str) {
        match c {
            Condition::And(items) | Condition::Or(items) => {
                items.iter_mut().for_each(|i| walk(i, alias));
            }
            Condition::Not(inner) => walk(inner, alias),
            Condition::AggregateCompare {
                path: Some(path), ..
            } => strip(path, alias),
            Condition::AggregateCompare { path: None, .. } => {}
            Condition::Compare { path, .. }
            | Condition::In { path, .. }
            | Condition::InSubquery { path, .. }
            | Condition::Like { path, .. }
            | Condition::Includes { path, .. } => strip(path, alias),
        }
    }
    for item in &mut q.select {
        match item {
            SelectItem::Field(path) | SelectItem::AliasedField(path, _) => strip(path, alias),
            SelectItem::Aggregate {
                field: Some(path), ..
            } => strip(path, alias),
            _ => {}
        }
    }
    for c in [&mut q.filter, &mut q.having].into_iter().flatten() {
        walk(c, alias);
    }
    q.group_by.iter_mut().for_each(|p| strip(p, alias));
    q.order_by
        .iter_mut()
        .for_each(|k| strip(&mut k.path, alias));
}

fn bad_escape(src: &str, pos: usize, raw: &str, seq: &str) -> SoqlError {
    SoqlError::at(
        MALFORMED_QUERY,
        src,
        pos,
        format!(
            "Invalid string literal '{raw}'. Illegal character sequence '{seq}' in string literal."
        ),
    )
}

enum Piece {
    Plain(char),
    Escaped(char),
    LikeEscaped(char),
}

/// Walks a literal's escapes: `\\ \' \" \n \r \t \b \f` (either case), `\uXXXX`, and, in LIKE
/// patterns only, `\_` and `\%`. Any other backslash sequence is refused.
fn pieces(src: &str, pos: usize, raw: &str, like: bool) -> Result<Vec<Piece>, SoqlError> {
    let mut out = Vec::with_capacity(raw.len());
    let mut chars = raw.char_indices();
    while let Some((at, c)) = chars.next() {
        if c != '\\' {
            out.push(Piece::Plain(c));
            continue;
        }
        let Some((_, e)) = chars.next() else {
            return Err(bad_escape(src, pos, raw, "\\"));
        };
        let decoded = match e {
            '\\' => '\\',
            '\'' => '\'',
            '"' => '"',
            'n' | 'N' => '\n',
            'r' | 'R' => '\r',
            't' | 'T' => '\t',
            'b' | 'B' => '\u{8}',
            'f' | 'F' => '\u{c}',
            '_' | '%' if like => {
                out.push(Piece::LikeEscaped(e));
                continue;
            }
            'u' => {
                let hex: String = raw[at + 2..].chars().take(4).collect();
                let code = (hex.len() == 4)
                    .then(|| u32::from_str_radix(&hex, 16).ok())
                    .flatten()
                    .and_then(char::from_u32);
                match code {
                    Some(ch) => {
                        for _ in 0..4 {
                            chars.next();
                        }
                        ch
                    }
                    None => return Err(bad_escape(src, pos, raw, &format!("\\u{hex}"))),
                }
            }
            other => return Err(bad_escape(src, pos, raw, &format!("\\{other}"))),
        };
        out.push(Piece::Escaped(decoded));
    }
    Ok(out)
}

fn decode_string(src: &str, pos: usize, raw: &str) -> Result<String, SoqlError> {
    Ok(pieces(src, pos, raw, false)?
        .into_iter()
        .map(|p| match p {
            Piece::Plain(c) | Piece::Escaped(c) | Piece::LikeEscaped(c) => c,
        })
        .collect())
}

fn decode_like(src: &str, pos: usize, raw: &str) -> Result<Vec<LikePart>, SoqlError> {
    Ok(pieces(src, pos, raw, true)?
        .into_iter()
        .map(|p| match p {
            Piece::Plain('%') => LikePart::Any,
            Piece::Plain('_') => LikePart::One,
            Piece::Plain(c) | Piece::Escaped(c) | Piece::LikeEscaped(c) => LikePart::Char(c),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lit(q: &str) -> LiteralKind {
        let parsed = parse(&format!("SELECT Id FROM Account WHERE Name = {q}")).unwrap();
        match parsed.filter {
            Some(Condition::Compare { value, .. }) => value.kind,
            other => panic!("unexpected {other:?}"),
        }
    }

    fn err(q: &str) -> SoqlError {
        parse(q).unwrap_err()
    }

    #[test]
    fn full_query_shape() {
        let q = parse(
            "select Id, Owner.Email, Account.Owner.Name, (SELECT Id, StageName FROM Opportunities WHERE Amount > 10 ORDER BY CloseDate DESC LIMIT 5) \
             FROM Contact WHERE (Name = 'a' OR Name != 'b') AND NOT Email LIKE '%x' AND Id NOT IN ('001') \
             ORDER BY Name ASC NULLS LAST, CreatedDate DESC LIMIT 10 OFFSET 20",
        )
        .unwrap();
        assert_eq!(q.select.len(), 4);
        assert_eq!(q.from.text, "Contact");
        match &q.select[2] {
            SelectItem::Field(p) => assert_eq!(p.text(), "Account.Owner.Name"),
            other => panic!("{other:?}"),
        }
        match &q.select[3] {
            SelectItem::Subquery(sub) => {
                assert_eq!(sub.from.text, "Opportunities");
                assert_eq!(sub.limit.map(|l| l.0), Some(5));
                assert!(sub.order_by[0].descending);
            }
            other => panic!("{other:?}"),
        }
        match q.filter.unwrap() {
            Condition::And(items) => {
                assert_eq!(items.len(), 3);
                assert!(matches!(items[0], Condition::Or(_)));
                assert!(matches!(items[1], Condition::Not(_)));
                assert!(matches!(items[2], Condition::In { negated: true, .. }));
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(q.order_by.len(), 2);
        assert_eq!(q.order_by[0].nulls_first, Some(false));
        assert_eq!(q.limit.map(|l| l.0), Some(10));
        assert_eq!(q.offset.map(|l| l.0), Some(20));
    }

    #[test]
    fn literals() {
        assert_eq!(lit("'x'"), LiteralKind::Str("x".into()));
        assert_eq!(lit("12.5"), LiteralKind::Number(12.5));
        assert_eq!(lit("TRUE"), LiteralKind::Bool(true));
        assert_eq!(lit("null"), LiteralKind::Null);
        assert_eq!(lit("2026-01-01"), LiteralKind::Date(20454));
        assert_eq!(
            lit("2026-01-01T00:00:00Z"),
            LiteralKind::DateTime(20454 * 86_400_000)
        );
        assert_eq!(lit("today"), LiteralKind::Relative("TODAY".into(), 0));
        assert_eq!(
            lit("N_YEARS_AGO:99999999999"),
            LiteralKind::Relative("N_YEARS_AGO".into(), 1_000_000)
        );
        assert_eq!(
            lit("LAST_N_DAYS:30"),
            LiteralKind::Relative("LAST_N_DAYS".into(), 30)
        );
    }

    #[test]
    fn string_escapes() {
        assert_eq!(
            lit(r#"'a\'b\\c\"d\ne\rf\tg\bh\fi\N\u00e9'"#),
            LiteralKind::Str("a'b\\c\"d\ne\rf\tg\u{8}h\u{c}i\né".into())
        );
        let e = err(r"SELECT Id FROM Account WHERE Name = 'a\_b'");
        assert_eq!(e.code, MALFORMED_QUERY);
        assert_eq!(
            e.message,
            "\nSELECT Id FROM Account WHERE Name = 'a\\_b'\n                                    ^\nERROR at Row:1:Column:37\nInvalid string literal 'a\\_b'. Illegal character sequence '\\_' in string literal."
        );
        assert!(
            err(r"SELECT Id FROM Account WHERE Name = 'a\qb'")
                .message
                .ends_with("Illegal character sequence '\\q' in string literal.")
        );
    }

    #[test]
    fn like_patterns() {
        let q = parse(r"SELECT Id FROM Account WHERE Name LIKE 'a\%_b%\_'").unwrap();
        let Some(Condition::Like { pattern, .. }) = q.filter else {
            panic!("not a LIKE")
        };
        assert_eq!(
            pattern,
            vec![
                LikePart::Char('a'),
                LikePart::Char('%'),
                LikePart::One,
                LikePart::Char('b'),
                LikePart::Any,
                LikePart::Char('_'),
            ]
        );
    }

    #[test]
    fn mixing_and_or_needs_parentheses() {
        let e = err("SELECT Id FROM Account WHERE Name = 'a' AND Name = 'b' OR Name = 'c'");
        assert_eq!(
            e.message,
            "\nSELECT Id FROM Account WHERE Name = 'a' AND Name = 'b' OR Name = 'c'\n                                                       ^\nERROR at Row:1:Column:56\nunexpected token: 'OR'"
        );
    }

    #[test]
    fn unexpected_tokens() {
        let e = err("SELECT Id FROM Account a xyz");
        assert_eq!(
            e.message,
            "\nSELECT Id FROM Account a xyz\n                         ^\nERROR at Row:1:Column:26\nunexpected token: 'xyz'"
        );
        let e = err("SELECT Id FROM Account WHERE");
        assert_eq!(
            e.message,
            "\nSELECT Id FROM Account WHERE\n                            ^\nERROR at Row:1:Column:29\nunexpected token: <EOF>"
        );
        assert!(
            err("SELECT FROM Account")
                .message
                .ends_with("unexpected token: 'FROM'")
        );
        assert!(err("SELECT Id, FROM Account").message.contains("Column:12"));
    }

    #[test]
    fn multi_line_positions() {
        let e = err("SELECT Id\nFROM Account\nWHERE Name = = 'x'");
        assert_eq!(
            e.message,
            "\nSELECT Id\nFROM Account\nWHERE Name = = 'x'\n             ^\nERROR at Row:3:Column:14\nunexpected token: '='"
        );
    }

    #[test]
    fn offset_limit() {
        let e = err("SELECT Id FROM Account LIMIT 5 OFFSET 2001");
        assert_eq!(e.code, NUMBER_OUTSIDE_VALID_RANGE);
        assert!(e.message.ends_with("Maximum SOQL offset allowed is 2000"));
        assert!(parse("SELECT Id FROM Account OFFSET 2000").is_ok());
        assert!(
            err("SELECT Id FROM Account LIMIT 'a'")
                .message
                .contains("unexpected token: ''a''")
        );
    }

    #[test]
    fn aliases_and_ignored_clauses() {
        let q = parse(
            "SELECT c.Id, c.Account.Name FROM Contact c WHERE c.Name = 'x' WITH SECURITY_ENFORCED ORDER BY c.Name LIMIT 1 FOR VIEW",
        )
        .unwrap();
        assert_eq!(q.from.text, "Contact");
        match &q.select[1] {
            SelectItem::Field(p) => assert_eq!(p.text(), "Account.Name"),
            other => panic!("{other:?}"),
        }
        assert_eq!(q.order_by[0].path.text(), "Name");
        match q.filter {
            Some(Condition::Compare { path, .. }) => assert_eq!(path.text(), "Name"),
            other => panic!("{other:?}"),
        }
        assert!(parse("SELECT Id FROM Contact WITH NONSENSE").is_err());
        assert_eq!(parse("select Id from group").unwrap().from.text, "group");
        let q = parse("SELECT Id FROM Order ORDER BY OrderNumber").unwrap();
        assert_eq!((q.from.text.as_str(), q.order_by.len()), ("Order", 1));
        assert!(parse("SELECT Id FROM ORDER BY Name").is_err());
    }

    #[test]
    fn aggregates_and_semi_joins() {
        let q = parse("SELECT COUNT() FROM Contact").unwrap();
        assert!(matches!(
            q.select[0],
            SelectItem::Aggregate {
                func: AggregateFn::Count,
                field: None,
                alias: None,
                ..
            }
        ));
        let q = parse("SELECT count(Id) total FROM Contact").unwrap();
        match &q.select[0] {
            SelectItem::Aggregate { field, alias, .. } => {
                assert_eq!(field.as_ref().unwrap().text(), "Id");
                assert_eq!(alias.as_ref().unwrap().text, "total");
            }
            other => panic!("{other:?}"),
        }
        let q =
            parse("SELECT Id FROM Account WHERE Id IN (SELECT AccountId FROM Contact)").unwrap();
        assert!(matches!(
            q.filter,
            Some(Condition::InSubquery { negated: false, .. })
        ));
    }
}
