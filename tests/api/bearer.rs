//! Bearer authentication of the API routes: the 401s and their challenges, and `--auth off`
//! (a token's lifetime: `token_lifetime`).

use axum::body::Body;
use axum::http::{header, HeaderValue, Request, StatusCode};
use chrono::Duration;
use serde_json::Value;

use sdemu::config::Config;

use crate::helpers::{
    basic, config, described_operations, invalid_token, TestApp, TestResponse, ACME, EVERYTHING,
    OTHER, STATUS_LIST, UNKNOWN_TOKEN,
};

/// One request per API operation, as (method, path, query, JSON body); `{taskid}` in a path
/// is sent as task 11. Every request is valid for the default organization of
/// `TWO_ORGANIZATIONS` (Get Export Data once task 11's review has finished).
const OPERATIONS: [(&str, &str, &str, Option<&str>); 24] = [
    ("GET", STATUS_LIST, "startDate=2000-01-01", None),
    (
        "GET",
        "/api/v1.0/external/sdtask/statuslistpaginated",
        "startDate=2000-01-01",
        None,
    ),
    ("GET", "/api/v1.0/external/sdtask/status", "taskId=10", None),
    (
        "PATCH",
        "/api/v1.0/external/sdtask/restartprocessing",
        "taskId=10",
        None,
    ),
    (
        "PATCH",
        "/api/v1.0/external/sdtask/externalIntegrationStatus",
        "taskId=10",
        Some(r#"{"externalIntegrationStatus":"done"}"#),
    ),
    (
        "PATCH",
        "/api/v1.0/sdtask/externalIntegrationStatus",
        "taskId=10",
        Some(r#"{"externalIntegrationStatus":"done"}"#),
    ),
    (
        "POST",
        "/api/v1.0/external/sdtask/process",
        "",
        Some(r#"{"context":{"url":"https://example.com/a.pdf"}}"#),
    ),
    (
        "GET",
        "/api/v1.0/external/sdworkspace/CurrentWorkspaces",
        "",
        None,
    ),
    (
        "POST",
        "/api/v1.0/external/sdbatch",
        "",
        Some(r#"{"displayName":"b"}"#),
    ),
    ("GET", "/api/v1.0/external/sdbatch", "batchId=1", None),
    ("GET", "/api/v1.0/external/sdbatch/paginated", "", None),
    (
        "GET",
        "/api/v1.0/external/sdtask/GetExportData/{taskid}",
        "",
        None,
    ),
    (
        "GET",
        "/api/v1.0/external/sdtask/GetExportData/Transcript/{taskid}",
        "",
        None,
    ),
    ("GET", WORKSPACE_SPEAKERS, "", None),
    ("PUT", WORKSPACE_SPEAKERS, "", Some(SPEAKERS)),
    ("GET", TASK_SPEAKERS, "", None),
    ("POST", TASK_SPEAKERS, "", Some(NEW_SPEAKER)),
    ("PUT", TASK_SPEAKERS, "", Some(SPEAKER)),
    ("DELETE", TASK_SPEAKER, "", None),
    ("GET", "/api/v1.0/external/tenant/availableroles", "", None),
    (
        "POST",
        "/api/v1.0/external/tenant/inviteusers",
        "",
        Some(INVITE),
    ),
    ("GET", "/api/v1.0/external/tenant/allusers", "", None),
    (
        "POST",
        "/api/v1.0/external/sdworkspace/inviteusers",
        "",
        Some(INVITE_WS),
    ),
    (
        "GET",
        "/api/v1.0/external/sdworkspace/allusers/{workspaceId}",
        "",
        None,
    ),
];

// The speaker and user operations' paths and bodies. With `--auth off` they act on
// `TRANSCRIPTS_SEED`'s workspace 9 and task 15 (`{workspaceId}`, `{taskId}`).
const WORKSPACE_SPEAKERS: &str = "/api/v1.0/external/transcripts/speakers/workspaces/{workspaceId}";
const TASK_SPEAKERS: &str = "/api/v1.0/external/transcripts/speakers/tasks/{taskId}/{workspaceId}";
const TASK_SPEAKER: &str =
    "/api/v1.0/external/transcripts/speakers/tasks/{taskId}/{workspaceId}/{speakerId}";
const SPEAKERS: &str = r#"{"speakers":[{"speakerId":"s1","speakerName":"A"}]}"#;
const SPEAKER: &str = r#"{"speakerId":"s1","speakerName":"Ana"}"#;
const NEW_SPEAKER: &str = r#"{"speakerId":"s9","speakerName":"N"}"#;
const INVITE: &str = r#"{"users":[{"email":"a@example.com","roleName":"Viewer"}]}"#;
const INVITE_WS: &str =
    r#"{"workspaceId":9,"users":[{"email":"b@example.com","roleName":"Viewer"}]}"#;
/// A transcripts workspace and task of the default organization, merged into
/// `TWO_ORGANIZATIONS` for the speaker operations.
const TRANSCRIPTS_SEED: &str = r#"{
  "workspaces": [{"workspaceId": 9, "tenantId": 1, "workspaceName": "Calls", "workspaceTemplateName": "Transcripts"}],
  "tasks": [{"taskId": 15, "workspaceId": 9, "displayName": "c.mp3", "createdOn": "2024-01-01T00:00:00Z", "taskStatus": 3, "integrationStatus": 1}],
  "speakers": [{"workspaceId": 9, "speakers": [{"speakerId": "s1", "speakerName": "A"}]}]
}"#;

/// The request for one operation, with `authorization` as its header when given.
fn operation_request(
    (method, path, query, body): (&str, &str, &str, Option<&str>),
    authorization: Option<&str>,
) -> Request<Body> {
    let path = path
        .replace("{taskid}", "11")
        .replace("{taskId}", "15")
        .replace("{workspaceId}", "9")
        .replace("{speakerId}", "s9");
    let uri = if query.is_empty() {
        path
    } else {
        format!("{path}?{query}")
    };
    let mut builder = Request::builder().method(method).uri(uri);
    if body.is_some() {
        builder = builder.header(header::CONTENT_TYPE, "application/json");
    }
    if let Some(authorization) = authorization {
        builder = builder.header(header::AUTHORIZATION, authorization);
    }
    builder
        .body(Body::from(body.unwrap_or_default().to_owned()))
        .unwrap()
}

const MALFORMED_TOKEN: &str = "The bearer token is malformed: at most 1024 characters of A-Z a-z 0-9 - . _ ~ + / then optional =.";

/// The task status list with `Authorization: {authorization}`.
async fn status_list_with_header(app: &TestApp, authorization: HeaderValue) -> TestResponse {
    app.get_with_authorization(authorization, &format!("{STATUS_LIST}?{EVERYTHING}"))
        .await
}

#[test]
fn the_operation_table_covers_every_api_operation_of_the_openapi_description() {
    let mut described: Vec<(String, String)> = described_operations()
        .into_iter()
        .filter(|(_, path)| path.starts_with("/api/"))
        .map(|(method, path)| (method.to_uppercase(), path))
        .collect();
    let mut covered: Vec<(String, String)> = OPERATIONS
        .iter()
        .map(|(method, path, _, _)| ((*method).to_owned(), (*path).to_owned()))
        .collect();
    described.sort();
    covered.sort();
    assert_eq!(covered, described);
}

// ---------------------------------------------------------------------------------------------
// 401: no token, an unknown one, a malformed header
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn a_request_without_a_token_is_401_with_an_empty_body_and_a_bare_bearer_challenge() {
    let app = TestApp::two_organizations().await;
    app.get_anonymous(&format!("{STATUS_LIST}?{EVERYTHING}"))
        .await
        .assert_unauthorized("Bearer");
}

#[tokio::test]
async fn every_api_operation_refuses_a_missing_unknown_or_expired_token_and_changes_nothing() {
    let app = TestApp::two_organizations().await;
    let expired = app.token(&ACME).await;
    app.clock.advance(Duration::hours(1));
    let before = app.state_document().await;
    let expired_header = format!("Bearer {expired}");
    let cases = [
        (None, "Bearer".to_owned()),
        (Some("Basic YWNtZTphY21lLXNlY3JldA=="), "Bearer".to_owned()),
        (
            Some("Bearer otDTdQQFrE-3oNgCy57Re8xR6VloB35XkgZ_IV92zGk"),
            invalid_token(UNKNOWN_TOKEN),
        ),
        (
            Some(expired_header.as_str()),
            // The test clock starts at 2026-11-01T12:00:00Z.
            invalid_token("The access token expired at 2026-11-01T13:00:00Z."),
        ),
    ];
    for operation in OPERATIONS {
        for (authorization, challenge) in &cases {
            app.request_anonymous(operation_request(operation, *authorization))
                .await
                .case(format!("Authorization: {authorization:?}"))
                .assert_unauthorized(challenge);
        }
    }
    assert_eq!(app.state_document().await, before);
}

#[tokio::test]
async fn authentication_is_checked_before_the_query() {
    let app = TestApp::two_organizations().await;
    // Without dates the list is a 400 for an authenticated client; a bad date a problem body.
    for query in ["", "startDate=yesterday", "startDate=2022-01-01&sort=nope"] {
        app.get_anonymous(&format!("{STATUS_LIST}?{query}"))
            .await
            .assert_unauthorized("Bearer");
    }
}

#[tokio::test]
async fn another_authorization_scheme_counts_as_no_token() {
    let app = TestApp::two_organizations().await;
    let basic = HeaderValue::from_str(&basic("acme:acme-secret")).unwrap();
    status_list_with_header(&app, basic)
        .await
        .assert_unauthorized("Bearer");
}

#[tokio::test]
async fn an_unknown_token_is_401_invalid_token() {
    let app = TestApp::two_organizations().await;
    let unknown = HeaderValue::from_static("Bearer otDTdQQFrE-3oNgCy57Re8xR6VloB35XkgZ_IV92zGk");
    status_list_with_header(&app, unknown)
        .await
        .assert_unauthorized(&invalid_token(UNKNOWN_TOKEN));
}

#[tokio::test]
async fn a_malformed_bearer_header_is_401_invalid_token_saying_why() {
    let app = TestApp::two_organizations().await;
    let long = format!("Bearer {}", "a".repeat(1025));
    let no_token = "The Authorization header has no token after Bearer.";
    let cases = [
        ("Bearer", no_token),
        ("Bearer   ", no_token),
        ("Bearer two words", MALFORMED_TOKEN),
        ("Bearer \"quoted\"", MALFORMED_TOKEN),
        ("Bearer a=b", MALFORMED_TOKEN),
        (long.as_str(), MALFORMED_TOKEN),
    ];
    for (authorization, description) in cases {
        status_list_with_header(&app, HeaderValue::from_str(authorization).unwrap())
            .await
            .case(authorization)
            .assert_unauthorized(&invalid_token(description));
    }
}

#[tokio::test]
async fn non_utf8_or_huge_bearer_headers_are_401_malformed() {
    let app = TestApp::two_organizations().await;
    let huge = format!("Bearer {}", "a".repeat(64 * 1024));
    for (case, value) in [
        (
            "non-UTF-8 bytes",
            HeaderValue::from_bytes(b"Bearer \xff\xfe").unwrap(),
        ),
        (
            "a tab",
            HeaderValue::from_bytes(b"Bearer abc\tdef").unwrap(),
        ),
        ("64 KiB", HeaderValue::from_str(&huge).unwrap()),
    ] {
        status_list_with_header(&app, value)
            .await
            .case(case)
            .assert_unauthorized(&invalid_token(MALFORMED_TOKEN));
    }
    // Non-UTF-8 bytes in the scheme name: not a bearer token at all.
    status_list_with_header(&app, HeaderValue::from_bytes(b"B\xe9arer abc").unwrap())
        .await
        .case("a non-UTF-8 scheme")
        .assert_unauthorized("Bearer");
}

#[tokio::test]
async fn two_authorization_headers_are_401_invalid_token() {
    let app = TestApp::two_organizations().await;
    let token = app.token(&ACME).await;
    app.request_anonymous(
        Request::get(format!("{STATUS_LIST}?{EVERYTHING}"))
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .body(Body::empty())
            .unwrap(),
    )
    .await
    .assert_unauthorized(&invalid_token(
        "The request has more than one Authorization header.",
    ));
}

#[tokio::test]
async fn the_bearer_scheme_name_is_case_insensitive() {
    let app = TestApp::two_organizations().await;
    let token = app.token(&ACME).await;
    let lower = HeaderValue::from_str(&format!("bearer {token}")).unwrap();
    let response = status_list_with_header(&app, lower).await;
    assert_eq!(response.task_ids(), vec![10, 11]);
}

#[tokio::test]
async fn unknown_api_paths_and_wrong_methods_answer_without_authentication() {
    let app = TestApp::two_organizations().await;
    app.get_anonymous("/api/v1.0/external/sdtask/nothing")
        .await
        .assert_empty(StatusCode::NOT_FOUND);
    let response = app
        .request_anonymous(
            Request::delete("/api/v1.0/external/sdtask/status?taskId=10")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    response.assert_status(StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(response.header("allow"), Some("GET,HEAD"));
    assert_eq!(response.header("www-authenticate"), None);
}

// ---------------------------------------------------------------------------------------------
// --auth off
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn the_auth_option_accepts_only_on_and_off() {
    assert!(<Config as clap::Parser>::try_parse_from(["sdemu", "--auth", "maybe"]).is_err());
    assert_eq!(config(&[]).auth, sdemu::config::AuthMode::On);
}

#[tokio::test]
async fn with_auth_off_a_request_without_a_token_acts_for_the_default_organization() {
    let app = TestApp::two_organizations_with(&["--auth", "off"]).await;
    let response = app
        .get_anonymous(&format!("{STATUS_LIST}?{EVERYTHING}"))
        .await;
    response.assert_status(StatusCode::OK);
    assert_eq!(response.task_ids(), vec![10, 11]);
}

#[tokio::test]
async fn with_auth_off_an_unusable_token_is_ignored() {
    let app = TestApp::two_organizations_with(&["--auth", "off"]).await;
    for authorization in ["Bearer unknown-token", "Bearer", "Basic abc"] {
        let response = status_list_with_header(&app, HeaderValue::from_static(authorization)).await;
        assert_eq!(response.task_ids(), vec![10, 11], "{authorization}");
    }
}

#[tokio::test]
async fn with_auth_off_a_valid_token_still_acts_for_its_organization() {
    let app = TestApp::two_organizations_with(&["--auth", "off"]).await;
    let other = app.token(&OTHER).await;
    let as_other = app.status_list_as(&other, EVERYTHING).await.task_ids();
    let anonymous = app
        .get_anonymous(&format!("{STATUS_LIST}?{EVERYTHING}"))
        .await
        .task_ids();
    assert!(!as_other.is_empty());
    assert!(as_other.iter().all(|id| !anonymous.contains(id)));
}

#[tokio::test]
async fn with_auth_off_every_api_operation_answers_the_default_organization_without_a_token() {
    let app = TestApp::two_organizations_with(&["--auth", "off"]).await;
    app.control("POST", "tasks/11/review/finish", None)
        .await
        .assert_status(StatusCode::OK);
    let seed: Value = serde_json::from_str(TRANSCRIPTS_SEED).unwrap();
    app.control("POST", "seed?mode=merge", Some(&seed))
        .await
        .assert_status(StatusCode::OK);
    for operation in OPERATIONS {
        app.request_anonymous(operation_request(operation, None))
            .await
            .assert_status(StatusCode::OK);
    }
    // Everything created went to the default organization.
    let workspaces = app.current_workspaces().await.json();
    assert_eq!(workspaces[0]["tenantId"], 1);
    let created: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT t.tenant_id, w.tenant_id FROM tasks t JOIN workspaces w USING (workspace_id) \
         WHERE t.task_id > 21",
    )
    .fetch_all(&app.state.db)
    .await
    .unwrap();
    assert_eq!(created, vec![(1, 1)]);
}
