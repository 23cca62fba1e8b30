//! The reconciling sweep behind the change stream: which records changed or were deleted since
//! the last sweep, for several objects in ONE `/composite` call.
//!
//! Changes are found by `SystemModstamp` ordered by (SystemModstamp, Id), starting an overlap
//! before the last row seen, so rows sharing a timestamp, or committed late with an earlier one,
//! are never skipped (some are reported twice: callers compare before writing). Deletes come
//! from the replication endpoint `deleted/`, which covers whole minutes.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::soql::{Condition, Field, Literal, Op, Order, Query};
use super::{API_VERSION, Client, SalesforceError, with_query};

/// The last row a sweep saw of one object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Watermark {
    pub modstamp: DateTime<Utc>,
    pub id: String,
}

/// Where the next sweep of one object starts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectCursor {
    pub object: String,
    /// `None`: from `start` (the first sweep). A sweep that finds no row leaves `start` here,
    /// with no id.
    pub modified: Option<Watermark>,
    /// Deletes are known up to here (`latestDateCovered`).
    pub deleted_until: Option<DateTime<Utc>>,
    /// The last page was full: the sweep goes on strictly after `modified`, with no overlap
    /// (else it would read the same full page again and again).
    #[serde(default)]
    pub more: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Changed {
    pub object: String,
    pub id: String,
    pub modstamp: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deleted {
    pub object: String,
    pub id: String,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sweep {
    pub changed: Vec<Changed>,
    pub deleted: Vec<Deleted>,
    /// The cursors to store for next time, in the order given.
    pub cursors: Vec<ObjectCursor>,
    /// Some object had more rows than one page: sweep again now.
    pub more: bool,
}

/// Rows per object per sweep.
pub const PAGE: u32 = 2_000;

#[derive(Deserialize)]
struct Rows {
    records: Vec<Row>,
}

#[derive(Deserialize)]
struct Row {
    #[serde(rename = "Id")]
    id: String,
    #[serde(rename = "SystemModstamp")]
    modstamp: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DeletedBody {
    deleted_records: Vec<DeletedRow>,
    latest_date_covered: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DeletedRow {
    id: String,
    deleted_date: String,
}

/// Salesforce's `2026-01-02T03:04:05.000+0000`.
pub(crate) fn parse_datetime(text: &str) -> Result<DateTime<Utc>, SalesforceError> {
    DateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f%z")
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| SalesforceError::Unexpected(format!("dateTime {text:?}: {e}")))
}

impl Client {
    /// Sweeps every object once: one call. `start` is where a first sweep begins; `overlap` how
    /// far before the last row seen each sweep looks again.
    pub async fn sweep(
        &self,
        cursors: &[ObjectCursor],
        start: DateTime<Utc>,
        overlap: Duration,
        now: DateTime<Utc>,
    ) -> Result<Sweep, SalesforceError> {
        let overlap = chrono::Duration::from_std(overlap).unwrap_or_default();
        // A sweep's later pages read on only for the objects whose page was full.
        let continuing = cursors.iter().any(|c| c.more);
        let mut gets = Vec::new();
        for (i, cursor) in cursors.iter().enumerate() {
            if continuing && !cursor.more {
                continue;
            }
            let object = Field::parse(&cursor.object)
                .map_err(|e| SalesforceError::Unexpected(e.to_string()))?;
            let modstamp = Field::known("SystemModstamp");
            let since = match &cursor.modified {
                Some(w) if continuing => Condition::Or(vec![
                    Condition::Compare(modstamp.clone(), Op::Gt, Literal::DateTime(w.modstamp)),
                    Condition::eq(modstamp.clone(), Literal::DateTime(w.modstamp)).and(
                        Condition::Compare(Field::known("Id"), Op::Gt, Literal::Str(w.id.clone())),
                    ),
                ]),
                Some(w) => {
                    Condition::Compare(modstamp, Op::Ge, Literal::DateTime(w.modstamp - overlap))
                }
                None => Condition::Compare(modstamp, Op::Ge, Literal::DateTime(start)),
            };
            let query = Query::select_from(object.clone(), &["Id", "SystemModstamp"])
                .filter(since)
                .order_by("SystemModstamp", Order::Asc)
                .order_by("Id", Order::Asc)
                .limit(PAGE);
            let path = format!("/services/data/{API_VERSION}/query");
            gets.push((
                format!("m{i}"),
                with_query(&path, &[("q", &query.to_string())]),
            ));
            if continuing {
                // Deletes were read on the sweep's first page.
                continue;
            }
            // The endpoint keeps 30 days at most.
            let deleted_from = cursor
                .deleted_until
                .unwrap_or(start)
                .max(now - chrono::Duration::days(29));
            // The endpoint wants a window of more than a minute.
            if now - deleted_from > chrono::Duration::minutes(1) {
                let path = format!(
                    "/services/data/{API_VERSION}/sobjects/{}/deleted/",
                    object.as_str()
                );
                let from = deleted_from.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
                let to = now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
                gets.push((
                    format!("d{i}"),
                    with_query(&path, &[("start", &from), ("end", &to)]),
                ));
            }
        }
        let refs: Vec<(&str, String)> = gets.iter().map(|(r, u)| (r.as_str(), u.clone())).collect();
        let answers = self.composite_gets(&refs).await?;
        let mut sweep = Sweep {
            cursors: cursors.to_vec(),
            ..Sweep::default()
        };
        for (reference, answer) in answers {
            let body = answer.map_err(|refusals| SalesforceError::Refused {
                status: 400,
                refusals,
            })?;
            let (kind, index) = reference.split_at(1);
            let index: usize = index
                .parse()
                .map_err(|_| SalesforceError::Unexpected(format!("reference {reference:?}")))?;
            let cursor = &mut sweep.cursors[index];
            if kind == "m" {
                let rows: Rows = serde_json::from_value(body)
                    .map_err(|e| SalesforceError::Unexpected(format!("sweep rows: {e}")))?;
                cursor.more = rows.records.len() as u32 >= PAGE;
                sweep.more |= cursor.more;
                for row in rows.records {
                    let modstamp = parse_datetime(&row.modstamp)?;
                    cursor.modified = Some(Watermark {
                        modstamp,
                        id: row.id.clone(),
                    });
                    sweep.changed.push(Changed {
                        object: cursor.object.clone(),
                        id: row.id,
                        modstamp,
                    });
                }
            } else {
                let body: DeletedBody = serde_json::from_value(body)
                    .map_err(|e| SalesforceError::Unexpected(format!("deleted records: {e}")))?;
                cursor.deleted_until = Some(parse_datetime(&body.latest_date_covered)?);
                for row in body.deleted_records {
                    sweep.deleted.push(Deleted {
                        object: cursor.object.clone(),
                        id: row.id,
                        at: parse_datetime(&row.deleted_date)?,
                    });
                }
            }
        }
        // An object with no row yet keeps where its first sweep began, so the next sweep goes
        // on from there rather than from its own `start`, skipping what changed in between.
        for cursor in &mut sweep.cursors {
            cursor.modified.get_or_insert_with(|| Watermark {
                modstamp: start,
                id: String::new(),
            });
        }
        Ok(sweep)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_salesforce_datetimes() {
        let t = parse_datetime("2026-01-02T03:04:05.123+0000").unwrap();
        assert_eq!(t.timestamp_millis() % 1000, 123);
        assert!(parse_datetime("2026-01-02").is_err());
    }
}
