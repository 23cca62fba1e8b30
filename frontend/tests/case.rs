//! The case form in a real browser, from a known form: switching record types re-renders the
//! fields and their picklists, validation runs as the teammate types, submit waits for the
//! required fields, and every answer (filed, refused, failed) keeps what was typed.

mod support;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use leptos::mount::mount_to;
use leptos::prelude::*;
use sfbridge_frontend::api::LoadError;
use sfbridge_frontend::case::api::{FileError, refusal};
use sfbridge_frontend::case::{CaseEditor, Filer};
use shared::case_form::{
    CaseForm, CaseFormView, CaseOwnership, CaseSubmission, ConversationPrefill, Dependency,
    FieldType, FiledCase, FormField, FormInstanceId, FormSchema, Lookup, LookupRecord,
    LookupTarget, OwnerMode, Picklist, PicklistValue, RecordType, Requiredness,
};
use shared::owner::Teammate;
use support::{
    all_by_testid, attr, by_testid, choose, click, container, maybe_by_testid, text, wait_for,
};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use web_sys::{Element, Event, EventInit, HtmlButtonElement, HtmlElement};

wasm_bindgen_test_configure!(run_in_browser);

const OPTIONAL: Requiredness = Requiredness {
    required_on_layout: false,
    nillable: true,
    defaulted_on_create: false,
};
const REQUIRED: Requiredness = Requiredness {
    required_on_layout: true,
    nillable: true,
    defaulted_on_create: false,
};

fn picklist(values: &[&str], default: Option<&str>) -> FieldType {
    FieldType::Picklist(Picklist {
        values: values
            .iter()
            .map(|v| PicklistValue {
                default: Some(*v) == default,
                ..PicklistValue::new(*v, *v)
            })
            .collect(),
        controlled_by: None,
    })
}

fn field(name: &str, label: &str, field_type: FieldType, required: bool) -> FormField {
    FormField::new(
        name,
        label,
        field_type,
        if required { REQUIRED } else { OPTIONAL },
    )
}

fn record_type(n: u32, name: &str, default: bool) -> Option<RecordType> {
    Some(RecordType {
        id: format!("01200000000000{n}AAA"),
        name: name.to_owned(),
        default,
    })
}

/// The simulated org's three record types, cut down to what the page must get right.
fn view() -> CaseFormView {
    let subject = field(
        "Subject",
        "Subject",
        FieldType::Text { max_bytes: 20 },
        true,
    );
    let description = |required| {
        field(
            "Description",
            "Description",
            FieldType::TextArea { max_bytes: 32000 },
            required,
        )
    };
    let contact = field(
        "ContactId",
        "Contact",
        FieldType::Lookup(Lookup {
            to: LookupTarget::Contact,
            prefill: Some(LookupRecord {
                id: "003000000000001AAA".to_owned(),
                name: "Maya Patel".to_owned(),
            }),
        }),
        false,
    );
    let status = field(
        "Status",
        "Status",
        picklist(&["New", "Working", "Closed"], Some("New")),
        true,
    );
    let mut area = field(
        "Product_Area__c",
        "Product Area",
        picklist(
            &["API", "Dashboard", "Login", "Notifications", "Sync"],
            None,
        ),
        true,
    );
    if let FieldType::Picklist(p) = &mut area.field_type {
        p.controlled_by = Some(Dependency {
            controlling_field: "Product__c".to_owned(),
            valid_values: BTreeMap::from([
                (
                    "Platform".to_owned(),
                    vec!["API".to_owned(), "Dashboard".to_owned(), "Login".to_owned()],
                ),
                (
                    "Mobile App".to_owned(),
                    vec![
                        "Login".to_owned(),
                        "Notifications".to_owned(),
                        "Sync".to_owned(),
                    ],
                ),
            ]),
        });
    }
    CaseFormView {
        conversation_id: "215".to_owned(),
        schema: FormSchema {
            forms: vec![
                CaseForm {
                    record_type: record_type(1, "Support", true),
                    fields: vec![
                        subject.clone(),
                        status.clone(),
                        field(
                            "Origin",
                            "Case Origin",
                            picklist(&["Phone", "Email", "Web"], None),
                            true,
                        ),
                        field(
                            "Type",
                            "Case Type",
                            picklist(&["Question", "Problem"], None),
                            false,
                        ),
                        contact.clone(),
                        description(false),
                    ],
                },
                CaseForm {
                    record_type: record_type(2, "Billing", false),
                    fields: vec![
                        subject.clone(),
                        status.clone(),
                        field(
                            "Type",
                            "Case Type",
                            picklist(&["Question", "Billing"], Some("Billing")),
                            true,
                        ),
                        contact.clone(),
                        description(true),
                    ],
                },
                CaseForm {
                    record_type: record_type(3, "Bug Report", false),
                    fields: vec![
                        subject,
                        status,
                        field(
                            "Product__c",
                            "Product",
                            picklist(&["Platform", "Mobile App"], None),
                            true,
                        ),
                        area,
                        contact,
                        description(true),
                    ],
                },
            ],
        },
        conversation: ConversationPrefill {
            title: Some("Wrong invoice".to_owned()),
            transcript: "Maya Patel: Our last invoice shows the wrong amount.".to_owned(),
        },
        owner_mode: OwnerMode::AssignTeammate,
        teammates: vec![
            Teammate {
                id: "1".to_owned(),
                name: "Alice Anders".to_owned(),
                email: Some("alice@example.com".to_owned()),
            },
            Teammate {
                id: "3".to_owned(),
                name: "Carol Chen".to_owned(),
                email: Some("carol@example.com".to_owned()),
            },
        ],
        installer_id: Some("1".to_owned()),
    }
}

