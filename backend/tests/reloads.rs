//! Reloading a page does not spend the org's API allocation (nor Intercom's calls) again: what
//! a page reads from Salesforce or Intercom is kept for a while. Calls are counted at the
//! simulators.

mod support;

use support::World;

/// Intercom calls so far, on one route (`"GET /conversations"`).
fn intercom_calls(world: &World, route: &str) -> u64 {
    world
        .intercom
        .request_counts()
        .get(route)
        .copied()
        .unwrap_or(0)
}

/// Loads `path` `times` times; every answer must be 200.
async fn load(world: &World, path: &str, times: usize) {
    for _ in 0..times {
        let (status, body) = world.get(path).await;
        assert_eq!(status, 200, "GET {path}: {body}");
    }
}

#[tokio::test]
async fn the_owner_settings_ask_for_the_org_s_users_once() {
    let world = World::start().await;
    let before = world.salesforce.api_calls();
    load(&world, "/api/settings/owners", 1).await;
    assert_eq!(
        world.salesforce.api_calls() - before,
        1,
        "the first load reads the active users"
    );
    let (before, admins) = (
        world.salesforce.api_calls(),
        intercom_calls(&world, "GET /admins"),
    );
    load(&world, "/api/settings/owners", 10).await;
    assert_eq!(world.salesforce.api_calls(), before, "reloads read nothing");
    assert_eq!(intercom_calls(&world, "GET /admins"), admins);
    let (_, view) = world.get("/api/settings/owners").await;
    assert!(
        view["matches"].as_array().is_some_and(|m| !m.is_empty()),
        "{view}"
    );
    world.stop().await;
}

#[tokio::test]
async fn the_inbox_pages_ask_intercom_once_per_list_and_transcript() {
    let world = World::start().await;
    let lists = intercom_calls(&world, "GET /conversations");
    let conversation = world.conversation_of("maya.patel@globex.example.com").await;
    assert_eq!(intercom_calls(&world, "GET /conversations"), lists + 1);

    let transcript = format!("/api/inbox/conversations/{conversation}");
    let reads = intercom_calls(&world, "GET /conversations/{id}");
    load(&world, &transcript, 1).await;
    assert_eq!(intercom_calls(&world, "GET /conversations/{id}"), reads + 1);

    let before = world.intercom.request_counts()["total"];
    let salesforce = world.salesforce.api_calls();
    load(&world, "/api/inbox/conversations", 10).await;
    load(&world, &transcript, 10).await;
    assert_eq!(
        world.intercom.request_counts()["total"],
        before,
        "reloads ask Intercom nothing"
    );
    assert_eq!(world.salesforce.api_calls(), salesforce);
    world.stop().await;
}

#[tokio::test]
async fn the_card_case_and_sync_settings_pages_reload_without_salesforce_calls() {
    let world = World::start().await;
    let conversation = world.conversation_of("maya.patel@globex.example.com").await;
    let pages = [
        format!("/api/card?conversation_id={conversation}"),
        format!("/api/cases/form?conversation_id={conversation}"),
        "/api/settings/cases".to_owned(),
        "/api/settings/sync".to_owned(),
        // Read anew for the settings page, from describes kept and revalidated by the client.
        "/api/settings/sync/metadata".to_owned(),
        "/api/settings/owners".to_owned(),
    ];
    for page in &pages {
        load(&world, page, 1).await;
    }
    let before = world.salesforce.api_calls();
    for page in &pages {
        load(&world, page, 5).await;
    }
    assert_eq!(
        world.salesforce.api_calls(),
        before,
        "describes, layouts, cards and users are all kept"
    );
    world.stop().await;
}
