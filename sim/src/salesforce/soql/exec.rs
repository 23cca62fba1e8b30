//! Running a [`Plan`]: filter, order, window, and render records as the REST API does.

use std::cell::RefCell;
use std::cmp::Ordering;
use std::collections::HashMap;

use serde_json::{Map, Value, json};

use super::ast::AggregateFn;
use super::plan::{
    AggItem, ChildPlan, FieldPath, GroupPred, OutItem, Output, Plan, Pred, SortKey, Test,
    aggregate_cat,
};
use super::values::{Cat, Key, V, compare, equals, id15, multi_parts, order_values, typed};
use super::{FieldValue, Row, Source};

impl Pred {
    pub(crate) fn eval(&self, source: &dyn Source, row: &Row) -> bool {
        match self {
            Pred::And(items) => items.iter().all(|p| p.eval(source, row)),
            Pred::Or(items) => items.iter().any(|p| p.eval(source, row)),
            Pred::Not(inner) => !inner.eval(source, row),
            Pred::Test { path, test } => {
                let cat = path.cat();
                let v = typed(cat, path.get(source, row));
                test.eval(cat, v)
            }
        }
    }
}

impl Test {
    fn eval(&self, cat: Cat, v: V<'_>) -> bool {
        match self {
            Test::Cmp(op, key) => compare(cat, v, *op, key),
            Test::In { negated, keys, ids } => {
                let found = match v {
                    V::Null => keys.contains(&Key::Null),
                    V::Text(s) if ids.is_some() => {
                        ids.as_ref().is_some_and(|set| set.contains(id15(s)))
                    }
                    _ => keys.iter().any(|k| *k != Key::Null && equals(cat, v, k)),
                };
                found != *negated
            }
            Test::Like(like) => match v {
                V::Text(s) => like.matches(s),
                _ => false,
            },
            Test::Includes { excludes, sets } => {
                let selected = match v {
                    V::Text(s) => multi_parts(s),
                    _ => Vec::new(),
                };
                let any = sets.iter().any(|set| {
                    !set.is_empty() && set.iter().all(|p| selected.binary_search(p).is_ok())
                });
                any != *excludes
            }
        }
    }
}

/// Rows of the plan's object that pass its filter, ordered and windowed (OFFSET, LIMIT).
pub(crate) fn select_rows<'s>(
    source: &'s dyn Source,
    plan: &Plan,
    include_deleted: bool,
) -> Vec<&'s Row> {
    let mut rows = source.rows(&plan.object, include_deleted);
    if let Some(filter) = &plan.filter {
        rows.retain(|r| filter.eval(source, *r));
    }
    window(source, rows, &plan.order, plan.offset, plan.limit)
}

/// Orders `rows` by `order` (stable: ties keep their input order) and keeps
/// `[offset, offset + limit)`, selecting the first rows before sorting them when that is less work.
fn window<'s>(
    source: &'s dyn Source,
    rows: Vec<&'s Row>,
    order: &[SortKey],
    offset: usize,
    limit: Option<usize>,
) -> Vec<&'s Row> {
    let idx = ordered_indexes(source, &rows, order, offset, limit);
    idx.into_iter().map(|i| rows[i]).collect()
}

fn ordered_indexes(
    source: &dyn Source,
    rows: &[&Row],
    order: &[SortKey],
    offset: usize,
    limit: Option<usize>,
) -> Vec<usize> {
    let n = rows.len();
    let wanted = limit.map_or(n, |l| offset.saturating_add(l).min(n));
    if order.is_empty() {
        return (offset.min(wanted)..wanted).collect();
    }
    let k = order.len();
    let cats: Vec<Cat> = order.iter().map(|o| o.path.cat()).collect();
    // Sort keys computed once per row, borrowed from the rows: no cloning.
    let mut keys: Vec<V<'_>> = Vec::with_capacity(n * k);
    for row in rows {
        for (o, cat) in order.iter().zip(&cats) {
            keys.push(typed(*cat, o.path.get(source, *row)));
        }
    }
    let cmp = |a: &usize, b: &usize| -> Ordering {
        compare_sort_keys(
            order,
            &cats,
            &keys[a * k..a * k + k],
            &keys[b * k..b * k + k],
        )
        .then(a.cmp(b))
    };
    let mut idx: Vec<usize> = (0..n).collect();
    if wanted < n {
        if wanted == 0 {
            return Vec::new();
        }
        idx.select_nth_unstable_by(wanted - 1, cmp);
        idx.truncate(wanted);
    }
    // The index tie-break makes the order total, so an unstable sort is stable in effect.
    idx.sort_unstable_by(cmp);
    idx.drain(..offset.min(idx.len()));
    idx
}