type Replies = Arc<Mutex<Vec<Callback<Result<FiledCase, FileError>>>>>;

/// The page with a filer that keeps what it was sent and answers when the test says.
struct Page {
    root: HtmlElement,
    sent: Arc<Mutex<Vec<CaseSubmission>>>,
    replies: Replies,
    _mounted: Box<dyn std::any::Any>,
}

const INSTANCE: &str = "3f2b8c1e-9a4d-4e1f-8b2a-0c6d5e4f3a21";

fn mount(view: CaseFormView) -> Page {
    let root = container();
    let sent = Arc::new(Mutex::new(Vec::new()));
    let replies: Replies = Arc::new(Mutex::new(Vec::new()));
    let (keep, answer) = (sent.clone(), replies.clone());
    let filer: Filer = Callback::new(move |(submission, reply)| {
        keep.lock().unwrap().push(submission);
        answer.lock().unwrap().push(reply);
    });
    let mounted = mount_to(root.clone(), move || {
        view! {
            <CaseEditor
                view=view.clone()
                form_instance_id=FormInstanceId::parse(INSTANCE).unwrap()
                filer=filer
            />
        }
    });
    Page {
        root,
        sent,
        replies,
        _mounted: Box::new(mounted),
    }
}

impl Page {
    fn el(&self, testid: &str) -> Element {
        by_testid(&self.root, testid)
    }

    fn submit_disabled(&self) -> bool {
        self.el("case-submit")
            .unchecked_into::<HtmlButtonElement>()
            .disabled()
    }

    /// The values offered by a picklist, in order (its blank entry left out).
    fn options(&self, name: &str) -> Vec<String> {
        let select = self.el(&format!("case-input-{name}"));
        let list = select.query_selector_all("option").unwrap();
        (0..list.length())
            .map(|i| list.item(i).unwrap().unchecked_into::<Element>())
            .filter_map(|o| o.get_attribute("value").filter(|v| !v.is_empty()))
            .collect()
    }

    fn value(&self, name: &str) -> String {
        let input = self.el(&format!("case-input-{name}"));
        js_sys::Reflect::get(&input, &"value".into())
            .unwrap()
            .as_string()
            .unwrap()
    }

