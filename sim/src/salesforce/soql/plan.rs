//! Binding a parsed query to the org: names resolved to canonical fields and relationships,
//! literals checked against field types and compiled, so evaluation never re-resolves or clones.

use std::collections::HashSet;

use super::ast::{self, AggregateFn, CmpOp, Condition, LiteralKind, Path, Query, SelectItem};
use super::dates;
use super::error::{
    self, INVALID_FIELD, INVALID_QUERY_FILTER_OPERATOR, INVALID_TYPE, MALFORMED_QUERY, SoqlError,
};
use super::values::{Cat, Key, Like, id15, multi_parts, type_name};
use super::{FieldKind, FieldValue, Row, Source};
use chrono::{DateTime, Utc};

/// A field reached from a row, possibly through lookups (`Account.Owner.Name`).
#[derive(Debug, Clone)]
pub(crate) struct FieldPath {
    /// Lookup fields followed, in order (`AccountId`, `OwnerId`).
    pub hops: Vec<String>,
    pub field: String,
    pub kind: FieldKind,
}

impl FieldPath {
    pub fn get<'s>(&self, source: &'s dyn Source, row: &'s Row) -> FieldValue<'s> {
        let mut current = row;
        for hop in &self.hops {
            let parent = current.get(hop).as_str().and_then(|id| source.row(id));
            match parent {
                Some(p) => current = p,
                None => return FieldValue::Null,
            }
        }
        current.get(&self.field)
    }
    pub fn cat(&self) -> Cat {
        Cat::of(self.kind)
    }
}

/// One relationship step of a selected path, as the answer nests it.
#[derive(Debug, Clone)]
pub(crate) struct RelStep {
    pub name: String,
    pub lookup: String,
    pub targets: Vec<String>,
}

#[derive(Debug, Clone)]
pub(crate) enum Pred {
    And(Vec<Pred>),
    Or(Vec<Pred>),
    Not(Box<Pred>),
    Test { path: FieldPath, test: Test },
}

#[derive(Debug, Clone)]
pub(crate) enum Test {
    Cmp(CmpOp, Key),
    In {
        negated: bool,
        keys: Vec<Key>,
        /// For id fields: the 15-character ids, looked up without allocating.
        ids: Option<HashSet<String>>,
    },
    Like(Like),
    /// Each entry: all of its parts must be selected (INCLUDES) / must not all be (EXCLUDES).
    Includes {
        excludes: bool,
        sets: Vec<Vec<String>>,
    },
}

#[derive(Debug, Clone)]
pub(crate) struct SortKey {
    pub path: FieldPath,
    /// Set when ordering groups by an aggregate of `path` (`ORDER BY COUNT(Id) DESC`).
    pub aggregate: Option<AggregateFn>,
    pub descending: bool,
    pub nulls_first: bool,
}

#[derive(Debug, Clone)]
pub(crate) enum OutItem {
    Field(String),
    Parent {
        name: String,
        lookup: String,
        targets: Vec<String>,
        items: Vec<OutItem>,
    },
    Children(Box<ChildPlan>),
}

#[derive(Debug, Clone)]
pub(crate) struct ChildPlan {
    /// Relationship name, the key in the parent record (`Opportunities`).
    pub name: String,
    /// The child's lookup field pointing at the parent (`AccountId`).
    pub field: String,
    pub plan: Plan,
}

#[derive(Debug, Clone)]
pub(crate) enum AggItem {
    /// A GROUP BY field: key, index into `group_by`.
    Group(String, usize),
    Agg {
        key: String,
        func: AggregateFn,
        path: Option<FieldPath>,
    },
}

#[derive(Debug, Clone)]
pub(crate) enum Output {
    Records(Vec<OutItem>),
    /// `SELECT COUNT() ..`: only `totalSize`.
    CountOnly,
    Aggregate {
        group_by: Vec<FieldPath>,
        items: Vec<AggItem>,
        having: Option<GroupPred>,
    },
}

/// A HAVING condition, evaluated once per group.
#[derive(Debug, Clone)]
pub(crate) enum GroupPred {
    And(Vec<GroupPred>),
    Or(Vec<GroupPred>),
    Not(Box<GroupPred>),
    /// On a grouped field: any row of the group answers the same.
    Grouped(Pred),
    Aggregate {
        func: AggregateFn,
        path: Option<FieldPath>,
        op: CmpOp,
        key: Key,
    },
}

