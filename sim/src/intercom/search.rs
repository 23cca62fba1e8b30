//! The search query DSL of `POST /contacts/search` and `POST /conversations/search`:
//! `{"field","operator","value"}` filters combined in nested `AND`/`OR` groups.

use std::borrow::Cow;

use serde_json::Value;

use super::wire::ApiError;

/// The real API allows two levels of nesting below the top group and 15 filters per group.
const MAX_DEPTH: usize = 3;
const MAX_GROUP: usize = 15;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    In,
    Nin,
    Lt,
    Gt,
    Contains,
    NotContains,
    StartsWith,
    EndsWith,
}

impl Op {
    fn parse(s: &str) -> Option<Op> {
        Some(match s {
            "=" => Op::Eq,
            "!=" => Op::Ne,
            "IN" => Op::In,
            "NIN" => Op::Nin,
            "<" => Op::Lt,
            ">" => Op::Gt,
            "~" => Op::Contains,
            "!~" => Op::NotContains,
            "^" => Op::StartsWith,
            "$" => Op::EndsWith,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone)]
pub enum Query {
    All(Vec<Query>),
    Any(Vec<Query>),
    Filter { field: String, op: Op, value: Value },
}

/// One field's value on a record. `List` matches when any element does (tags, companies).
#[derive(Debug, Clone)]
pub enum Fv<'a> {
    Null,
    Str(Cow<'a, str>),
    Int(i64),
    /// Unix seconds. Searches compare dates by UTC day, as the real API does: `> t` means
    /// from the day after `t`'s day, `= t` means on `t`'s day.
    Date(i64),
    Float(f64),
    Bool(bool),
    List(Vec<Fv<'a>>),
}

fn day(secs: f64) -> i64 {
    (secs as i64).div_euclid(86_400)
}

impl<'a> From<Option<&'a str>> for Fv<'a> {
    fn from(v: Option<&'a str>) -> Self {
        v.map_or(Fv::Null, |s| Fv::Str(Cow::Borrowed(s)))
    }
}

impl From<Option<i64>> for Fv<'_> {
    fn from(v: Option<i64>) -> Self {
        v.map_or(Fv::Null, Fv::Int)
    }
}

impl<'a> Fv<'a> {
    pub fn of_json(v: &'a Value) -> Fv<'a> {
        match v {
            Value::Null => Fv::Null,
            Value::Bool(b) => Fv::Bool(*b),
            Value::Number(n) => n
                .as_i64()
                .map_or_else(|| Fv::Float(n.as_f64().unwrap_or(0.0)), Fv::Int),
            Value::String(s) => Fv::Str(Cow::Borrowed(s)),
            Value::Array(a) => Fv::List(a.iter().map(Fv::of_json).collect()),
            Value::Object(_) => Fv::Null,
        }
    }
}

/// Parses a query, checking fields with `known` (which says whether a field name exists).
pub fn parse(v: &Value, known: &dyn Fn(&str) -> bool) -> Result<Query, ApiError> {
    parse_at(v, known, 1)
}

fn parse_at(v: &Value, known: &dyn Fn(&str) -> bool, depth: usize) -> Result<Query, ApiError> {
    let op = v
        .get("operator")
        .and_then(Value::as_str)
        .ok_or_else(|| ApiError::parameter_invalid("operator is required"))?;
    if op == "AND" || op == "OR" {
        if depth > MAX_DEPTH {
            return Err(ApiError::parameter_invalid(
                "Nesting of filters is limited to 2 levels",
            ));
        }
        let items = v
            .get("value")
            .and_then(Value::as_array)
            .ok_or_else(|| ApiError::parameter_invalid(format!("{op} needs an array value")))?;
        if items.len() > MAX_GROUP {
            return Err(ApiError::parameter_invalid(
                "A filter group can contain at most 15 filters",
            ));
        }
        let items = items
            .iter()
            .map(|i| parse_at(i, known, depth + 1))
            .collect::<Result<Vec<_>, _>>()?;
        return Ok(if op == "AND" {
            Query::All(items)
        } else {
            Query::Any(items)
        });
    }
    let op = Op::parse(op)
        .ok_or_else(|| ApiError::parameter_invalid(format!("operator {op:?} is not supported")))?;
    let field = v
        .get("field")
        .and_then(Value::as_str)
        .ok_or_else(|| ApiError::parameter_invalid("field is required"))?;
    if !known(field) {
        return Err(ApiError::parameter_invalid(format!(
            "{field} is not a searchable field"
        )));
    }
    let value = v.get("value").cloned().unwrap_or(Value::Null);
    if matches!(op, Op::In | Op::Nin) && !value.is_array() {
        return Err(ApiError::parameter_invalid(format!(
            "{field}: IN and NIN need an array value"
        )));
    }
    Ok(Query::Filter {
        field: field.to_owned(),
        op,
        value,
    })
}

impl Query {
    pub fn matches<'r>(&self, get: &dyn Fn(&str) -> Fv<'r>) -> bool {
        match self {
            Query::All(items) => items.iter().all(|q| q.matches(get)),
            Query::Any(items) => items.iter().any(|q| q.matches(get)),
            Query::Filter { field, op, value } => test(&get(field), *op, value),
        }
    }
}

fn test(field: &Fv<'_>, op: Op, value: &Value) -> bool {
    match op {
        Op::Eq => any(field, &|f| equals(f, value)),
        Op::Ne => !any(field, &|f| equals(f, value)),
        Op::In => value
            .as_array()
            .is_some_and(|vs| vs.iter().any(|v| any(field, &|f| equals(f, v)))),
        Op::Nin => !value
            .as_array()
            .is_some_and(|vs| vs.iter().any(|v| any(field, &|f| equals(f, v)))),
        Op::Lt => any(field, &|f| compare(f, value).is_some_and(|o| o.is_lt())),
        Op::Gt => any(field, &|f| compare(f, value).is_some_and(|o| o.is_gt())),
        Op::Contains => any(field, &|f| text(f, value, |a, b| a.contains(b))),
        Op::NotContains => !any(field, &|f| text(f, value, |a, b| a.contains(b))),
        Op::StartsWith => any(field, &|f| text(f, value, |a, b| a.starts_with(b))),
        Op::EndsWith => any(field, &|f| text(f, value, |a, b| a.ends_with(b))),
    }
}

fn any(field: &Fv<'_>, pred: &dyn Fn(&Fv<'_>) -> bool) -> bool {
    match field {
        Fv::List(items) => items.iter().any(pred),
        single => pred(single),
    }
}

