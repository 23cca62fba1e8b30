//! Every row of the company article's two trigger tables, linked and not.

use shared::sync::Direction;
use shared::sync::triggers::{
    AccountEvent, CompanyAction::*, CompanyEvent, CompanyRecord, IntercomCompanyEvent,
    company_actions,
};

fn intercom(event: IntercomCompanyEvent, linked: bool) -> Vec<shared::sync::CompanyAction> {
    company_actions(CompanyEvent::Intercom(event), linked, CompanyRecord::Synced)
}

fn salesforce(event: AccountEvent, linked: bool) -> Vec<shared::sync::CompanyAction> {
    company_actions(
        CompanyEvent::Salesforce(event),
        linked,
        CompanyRecord::Synced,
    )
}

#[test]
fn company_updated_in_intercom_with_a_link_syncs_the_updated_attributes() {
    assert_eq!(intercom(IntercomCompanyEvent::Updated, true), [SyncChanged]);
}

#[test]
fn company_updated_in_intercom_without_a_link_links_then_syncs_the_updated_attributes() {
    assert_eq!(
        intercom(IntercomCompanyEvent::Updated, false),
        [Link, SyncChanged]
    );
}

#[test]
fn company_created_in_intercom_links_and_syncs_all_mapped_attributes() {
    assert_eq!(
        intercom(IntercomCompanyEvent::Created, false),
        [Link, SyncAllMapped]
    );
}

#[test]
fn company_created_in_intercom_when_already_linked_is_a_repeat_that_syncs_all() {
    assert_eq!(
        intercom(IntercomCompanyEvent::Created, true),
        [SyncAllMapped]
    );
}

#[test]
fn company_deleted_in_intercom_deletes_the_link() {
    assert_eq!(intercom(IntercomCompanyEvent::Deleted, true), [Unlink]);
}

#[test]
fn company_deleted_in_intercom_without_a_link_does_nothing() {
    assert_eq!(intercom(IntercomCompanyEvent::Deleted, false), []);
}

#[test]
fn account_updated_in_salesforce_with_a_link_syncs_all_mapped_attributes() {
    assert_eq!(salesforce(AccountEvent::Updated, true), [SyncAllMapped]);
}

#[test]
fn account_updated_in_salesforce_without_a_link_links_and_syncs_all() {
    assert_eq!(
        salesforce(AccountEvent::Updated, false),
        [Link, SyncAllMapped]
    );
}

#[test]
fn mapping_key_updated_in_salesforce_with_a_link_relinks_and_syncs_all() {
    assert_eq!(
        salesforce(AccountEvent::KeyChanged, true),
        [Relink, SyncAllMapped]
    );
}

#[test]
fn mapping_key_updated_in_salesforce_without_a_link_links_and_syncs_all() {
    assert_eq!(
        salesforce(AccountEvent::KeyChanged, false),
        [Link, SyncAllMapped]
    );
}

#[test]
fn account_created_in_salesforce_links_and_syncs_all() {
    assert_eq!(
        salesforce(AccountEvent::Created, false),
        [Link, SyncAllMapped]
    );
}

#[test]
fn account_created_in_salesforce_when_already_linked_is_a_repeat_that_syncs_all() {
    assert_eq!(salesforce(AccountEvent::Created, true), [SyncAllMapped]);
}

#[test]
fn account_deleted_in_salesforce_deletes_the_link() {
    assert_eq!(salesforce(AccountEvent::Deleted, true), [Unlink]);
}

#[test]
fn account_deleted_in_salesforce_without_a_link_does_nothing() {
    assert_eq!(salesforce(AccountEvent::Deleted, false), []);
}

#[test]
fn syncs_flow_away_from_the_side_that_changed() {
    assert_eq!(
        CompanyEvent::Intercom(IntercomCompanyEvent::Updated).direction(),
        Direction::ToSalesforce
    );
    assert_eq!(
        CompanyEvent::Salesforce(AccountEvent::Updated).direction(),
        Direction::ToIntercom
    );
}

#[test]
fn companies_created_by_qualification_are_not_synced() {
    for event in [IntercomCompanyEvent::Created, IntercomCompanyEvent::Updated] {
        assert_eq!(
            company_actions(
                CompanyEvent::Intercom(event),
                false,
                CompanyRecord::CreatedByQualification
            ),
            []
        );
    }
}

#[test]
fn person_accounts_are_not_synced() {
    for event in [
        AccountEvent::Created,
        AccountEvent::Updated,
        AccountEvent::KeyChanged,
    ] {
        for linked in [false, true] {
            assert_eq!(
                company_actions(
                    CompanyEvent::Salesforce(event),
                    linked,
                    CompanyRecord::PersonAccount
                ),
                []
            );
        }
    }
    // A stale link still goes with its record.
    assert_eq!(
        company_actions(
            CompanyEvent::Salesforce(AccountEvent::Deleted),
            true,
            CompanyRecord::PersonAccount
        ),
        [Unlink]
    );
}

#[test]
fn events_serialise_with_their_side() {
    assert_eq!(
        serde_json::to_value(CompanyEvent::Salesforce(AccountEvent::KeyChanged)).unwrap(),
        serde_json::json!({"side": "salesforce", "event": "key_changed"})
    );
}
