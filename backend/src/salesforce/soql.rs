//! A SOQL builder: queries are assembled from typed parts, every literal escaped, every field
//! name checked, so no input is ever pasted into a query.

use std::fmt::{self, Write as _};

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{0:?} is not a Salesforce field name")]
pub struct BadFieldName(pub String);

/// A field or relationship path (`Email`, `Account.Owner.Name`), checked when made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field(String);

impl Field {
    /// Checks `name` is a dotted path of identifiers (letters, digits, `_`, starting with a letter).
    pub fn parse(name: &str) -> Result<Field, BadFieldName> {
        let valid = !name.is_empty()
            && name.split('.').all(|part| {
                let mut chars = part.chars();
                chars.next().is_some_and(|c| c.is_ascii_alphabetic())
                    && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
            });
        if valid {
            Ok(Field(name.to_owned()))
        } else {
            Err(BadFieldName(name.to_owned()))
        }
    }

    /// A field name known at compile time. Panics on a malformed name: a bug, not input.
    pub fn known(name: &'static str) -> Field {
        Field::parse(name).expect("a well-formed field name in the code")
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A literal value, rendered with SOQL's quoting and escaping rules.
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    Str(String),
    Bool(bool),
    Int(i64),
    Double(f64),
    Date(NaiveDate),
    DateTime(DateTime<Utc>),
    Null,
}

impl From<&str> for Literal {
    fn from(value: &str) -> Self {
        Literal::Str(value.to_owned())
    }
}

impl From<String> for Literal {
    fn from(value: String) -> Self {
        Literal::Str(value)
    }
}

impl From<bool> for Literal {
    fn from(value: bool) -> Self {
        Literal::Bool(value)
    }
}

impl fmt::Display for Literal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Literal::Str(s) => {
                f.write_char('\'')?;
                for c in s.chars() {
                    match c {
                        '\\' => f.write_str("\\\\")?,
                        '\'' => f.write_str("\\'")?,
                        '"' => f.write_str("\\\"")?,
                        '\n' => f.write_str("\\n")?,
                        '\r' => f.write_str("\\r")?,
                        '\t' => f.write_str("\\t")?,
                        '\u{8}' => f.write_str("\\b")?,
                        '\u{c}' => f.write_str("\\f")?,
                        c => f.write_char(c)?,
                    }
                }
                f.write_char('\'')
            }
            Literal::Bool(b) => f.write_str(if *b { "true" } else { "false" }),
            Literal::Int(i) => write!(f, "{i}"),
            Literal::Double(d) => write!(f, "{d}"),
            Literal::Date(d) => write!(f, "{}", d.format("%Y-%m-%d")),
            // dateTime literals are unquoted.
            Literal::DateTime(t) => f.write_str(&t.to_rfc3339_opts(SecondsFormat::Secs, true)),
            Literal::Null => f.write_str("null"),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    Lt,
    Gt,
    Le,
    Ge,
}

impl Op {
    fn as_str(self) -> &'static str {
        match self {
            Op::Eq => "=",
            Op::Ne => "!=",
            Op::Lt => "<",
            Op::Gt => ">",
            Op::Le => "<=",
            Op::Ge => ">=",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    Compare(Field, Op, Literal),
    In(Field, Vec<Literal>),
    /// A semi-join: `AccountId IN (SELECT AccountId FROM Contact WHERE ..)`.
    InQuery(Field, Box<Query>),
    And(Vec<Condition>),
    Or(Vec<Condition>),
    Not(Box<Condition>),
}

impl Condition {
    pub fn eq(field: Field, value: impl Into<Literal>) -> Condition {
        Condition::Compare(field, Op::Eq, value.into())
    }

    pub fn and(self, other: Condition) -> Condition {
        match self {
            Condition::And(mut all) => {
                all.push(other);
                Condition::And(all)
            }
            first => Condition::And(vec![first, other]),
        }
    }

