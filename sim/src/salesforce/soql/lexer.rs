//! Tokens of a SOQL query, each with its byte span so errors can point at it.

use super::dates;
use super::error::{MALFORMED_QUERY, SoqlError};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Tok {
    Ident(String),
    /// The raw text between the quotes; escapes are decoded by the parser, which knows
    /// whether the literal is a LIKE pattern (`\%`, `\_` allowed only there).
    Str(String),
    Num(String),
    /// Days since 1970-01-01.
    Date(i32),
    /// Milliseconds since the epoch.
    DateTime(i64),
    Comma,
    LParen,
    RParen,
    Dot,
    Colon,
    Op(CmpOp),
    Eof,
}

#[derive(Debug, Clone)]
pub(crate) struct Token {
    pub tok: Tok,
    pub start: usize,
    pub end: usize,
}

/// A character the lexer cannot continue with, reported as Salesforce's ANTLR lexer does:
/// `line 1:75 no viable alternative at character '<EOF>'`, with `Column` equal to that
/// 0-based position (so the caret sits under the last character read).
fn no_viable(src: &str, pos: usize) -> SoqlError {
    let line_start = src[..pos].rfind('\n').map_or(0, |i| i + 1);
    let row = src[..pos].matches('\n').count() + 1;
    let col0 = src[line_start..pos].chars().count();
    let ch = src[pos..]
        .chars()
        .next()
        .map_or_else(|| "<EOF>".to_string(), |c| c.to_string());
    let caret = src[line_start..pos]
        .char_indices()
        .last()
        .map_or(pos, |(i, _)| line_start + i);
    SoqlError::at(
        MALFORMED_QUERY,
        src,
        caret,
        format!("line {row}:{col0} no viable alternative at character '{ch}'"),
    )
}

fn unexpected(src: &str, pos: usize, text: &str) -> SoqlError {
    SoqlError::at(
        MALFORMED_QUERY,
        src,
        pos,
        format!("unexpected token: '{text}'"),
    )
}

pub(crate) fn lex(src: &str) -> Result<Vec<Token>, SoqlError> {
    let b = src.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let start = i;
        let tok = match c {
            b' ' | b'\t' | b'\n' | b'\r' => {
                i += 1;
                continue;
            }
            b',' => {
                i += 1;
                Tok::Comma
            }
            b'(' => {
                i += 1;
                Tok::LParen
            }
            b')' => {
                i += 1;
                Tok::RParen
            }
            b'.' => {
                i += 1;
                Tok::Dot
            }
            b':' => {
                i += 1;
                Tok::Colon
            }
            b'=' => {
                i += 1;
                Tok::Op(CmpOp::Eq)
            }
            b'!' if b.get(i + 1) == Some(&b'=') => {
                i += 2;
                Tok::Op(CmpOp::Ne)
            }
            b'<' => match b.get(i + 1) {
                Some(b'>') => {
                    i += 2;
                    Tok::Op(CmpOp::Ne)
                }
                Some(b'=') => {
                    i += 2;
                    Tok::Op(CmpOp::Le)
                }
                _ => {
                    i += 1;
                    Tok::Op(CmpOp::Lt)
                }
            },
            b'>' => {
                if b.get(i + 1) == Some(&b'=') {
                    i += 2;
                    Tok::Op(CmpOp::Ge)
                } else {
                    i += 1;
                    Tok::Op(CmpOp::Gt)
                }
            }
            b'\'' => {
                i += 1;
                loop {
                    match b.get(i) {
                        None => return Err(no_viable(src, src.len())),
                        Some(b'\\') => i += 2,
                        Some(b'\'') => break,
                        Some(_) => i += 1,
                    }
                }
                i += 1;
                Tok::Str(src[start + 1..i - 1].to_string())
            }
            c if c.is_ascii_alphabetic() || c == b'_' => {
                while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                    i += 1;
                }
                Tok::Ident(src[start..i].to_string())
            }
            c if c.is_ascii_digit()
                || ((c == b'-' || c == b'+' || c == b'.')
                    && b.get(i + 1).is_some_and(u8::is_ascii_digit)) =>
            {
                if let Some((tok, len)) = date_or_datetime(&src[i..]) {
                    i += len;
                    tok
                } else {
                    i += 1;
                    while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'.') {
                        i += 1;
                    }
                    // A number glued to letters (`12abc`, `2026-01-01T10:00:00` with no zone)
                    // is one bad token, as Salesforce reports it.
                    while i < b.len()
                        && (b[i].is_ascii_alphanumeric() || matches!(b[i], b'_' | b'-' | b':'))
                    {
                        i += 1;
                    }
                    let text = &src[start..i];
                    // A date or dateTime the lexer could not finish (`2026-01-01T10:00:00`
                    // without a zone): it fails where the token stops.
                    if text.len() > 10 && text.as_bytes()[4] == b'-' && text.contains('T') {
                        return Err(no_viable(src, i));
                    }
                    if text[1..].contains(|ch: char| !ch.is_ascii_digit() && ch != '.')
                        || text.matches('.').count() > 1
                    {
                        return Err(unexpected(src, start, text));
                    }
                    Tok::Num(text.to_string())
                }
            }
            _ => return Err(no_viable(src, i)),
        };
        out.push(Token { tok, start, end: i });
    }
    out.push(Token {
        tok: Tok::Eof,
        start: src.len(),
        end: src.len(),
    });
    Ok(out)
}

