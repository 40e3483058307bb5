//! Request builders that read like API calls, and `TestResponse`, what they answer.

use axum::body::Body;
use axum::http::{header, HeaderMap, HeaderValue, Request, StatusCode};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde_json::Value;

use super::app::TestApp;
use super::fixtures::Client;

/// `GET` the task status list.
pub const STATUS_LIST: &str = "/api/v1.0/external/sdtask/statuslist";
/// The content type of a token request body.
pub const FORM: &str = "application/x-www-form-urlencoded";

/// What the router answered, and which request it answered (for failure messages).
pub struct TestResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
    /// `METHOD /path?query` of the request.
    sent: String,
    /// The table case this response belongs to, named in failure messages.
    case: Option<String>,
}

impl TestResponse {
    pub(super) fn new(sent: String, status: StatusCode, headers: HeaderMap, body: Vec<u8>) -> Self {
        Self {
            status,
            headers,
            body,
            sent,
            case: None,
        }
    }

    /// Names the table case this response answers: every assertion's message starts with it.
    pub fn case(mut self, case: impl std::fmt::Display) -> Self {
        self.case = Some(case.to_string());
        self
    }

    /// The request and the case, for a failure message: `case 'x': GET /path?query`.
    pub fn context(&self) -> String {
        let mut sent = self.sent.clone();
        if sent.len() > 200 {
            let mut end = 200;
            while !sent.is_char_boundary(end) {
                end -= 1;
            }
            sent.truncate(end);
            sent.push('…');
        }
        match &self.case {
            Some(case) => format!("case '{case}': {sent}"),
            None => sent,
        }
    }

    /// The body as text, for failure messages.
    pub fn text(&self) -> std::borrow::Cow<'_, str> {
        String::from_utf8_lossy(&self.body)
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(|value| value.to_str().unwrap())
    }

    #[track_caller]
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|error| {
            panic!(
                "{}: the body is not JSON ({error}): {}",
                self.context(),
                self.text()
            )
        })
    }

    /// The `taskId`s of a JSON array of tasks, in order.
    #[track_caller]
    pub fn task_ids(&self) -> Vec<i64> {
        ids(&self.json(), "taskId")
    }
}

/// The integer `field` of every item of a JSON array, in order.
#[track_caller]
pub fn ids(items: &Value, field: &str) -> Vec<i64> {
    items
        .as_array()
        .unwrap_or_else(|| panic!("not a JSON array: {items}"))
        .iter()
        .map(|item| {
            item[field]
                .as_i64()
                .unwrap_or_else(|| panic!("no integer {field}: {item}"))
        })
        .collect()
}

/// An `Authorization` header value with HTTP Basic `credentials` (`id:secret`).
pub fn basic(credentials: &str) -> String {
    format!("Basic {}", STANDARD.encode(credentials))
}

/// Generic requests.
impl TestApp {
    pub async fn get(&self, uri: &str) -> TestResponse {
        self.request(Request::get(uri).body(Body::empty()).unwrap())
            .await
    }

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
}

