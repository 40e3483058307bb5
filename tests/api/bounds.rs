//! Memory with a real bound, through the router: the journal redacts credentials in query
//! strings and headers, answers in pages, and reports its byte budget; seeds run one at a
//! time.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::json;

use crate::helpers::TestApp;

#[tokio::test]
async fn the_journal_redacts_credentials_in_the_query_and_in_known_headers() {
    let app = TestApp::small().await;
    app.request_anonymous(
        Request::get("/api/v1.0/external/sdtask/statuslist?startDate=2022-03-16&client_secret=s3cret&access_token=t0ken")
            .header("x-api-key", "k3y")
            .header("x-trace", "kept")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    let entry = &app.journal("").await[0];
    assert_eq!(
        entry["query"],
        "startDate=2022-03-16&client_secret=[redacted]&access_token=[redacted]"
    );
    assert_eq!(entry["headers"]["x-api-key"], "[redacted]");
    assert_eq!(entry["headers"]["x-trace"], "kept");
    assert!(entry.get("omittedHeaders").is_none());
    let text = app
        .control("GET", "requests", None)
        .await
        .text()
        .into_owned();
    for secret in ["s3cret", "t0ken", "k3y"] {
        assert!(!text.contains(secret), "{secret}");
    }
}

#[tokio::test]
async fn the_journal_answers_at_most_1000_entries_a_page_and_reports_its_budget() {
    let app = TestApp::small().await;
    let many_headers = (0..80).fold(Request::get("/nowhere"), |request, n| {
        request.header(format!("x-h{n}"), "1")
    });
    app.request_anonymous(many_headers.body(Body::empty()).unwrap())
        .await;
    let page = app.control("GET", "requests?limit=1", None).await.json();
    // 80 headers and the x-request-id sdemu adds: 64 kept.
    assert_eq!(page["requests"][0]["omittedHeaders"], 17);
    assert_eq!(page["more"], json!(false));
    assert_eq!(page["maxBytes"], 32 * 1024 * 1024);
    assert!(page["heldBytes"].as_u64().unwrap() > 0);
    for bad in ["limit=1001", "limit=0", "beforeId=-1"] {
        app.control("GET", &format!("requests?{bad}"), None)
            .await
            .assert_problem(
                StatusCode::BAD_REQUEST,
                Some(bad.split('=').next().unwrap()),
            );
    }
}

#[tokio::test]
async fn a_seed_while_another_is_loading_is_a_503_with_retry_after() {
    let app = TestApp::small().await;
    let loading = app.state.emulator.seeding.lock().await;
    let refused = app.control("POST", "seed", Some(&json!([]))).await;
    let problem = refused.assert_problem(StatusCode::SERVICE_UNAVAILABLE, None);
    assert_eq!(problem["type"], "urn:sdemu:problem:seed-in-progress");
    assert_eq!(refused.header("retry-after"), Some("1"));
    drop(loading);
    let seeded = app.control("POST", "seed", Some(&json!([]))).await;
    assert_eq!(seeded.status, StatusCode::OK, "{}", seeded.text());
}
