//! The settings pages in headless Chromium against the demo (both simulators): the rules of
//! `shared::sync` refuse a mapping in the page before any request, a saved mapping reads back
//! after a reload, changing the identity key is confirmed with the number of links it drops,
//! and a teammate gets no settings.

use fantoccini::Locator;
use sfbridge::store::{PersonLink, PersonObject, Store};
use sfbridge_tests::{Browser, Sfbridge, paths};
use shared::sync::settings::SettingsView;
use shared::sync::{
    AttributeMapping, Direction, MappingRefusal, PeopleIdentity, SalesforceFieldType,
    SalesforceObject, Side, SyncMetadata, validate_mapping,
};

fn require_built_pages() {
    if let Err(error) = paths::built_dist_dir() {
        panic!("{error:#}");
    }
}

async fn settings(server: &Sfbridge) -> SettingsView {
    server.get_json("/api/settings/sync").await.unwrap()
}

async fn metadata(server: &Sfbridge) -> SyncMetadata {
    server
        .get_json("/api/settings/sync/metadata")
        .await
        .unwrap()
}

/// Picks `value` in the `<select>` `[data-testid=<testid>]` once it is there.
async fn select(browser: &Browser, testid: &str, value: &str) {
    let css = format!("[data-testid={testid}]");
    browser
        .wait_for_text(&css, "to be there", |_| true)
        .await
        .unwrap();
    browser
        .client()
        .find(Locator::Css(&css))
        .await
        .unwrap()
        .select_by_value(value)
        .await
        .unwrap();
}

/// Clicks `[data-testid=<testid>]` scrolled to the middle of the window, clear of the sticky
/// header (WebDriver scrolls an element only until it shows, which may be under the header).
async fn click_centered(browser: &Browser, testid: &str) {
    browser
        .wait_for_text(&format!("[data-testid={testid}]"), "to be there", |_| true)
        .await
        .unwrap();
    browser
        .client()
        .execute(
            "document.querySelector(`[data-testid=${arguments[0]}]`).scrollIntoView({block: 'center'})",
            vec![serde_json::json!(testid)],
        )
        .await
        .unwrap();
    browser.click(testid).await.unwrap();
}

