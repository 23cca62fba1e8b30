//! Typed views of stored values and how SOQL compares them: strings case-insensitively,
//! ids by their 15-character case-sensitive form, dates and dateTimes as instants.

use std::cmp::Ordering;

use super::dates;
use super::{FieldKind, FieldValue};

/// How a field's values compare.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cat {
    Text,
    Multi,
    Id,
    Bool,
    Num,
    Date,
    DateTime,
    Time,
    Compound,
}

impl Cat {
    pub fn of(kind: FieldKind) -> Cat {
        use FieldKind::*;
        match kind {
            Id | Reference => Cat::Id,
            String | Textarea | Email | Phone | Url | Picklist | Combobox | EncryptedString => {
                Cat::Text
            }
            Multipicklist => Cat::Multi,
            Boolean => Cat::Bool,
            Int | Long | Double | Currency | Percent => Cat::Num,
            Date => Cat::Date,
            DateTime => Cat::DateTime,
            Time => Cat::Time,
            Address | Location => Cat::Compound,
        }
    }
}

/// The SOAP type name Salesforce uses in "must be of type .." messages.
pub(crate) fn type_name(kind: FieldKind) -> &'static str {
    use FieldKind::*;
    match kind {
        Id | Reference => "id",
        Boolean => "boolean",
        Int => "int",
        Long => "long",
        Double | Currency | Percent => "double",
        Date => "date",
        DateTime => "dateTime",
        Time => "time",
        _ => "string",
    }
}

/// A stored value seen through its field's category, borrowed from the row.
#[derive(Debug, Clone, Copy)]
pub(crate) enum V<'a> {
    Null,
    Text(&'a str),
    Num(f64),
    Bool(bool),
    /// Days (date) or millis (dateTime) since the epoch.
    Int(i64),
}

pub(crate) fn typed(cat: Cat, v: FieldValue<'_>) -> V<'_> {
    match (cat, v) {
        (_, FieldValue::Null) => V::Null,
        (Cat::Date, FieldValue::Date(d)) => V::Int(d.into()),
        (Cat::Date, FieldValue::Text(s)) => {
            dates::parse_date(s).map_or(V::Null, |d| V::Int(d.into()))
        }
        (Cat::DateTime, FieldValue::DateTime(t)) => V::Int(t),
        (Cat::DateTime, FieldValue::Text(s)) => dates::parse_datetime(s).map_or(V::Null, V::Int),
        (Cat::Num, FieldValue::Int(i)) => V::Num(i as f64),
        (Cat::Num, FieldValue::Double(d)) => V::Num(d),
        (Cat::Num, FieldValue::Text(s)) => s.parse().map_or(V::Null, V::Num),
        (Cat::Bool, FieldValue::Bool(b)) => V::Bool(b),
        (_, FieldValue::Text(s)) => V::Text(s),
        _ => V::Null,
    }
}

/// A compiled literal, in the unit of the field it is compared with.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Key {
    Null,
    /// Lower-cased for text fields; the 15-character form for ids; as written for times.
    Text(String),
    Num(f64),
    Bool(bool),
    Int(i64),
    /// A relative date literal: `[lo, hi)` in days or millis.
    Range(i64, i64),
    /// A multi-select value: its lower-cased parts, sorted.
    Multi(Vec<String>),
}

/// The case-sensitive 15-character form of an id (18-character ids add only a checksum).
pub(crate) fn id15(s: &str) -> &str {
    if s.len() == 18 && s.is_char_boundary(15) {
        &s[..15]
    } else {
        s
    }
}

fn lower_chars(s: &str) -> impl Iterator<Item = char> + '_ {
    s.chars().flat_map(char::to_lowercase)
}

/// Case-insensitive order of two strings.
pub(crate) fn ci_cmp(a: &str, b: &str) -> Ordering {
    if a.is_ascii() && b.is_ascii() {
        let (x, y) = (a.as_bytes(), b.as_bytes());
        for (p, q) in x.iter().zip(y) {
            match p.to_ascii_lowercase().cmp(&q.to_ascii_lowercase()) {
                Ordering::Equal => {}
                other => return other,
            }
        }
        return x.len().cmp(&y.len());
    }
    lower_chars(a).cmp(lower_chars(b))
}

/// Whether `a` equals `lower` (already lower-cased) ignoring case.
fn ci_eq_lower(a: &str, lower: &str) -> bool {
    if a.is_ascii() && lower.is_ascii() {
        a.eq_ignore_ascii_case(lower)
    } else {
        lower_chars(a).eq(lower.chars())
    }
}

pub(crate) fn multi_parts(s: &str) -> Vec<String> {
    let mut parts: Vec<String> = s
        .split(';')
        .map(|p| p.trim().to_lowercase())
        .filter(|p| !p.is_empty())
        .collect();
    parts.sort();
    parts.dedup();
    parts
}

