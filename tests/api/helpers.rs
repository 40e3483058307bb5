//! `TestApp`: a fresh emulator per test (its own in-memory database and a manual clock),
//! with request helpers that read like API calls.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{header, HeaderMap, HeaderValue, Request, StatusCode};
use axum::Router;
use chrono::{DateTime, TimeZone, Utc};
use clap::Parser;
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

use sdemu::app;
use sdemu::clock::{Clock, ManualClock};
use sdemu::config::Config;
use sdemu::startup::{self, FixtureSource};
use sdemu::state::AppState;

pub struct TestApp {
    pub router: Router,
    pub state: AppState,
    /// The app's clock: tests move it instead of sleeping.
    #[allow(dead_code)]
    pub clock: ManualClock,
    /// The default organization's access token and when it expires, obtained through
    /// POST /connect/token on first use and again once the clock passes its expiry.
    default_token: tokio::sync::Mutex<Option<(String, DateTime<Utc>)>>,
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
        let state = startup::open(&config, Arc::new(clock.clone()), fixtures)
            .await
            .expect("the emulator starts");
        Self::from_state(state, clock)
    }

    /// A TestApp over an already opened state (for tests that alter the state first).
    pub fn from_state(state: AppState, clock: ManualClock) -> Self {
        Self {
            router: app::build_router(state.clone()),
            state,
            clock,
            default_token: tokio::sync::Mutex::new(None),
        }
    }

    /// Sends `request` as the default organization: a request to `/api/...` without an
    /// `Authorization` header gets the default organization's bearer token. Use
    /// `request_anonymous` to send a request exactly as it is.
    pub async fn request(&self, mut request: Request<Body>) -> TestResponse {
        if request
            .uri()
            .path()
            .to_ascii_lowercase()
            .starts_with("/api/")
            && !request.headers().contains_key(header::AUTHORIZATION)
        {
            let token = self.default_token().await;
            request.headers_mut().insert(
                header::AUTHORIZATION,
                HeaderValue::from_str(&format!("Bearer {token}")).unwrap(),
            );
        }
        self.request_anonymous(request).await
    }

    async fn default_token(&self) -> String {
        let mut cached = self.default_token.lock().await;
        if let Some((token, expires_at)) = cached.as_ref() {
            if self.clock.now() < *expires_at {
                return token.clone();
            }
        }
        let default = sdemu::store::organizations::default_organization(&self.state.db)
            .await
            .unwrap()
            .expect("a default organization");
        // Issued through the store, not POST /connect/token, so that the request journal
        // holds only the requests a test sends itself.
        let token = sdemu::domain::auth::new_token().unwrap();
        let issued_at = self.clock.now();
        let expires_at = issued_at + self.state.auth.token_ttl;
        sdemu::store::tokens::issue(
            &self.state.db,
            &sdemu::domain::auth::token_hash(&token),
            default.tenant_id,
            &default.client_id,
            issued_at,
            expires_at,
        )
        .await
        .unwrap();
        *cached = Some((token.clone(), expires_at));
        token
    }
}

impl TestApp {
    /// Sends `request` exactly as it is: no token is added.
    pub async fn request_anonymous(&self, request: Request<Body>) -> TestResponse {
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
}

impl TestApp {
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

/// Request helpers for the task, workspace and batch endpoints beyond the list.
#[allow(dead_code)]
impl TestApp {
    pub async fn patch(&self, uri: &str) -> TestResponse {
        self.request(Request::patch(uri).body(Body::empty()).unwrap())
            .await
    }

    /// A request with a JSON body (`Content-Type: application/json`).
    pub async fn send_json(&self, method: &str, uri: &str, body: &str) -> TestResponse {
        self.send_raw(
            method,
            uri,
            Some("application/json"),
            body.as_bytes().to_vec(),
        )
        .await
    }

    /// A request with any body and content type.
    pub async fn send_raw(
        &self,
        method: &str,
        uri: &str,
        content_type: Option<&str>,
        body: Vec<u8>,
    ) -> TestResponse {
        let mut builder = Request::builder().method(method).uri(uri);
        if let Some(content_type) = content_type {
            builder = builder.header("content-type", content_type);
        }
        self.request(builder.body(Body::from(body)).unwrap()).await
    }

    /// `GET /api/v1.0/external/sdtask/status?{query}`.
    pub async fn task_status(&self, query: &str) -> TestResponse {
        self.get(&format!("/api/v1.0/external/sdtask/status?{query}"))
            .await
    }