/// Key prefixes of standard objects, for objects the org may hold no rows of.
const STANDARD_PREFIXES: &[(&str, &str)] = &[
    ("001", "Account"),
    ("003", "Contact"),
    ("005", "User"),
    ("006", "Opportunity"),
    ("00D", "Organization"),
    ("00G", "Group"),
    ("00Q", "Lead"),
    ("00T", "Task"),
    ("00U", "Event"),
    ("012", "RecordType"),
    ("500", "Case"),
    ("701", "Campaign"),
];

/// Order of two rows' sort keys (`order[j]` compares `a[j]` with `b[j]`), nulls placed as
/// each key says.
fn compare_sort_keys(order: &[SortKey], cats: &[Cat], a: &[V<'_>], b: &[V<'_>]) -> Ordering {
    for (j, o) in order.iter().enumerate() {
        let ord = match (a[j], b[j]) {
            (V::Null, V::Null) => Ordering::Equal,
            (V::Null, _) => {
                if o.nulls_first {
                    Ordering::Less
                } else {
                    Ordering::Greater
                }
            }
            (_, V::Null) => {
                if o.nulls_first {
                    Ordering::Greater
                } else {
                    Ordering::Less
                }
            }
            (x, y) => {
                let ord = order_values(cats[j], x, y);
                if o.descending { ord.reverse() } else { ord }
            }
        };
        if ord != Ordering::Equal {
            return ord;
        }
    }
    Ordering::Equal
}

impl GroupPred {
    fn eval(&self, source: &dyn Source, group: &[&Row]) -> bool {
        match self {
            GroupPred::And(items) => items.iter().all(|p| p.eval(source, group)),
            GroupPred::Or(items) => items.iter().any(|p| p.eval(source, group)),
            GroupPred::Not(inner) => !inner.eval(source, group),
            GroupPred::Grouped(pred) => group.first().is_some_and(|r| pred.eval(source, *r)),
            GroupPred::Aggregate {
                func,
                path,
                op,
                key,
            } => {
                let value = aggregate_value(source, group, *func, path.as_ref());
                let cat = aggregate_cat(*func, path.as_ref());
                compare(cat, typed(cat, FieldValue::from_json(&value)), *op, key)
            }
        }
    }
}

/// Builds answer records, caching what a page needs (polymorphic parent types).
pub(crate) struct Renderer<'s> {
    pub source: &'s dyn Source,
    pub version: String,
    pub include_deleted: bool,
    prefix_types: RefCell<HashMap<String, String>>,
}

impl<'s> Renderer<'s> {
    pub fn new(source: &'s dyn Source, version: &str, include_deleted: bool) -> Self {
        Renderer {
            source,
            version: version.trim_start_matches(['v', 'V']).to_string(),
            include_deleted,
            prefix_types: RefCell::new(HashMap::new()),
        }
    }

    /// `type` is the object, except through a polymorphic lookup (`What`, a queue-or-user
    /// `Owner`) where Salesforce answers with the `Name` entity; `url` always names the object.
    fn attributes(&self, label: &str, object: &str, row: &Row) -> Value {
        let id = row.get("Id").as_str().unwrap_or_default();
        json!({
            "type": label,
            "url": format!("/services/data/v{}/sobjects/{object}/{id}", self.version),
        })
    }

    /// The object a polymorphic lookup points at, from the id's key prefix.
    fn object_of(&self, id: &str, targets: &[String]) -> String {
        if targets.len() == 1 {
            return targets[0].clone();
        }
        let prefix = id.get(..3).unwrap_or_default();
        if let Some(t) = self.prefix_types.borrow().get(prefix) {
            return t.clone();
        }
        if let Some((_, object)) = STANDARD_PREFIXES.iter().find(|(p, _)| *p == prefix)
            && targets.iter().any(|t| t == object)
        {
            return (*object).to_string();
        }
        for target in targets {
            let sample = self.source.rows(target, true).first().and_then(|r| {
                r.get("Id")
                    .as_str()
                    .and_then(|i| i.get(..3))
                    .map(str::to_string)
            });
            if let Some(p) = sample {
                self.prefix_types.borrow_mut().insert(p, target.clone());
            }
        }
        self.prefix_types
            .borrow()
            .get(prefix)
            .cloned()
            .unwrap_or_else(|| targets.first().cloned().unwrap_or_default())
    }

