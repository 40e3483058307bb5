//! Bearer authentication and organization isolation on every API operation, seen through real
//! tokens of a non-default organization; odd `Authorization` headers and token request bodies;
//! the cap on live tokens per client.

use axum::body::Body;
use axum::http::{header, HeaderValue, Request, StatusCode};
use chrono::Duration;
use serde_json::{json, Value};

use sdemu::app::OPENAPI_DESCRIPTION;
use sdemu::clock::Clock;
use sdemu::config::Config;
use sdemu::startup::FixtureSource;

use crate::helpers::{default_config, TestApp, TestResponse, TWO_ORG_FIXTURE};

/// One request per API operation, as (method, path, query, JSON body). Every request is valid
/// for the default organization of `TWO_ORG_FIXTURE` (tenant 1, client `acme`).
const OPERATIONS: [(&str, &str, &str, Option<&str>); 11] = [
    (
        "GET",
        "/api/v1.0/external/sdtask/statuslist",
        "startDate=2000-01-01",
        None,
    ),
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
];

const UNKNOWN_TOKEN: &str =
    "The access token is unknown: never issued here, revoked, or its organization is gone.";

/// The request for one operation, with `authorization` as its header when given.
fn operation_request(
    (method, path, query, body): (&str, &str, &str, Option<&str>),
    authorization: Option<&str>,
) -> Request<Body> {
    let uri = if query.is_empty() {
        path.to_owned()
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

async fn two_organizations(options: &[&str]) -> TestApp {
    let config = <Config as clap::Parser>::try_parse_from(
        std::iter::once("sdemu").chain(options.iter().copied()),
    )
    .expect("options parse");
    TestApp::start(
        config,
        FixtureSource::Inline {
            name: "two organizations".into(),
            text: TWO_ORG_FIXTURE.into(),
        },
    )
    .await
}

fn assert_unauthorized(response: &TestResponse, challenge: &str, operation: &str) {
    assert_eq!(response.status, StatusCode::UNAUTHORIZED, "{operation}");
    assert!(response.body.is_empty(), "{operation}");
    assert_eq!(response.header("content-length"), Some("0"), "{operation}");
    assert_eq!(
        response.header("www-authenticate"),
        Some(challenge),
        "{operation}"
    );
}

fn invalid_token(description: &str) -> String {
    format!("Bearer error=\"invalid_token\", error_description=\"{description}\"")
}

#[test]
fn the_operation_table_covers_every_api_operation_of_the_openapi_description() {
    let description: Value = serde_json::from_str(OPENAPI_DESCRIPTION).unwrap();
    let mut described: Vec<(String, String)> = Vec::new();
    for (path, item) in description["paths"].as_object().unwrap() {
        if !path.starts_with("/api/") {
            continue;
        }
        for method in ["get", "post", "put", "patch", "delete"] {
            if item.get(method).is_some() {
                described.push((method.to_uppercase(), path.clone()));
            }
        }
    }
    let mut covered: Vec<(String, String)> = OPERATIONS
        .iter()
        .map(|(method, path, _, _)| ((*method).to_owned(), (*path).to_owned()))
        .collect();
    described.sort();
    covered.sort();
    assert_eq!(covered, described);
}

#[tokio::test]
async fn every_api_operation_refuses_a_missing_unknown_or_expired_token_and_changes_nothing() {
    let app = two_organizations(&[]).await;
    let expired = app.token_for("acme", "acme-secret").await;
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
            let response = app
                .request_anonymous(operation_request(operation, *authorization))
                .await;
            assert_unauthorized(
                &response,
                challenge,
                &format!("{} {} with {authorization:?}", operation.0, operation.1),
            );
        }
    }
    assert_eq!(app.state_document().await, before);
}