/// The category an aggregate's value compares in: counts and sums are numbers, MIN/MAX
/// keep their field's type.
pub(crate) fn aggregate_cat(func: AggregateFn, path: Option<&FieldPath>) -> Cat {
    match (func, path) {
        (AggregateFn::Min | AggregateFn::Max, Some(p)) => p.cat(),
        _ => Cat::Num,
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Plan {
    pub object: String,
    pub output: Output,
    pub filter: Option<Pred>,
    pub order: Vec<SortKey>,
    pub limit: Option<usize>,
    pub offset: usize,
}

pub(crate) struct Binder<'a> {
    pub source: &'a dyn Source,
    pub soql: &'a str,
    pub now: DateTime<Utc>,
    pub include_deleted: bool,
}

impl Binder<'_> {
    fn err(&self, code: &'static str, pos: usize, reason: impl AsRef<str>) -> SoqlError {
        SoqlError::at(code, self.soql, pos, reason)
    }

    pub fn plan(&self, q: &Query) -> Result<Plan, SoqlError> {
        let object = self.source.object_name(&q.from.text).ok_or_else(|| {
            self.err(
                INVALID_TYPE,
                q.from.pos,
                error::unsupported_object(&q.from.text),
            )
        })?;
        self.plan_on(q, object, true)
    }

    fn plan_on(&self, q: &Query, object: String, top: bool) -> Result<Plan, SoqlError> {
        let has_aggregate = q
            .select
            .iter()
            .any(|i| matches!(i, SelectItem::Aggregate { .. }));
        let output = if has_aggregate || !q.group_by.is_empty() {
            self.aggregate_output(q, &object)?
        } else {
            let mut items = Vec::new();
            for item in &q.select {
                match item {
                    SelectItem::Field(path) => {
                        let (fp, steps) = self.resolve(&object, path)?;
                        if !insert_path(&mut items, &steps, &fp.field) {
                            // Salesforce's documented answer: INVALID_FIELD, canonical name.
                            let canonical: Vec<&str> = steps
                                .iter()
                                .map(|s| s.name.as_str())
                                .chain([fp.field.as_str()])
                                .collect();
                            return Err(self.err(
                                INVALID_FIELD,
                                path.pos(),
                                format!("duplicate field selected: {}", canonical.join(".")),
                            ));
                        }
                    }
                    SelectItem::Subquery(sub) => {
                        if !top {
                            return Err(self.err(
                                MALFORMED_QUERY,
                                sub.from.pos,
                                "unexpected token: '('",
                            ));
                        }
                        let rel = self
                            .source
                            .child_relationship(&object, &sub.from.text)
                            .ok_or_else(|| {
                                self.err(
                                    INVALID_TYPE,
                                    sub.from.pos,
                                    error::unknown_child_relationship(&sub.from.text),
                                )
                            })?;
                        if !sub.group_by.is_empty()
                            || sub
                                .select
                                .iter()
                                .any(|i| matches!(i, SelectItem::Aggregate { .. }))
                        {
                            return Err(self.err(
                                MALFORMED_QUERY,
                                sub.from.pos,
                                "Aggregate queries are not supported in nested queries",
                            ));
                        }
                        let plan = self.plan_on(sub, rel.object.clone(), false)?;
                        items.push(OutItem::Children(Box::new(ChildPlan {
                            name: rel.name,
                            field: rel.field,
                            plan,
                        })));
                    }
                    SelectItem::AliasedField(_, alias) => {
                        // Aliases name grouped fields only.
                        return Err(self.err(
                            MALFORMED_QUERY,
                            alias.pos,
                            format!("unexpected token: '{}'", alias.text),
                        ));
                    }
                    SelectItem::Aggregate { .. } => unreachable!("aggregate queries handled above"),
                }
            }
            Output::Records(items)
        };
        let filter = q
            .filter
            .as_ref()
            .map(|c| self.condition(&object, c))
            .transpose()?;
        let mut order = Vec::new();
        for key in &q.order_by {
            let (path, _) = self.resolve(&object, &key.path)?;
            if key.aggregate.is_some() {
                if !matches!(output, Output::Aggregate { .. }) {
                    return Err(self.err(
                        MALFORMED_QUERY,
                        key.path.pos(),
                        "Aggregate functions are only allowed in aggregate queries",
                    ));
                }
                order.push(SortKey {
                    path,
                    aggregate: key.aggregate,
                    descending: key.descending,
                    nulls_first: key.nulls_first.unwrap_or(!key.descending),
                });
                continue;
            }
            if matches!(path.cat(), Cat::Compound | Cat::Multi) {
                return Err(self.err(
                    INVALID_FIELD,
                    key.path.pos(),
                    format!("field '{}' can not be sorted in a query call", path.field),
                ));
            }
            if let Output::Aggregate { group_by, .. } = &output
                && !group_by
                    .iter()
                    .any(|g| g.hops == path.hops && g.field == path.field)
            {
                return Err(self.err(
                    MALFORMED_QUERY,
                    key.path.pos(),
                    format!(
                        "Ordered field must be grouped or aggregated: {}",
                        path.field
                    ),
                ));
            }
            order.push(SortKey {
                path,
                aggregate: None,
                descending: key.descending,
                nulls_first: key.nulls_first.unwrap_or(!key.descending),
            });
        }
        Ok(Plan {
            object,
            output,
            filter,
            order,
            limit: q
                .limit
                .map(|(n, _)| usize::try_from(n).unwrap_or(usize::MAX)),
            offset: q.offset.map_or(0, |(n, _)| n as usize),
        })
    }

    fn aggregate_output(&self, q: &Query, object: &str) -> Result<Output, SoqlError> {
        let mut group_by = Vec::new();
        for path in &q.group_by {
            group_by.push(self.resolve(object, path)?.0);
        }
        let count_only = matches!(
            q.select.as_slice(),
            [SelectItem::Aggregate {
                func: AggregateFn::Count,
                field: None,
                ..
            }]
        );
        if count_only && group_by.is_empty() && q.having.is_none() {
            return Ok(Output::CountOnly);
        }
        let mut items = Vec::new();
        let mut unnamed = 0;
        for item in &q.select {
            match item {
                SelectItem::Field(path) | SelectItem::AliasedField(path, _) => {
                    let (fp, _) = self.resolve(object, path)?;
                    let idx = group_by
                        .iter()
                        .position(|g| g.hops == fp.hops && g.field == fp.field)
                        .ok_or_else(|| {
                            self.err(
                                MALFORMED_QUERY,
                                path.pos(),
                                format!("Field must be grouped or aggregated: {}", fp.field),
                            )
                        })?;
                    let key = match item {
                        SelectItem::AliasedField(_, alias) => alias.text.clone(),
                        _ => fp.field.clone(),
                    };
                    items.push(AggItem::Group(key, idx));
                }
                SelectItem::Aggregate {
                    func,
                    field,
                    alias,
                    pos,
                } => {
                    let path = match field {
                        Some(p) => {
                            let (fp, _) = self.resolve(object, p)?;
                            let numeric = matches!(fp.cat(), Cat::Num);
                            if matches!(func, AggregateFn::Sum | AggregateFn::Avg) && !numeric {
                                return Err(self.err(
                                    MALFORMED_QUERY,
                                    *pos,
                                    format!(
                                        "field {} does not support aggregate operator {}",
                                        fp.field,
                                        agg_name(*func)
                                    ),
                                ));
                            }
                            Some(fp)
                        }
                        None => {
                            // COUNT() only stands alone.
                            return Err(self.err(
                                MALFORMED_QUERY,
                                *pos,
                                "unexpected token: 'COUNT'",
                            ));
                        }
                    };
                    let key = match alias {
                        Some(a) => a.text.clone(),
                        None => {
                            unnamed += 1;
                            format!("expr{}", unnamed - 1)
                        }
                    };
                    items.push(AggItem::Agg {
                        key,
                        func: *func,
                        path,
                    });
                }
                SelectItem::Subquery(sub) => {
                    return Err(self.err(
                        MALFORMED_QUERY,
                        sub.from.pos,
                        "Aggregate queries are not supported in nested queries",
                    ));
                }
            }
        }
        let having = q
            .having
            .as_ref()
            .map(|c| self.having(object, c, &group_by))
            .transpose()?;
        Ok(Output::Aggregate {
            group_by,
            items,
            having,
        })
    }

    /// Resolves `Account.Owner.Name` from `object`: relationship names then a field.
    pub fn resolve(
        &self,
        object: &str,
        path: &Path,
    ) -> Result<(FieldPath, Vec<RelStep>), SoqlError> {
        let mut parts: &[ast::Ident] = &path.parts;
        // `Contact.Email` in a query on Contact names the queried object itself.
        if parts.len() > 1
            && parts[0].text.eq_ignore_ascii_case(object)
            && self
                .source
                .parent_relationship(object, &parts[0].text)
                .is_none()
        {
            parts = &parts[1..];
        }
        if parts.len() > 6 {
            return Err(self.err(
                MALFORMED_QUERY,
                path.pos(),
                "SOQL statements cannot query more than 5 levels of relationships",
            ));
        }
        let mut objects = vec![object.to_string()];
        let mut hops = Vec::new();
        let mut steps = Vec::new();
        let (last, rels) = parts.split_last().expect("a path has at least one part");
        for rel in rels {
            let found = objects
                .iter()
                .find_map(|o| self.source.parent_relationship(o, &rel.text));
            let Some(found) = found else {
                return Err(self.err(
                    INVALID_FIELD,
                    path.pos(),
                    error::unknown_parent_relationship(&rel.text),
                ));
            };
            hops.push(found.field.clone());
            objects = found.targets.clone();
            steps.push(RelStep {
                name: found.name,
                lookup: found.field,
                targets: found.targets,
            });
        }
        let field = objects
            .iter()
            .find_map(|o| self.source.field(o, &last.text));
        let Some(info) = field else {
            let entity = objects.first().map_or(object, String::as_str);
            return Err(self.err(
                INVALID_FIELD,
                path.pos(),
                error::no_such_column(&last.text, entity),
            ));
        };
        Ok((
            FieldPath {
                hops,
                field: info.name,
                kind: info.kind,
            },
            steps,
        ))
    }

    fn condition(&self, object: &str, c: &Condition) -> Result<Pred, SoqlError> {
        Ok(match c {
            Condition::And(items) => Pred::And(
                items
                    .iter()
                    .map(|i| self.condition(object, i))
                    .collect::<Result<_, _>>()?,
            ),
            Condition::Or(items) => Pred::Or(
                items
                    .iter()
                    .map(|i| self.condition(object, i))
                    .collect::<Result<_, _>>()?,
            ),
            Condition::Not(inner) => Pred::Not(Box::new(self.condition(object, inner)?)),
            Condition::AggregateCompare { pos, .. } => {
                return Err(self.err(
                    MALFORMED_QUERY,
                    *pos,
                    "Aggregate functions are not allowed in the WHERE clause",
                ));
            }
            Condition::Compare { path, op, value } => {
                let fp = self.filter_path(object, path)?;
                let key = self.key(&fp, path, value)?;
                if matches!(key, Key::Multi(_)) && !matches!(op, CmpOp::Eq | CmpOp::Ne) {
                    return Err(self.err(
                        INVALID_FIELD,
                        path.pos(),
                        format!("invalid operator on multipicklist field: {}", fp.field),
                    ));
                }
                Pred::Test {
                    path: fp,
                    test: Test::Cmp(*op, key),
                }
            }
            Condition::In {
                path,
                negated,
                values,
            } => {
                let fp = self.filter_path(object, path)?;
                let keys = values
                    .iter()
                    .map(|v| self.key(&fp, path, v))
                    .collect::<Result<Vec<_>, _>>()?;
                let ids = (fp.cat() == Cat::Id).then(|| {
                    keys.iter()
                        .filter_map(|k| match k {
                            Key::Text(s) => Some(s.clone()),
                            _ => None,
                        })
                        .collect()
                });
                Pred::Test {
                    path: fp,
                    test: Test::In {
                        negated: *negated,
                        keys,
                        ids,
                    },
                }
            }
            Condition::InSubquery {
                path,
                negated,
                query,
            } => {
                let fp = self.filter_path(object, path)?;
                if fp.cat() != Cat::Id {
                    return Err(self.err(
                        INVALID_FIELD,
                        path.pos(),
                        format!(
                            "Invalid semi join: the left operand must be an id or reference field: {}",
                            fp.field
                        ),
                    ));
                }
                let ids = self.semi_join_ids(query)?;
                let keys = ids.iter().map(|s| Key::Text(s.clone())).collect();
                Pred::Test {
                    path: fp,
                    test: Test::In {
                        negated: *negated,
                        keys,
                        ids: Some(ids),
                    },
                }
            }
            Condition::Like { path, pattern, .. } => {
                let fp = self.filter_path(object, path)?;
                if !matches!(fp.cat(), Cat::Text | Cat::Id | Cat::Multi) {
                    return Err(self.type_mismatch(path, &fp, true));
                }
                Pred::Test {
                    path: fp,
                    test: Test::Like(Like::compile(pattern)),
                }
            }
            Condition::Includes {
                path,
                excludes,
                values,
            } => {
                let fp = self.filter_path(object, path)?;
                if fp.cat() != Cat::Multi {
                    return Err(self.err(
                        INVALID_FIELD,
                        path.pos(),
                        format!(
                            "{} operator only valid on multi-select picklist fields: {}",
                            if *excludes { "EXCLUDES" } else { "INCLUDES" },
                            fp.field
                        ),
                    ));
                }
                let mut sets = Vec::new();
                for v in values {
                    match &v.kind {
                        LiteralKind::Str(s) => sets.push(multi_parts(s)),
                        _ => return Err(self.type_mismatch(path, &fp, false)),
                    }
                }
                Pred::Test {
                    path: fp,
                    test: Test::Includes {
                        excludes: *excludes,
                        sets,
                    },
                }
            }
        })
    }

    fn having(
        &self,
        object: &str,
        c: &Condition,
        group_by: &[FieldPath],
    ) -> Result<GroupPred, SoqlError> {
        let all = |items: &[Condition]| -> Result<Vec<GroupPred>, SoqlError> {
            items
                .iter()
                .map(|i| self.having(object, i, group_by))
                .collect()
        };
        Ok(match c {
            Condition::And(items) => GroupPred::And(all(items)?),
            Condition::Or(items) => GroupPred::Or(all(items)?),
            Condition::Not(inner) => {
                GroupPred::Not(Box::new(self.having(object, inner, group_by)?))
            }
            Condition::AggregateCompare {
                func,
                path,
                op,
                value,
                ..
            } => {
                let fp = path
                    .as_ref()
                    .map(|p| self.resolve(object, p).map(|r| r.0))
                    .transpose()?;
                let key = match (aggregate_cat(*func, fp.as_ref()), &value.kind) {
                    (_, LiteralKind::Null) => Key::Null,
                    (Cat::Num, LiteralKind::Number(n)) => Key::Num(*n),
                    (Cat::Num, _) => {
                        return Err(self.err(
                            MALFORMED_QUERY,
                            value.pos,
                            format!("unexpected token: '{}'", literal_text(self.soql, value)),
                        ));
                    }
                    _ => {
                        let fp = fp.as_ref().expect("MIN/MAX have a field");
                        let p = path.as_ref().expect("MIN/MAX have a field");
                        self.key(fp, p, value)?
                    }
                };
                GroupPred::Aggregate {
                    func: *func,
                    path: fp,
                    op: *op,
                    key,
                }
            }
            other => {
                let path = match other {
                    Condition::Compare { path, .. }
                    | Condition::In { path, .. }
                    | Condition::InSubquery { path, .. }
                    | Condition::Like { path, .. }
                    | Condition::Includes { path, .. } => path,
                    _ => unreachable!("combinators handled above"),
                };
                let (fp, _) = self.resolve(object, path)?;
                if !group_by
                    .iter()
                    .any(|g| g.hops == fp.hops && g.field == fp.field)
                {
                    return Err(self.err(
                        MALFORMED_QUERY,
                        path.pos(),
                        format!("Field must be grouped or aggregated: {}", fp.field),
                    ));
                }
                GroupPred::Grouped(self.condition(object, other)?)
            }
        })
    }

    fn filter_path(&self, object: &str, path: &Path) -> Result<FieldPath, SoqlError> {
        let (fp, _) = self.resolve(object, path)?;
        if fp.cat() == Cat::Compound {
            return Err(self.err(
                INVALID_FIELD,
                path.pos(),
                format!("field '{}' can not be filtered in a query call", fp.field),
            ));
        }
        Ok(fp)
    }

    fn type_mismatch(&self, path: &Path, fp: &FieldPath, quoted_literal: bool) -> SoqlError {
        let textual = matches!(fp.cat(), Cat::Text | Cat::Multi | Cat::Id);
        let tail = if textual && !quoted_literal {
            "should be enclosed in quotes"
        } else {
            "should not be enclosed in quotes"
        };
        self.err(
            INVALID_FIELD,
            path.pos(),
            format!(
                "value of filter criterion for field '{}' must be of type {} and {tail}",
                fp.field,
                type_name(fp.kind)
            ),
        )
    }

    /// A literal converted to the unit of the field it is compared with.
    fn key(&self, fp: &FieldPath, path: &Path, lit: &ast::Literal) -> Result<Key, SoqlError> {
        let cat = fp.cat();
        let quoted = matches!(lit.kind, LiteralKind::Str(_));
        let mismatch = || self.type_mismatch(path, fp, quoted);
        Ok(match (&lit.kind, cat) {
            (LiteralKind::Null, _) => Key::Null,
            (LiteralKind::Str(s), Cat::Text) => Key::Text(s.to_lowercase()),
            (LiteralKind::Str(s), Cat::Multi) => Key::Multi(multi_parts(s)),
            (LiteralKind::Str(s), Cat::Time) => Key::Text(s.clone()),
            (LiteralKind::Str(s), Cat::Id) => {
                if !(s.len() == 15 || s.len() == 18)
                    || !s.bytes().all(|b| b.is_ascii_alphanumeric())
                {
                    return Err(self.err(
                        INVALID_QUERY_FILTER_OPERATOR,
                        lit.pos,
                        format!("invalid ID field: {s}"),
                    ));
                }
                Key::Text(id15(s).to_string())
            }
            (LiteralKind::Number(n), Cat::Num) => Key::Num(*n),
            (LiteralKind::Bool(b), Cat::Bool) => Key::Bool(*b),
            (LiteralKind::Date(d), Cat::Date) => Key::Int(i64::from(*d)),
            (LiteralKind::DateTime(ms), Cat::DateTime) => Key::Int(*ms),
            (LiteralKind::Relative(name, n), Cat::Date | Cat::DateTime) => {
                let (lo, hi) = dates::literal_range(name, *n, self.now).ok_or_else(mismatch)?;
                let scale = if cat == Cat::DateTime { 86_400_000 } else { 1 };
                Key::Range(i64::from(lo) * scale, i64::from(hi) * scale)
            }
            _ => return Err(mismatch()),
        })
    }

    /// Runs `SELECT <id field> FROM .. WHERE ..` and collects its 15-character ids.
    fn semi_join_ids(&self, q: &Query) -> Result<HashSet<String>, SoqlError> {
        let [SelectItem::Field(path)] = q.select.as_slice() else {
            return Err(self.err(
                MALFORMED_QUERY,
                q.from.pos,
                "Semi join sub-selects can only select one field",
            ));
        };
        let plan = self.plan(q)?;
        let (fp, _) = self.resolve(&plan.object, path)?;
        if fp.cat() != Cat::Id {
            return Err(self.err(
                INVALID_FIELD,
                path.pos(),
                format!(
                    "Invalid semi join: the selected field must be an id or reference field: {}",
                    fp.field
                ),
            ));
        }
        let rows = super::exec::select_rows(self.source, &plan, self.include_deleted);
        Ok(rows
            .iter()
            .filter_map(|r| {
                fp.get(self.source, *r)
                    .as_str()
                    .map(|s| id15(s).to_string())
            })
            .collect())
    }
}

