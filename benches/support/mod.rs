//! What the benchmarks share: the real router over the built-in demo data, a token of a
//! demo organization, and the median time of repeated requests.

// Each benchmark is its own crate and uses only part of this module.
#![allow(dead_code)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::Request;
use axum::Router;
use clap::Parser;
use http_body_util::BodyExt;
use tower::ServiceExt;

use sdemu::app;
use sdemu::clock::SystemClock;
use sdemu::config::Config;
use sdemu::startup::{self, FixtureSource};

pub const ROUNDS: usize = 30;

pub async fn router(fixtures: FixtureSource) -> Router {
    let config = Config::try_parse_from(["sdemu"]).expect("default options");
    let state = startup::open(&config, Arc::new(SystemClock), fixtures)
        .await
        .expect("sdemu starts");
    app::build_router(state)
}

/// An access token for one of the demo data set's clients, through `/connect/token` (the
/// task API needs one, as the real API does).
pub async fn token(router: &Router, client_id: &str, client_secret: &str) -> String {
    let form = format!(
        "grant_type=client_credentials&scope=WebAPI&client_id={client_id}&client_secret={client_secret}"
    );
    let request = Request::post("/connect/token")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from(form))
        .unwrap();
    let response = router.clone().oneshot(request).await.unwrap();
    assert!(response.status().is_success(), "POST /connect/token");
    let body = response.into_body().collect().await.unwrap().to_bytes();
    let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
    body["access_token"].as_str().unwrap().to_owned()
}

/// The median time of `ROUNDS` requests (after two warm-up rounds), body read in full.
pub async fn median(router: &Router, method: &str, uri: &str, token: &str) -> Duration {
    median_after(router, &[], method, uri, token).await
}

/// A request the benchmark sends without timing it: method, URI and JSON body.
pub type Untimed<'a> = (&'a str, &'a str, Option<&'a str>);

/// [`median`], with the `untimed` requests sent before each timed one (the writes a reset
/// then undoes, say).
pub async fn median_after(
    router: &Router,
    untimed: &[Untimed<'_>],
    method: &str,
    uri: &str,
    token: &str,
) -> Duration {
    let mut times = Vec::with_capacity(ROUNDS);
    for round in 0..ROUNDS + 2 {
        for (method, uri, body) in untimed {
            send(router, method, uri, token, *body).await;
        }
        let started = Instant::now();
        send(router, method, uri, token, None).await;
        if round >= 2 {
            times.push(started.elapsed());
        }
    }
    times.sort();
    times[ROUNDS / 2]
}

/// Sends one request and reads its body in full; it must succeed.
async fn send(router: &Router, method: &str, uri: &str, token: &str, body: Option<&str>) {
    let mut request = Request::builder()
        .method(method)
        .uri(uri)
        .header("authorization", format!("Bearer {token}"));
    if body.is_some() {
        request = request.header("content-type", "application/json");
    }
    let request = request
        .body(body.map_or_else(Body::empty, |body| Body::from(body.to_owned())))
        .unwrap();
    let response = router.clone().oneshot(request).await.unwrap();
    assert!(response.status().is_success(), "{method} {uri}");
    response.into_body().collect().await.unwrap();
}

/// The median time of `ROUNDS` reads asked each round in another form (`uri(round)`), so
/// that no answer comes from the response cache, which keeps answers by their parsed query.
pub async fn median_uncached(
    router: &Router,
    uri: impl Fn(usize) -> String,
    token: &str,
) -> Duration {
    let mut times = Vec::with_capacity(ROUNDS);
    for round in 0..ROUNDS + 2 {
        let uri = uri(round);
        let started = Instant::now();
        send(router, "GET", &uri, token, None).await;
        if round >= 2 {
            times.push(started.elapsed());
        }
    }
    times.sort();
    times[ROUNDS / 2]
}

pub fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}
