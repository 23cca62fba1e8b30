//! The parsed query, names still as written (resolution against the org happens in `plan`).

pub use super::lexer::CmpOp;

/// A name as written, with its byte offset in the query (for error carets).
#[derive(Debug, Clone, PartialEq)]
pub struct Ident {
    pub text: String,
    pub pos: usize,
}

/// `Account.Owner.Name`: relationship names then a field name.
#[derive(Debug, Clone, PartialEq)]
pub struct Path {
    pub parts: Vec<Ident>,
}

impl Path {
    pub fn pos(&self) -> usize {
        self.parts[0].pos
    }
    pub fn text(&self) -> String {
        self.parts
            .iter()
            .map(|p| p.text.as_str())
            .collect::<Vec<_>>()
            .join(".")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AggregateFn {
    Count,
    CountDistinct,
    Sum,
    Avg,
    Min,
    Max,
}

#[derive(Debug, Clone, PartialEq)]
pub enum SelectItem {
    Field(Path),
    /// `COUNT()` has no field; `COUNT(Id) total` has a field and an alias.
    Aggregate {
        func: AggregateFn,
        field: Option<Path>,
        alias: Option<Ident>,
        pos: usize,
    },
    /// `(SELECT .. FROM Opportunities ..)`
    Subquery(Box<Query>),
    /// `Name n` in an aggregate query: a grouped field under another key.
    AliasedField(Path, Ident),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    pub select: Vec<SelectItem>,
    pub from: Ident,
    pub filter: Option<Condition>,
    pub group_by: Vec<Path>,
    pub having: Option<Condition>,
    pub order_by: Vec<OrderKey>,
    pub limit: Option<(u64, usize)>,
    pub offset: Option<(u64, usize)>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct OrderKey {
    /// The field, or the aggregated field when `aggregate` is set (`ORDER BY COUNT(Id) DESC`).
    pub path: Path,
    pub aggregate: Option<AggregateFn>,
    pub descending: bool,
    /// `None`: Salesforce's default (nulls first ascending, last descending).
    pub nulls_first: Option<bool>,
}

/// One piece of a LIKE pattern.
#[derive(Debug, Clone, PartialEq)]
pub enum LikePart {
    Char(char),
    /// `_`
    One,
    /// `%`
    Any,
}

#[derive(Debug, Clone, PartialEq)]
pub enum LiteralKind {
    Str(String),
    Number(f64),
    Bool(bool),
    Null,
    /// Days since the epoch.
    Date(i32),
    /// Epoch millis.
    DateTime(i64),
    /// `TODAY`, `LAST_N_DAYS:30` (canonical upper-case name, n).
    Relative(String, i32),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Literal {
    pub kind: LiteralKind,
    pub pos: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    And(Vec<Condition>),
    Or(Vec<Condition>),
    Not(Box<Condition>),
    Compare {
        path: Path,
        op: CmpOp,
        value: Literal,
    },
    In {
        path: Path,
        negated: bool,
        values: Vec<Literal>,
    },
    /// `Id IN (SELECT AccountId FROM Contact ..)`
    InSubquery {
        path: Path,
        negated: bool,
        query: Box<Query>,
    },
    Like {
        path: Path,
        pattern: Vec<LikePart>,
        pos: usize,
    },
    /// `COUNT(Id) > 1` in HAVING.
    AggregateCompare {
        func: AggregateFn,
        path: Option<Path>,
        op: CmpOp,
        value: Literal,
        pos: usize,
    },
    /// Multi-select picklists: `INCLUDES ('a;b', 'c')` (each value: all of its `;` parts).
    Includes {
        path: Path,
        excludes: bool,
        values: Vec<Literal>,
    },
}
