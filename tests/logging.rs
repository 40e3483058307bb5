//! Request logging, and that no secret or access token is ever logged. This is its own test
//! binary, with one test, because tracing caches which call sites are enabled process-wide: a
//! subscriber installed for one test thread misses events while other tests run concurrently
//! without one.

use std::io::Write;
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::http::Request;
use http_body_util::BodyExt;
use tower::ServiceExt;

use sdemu::app;
use sdemu::clock::SystemClock;
use sdemu::config::Config;
use sdemu::startup::{self, FixtureSource};

/// Collects everything the logger writes.
#[derive(Clone, Default)]
struct LogBuffer(Arc<Mutex<Vec<u8>>>);

impl Write for LogBuffer {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl LogBuffer {
    fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}

/// Sends this thread's log lines, as JSON with the current span, up to `level`, to a buffer
/// until the guard is dropped.
fn capture_json_logs(level: tracing::Level) -> (LogBuffer, tracing::subscriber::DefaultGuard) {
    let logs = LogBuffer::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .json()
        .with_current_span(true)
        .with_max_level(level)
        .with_writer(move || writer.clone())
        .finish();
    (logs, tracing::subscriber::set_default(subscriber))
}

#[tokio::test]
async fn each_request_is_logged_once_with_route_status_duration_and_id_but_no_secrets() {
    let (logs, _guard) = capture_json_logs(tracing::Level::INFO);

    let config = <Config as clap::Parser>::try_parse_from(["sdemu"]).unwrap();
    let state = startup::open(&config, Arc::new(SystemClock), FixtureSource::Builtin)
        .await
        .unwrap();
    let router = app::build_router(state);
    let response = router
        .oneshot(
            Request::get(
                "/api/v1.0/external/sdtask/statuslist?startDate=2022-03-16&externalId=SECRET-VALUE",
            )
            .header("x-request-id", "log-test-1")
            .header("authorization", "Bearer SECRET-TOKEN")
            .body(Body::empty())
            .unwrap(),
        )
        .await
        .unwrap();
    response.into_body().collect().await.unwrap();

    let text = logs.text();
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .filter(|line: &serde_json::Value| line["fields"]["message"] == "request")
        .collect();
    assert_eq!(lines.len(), 1, "{text}");
    let line = &lines[0];
    assert!(line["fields"]["status"].is_u64(), "{line}");
    assert!(line["fields"]["duration_ms"].as_f64().unwrap() >= 0.0);
    assert_eq!(
        line["span"]["route"],
        "/api/v1.0/external/sdtask/statuslist"
    );
    assert_eq!(line["span"]["method"], "GET");
    assert_eq!(line["span"]["request_id"], "log-test-1");
    assert!(!text.contains("SECRET"), "{text}");
    drop(_guard);

    // Everything, at every level, while clients authenticate: no secret and no access token.
    let (logs, _guard) = capture_json_logs(tracing::Level::TRACE);
    let config =
        <Config as clap::Parser>::try_parse_from(["sdemu", "--client", "ci:CI-SECRET-VALUE"])
            .unwrap();
    let state = startup::open(&config, Arc::new(SystemClock), FixtureSource::Builtin)
        .await
        .unwrap();
    let router = app::build_router(state);
    let form = "application/x-www-form-urlencoded";
    let requests = [
        (
            None,
            "grant_type=client_credentials&client_id=ci&client_secret=CI-SECRET-VALUE",
        ),
        (
            None,
            "grant_type=client_credentials&client_id=ci&client_secret=WRONG-SECRET-VALUE",
        ),
        // ci:WRONG-SECRET-VALUE
        (
            Some("Basic Y2k6V1JPTkctU0VDUkVULVZBTFVF"),
            "grant_type=client_credentials",
        ),
    ];
    let mut token = String::new();
    for (authorization, body) in requests {
        let mut request = Request::post("/connect/token").header("content-type", form);
        if let Some(authorization) = authorization {
            request = request.header("authorization", authorization);
        }
        let response = router
            .clone()
            .oneshot(request.body(Body::from(body)).unwrap())
            .await
            .unwrap();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        let body: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        if let Some(issued) = body["access_token"].as_str() {
            token = issued.to_owned();
        }
    }
    assert!(!token.is_empty());
    let response = router
        .oneshot(
            Request::get("/api/v1.0/external/sdtask/statuslist?startDate=2022-03-16")
                .header("authorization", format!("Bearer {token}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    response.into_body().collect().await.unwrap();
    let text = logs.text();
    assert!(text.contains("invalid_client"), "{text}");
    assert!(!text.contains("SECRET-VALUE"), "{text}");
    assert!(!text.contains(&token), "{text}");
    assert!(!text.contains("Y2k6"), "{text}");
    drop(_guard);

    // A 500 (here: the database is gone) answers without internals; its cause is logged
    // exactly once, by the request's own log line layer, inside the request's span.
    let (logs, _guard) = capture_json_logs(tracing::Level::INFO);
    let config = <Config as clap::Parser>::try_parse_from(["sdemu"]).unwrap();
    let state = startup::open(&config, Arc::new(SystemClock), FixtureSource::Builtin)
        .await
        .unwrap();
    state.db.close().await;
    let response = app::build_router(state)
        .oneshot(
            Request::get("/api/v1.0/external/sdtask/statuslist?startDate=2022-03-16")
                .header("x-request-id", "log-test-500")
                .header("authorization", "Bearer some-token")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(response.status(), 500);
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let problem: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(problem["type"], "urn:sdemu:problem:internal");
    assert!(!problem.to_string().contains("closed"), "{problem}");
    let text = logs.text();
    let errors: Vec<serde_json::Value> = text
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .filter(|line: &serde_json::Value| line["fields"]["message"] == "internal error")
        .collect();
    assert_eq!(errors.len(), 1, "{text}");
    assert_eq!(errors[0]["level"], "ERROR");
    assert!(
        errors[0]["fields"]["error"]
            .as_str()
            .is_some_and(|cause| cause.contains("closed")),
        "{text}"
    );
    assert_eq!(errors[0]["span"]["request_id"], "log-test-500");
}