    fn answer(&self, result: Result<FiledCase, FileError>) {
        let reply = self
            .replies
            .lock()
            .unwrap()
            .pop()
            .expect("a pending submit");
        reply.run(result);
    }
}

/// Types into an input as a person does: the value changes and `input` fires.
fn type_into(element: &Element, text: &str) {
    js_sys::Reflect::set(element, &"value".into(), &text.into()).unwrap();
    let init = EventInit::new();
    init.set_bubbles(true);
    let input = Event::new_with_event_init_dict("input", &init).unwrap();
    element.dispatch_event(&input).unwrap();
}

fn field_names(page: &Page) -> Vec<String> {
    all_by_testid(&page.root, "case-form")
        .first()
        .map(|form| {
            let list = form
                .query_selector_all("[data-testid^=case-field-]")
                .unwrap();
            (0..list.length())
                .map(|i| list.item(i).unwrap().unchecked_into::<Element>())
                .map(|e| {
                    attr(&e, "data-testid")
                        .trim_start_matches("case-field-")
                        .to_owned()
                })
                .collect()
        })
        .unwrap_or_default()
}

#[wasm_bindgen_test]
async fn switching_the_record_type_re_renders_fields_and_picklists() {
    let page = mount(view());
    // The default record type is preselected among several.
    let chooser = page.el("case-record-type");
    assert_eq!(
        js_sys::Reflect::get(&chooser, &"value".into())
            .unwrap()
            .as_string()
            .unwrap(),
        "0"
    );
    assert_eq!(
        field_names(&page),
        [
            "Subject",
            "Status",
            "Origin",
            "Type",
            "ContactId",
            "Description"
        ]
    );
    assert_eq!(page.options("Type"), ["Question", "Problem"]);
    // Prefilled from the conversation and the record type's defaults (the inputs' values are
    // set by the page's effects, a turn after mounting).
    wait_for(&page.root, "the prefilled subject", || {
        (page.value("Subject") == "Wrong invoice").then_some(())
    })
    .await;
    assert_eq!(page.value("Status"), "New");
    assert_eq!(page.value("ContactId"), "003000000000001AAA");
    assert!(
        page.value("Description")
            .starts_with("Maya Patel: Our last invoice")
    );

    type_into(&page.el("case-input-Subject"), "Refund please");
    choose(&chooser, "1");
    wait_for(&page.root, "the Billing form", || {
        maybe_by_testid(&page.root, "case-field-Origin")
            .is_none()
            .then_some(())
    })
    .await;
    assert_eq!(
        field_names(&page),
        ["Subject", "Status", "Type", "ContactId", "Description"]
    );
    assert_eq!(page.options("Type"), ["Question", "Billing"]);
    assert_eq!(page.value("Type"), "Billing", "Billing's default");
    assert_eq!(
        page.value("Subject"),
        "Refund please",
        "typed text carries over"
    );
}

