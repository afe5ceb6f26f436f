//! The client list stays small in a big clinic: 50 clients a page in name order, with the
//! position ("Clients 51–100 of 105") and links to the neighbouring pages that keep the
//! search (the load test's 1,000-client clinic made the unpaged page 178 kB).

mod support;

use axum::http::StatusCode;
use support::TestApp;
use tonus_store::NewClient;

fn names(text: &str) -> usize {
    text.matches("<a href=\"/clients/").count()
}

#[tokio::test]
async fn the_list_pages_through_the_clients_in_name_order() {
    let app = TestApp::new().await;
    let admin = app.setup_admin().await;
    let owner = app.store.users().await.unwrap()[0].id;
    for n in 0..105 {
        let new = NewClient { owner, display_name: format!("Client {n:03}"), reference: Some(format!("R&{n}")), shared_with_clinic: false };
        app.store.create_client(new).await.unwrap();
    }
    let first = app.get("/clients", Some(&admin)).await;
    assert_eq!(first.status, StatusCode::OK);
    let text = first.text();
    assert_eq!(names(&text), 50, "50 rows");
    assert!(text.contains("Client 049") && !text.contains("Client 050"), "the first 50 by name");
    assert!(text.contains("Clients 1–50 of 105"));
    assert!(text.contains("href=\"/clients?page=2\" rel=\"next\"") && !text.contains("rel=\"prev\""));

    let second = app.get("/clients?page=2", Some(&admin)).await.text();
    assert!(second.contains("Client 050") && second.contains("Client 099") && !second.contains("Client 049"));
    assert!(second.contains("Clients 51–100 of 105"));
    assert!(second.contains("href=\"/clients?page=1\" rel=\"prev\"") && second.contains("href=\"/clients?page=3\" rel=\"next\""));

    let last = app.get("/clients?page=3", Some(&admin)).await.text();
    assert_eq!(names(&last), 5);
    assert!(last.contains("Clients 101–105 of 105") && !last.contains("rel=\"next\""));
    // Past the end shows the last page; page 0 the first.
    assert!(app.get("/clients?page=4000000000", Some(&admin)).await.text().contains("Clients 101–105 of 105"));
    assert!(app.get("/clients?page=0", Some(&admin)).await.text().contains("Clients 1–50 of 105"));
    let bad = app.get("/clients?page=two", Some(&admin)).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.text().contains("page"), "the error names the field: {}", bad.text());

    // The search narrows the list; a single page needs no pager, and the links keep the search.
    let found = app.get("/clients?q=Client%20104", Some(&admin)).await.text();
    assert!(found.contains("Client 104") && names(&found) == 1 && !found.contains("rel=\"next\""));
    let searched = app.get("/clients?q=R%261", Some(&admin)).await.text();
    // "R&1", "R&10".."R&19", "R&100".."R&104": 16 clients, one page.
    assert_eq!(names(&searched), 16);
    let many = app.get("/clients?q=client&page=2", Some(&admin)).await.text();
    assert!(many.contains("href=\"/clients?q=client&#38;page=3\" rel=\"next\""), "{many}");
    // A hostile search is escaped in the box and in the links.
    let hostile = app.get("/clients?q=%22%3E%3Cscript%3E", Some(&admin)).await.text();
    assert!(!hostile.contains("\"><script>"));
}