/// Equality of a non-null stored value and a non-null literal.
pub(crate) fn equals(cat: Cat, v: V<'_>, k: &Key) -> bool {
    match (v, k) {
        (V::Text(a), Key::Text(b)) => match cat {
            Cat::Id => id15(a) == b,
            Cat::Time => a == b,
            _ => ci_eq_lower(a, b),
        },
        (V::Text(a), Key::Multi(parts)) => multi_parts(a) == *parts,
        (V::Num(a), Key::Num(b)) => a == *b,
        (V::Bool(a), Key::Bool(b)) => a == *b,
        (V::Int(a), Key::Int(b)) => a == *b,
        (V::Int(a), Key::Range(lo, hi)) => *lo <= a && a < *hi,
        _ => false,
    }
}

/// Order of a non-null stored value against a non-null literal.
fn order(cat: Cat, v: V<'_>, k: &Key) -> Option<Ordering> {
    match (v, k) {
        (V::Text(a), Key::Text(b)) => Some(match cat {
            Cat::Id => id15(a).cmp(b.as_str()),
            Cat::Time => a.cmp(b.as_str()),
            _ => ci_cmp(a, b),
        }),
        (V::Num(a), Key::Num(b)) => a.partial_cmp(b),
        (V::Bool(a), Key::Bool(b)) => Some(a.cmp(b)),
        (V::Int(a), Key::Int(b)) => Some(a.cmp(b)),
        _ => None,
    }
}

/// `field <op> literal` with SOQL's null rules: `= null` / `!= null` test presence, `!=`
/// matches rows where the field is empty, other comparisons never match an empty field.
pub(crate) fn compare(cat: Cat, v: V<'_>, op: super::ast::CmpOp, k: &Key) -> bool {
    use super::ast::CmpOp::*;
    match (v, k) {
        (V::Null, Key::Null) => op == Eq,
        (_, Key::Null) => op == Ne,
        (V::Null, _) => op == Ne,
        (V::Int(a), Key::Range(lo, hi)) => match op {
            Eq => *lo <= a && a < *hi,
            Ne => !(*lo <= a && a < *hi),
            Lt => a < *lo,
            Le => a < *hi,
            Gt => a >= *hi,
            Ge => a >= *lo,
        },
        _ => match op {
            Eq => equals(cat, v, k),
            Ne => !equals(cat, v, k),
            _ => match order(cat, v, k) {
                Some(o) => match op {
                    Lt => o == Ordering::Less,
                    Le => o != Ordering::Greater,
                    Gt => o == Ordering::Greater,
                    Ge => o != Ordering::Less,
                    Eq | Ne => unreachable!("handled above"),
                },
                None => false,
            },
        },
    }
}

/// Order of two stored values for ORDER BY (nulls are handled by the caller).
pub(crate) fn order_values(cat: Cat, a: V<'_>, b: V<'_>) -> Ordering {
    match (a, b) {
        (V::Text(x), V::Text(y)) => match cat {
            Cat::Id | Cat::Time => x.cmp(y),
            _ => ci_cmp(x, y),
        },
        (V::Num(x), V::Num(y)) => x.partial_cmp(&y).unwrap_or(Ordering::Equal),
        (V::Bool(x), V::Bool(y)) => x.cmp(&y),
        (V::Int(x), V::Int(y)) => x.cmp(&y),
        _ => Ordering::Equal,
    }
}

/// A compiled LIKE pattern (case-insensitive, `%` any run, `_` one character).
#[derive(Debug, Clone)]
pub(crate) enum Like {
    /// `abc`: equality.
    Exact(String),
    /// `abc%`
    Prefix(String),
    /// `%abc`
    Suffix(String),
    /// `%abc%`
    Contains(String),
    General(Vec<super::ast::LikePart>),
}

impl Like {
    pub fn compile(parts: &[super::ast::LikePart]) -> Like {
        use super::ast::LikePart;
        let lowered: Vec<LikePart> = parts
            .iter()
            .flat_map(|p| match p {
                LikePart::Char(c) => c.to_lowercase().map(LikePart::Char).collect::<Vec<_>>(),
                other => vec![other.clone()],
            })
            .collect();
        let literal = |ps: &[LikePart]| -> Option<String> {
            ps.iter()
                .map(|p| match p {
                    LikePart::Char(c) => Some(*c),
                    _ => None,
                })
                .collect()
        };
        let n = lowered.len();
        let starts = lowered.first() == Some(&LikePart::Any);
        let ends = n > 1 && lowered.last() == Some(&LikePart::Any);
        let inner = &lowered[usize::from(starts)..n - usize::from(ends)];
        match (starts, ends, literal(inner)) {
            (false, false, Some(s)) => Like::Exact(s),
            (false, true, Some(s)) => Like::Prefix(s),
            (true, false, Some(s)) => Like::Suffix(s),
            (true, true, Some(s)) => Like::Contains(s),
            _ => Like::General(lowered),
        }
    }