/// Clicks the element `css` finds, scrolled to the middle of the window first (clear of the
/// sticky header).
async fn click_css(browser: &Browser, css: &str) {
    browser
        .client()
        .execute(
            "document.querySelector(arguments[0]).scrollIntoView({block: 'center'})",
            vec![serde_json::json!(css)],
        )
        .await
        .unwrap();
    browser
        .client()
        .find(Locator::Css(css))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

async fn enabled(browser: &Browser, testid: &str) -> bool {
    browser
        .client()
        .find(Locator::Css(&format!("[data-testid={testid}]")))
        .await
        .unwrap()
        .is_enabled()
        .await
        .unwrap()
}

/// An attribute and a Lead field the pickers offer (neither used nor a key) whose mapping to
/// Salesforce the rules refuse for its types alone (`Err`), or accept (`Ok`).
fn lead_pair(
    view: &SettingsView,
    meta: &SyncMetadata,
    accepted: bool,
) -> (String, String, Vec<MappingRefusal>) {
    let object = SalesforceObject::Lead;
    let mappings = &view.settings.mappings;
    let identity = &view.settings.identity;
    for attribute in meta
        .intercom_attributes
        .iter()
        .filter(|a| a.model == object.intercom_model())
    {
        if mappings
            .iter()
            .any(|m| m.uses_intercom_attribute(object, &attribute.name))
            || identity.is_key(object, Side::Intercom, &attribute.name)
        {
            continue;
        }
        for field in meta.fields_of(object) {
            if mappings
                .iter()
                .any(|m| m.uses_salesforce_field(object, &field.name))
                || identity.is_key(object, Side::Salesforce, &field.name)
            {
                continue;
            }
            let candidate = AttributeMapping::new(
                object,
                &attribute.name,
                &field.name,
                Direction::ToSalesforce,
            );
            match validate_mapping(&candidate, mappings, identity, meta) {
                Ok(()) if accepted => return (attribute.name.clone(), field.name.clone(), vec![]),
                Err(refusals)
                    if !accepted
                        && refusals
                            .iter()
                            .all(|r| matches!(r, MappingRefusal::IncompatibleTypes { .. })) =>
                {
                    return (attribute.name.clone(), field.name.clone(), refusals);
                }
                _ => {}
            }
        }
    }
    panic!("the demo offers no such Lead mapping (accepted: {accepted})");
}

fn row_css(attribute: &str, field: &str) -> String {
    format!("[data-testid=mapping-row][data-attribute=\"{attribute}\"][data-field=\"{field}\"]")
}

#[tokio::test]
async fn an_incompatible_mapping_is_refused_in_the_page_and_a_saved_one_reads_back_after_reload() {
    require_built_pages();
    let server = Sfbridge::demo().await.unwrap();
    let before = settings(&server).await;
    let meta = metadata(&server).await;
    let browser = Browser::start().await.unwrap();
    browser
        .sign_in(&server.admin_link("/settings/people").await.unwrap())
        .await
        .unwrap();

    // The required Lead fields are there, fixed: no Remove, no Edit.
    let last_name = "[data-testid=mapping-row][data-field=LastName]";
    browser
        .wait_for_text(
            &format!("{last_name} [data-testid=required-field]"),
            "to mark LastName required",
            |t| t == "Required",
        )
        .await
        .unwrap();
    let fixed = browser
        .client()
        .find_all(Locator::Css(&format!(
            "{last_name} [data-testid=remove-mapping], {last_name} [data-testid=edit-mapping]"
        )))
        .await
        .unwrap();
    assert!(
        fixed.is_empty(),
        "LastName's mapping cannot be removed or edited"
    );

    // An incompatible pair: the rule's words, from the shared code, before any request.
    let (attribute, field, refusals) = lead_pair(&before, &meta, false);
    browser.click("map-new-attribute").await.unwrap();
    select(&browser, "pick-attribute", &attribute).await;
    select(&browser, "pick-field", &field).await;
    let words = refusals[0].to_string();
    let shown = browser
        .wait_for_text(
            "[data-testid=editor-refusal][data-rule=incompatible_types]",
            "to give the rule's words",
            |t| t == words,
        )
        .await
        .unwrap();
    assert!(shown.starts_with("Incompatible types"), "{shown}");
    assert!(
        !enabled(&browser, "add-mapping").await,
        "Add stays disabled"
    );
    assert_eq!(
        settings(&server).await.settings.mappings,
        before.settings.mappings,
        "nothing was sent"
    );

    // A compatible pair is added, saved, and read back after a reload.
    let (attribute, field, _) = lead_pair(&before, &meta, true);
    select(&browser, "pick-attribute", &attribute).await;
    select(&browser, "pick-field", &field).await;
    browser
        .wait_for_text("[data-testid=editor-ok]", "to accept it", |_| true)
        .await
        .unwrap();
    browser.click("skip-source-empty").await.unwrap();
    browser.click("add-mapping").await.unwrap();
    browser
        .wait_for_text(&row_css(&attribute, &field), "to list the new row", |t| {
            t.contains("the source is empty")
        })
        .await
        .unwrap();
    // Switching tabs keeps the unsaved row.
    click_centered(&browser, "tab-Contact").await;
    browser
        .wait_for_text(
            "[data-testid=mappings][data-object=Contact]",
            "to show Contacts",
            |_| true,
        )
        .await
        .unwrap();
    click_centered(&browser, "tab-Lead").await;
    browser
        .wait_for_text(
            &row_css(&attribute, &field),
            "to keep the unsaved row",
            |_| true,
        )
        .await
        .unwrap();
    click_centered(&browser, "save-mappings").await;
    browser
        .wait_for_text(
            "[data-testid=save-status][data-outcome=saved]",
            "to confirm the save",
            |t| t.contains("Settings saved"),
        )
        .await
        .unwrap();
    let mut expected = AttributeMapping::new(
        SalesforceObject::Lead,
        &attribute,
        &field,
        Direction::ToSalesforce,
    );
    expected.skip_if_source_empty = true;
    let saved = settings(&server).await.settings.mappings;
    assert!(saved.contains(&expected), "{saved:?}");
    assert_eq!(saved.len(), before.settings.mappings.len() + 1);

    browser.goto(&server.url("/settings/people")).await.unwrap();
    browser
        .wait_for_text(&row_css(&attribute, &field), "to read it back", |t| {
            t.contains("the source is empty")
        })
        .await
        .unwrap();

    browser.close().await.unwrap();
}

#[tokio::test]
async fn changing_the_people_key_is_confirmed_with_the_number_of_links_it_drops() {
    require_built_pages();
    let server = Sfbridge::demo().await.unwrap();
    let before = settings(&server).await;
    let meta = metadata(&server).await;
    let store = Store::connect(
        &format!(
            "sqlite://{}",
            server.data_dir().join("sfbridge.db").display()
        )
        .parse()
        .unwrap(),
    )
    .await
    .unwrap();
    let demo = sfbridge::demo::DEMO_INSTALLATION_ID;
    for i in 0..3 {
        let link = PersonLink {
            intercom_contact_id: format!("settings-test-{i}"),
            salesforce_object: PersonObject::Contact,
            salesforce_id: format!("003SETTINGSTEST{i:03}"),
            linked_at: 0,
        };
        store.save_person_link(demo, &link).await.unwrap();
    }

    let browser = Browser::start().await.unwrap();
    browser
        .sign_in(&server.admin_link("/settings/people").await.unwrap())
        .await
        .unwrap();

    // Unchecking the email fallback warns that leads are no longer created.
    browser.click("email-fallback").await.unwrap();
    browser
        .wait_for_text("[data-testid=fallback-warning]", "to warn", |t| {
            t.contains("lead creation")
        })
        .await
        .unwrap();
    browser.click("email-fallback").await.unwrap();

    // Email as the key is refused in the page: a Lead mapping uses `email`.
    browser.click("match-by-email").await.unwrap();
    browser.click("save-identity").await.unwrap();
    browser
        .wait_for_text(
            "[data-testid=identity-status][data-outcome=refused]",
            "to refuse with the rule's words",
            |t| t.contains("is the identity key"),
        )
        .await
        .unwrap();

    // Another text field of Contacts: the confirmation counts the links it drops.
    let current = before.settings.identity.people.salesforce_key().to_owned();
    let other = meta
        .fields_of(SalesforceObject::Contact)
        .find(|f| {
            matches!(f.field_type, SalesforceFieldType::String)
                && !f.is_compound()
                && !f.is_named(&current)
                && meta
                    .salesforce_field(SalesforceObject::Lead, &f.name)
                    .is_none_or(|l| {
                        matches!(
                            l.field_type,
                            SalesforceFieldType::String | SalesforceFieldType::Email
                        )
                    })
                && !before.settings.mappings.iter().any(|m| {
                    m.object != SalesforceObject::Account
                        && m.salesforce_field.eq_ignore_ascii_case(&f.name)
                })
        })
        .expect("the demo's Contacts have another free text field")
        .name
        .clone();
    browser.click("match-by-id").await.unwrap();
    select(&browser, "identity-field", &other).await;
    browser.click("save-identity").await.unwrap();
    let confirm = browser
        .wait_for_text("[data-testid=identity-confirm-text]", "to ask first", |t| {
            t.contains("drops")
        })
        .await
        .unwrap();
    let links = store.person_links(demo).await.unwrap().len();
    assert!(links >= 3, "{links}");
    assert!(
        confirm.contains(&format!("drops {links} links")),
        "{confirm} (the store holds {links})"
    );
    browser.click("identity-confirm-yes").await.unwrap();
    browser
        .wait_for_text(
            "[data-testid=identity-status][data-outcome=saved]",
            "to confirm",
            |t| t.contains(&format!("{links} links dropped")),
        )
        .await
        .unwrap();
    assert!(store.person_links(demo).await.unwrap().is_empty());
    assert_eq!(
        settings(&server).await.settings.identity.people,
        PeopleIdentity::ExternalId {
            salesforce_field: other,
            email_fallback: true
        }
    );

    browser.close().await.unwrap();
}

#[tokio::test]
async fn a_teammate_gets_no_settings() {
    require_built_pages();
    let server = Sfbridge::demo().await.unwrap();
    let (bob, _, _) = sim::intercom::demo::TEAMMATES[1];
    let browser = Browser::start().await.unwrap();
    browser
        .sign_in(
            &server
                .sign_in_link(&bob.to_string(), "/settings/people")
                .await
                .unwrap(),
        )
        .await
        .unwrap();
    browser
        .wait_for_text("[data-testid=admins-only]", "to say admins only", |t| {
            t.contains("Admins only")
        })
        .await
        .unwrap();
    for css in [
        "[data-testid=settings-nav]",
        "nav a[href='/settings/people']",
        "a[href='/settings/owners']",
        "a[href='/settings/cases']",
        "a[href='/settings/usage']",
    ] {
        let found = browser.client().find_all(Locator::Css(css)).await.unwrap();
        assert!(found.is_empty(), "a teammate sees no {css}");
    }
    browser.close().await.unwrap();
}

/// The id of the demo org's Contact with `email`.
async fn contact_id(server: &Sfbridge, email: &str) -> String {
    let demo = server.demo_credentials().await.unwrap();
    let found: serde_json::Value = reqwest::Client::new()
        .get(format!("{}/services/data/v62.0/query", demo.salesforce.url))
        .query(&[(
            "q",
            format!("SELECT Id FROM Contact WHERE Email = '{email}'"),
        )])
        .bearer_auth(&demo.salesforce.access_token)
        .send()
        .await
        .unwrap()
        .error_for_status()
        .unwrap()
        .json()
        .await
        .unwrap();
    found["records"][0]["Id"].as_str().unwrap().to_owned()
}

/// Changes a Contact's Department in the demo org, as any Salesforce client would.
async fn change_department(server: &Sfbridge, contact: &str, department: &str) {
    let demo = server.demo_credentials().await.unwrap();
    reqwest::Client::new()
        .patch(format!(
            "{}/services/data/v62.0/sobjects/Contact/{contact}",
            demo.salesforce.url
        ))
        .bearer_auth(&demo.salesforce.access_token)
        .json(&serde_json::json!({ "Department": department }))
        .send()
        .await
        .unwrap()
        .error_for_status()
        .unwrap();
}

/// `%XX` escapes decoded (a `data:` URL's body).
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            out.push(u8::from_str_radix(&text[i + 1..i + 3], 16).unwrap());
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

/// RFC 4180 records (quoted cells, doubled quotes, CRLF).
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut records = Vec::new();
    let mut record = Vec::new();
    let mut cell = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                cell.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => cell.push(c),
            (false, '"') => quoted = true,
            (false, ',') => record.push(std::mem::take(&mut cell)),
            (false, '\r') => {}
            (false, '\n') => {
                record.push(std::mem::take(&mut cell));
                records.push(std::mem::take(&mut record));
            }
            (false, c) => cell.push(c),
        }
    }
    records
}

