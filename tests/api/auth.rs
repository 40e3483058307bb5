//! POST /connect/token, bearer authentication of the API routes, `--auth`, `--token-ttl`,
//! `--client`, and the isolation of organizations.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use chrono::Duration;
use clap::Parser;
use serde_json::{json, Value};

use sdemu::clock::SystemClock;
use sdemu::config::Config;
use sdemu::startup::{self, FixtureSource};

use crate::helpers::{TestApp, TestResponse};

const STATUS_LIST: &str = "/api/v1.0/external/sdtask/statuslist";
const DOC_EXAMPLE_QUERY: &str =
    "startDate=2022-03-16T16%3A59%3A55Z&endDate=2022-04-05T16%3A59%3A55Z";
/// Every task of the demo data set.
const EVERYTHING: &str = "startDate=2000-01-01";
const DEMO_FORM: &str =
    "grant_type=client_credentials&scope=WebAPI&client_id=sdemu-demo&client_secret=sdemu-demo-secret";
const INVALID_CLIENT: &str =
    "Client authentication failed: unknown client id or wrong client secret.";

fn config(args: &[&str]) -> Config {
    Config::try_parse_from(std::iter::once("sdemu").chain(args.iter().copied())).unwrap()
}

/// Two organizations with the demo data set's credentials and workspaces (1-3 Northwind, the
/// default; 4-5 Contoso) and a few tasks: the documentation's four example tasks and some of
/// Contoso's. Much faster to load than the demo data set.
const TWO_ORGANIZATIONS: &str = r#"{
  "organizations": [
    {"tenantId": 1, "name": "Northwind Traders", "clientId": "sdemu-demo", "clientSecret": "sdemu-demo-secret", "isDefault": true},
    {"tenantId": 2, "name": "Contoso Legal", "clientId": "sdemu-contoso", "clientSecret": "sdemu-contoso-secret"}
  ],
  "workspaces": [
    {"workspaceId": 1, "tenantId": 1, "workspaceName": "Invoices", "isDefault": true},
    {"workspaceId": 2, "tenantId": 1, "workspaceName": "Receipts"},
    {"workspaceId": 3, "tenantId": 1, "workspaceName": "Transcripts"},
    {"workspaceId": 4, "tenantId": 2, "workspaceName": "Contracts", "isDefault": true},
    {"workspaceId": 5, "tenantId": 2, "workspaceName": "Identity documents"}
  ],
  "tasks": [
    {"taskId": 47, "workspaceId": 1, "displayName": "a.pdf", "createdOn": "2022-03-28T08:26:47Z", "taskStatus": 4, "integrationStatus": 1},
    {"taskId": 49, "workspaceId": 2, "displayName": "b.pdf", "createdOn": "2022-03-28T14:28:56Z", "taskStatus": 4, "integrationStatus": 1},
    {"taskId": 50, "workspaceId": 3, "displayName": "c.pdf", "createdOn": "2022-03-29T20:46:59Z", "taskStatus": 4, "integrationStatus": 1},
    {"taskId": 51, "workspaceId": 1, "displayName": "d.pdf", "createdOn": "2022-03-30T07:41:06Z", "taskStatus": 3, "integrationStatus": 1},
    {"taskId": 60, "workspaceId": 1, "displayName": "e.pdf", "createdOn": "2024-05-01T00:00:00Z", "taskStatus": 3, "integrationStatus": 1},
    {"taskId": 100, "workspaceId": 4, "displayName": "contract.pdf", "createdOn": "2022-03-29T00:00:00Z", "taskStatus": 3, "integrationStatus": 1},
    {"taskId": 101, "workspaceId": 5, "displayName": "passport.pdf", "createdOn": "2023-01-01T00:00:00Z", "taskStatus": 4, "integrationStatus": 1}
  ]
}"#;

/// The two-organization emulator started with these options.
async fn app_with(args: &[&str]) -> TestApp {
    TestApp::start(
        config(args),
        FixtureSource::Inline {
            name: "two organizations".into(),
            text: TWO_ORGANIZATIONS.into(),
        },
    )
    .await
}

async fn two_organizations() -> TestApp {
    app_with(&[]).await
}

fn basic(credentials: &str) -> String {
    format!("Basic {}", STANDARD.encode(credentials))
}