    pub fn matches(&self, s: &str) -> bool {
        // ASCII haystacks (the common case) are matched without allocating.
        if s.is_ascii() {
            match self {
                Like::Exact(p) if p.is_ascii() => return s.eq_ignore_ascii_case(p),
                Like::Prefix(p) if p.is_ascii() => {
                    return s.len() >= p.len()
                        && s.as_bytes()[..p.len()].eq_ignore_ascii_case(p.as_bytes());
                }
                Like::Suffix(p) if p.is_ascii() => {
                    return s.len() >= p.len()
                        && s.as_bytes()[s.len() - p.len()..].eq_ignore_ascii_case(p.as_bytes());
                }
                Like::Contains(p) if p.is_ascii() => {
                    let (h, n) = (s.as_bytes(), p.as_bytes());
                    return n.is_empty() || h.windows(n.len()).any(|w| w.eq_ignore_ascii_case(n));
                }
                _ => {}
            }
        }
        let lower = s.to_lowercase();
        match self {
            Like::Exact(p) => lower == *p,
            Like::Prefix(p) => lower.starts_with(p.as_str()),
            Like::Suffix(p) => lower.ends_with(p.as_str()),
            Like::Contains(p) => lower.contains(p.as_str()),
            Like::General(parts) => {
                let chars: Vec<char> = lower.chars().collect();
                glob(parts, &chars)
            }
        }
    }
}

/// Wildcard match with single-star backtracking (linear for one `%`, quadratic at worst).
fn glob(pattern: &[super::ast::LikePart], s: &[char]) -> bool {
    use super::ast::LikePart;
    let (mut p, mut i) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while i < s.len() {
        match pattern.get(p) {
            Some(LikePart::Any) => {
                star = Some((p, i));
                p += 1;
            }
            Some(LikePart::One) => {
                p += 1;
                i += 1;
            }
            Some(LikePart::Char(c)) if *c == s[i] => {
                p += 1;
                i += 1;
            }
            _ => match star {
                Some((sp, si)) => {
                    p = sp + 1;
                    i = si + 1;
                    star = Some((sp, si + 1));
                }
                None => return false,
            },
        }
    }
    pattern[p..].iter().all(|x| *x == LikePart::Any)
}

#[cfg(test)]
mod tests {
    use super::super::ast::LikePart::{self, Any, Char, One};
    use super::*;

    fn pat(s: &str) -> Vec<LikePart> {
        s.chars()
            .map(|c| match c {
                '%' => Any,
                '_' => One,
                c => Char(c),
            })
            .collect()
    }

    #[test]
    fn like_shapes_and_cases() {
        let m = |p: &str, s: &str| Like::compile(&pat(p)).matches(s);
        assert!(m("ac%", "ACME Corp"));
        assert!(!m("ac%", "The ACME"));
        assert!(m("%corp", "ACME CORP"));
        assert!(m("%me c%", "Acme Corp"));
        assert!(m("acme", "AcMe"));
        assert!(!m("acme", "AcMe2"));
        assert!(m("a_m%", "ACME"));
        assert!(!m("a_m%", "AM"));
        assert!(m("%", ""));
        assert!(m("%b%d", "abcbd"));
        assert!(m("é%", "Éclair"));
        assert!(m("%ÉC%", "xécx"));
        assert!(!m("a%c", "abd"));
    }

    #[test]
    fn comparisons_and_nulls() {
        use super::super::ast::CmpOp::*;
        let t = Key::Text("acme".into());
        assert!(compare(Cat::Text, V::Text("ACME"), Eq, &t));
        assert!(compare(Cat::Text, V::Null, Ne, &t));
        assert!(!compare(Cat::Text, V::Null, Eq, &t));
        assert!(!compare(Cat::Text, V::Null, Lt, &t));
        assert!(compare(Cat::Text, V::Null, Eq, &Key::Null));
        assert!(compare(Cat::Text, V::Text("b"), Gt, &t));
        assert!(compare(
            Cat::Id,
            V::Text("001Ab0000000001AAA"),
            Eq,
            &Key::Text("001Ab0000000001".into())
        ));
        assert!(!compare(
            Cat::Id,
            V::Text("001Ab0000000001AAA"),
            Eq,
            &Key::Text("001ab0000000001".into())
        ));
        assert!(compare(Cat::Num, V::Num(5.0), Ge, &Key::Num(5.0)));
        assert!(compare(Cat::Date, V::Int(10), Le, &Key::Range(5, 11)));
        assert!(!compare(Cat::Date, V::Int(11), Le, &Key::Range(5, 11)));
        assert!(compare(Cat::Date, V::Int(11), Gt, &Key::Range(5, 11)));
        assert!(compare(
            Cat::Multi,
            V::Text("b;a"),
            Eq,
            &Key::Multi(vec!["a".into(), "b".into()])
        ));
        assert_eq!(ci_cmp("apple", "Banana"), Ordering::Less);
        assert_eq!(ci_cmp("Émile", "émile"), Ordering::Equal);
    }
}