#[tokio::test]
async fn with_auth_off_every_api_operation_answers_the_default_organization_without_a_token() {
    let app = two_organizations(&["--auth", "off"]).await;
    for operation in OPERATIONS {
        let response = app
            .request_anonymous(operation_request(operation, None))
            .await;
        assert_eq!(
            response.status,
            StatusCode::OK,
            "{} {}: {}",
            operation.0,
            operation.1,
            String::from_utf8_lossy(&response.body)
        );
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

// ---------------------------------------------------------------------------------------------
// Isolation, as the non-default organization `other` (tenant 2: workspace 3, batch 2, tasks 20
// and 21; its task 21 has the externalId X-10 that the default organization's task 10 has too).
// ---------------------------------------------------------------------------------------------

struct Other {
    app: TestApp,
    token: String,
}

impl Other {
    async fn new() -> Self {
        let app = two_organizations(&[]).await;
        let token = app.token_for("other", "other-secret").await;
        Self { app, token }
    }

    async fn get(&self, path_and_query: &str) -> TestResponse {
        self.app.get_as(&self.token, path_and_query).await
    }

    async fn send(&self, method: &str, path_and_query: &str, body: &str) -> TestResponse {
        let request = Request::builder()
            .method(method)
            .uri(path_and_query)
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_owned()))
            .unwrap();
        self.app.request_as(&self.token, request).await
    }
}

fn ids(value: &Value, field: &str) -> Vec<i64> {
    value
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item[field].as_i64().unwrap())
        .collect()
}

#[tokio::test]
async fn another_organization_lists_and_counts_only_its_own_tasks() {
    let other = Other::new().await;
    let list = other
        .get("/api/v1.0/external/sdtask/statuslist?startDate=2000-01-01")
        .await;
    assert_eq!(ids(&list.json(), "taskId"), vec![20, 21]);
    let page = other
        .get("/api/v1.0/external/sdtask/statuslistpaginated?startDate=2000-01-01&pageSize=1")
        .await
        .json();
    assert_eq!(ids(&page["items"], "taskId"), vec![20]);
    assert_eq!(page["totalCount"], 2);
    assert_eq!(page["totalPages"], 2);
    // The default organization's workspace, alone or with its own, matches nothing of it.
    let foreign = other
        .get("/api/v1.0/external/sdtask/statuslistpaginated?startDate=2000-01-01&workspaceId=1&workspaceId=2")
        .await
        .json();
    assert_eq!(foreign["items"], json!([]));
    assert_eq!(foreign["totalCount"], 0);
    assert_eq!(foreign["totalPages"], 0);
}

#[tokio::test]
async fn another_organization_reads_only_its_own_task_even_by_a_shared_external_id() {
    let other = Other::new().await;
    other
        .get("/api/v1.0/external/sdtask/status?taskId=10")
        .await
        .assert_empty(StatusCode::NOT_FOUND);
    let task = other
        .get("/api/v1.0/external/sdtask/status?externalId=X-10")
        .await;
    assert_eq!(task.status, StatusCode::OK);
    assert_eq!(task.json()["taskId"], 21);
    // The default organization gets its own task for the same external id.
    assert_eq!(
        other.app.task_status("externalId=X-10").await.json()["taskId"],
        10
    );
}

#[tokio::test]
async fn another_organization_reprocesses_only_its_own_task() {
    let other = Other::new().await;
    other
        .send(
            "PATCH",
            "/api/v1.0/external/sdtask/restartprocessing?taskId=10",
            "",
        )
        .await
        .assert_empty(StatusCode::NOT_FOUND);
    other
        .send(
            "PATCH",
            "/api/v1.0/external/sdtask/restartprocessing?externalId=X-10",
            "",
        )
        .await
        .assert_empty(StatusCode::OK);
    let restarts: Vec<(i64, Option<i64>)> =
        sqlx::query_as("SELECT task_id, restart_count FROM tasks ORDER BY task_id")
            .fetch_all(&other.app.state.db)
            .await
            .unwrap();
    assert_eq!(
        restarts,
        vec![(10, None), (11, None), (20, None), (21, Some(1))]
    );
}

