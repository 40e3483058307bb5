//! POST /connect/token: the OAuth 2.0 client credentials grant and the tokens it issues and
//! stores (its errors: `token_errors`; more clients: `client_option`).

use axum::http::StatusCode;
use chrono::Duration;

use sdemu::clock::Clock;

use crate::helpers::{
    basic, TestApp, ACME, DEMO, DOC_EXAMPLE_QUERY, DOC_EXAMPLE_TASK_IDS, EVERYTHING, JSON_UTF8,
    OTHER,
};

// ---------------------------------------------------------------------------------------------
// Tokens issued
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn the_documented_token_request_returns_a_bearer_token_for_webapi_that_is_never_cached() {
    let app = TestApp::two_organizations().await;
    let response = app.post_token(&ACME.form()).await;
    response.assert_status(StatusCode::OK);
    assert_eq!(response.header("content-type"), Some(JSON_UTF8));
    assert_eq!(response.header("cache-control"), Some("no-store"));
    assert_eq!(response.header("pragma"), Some("no-cache"));
    let body = response.json();
    let token = body["access_token"].as_str().unwrap();
    assert_eq!(token.len(), 43);
    assert!(token
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
    assert_eq!(
        response.text(),
        format!(
            r#"{{"access_token":"{token}","expires_in":3600,"token_type":"Bearer","scope":"WebAPI"}}"#
        )
    );
}

#[tokio::test]
async fn the_token_then_the_documented_curl_request_returns_the_documented_tasks() {
    let app = TestApp::demo().await;
    let token = app.token(&DEMO).await;
    let response = app.status_list_as(&token, DOC_EXAMPLE_QUERY).await;
    response.assert_status(StatusCode::OK);
    assert_eq!(response.task_ids(), DOC_EXAMPLE_TASK_IDS);
}

#[tokio::test]
async fn every_token_request_gets_a_new_token() {
    let app = TestApp::two_organizations().await;
    let first = app.token(&ACME).await;
    let second = app.token(&ACME).await;
    assert_ne!(first, second);
    assert_eq!(app.status_list_as(&first, EVERYTHING).await.status, 200);
    assert_eq!(app.status_list_as(&second, EVERYTHING).await.status, 200);
}

#[tokio::test]
async fn http_basic_client_credentials_are_accepted_instead_of_body_credentials() {
    let app = TestApp::two_organizations().await;
    let response = app
        .post_token_with_authorization(
            &basic("acme:acme-secret"),
            "grant_type=client_credentials&scope=WebAPI",
        )
        .await;
    response.assert_status(StatusCode::OK);
    let token = response.json()["access_token"].as_str().unwrap().to_owned();
    assert_eq!(
        app.status_list_as(&token, EVERYTHING).await.task_ids(),
        vec![10, 11]
    );
}

#[tokio::test]
async fn http_basic_credentials_are_form_decoded_as_rfc_6749_asks() {
    let app = TestApp::two_organizations_with(&["--client", "a b:p%&+"]).await;
    app.post_token_with_authorization(&basic("a+b:p%25%26%2B"), "grant_type=client_credentials")
        .await
        .assert_status(StatusCode::OK);
}

#[tokio::test]
async fn a_body_client_id_equal_to_the_basic_one_is_tolerated() {
    let app = TestApp::two_organizations().await;
    app.post_token_with_authorization(
        &basic("acme:acme-secret"),
        "grant_type=client_credentials&client_id=acme",
    )
    .await
    .assert_status(StatusCode::OK);
}

#[tokio::test]
async fn an_omitted_scope_is_granted_webapi() {
    let app = TestApp::two_organizations().await;
    let response = app
        .post_token("grant_type=client_credentials&client_id=acme&client_secret=acme-secret")
        .await;
    response.assert_status(StatusCode::OK);
    assert_eq!(response.json()["scope"], "WebAPI");
}

#[tokio::test]
async fn form_parameter_names_match_case_insensitively() {
    let app = TestApp::two_organizations().await;
    app.post_token(
        "Grant_Type=client_credentials&SCOPE=WebAPI&Client_Id=acme&client_secret=acme-secret",
    )
    .await
    .assert_status(StatusCode::OK);
}

#[tokio::test]
async fn only_a_hash_of_each_token_is_stored() {
    let app = TestApp::two_organizations().await;
    let token = app.token(&ACME).await;
    let stored: Vec<String> = sqlx::query_scalar("SELECT token_hash FROM access_tokens")
        .fetch_all(&app.state.db)
        .await
        .unwrap();
    assert_eq!(stored, vec![sdemu::domain::auth::token_hash(&token)]);
    assert!(!stored[0].contains(&token));
}

#[tokio::test]
async fn expired_tokens_are_purged_when_a_token_is_issued() {
    let app = TestApp::two_organizations().await;
    app.token(&ACME).await;
    app.token(&OTHER).await;
    app.clock.advance(Duration::hours(2));
    app.token(&ACME).await;
    assert_eq!(app.count_rows("access_tokens").await, 1);
}

#[tokio::test]
async fn a_client_keeps_at_most_10000_live_tokens_and_loses_its_oldest_first() {
    let app = TestApp::two_organizations().await;
    let oldest = app.token(&ACME).await;
    app.clock.advance(Duration::seconds(1));
    let other = app.token(&OTHER).await;
    // 9,999 more live tokens of the same client, written directly: 10,000 with `oldest`, all
    // expiring after it.
    let now = app.clock.now().timestamp_millis();
    sqlx::query(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 9999) \
         INSERT INTO access_tokens (token_hash, tenant_id, client_id, issued_at, expires_at) \
         SELECT printf('filler-%d', i), 1, 'acme', ?, ? + 3600000 FROM n",
    )
    .bind(now)
    .bind(now)
    .execute(&app.state.db)
    .await
    .unwrap();
    app.status_list_as(&oldest, EVERYTHING)
        .await
        .assert_status(StatusCode::OK);
    app.clock.advance(Duration::seconds(1));
    let newest = app.token(&ACME).await;
    assert_eq!(
        app.count_rows("access_tokens WHERE client_id = 'acme'")
            .await,
        10_000
    );
    let gone = app.status_list_as(&oldest, EVERYTHING).await;
    gone.assert_status(StatusCode::UNAUTHORIZED);
    for token in [&newest, &other] {
        app.status_list_as(token, EVERYTHING)
            .await
            .assert_status(StatusCode::OK);
    }
}
