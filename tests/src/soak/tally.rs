//! The soak's accounting, pure: the changes the driver made, the writes each side's own records
//! show, and what follows: each change delivered (and how late), lost, or written more than once.
//!
//! A change is made to one field of one record on one side; its target is the paired record's
//! mapped field on the other side. The driver makes the next change to a target only once the
//! previous one arrived, so the changes to one target form windows: change k's window runs from
//! the moment it was made to the moment change k+1 was. Change k is delivered by the first write
//! of its value to its target inside its window. Every other write to the target after its first
//! change arrived is a duplicate: a second write of a delivered value, an old value written
//! again, or a write nobody asked for. Other writes before the target's first change arrived
//! are the pair agreeing for the first time (the link being made, from a read made before the
//! change), not counted.

use std::collections::BTreeMap;

use serde_json::Value;

/// Which way a change travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Way {
    ToIntercom,
    ToSalesforce,
}

impl Way {
    pub fn label(self) -> &'static str {
        match self {
            Way::ToIntercom => "Salesforce -> Intercom",
            Way::ToSalesforce => "Intercom -> Salesforce",
        }
    }
}

/// A field of a record on the side a change travels to.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Target {
    pub way: Way,
    /// The record's id on the target side.
    pub record: String,
    /// The field or attribute as the target side names it.
    pub field: String,
}

/// A change the driver made (at `at_ms`, just before asking), and the value it set.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub target: Target,
    pub value: Value,
    pub at_ms: i64,
}

/// A write to a target as the target side recorded it.
#[derive(Debug, Clone, PartialEq)]
pub struct Written {
    pub target: Target,
    pub value: Value,
    pub at_ms: i64,
}

/// What one direction came to.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WayTally {
    pub changes: usize,
    pub delivered: usize,
    pub lost: usize,
    pub duplicated: usize,
    /// Delivery delays in milliseconds, sorted.
    pub delays_ms: Vec<i64>,
    /// Changes not delivered, to name in the report.
    pub undelivered: Vec<Change>,
    /// Writes counted as duplicates, to name in the report.
    pub extra_writes: Vec<Written>,
}

impl WayTally {
    /// The `p`th percentile (0..=100) of the delays, nearest rank; `None` without deliveries.
    pub fn percentile_ms(&self, p: u32) -> Option<i64> {
        if self.delays_ms.is_empty() {
            return None;
        }
        let rank = (self.delays_ms.len() * p as usize).div_ceil(100).max(1);
        Some(self.delays_ms[rank.min(self.delays_ms.len()) - 1])
    }
}