#[tokio::test]
async fn another_organization_sets_the_external_integration_status_only_of_its_own_task() {
    let other = Other::new().await;
    let body = r#"{"externalIntegrationStatus":"exported"}"#;
    for path in [
        "/api/v1.0/external/sdtask/externalIntegrationStatus",
        "/api/v1.0/sdtask/externalIntegrationStatus",
    ] {
        other
            .send("PATCH", &format!("{path}?taskId=10"), body)
            .await
            .assert_empty(StatusCode::NOT_FOUND);
    }
    other
        .send(
            "PATCH",
            "/api/v1.0/sdtask/externalIntegrationStatus?externalId=X-10",
            body,
        )
        .await
        .assert_empty(StatusCode::OK);
    let statuses: Vec<(i64, String)> =
        sqlx::query_as("SELECT task_id, external_integration_status FROM tasks ORDER BY task_id")
            .fetch_all(&other.app.state.db)
            .await
            .unwrap();
    let exported: Vec<i64> = statuses
        .iter()
        .filter(|(_, status)| status == "exported")
        .map(|(id, _)| *id)
        .collect();
    assert_eq!(exported, vec![21]);
}

#[tokio::test]
async fn another_organization_creates_tasks_only_in_its_own_workspaces_and_batches() {
    let other = Other::new().await;
    let before = other.app.state_document().await;
    let create = |body: Value| {
        let other = &other;
        async move {
            other
                .send(
                    "POST",
                    "/api/v1.0/external/sdtask/process",
                    &body.to_string(),
                )
                .await
        }
    };
    let url = json!({"url": "https://example.com/a.pdf"});
    // The default organization's workspace reads exactly as a workspace that does not exist.
    let foreign = create(json!({"context": url, "workspaceId": 1}))
        .await
        .assert_problem(StatusCode::BAD_REQUEST, None);
    let missing = create(json!({"context": url, "workspaceId": 99}))
        .await
        .assert_problem(StatusCode::BAD_REQUEST, None);
    assert_eq!(
        foreign["detail"]
            .as_str()
            .unwrap()
            .replace("workspace 1,", "workspace 99,"),
        missing["detail"]
    );
    assert_eq!(foreign["field"], "workspaceId");
    // Its own workspace with the default organization's batch.
    let batch = create(json!({"context": url, "workspaceId": 3, "batchId": 1}))
        .await
        .assert_problem(StatusCode::BAD_REQUEST, None);
    assert_eq!(batch["field"], "batchId");
    // Its own externalId is taken; the default organization's ones are not its business.
    let duplicate = create(json!({"context": url, "externalId": "X-20"})).await;
    assert_eq!(duplicate.status, StatusCode::CONFLICT);
    assert_eq!(other.app.state_document().await, before);

    let created = create(json!({"context": url, "batchId": 2})).await;
    assert_eq!(created.status, StatusCode::OK);
    assert_eq!(created.json()["workspaceId"], 3);
    let task_id = created.json()["taskId"].as_i64().unwrap();
    // Invisible to the default organization, counted for its owner.
    other
        .app
        .task_status(&format!("taskId={task_id}"))
        .await
        .assert_empty(StatusCode::NOT_FOUND);
    assert_eq!(
        other
            .app
            .status_list_paginated("startDate=2000-01-01")
            .await
            .json()["totalCount"],
        2
    );
    let batch = other
        .get("/api/v1.0/external/sdbatch?batchId=2")
        .await
        .json();
    assert_eq!(batch["totalTasks"], 2);
}

#[tokio::test]
async fn another_organization_sees_only_its_own_workspaces_and_batches() {
    let other = Other::new().await;
    let workspaces = other
        .get("/api/v1.0/external/sdworkspace/CurrentWorkspaces")
        .await
        .json();
    assert_eq!(ids(&workspaces, "workspaceId"), vec![3]);
    assert_eq!(workspaces[0]["tenantId"], 2);

    other
        .get("/api/v1.0/external/sdbatch?batchId=1")
        .await
        .assert_empty(StatusCode::NOT_FOUND);
    let own = other.get("/api/v1.0/external/sdbatch?batchId=2").await;
    assert_eq!(own.status, StatusCode::OK);
    assert_eq!(own.json()["totalTasks"], 1);

    let page = other
        .get("/api/v1.0/external/sdbatch/paginated")
        .await
        .json();
    assert_eq!(ids(&page["items"], "batchId"), vec![2]);
    assert_eq!(page["totalCount"], 1);
    let foreign = other
        .get("/api/v1.0/external/sdbatch/paginated?workspaceId=1")
        .await
        .json();
    assert_eq!(foreign["items"], json!([]));
    assert_eq!(foreign["totalCount"], 0);
}