    /// Renders a page of rows of `plan` (a records plan), child subqueries included.
    pub fn records(&self, plan: &Plan, rows: &[&Row]) -> Vec<Value> {
        let Output::Records(items) = &plan.output else {
            return Vec::new();
        };
        if rows.is_empty() {
            // Nothing to render: spare the child-table scans.
            return Vec::new();
        }
        let children: Vec<HashMap<&str, Vec<&Row>>> = items
            .iter()
            .filter_map(|i| match i {
                OutItem::Children(child) => Some(self.child_groups(child, rows)),
                _ => None,
            })
            .collect();
        rows.iter()
            .map(|row| self.record(&plan.object, &plan.object, *row, items, &children))
            .collect()
    }

    fn record(
        &self,
        label: &str,
        object: &str,
        row: &Row,
        items: &[OutItem],
        children: &[HashMap<&str, Vec<&Row>>],
    ) -> Value {
        let mut out = Map::new();
        out.insert("attributes".into(), self.attributes(label, object, row));
        let mut child_index = 0;
        for item in items {
            match item {
                OutItem::Field(name) => {
                    out.insert(name.clone(), row.get(name).to_json());
                }
                OutItem::Parent {
                    name,
                    lookup,
                    targets,
                    items,
                } => {
                    let parent = row
                        .get(lookup)
                        .as_str()
                        .and_then(|id| Some((id, self.source.row(id)?)));
                    let value = match parent {
                        Some((id, parent_row)) => {
                            let parent_object = self.object_of(id, targets);
                            let label = if targets.len() > 1 {
                                "Name"
                            } else {
                                &parent_object
                            };
                            self.record(label, &parent_object, parent_row, items, &[])
                        }
                        None => Value::Null,
                    };
                    out.insert(name.clone(), value);
                }
                OutItem::Children(child) => {
                    let id = row.get("Id").as_str().map(id15);
                    let group = id.and_then(|id| children.get(child_index)?.get(id));
                    child_index += 1;
                    let value = match group {
                        Some(rows) if !rows.is_empty() => {
                            let Output::Records(child_items) = &child.plan.output else {
                                continue;
                            };
                            let records: Vec<Value> = rows
                                .iter()
                                .map(|r| {
                                    let object = &child.plan.object;
                                    self.record(object, object, *r, child_items, &[])
                                })
                                .collect();
                            json!({"totalSize": records.len(), "done": true, "records": records})
                        }
                        _ => Value::Null,
                    };
                    out.insert(child.name.clone(), value);
                }
            }
        }
        Value::Object(out)
    }

    /// Child rows of a subquery for the parents on this page, grouped by parent id (15
    /// characters), each group ordered and windowed as the subquery says.
    fn child_groups(&self, child: &ChildPlan, parents: &[&Row]) -> HashMap<&'s str, Vec<&'s Row>> {
        let wanted: std::collections::HashSet<&str> = parents
            .iter()
            .filter_map(|r| r.get("Id").as_str().map(id15))
            .collect();
        let mut rows = self.source.rows(&child.plan.object, self.include_deleted);
        rows.retain(|r| {
            r.get(&child.field)
                .as_str()
                .is_some_and(|p| wanted.contains(id15(p)))
                && child
                    .plan
                    .filter
                    .as_ref()
                    .is_none_or(|f| f.eval(self.source, *r))
        });
        // Order everything once; grouping then keeps each group's order.
        let ordered = window(self.source, rows, &child.plan.order, 0, None);
        let mut groups: HashMap<&str, Vec<&Row>> = HashMap::new();
        for row in ordered {
            if let Some(parent) = row.get(&child.field).as_str() {
                groups.entry(id15(parent)).or_default().push(row);
            }
        }
        for group in groups.values_mut() {
            let offset = child.plan.offset.min(group.len());
            group.drain(..offset);
            if let Some(limit) = child.plan.limit {
                group.truncate(limit);
            }
        }
        groups
    }
}