/// The task, workspace and batch endpoints, as the default organization.
impl TestApp {
    /// `GET /api/v1.0/external/sdtask/statuslist?{query}`.
    pub async fn status_list(&self, query: &str) -> TestResponse {
        self.get(&format!("{STATUS_LIST}?{query}")).await
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

    /// `GET /api/v1.0/external/sdtask/GetExportData/{tail}` (`{taskid}` or
    /// `Transcript/{taskid}`, with any query).
    pub async fn get_export_data(&self, tail: &str) -> TestResponse {
        self.get(&format!("/api/v1.0/external/sdtask/GetExportData/{tail}"))
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

/// The token endpoint, and requests with a token of one's choosing (or none).
impl TestApp {
    /// `POST /connect/token` with `form` as an application/x-www-form-urlencoded body.
    pub async fn post_token(&self, form: &str) -> TestResponse {
        self.post_token_raw(Some(FORM), None, form.as_bytes()).await
    }

    /// `POST /connect/token` with a form body and `Authorization: {authorization}`.
    pub async fn post_token_with_authorization(
        &self,
        authorization: &str,
        form: &str,
    ) -> TestResponse {
        let authorization = HeaderValue::from_str(authorization).unwrap();
        self.post_token_raw(Some(FORM), Some(authorization), form.as_bytes())
            .await
    }

    /// `POST /connect/token` with any content type, `Authorization` header and body bytes.
    pub async fn post_token_raw(
        &self,
        content_type: Option<&str>,
        authorization: Option<HeaderValue>,
        body: &[u8],
    ) -> TestResponse {
        let mut request = Request::post("/connect/token")
            .body(Body::from(body.to_vec()))
            .unwrap();
        if let Some(content_type) = content_type {
            request.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_str(content_type).unwrap(),
            );
        }
        if let Some(value) = authorization {
            request.headers_mut().insert(header::AUTHORIZATION, value);
        }
        self.request_anonymous(request).await
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
        response.assert_status(StatusCode::OK);
        response.json()["access_token"]
            .as_str()
            .expect("an access_token")
            .to_owned()
    }

    /// An access token for one of the fixtures' clients.
    pub async fn token(&self, client: &Client) -> String {
        self.token_for(client.id, client.secret).await
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

    /// `GET uri` with `Authorization: {authorization}`, whatever it says.
    pub async fn get_with_authorization(
        &self,
        authorization: HeaderValue,
        uri: &str,
    ) -> TestResponse {
        let mut request = Request::get(uri).body(Body::empty()).unwrap();
        request
            .headers_mut()
            .insert(header::AUTHORIZATION, authorization);
        self.request_anonymous(request).await
    }

    /// `GET uri` without any `Authorization` header.
    pub async fn get_anonymous(&self, uri: &str) -> TestResponse {
        self.request_anonymous(Request::get(uri).body(Body::empty()).unwrap())
            .await
    }

    /// The task status list as the organization `token` belongs to.
    pub async fn status_list_as(&self, token: &str, query: &str) -> TestResponse {
        self.get_as(token, &format!("{STATUS_LIST}?{query}")).await
    }
}

/// The control plane (`/_emulator/...`).
impl TestApp {
    pub async fn control(&self, method: &str, path: &str, body: Option<&Value>) -> TestResponse {
        self.send(method, &format!("/_emulator/{path}"), body, &[])
            .await
    }

    /// `GET /_emulator/state` as JSON, asserting success.
    pub async fn state_document(&self) -> Value {
        self.control("GET", "state", None)
            .await
            .assert_json(StatusCode::OK)
    }

    /// `GET /_emulator/requests?{query}`: the `requests` array.
    pub async fn journal(&self, query: &str) -> Vec<Value> {
        let body = self
            .control("GET", &format!("requests?{query}"), None)
            .await
            .assert_json(StatusCode::OK);
        body["requests"].as_array().unwrap().clone()
    }

    /// `POST /_emulator/clock/advance` by `by` (seconds or ISO 8601), asserting success: the
    /// clock after the move.
    pub async fn advance_clock(&self, by: Value) -> Value {
        self.control(
            "POST",
            "clock/advance",
            Some(&serde_json::json!({ "by": by })),
        )
        .await
        .assert_json(StatusCode::OK)
    }

    /// `PUT /_emulator/clock` with `setting`.
    pub async fn set_clock(&self, setting: Value) -> TestResponse {
        self.control("PUT", "clock", Some(&setting)).await
    }

    /// `GET /_emulator/tasks/{task_id}` as JSON, asserting success: the task's lifecycle.
    pub async fn task_lifecycle(&self, task_id: i64) -> Value {
        self.control("GET", &format!("tasks/{task_id}"), None)
            .await
            .assert_json(StatusCode::OK)
    }

    /// Creates a task for `url` through Create Task, asserting success: its id.
    pub async fn create_task_for(&self, url: &str) -> i64 {
        let body = serde_json::json!({ "context": { "url": url } }).to_string();
        self.create_task(&body).await.assert_json(StatusCode::OK)["taskId"]
            .as_i64()
            .expect("a task id")
    }
}