/// A token request with the given headers and body.
fn token_request(headers: &[(&str, &str)], body: &str) -> Request<Body> {
    let mut request = Request::post("/connect/token");
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.body(Body::from(body.to_owned())).unwrap()
}

fn form_headers() -> Vec<(&'static str, &'static str)> {
    vec![("content-type", "application/x-www-form-urlencoded")]
}

/// Asserts an OAuth 2.0 error response: status, JSON body, never cached, and a Basic
/// challenge exactly when one is expected.
fn assert_oauth_error(
    response: &TestResponse,
    status: StatusCode,
    error: &str,
    description: &str,
    basic_challenge: bool,
) {
    assert_eq!(
        response.status,
        status,
        "{}",
        String::from_utf8_lossy(&response.body)
    );
    assert_eq!(
        response.header("content-type"),
        Some("application/json; charset=utf-8")
    );
    assert_eq!(response.header("cache-control"), Some("no-store"));
    assert_eq!(response.header("pragma"), Some("no-cache"));
    assert_eq!(
        response.json(),
        json!({"error": error, "error_description": description})
    );
    assert_eq!(
        response.header("www-authenticate"),
        basic_challenge.then_some("Basic realm=\"sdemu\"")
    );
}

/// Asserts the 401 of an API route: empty body and the given challenge.
fn assert_unauthorized(response: &TestResponse, challenge: &str) {
    response.assert_empty(StatusCode::UNAUTHORIZED);
    assert_eq!(response.header("www-authenticate"), Some(challenge));
}

fn invalid_token(description: &str) -> String {
    format!("Bearer error=\"invalid_token\", error_description=\"{description}\"")
}

const UNKNOWN_TOKEN: &str =
    "The access token is unknown: never issued here, revoked, or its organization is gone.";
const MALFORMED_TOKEN: &str = "The bearer token is malformed: at most 1024 characters of A-Z a-z 0-9 - . _ ~ + / then optional =.";

async fn status_list_with_header(app: &TestApp, authorization: &str) -> TestResponse {
    app.request(
        Request::get(format!("{STATUS_LIST}?{DOC_EXAMPLE_QUERY}"))
            .header(header::AUTHORIZATION, authorization)
            .body(Body::empty())
            .unwrap(),
    )
    .await
}

// ---------------------------------------------------------------------------------------------
// POST /connect/token
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn the_documented_token_request_returns_a_bearer_token_for_webapi_that_is_never_cached() {
    let app = two_organizations().await;
    let response = app.post_token(DEMO_FORM).await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(
        response.header("content-type"),
        Some("application/json; charset=utf-8")
    );
    assert_eq!(response.header("cache-control"), Some("no-store"));
    assert_eq!(response.header("pragma"), Some("no-cache"));
    let body = response.json();
    let token = body["access_token"].as_str().unwrap();
    assert_eq!(token.len(), 43);
    assert!(token
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
    assert_eq!(
        String::from_utf8(response.body.clone()).unwrap(),
        format!(
            r#"{{"access_token":"{token}","expires_in":3600,"token_type":"Bearer","scope":"WebAPI"}}"#
        )
    );
}

#[tokio::test]
async fn the_token_then_the_documented_curl_request_returns_the_documented_tasks() {
    let app = TestApp::demo().await;
    let token = app.token_for("sdemu-demo", "sdemu-demo-secret").await;
    let response = app.status_list_as(&token, DOC_EXAMPLE_QUERY).await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(response.task_ids(), vec![47, 49, 50, 51]);
}

#[tokio::test]
async fn every_token_request_gets_a_new_token() {
    let app = two_organizations().await;
    let first = app.token_for("sdemu-demo", "sdemu-demo-secret").await;
    let second = app.token_for("sdemu-demo", "sdemu-demo-secret").await;
    assert_ne!(first, second);
    assert_eq!(app.status_list_as(&first, EVERYTHING).await.status, 200);
    assert_eq!(app.status_list_as(&second, EVERYTHING).await.status, 200);
}

#[tokio::test]
async fn http_basic_client_credentials_are_accepted_instead_of_body_credentials() {
    let app = two_organizations().await;
    let authorization = basic("sdemu-demo:sdemu-demo-secret");
    let mut headers = form_headers();
    headers.push(("authorization", &authorization));
    let response = app
        .request_anonymous(token_request(
            &headers,
            "grant_type=client_credentials&scope=WebAPI",
        ))
        .await;
    assert_eq!(response.status, StatusCode::OK);
    let token = response.json()["access_token"].as_str().unwrap().to_owned();
    assert_eq!(
        app.status_list_as(&token, DOC_EXAMPLE_QUERY)
            .await
            .task_ids(),
        vec![47, 49, 50, 51]
    );
}

#[tokio::test]
async fn http_basic_credentials_are_form_decoded_as_rfc_6749_asks() {
    let app = app_with(&["--client", "a b:p%&+"]).await;
    let authorization = basic("a+b:p%25%26%2B");
    let mut headers = form_headers();
    headers.push(("authorization", &authorization));
    let response = app
        .request_anonymous(token_request(&headers, "grant_type=client_credentials"))
        .await;
    assert_eq!(
        response.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&response.body)
    );
}

