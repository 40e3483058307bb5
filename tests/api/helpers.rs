//! `TestApp`: a fresh emulator per test (its own in-memory database and a manual clock),
//! with request helpers that read like API calls.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode};
use axum::Router;
use chrono::{TimeZone, Utc};
use clap::Parser;
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

use sdemu::app::{self, AppState, FixtureSource};
use sdemu::clock::ManualClock;
use sdemu::config::Config;

pub struct TestApp {
    pub router: Router,
    pub state: AppState,
    /// The app's clock: tests move it instead of sleeping.
    #[allow(dead_code)]
    pub clock: ManualClock,
}

/// Default options, as if `sdemu` were started with none (environment ignored).
pub fn default_config() -> Config {
    Config::try_parse_from(["sdemu"]).expect("default options parse")
}

impl TestApp {
    /// The emulator with the built-in demo data set.
    pub async fn demo() -> Self {
        Self::start(default_config(), FixtureSource::Builtin).await
    }

    /// The emulator loaded with a fixture document given as JSON text.
    pub async fn with_fixture(json: &str) -> Self {
        Self::start(
            default_config(),
            FixtureSource::Inline {
                name: "test".into(),
                text: json.to_owned(),
            },
        )
        .await
    }

    pub async fn start(config: Config, fixtures: FixtureSource) -> Self {
        let clock = ManualClock::new(Utc.with_ymd_and_hms(2026, 11, 1, 12, 0, 0).unwrap());
        let state = app::open(&config, Arc::new(clock.clone()), fixtures)
            .await
            .expect("the emulator starts");
        Self {
            router: app::build_router(state.clone()),
            state,
            clock,
        }
    }

    pub async fn request(&self, request: Request<Body>) -> TestResponse {
        let response = self
            .router
            .clone()
            .oneshot(request)
            .await
            .expect("the router answers");
        let status = response.status();
        let headers = response.headers().clone();
        let body = response
            .into_body()
            .collect()
            .await
            .expect("the body is readable")
            .to_bytes()
            .to_vec();
        TestResponse {
            status,
            headers,
            body,
        }
    }

    pub async fn get(&self, uri: &str) -> TestResponse {
        self.request(Request::get(uri).body(Body::empty()).unwrap())
            .await
    }

    /// `GET /api/v1.0/external/sdtask/statuslist?{query}`.
    pub async fn status_list(&self, query: &str) -> TestResponse {
        self.get(&format!("/api/v1.0/external/sdtask/statuslist?{query}"))
            .await
    }
}