/// The literal as written, for error messages.
fn literal_text<'q>(soql: &'q str, lit: &ast::Literal) -> &'q str {
    let rest = &soql[lit.pos..];
    let end = rest
        .find(|c: char| c.is_whitespace() || c == ')' || c == ',')
        .unwrap_or(rest.len());
    &rest[..end]
}

fn agg_name(f: AggregateFn) -> &'static str {
    match f {
        AggregateFn::Count => "COUNT",
        AggregateFn::CountDistinct => "COUNT_DISTINCT",
        AggregateFn::Sum => "SUM",
        AggregateFn::Avg => "AVG",
        AggregateFn::Min => "MIN",
        AggregateFn::Max => "MAX",
    }
}

/// Adds a selected path to the answer's shape; `false` if it was already selected.
fn insert_path(items: &mut Vec<OutItem>, steps: &[RelStep], field: &str) -> bool {
    let Some((step, rest)) = steps.split_first() else {
        if items
            .iter()
            .any(|i| matches!(i, OutItem::Field(f) if f == field))
        {
            return false;
        }
        items.push(OutItem::Field(field.to_string()));
        return true;
    };
    let existing = items.iter_mut().find_map(|i| match i {
        OutItem::Parent { name, items, .. } if *name == step.name => Some(items),
        _ => None,
    });
    match existing {
        Some(children) => insert_path(children, rest, field),
        None => {
            let mut children = Vec::new();
            insert_path(&mut children, rest, field);
            items.push(OutItem::Parent {
                name: step.name.clone(),
                lookup: step.lookup.clone(),
                targets: step.targets.clone(),
                items: children,
            });
            true
        }
    }
}
