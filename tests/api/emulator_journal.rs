//! The request journal and the admin token.

use axum::http::StatusCode;
use chrono::Duration;
use serde_json::json;

use crate::helpers::{TestApp, STATUS_LIST};

#[tokio::test]
async fn the_journal_records_each_api_request_newest_first() {
    let app = TestApp::demo().await;
    app.status_list("startDate=2022-01-01").await;
    app.clock.advance(Duration::seconds(5));
    app.get("/api/unknown").await;

    let entries = app.journal("").await;
    assert_eq!(entries.len(), 2);
    let newest = &entries[0];
    assert_eq!(newest["method"], "GET");
    assert_eq!(newest["path"], "/api/unknown");
    assert_eq!(newest["query"], json!(null));
    assert_eq!(newest["status"], 404);
    assert_eq!(newest["time"], "2026-11-01T12:00:05Z");
    assert_eq!(newest["fault"], json!(null));
    assert!(newest["durationMs"].as_f64().unwrap() >= 0.0);
    let oldest = &entries[1];
    assert_eq!(oldest["path"], STATUS_LIST);
    assert_eq!(oldest["query"], "startDate=2022-01-01");
    assert_eq!(oldest["status"], 200);
    assert_eq!(oldest["time"], "2026-11-01T12:00:00Z");
    assert!(newest["id"].as_u64() > oldest["id"].as_u64());
}

#[tokio::test]
async fn the_control_plane_itself_is_not_journaled() {
    let app = TestApp::demo().await;
    app.control("GET", "health", None).await;
    app.control("GET", "state", None).await;
    app.control("GET", "nowhere", None).await;
    assert_eq!(app.journal("").await, Vec::<serde_json::Value>::new());
}

#[tokio::test]
async fn the_journal_redacts_credentials_but_keeps_other_headers() {
    let app = TestApp::demo().await;
    app.send(
        "GET",
        &format!("{STATUS_LIST}?startDate=2022-01-01"),
        None,
        &[
            ("authorization", "Bearer abc.def.ghi"),
            ("cookie", "session=secret"),
            ("x-request-id", "r-1"),
        ],
    )
    .await;
    let headers = &app.journal("").await[0]["headers"];
    assert_eq!(headers["authorization"], "Bearer [redacted]");
    assert_eq!(headers["cookie"], "[redacted]");
    assert_eq!(headers["x-request-id"], "r-1");
    let text = headers.to_string();
    assert!(
        !text.contains("abc.def.ghi") && !text.contains("secret"),
        "{text}"
    );
}