#[tokio::test]
async fn the_ledger_is_filtered_to_one_person_and_its_csv_holds_the_rows_shown() {
    require_built_pages();
    let server = Sfbridge::demo().await.unwrap();
    let maya = "maya.patel@globex.example.com";
    let mine = contact_id(&server, maya).await;
    let other = contact_id(&server, "liam.silva@initech.example.com").await;
    change_department(&server, &mine, "Research").await;
    change_department(&server, &other, "Finance").await;
    // Both changes reach the ledger; Maya's row names her Intercom id too.
    let maya_intercom = sfbridge_tests::poll(
        "both contacts' rows in the ledger",
        sfbridge_tests::browser::PAGE_TIMEOUT,
        || async {
            let page: shared::sync::LedgerPage =
                server.get_json("/api/sync/ledger?object=Contact").await?;
            let has = |id: &str| {
                page.entries
                    .iter()
                    .any(|e| e.salesforce_id.as_deref() == Some(id))
            };
            let intercom = page
                .entries
                .iter()
                .find(|e| e.salesforce_id.as_deref() == Some(mine.as_str()))
                .and_then(|e| e.intercom_id.clone());
            if has(&mine) && has(&other) && intercom.is_some() {
                Ok(intercom)
            } else {
                anyhow::bail!("not yet: {page:?}")
            }
        },
    )
    .await
    .unwrap();

    let browser = Browser::start().await.unwrap();
    browser
        .sign_in(&server.admin_link("/settings/health").await.unwrap())
        .await
        .unwrap();
    browser
        .wait_for_text("[data-testid=ledger-count]", "to count the rows", |t| {
            t.ends_with("rows")
        })
        .await
        .unwrap();
    browser
        .client()
        .find(Locator::Css("[data-testid=ledger-search]"))
        .await
        .unwrap()
        .send_keys(maya)
        .await
        .unwrap();
    browser.click("ledger-search-submit").await.unwrap();
    // Only Maya's history: every row names her contact (or her Intercom id with it).
    let rows = sfbridge_tests::poll(
        "the ledger to show Maya's rows only",
        sfbridge_tests::browser::PAGE_TIMEOUT,
        || async {
            let mut rows = Vec::new();
            for row in browser
                .client()
                .find_all(Locator::Css("[data-testid=ledger-row]"))
                .await?
            {
                let cells = row.attr("data-csv").await?.unwrap_or_default();
                rows.push(cells.split('\u{1f}').map(str::to_owned).collect::<Vec<_>>());
            }
            let all_mine = rows.iter().all(|r| r[4] == mine || r[3] == maya_intercom);
            let none_other = rows.iter().all(|r| r[4] != other);
            if all_mine && none_other && rows.iter().any(|r| r[4] == mine) {
                Ok(Some(rows))
            } else {
                anyhow::bail!("rows shown: {rows:?}")
            }
        },
    )
    .await
    .unwrap();

    // The CSV export holds exactly the rows shown, in order, under its header.
    let href = browser
        .client()
        .find(Locator::Css("[data-testid=ledger-csv]"))
        .await
        .unwrap()
        .attr("href")
        .await
        .unwrap()
        .unwrap();
    let body = href
        .strip_prefix("data:text/csv;charset=utf-8,")
        .expect("a CSV data URL");
    let mut records = parse_csv(&percent_decode(body));
    assert_eq!(records.remove(0), shared::sync::health::CSV_HEADER);
    assert_eq!(records, rows);

    browser.close().await.unwrap();
}