#[wasm_bindgen_test]
async fn submit_waits_for_required_fields_then_files_and_links_the_case() {
    let page = mount(view());
    // Origin is required and empty: submit waits, and says for what.
    assert!(page.submit_disabled());
    assert_eq!(
        text(&page.root, "case-submit-hint"),
        "Still to fix: Case Origin."
    );
    assert!(
        maybe_by_testid(&page.root, "case-error-Origin").is_none(),
        "not shouted before it is touched"
    );

    choose(&page.el("case-input-Origin"), "Web");
    wait_for(&page.root, "submit to be enabled", || {
        (!page.submit_disabled()).then_some(())
    })
    .await;
    // The case is filed as the signed-in teammate: the form offers no one else.
    assert!(maybe_by_testid(&page.root, "case-teammate").is_none());
    assert!(text(&page.root, "case-filed-by").contains("your Salesforce user"));
    click(&page.el("case-submit"));
    wait_for(&page.root, "the submit", || {
        (page.sent.lock().unwrap().len() == 1).then_some(())
    })
    .await;
    let sent = page.sent.lock().unwrap()[0].clone();
    assert_eq!(sent.form_instance_id.as_str(), INSTANCE);
    assert_eq!(sent.record_type_id.as_deref(), Some("012000000000001AAA"));
    assert_eq!(sent.values.get("Origin"), Some("Web"));
    assert_eq!(sent.values.get("Subject"), Some("Wrong invoice"));
    wait_for(
        &page.root,
        "no second submit while the first is out",
        || page.submit_disabled().then_some(()),
    )
    .await;

    page.answer(Ok(FiledCase {
        case_id: "500000000000001AAA".to_owned(),
        case_number: "00001027".to_owned(),
        url: "https://acme.my.salesforce.com/lightning/r/Case/500000000000001AAA/view".to_owned(),
        owner: CaseOwnership::Teammate {
            user_id: "005000000000003AAA".to_owned(),
            name: "Carol Chen".to_owned(),
        },
    }));
    let link = wait_for(&page.root, "the filed case", || {
        maybe_by_testid(&page.root, "case-link")
    })
    .await;
    assert_eq!(support::visible_text(&link), "00001027");
    assert_eq!(
        attr(&link, "href"),
        "https://acme.my.salesforce.com/lightning/r/Case/500000000000001AAA/view"
    );
    assert_eq!(text(&page.root, "case-owner"), "Owned by Carol Chen.");
}

#[wasm_bindgen_test]
async fn validation_runs_as_the_teammate_types() {
    let page = mount(view());
    let subject = page.el("case-input-Subject");
    type_into(&subject, "Émile cannot log in at all");
    let error = wait_for(&page.root, "the length error", || {
        maybe_by_testid(&page.root, "case-error-Subject")
    })
    .await;
    assert!(
        support::visible_text(&error).starts_with("Too long"),
        "{}",
        error.outer_html()
    );
    assert!(page.submit_disabled());
    type_into(&subject, "");
    wait_for(&page.root, "the required error", || {
        maybe_by_testid(&page.root, "case-error-Subject")
            .filter(|e| support::visible_text(e) == "Complete this field.")
    })
    .await;
    type_into(&subject, "Login fails");
    wait_for(&page.root, "the error to go", || {
        maybe_by_testid(&page.root, "case-error-Subject")
            .is_none()
            .then_some(())
    })
    .await;
}

#[wasm_bindgen_test]
async fn a_dependent_picklist_follows_its_controlling_field() {
    let page = mount(view());
    choose(&page.el("case-record-type"), "2");
    wait_for(&page.root, "the Bug Report form", || {
        maybe_by_testid(&page.root, "case-field-Product_Area__c")
    })
    .await;
    assert!(
        page.options("Product_Area__c").is_empty(),
        "nothing before a product"
    );
    choose(&page.el("case-input-Product__c"), "Mobile App");
    wait_for(&page.root, "Mobile App's areas", || {
        (page.options("Product_Area__c") == ["Login", "Notifications", "Sync"]).then_some(())
    })
    .await;
    choose(&page.el("case-input-Product_Area__c"), "Sync");
    choose(&page.el("case-input-Product__c"), "Platform");
    wait_for(&page.root, "Platform's areas, Sync dropped", || {
        (page.options("Product_Area__c") == ["API", "Dashboard", "Login"]
            && page.value("Product_Area__c").is_empty())
        .then_some(())
    })
    .await;
}

