//! The client list stays small in a big clinic: it shows the first 100 matching clients and
//! says how many more the search would find (the load test's 1,000-client clinic made the
//! uncapped page 178 kB).

mod support;

use axum::http::StatusCode;
use support::TestApp;
use tonus_store::NewClient;

#[tokio::test]
async fn the_list_shows_100_clients_and_counts_the_rest() {
    let app = TestApp::new().await;
    let admin = app.setup_admin().await;
    let owner = app.store.users().await.unwrap()[0].id;
    for n in 0..105 {
        let new = NewClient { owner, display_name: format!("Client {n:03}"), reference: None, shared_with_clinic: false };
        app.store.create_client(new).await.unwrap();
    }
    let page = app.get("/clients", Some(&admin)).await;
    assert_eq!(page.status, StatusCode::OK);
    let text = page.text();
    assert_eq!(text.matches("<a href=\"/clients/").count(), 100, "100 rows");
    assert!(text.contains("5 more not shown"), "the rest are counted");
    assert!(text.contains("Client 099") && !text.contains("Client 100"), "the first 100 by name");
    let found = app.get("/clients?q=Client%20104", Some(&admin)).await.text();
    assert!(found.contains("Client 104") && !found.contains("more not shown"), "the search finds the rest");
}