/// The tally per direction.
pub fn tally(changes: &[Change], writes: &[Written]) -> BTreeMap<Way, WayTally> {
    let mut by_target: BTreeMap<&Target, (Vec<&Change>, Vec<&Written>)> = BTreeMap::new();
    for change in changes {
        by_target.entry(&change.target).or_default().0.push(change);
    }
    for write in writes {
        if let Some(entry) = by_target.get_mut(&write.target) {
            entry.1.push(write);
        }
    }
    let mut out: BTreeMap<Way, WayTally> = BTreeMap::new();
    for way in [Way::ToIntercom, Way::ToSalesforce] {
        out.insert(way, WayTally::default());
    }
    for (target, (mut made, mut written)) in by_target {
        made.sort_by_key(|c| c.at_ms);
        written.sort_by_key(|w| w.at_ms);
        // The first change's arrival (else the next change); before it, only its own write
        // counts.
        let first = &made[0];
        let until = made.get(1).map_or(i64::MAX, |next| next.at_ms);
        let arrived = written
            .iter()
            .find(|w| w.at_ms >= first.at_ms && w.at_ms < until && w.value == first.value)
            .map_or(until, |w| w.at_ms);
        let mut counted: Vec<&Written> = written
            .into_iter()
            .filter(|w| w.at_ms >= arrived || (w.at_ms >= first.at_ms && w.value == first.value))
            .collect();
        let way = out.get_mut(&target.way).expect("both ways are there");
        for (k, change) in made.iter().enumerate() {
            way.changes += 1;
            let until = made.get(k + 1).map_or(i64::MAX, |next| next.at_ms);
            let hit = counted.iter().position(|w| {
                w.at_ms >= change.at_ms && w.at_ms < until && w.value == change.value
            });
            match hit {
                Some(i) => {
                    let write = counted.remove(i);
                    way.delivered += 1;
                    way.delays_ms.push(write.at_ms - change.at_ms);
                }
                None => {
                    way.lost += 1;
                    way.undelivered.push((*change).clone());
                }
            }
        }
        way.duplicated += counted.len();
        way.extra_writes.extend(counted.into_iter().cloned());
    }
    for way in out.values_mut() {
        way.delays_ms.sort_unstable();
    }
    out
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn target(record: &str) -> Target {
        Target {
            way: Way::ToIntercom,
            record: record.into(),
            field: "department".into(),
        }
    }

    fn change(record: &str, value: &str, at_ms: i64) -> Change {
        Change {
            target: target(record),
            value: json!(value),
            at_ms,
        }
    }

    fn write(record: &str, value: &str, at_ms: i64) -> Written {
        Written {
            target: target(record),
            value: json!(value),
            at_ms,
        }
    }

    #[test]
    fn each_change_written_once_is_delivered_with_its_delay() {
        let t = tally(
            &[
                change("a", "1", 100),
                change("a", "2", 500),
                change("b", "1", 200),
            ],
            &[
                write("a", "1", 150),
                write("b", "1", 260),
                write("a", "2", 900),
            ],
        );
        let way = &t[&Way::ToIntercom];
        assert_eq!(
            (way.changes, way.delivered, way.lost, way.duplicated),
            (3, 3, 0, 0)
        );
        assert_eq!(way.delays_ms, vec![50, 60, 400]);
        assert_eq!(way.percentile_ms(50), Some(60));
        assert_eq!(way.percentile_ms(99), Some(400));
        assert_eq!(t[&Way::ToSalesforce], WayTally::default());
    }

    #[test]
    fn a_second_write_or_a_stale_one_is_a_duplicate() {
        let t = tally(
            &[change("a", "1", 100), change("a", "2", 500)],
            &[
                write("a", "1", 150),
                write("a", "1", 300),
                write("a", "2", 600),
                write("a", "1", 700),
            ],
        );
        let way = &t[&Way::ToIntercom];
        assert_eq!((way.delivered, way.lost, way.duplicated), (2, 0, 2));
    }

    #[test]
    fn a_change_never_written_in_its_window_is_lost() {
        // "1" arrives only after "2" was made: too late to count as delivered, and a duplicate.
        let t = tally(
            &[
                change("a", "1", 100),
                change("a", "2", 500),
                change("b", "1", 100),
            ],
            &[write("a", "2", 600), write("a", "1", 700)],
        );
        let way = &t[&Way::ToIntercom];
        assert_eq!((way.delivered, way.lost, way.duplicated), (1, 2, 1));
        assert_eq!(way.undelivered.len(), 2);
    }

    #[test]
    fn the_first_agreement_landing_after_the_first_change_is_not_counted() {
        // A link's first write, from a read made before the change, lands just after it.
        let t = tally(
            &[change("a", "1", 100), change("a", "2", 500)],
            &[
                write("a", "0", 110),
                write("a", "1", 150),
                write("a", "0", 300),
            ],
        );
        let way = &t[&Way::ToIntercom];
        assert_eq!((way.delivered, way.lost, way.duplicated), (1, 1, 1));
        assert_eq!(
            way.extra_writes[0].at_ms, 300,
            "after the first arrived it counts"
        );
    }

    #[test]
    fn writes_before_the_first_change_and_to_other_targets_are_not_counted() {
        let t = tally(
            &[change("a", "1", 100)],
            &[
                write("a", "0", 50),
                write("a", "1", 120),
                write("z", "1", 130),
            ],
        );
        let way = &t[&Way::ToIntercom];
        assert_eq!((way.delivered, way.lost, way.duplicated), (1, 0, 0));
    }
}