#[tokio::test]
async fn a_parked_job_is_retried_from_the_page_and_then_synced() {
    use sfbridge::jobs::kinds::ChangedRecord;
    use sfbridge::jobs::{JobKind, RetryPolicy, SyncToIntercom};
    use sfbridge::store::FailOutcome;

    require_built_pages();
    let server = Sfbridge::demo().await.unwrap();
    let store = Store::connect(
        &format!(
            "sqlite://{}",
            server.data_dir().join("sfbridge.db").display()
        )
        .parse()
        .unwrap(),
    )
    .await
    .unwrap();
    let demo = sfbridge::demo::DEMO_INSTALLATION_ID;
    let maya = contact_id(&server, "maya.patel@globex.example.com").await;
    // A Salesforce -> Intercom job for Maya's contact, given up on: due only tomorrow (so the
    // demo's worker leaves it), claimed by a worker of the test's own and failed on its one
    // attempt.
    let now = chrono_now_ms();
    let tomorrow = now + 86_400_000;
    let payload = SyncToIntercom::Record(ChangedRecord {
        object: SalesforceObject::Contact,
        id: maya.clone(),
        deleted: false,
    });
    let id = store
        .enqueue(&payload.job(demo, 1, tomorrow), now)
        .await
        .unwrap()
        .unwrap();
    let claimed = store
        .claim_batch(
            SyncToIntercom::NAME,
            demo,
            "settings-test",
            60_000,
            tomorrow,
            10,
        )
        .await
        .unwrap();
    assert_eq!(claimed.iter().map(|j| j.id).collect::<Vec<_>>(), [id]);
    let parked = store
        .fail(
            id,
            "settings-test",
            "Intercom was unreachable",
            &RetryPolicy::default(),
            tomorrow,
        )
        .await
        .unwrap();
    assert_eq!(parked, FailOutcome::Parked);

    let browser = Browser::start().await.unwrap();
    browser
        .sign_in(&server.admin_link("/settings/health").await.unwrap())
        .await
        .unwrap();
    browser
        .wait_for_text(
            &format!("[data-testid=parked-job][data-job-id=\"{id}\"]"),
            "to list the parked job with its error",
            |t| t.contains("Intercom was unreachable"),
        )
        .await
        .unwrap();
    browser
        .wait_for_text("[data-testid=count-parked]", "to count it", |t| t == "1")
        .await
        .unwrap();
    click_centered(&browser, "retry-job").await;
    browser
        .wait_for_text("[data-testid=retry-status]", "to say it went back", |t| {
            t.contains("1 job back in the queue")
        })
        .await
        .unwrap();
    // The worker runs it: the job leaves the queue and the ledger holds its row.
    sfbridge_tests::poll(
        "the retried job to have synced Maya's contact",
        sfbridge_tests::browser::PAGE_TIMEOUT,
        || async {
            let job = store.job(id).await?;
            let page: shared::sync::LedgerPage = server
                .get_json(&format!("/api/sync/ledger?record_id={maya}"))
                .await?;
            let synced = page.entries.iter().any(|e| {
                e.salesforce_id.as_deref() == Some(maya.as_str())
                    && e.outcome != shared::sync::Outcome::Failed
            });
            if job.is_none() && synced {
                Ok(Some(()))
            } else {
                anyhow::bail!("job {job:?}; ledger {page:?}")
            }
        },
    )
    .await
    .unwrap();
    click_centered(&browser, "health-refresh").await;
    browser
        .wait_for_text(
            "[data-testid=parked-empty]",
            "to list no parked job",
            |_| true,
        )
        .await
        .unwrap();
    browser.close().await.unwrap();
}

fn chrono_now_ms() -> i64 {
    i64::try_from(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis(),
    )
    .unwrap()
}