#[tokio::test]
async fn the_journal_keeps_only_the_newest_entries_up_to_its_limit() {
    let app = TestApp::with_options(&["--journal-limit", "3"]).await;
    for n in 1..=5 {
        app.get(&format!("/api/n{n}")).await;
    }
    let response = app.control("GET", "requests", None).await;
    let body = response.json();
    let paths: Vec<&str> = body["requests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, ["/api/n5", "/api/n4", "/api/n3"]);
    assert_eq!(body["held"], 3);
    assert_eq!(body["evicted"], 2);
    assert_eq!(body["limit"], 3);
}

#[tokio::test]
async fn the_journal_filters_by_method_path_time_and_limit() {
    let app = TestApp::demo().await;
    app.get("/api/a/1").await; // 12:00:00
    app.clock.advance(Duration::minutes(1));
    app.send("POST", "/api/a/2", None, &[]).await; // 12:01:00
    app.clock.advance(Duration::minutes(1));
    app.get("/api/b").await; // 12:02:00
    app.clock.advance(Duration::minutes(1));
    app.get("/api/a").await; // 12:03:00

    let paths = |entries: Vec<serde_json::Value>| -> Vec<String> {
        entries
            .iter()
            .map(|e| e["path"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(paths(app.journal("method=post").await), ["/api/a/2"]);
    assert_eq!(paths(app.journal("path=/api/a").await), ["/api/a"]);
    assert_eq!(
        paths(app.journal("path=/api/a/*").await),
        ["/api/a/2", "/api/a/1"]
    );
    assert_eq!(
        paths(
            app.journal("since=2026-11-01T12:01:00Z&until=2026-11-01T12:02:00Z")
                .await
        ),
        ["/api/b", "/api/a/2"]
    );
    assert_eq!(paths(app.journal("limit=1").await), ["/api/a"]);
    assert_eq!(
        paths(app.journal("method=GET&limit=2").await),
        ["/api/a", "/api/b"]
    );
}

#[tokio::test]
async fn the_journal_refuses_bad_filters_naming_the_parameter() {
    let app = TestApp::demo().await;
    for (query, parameter) in [
        ("limit=0", "limit"),
        ("limit=x", "limit"),
        ("since=yesterday", "since"),
        ("until=1/2/2024", "until"),
    ] {
        let response = app.control("GET", &format!("requests?{query}"), None).await;
        response.assert_problem(StatusCode::BAD_REQUEST, Some(parameter));
    }
}

#[tokio::test]
async fn deleting_the_journal_empties_it_with_204() {
    let app = TestApp::demo().await;
    app.get("/api/x").await;
    let response = app.control("DELETE", "requests", None).await;
    response.assert_status(StatusCode::NO_CONTENT);
    assert!(response.body.is_empty());
    assert!(app.journal("").await.is_empty());
    app.get("/api/y").await;
    assert_eq!(app.journal("").await.len(), 1);
}

#[tokio::test]
async fn reset_empties_the_journal() {
    let app = TestApp::demo().await;
    app.get("/api/x").await;
    app.control("POST", "reset", None)
        .await
        .assert_status(StatusCode::OK);
    assert!(app.journal("").await.is_empty());
}

#[tokio::test]
async fn a_journal_limit_of_zero_records_nothing() {
    let app = TestApp::with_options(&["--journal-limit", "0"]).await;
    app.get("/api/x").await;
    assert!(app.journal("").await.is_empty());
}

// ---------------------------------------------------------------------------------------------
// --admin-token
// ---------------------------------------------------------------------------------------------

const PROTECTED: [(&str, &str); 10] = [
    ("POST", "reset"),
    ("POST", "seed"),
    ("GET", "state"),
    ("GET", "requests"),
    ("DELETE", "requests"),
    ("GET", "faults"),
    ("PUT", "faults"),
    ("POST", "faults"),
    ("DELETE", "faults"),
    ("GET", "unknown"),
];

#[tokio::test]
async fn with_an_admin_token_every_control_route_but_health_and_ready_needs_it() {
    let app = TestApp::with_options(&["--admin-token", "s3cret"]).await;
    for (method, path) in PROTECTED {
        for headers in [
            vec![],
            vec![("authorization", "Bearer wrong")],
            vec![("authorization", "Basic s3cret")],
        ] {
            let response = app
                .send(method, &format!("/_emulator/{path}"), None, &headers)
                .await
                .case(format!("{headers:?}"));
            let problem = response.assert_problem(StatusCode::UNAUTHORIZED, None);
            assert_eq!(problem["type"], "urn:sdemu:problem:admin-token-required");
            assert_eq!(
                response.header("www-authenticate"),
                Some("Bearer realm=\"sdemu-control-plane\""),
                "{method} {path}"
            );
        }
    }
    for path in ["health", "ready"] {
        app.control("GET", path, None)
            .await
            .assert_status(StatusCode::OK);
    }
}

#[tokio::test]
async fn with_the_right_admin_token_the_control_plane_answers() {
    let app = TestApp::with_options(&["--admin-token", "s3cret"]).await;
    let auth = [("authorization", "Bearer s3cret")];
    let response = app.send("GET", "/_emulator/state", None, &auth).await;
    response.assert_status(StatusCode::OK);
    let response = app.send("POST", "/_emulator/reset", None, &auth).await;
    response.assert_status(StatusCode::OK);
    let response = app
        .send(
            "GET",
            "/_emulator/requests",
            None,
            &[("authorization", "bearer s3cret")],
        )
        .await;
    response.assert_status(StatusCode::OK);
}

#[tokio::test]
async fn without_an_admin_token_the_control_plane_is_open() {
    let app = TestApp::demo().await;
    for (method, path) in [("GET", "state"), ("GET", "faults"), ("POST", "reset")] {
        let response = app.control(method, path, None).await;
        assert_eq!(response.status, StatusCode::OK, "{method} {path}");
    }
}

#[tokio::test]
async fn long_header_values_paths_and_queries_are_clipped_so_entries_stay_small() {
    let app = TestApp::demo().await;
    let long = "é".repeat(3_000); // 6,000 bytes, two per character
    let request = axum::http::Request::get(format!(
        "/api/{}?q={}",
        "p".repeat(5_000),
        "x".repeat(5_000)
    ))
    .header("x-long", long.as_str())
    .body(axum::body::Body::empty())
    .unwrap();
    app.request(request).await;
    let entry = &app.journal("").await[0];
    let header = entry["headers"]["x-long"].as_str().unwrap();
    assert!(header.starts_with("éé"));
    assert!(
        header.ends_with("…[3952 more bytes]"),
        "{}",
        &header[header.len() - 40..]
    );
    let path = entry["path"].as_str().unwrap();
    assert!(
        path.len() < 2_100 && path.ends_with("more bytes]"),
        "{path}"
    );
    let query = entry["query"].as_str().unwrap();
    assert!(
        query.len() < 2_100 && query.ends_with("more bytes]"),
        "{query}"
    );
}