/// Aggregate rows (`AggregateResult`), grouped as the plan says, filtered by HAVING,
/// ordered and windowed.
pub(crate) fn aggregate(source: &dyn Source, plan: &Plan, include_deleted: bool) -> Vec<Value> {
    let Output::Aggregate {
        group_by,
        items,
        having,
    } = &plan.output
    else {
        return Vec::new();
    };
    let mut rows = source.rows(&plan.object, include_deleted);
    if let Some(filter) = &plan.filter {
        rows.retain(|r| filter.eval(source, *r));
    }
    let mut groups: Vec<Vec<&Row>> = Vec::new();
    if group_by.is_empty() {
        groups.push(rows);
    } else {
        let mut index: HashMap<Vec<String>, usize> = HashMap::new();
        for row in rows {
            let key: Vec<String> = group_by
                .iter()
                .map(|g| match typed(g.cat(), g.get(source, row)) {
                    V::Null => "\u{0}null".to_string(),
                    V::Text(s) if matches!(g.cat(), Cat::Text | Cat::Multi) => s.to_lowercase(),
                    _ => g.get(source, row).to_json().to_string(),
                })
                .collect();
            let next = groups.len();
            let at = *index.entry(key).or_insert(next);
            if at == next {
                groups.push(Vec::new());
            }
            groups[at].push(row);
        }
    }
    if let Some(having) = having {
        groups.retain(|g| having.eval(source, g));
    }
    let order: Vec<usize> = if group_by.is_empty() {
        (0..groups.len()).collect()
    } else {
        group_order(source, &groups, &plan.order, plan.offset, plan.limit)
    };
    order
        .into_iter()
        .map(|gi| {
            let group = &groups[gi];
            let mut out = Map::new();
            out.insert("attributes".into(), json!({"type": "AggregateResult"}));
            for item in items {
                match item {
                    AggItem::Group(key, g) => {
                        let value = group
                            .first()
                            .map_or(Value::Null, |r| group_by[*g].get(source, *r).to_json());
                        out.insert(key.clone(), value);
                    }
                    AggItem::Agg { key, func, path } => {
                        out.insert(
                            key.clone(),
                            aggregate_value(source, group, *func, path.as_ref()),
                        );
                    }
                }
            }
            Value::Object(out)
        })
        .collect()
}

/// Groups in ORDER BY order (grouped fields or aggregates), first-seen order for ties.
fn group_order(
    source: &dyn Source,
    groups: &[Vec<&Row>],
    order: &[SortKey],
    offset: usize,
    limit: Option<usize>,
) -> Vec<usize> {
    let k = order.len();
    let cats: Vec<Cat> = order
        .iter()
        .map(|o| match o.aggregate {
            Some(func) => aggregate_cat(func, Some(&o.path)),
            None => o.path.cat(),
        })
        .collect();
    let values: Vec<Value> = groups
        .iter()
        .flat_map(|g| {
            order.iter().map(move |o| match o.aggregate {
                Some(func) => aggregate_value(source, g, func, Some(&o.path)),
                None => g
                    .first()
                    .map_or(Value::Null, |r| o.path.get(source, *r).to_json()),
            })
        })
        .collect();
    let keys: Vec<V<'_>> = values
        .iter()
        .enumerate()
        .map(|(i, v)| typed(cats[i % k.max(1)], FieldValue::from_json(v)))
        .collect();
    let mut idx: Vec<usize> = (0..groups.len()).collect();
    if k > 0 {
        idx.sort_by(|a, b| {
            compare_sort_keys(
                order,
                &cats,
                &keys[a * k..a * k + k],
                &keys[b * k..b * k + k],
            )
        });
    }
    let end = limit.map_or(idx.len(), |l| offset.saturating_add(l).min(idx.len()));
    idx.truncate(end);
    idx.drain(..offset.min(idx.len()));
    idx
}

fn aggregate_value(
    source: &dyn Source,
    rows: &[&Row],
    func: AggregateFn,
    path: Option<&FieldPath>,
) -> Value {
    let Some(path) = path else {
        return json!(rows.len());
    };
    let cat = path.cat();
    let present = rows.iter().filter_map(|r| {
        let raw = path.get(source, *r);
        match typed(cat, raw.clone()) {
            V::Null => None,
            v => Some((raw, v)),
        }
    });
    match func {
        AggregateFn::Count => json!(present.count()),
        AggregateFn::CountDistinct => {
            let distinct: std::collections::HashSet<String> = present
                .map(|(raw, v)| match v {
                    V::Text(s) if cat == Cat::Text => s.to_lowercase(),
                    V::Text(s) if cat == Cat::Id => id15(s).to_string(),
                    _ => raw.to_json().to_string(),
                })
                .collect();
            json!(distinct.len())
        }
        AggregateFn::Sum | AggregateFn::Avg => {
            let (mut sum, mut count) = (0.0, 0usize);
            for (_, v) in present {
                if let V::Num(n) = v {
                    sum += n;
                    count += 1;
                }
            }
            match (func, count) {
                (_, 0) => Value::Null,
                (AggregateFn::Avg, _) => json!(sum / count as f64),
                _ => json!(sum),
            }
        }
        AggregateFn::Min | AggregateFn::Max => {
            let best = present.reduce(|a, b| {
                let ord = order_values(cat, a.1, b.1);
                let take_b = if func == AggregateFn::Min {
                    ord == Ordering::Greater
                } else {
                    ord == Ordering::Less
                };
                if take_b { b } else { a }
            });
            best.map_or(Value::Null, |(raw, _)| raw.to_json())
        }
    }
}