#[tokio::test]
async fn mappings_exported_from_one_installation_import_into_another_through_the_page() {
    require_built_pages();
    let (first, second) = tokio::join!(Sfbridge::demo(), Sfbridge::demo());
    let (first, second) = (first.unwrap(), second.unwrap());
    // The first installation gains a mapping the second lacks.
    let before = settings(&first).await;
    let meta = metadata(&first).await;
    let (attribute, field, _) = lead_pair(&before, &meta, true);
    let mut mappings = before.settings.mappings.clone();
    mappings.push(AttributeMapping::new(
        SalesforceObject::Lead,
        &attribute,
        &field,
        Direction::ToSalesforce,
    ));
    first
        .admin()
        .await
        .unwrap()
        .put(first.url("/api/settings/sync/mappings"))
        .json(&serde_json::json!({ "mappings": mappings }))
        .send()
        .await
        .unwrap()
        .error_for_status()
        .unwrap();
    let exported: serde_json::Value = first
        .get_json("/api/settings/sync/mappings/export")
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mappings.json");
    std::fs::write(&path, serde_json::to_vec_pretty(&exported).unwrap()).unwrap();

    let browser = Browser::start().await.unwrap();
    browser
        .sign_in(&second.admin_link("/settings/transfer").await.unwrap())
        .await
        .unwrap();
    browser
        .wait_for_text("[data-testid=import-file]", "to offer the upload", |_| true)
        .await
        .unwrap();
    browser
        .client()
        .find(Locator::Css("[data-testid=import-file]"))
        .await
        .unwrap()
        .send_keys(&path.display().to_string())
        .await
        .unwrap();
    // The difference against what the second installation holds: the one mapping added.
    browser
        .wait_for_text(
            "[data-testid=import-summary]",
            "to show the difference",
            |t| t.starts_with("1 added, 0 removed"),
        )
        .await
        .unwrap();
    browser
        .wait_for_text("[data-testid=diff-added]", "to name it", |t| {
            t.contains(&attribute) && t.contains(&field)
        })
        .await
        .unwrap();
    assert_ne!(
        settings(&second).await.settings.mappings,
        mappings,
        "nothing applied yet"
    );
    click_centered(&browser, "import-apply").await;
    browser
        .wait_for_text(
            "[data-testid=import-status][data-outcome=saved]",
            "to confirm",
            |t| t.contains("Imported"),
        )
        .await
        .unwrap();
    assert_eq!(settings(&second).await.settings.mappings, mappings);
    browser.close().await.unwrap();
}

/// Records of the demo org `soql` finds, asked of the simulated org itself.
async fn org_query(server: &Sfbridge, soql: &str) -> Vec<serde_json::Value> {
    let demo = server.demo_credentials().await.unwrap();
    let found: serde_json::Value = reqwest::Client::new()
        .get(format!("{}/services/data/v62.0/query", demo.salesforce.url))
        .query(&[("q", soql)])
        .bearer_auth(&demo.salesforce.access_token)
        .send()
        .await
        .unwrap()
        .error_for_status()
        .unwrap()
        .json()
        .await
        .unwrap();
    found["records"].as_array().unwrap().clone()
}

/// `[data-testid=<testid>]`'s attribute `name` for every element.
async fn attributes(browser: &Browser, css: &str, name: &str) -> Vec<String> {
    let mut out = Vec::new();
    for element in browser.client().find_all(Locator::Css(css)).await.unwrap() {
        out.push(element.attr(name).await.unwrap().unwrap_or_default());
    }
    out
}

async fn checked(browser: &Browser, testid: &str) -> bool {
    browser
        .client()
        .find(Locator::Css(&format!("[data-testid={testid}]")))
        .await
        .unwrap()
        .is_selected()
        .await
        .unwrap()
}

#[tokio::test]
async fn the_owners_table_matches_the_orgs_active_users_and_a_switch_reads_back() {
    require_built_pages();
    let server = Sfbridge::demo().await.unwrap();
    // A user no teammate shares an email with, hired in Salesforce before the page is opened.
    let demo = server.demo_credentials().await.unwrap();
    let profile = org_query(&server, "SELECT ProfileId FROM User WHERE IsActive = true").await[0]
        ["ProfileId"]
        .clone();
    reqwest::Client::new()
        .post(format!(
            "{}/services/data/v62.0/sobjects/User",
            demo.salesforce.url
        ))
        .bearer_auth(&demo.salesforce.access_token)
        .json(&serde_json::json!({
            "Username": "frank.owners-test@example.com.sfsim",
            "FirstName": "Frank",
            "LastName": "Fischer",
            "Email": "frank@elsewhere.example",
            "Alias": "ffisch",
            "IsActive": true,
            "ProfileId": profile,
            "TimeZoneSidKey": "Europe/London",
        }))
        .send()
        .await
        .unwrap()
        .error_for_status()
        .unwrap();
    // The org's active users and the teammate each should match, by email.
    let mut expected: Vec<(String, String)> =
        org_query(&server, "SELECT Id, Email FROM User WHERE IsActive = true")
            .await
            .iter()
            .map(|user| {
                let email = user["Email"].as_str().unwrap_or_default();
                let teammate = sim::intercom::demo::TEAMMATES
                    .iter()
                    .find(|(_, _, e)| e.eq_ignore_ascii_case(email))
                    .map(|(id, _, _)| id.to_string())
                    .unwrap_or_default();
                (user["Id"].as_str().unwrap().to_owned(), teammate)
            })
            .collect();
    expected.sort();
    assert!(expected.iter().any(|(_, t)| t.is_empty()), "{expected:?}");
    assert!(expected.iter().any(|(_, t)| !t.is_empty()), "{expected:?}");
    let owners: shared::owner::OwnersView = server.get_json("/api/settings/owners").await.unwrap();
    let installer = owners.installer.expect("the demo knows who installed it");

    let browser = Browser::start().await.unwrap();
    browser
        .sign_in(&server.admin_link("/settings/owners").await.unwrap())
        .await
        .unwrap();
    browser
        .wait_for_text("[data-testid=owners-summary]", "to count the users", |t| {
            t.contains(&format!("{} active users", expected.len()))
        })
        .await
        .unwrap();
    let ids = attributes(&browser, "[data-testid=owner-row]", "data-user-id").await;
    let teammates = attributes(&browser, "[data-testid=owner-row]", "data-teammate-id").await;
    let mut shown: Vec<(String, String)> = ids.into_iter().zip(teammates).collect();
    shown.sort();
    assert_eq!(shown, expected, "the table is the org's active users");
    // Exactly the unmatched rows are marked.
    let unmatched = browser
        .client()
        .find_all(Locator::Css(
            "[data-testid=owner-row] [data-testid=unmatched]",
        ))
        .await
        .unwrap();
    assert_eq!(
        unmatched.len(),
        expected.iter().filter(|(_, t)| t.is_empty()).count()
    );
    let fallback = browser
        .wait_for_text("[data-testid=installer-fallback]", "to name it", |_| true)
        .await
        .unwrap();
    assert!(fallback.contains(&installer.name), "{fallback}");

    // A switch saved, then read back after a reload.
    let before = owners.settings.route_conversations;
    assert_eq!(checked(&browser, "route-conversations").await, before);
    browser.click("route-conversations").await.unwrap();
    click_centered(&browser, "owners-save").await;
    browser
        .wait_for_text(
            "[data-testid=owners-status][data-outcome=saved]",
            "to confirm",
            |t| t.contains("saved"),
        )
        .await
        .unwrap();
    let saved: shared::owner::OwnersView = server.get_json("/api/settings/owners").await.unwrap();
    assert_eq!(saved.settings.route_conversations, !before);
    browser.goto(&server.url("/settings/owners")).await.unwrap();
    browser
        .wait_for_text("[data-testid=owners-summary]", "to load again", |_| true)
        .await
        .unwrap();
    assert_eq!(checked(&browser, "route-conversations").await, !before);
    browser.close().await.unwrap();
}

