//! Property tests of everything that parses outside input, through the real router: query
//! strings (dates, sort, ids, pages, repeated keys), JSON bodies (Create Task, Create Batch,
//! External Integration Status, seed and fault documents, the clock, webhooks), token form
//! bodies. Whatever arrives, sdemu answers, never with a 5xx, and every rejection is a 4xx
//! with an empty body or a problem document.
//!
//! A bounded pass runs with `cargo test` (`FUZZ_CASES` per property, 48 by default); a
//! long run is `FUZZ_CASES=20000 cargo test --test api fuzz`.

use std::future::Future;
use std::pin::Pin;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use serde_json::Value;

use crate::helpers::{TestApp, TestResponse};

fn cases() -> u32 {
    std::env::var("FUZZ_CASES")
        .ok()
        .and_then(|text| text.parse().ok())
        .unwrap_or(48)
}

fn runner() -> TestRunner {
    TestRunner::new(Config {
        cases: cases(),
        failure_persistence: None,
        ..Config::default()
    })
}

/// The answer is not a 5xx, and a 4xx has an empty body, a problem document, or (the token
/// endpoint) an OAuth error object.
fn check(what: &str, response: &TestResponse) -> Result<(), TestCaseError> {
    prop_assert!(
        !response.status.is_server_error(),
        "{what}: {} {}",
        response.status,
        String::from_utf8_lossy(&response.body)
    );
    if response.status.is_client_error() && !response.body.is_empty() {
        let content_type = response.header("content-type").unwrap_or_default();
        let body: Value = serde_json::from_slice(&response.body)
            .map_err(|error| TestCaseError::fail(format!("{what}: not JSON: {error}")))?;
        if content_type.starts_with("application/problem+json") {
            prop_assert!(body["status"] == response.status.as_u16(), "{what}: {body}");
        } else {
            prop_assert!(
                what.contains("/connect/token") && body["error"].is_string(),
                "{what}: {} with {content_type}: {body}",
                response.status
            );
        }
    }
    Ok(())
}

/// Text a client might send: plausible values, edge cases and arbitrary characters.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just("2022-03-16T16:59:55Z".to_owned()),
        Just("2022-03-16".to_owned()),
        Just("9999-12-31T23:59:59.9999999Z".to_owned()),
        Just("0001-01-01".to_owned()),
        Just("2022-02-30T00:00:00Z".to_owned()),
        Just("-createdOn".to_owned()),
        Just("displayName desc".to_owned()),
        Just("9223372036854775808".to_owned()),
        Just("-1".to_owned()),
        Just("1e3".to_owned()),
        Just("null".to_owned()),
        "[0-9]{1,20}",
        "[a-zA-Z:+. -]{0,30}",
        any::<String>().prop_map(|text| text.chars().take(64).collect()),
    ]
}

const KEYS: [&str; 15] = [
    "tenantId",
    "startDate",
    "endDate",
    "workspaceId",
    "taskStatus",
    "integrationStatus",
    "sort",
    "pageNumber",
    "pageSize",
    "taskId",
    "externalId",
    "batchId",
    "STARTDATE",
    "x",
    "",
];

fn query() -> impl Strategy<Value = String> {
    proptest::collection::vec((proptest::sample::select(KEYS.to_vec()), text()), 0..8).prop_map(
        |pairs| {
            let mut query = form_urlencoded::Serializer::new(String::new());
            for (key, value) in pairs {
                query.append_pair(key, &value);
            }
            query.finish()
        },
    )
}

/// Any JSON value, nested a little.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|n| serde_json::Number::from_f64(n).map_or(Value::Null, Value::Number)),
        text().prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            proptest::collection::vec(
                (
                    prop_oneof![
                        proptest::sample::select(vec![
                            "context",
                            "url",
                            "displayName",
                            "description",
                            "workspaceId",
                            "externalId",
                            "batchId",
                            "tasks",
                            "workspaces",
                            "organizations",
                            "status",
                            "method",
                            "path",
                            "by",
                            "mode",
                            "kind",
                            "options",
                            "webhooks",
                            "taskStatus",
                            "rules",
                            "response",
                            "delayMs",
                        ])
                        .prop_map(str::to_owned),
                        "[a-zA-Z]{1,8}",
                    ],
                    inner
                ),
                0..5
            )
            .prop_map(|pairs| Value::Object(pairs.into_iter().collect())),
        ]
    })
}