/// `2026-01-01` or `2026-01-01T10:00:00[.sss](Z|+hh:mm|-hhmm)` at the start of `s`.
fn date_or_datetime(s: &str) -> Option<(Tok, usize)> {
    let b = s.as_bytes();
    let digits = |from: usize, n: usize| -> Option<i64> {
        let part = b.get(from..from + n)?;
        part.iter().all(u8::is_ascii_digit).then(|| {
            part.iter()
                .fold(0i64, |acc, d| acc * 10 + i64::from(d - b'0'))
        })
    };
    let year = digits(0, 4)?;
    if b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
        return None;
    }
    let month = digits(5, 2)?;
    let day = digits(8, 2)?;
    let days = dates::days_from_ymd(year as i32, month as u32, day as u32)?;
    if b.get(10) != Some(&b'T') {
        // A date must not run on into letters or digits.
        if b.get(10).is_some_and(|c| c.is_ascii_alphanumeric()) {
            return None;
        }
        return Some((Tok::Date(days), 10));
    }
    let hour = digits(11, 2)?;
    let minute = digits(14, 2)?;
    let second = digits(17, 2)?;
    if b.get(13) != Some(&b':')
        || b.get(16) != Some(&b':')
        || hour > 23
        || minute > 59
        || second > 59
    {
        return None;
    }
    let mut i = 19;
    let mut millis = 0i64;
    if b.get(i) == Some(&b'.') {
        i += 1;
        let from = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i == from {
            return None;
        }
        let frac = &s[from..i.min(from + 3)];
        millis = frac.parse::<i64>().ok()? * 10i64.pow(3 - frac.len() as u32);
    }
    let offset_minutes = match b.get(i) {
        Some(b'Z' | b'z') => {
            i += 1;
            0
        }
        Some(&sign @ (b'+' | b'-')) => {
            let h = digits(i + 1, 2)?;
            let (m, len) = if b.get(i + 3) == Some(&b':') {
                (digits(i + 4, 2)?, 6)
            } else {
                (digits(i + 3, 2)?, 5)
            };
            i += len;
            let total = h * 60 + m;
            if sign == b'-' { -total } else { total }
        }
        _ => return None,
    };
    if b.get(i).is_some_and(|c| c.is_ascii_alphanumeric()) {
        return None;
    }
    let ms = i64::from(days) * 86_400_000 + (hour * 3600 + minute * 60 + second) * 1000 + millis
        - offset_minutes * 60_000;
    Some((Tok::DateTime(ms), i))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(s: &str) -> Vec<Tok> {
        lex(s).unwrap().into_iter().map(|t| t.tok).collect()
    }

    #[test]
    fn operators_and_punctuation() {
        assert_eq!(
            kinds("a != b <> c <= >= < > = ,().:"),
            vec![
                Tok::Ident("a".into()),
                Tok::Op(CmpOp::Ne),
                Tok::Ident("b".into()),
                Tok::Op(CmpOp::Ne),
                Tok::Ident("c".into()),
                Tok::Op(CmpOp::Le),
                Tok::Op(CmpOp::Ge),
                Tok::Op(CmpOp::Lt),
                Tok::Op(CmpOp::Gt),
                Tok::Op(CmpOp::Eq),
                Tok::Comma,
                Tok::LParen,
                Tok::RParen,
                Tok::Dot,
                Tok::Colon,
                Tok::Eof,
            ]
        );
    }

    #[test]
    fn dates_datetimes_and_numbers() {
        assert_eq!(kinds("2026-01-01")[0], Tok::Date(20454));
        assert_eq!(
            kinds("2026-01-01T00:00:00Z")[0],
            Tok::DateTime(20454 * 86_400_000)
        );
        assert_eq!(
            kinds("2026-01-01T01:30:00+01:30")[0],
            Tok::DateTime(20454 * 86_400_000)
        );
        assert_eq!(
            kinds("2026-01-01T00:00:00.250-0100")[0],
            Tok::DateTime(20454 * 86_400_000 + 3_600_000 + 250)
        );
        assert_eq!(kinds("-12.5")[0], Tok::Num("-12.5".into()));
        assert_eq!(kinds("42")[0], Tok::Num("42".into()));
    }

    #[test]
    fn lexer_failures_report_like_salesforce() {
        // Recorded from a real org (echo aside, which Salesforce trims to a window).
        let q = "Select Id from Opportunity  where DAY_ONLY(CloseDate) < 2016-07-31T04:17:54";
        let e = lex(q).unwrap_err();
        assert_eq!(e.code, MALFORMED_QUERY);
        assert_eq!(
            e.message,
            format!(
                "\n{q}\n{}^\nERROR at Row:1:Column:75\nline 1:75 no viable alternative at character '<EOF>'",
                " ".repeat(74)
            )
        );
        let e = lex("SELECT Id FROM A WHERE X > 2026-01-01T00:00:00 AND Y = 1").unwrap_err();
        assert!(
            e.message
                .ends_with("line 1:46 no viable alternative at character ' '")
        );
        let e = lex("SELECT Id FROM A WHERE X = #").unwrap_err();
        assert!(e.message.ends_with(
            "ERROR at Row:1:Column:27\nline 1:27 no viable alternative at character '#'"
        ));
        assert!(
            lex("SELECT Id FROM A WHERE X = 12abc")
                .unwrap_err()
                .message
                .ends_with("unexpected token: '12abc'")
        );
    }

    #[test]
    fn strings_keep_raw_escapes() {
        assert_eq!(kinds(r"'a\'b\\'")[0], Tok::Str(r"a\'b\\".into()));
        let e = lex("SELECT Id FROM A WHERE N = 'abc").unwrap_err();
        assert!(
            e.message
                .ends_with("Column:31\nline 1:31 no viable alternative at character '<EOF>'")
        );
    }
}