#[tokio::test]
async fn another_organization_creates_batches_only_in_its_own_workspaces() {
    let other = Other::new().await;
    let before = other.app.state_document().await;
    let foreign = other
        .send(
            "POST",
            "/api/v1.0/external/sdbatch",
            r#"{"displayName":"b","workspaceId":1}"#,
        )
        .await
        .assert_problem(StatusCode::BAD_REQUEST, None);
    assert_eq!(foreign["field"], "workspaceId");
    assert_eq!(other.app.state_document().await, before);

    let created = other
        .send(
            "POST",
            "/api/v1.0/external/sdbatch",
            r#"{"displayName":"b"}"#,
        )
        .await;
    assert_eq!(created.status, StatusCode::OK);
    assert_eq!(created.json()["workspaceId"], 3);
    let batch_id = created.json()["batchId"].as_i64().unwrap();
    other
        .app
        .get_batch(&format!("batchId={batch_id}"))
        .await
        .assert_empty(StatusCode::NOT_FOUND);
    assert_eq!(other.app.batch_paginated("").await.json()["totalCount"], 1);
}

// ---------------------------------------------------------------------------------------------
// Odd input: never a 500.
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn non_utf8_or_huge_bearer_headers_are_401_malformed() {
    let app = two_organizations(&[]).await;
    let malformed = invalid_token(
        "The bearer token is malformed: at most 1024 characters of A-Z a-z 0-9 - . _ ~ + / then optional =.",
    );
    let huge = format!("Bearer {}", "a".repeat(64 * 1024));
    let values = [
        HeaderValue::from_bytes(b"Bearer \xff\xfe").unwrap(),
        HeaderValue::from_bytes(b"Bearer abc\tdef").unwrap(),
        HeaderValue::from_str(&huge).unwrap(),
    ];
    for value in values {
        let mut request = operation_request(OPERATIONS[0], None);
        request
            .headers_mut()
            .insert(header::AUTHORIZATION, value.clone());
        let response = app.request_anonymous(request).await;
        assert_unauthorized(&response, &malformed, &format!("{value:?}"));
    }
    // Non-UTF-8 bytes in the scheme name: not a bearer token at all.
    let mut request = operation_request(OPERATIONS[0], None);
    request.headers_mut().insert(
        header::AUTHORIZATION,
        HeaderValue::from_bytes(b"B\xe9arer abc").unwrap(),
    );
    let response = app.request_anonymous(request).await;
    assert_unauthorized(&response, "Bearer", "non-UTF-8 scheme");
}

/// `POST /connect/token` with raw body bytes and extra headers.
async fn post_token_raw(
    app: &TestApp,
    authorization: Option<HeaderValue>,
    body: &[u8],
) -> TestResponse {
    let mut request = Request::post("/connect/token")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(body.to_vec()))
        .unwrap();
    if let Some(value) = authorization {
        request.headers_mut().insert(header::AUTHORIZATION, value);
    }
    app.request_anonymous(request).await
}

fn oauth_error(response: &TestResponse) -> (StatusCode, String) {
    assert_eq!(
        response.header("content-type"),
        Some("application/json; charset=utf-8")
    );
    assert_eq!(response.header("cache-control"), Some("no-store"));
    (
        response.status,
        response.json()["error"].as_str().unwrap().to_owned(),
    )
}

