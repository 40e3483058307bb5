//! The dashboard's side of the router: its page and assets (served without the admin
//! token, confined by their headers), the two read-only routes it lists with, and the guard
//! letting sdemu's own origin through. The page itself is driven in a browser by
//! `tests/dashboard/`.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::json;

use crate::helpers::{TestApp, OTHER};

const TOKEN: &str = "dashboard-admin-token";

fn get(path: &str, headers: &[(&str, &str)]) -> Request<Body> {
    let mut builder = Request::get(path);
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    builder.body(Body::empty()).unwrap()
}

#[tokio::test]
async fn the_page_and_its_assets_are_served_without_the_token_with_a_strict_policy() {
    let app = TestApp::with_options(&["--admin-token", TOKEN]).await;
    for (path, content_type, contains) in [
        (
            "/_emulator/ui",
            "text/html; charset=utf-8",
            "<script src=\"/_emulator/ui/app.js\"",
        ),
        (
            "/_emulator/ui/app.js",
            "text/javascript; charset=utf-8",
            "sessionStorage",
        ),
        (
            "/_emulator/ui/style.css",
            "text/css; charset=utf-8",
            "table",
        ),
    ] {
        let response = app.request_anonymous(get(path, &[])).await;
        assert_eq!(response.status, StatusCode::OK, "{path}");
        assert_eq!(response.header("content-type"), Some(content_type));
        assert_eq!(response.header("cache-control"), Some("no-cache"));
        assert_eq!(response.header("x-content-type-options"), Some("nosniff"));
        let policy = response.header("content-security-policy").unwrap();
        for directive in [
            "default-src 'none'",
            "script-src 'self'",
            "connect-src 'self'",
        ] {
            assert!(policy.contains(directive), "{path}: {policy}");
        }
        assert!(!policy.contains("unsafe-inline"), "{policy}");
        assert!(response.text().contains(contains), "{path}");
    }
    // No inline script: every <script> element loads a file.
    let page = app.request_anonymous(get("/_emulator/ui", &[])).await;
    assert_eq!(
        page.text().matches("<script").count(),
        page.text().matches("<script src=").count()
    );
    // The data the page shows needs the token.
    let refused = app
        .request_anonymous(get("/_emulator/organizations", &[]))
        .await;
    let problem = refused.assert_problem(StatusCode::UNAUTHORIZED, None);
    assert_eq!(problem["type"], "urn:sdemu:problem:admin-token-required");
    assert!(!refused.text().contains("workspaces"));
    let bearer = format!("Bearer {TOKEN}");
    let listed = app
        .request_anonymous(get(
            "/_emulator/organizations",
            &[("authorization", &bearer)],
        ))
        .await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.text());
}

#[tokio::test]
async fn organizations_are_listed_with_their_workspaces_and_without_secrets() {
    let app = TestApp::two_organizations().await;
    let response = app.control("GET", "organizations", None).await;
    let listed = response.assert_json(StatusCode::OK);
    assert_eq!(
        listed,
        json!([
            {"tenantId": 1, "name": "Acme", "clientId": "acme", "isDefault": true, "workspaces": [
                {"workspaceId": 1, "workspaceName": "Invoices", "isDefault": true},
                {"workspaceId": 2, "workspaceName": "Receipts", "isDefault": false}]},
            {"tenantId": 2, "name": "Other", "clientId": "other", "isDefault": false, "workspaces": [
                {"workspaceId": 3, "workspaceName": "Contracts", "isDefault": true}]}
        ])
    );
    assert!(!response.text().contains("secret"));
}

