//! An expired Salesforce session is refreshed with the stored refresh token: once, for every
//! request waiting on it, and the new token is sealed and stored.

mod support;

use sfbridge::connections;
use sfbridge::demo::DEMO_INSTALLATION_ID;
use sfbridge::installations;
use shared::ConnectionState;
use support::World;

#[tokio::test]
async fn an_expired_session_is_refreshed_once_and_stored() {
    let world = World::start().await;
    let stored = |world: &World| {
        let store = world.store.clone();
        let cipher = world.state.clients.cipher().clone();
        async move {
            let row = store
                .installation(DEMO_INSTALLATION_ID)
                .await
                .unwrap()
                .unwrap();
            let credentials = installations::credentials(&row, &cipher).unwrap();
            secrecy::ExposeSecret::expose_secret(&credentials.salesforce_access_token.unwrap())
                .to_owned()
        }
    };
    let before = stored(&world).await;
    world.salesforce.expire_sessions();

    // Ten cards at once meet the expired session; one refresh serves them all.
    let (_, list) = world.get("/api/inbox/conversations").await;
    let ids: Vec<String> = list["conversations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect();
    let requests = ids
        .iter()
        .cycle()
        .take(10)
        .map(|id| world.get_owned(format!("/api/card?conversation_id={id}")));
    for (status, body) in futures_util::future::join_all(requests).await {
        assert_eq!(status, 200, "{body}");
    }
    let after = stored(&world).await;
    assert_ne!(before, after, "the refreshed token is stored");

    // The connection check uses the same refresh path.
    world.salesforce.expire_sessions();
    connections::check_all(&world.store, world.state.clients.cipher())
        .await
        .unwrap();
    let row = world
        .store
        .installation(DEMO_INSTALLATION_ID)
        .await
        .unwrap()
        .unwrap();
    let status = installations::status(&row);
    assert_eq!(
        status.salesforce.state,
        ConnectionState::Connected,
        "{:?}",
        status.salesforce.last_error
    );
    world.stop().await;
}