#[tokio::test]
async fn a_custom_case_form_is_edited_and_saved_and_the_tasks_switch_reads_back_after_reload() {
    use shared::case_form::{CaseSettingsView, FormMode};

    require_built_pages();
    let server = Sfbridge::demo().await.unwrap();
    let before: CaseSettingsView = server.get_json("/api/settings/cases").await.unwrap();
    assert_eq!(
        before.settings.form_mode,
        FormMode::RecordTypes,
        "the demo shows the record-type form"
    );
    let tasks: shared::tasks::TaskSettings = server.get_json("/api/settings/tasks").await.unwrap();
    assert!(tasks.send_conversations, "on in the demo");

    let browser = Browser::start().await.unwrap();
    browser
        .sign_in(&server.admin_link("/settings/cases").await.unwrap())
        .await
        .unwrap();
    // Record types hide the field list; the custom form brings it back as it was.
    browser.click("form-record-types").await.unwrap();
    sfbridge_tests::poll(
        "the field list to go",
        sfbridge_tests::browser::PAGE_TIMEOUT,
        || async {
            let shown = browser
                .client()
                .find_all(Locator::Css("[data-testid=case-fields]"))
                .await?;
            if shown.is_empty() {
                Ok(Some(()))
            } else {
                anyhow::bail!("still listed")
            }
        },
    )
    .await
    .unwrap();
    browser.click("form-custom").await.unwrap();
    browser
        .wait_for_text("[data-testid=case-fields]", "to list the fields", |t| {
            t.contains("Subject")
        })
        .await
        .unwrap();
    let fields = || attributes(&browser, "[data-testid=case-field]", "data-field");
    assert_eq!(fields().await[..2], ["Subject", "Description"]);
    // Every field Salesforce requires is locked in: its Remove is disabled.
    for required in before.fields.iter().filter(|f| f.required()) {
        let css = format!(
            "[data-testid=case-field][data-field={}] [data-testid=remove-case-field]",
            required.api_name
        );
        let remove = browser.client().find(Locator::Css(&css)).await.unwrap();
        assert!(!remove.is_enabled().await.unwrap(), "{css}");
    }
    // Add Origin, move it to the top, remove Description.
    select(&browser, "add-case-field-pick", "Origin").await;
    browser.click("add-case-field").await.unwrap();
    browser
        .wait_for_text(
            "[data-testid=case-field][data-field=Origin]",
            "to add it",
            |_| true,
        )
        .await
        .unwrap();
    let count = fields().await.len();
    for _ in 1..count {
        click_css(
            &browser,
            "[data-testid=case-field][data-field=Origin] [data-testid=move-up]",
        )
        .await;
    }
    click_css(
        &browser,
        "[data-testid=case-field][data-field=Description] [data-testid=remove-case-field]",
    )
    .await;
    let edited = fields().await;
    assert_eq!(edited[..2], ["Origin", "Subject"], "{edited:?}");
    assert!(!edited.contains(&"Description".to_owned()));
    browser.click("owner-teammate").await.unwrap();
    click_centered(&browser, "cases-save").await;
    browser
        .wait_for_text(
            "[data-testid=cases-status][data-outcome=saved]",
            "to confirm",
            |t| t.contains("Case settings saved"),
        )
        .await
        .unwrap();
    let saved: CaseSettingsView = server.get_json("/api/settings/cases").await.unwrap();
    assert_eq!(
        saved.settings.form_mode,
        FormMode::Custom { fields: edited }
    );
    assert_eq!(
        saved.settings.owner_mode,
        shared::case_form::OwnerMode::AssignTeammate
    );

    // The Tasks switch beside them: off, saved, and still off after a reload.
    click_centered(&browser, "send-conversations").await;
    click_centered(&browser, "tasks-save").await;
    browser
        .wait_for_text(
            "[data-testid=tasks-status][data-outcome=saved]",
            "to confirm",
            |t| t.contains("saved"),
        )
        .await
        .unwrap();
    let tasks: shared::tasks::TaskSettings = server.get_json("/api/settings/tasks").await.unwrap();
    assert!(!tasks.send_conversations);
    browser.goto(&server.url("/settings/cases")).await.unwrap();
    browser
        .wait_for_text(
            "[data-testid=case-field][data-field=Origin]",
            "to read the form back",
            |_| true,
        )
        .await
        .unwrap();
    assert!(!checked(&browser, "send-conversations").await);
    assert!(checked(&browser, "owner-teammate").await);
    browser.close().await.unwrap();
}