#[tokio::test]
async fn an_organizations_tasks_are_the_paginated_lists_page_byte_for_byte() {
    let app = TestApp::two_organizations().await;
    // Tenant 2's tasks, as its own client reads them through the API.
    let token = app.token(&OTHER).await;
    let bearer = format!("Bearer {token}");
    let query = "startDate=2000-01-01T00:00:00Z&sort=-createdOn&pageSize=1&pageNumber=1";
    let through_api = app
        .request_anonymous(get(
            &format!("/api/v1.0/external/sdtask/statuslistpaginated?{query}"),
            &[("authorization", &bearer)],
        ))
        .await;
    let through_control = app
        .control("GET", &format!("tasks?tenantId=2&{query}"), None)
        .await;
    assert_eq!(through_control.status, StatusCode::OK);
    assert_eq!(
        through_control.header("content-type"),
        Some("application/json; charset=utf-8")
    );
    assert_eq!(through_control.body, through_api.body);
    let page = through_control.json();
    assert_eq!(page["totalCount"], 2);
    assert_eq!(page["items"][0]["taskId"], 21, "newest first");

    // Dates are optional here; the filters are the list's.
    let filtered = app
        .control("GET", "tasks?tenantId=1&workspaceId=2&pageSize=100", None)
        .await
        .assert_json(StatusCode::OK);
    assert_eq!(filtered["totalCount"], 1);
    assert_eq!(filtered["items"][0]["taskId"], 11);
}

#[tokio::test]
async fn a_missing_or_unknown_organization_or_a_bad_filter_is_a_clear_problem() {
    let app = TestApp::two_organizations().await;
    for (query, status, parameter) in [
        ("", StatusCode::BAD_REQUEST, Some("tenantId")),
        ("tenantId=x", StatusCode::BAD_REQUEST, Some("tenantId")),
        (
            "tenantId=1&pageSize=0",
            StatusCode::BAD_REQUEST,
            Some("pageSize"),
        ),
        (
            "tenantId=1&startDate=never",
            StatusCode::BAD_REQUEST,
            Some("startDate"),
        ),
        ("tenantId=1&sort=colour", StatusCode::BAD_REQUEST, None),
        ("tenantId=9", StatusCode::NOT_FOUND, None),
    ] {
        let response = app.control("GET", &format!("tasks?{query}"), None).await;
        let problem = response.assert_problem(status, parameter);
        if status == StatusCode::NOT_FOUND {
            assert_eq!(problem["type"], "urn:sdemu:problem:unknown-organization");
            assert_eq!(problem["tenantId"], 9);
        }
    }
}

#[tokio::test]
async fn the_page_of_sdemus_own_origin_may_drive_it_but_a_rebound_name_may_not() {
    let app = TestApp::small().await;
    let own = [
        ("127.0.0.1:8080", "http://127.0.0.1:8080"),
        ("localhost:8080", "http://localhost:8080"),
        ("[::1]:8080", "http://[::1]:8080"),
        ("192.168.1.20", "http://192.168.1.20"),
    ];
    for (host, origin) in own {
        let response = app
            .request_anonymous(
                Request::post("/_emulator/clock/advance")
                    .header("host", host)
                    .header("origin", origin)
                    .header("sec-fetch-site", "same-origin")
                    .header("content-type", "application/json")
                    .body(Body::from(r#"{"by": 1}"#))
                    .unwrap(),
            )
            .await;
        assert_eq!(
            response.status,
            StatusCode::OK,
            "{host}: {}",
            response.text()
        );
    }
    let foreign = [
        // A name that DNS rebinding points at sdemu: same origin as far as the browser knows.
        ("attacker.example:8080", "http://attacker.example:8080"),
        // Another port of the same address is another origin.
        ("127.0.0.1:8080", "http://127.0.0.1:9999"),
        ("127.0.0.1:8080", "https://127.0.0.1:8080"),
    ];
    for (host, origin) in foreign {
        let response = app
            .request_anonymous(
                Request::post("/_emulator/reset")
                    .header("host", host)
                    .header("origin", origin)
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
        let problem = response.assert_problem(StatusCode::FORBIDDEN, None);
        assert_eq!(
            problem["type"], "urn:sdemu:problem:cross-origin-control",
            "{origin}"
        );
    }
}