#[wasm_bindgen_test]
async fn salesforce_s_refusal_shows_beside_its_field_and_the_input_stays() {
    let page = mount(view());
    choose(&page.el("case-input-Origin"), "Web");
    choose(&page.el("case-input-Status"), "Closed");
    wait_for(&page.root, "submit", || {
        (!page.submit_disabled()).then_some(())
    })
    .await;
    click(&page.el("case-submit"));
    wait_for(&page.root, "the submit", || {
        (page.sent.lock().unwrap().len() == 1).then_some(())
    })
    .await;
    // The back end's answer, read as the page reads it.
    let body = serde_json::json!({
        "error": {"code": "case_refused", "message": "Salesforce refused the case: fix the marked fields and file it again."},
        "errors": {"fields": {"Description": "Describe the resolution in the Description before closing the case."},
                   "form": ["A duplicate rule matched."]},
    });
    page.answer(Err(refusal(422, "Unprocessable Entity", &body.to_string())));
    let beside = wait_for(&page.root, "the field's error", || {
        maybe_by_testid(&page.root, "case-error-Description")
    })
    .await;
    assert_eq!(
        support::visible_text(&beside),
        "Describe the resolution in the Description before closing the case."
    );
    let above = text(&page.root, "case-form-errors");
    assert!(above.contains("Salesforce refused the case"), "{above}");
    assert!(above.contains("A duplicate rule matched."), "{above}");
    assert_eq!(page.value("Status"), "Closed");
    assert_eq!(page.value("Origin"), "Web");
    assert!(!page.submit_disabled(), "it can be sent again once fixed");

    // Editing the field clears Salesforce's words there.
    type_into(&page.el("case-input-Description"), "Refunded.");
    wait_for(&page.root, "the error to go", || {
        maybe_by_testid(&page.root, "case-error-Description")
            .is_none()
            .then_some(())
    })
    .await;

    // No answer at all: say so, keep the form, allow a retry of the same form.
    click(&page.el("case-submit"));
    wait_for(&page.root, "the second submit", || {
        (page.sent.lock().unwrap().len() == 2).then_some(())
    })
    .await;
    assert_eq!(
        page.sent.lock().unwrap()[1].form_instance_id.as_str(),
        INSTANCE,
        "a retry is the same form"
    );
    page.answer(Err(FileError::Failed(LoadError::Network(
        "offline".to_owned(),
    ))));
    wait_for(&page.root, "the failure", || {
        maybe_by_testid(&page.root, "case-form-errors")
            .filter(|e| support::visible_text(e).contains("offline"))
    })
    .await;
    assert_eq!(page.value("Description"), "Refunded.");
    assert!(!page.submit_disabled());
    assert_eq!(
        refusal(
            409,
            "Conflict",
            r#"{"error":{"code":"case_outcome_unknown","message":"m"}}"#
        ),
        FileError::Failed(LoadError::Api {
            status: 409,
            error: shared::ApiError::new("case_outcome_unknown", "m"),
        })
    );
}

#[wasm_bindgen_test]
fn a_single_record_type_needs_no_chooser_and_a_missing_contact_is_said() {
    let mut single = view();
    single.schema.forms.truncate(1);
    single.owner_mode = OwnerMode::SalesforceRules;
    if let FieldType::Lookup(lookup) = &mut single.schema.forms[0].fields[4].field_type {
        lookup.prefill = None;
    }
    let page = mount(single);
    assert!(maybe_by_testid(&page.root, "case-record-type").is_none());
    assert_eq!(text(&page.root, "case-record-type-only"), "Support");
    assert!(maybe_by_testid(&page.root, "case-teammate").is_none());
    assert_eq!(
        text(&page.root, "case-input-ContactId"),
        "No Salesforce contact is linked to this conversation."
    );
}

#[wasm_bindgen_test]
fn the_card_links_to_the_case_form() {
    use chrono::{TimeZone, Utc};
    use sfbridge_frontend::card::CardContent;
    use shared::card::{CardView, NoMatch};
    let root = container();
    let _mounted = mount_to(root.clone(), || {
        view! {
            <CardContent
                card=CardView::NotInSalesforce {
                    conversation_id: "a b/42".to_owned(),
                    reason: NoMatch::NoMatch,
                }
                now=Utc.with_ymd_and_hms(2026, 1, 5, 9, 0, 0).unwrap()
                on_show_closed=|_| {}
            />
        }
    });
    let link = by_testid(&root, "card-create-case");
    assert_eq!(attr(&link, "href"), "/case/a%20b%2F42");
    assert_eq!(support::visible_text(&link), "Create case");
}
