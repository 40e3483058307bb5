//! Running as a service: CORS, request ids, request logs, graceful shutdown, healthcheck.

use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::routing::get;
use tokio::net::TcpListener;

use sdemu::app;
use sdemu::healthcheck;

use crate::helpers::{default_config, ServedApp, TestApp};

const LIST: &str = "/api/v1.0/external/sdtask/statuslist?startDate=2022-03-16";

/// `GET` the task list with one extra header.
fn list_with(name: &str, value: &str) -> Request<Body> {
    Request::get(LIST)
        .header(name, value)
        .body(Body::empty())
        .unwrap()
}

fn preflight(origin: &str) -> Request<Body> {
    Request::builder()
        .method("OPTIONS")
        .uri(LIST)
        .header("origin", origin)
        .header("access-control-request-method", "GET")
        .header("access-control-request-headers", "authorization")
        .body(Body::empty())
        .unwrap()
}

#[tokio::test]
async fn without_cors_origins_no_cors_headers_are_sent() {
    let app = TestApp::demo().await;
    let response = app
        .request(list_with("origin", "http://localhost:3000"))
        .await;
    assert_eq!(response.header("access-control-allow-origin"), None);
}

#[tokio::test]
async fn a_configured_origin_gets_preflight_and_response_headers() {
    let app = TestApp::with_options(&["--cors-origin", "http://localhost:3000"]).await;
    let response = app.request(preflight("http://localhost:3000")).await;
    response.assert_status(StatusCode::OK);
    assert_eq!(
        response.header("access-control-allow-origin"),
        Some("http://localhost:3000")
    );
    let methods = response.header("access-control-allow-methods").unwrap();
    assert!(
        methods.contains("GET") && methods.contains("PATCH"),
        "{methods}"
    );
    assert!(response
        .header("access-control-allow-headers")
        .unwrap()
        .contains("authorization"));

    let other = app.request(preflight("http://evil.example")).await;
    assert_eq!(other.header("access-control-allow-origin"), None);

    let actual = app
        .request(list_with("origin", "http://localhost:3000"))
        .await;
    assert_eq!(
        actual.header("access-control-allow-origin"),
        Some("http://localhost:3000")
    );
    assert!(actual
        .header("access-control-expose-headers")
        .unwrap()
        .contains("x-request-id"));
}

#[tokio::test]
async fn a_wildcard_origin_allows_any_page() {
    let app = TestApp::with_options(&["--cors-origin", "*"]).await;
    let response = app.request(preflight("http://anything.example")).await;
    assert_eq!(response.header("access-control-allow-origin"), Some("*"));
}

#[tokio::test]
async fn a_request_id_is_echoed_or_generated() {
    let app = TestApp::demo().await;
    let echoed = app.request(list_with("x-request-id", "trace-me-42")).await;
    assert_eq!(echoed.header("x-request-id"), Some("trace-me-42"));

    let generated = app.get(LIST).await;
    let id = generated.header("x-request-id").unwrap();
    assert_eq!(id.len(), 36, "a UUID: {id}");
    let again = app.get(LIST).await;
    assert_ne!(again.header("x-request-id"), Some(id));
}

#[tokio::test]
async fn a_request_in_flight_at_shutdown_completes_and_the_server_stops() {
    // The real router plus one slow route, so that a request is surely in flight.
    let router = app::build_router(ServedApp::open(&default_config()).await).route(
        "/slow",
        get(|| async {
            tokio::time::sleep(Duration::from_millis(400)).await;
            "finished"
        }),
    );
    let mut served = ServedApp::serve(router, Duration::from_secs(5)).await;

    let in_flight = tokio::spawn(reqwest::get(served.url("/slow")));
    tokio::time::sleep(Duration::from_millis(100)).await;
    served.begin_shutdown();

    let response = in_flight.await.unwrap().unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.text().await.unwrap(), "finished");
    let list = served.url(LIST);
    served.shut_down().await;
    // New connections are refused once it has stopped.
    assert!(reqwest::get(list).await.is_err());
}

#[tokio::test]
async fn shutdown_does_not_wait_past_its_timeout() {
    let router = app::build_router(ServedApp::open(&default_config()).await).route(
        "/stuck",
        get(|| async {
            tokio::time::sleep(Duration::from_secs(60)).await;
            "never"
        }),
    );
    let served = ServedApp::serve(router, Duration::from_millis(200)).await;
    let _stuck = tokio::spawn(reqwest::get(served.url("/stuck")));
    tokio::time::sleep(Duration::from_millis(100)).await;
    // Returns within 5 s although the stuck request would take a minute.
    served.shut_down().await;
}

#[tokio::test]
async fn the_healthcheck_command_passes_on_200_and_fails_otherwise() {
    let served = ServedApp::start(&default_config()).await;
    healthcheck::check(&served.url("/_emulator/ready"))
        .await
        .unwrap();
    let error = healthcheck::check(&served.url("/nowhere"))
        .await
        .unwrap_err();
    assert!(format!("{error:#}").contains("404"), "{error:#}");
    // Nothing listening: an error, not a hang.
    let closed = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    assert!(healthcheck::check(&healthcheck::default_url(port))
        .await
        .is_err());
}