#[tokio::test]
async fn api_usage_shows_the_calls_counted_and_the_orgs_figures_from_salesforce() {
    require_built_pages();
    let server = Sfbridge::demo().await.unwrap();
    let demo = server.demo_credentials().await.unwrap();
    // The demo's sync has spent calls by the time it is up; the page shows the org's last
    // answer.
    let browser = Browser::start().await.unwrap();
    browser
        .sign_in(&server.admin_link("/settings/usage").await.unwrap())
        .await
        .unwrap();
    let number = |text: String| text.trim().parse::<u64>().unwrap();
    let installation = number(
        browser
            .wait_for_text("[data-testid=installation-calls]", "to count", |_| true)
            .await
            .unwrap(),
    );
    let org = number(
        browser
            .wait_for_text("[data-testid=org-calls]", "to be read", |t| {
                t.parse::<u64>().is_ok()
            })
            .await
            .unwrap(),
    );
    let allocation = number(
        browser
            .wait_for_text("[data-testid=allocation]", "to be read", |_| true)
            .await
            .unwrap(),
    );
    // The simulator's own figures: its allocation and at least as many calls as it last
    // reported (the org counts every caller; the installation only its own).
    let limits: serde_json::Value = reqwest::Client::new()
        .get(format!(
            "{}/services/data/v62.0/limits",
            demo.salesforce.url
        ))
        .bearer_auth(&demo.salesforce.access_token)
        .send()
        .await
        .unwrap()
        .error_for_status()
        .unwrap()
        .json()
        .await
        .unwrap();
    let max = limits["DailyApiRequests"]["Max"].as_u64().unwrap();
    let remaining = limits["DailyApiRequests"]["Remaining"].as_u64().unwrap();
    assert_eq!(allocation, max);
    assert!(installation > 0, "the demo's own calls are counted");
    assert!(org >= installation, "{org} >= {installation}");
    assert!(org < max - remaining, "{org} before the test's own call");
    let share = shared::usage::percent_text(shared::usage::permille(installation, allocation));
    browser
        .wait_for_text("[data-testid=usage-share-text]", "to give the share", |t| {
            t.starts_with(&format!("sfbridge: {share} of the allocation"))
        })
        .await
        .unwrap();
    let gauge = browser
        .client()
        .find(Locator::Css("[data-testid=usage-gauge]"))
        .await
        .unwrap();
    assert_eq!(
        gauge.attr("value").await.unwrap().as_deref(),
        Some(installation.to_string().as_str())
    );
    assert_eq!(
        gauge.attr("max").await.unwrap().as_deref(),
        Some(max.to_string().as_str())
    );
    browser
        .wait_for_text(
            "[data-testid=sync-pause][data-state=not_paused]",
            "to say the sync runs",
            |t| t.contains("not paused"),
        )
        .await
        .unwrap();
    browser.close().await.unwrap();
}

#[tokio::test]
async fn check_now_asks_both_services_again() {
    require_built_pages();
    let server = Sfbridge::demo().await.unwrap();
    let connections = || async {
        let view: shared::ConnectionsView = server.get_json("/api/connections").await.unwrap();
        view.installations[0].clone()
    };
    let before = connections().await;
    let browser = Browser::start().await.unwrap();
    browser
        .sign_in(&server.admin_link("/connections").await.unwrap())
        .await
        .unwrap();
    browser
        .wait_for_text("[data-testid=installation]", "to show it", |_| true)
        .await
        .unwrap();
    // Only a check records a contact: both move past what the start-up check recorded.
    browser.click("connections-check").await.unwrap();
    let after = sfbridge_tests::poll(
        "both services contacted again",
        sfbridge_tests::browser::PAGE_TIMEOUT,
        || async {
            let after = connections().await;
            if after.salesforce.last_contact_at > before.salesforce.last_contact_at
                && after.intercom.last_contact_at > before.intercom.last_contact_at
            {
                Ok(Some(after))
            } else {
                anyhow::bail!("not yet: {after:?}")
            }
        },
    )
    .await
    .unwrap();
    assert_eq!(after.salesforce.state, shared::ConnectionState::Connected);
    assert_eq!(after.intercom.state, shared::ConnectionState::Connected);
    // The button is back once the page has the answer.
    browser
        .wait_for_text(
            "[data-testid=connections-check]",
            "to be ready again",
            |t| t == "Check now",
        )
        .await
        .unwrap();
    browser.close().await.unwrap();
}