#[tokio::test]
async fn a_body_client_id_equal_to_the_basic_one_is_tolerated() {
    let app = two_organizations().await;
    let authorization = basic("sdemu-demo:sdemu-demo-secret");
    let mut headers = form_headers();
    headers.push(("authorization", &authorization));
    let response = app
        .request_anonymous(token_request(
            &headers,
            "grant_type=client_credentials&client_id=sdemu-demo",
        ))
        .await;
    assert_eq!(response.status, StatusCode::OK);
}

#[tokio::test]
async fn an_omitted_scope_is_granted_webapi() {
    let app = two_organizations().await;
    let response = app
        .post_token(
            "grant_type=client_credentials&client_id=sdemu-demo&client_secret=sdemu-demo-secret",
        )
        .await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(response.json()["scope"], "WebAPI");
}

#[tokio::test]
async fn form_parameter_names_match_case_insensitively() {
    let app = two_organizations().await;
    let response = app
        .post_token("Grant_Type=client_credentials&SCOPE=WebAPI&Client_Id=sdemu-demo&client_secret=sdemu-demo-secret")
        .await;
    assert_eq!(response.status, StatusCode::OK);
}

#[tokio::test]
async fn a_wrong_secret_in_the_body_is_invalid_client_400_without_a_challenge() {
    let app = two_organizations().await;
    let response = app
        .post_token(
            "grant_type=client_credentials&scope=WebAPI&client_id=sdemu-demo&client_secret=wrong",
        )
        .await;
    assert_oauth_error(
        &response,
        StatusCode::BAD_REQUEST,
        "invalid_client",
        INVALID_CLIENT,
        false,
    );
}

#[tokio::test]
async fn an_unknown_client_id_gets_the_same_answer_as_a_wrong_secret() {
    let app = two_organizations().await;
    let response = app
        .post_token("grant_type=client_credentials&scope=WebAPI&client_id=nobody&client_secret=sdemu-demo-secret")
        .await;
    assert_oauth_error(
        &response,
        StatusCode::BAD_REQUEST,
        "invalid_client",
        INVALID_CLIENT,
        false,
    );
}

#[tokio::test]
async fn another_organizations_secret_is_a_wrong_secret() {
    let app = two_organizations().await;
    let response = app
        .post_token(
            "grant_type=client_credentials&client_id=sdemu-demo&client_secret=sdemu-contoso-secret",
        )
        .await;
    assert_oauth_error(
        &response,
        StatusCode::BAD_REQUEST,
        "invalid_client",
        INVALID_CLIENT,
        false,
    );
}

#[tokio::test]
async fn a_wrong_secret_in_http_basic_is_invalid_client_401_with_a_basic_challenge() {
    let app = two_organizations().await;
    let authorization = basic("sdemu-demo:wrong");
    let mut headers = form_headers();
    headers.push(("authorization", &authorization));
    let response = app
        .request_anonymous(token_request(&headers, "grant_type=client_credentials"))
        .await;
    assert_oauth_error(
        &response,
        StatusCode::UNAUTHORIZED,
        "invalid_client",
        INVALID_CLIENT,
        true,
    );
}

#[tokio::test]
async fn a_grant_type_other_than_client_credentials_is_unsupported_grant_type() {
    let app = two_organizations().await;
    let response = app
        .post_token(
            "grant_type=password&scope=WebAPI&client_id=sdemu-demo&client_secret=sdemu-demo-secret",
        )
        .await;
    assert_oauth_error(
        &response,
        StatusCode::BAD_REQUEST,
        "unsupported_grant_type",
        "The grant type 'password' is not supported; use client_credentials.",
        false,
    );
}

