//! Every row of the lead-creation table, and the order its refusals are checked in.

use shared::sync::leads::{LEAD_REFUSALS, LeadFacts, LeadRefusal, lead_refusal};

/// A person for whom a Lead is created: every fact allows it.
fn allowed() -> LeadFacts {
    LeadFacts {
        held_elsewhere: false,
        creates_leads: true,
        has_key: true,
        findable: true,
        another_creating: false,
    }
}

#[test]
fn a_lead_is_created_when_no_refusal_applies() {
    assert_eq!(lead_refusal(&allowed()), None);
}

#[test]
fn each_refusal_applies_alone() {
    let cases = [
        (
            LeadFacts {
                held_elsewhere: true,
                ..allowed()
            },
            LeadRefusal::HeldElsewhere,
        ),
        (
            LeadFacts {
                creates_leads: false,
                ..allowed()
            },
            LeadRefusal::CreationOff,
        ),
        (
            LeadFacts {
                has_key: false,
                ..allowed()
            },
            LeadRefusal::EmptyKey,
        ),
        (
            LeadFacts {
                findable: false,
                ..allowed()
            },
            LeadRefusal::NotFindable,
        ),
        (
            LeadFacts {
                another_creating: true,
                ..allowed()
            },
            LeadRefusal::AnotherCreating,
        ),
    ];
    for (facts, refusal) in cases {
        assert_eq!(lead_refusal(&facts), Some(refusal), "{facts:?}");
    }
}

#[test]
fn the_first_refusal_in_the_table_is_the_reason() {
    let everything = LeadFacts {
        held_elsewhere: true,
        creates_leads: false,
        has_key: false,
        findable: false,
        another_creating: true,
    };
    assert_eq!(lead_refusal(&everything), Some(LeadRefusal::HeldElsewhere));
    let no_key_nor_email = LeadFacts {
        has_key: false,
        findable: false,
        ..allowed()
    };
    assert_eq!(lead_refusal(&no_key_nor_email), Some(LeadRefusal::EmptyKey));
    let order: Vec<LeadRefusal> = LEAD_REFUSALS.iter().map(|(r, _)| *r).collect();
    assert_eq!(
        order,
        [
            LeadRefusal::HeldElsewhere,
            LeadRefusal::CreationOff,
            LeadRefusal::EmptyKey,
            LeadRefusal::NotFindable,
            LeadRefusal::AnotherCreating,
        ]
    );
}

#[test]
fn every_refusal_says_why_in_words() {
    for (refusal, _) in LEAD_REFUSALS {
        assert!(refusal.reason().ends_with('.'), "{refusal:?}");
        assert!(refusal.reason().len() > 40, "{refusal:?}");
    }
}