fn number(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

fn equals(f: &Fv<'_>, v: &Value) -> bool {
    match (f, v) {
        (Fv::Null, Value::Null) => true,
        (Fv::Null, _) | (_, Value::Null) => false,
        (Fv::Str(a), Value::String(b)) => a.eq_ignore_ascii_case(b),
        (Fv::Str(a), Value::Number(n)) => *a == n.to_string(),
        (Fv::Int(a), v) => number(v) == Some(*a as f64),
        (Fv::Date(a), v) => number(v).is_some_and(|v| day(v) == day(*a as f64)),
        (Fv::Float(a), v) => number(v) == Some(*a),
        (Fv::Bool(a), Value::Bool(b)) => a == b,
        (Fv::Bool(a), Value::String(s)) => s.parse::<bool>().ok() == Some(*a),
        _ => false,
    }
}

fn compare(f: &Fv<'_>, v: &Value) -> Option<std::cmp::Ordering> {
    match f {
        Fv::Int(a) => (*a as f64).partial_cmp(&number(v)?),
        Fv::Date(a) => Some(day(*a as f64).cmp(&day(number(v)?))),
        Fv::Float(a) => a.partial_cmp(&number(v)?),
        Fv::Str(a) => Some(a.as_ref().cmp(v.as_str()?)),
        _ => None,
    }
}

fn text(f: &Fv<'_>, v: &Value, pred: fn(&str, &str) -> bool) -> bool {
    let Fv::Str(a) = f else { return false };
    let b = match v {
        Value::String(s) => s.to_lowercase(),
        Value::Number(n) => n.to_string(),
        _ => return false,
    };
    pred(&a.to_lowercase(), &b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn record(field: &str) -> Fv<'static> {
        match field {
            "email" => Fv::Str("Alice@Example.com".into()),
            "created_at" => Fv::Int(100),
            // 2020-01-01T10:00:00Z
            "signed_up_at" => Fv::Date(1_577_872_800),
            "tag_id" => Fv::List(vec![Fv::Str("7".into()), Fv::Str("9".into())]),
            "custom_attributes.tier" => Fv::Str("gold".into()),
            _ => Fv::Null,
        }
    }

    fn check(q: Value) -> bool {
        parse(&q, &|_| true).unwrap().matches(&record)
    }

    #[test]
    fn every_operator() {
        assert!(check(
            json!({"field": "email", "operator": "=", "value": "alice@example.com"})
        ));
        assert!(check(
            json!({"field": "email", "operator": "!=", "value": "bob@example.com"})
        ));
        assert!(check(
            json!({"field": "tag_id", "operator": "IN", "value": ["1", "9"]})
        ));
        assert!(check(
            json!({"field": "tag_id", "operator": "NIN", "value": ["1", "2"]})
        ));
        assert!(check(
            json!({"field": "created_at", "operator": "<", "value": 101})
        ));
        assert!(check(
            json!({"field": "created_at", "operator": ">", "value": "99"})
        ));
        assert!(check(
            json!({"field": "email", "operator": "~", "value": "example"})
        ));
        assert!(check(
            json!({"field": "email", "operator": "!~", "value": "nope"})
        ));
        assert!(check(
            json!({"field": "email", "operator": "^", "value": "ali"})
        ));
        assert!(check(
            json!({"field": "email", "operator": "$", "value": ".com"})
        ));
        assert!(check(
            json!({"field": "name", "operator": "=", "value": null})
        ));
        assert!(!check(
            json!({"field": "created_at", "operator": ">", "value": 100})
        ));
    }

    #[test]
    fn dates_compare_by_day() {
        // 2020-01-01T09:00:00Z: same day as the record, so not greater, but equal.
        assert!(!check(
            json!({"field": "signed_up_at", "operator": ">", "value": 1_577_869_200})
        ));
        assert!(check(
            json!({"field": "signed_up_at", "operator": "=", "value": 1_577_869_200})
        ));
        assert!(check(
            json!({"field": "signed_up_at", "operator": ">", "value": 1_577_836_800 - 1})
        ));
        assert!(check(
            json!({"field": "signed_up_at", "operator": "<", "value": 1_577_836_800 + 86_400})
        ));
        assert!(!check(
            json!({"field": "signed_up_at", "operator": "<", "value": 1_577_872_900})
        ));
    }

    #[test]
    fn nested_groups() {
        let q = json!({"operator": "AND", "value": [
            {"field": "custom_attributes.tier", "operator": "=", "value": "gold"},
            {"operator": "OR", "value": [
                {"field": "email", "operator": "=", "value": "x@y.z"},
                {"field": "created_at", "operator": "=", "value": 100},
            ]},
        ]});
        assert!(check(q));
        let too_deep = json!({"operator": "AND", "value": [{"operator": "OR", "value": [{"operator": "AND", "value": [
            {"operator": "OR", "value": [{"field": "email", "operator": "=", "value": "a"}]}]}]}]});
        assert_eq!(
            parse(&too_deep, &|_| true).unwrap_err().code,
            "parameter_invalid"
        );
        let unknown = json!({"field": "shoe_size", "operator": "=", "value": 1});
        assert!(parse(&unknown, &|f| f == "email").is_err());
        let bad_op = json!({"field": "email", "operator": "LIKE", "value": 1});
        assert!(parse(&bad_op, &|_| true).is_err());
    }
}