#[tokio::test]
async fn a_scope_other_than_webapi_is_invalid_scope() {
    let app = two_organizations().await;
    for scope in ["openid", "WebAPI%20openid", "webapi"] {
        let response = app
            .post_token(&format!("grant_type=client_credentials&scope={scope}&client_id=sdemu-demo&client_secret=sdemu-demo-secret"))
            .await;
        let scope = scope.replace("%20", " ");
        assert_oauth_error(
            &response,
            StatusCode::BAD_REQUEST,
            "invalid_scope",
            &format!("The scope '{scope}' cannot be granted; the only scope is WebAPI."),
            false,
        );
    }
}

#[tokio::test]
async fn missing_fields_are_invalid_request_naming_the_field() {
    let app = two_organizations().await;
    let cases = [
        (
            "scope=WebAPI&client_id=sdemu-demo&client_secret=sdemu-demo-secret",
            "The grant_type parameter is required.",
        ),
        (
            "grant_type=client_credentials&scope=WebAPI&client_secret=sdemu-demo-secret",
            "The client_id parameter is required (or HTTP Basic client credentials).",
        ),
        (
            "grant_type=client_credentials&scope=WebAPI&client_id=sdemu-demo",
            "The client_secret parameter is required.",
        ),
        (
            // A parameter without a value counts as omitted (RFC 6749 §3.2).
            "grant_type=client_credentials&client_id=sdemu-demo&client_secret=",
            "The client_secret parameter is required.",
        ),
        ("", "The grant_type parameter is required."),
    ];
    for (form, description) in cases {
        let response = app.post_token(form).await;
        assert_oauth_error(
            &response,
            StatusCode::BAD_REQUEST,
            "invalid_request",
            description,
            false,
        );
    }
}

#[tokio::test]
async fn a_repeated_parameter_is_invalid_request() {
    let app = two_organizations().await;
    let response = app.post_token(&format!("{DEMO_FORM}&scope=WebAPI")).await;
    assert_oauth_error(
        &response,
        StatusCode::BAD_REQUEST,
        "invalid_request",
        "The scope parameter is repeated.",
        false,
    );
}

#[tokio::test]
async fn a_body_that_is_not_form_encoded_is_invalid_request() {
    let app = two_organizations().await;
    let description = "The request body must be application/x-www-form-urlencoded.";
    for headers in [
        vec![("content-type", "application/json")],
        vec![("content-type", "multipart/form-data; boundary=x")],
        vec![],
    ] {
        let response = app
            .request_anonymous(token_request(&headers, DEMO_FORM))
            .await;
        assert_oauth_error(
            &response,
            StatusCode::BAD_REQUEST,
            "invalid_request",
            description,
            false,
        );
    }
    // Parameters of the media type are fine.
    let response = app
        .request_anonymous(token_request(
            &[(
                "content-type",
                "Application/X-WWW-Form-Urlencoded; charset=UTF-8",
            )],
            DEMO_FORM,
        ))
        .await;
    assert_eq!(response.status, StatusCode::OK);
}

#[tokio::test]
async fn a_body_over_8_kib_is_invalid_request() {
    let app = two_organizations().await;
    let padding = "x".repeat(8 * 1024);
    let response = app
        .post_token(&format!("{DEMO_FORM}&padding={padding}"))
        .await;
    assert_oauth_error(
        &response,
        StatusCode::BAD_REQUEST,
        "invalid_request",
        "The request body is unreadable or larger than 8192 bytes.",
        false,
    );
}

#[tokio::test]
async fn basic_and_body_credentials_together_are_invalid_request() {
    let app = two_organizations().await;
    let authorization = basic("sdemu-demo:sdemu-demo-secret");
    let mut headers = form_headers();
    headers.push(("authorization", &authorization));
    for body in [
        DEMO_FORM,
        "grant_type=client_credentials&client_secret=sdemu-demo-secret",
        "grant_type=client_credentials&client_id=sdemu-contoso",
    ] {
        let response = app.request_anonymous(token_request(&headers, body)).await;
        assert_oauth_error(
            &response,
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "The client credentials are both in the Authorization header and in the body; use one.",
            false,
        );
    }
}