    /// `GET /api/v1.0/external/sdtask/statuslistpaginated?{query}`.
    pub async fn status_list_paginated(&self, query: &str) -> TestResponse {
        self.get(&format!(
            "/api/v1.0/external/sdtask/statuslistpaginated?{query}"
        ))
        .await
    }

    /// `PATCH /api/v1.0/external/sdtask/restartprocessing?{query}`.
    pub async fn restart_processing(&self, query: &str) -> TestResponse {
        self.patch(&format!(
            "/api/v1.0/external/sdtask/restartprocessing?{query}"
        ))
        .await
    }

    /// `PATCH /api/v1.0/external/sdtask/externalIntegrationStatus?{query}` with `body`.
    pub async fn set_external_integration_status(&self, query: &str, body: &str) -> TestResponse {
        self.send_json(
            "PATCH",
            &format!("/api/v1.0/external/sdtask/externalIntegrationStatus?{query}"),
            body,
        )
        .await
    }

    /// `POST /api/v1.0/external/sdtask/process` with `body`.
    pub async fn create_task(&self, body: &str) -> TestResponse {
        self.send_json("POST", "/api/v1.0/external/sdtask/process", body)
            .await
    }

    /// `GET /api/v1.0/external/sdworkspace/CurrentWorkspaces`.
    pub async fn current_workspaces(&self) -> TestResponse {
        self.get("/api/v1.0/external/sdworkspace/CurrentWorkspaces")
            .await
    }

    /// `POST /api/v1.0/external/sdbatch` with `body`.
    pub async fn create_batch(&self, body: &str) -> TestResponse {
        self.send_json("POST", "/api/v1.0/external/sdbatch", body)
            .await
    }

    /// `GET /api/v1.0/external/sdbatch?{query}`.
    pub async fn get_batch(&self, query: &str) -> TestResponse {
        self.get(&format!("/api/v1.0/external/sdbatch?{query}"))
            .await
    }

    /// `GET /api/v1.0/external/sdbatch/paginated?{query}`.
    pub async fn batch_paginated(&self, query: &str) -> TestResponse {
        self.get(&format!("/api/v1.0/external/sdbatch/paginated?{query}"))
            .await
    }
}

/// Two organizations, for isolation tests. Tenant 1 is the default (the caller until
/// authentication picks another).
///
/// | taskId | tenant | ws | batch | createdOn            | externalId |
/// | 10     | 1      | 1  | 1     | 2024-01-01T00:00:00Z | X-10       |
/// | 11     | 1      | 2  | -     | 2024-01-02T00:00:00Z | -          |
/// | 20     | 2      | 3  | 2     | 2024-01-01T00:00:00Z | X-20       |
/// | 21     | 2      | 3  | -     | 2024-01-03T00:00:00Z | X-10       |
pub const TWO_ORG_FIXTURE: &str = r#"{
  "organizations": [
    {"tenantId": 1, "name": "Acme", "clientId": "acme", "clientSecret": "acme-secret", "isDefault": true},
    {"tenantId": 2, "name": "Other", "clientId": "other", "clientSecret": "other-secret"}
  ],
  "workspaces": [
    {"workspaceId": 1, "tenantId": 1, "workspaceName": "Invoices", "workspaceDescription": "AP", "isDefault": true,
     "taskType": 1, "workspaceType": 1, "templateType": 1, "workspaceTemplateName": "Invoices (Universal)"},
    {"workspaceId": 2, "tenantId": 1, "workspaceName": "Receipts", "taskType": 1, "workspaceType": 1, "templateType": 2},
    {"workspaceId": 3, "tenantId": 2, "workspaceName": "Contracts", "isDefault": true, "taskType": 1, "workspaceType": 3, "templateType": 4}
  ],
  "batches": [
    {"batchId": 1, "workspaceId": 1, "displayName": "March", "description": "Scans", "createdOn": "2023-08-08T08:55:29.7831583Z", "totalTasksInHistory": 4},
    {"batchId": 2, "workspaceId": 3, "displayName": "Other's", "createdOn": "2023-08-09T08:55:29.0000001Z"}
  ],
  "tasks": [
    {"taskId": 10, "workspaceId": 1, "batchId": 1, "taskNumber": 7, "externalId": "X-10", "displayName": "a.pdf", "createdOn": "2024-01-01T00:00:00Z", "taskStatus": 3, "integrationStatus": 1, "totalPages": 2},
    {"taskId": 11, "workspaceId": 2, "displayName": "b.pdf", "createdOn": "2024-01-02T00:00:00Z", "taskStatus": 4, "integrationStatus": 1, "totalPages": 1},
    {"taskId": 20, "workspaceId": 3, "batchId": 2, "externalId": "X-20", "displayName": "c.pdf", "createdOn": "2024-01-01T00:00:00Z", "taskStatus": 3, "integrationStatus": 1},
    {"taskId": 21, "workspaceId": 3, "externalId": "X-10", "displayName": "d.pdf", "createdOn": "2024-01-03T00:00:00Z", "taskStatus": 3, "integrationStatus": 1}
  ]
}"#;

/// Authentication helpers: tokens, anonymous requests, acting as another organization.
#[allow(dead_code)]
impl TestApp {
    /// `POST /connect/token` with `form` as an application/x-www-form-urlencoded body.
    pub async fn post_token(&self, form: &str) -> TestResponse {
        self.request_anonymous(
            Request::post("/connect/token")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(form.to_owned()))
                .unwrap(),
        )
        .await
    }