#[tokio::test]
async fn odd_token_request_bodies_get_oauth_errors_never_a_500() {
    let app = two_organizations(&[]).await;
    let invalid_request = (StatusCode::BAD_REQUEST, "invalid_request".to_owned());
    let invalid_client = (StatusCode::BAD_REQUEST, "invalid_client".to_owned());
    let cases: [(&[u8], _); 6] = [
        (b"&&&=&==", invalid_request.clone()),
        (b"%", invalid_request.clone()),
        // Invalid percent-encoding is kept literally, so it names no known client.
        (
            b"grant_type=client_credentials&client_id=acme%zz&client_secret=acme-secret",
            invalid_client.clone(),
        ),
        (
            b"grant_type=client_credentials&client_id=\xff\xfe&client_secret=\xc3",
            invalid_client.clone(),
        ),
        (
            b"grant_type=client_credentials&client_id=acme&client_secret=acme-secret&GRANT_TYPE=client_credentials",
            invalid_request.clone(),
        ),
        (b"\0\0\0", invalid_request.clone()),
    ];
    for (body, expected) in cases {
        let response = post_token_raw(&app, None, body).await;
        assert_eq!(
            oauth_error(&response),
            expected,
            "{}",
            String::from_utf8_lossy(body)
        );
    }
    // An unknown parameter with bad escapes does not spoil a good request.
    let response = post_token_raw(
        &app,
        None,
        b"grant_type=client_credentials&client_id=acme&client_secret=acme-secret&x=%zz%",
    )
    .await;
    assert_eq!(response.status, StatusCode::OK);
}

#[tokio::test]
async fn odd_basic_headers_on_the_token_endpoint_are_invalid_request() {
    let app = two_organizations(&[]).await;
    let huge = format!("Basic {}", "QUFB".repeat(16 * 1024));
    for value in [
        HeaderValue::from_bytes(b"Basic \xff\xfe").unwrap(),
        HeaderValue::from_bytes(b"B\xe1sic abc").unwrap(),
        // Base64 of non-UTF-8 bytes.
        HeaderValue::from_static("Basic //79"),
        HeaderValue::from_str(&huge).unwrap(),
    ] {
        let response =
            post_token_raw(&app, Some(value.clone()), b"grant_type=client_credentials").await;
        assert_eq!(
            oauth_error(&response),
            (StatusCode::BAD_REQUEST, "invalid_request".to_owned()),
            "{value:?}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// The cap on live tokens.
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn a_client_keeps_at_most_10000_live_tokens_and_loses_its_oldest_first() {
    let app = TestApp::start(default_config(), FixtureSource::Builtin).await;
    let oldest = app.token_for("sdemu-demo", "sdemu-demo-secret").await;
    app.clock.advance(Duration::seconds(1));
    let contoso = app.token_for("sdemu-contoso", "sdemu-contoso-secret").await;
    // 9,999 more live tokens of the same client, written directly: 10,000 with `oldest`, all
    // expiring after it.
    let now = app.clock.now().timestamp_millis();
    sqlx::query(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 9999) \
         INSERT INTO access_tokens (token_hash, tenant_id, client_id, issued_at, expires_at) \
         SELECT printf('filler-%d', i), 1, 'sdemu-demo', ?, ? + 3600000 FROM n",
    )
    .bind(now)
    .bind(now)
    .execute(&app.state.db)
    .await
    .unwrap();
    assert_eq!(
        app.status_list_as(&oldest, "startDate=2000-01-01")
            .await
            .status,
        StatusCode::OK
    );
    app.clock.advance(Duration::seconds(1));
    let newest = app.token_for("sdemu-demo", "sdemu-demo-secret").await;
    let live: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM access_tokens WHERE client_id = 'sdemu-demo'")
            .fetch_one(&app.state.db)
            .await
            .unwrap();
    assert_eq!(live, 10_000);
    let gone = app.status_list_as(&oldest, "startDate=2000-01-01").await;
    assert_eq!(gone.status, StatusCode::UNAUTHORIZED);
    for token in [&newest, &contoso] {
        assert_eq!(
            app.status_list_as(token, "startDate=2000-01-01")
                .await
                .status,
            StatusCode::OK
        );
    }
}

#[tokio::test]
async fn unknown_api_paths_and_wrong_methods_answer_without_authentication() {
    let app = two_organizations(&[]).await;
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
    assert_eq!(response.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(response.header("allow"), Some("GET,HEAD"));
    assert_eq!(response.header("www-authenticate"), None);
}
