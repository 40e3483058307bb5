//! Running as a service: CORS, request ids, request logs, graceful shutdown, healthcheck.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::routing::get;
use clap::Parser;
use tokio::net::TcpListener;

use sdemu::app::{self, FixtureSource};
use sdemu::clock::SystemClock;
use sdemu::config::Config;
use sdemu::healthcheck;

use crate::helpers::{default_config, TestApp};

const LIST: &str = "/api/v1.0/external/sdtask/statuslist?startDate=2022-03-16";

async fn app_with(args: &[&str]) -> TestApp {
    let mut all = vec!["sdemu"];
    all.extend_from_slice(args);
    TestApp::start(Config::try_parse_from(all).unwrap(), FixtureSource::Builtin).await
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
        .request(
            Request::get(LIST)
                .header("origin", "http://localhost:3000")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(response.header("access-control-allow-origin"), None);
}

#[tokio::test]
async fn a_configured_origin_gets_preflight_and_response_headers() {
    let app = app_with(&["--cors-origin", "http://localhost:3000"]).await;
    let response = app.request(preflight("http://localhost:3000")).await;
    assert_eq!(response.status, StatusCode::OK);
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
        .request(
            Request::get(LIST)
                .header("origin", "http://localhost:3000")
                .body(Body::empty())
                .unwrap(),
        )
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
    let app = app_with(&["--cors-origin", "*"]).await;
    let response = app.request(preflight("http://anything.example")).await;
    assert_eq!(response.header("access-control-allow-origin"), Some("*"));
}

#[tokio::test]
async fn a_request_id_is_echoed_or_generated() {
    let app = TestApp::demo().await;
    let echoed = app
        .request(
            Request::get(LIST)
                .header("x-request-id", "trace-me-42")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(echoed.header("x-request-id"), Some("trace-me-42"));

    let generated = app.get(LIST).await;
    let id = generated.header("x-request-id").unwrap();
    assert_eq!(id.len(), 36, "a UUID: {id}");
    let again = app.get(LIST).await;
    assert_ne!(again.header("x-request-id"), Some(id));
}

#[tokio::test]
async fn a_request_in_flight_at_shutdown_completes_and_the_server_stops() {
    let state = app::open(
        &default_config(),
        Arc::new(SystemClock),
        FixtureSource::Builtin,
    )
    .await
    .unwrap();
    // The real router plus one slow route, so that a request is surely in flight.
    let router = app::build_router(state).route(
        "/slow",
        get(|| async {
            tokio::time::sleep(Duration::from_millis(400)).await;
            "finished"
        }),
    );
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(app::serve(
        listener,
        router,
        async {
            let _ = stopped.await;
        },
        Duration::from_secs(5),
    ));

    let in_flight = tokio::spawn(reqwest::get(format!("http://{address}/slow")));
    tokio::time::sleep(Duration::from_millis(100)).await;
    stop.send(()).unwrap();

    let response = in_flight.await.unwrap().unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.text().await.unwrap(), "finished");
    tokio::time::timeout(Duration::from_secs(5), server)
        .await
        .expect("the server stops after its last request")
        .unwrap()
        .unwrap();
    // New connections are refused once it has stopped.
    assert!(reqwest::get(format!("http://{address}{LIST}"))
        .await
        .is_err());
}

#[tokio::test]
async fn shutdown_does_not_wait_past_its_timeout() {
    let state = app::open(
        &default_config(),
        Arc::new(SystemClock),
        FixtureSource::Builtin,
    )
    .await
    .unwrap();
    let router = app::build_router(state).route(
        "/stuck",
        get(|| async {
            tokio::time::sleep(Duration::from_secs(60)).await;
            "never"
        }),
    );
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(app::serve(
        listener,
        router,
        async {
            let _ = stopped.await;
        },
        Duration::from_millis(200),
    ));
    let _stuck = tokio::spawn(reqwest::get(format!("http://{address}/stuck")));
    tokio::time::sleep(Duration::from_millis(100)).await;
    stop.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(5), server)
        .await
        .expect("the server gives up after the timeout")
        .unwrap()
        .unwrap();
}

#[tokio::test]
async fn the_healthcheck_command_passes_on_200_and_fails_otherwise() {
    let state = app::open(
        &default_config(),
        Arc::new(SystemClock),
        FixtureSource::Builtin,
    )
    .await
    .unwrap();
    let router = app::build_router(state);
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(app::serve(
        listener,
        router,
        std::future::pending(),
        Duration::from_secs(1),
    ));
    let ok = format!("http://{address}/_emulator/ready");
    healthcheck::check(&ok).await.unwrap();
    let missing = format!("http://{address}/nowhere");
    let error = healthcheck::check(&missing).await.unwrap_err();
    assert!(format!("{error:#}").contains("404"), "{error:#}");
    // Nothing listening: an error, not a hang.
    let closed = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    assert!(healthcheck::check(&healthcheck::default_url(port))
        .await
        .is_err());
}
