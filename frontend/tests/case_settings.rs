//! The Cases settings page's custom form in a real browser, mounted with an org whose Case
//! has a required field (the demo org's has none): the required field is locked in, other
//! fields are removed and moved, and the last field cannot be removed.

mod support;

use leptos::mount::mount_to;
use leptos::prelude::*;
use sfbridge_frontend::api::from_json;
use sfbridge_frontend::settings::cases::{CaseSettingsForm, View};
use shared::tasks::TaskSettings;
use support::{all_by_testid, attr, click, container, wait_for};
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

fn field(api_name: &str, label: &str, nillable: bool) -> String {
    format!(
        r#"{{"api_name":"{api_name}","label":"{label}","createable":true,"nillable":{nillable},"defaulted_on_create":false,"has_input":true}}"#
    )
}

fn view() -> View {
    let fields = [
        field("Subject", "Subject", true),
        field("Description", "Description", true),
        field("Severity__c", "Severity", false),
        field("Origin", "Case Origin", true),
    ]
    .join(",");
    from_json(&format!(
        r#"{{"settings":{{"form_mode":{{"mode":"custom","fields":["Subject","Description","Severity__c"]}},"owner_mode":"salesforce_rules"}},"fields":[{fields}]}}"#
    ))
    .unwrap()
}

fn rows(root: &web_sys::Element) -> Vec<String> {
    all_by_testid(root, "case-field")
        .iter()
        .map(|row| attr(row, "data-field"))
        .collect()
}

fn remove_of(root: &web_sys::Element, name: &str) -> web_sys::Element {
    root.query_selector(&format!(
        "[data-testid=case-field][data-field={name}] [data-testid=remove-case-field]"
    ))
    .unwrap()
    .unwrap()
}

#[wasm_bindgen_test]
async fn a_required_field_stays_on_the_custom_form() {
    let root = container();
    let _mounted = mount_to(root.clone(), || {
        view! { <CaseSettingsForm view=view() tasks=TaskSettings::default() /> }
    });
    wait_for(&root, "the field list", || {
        (rows(&root).len() == 3).then_some(())
    })
    .await;

    // Severity is required by Salesforce: marked, and its Remove refuses.
    let severity = remove_of(&root, "Severity__c");
    assert!(severity.has_attribute("disabled"), "{}", root.inner_html());
    assert!(
        root.query_selector("[data-field=Severity__c] [data-testid=required-case-field]")
            .unwrap()
            .is_some()
    );
    click(&severity);
    assert_eq!(rows(&root), ["Subject", "Description", "Severity__c"]);

    // Others go, and move.
    click(&remove_of(&root, "Description"));
    wait_for(&root, "Description removed", || {
        (rows(&root) == ["Subject", "Severity__c"]).then_some(())
    })
    .await;
    let down = root
        .query_selector("[data-field=Subject] [data-testid=move-down]")
        .unwrap()
        .unwrap();
    click(&down);
    wait_for(&root, "Subject moved down", || {
        (rows(&root) == ["Severity__c", "Subject"]).then_some(())
    })
    .await;
    click(&remove_of(&root, "Subject"));
    wait_for(&root, "Subject removed", || {
        (rows(&root) == ["Severity__c"]).then_some(())
    })
    .await;
    // The required field is all that is left, and it stays.
    assert!(remove_of(&root, "Severity__c").has_attribute("disabled"));
    root.remove();
}