    /// An access token for this client, through the token endpoint (panics unless 200).
    pub async fn token_for(&self, client_id: &str, client_secret: &str) -> String {
        let form: String = form_urlencoded::Serializer::new(String::new())
            .append_pair("grant_type", "client_credentials")
            .append_pair("scope", "WebAPI")
            .append_pair("client_id", client_id)
            .append_pair("client_secret", client_secret)
            .finish();
        let response = self.post_token(&form).await;
        assert_eq!(
            response.status,
            StatusCode::OK,
            "{}",
            String::from_utf8_lossy(&response.body)
        );
        response.json()["access_token"]
            .as_str()
            .expect("an access_token")
            .to_owned()
    }

    /// Sends `request` with `Authorization: Bearer {token}`.
    pub async fn request_as(&self, token: &str, mut request: Request<Body>) -> TestResponse {
        request.headers_mut().insert(
            header::AUTHORIZATION,
            HeaderValue::from_str(&format!("Bearer {token}")).unwrap(),
        );
        self.request_anonymous(request).await
    }

    /// `GET uri` with `Authorization: Bearer {token}`.
    pub async fn get_as(&self, token: &str, uri: &str) -> TestResponse {
        self.request_as(token, Request::get(uri).body(Body::empty()).unwrap())
            .await
    }

    /// `GET uri` without any `Authorization` header.
    pub async fn get_anonymous(&self, uri: &str) -> TestResponse {
        self.request_anonymous(Request::get(uri).body(Body::empty()).unwrap())
            .await
    }

    /// The task status list as the organization `token` belongs to.
    pub async fn status_list_as(&self, token: &str, query: &str) -> TestResponse {
        self.get_as(
            token,
            &format!("/api/v1.0/external/sdtask/statuslist?{query}"),
        )
        .await
    }
}

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

/// sdemu served over a real socket on a free port, as `main` serves it.
pub struct ServedApp {
    pub address: std::net::SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    server: tokio::task::JoinHandle<std::io::Result<()>>,
}

#[allow(dead_code)]
impl ServedApp {
    /// The app opened with `config` and the demo data, on the wall clock.
    pub async fn open(config: &Config) -> AppState {
        startup::open(
            config,
            Arc::new(sdemu::clock::SystemClock),
            FixtureSource::Builtin,
        )
        .await
        .expect("the emulator starts")
    }

    /// The real router for `config`, served with a 5 s shutdown grace period.
    pub async fn start(config: &Config) -> Self {
        let router = app::build_router(Self::open(config).await);
        Self::serve(router, std::time::Duration::from_secs(5)).await
    }

    /// Serves `router` (the real one, perhaps with test routes added) until `shut_down`.
    pub async fn serve(router: Router, grace: std::time::Duration) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(app::serve(
            listener,
            router,
            async {
                let _ = stopped.await;
            },
            grace,
        ));
        Self {
            address,
            stop: Some(stop),
            server,
        }
    }

    /// `http://{address}{path}`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    /// Signals shutdown, as SIGTERM does in `main`.
    pub fn begin_shutdown(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }

    /// Signals shutdown and waits (at most 5 s) for the server to stop.
    pub async fn shut_down(mut self) {
        self.begin_shutdown();
        tokio::time::timeout(std::time::Duration::from_secs(5), self.server)
            .await
            .expect("the server stops in time")
            .unwrap()
            .unwrap();
    }
}

/// Asserts the paginated envelope's members, in the documented order.
pub fn assert_page_envelope(page: &Value) {
    let keys: Vec<&str> = page
        .as_object()
        .expect("a JSON object")
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "items",
            "pageNumber",
            "totalPages",
            "totalCount",
            "hasPreviousPage",
            "hasNextPage"
        ]
    );
}