#[tokio::test]
async fn parked_jobs_of_a_kind_are_retried_together_from_the_page_and_then_synced() {
    use sfbridge::jobs::kinds::ChangedRecord;
    use sfbridge::jobs::{JobKind, RetryPolicy, SyncToIntercom};
    use sfbridge::store::FailOutcome;

    require_built_pages();
    let server = Sfbridge::demo().await.unwrap();
    let store = Store::connect(
        &format!(
            "sqlite://{}",
            server.data_dir().join("sfbridge.db").display()
        )
        .parse()
        .unwrap(),
    )
    .await
    .unwrap();
    let demo = sfbridge::demo::DEMO_INSTALLATION_ID;
    let contacts = [
        contact_id(&server, "maya.patel@globex.example.com").await,
        contact_id(&server, "liam.silva@initech.example.com").await,
    ];
    // Two Salesforce -> Intercom jobs given up on, as in the single retry's test: due only
    // tomorrow (the demo's worker leaves them), claimed by the test's worker and failed.
    let now = chrono_now_ms();
    let tomorrow = now + 86_400_000;
    let mut ids = Vec::new();
    for contact in &contacts {
        let payload = SyncToIntercom::Record(ChangedRecord {
            object: SalesforceObject::Contact,
            id: contact.clone(),
            deleted: false,
        });
        ids.push(
            store
                .enqueue(&payload.job(demo, 1, tomorrow), now)
                .await
                .unwrap()
                .unwrap(),
        );
    }
    let claimed = store
        .claim_batch(
            SyncToIntercom::NAME,
            demo,
            "settings-test",
            60_000,
            tomorrow,
            10,
        )
        .await
        .unwrap();
    assert_eq!(claimed.len(), 2);
    for id in &ids {
        let parked = store
            .fail(
                *id,
                "settings-test",
                "Intercom was unreachable",
                &RetryPolicy::default(),
                tomorrow,
            )
            .await
            .unwrap();
        assert_eq!(parked, FailOutcome::Parked);
    }

    let browser = Browser::start().await.unwrap();
    browser
        .sign_in(&server.admin_link("/settings/health").await.unwrap())
        .await
        .unwrap();
    browser
        .wait_for_text("[data-testid=count-parked]", "to count both", |t| t == "2")
        .await
        .unwrap();
    let kind_button = format!(
        "[data-testid=retry-kind][data-kind=\"{}\"]",
        SyncToIntercom::NAME
    );
    browser
        .wait_for_text(&kind_button, "to offer the kind", |t| {
            t.contains(SyncToIntercom::NAME)
        })
        .await
        .unwrap();
    click_css(&browser, &kind_button).await;
    browser
        .wait_for_text("[data-testid=retry-status]", "to say both went back", |t| {
            t.contains("2 jobs back in the queue")
        })
        .await
        .unwrap();
    sfbridge_tests::poll(
        "both retried jobs to have synced their contacts",
        sfbridge_tests::browser::PAGE_TIMEOUT,
        || async {
            let mut pending = Vec::new();
            for (id, contact) in ids.iter().zip(&contacts) {
                let job = store.job(*id).await?;
                let page: shared::sync::LedgerPage = server
                    .get_json(&format!("/api/sync/ledger?record_id={contact}"))
                    .await?;
                let synced = page.entries.iter().any(|e| {
                    e.salesforce_id.as_deref() == Some(contact.as_str())
                        && e.outcome != shared::sync::Outcome::Failed
                });
                if job.is_some() || !synced {
                    pending.push(contact.clone());
                }
            }
            if pending.is_empty() {
                Ok(Some(()))
            } else {
                anyhow::bail!("not yet synced: {pending:?}")
            }
        },
    )
    .await
    .unwrap();
    browser.close().await.unwrap();
}

#[tokio::test]
async fn the_settings_pages_fit_a_375_pixel_wide_screen() {
    require_built_pages();
    let server = Sfbridge::demo().await.unwrap();
    let browser = Browser::start().await.unwrap();
    browser.client().set_window_size(375, 812).await.unwrap();
    browser
        .sign_in(&server.admin_link("/settings/people").await.unwrap())
        .await
        .unwrap();
    let width: u64 = serde_json::from_value(
        browser
            .client()
            .execute("return document.documentElement.clientWidth", vec![])
            .await
            .unwrap(),
    )
    .unwrap();
    assert!(width <= 375, "the window is {width} px wide");
    let pages = [
        ("/settings/people", "[data-testid=mapping-panel]"),
        ("/settings/accounts", "[data-testid=settings-nav]"),
        ("/settings/owners", "[data-testid=owner-matches]"),
        ("/settings/cases", "[data-testid=send-conversations]"),
        ("/settings/health", "[data-testid=sync-counters]"),
        ("/settings/usage", "[data-testid=usage-counters]"),
        ("/settings/transfer", "[data-testid=import-file]"),
        ("/connections", "[data-testid=installation]"),
    ];
    for (path, loaded) in pages {
        browser.goto(&server.url(path)).await.unwrap();
        browser
            .wait_for_text(loaded, "to be shown", |_| true)
            .await
            .unwrap();
        let (scroll, client): (u64, u64) = serde_json::from_value(
            browser
                .client()
                .execute(
                    "const e = document.documentElement; return [e.scrollWidth, e.clientWidth]",
                    vec![],
                )
                .await
                .unwrap(),
        )
        .unwrap();
        if scroll > client {
            // What sticks out, for the failure message.
            let wide = browser
                .client()
                .execute(
                    "const w = document.documentElement.clientWidth;
                     return [...document.querySelectorAll('body *')]
                       .filter(e => e.getBoundingClientRect().right > w + 1)
                       .slice(0, 12)
                       .map(e => `${e.tagName}.${e.className} ${e.dataset.testid || ''} ${Math.round(e.getBoundingClientRect().right)}`)",
                    vec![],
                )
                .await
                .unwrap();
            panic!("{path} overflows: {scroll} px of content in {client} px: {wide}");
        }
    }
    browser.close().await.unwrap();
}