pub struct TestResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl TestResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(|value| value.to_str().unwrap())
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|error| {
            panic!(
                "body is not JSON ({error}): {}",
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    /// The `taskId`s of a JSON array of tasks, in order.
    pub fn task_ids(&self) -> Vec<i64> {
        self.json()
            .as_array()
            .expect("a JSON array")
            .iter()
            .map(|task| task["taskId"].as_i64().unwrap())
            .collect()
    }

    /// Asserts a 400 problem body naming `parameter`, and returns the body.
    pub fn assert_problem(&self, status: StatusCode, parameter: Option<&str>) -> Value {
        assert_eq!(
            self.status,
            status,
            "{}",
            String::from_utf8_lossy(&self.body)
        );
        assert_eq!(
            self.header("content-type"),
            Some("application/problem+json")
        );
        let problem = self.json();
        assert_eq!(problem["status"], status.as_u16());
        assert!(problem["type"]
            .as_str()
            .unwrap()
            .starts_with("urn:sdemu:problem:"));
        assert!(!problem["detail"].as_str().unwrap().is_empty());
        if let Some(parameter) = parameter {
            assert_eq!(problem["parameter"], parameter, "{problem}");
        }
        problem
    }

    /// Asserts a response with no body at all: no content type, `Content-Length: 0`.
    pub fn assert_empty(&self, status: StatusCode) {
        assert_eq!(self.status, status);
        assert!(
            self.body.is_empty(),
            "{}",
            String::from_utf8_lossy(&self.body)
        );
        assert_eq!(self.header("content-type"), None);
        assert_eq!(self.header("content-length"), Some("0"));
    }
}

/// A small fixture with controlled times and statuses, for filter and sort tests.
///
/// | taskId | ws | createdOn            | status | pages | restarts | externalId |
/// | 1      | 1  | 2024-01-01T00:00:00Z | 3      | 5     | -        | A-1        |
/// | 2      | 1  | 2024-01-02T00:00:00Z | 4      | 2     | 2        | -          |
/// | 3      | 2  | 2024-01-02T00:00:00Z | 30     | 9     | -        | A-3        |
/// | 4      | 2  | 2024-01-03T12:30:00Z | 3      | 2     | 1        | -          |
/// | 5      | 3  | 2024-02-01T00:00:00Z | 36     | 0     | -        | -          |
pub const SMALL_FIXTURE: &str = r#"{
  "taskStatuses": [{"value": 36, "name": "Processed"}],
  "workspaces": [
    {"workspaceId": 1, "workspaceName": "Invoices", "isDefault": true},
    {"workspaceId": 2, "workspaceName": "Receipts"},
    {"workspaceId": 3, "workspaceName": "Transcripts"}
  ],
  "tasks": [
    {"taskId": 1, "workspaceId": 1, "externalId": "A-1", "displayName": "b.pdf", "createdOn": "2024-01-01T00:00:00Z", "taskStatus": 3, "integrationStatus": 1, "totalPages": 5, "preProcessingStartedOn": "2024-01-01T00:00:05Z"},
    {"taskId": 2, "workspaceId": 1, "displayName": "a.pdf", "description": "second", "createdOn": "2024-01-02T00:00:00Z", "taskStatus": 4, "integrationStatus": 1, "totalPages": 2, "restartCount": 2, "preProcessingStartedOn": "2024-01-05T00:00:00Z"},
    {"taskId": 3, "workspaceId": 2, "externalId": "A-3", "displayName": "c.pdf", "createdOn": "2024-01-02T00:00:00Z", "taskStatus": 30, "integrationStatus": 1, "totalPages": 9},
    {"taskId": 4, "workspaceId": 2, "displayName": "e.pdf", "createdOn": "2024-01-03T12:30:00Z", "taskStatus": 3, "integrationStatus": 1, "totalPages": 2, "restartCount": 1},
    {"taskId": 5, "workspaceId": 3, "displayName": "d.mp3", "createdOn": "2024-02-01T00:00:00Z", "taskStatus": 36, "integrationStatus": 1, "totalPages": 0, "externalIntegrationStatus": "exported"}
  ]
}"#;

/// Control-plane helpers (`/_emulator/...`).
#[allow(dead_code)]
impl TestApp {
    /// The emulator started with extra command-line options (`--admin-token`, ...).
    pub async fn with_options(options: &[&str]) -> Self {
        let config =
            Config::try_parse_from(std::iter::once("sdemu").chain(options.iter().copied()))
                .expect("options parse");
        Self::start(config, FixtureSource::Builtin).await
    }

    /// A request with an optional JSON body and extra headers.
    pub async fn send(
        &self,
        method: &str,
        uri: &str,
        body: Option<&Value>,
        headers: &[(&str, &str)],
    ) -> TestResponse {
        let mut builder = Request::builder().method(method).uri(uri);
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        let body = match body {
            Some(value) => {
                builder = builder.header("content-type", "application/json");
                Body::from(serde_json::to_vec(value).unwrap())
            }
            None => Body::empty(),
        };
        self.request(builder.body(body).unwrap()).await
    }

    pub async fn control(&self, method: &str, path: &str, body: Option<&Value>) -> TestResponse {
        self.send(method, &format!("/_emulator/{path}"), body, &[])
            .await
    }

    /// `GET /_emulator/state` as JSON, asserting success.
    pub async fn state_document(&self) -> Value {
        let response = self.control("GET", "state", None).await;
        assert_eq!(response.status, StatusCode::OK);
        response.json()
    }

    /// `GET /_emulator/requests?{query}`: the `requests` array.
    pub async fn journal(&self, query: &str) -> Vec<Value> {
        let response = self
            .control("GET", &format!("requests?{query}"), None)
            .await;
        assert_eq!(response.status, StatusCode::OK);
        response.json()["requests"].as_array().unwrap().clone()
    }
}