/// A property's verdict on one input, as a future over the emulator.
type Verdict<'a> = Pin<Box<dyn Future<Output = Result<(), TestCaseError>> + 'a>>;

/// Runs `property` over `strategy` on one emulator; a fresh runtime drives the router.
fn run<S: Strategy>(strategy: S, property: impl Fn(&TestApp, S::Value) -> Verdict<'_>)
where
    S::Value: std::fmt::Debug,
{
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let app = runtime.block_on(TestApp::two_organizations_with(&["--clock", "frozen"]));
    runner()
        .run(&strategy, |input| runtime.block_on(property(&app, input)))
        .unwrap();
}

const QUERY_ROUTES: [&str; 7] = [
    "/_emulator/tasks",
    "/api/v1.0/external/sdtask/statuslist",
    "/api/v1.0/external/sdtask/statuslistpaginated",
    "/api/v1.0/external/sdtask/status",
    "/api/v1.0/external/sdbatch",
    "/api/v1.0/external/sdbatch/paginated",
    "/api/v1.0/external/sdworkspace/CurrentWorkspaces",
];

#[test]
fn any_query_string_gets_an_answer_and_never_a_5xx() {
    run(
        (proptest::sample::select(QUERY_ROUTES.to_vec()), query()),
        |app, (route, query)| {
            Box::pin(async move {
                let uri = format!("{route}?{query}");
                let response = app.get(&uri).await;
                check(&uri, &response)
            })
        },
    );
}

const BODY_ROUTES: [(&str, &str); 6] = [
    ("POST", "/api/v1.0/external/sdtask/process"),
    ("POST", "/api/v1.0/external/sdbatch"),
    (
        "PATCH",
        "/api/v1.0/external/sdtask/externalIntegrationStatus?taskId=10",
    ),
    ("PUT", "/_emulator/clock"),
    ("POST", "/_emulator/webhooks"),
    ("POST", "/_emulator/seed?mode=merge"),
];

#[test]
fn any_json_body_gets_an_answer_and_never_a_5xx() {
    run(
        (proptest::sample::select(BODY_ROUTES.to_vec()), json_value()),
        |app, ((method, uri), body)| {
            Box::pin(async move {
                let response = app
                    .send_raw(
                        method,
                        uri,
                        Some("application/json"),
                        serde_json::to_vec(&body).unwrap(),
                    )
                    .await;
                check(&format!("{method} {uri} {body}"), &response)
            })
        },
    );
}

#[test]
fn any_fault_document_is_taken_or_refused_and_never_a_5xx() {
    run(json_value(), |app, body| {
        Box::pin(async move {
            let response = app
                .send_raw(
                    "PUT",
                    "/_emulator/faults",
                    Some("application/json"),
                    serde_json::to_vec(&body).unwrap(),
                )
                .await;
            check(&format!("faults {body}"), &response)?;
            // An accepted rule may answer anything on purpose: clear it for the next case.
            app.control("DELETE", "faults", None)
                .await
                .assert_status(StatusCode::NO_CONTENT);
            Ok(())
        })
    });
}

#[test]
fn any_bytes_as_a_body_get_an_answer_and_never_a_5xx() {
    let routes = vec![
        (
            "POST",
            "/connect/token",
            "application/x-www-form-urlencoded",
        ),
        (
            "POST",
            "/api/v1.0/external/sdtask/process",
            "application/json",
        ),
        ("POST", "/_emulator/seed", "application/json"),
        ("POST", "/_emulator/clock/advance", "application/json"),
        ("POST", "/connect/token", "text/plain"),
    ];
    run(
        (
            proptest::sample::select(routes),
            prop_oneof![
                proptest::collection::vec(any::<u8>(), 0..256),
                query().prop_map(String::into_bytes),
                json_value().prop_map(|value| value.to_string().into_bytes()),
            ],
        ),
        |app, ((method, uri, content_type), body)| {
            Box::pin(async move {
                let request = Request::builder()
                    .method(method)
                    .uri(uri)
                    .header("content-type", content_type)
                    .body(Body::from(body.clone()))
                    .unwrap();
                let response = app.request(request).await;
                check(
                    &format!("{method} {uri} {}", String::from_utf8_lossy(&body)),
                    &response,
                )
            })
        },
    );
}