    fn render(&self, out: &mut String) {
        match self {
            Condition::Compare(field, op, value) => {
                let _ = write!(out, "{} {} {value}", field.as_str(), op.as_str());
            }
            Condition::In(field, values) => {
                let list: Vec<String> = values.iter().map(ToString::to_string).collect();
                let _ = write!(out, "{} IN ({})", field.as_str(), list.join(", "));
            }
            Condition::InQuery(field, query) => {
                let _ = write!(out, "{} IN ({query})", field.as_str());
            }
            Condition::And(all) | Condition::Or(all) => {
                let joiner = if matches!(self, Condition::And(_)) {
                    " AND "
                } else {
                    " OR "
                };
                for (i, c) in all.iter().enumerate() {
                    if i > 0 {
                        out.push_str(joiner);
                    }
                    let nested = matches!(c, Condition::And(_) | Condition::Or(_));
                    if nested {
                        out.push('(');
                    }
                    c.render(out);
                    if nested {
                        out.push(')');
                    }
                }
            }
            Condition::Not(inner) => {
                out.push_str("NOT (");
                inner.render(out);
                out.push(')');
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Item {
    Field(Field),
    Subquery(Query),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    Asc,
    Desc,
}

/// `SELECT .. FROM .. [WHERE ..] [ORDER BY ..] [LIMIT n]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    items: Vec<Item>,
    from: Field,
    filter: Option<Condition>,
    order: Vec<(Field, Order)>,
    limit: Option<u32>,
}

impl Query {
    /// `fields` are names known at compile time; see [`Query::field`] for checked input.
    pub fn select(object: &'static str, fields: &[&'static str]) -> Query {
        Query {
            items: fields
                .iter()
                .map(|f| Item::Field(Field::known(f)))
                .collect(),
            from: Field::known(object),
            filter: None,
            order: Vec::new(),
            limit: None,
        }
    }

    /// From an object named by input (checked), with fields known at compile time.
    pub fn select_from(object: Field, fields: &[&'static str]) -> Query {
        Query {
            items: fields
                .iter()
                .map(|f| Item::Field(Field::known(f)))
                .collect(),
            from: object,
            filter: None,
            order: Vec::new(),
            limit: None,
        }
    }

    pub fn field(mut self, field: Field) -> Query {
        self.items.push(Item::Field(field));
        self
    }

    /// A child subquery (`(SELECT .. FROM Opportunities)`).
    pub fn child(mut self, query: Query) -> Query {
        self.items.push(Item::Subquery(query));
        self
    }

    pub fn filter(mut self, condition: Condition) -> Query {
        self.filter = Some(match self.filter.take() {
            Some(existing) => existing.and(condition),
            None => condition,
        });
        self
    }

    pub fn order_by(mut self, field: &'static str, order: Order) -> Query {
        self.order.push((Field::known(field), order));
        self
    }

    pub fn limit(mut self, limit: u32) -> Query {
        self.limit = Some(limit);
        self
    }
}

impl fmt::Display for Query {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = String::from("SELECT ");
        for (i, item) in self.items.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            match item {
                Item::Field(field) => out.push_str(field.as_str()),
                Item::Subquery(q) => {
                    let _ = write!(out, "({q})");
                }
            }
        }
        let _ = write!(out, " FROM {}", self.from.as_str());
        if let Some(filter) = &self.filter {
            out.push_str(" WHERE ");
            filter.render(&mut out);
        }
        if !self.order.is_empty() {
            out.push_str(" ORDER BY ");
            let keys: Vec<String> = self
                .order
                .iter()
                .map(|(field, order)| {
                    let dir = if *order == Order::Desc { " DESC" } else { "" };
                    format!("{}{dir}", field.as_str())
                })
                .collect();
            out.push_str(&keys.join(", "));
        }
        if let Some(limit) = self.limit {
            let _ = write!(out, " LIMIT {limit}");
        }
        f.write_str(&out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_special_character_is_escaped() {
        let literal = Literal::from("O'Brien \\ \"x\"\n\r\t\u{8}\u{c}");
        assert_eq!(literal.to_string(), r#"'O\'Brien \\ \"x\"\n\r\t\b\f'"#);
        // An injection attempt stays inside its literal.
        let q = Query::select("Contact", &["Id"])
            .filter(Condition::eq(Field::known("Email"), "x' OR Name != '"));
        assert_eq!(
            q.to_string(),
            r#"SELECT Id FROM Contact WHERE Email = 'x\' OR Name != \''"#
        );
    }

    #[test]
    fn field_names_from_input_are_checked() {
        assert!(Field::parse("Intercom_Contact_Id__c").is_ok());
        assert!(Field::parse("Account.Owner.Email").is_ok());
        for bad in ["", "Email = 'x'", "1abc", "Name)", "a..b", "Email--"] {
            assert_eq!(
                Field::parse(bad),
                Err(BadFieldName(bad.to_owned())),
                "{bad}"
            );
        }
    }

    #[test]
    fn renders_subqueries_semi_joins_order_and_limit() {
        let key = Condition::eq(Field::known("Email"), "a@b.co");
        let q = Query::select("Opportunity", &["Id", "StageName"])
            .filter(Condition::InQuery(
                Field::known("AccountId"),
                Box::new(Query::select("Contact", &["AccountId"]).filter(key)),
            ))
            .filter(Condition::eq(Field::known("IsClosed"), false))
            .order_by("CloseDate", Order::Asc)
            .order_by("Amount", Order::Desc)
            .limit(50);
        assert_eq!(
            q.to_string(),
            "SELECT Id, StageName FROM Opportunity WHERE AccountId IN (SELECT AccountId FROM Contact \
             WHERE Email = 'a@b.co') AND IsClosed = false ORDER BY CloseDate, Amount DESC LIMIT 50"
        );
        let child = Query::select("Account", &["Id"])
            .child(Query::select("Opportunities", &["Id"]).limit(5))
            .filter(Condition::Or(vec![
                Condition::eq(Field::known("Name"), "A"),
                Condition::In(Field::known("Type"), vec!["B".into(), Literal::Null]),
            ]));
        assert_eq!(
            child.to_string(),
            "SELECT Id, (SELECT Id FROM Opportunities LIMIT 5) FROM Account WHERE Name = 'A' OR Type IN ('B', null)"
        );
    }

    #[test]
    fn dates_and_datetimes_are_unquoted() {
        let t = DateTime::parse_from_rfc3339("2026-01-02T03:04:05Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(Literal::DateTime(t).to_string(), "2026-01-02T03:04:05Z");
        assert_eq!(
            Literal::Date(NaiveDate::from_ymd_opt(2026, 1, 2).unwrap()).to_string(),
            "2026-01-02"
        );
        assert_eq!(Literal::Int(-3).to_string(), "-3");
    }
}