#[tokio::test]
async fn a_malformed_or_foreign_authorization_header_on_the_token_endpoint_is_invalid_request() {
    let app = two_organizations().await;
    let not_basic = "The Authorization header must use the Basic scheme; or send client_id and client_secret in the body.";
    let malformed = "The Basic credentials are not base64 of client_id:client_secret.";
    let no_colon = basic("sdemu-demo");
    let empty_secret = basic("sdemu-demo:");
    let cases = [
        ("Bearer abc", not_basic),
        ("Basic !!!", malformed),
        ("Basic", malformed),
        (no_colon.as_str(), malformed),
        (
            empty_secret.as_str(),
            "The Basic credentials need both a client id and a client secret.",
        ),
    ];
    for (authorization, description) in cases {
        let mut headers = form_headers();
        headers.push(("authorization", authorization));
        let response = app
            .request_anonymous(token_request(&headers, "grant_type=client_credentials"))
            .await;
        assert_oauth_error(
            &response,
            StatusCode::BAD_REQUEST,
            "invalid_request",
            description,
            false,
        );
    }
}

#[tokio::test]
async fn the_token_endpoint_answers_only_post() {
    let app = two_organizations().await;
    let response = app.get_anonymous("/connect/token").await;
    assert_eq!(response.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(response.header("allow"), Some("POST"));
}

#[tokio::test]
async fn only_a_hash_of_each_token_is_stored() {
    let app = two_organizations().await;
    let token = app.token_for("sdemu-demo", "sdemu-demo-secret").await;
    let stored: Vec<String> = sqlx::query_scalar("SELECT token_hash FROM access_tokens")
        .fetch_all(&app.state.db)
        .await
        .unwrap();
    assert_eq!(stored, vec![sdemu::domain::auth::token_hash(&token)]);
    assert!(!stored[0].contains(&token));
}

// ---------------------------------------------------------------------------------------------
// Bearer authentication of the API routes
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn a_request_without_a_token_is_401_with_an_empty_body_and_a_bare_bearer_challenge() {
    let app = two_organizations().await;
    let response = app
        .get_anonymous(&format!("{STATUS_LIST}?{DOC_EXAMPLE_QUERY}"))
        .await;
    assert_unauthorized(&response, "Bearer");
}

#[tokio::test]
async fn authentication_is_checked_before_the_query() {
    let app = two_organizations().await;
    // Without dates the list is a 400 for an authenticated client; a bad date a problem body.
    for query in ["", "startDate=yesterday", "startDate=2022-01-01&sort=nope"] {
        let response = app.get_anonymous(&format!("{STATUS_LIST}?{query}")).await;
        assert_unauthorized(&response, "Bearer");
    }
}

#[tokio::test]
async fn another_authorization_scheme_counts_as_no_token() {
    let app = two_organizations().await;
    let response = status_list_with_header(&app, &basic("sdemu-demo:sdemu-demo-secret")).await;
    assert_unauthorized(&response, "Bearer");
}

#[tokio::test]
async fn an_unknown_token_is_401_invalid_token() {
    let app = two_organizations().await;
    let response =
        status_list_with_header(&app, "Bearer otDTdQQFrE-3oNgCy57Re8xR6VloB35XkgZ_IV92zGk").await;
    assert_unauthorized(&response, &invalid_token(UNKNOWN_TOKEN));
}

#[tokio::test]
async fn a_malformed_bearer_header_is_401_invalid_token_saying_why() {
    let app = two_organizations().await;
    let long = format!("Bearer {}", "a".repeat(1025));
    let cases = [
        (
            "Bearer",
            "The Authorization header has no token after Bearer.",
        ),
        (
            "Bearer   ",
            "The Authorization header has no token after Bearer.",
        ),
        ("Bearer two words", MALFORMED_TOKEN),
        ("Bearer \"quoted\"", MALFORMED_TOKEN),
        ("Bearer a=b", MALFORMED_TOKEN),
        (long.as_str(), MALFORMED_TOKEN),
    ];
    for (authorization, description) in cases {
        let response = status_list_with_header(&app, authorization).await;
        assert_unauthorized(&response, &invalid_token(description));
    }
}

#[tokio::test]
async fn two_authorization_headers_are_401_invalid_token() {
    let app = two_organizations().await;
    let token = app.token_for("sdemu-demo", "sdemu-demo-secret").await;
    let response = app
        .request_anonymous(
            Request::get(format!("{STATUS_LIST}?{DOC_EXAMPLE_QUERY}"))
                .header(header::AUTHORIZATION, format!("Bearer {token}"))
                .header(header::AUTHORIZATION, format!("Bearer {token}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_unauthorized(
        &response,
        &invalid_token("The request has more than one Authorization header."),
    );
}

#[tokio::test]
async fn the_bearer_scheme_name_is_case_insensitive() {
    let app = two_organizations().await;
    let token = app.token_for("sdemu-demo", "sdemu-demo-secret").await;
    let response = status_list_with_header(&app, &format!("bearer {token}")).await;
    assert_eq!(response.task_ids(), vec![47, 49, 50, 51]);
}

#[tokio::test]
async fn a_token_works_until_its_lifetime_is_over_then_is_401_expired() {
    let app = two_organizations().await;
    let token = app.token_for("sdemu-demo", "sdemu-demo-secret").await;
    app.clock.advance(Duration::seconds(3599));
    assert_eq!(
        app.status_list_as(&token, DOC_EXAMPLE_QUERY).await.status,
        StatusCode::OK
    );
    app.clock.advance(Duration::seconds(1));
    let response = app.status_list_as(&token, DOC_EXAMPLE_QUERY).await;
    // The test clock starts at 2026-11-01T12:00:00Z.
    assert_unauthorized(
        &response,
        &invalid_token("The access token expired at 2026-11-01T13:00:00Z."),
    );
}

#[tokio::test]
async fn token_ttl_sets_expires_in_and_the_lifetime() {
    let app = app_with(&["--token-ttl", "60"]).await;
    let response = app.post_token(DEMO_FORM).await;
    assert_eq!(response.json()["expires_in"], 60);
    let token = response.json()["access_token"].as_str().unwrap().to_owned();
    app.clock.advance(Duration::seconds(59));
    assert_eq!(app.status_list_as(&token, EVERYTHING).await.status, 200);
    app.clock.advance(Duration::seconds(1));
    assert_eq!(app.status_list_as(&token, EVERYTHING).await.status, 401);
}

#[tokio::test]
async fn token_ttl_must_be_between_one_second_and_a_year() {
    for bad in ["0", "31536001", "-5", "an hour"] {
        assert!(
            Config::try_parse_from(["sdemu", "--token-ttl", bad]).is_err(),
            "{bad}"
        );
    }
    assert_eq!(config(&["--token-ttl", "31536000"]).token_ttl, 31_536_000);
}

#[tokio::test]
async fn expired_tokens_are_purged_when_a_token_is_issued() {
    let app = two_organizations().await;
    app.token_for("sdemu-demo", "sdemu-demo-secret").await;
    app.token_for("sdemu-contoso", "sdemu-contoso-secret").await;
    app.clock.advance(Duration::hours(2));
    app.token_for("sdemu-demo", "sdemu-demo-secret").await;
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM access_tokens")
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    assert_eq!(count, 1);
}

#[tokio::test]
async fn tokens_survive_a_reset_that_restores_their_organization() {
    let app = two_organizations().await;
    let token = app.token_for("sdemu-contoso", "sdemu-contoso-secret").await;
    let before = app.status_list_as(&token, EVERYTHING).await.task_ids();
    sdemu::store::dataset::replace(&app.state.db, &app.state.startup_dataset)
        .await
        .unwrap();
    let after = app.status_list_as(&token, EVERYTHING).await;
    assert_eq!(after.status, StatusCode::OK);
    assert_eq!(after.task_ids(), before);
}

#[tokio::test]
async fn a_token_of_an_organization_that_no_longer_exists_is_401() {
    let app = two_organizations().await;
    let token = app.token_for("sdemu-contoso", "sdemu-contoso-secret").await;
    let mut without_contoso = (*app.state.startup_dataset).clone();
    without_contoso.organizations.retain(|o| o.tenant_id != 2);
    without_contoso.workspaces.retain(|w| w.tenant_id != 2);
    let kept: std::collections::HashSet<i64> = without_contoso
        .workspaces
        .iter()
        .map(|w| w.workspace_id)
        .collect();
    without_contoso
        .batches
        .retain(|b| kept.contains(&b.workspace_id));
    without_contoso.tasks.retain(|t| t.tenant_id != 2);
    sdemu::store::dataset::replace(&app.state.db, &without_contoso)
        .await
        .unwrap();
    let response = app.status_list_as(&token, EVERYTHING).await;
    assert_unauthorized(&response, &invalid_token(UNKNOWN_TOKEN));
}

#[tokio::test]
async fn with_a_database_file_tokens_survive_a_restart_until_they_expire() {
    let directory = tempfile::tempdir().unwrap();
    let path = directory.path().join("sdemu.db");
    let path = path.to_str().unwrap();

    let first = app_with(&["--database", path]).await;
    let token = first
        .token_for("sdemu-contoso", "sdemu-contoso-secret")
        .await;
    let expected = first.status_list_as(&token, EVERYTHING).await.task_ids();
    first.state.db.close().await;

    let second = app_with(&["--database", path]).await;
    let response = second.status_list_as(&token, EVERYTHING).await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(response.task_ids(), expected);
    second.clock.advance(Duration::hours(1));
    assert_eq!(
        second.status_list_as(&token, EVERYTHING).await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn a_fresh_in_memory_emulator_knows_no_token_of_another() {
    let first = two_organizations().await;
    let token = first.token_for("sdemu-demo", "sdemu-demo-secret").await;
    let second = two_organizations().await;
    let response = second.status_list_as(&token, EVERYTHING).await;
    assert_unauthorized(&response, &invalid_token(UNKNOWN_TOKEN));
}

// ---------------------------------------------------------------------------------------------
// --auth off
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn with_auth_off_a_request_without_a_token_acts_for_the_default_organization() {
    let app = app_with(&["--auth", "off"]).await;
    let response = app
        .get_anonymous(&format!("{STATUS_LIST}?{DOC_EXAMPLE_QUERY}"))
        .await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(response.task_ids(), vec![47, 49, 50, 51]);
}

#[tokio::test]
async fn with_auth_off_an_unusable_token_is_ignored() {
    let app = app_with(&["--auth", "off"]).await;
    for authorization in ["Bearer unknown-token", "Bearer", "Basic abc"] {
        let response = status_list_with_header(&app, authorization).await;
        assert_eq!(response.task_ids(), vec![47, 49, 50, 51], "{authorization}");
    }
}

#[tokio::test]
async fn with_auth_off_a_valid_token_still_acts_for_its_organization() {
    let app = app_with(&["--auth", "off"]).await;
    let contoso = app.token_for("sdemu-contoso", "sdemu-contoso-secret").await;
    let as_contoso = app.status_list_as(&contoso, EVERYTHING).await.task_ids();
    let anonymous = app
        .get_anonymous(&format!("{STATUS_LIST}?{EVERYTHING}"))
        .await
        .task_ids();
    assert!(!as_contoso.is_empty());
    assert!(as_contoso.iter().all(|id| !anonymous.contains(id)));
}

#[tokio::test]
async fn the_auth_option_accepts_only_on_and_off() {
    assert!(Config::try_parse_from(["sdemu", "--auth", "maybe"]).is_err());
    assert_eq!(config(&[]).auth, sdemu::config::AuthMode::On);
}

// ---------------------------------------------------------------------------------------------
// --client
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn a_client_option_adds_an_organization_with_its_own_empty_default_workspace() {
    let app = app_with(&["--client", "ci:ci-secret", "--client", "qa:qa:secret"]).await;
    let organizations = &app.state.startup_dataset.organizations;
    let ci = organizations.iter().find(|o| o.client_id == "ci").unwrap();
    let qa = organizations.iter().find(|o| o.client_id == "qa").unwrap();
    assert_eq!((ci.tenant_id, qa.tenant_id), (3, 4));
    assert_eq!(qa.client_secret, "qa:secret");
    assert!(!ci.is_default);
    let workspaces: Vec<(i64, i64, bool)> = sqlx::query_as(
        "SELECT workspace_id, tenant_id, is_default FROM workspaces WHERE tenant_id >= 3 ORDER BY workspace_id",
    )
    .fetch_all(&app.state.db)
    .await
    .unwrap();
    assert_eq!(workspaces, vec![(6, 3, true), (7, 4, true)]);

    let token = app.token_for("ci", "ci-secret").await;
    let response = app.status_list_as(&token, EVERYTHING).await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(response.json(), json!([]));
}

#[tokio::test]
async fn several_clients_can_be_given_in_one_comma_separated_value() {
    let config = config(&["--client", "a:1,b:2"]);
    let ids: Vec<&str> = config
        .clients
        .iter()
        .map(|c| c.client_id.as_str())
        .collect();
    assert_eq!(ids, vec!["a", "b"]);
    assert!(!format!("{config:?}").contains(":1"));
}

#[tokio::test]
async fn a_malformed_client_option_is_refused() {
    for bad in ["no-colon", ":secret", "id:"] {
        assert!(
            Config::try_parse_from(["sdemu", "--client", bad]).is_err(),
            "{bad}"
        );
    }
}

async fn start_error(args: &[&str]) -> String {
    match startup::open(&config(args), Arc::new(SystemClock), FixtureSource::Builtin).await {
        Ok(_) => panic!("started"),
        Err(error) => format!("{error:#}"),
    }
}

#[tokio::test]
async fn a_client_whose_id_an_organization_already_uses_stops_start_up_naming_it() {
    let error = start_error(&["--client", "sdemu-contoso:other"]).await;
    assert!(error.contains("'sdemu-contoso'"), "{error}");
    assert!(error.contains("already exists"), "{error}");
    let error = start_error(&["--client", "x:1", "--client", "x:2"]).await;
    assert!(error.contains("'x'"), "{error}");
}

// ---------------------------------------------------------------------------------------------
// Isolation
// ---------------------------------------------------------------------------------------------

async fn tenant_task_count(app: &TestApp, tenant_id: i64) -> usize {
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM tasks WHERE tenant_id = ?")
        .bind(tenant_id)
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    count as usize
}

#[tokio::test]
async fn two_organizations_never_see_each_others_tasks_or_counts() {
    // The demo data set: about 2,900 tasks over both organizations.
    let app = TestApp::demo().await;
    let northwind = app.token_for("sdemu-demo", "sdemu-demo-secret").await;
    let contoso = app.token_for("sdemu-contoso", "sdemu-contoso-secret").await;
    let northwind_tasks = app.status_list_as(&northwind, EVERYTHING).await.json();
    let contoso_tasks = app.status_list_as(&contoso, EVERYTHING).await.json();
    let workspaces = |tasks: &Value| -> std::collections::BTreeSet<i64> {
        tasks
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["workspaceId"].as_i64().unwrap())
            .collect()
    };
    assert_eq!(
        workspaces(&northwind_tasks),
        [1, 2, 3].into_iter().collect()
    );
    assert_eq!(workspaces(&contoso_tasks), [4, 5].into_iter().collect());
    assert_eq!(
        northwind_tasks.as_array().unwrap().len(),
        tenant_task_count(&app, 1).await
    );
    assert_eq!(
        contoso_tasks.as_array().unwrap().len(),
        tenant_task_count(&app, 2).await
    );
}

#[tokio::test]
async fn filtering_by_another_organizations_workspace_yields_an_empty_list() {
    let app = two_organizations().await;
    let contoso = app.token_for("sdemu-contoso", "sdemu-contoso-secret").await;
    for workspace in ["1", "2", "3"] {
        let response = app
            .status_list_as(&contoso, &format!("{EVERYTHING}&workspaceId={workspace}"))
            .await;
        assert_eq!(response.status, StatusCode::OK);
        assert_eq!(response.json(), json!([]));
    }
    // Mixed with its own workspace, only its own tasks come back.
    let mixed = app
        .status_list_as(
            &contoso,
            &format!("{EVERYTHING}&workspaceId=1&workspaceId=4"),
        )
        .await
        .json();
    assert!(mixed
        .as_array()
        .unwrap()
        .iter()
        .all(|t| t["workspaceId"] == 4));
    assert!(!mixed.as_array().unwrap().is_empty());
}

#[tokio::test]
async fn the_documented_example_tasks_belong_to_the_default_organization_only() {
    let app = two_organizations().await;
    let contoso = app.token_for("sdemu-contoso", "sdemu-contoso-secret").await;
    let response = app.status_list_as(&contoso, DOC_EXAMPLE_QUERY).await;
    assert_eq!(response.status, StatusCode::OK);
    assert!(response
        .task_ids()
        .iter()
        .all(|id| ![47, 49, 50, 51].contains(id)));
}
