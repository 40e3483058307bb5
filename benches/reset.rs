//! How long `POST /_emulator/reset` takes on the built-in demo data set (about 2,900 tasks),
//! measured through the real router and compared, in the same run, with two baselines: one
//! Task Status List request (the documentation's example) and a reset of an almost empty
//! data set. Run with `cargo bench --bench reset`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::Request;
use axum::Router;
use clap::Parser;
use http_body_util::BodyExt;
use tower::ServiceExt;

use sdemu::app::{self, FixtureSource};
use sdemu::clock::SystemClock;
use sdemu::config::Config;

const ROUNDS: usize = 30;
const LIST: &str = "/api/v1.0/external/sdtask/statuslist?startDate=2022-03-16T16%3A59%3A55Z&endDate=2022-04-05T16%3A59%3A55Z";

async fn router(fixtures: FixtureSource) -> Router {
    let config = Config::try_parse_from(["sdemu"]).expect("default options");
    let state = app::open(&config, Arc::new(SystemClock), fixtures)
        .await
        .expect("sdemu starts");
    app::build_router(state)
}

/// An access token of the demo data set's default organization, through `/connect/token`
/// (the task API needs one, as the real API does).
async fn demo_token(router: &Router) -> String {
    let request = Request::post("/connect/token")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from(
            "grant_type=client_credentials&scope=WebAPI&client_id=sdemu-demo&client_secret=sdemu-demo-secret",
        ))
        .unwrap();
    let response = router.clone().oneshot(request).await.unwrap();
    assert!(response.status().is_success(), "POST /connect/token");
    let body = response.into_body().collect().await.unwrap().to_bytes();
    let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
    body["access_token"].as_str().unwrap().to_owned()
}

/// The median time of `ROUNDS` requests (after two warm-up rounds), body read in full.
async fn median(router: &Router, method: &str, uri: &str, token: &str) -> Duration {
    let mut times = Vec::with_capacity(ROUNDS);
    for round in 0..ROUNDS + 2 {
        let request = Request::builder()
            .method(method)
            .uri(uri)
            .header("authorization", format!("Bearer {token}"))
            .body(Body::empty())
            .unwrap();
        let started = Instant::now();
        let response = router.clone().oneshot(request).await.unwrap();
        assert!(response.status().is_success(), "{method} {uri}");
        response.into_body().collect().await.unwrap();
        if round >= 2 {
            times.push(started.elapsed());
        }
    }
    times.sort();
    times[ROUNDS / 2]
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let demo = router(FixtureSource::Builtin).await;
        let tiny = router(FixtureSource::Inline {
            name: "tiny".into(),
            text: "{}".into(),
        })
        .await;
        let token = demo_token(&demo).await;
        let reset = median(&demo, "POST", "/_emulator/reset", &token).await;
        let list = median(&demo, "GET", LIST, &token).await;
        let empty_reset = median(&tiny, "POST", "/_emulator/reset", &token).await;
        println!("median of {ROUNDS} rounds each:");
        println!(
            "  reset, demo data set (~2,900 tasks): {:8.2} ms",
            ms(reset)
        );
        println!("  one Task Status List request:        {:8.2} ms", ms(list));
        println!(
            "  reset, empty data set:               {:8.2} ms",
            ms(empty_reset)
        );
        println!(
            "  reset / status list request: {:.1}x; reset / empty reset: {:.1}x",
            reset.as_secs_f64() / list.as_secs_f64(),
            reset.as_secs_f64() / empty_reset.as_secs_f64()
        );
    });
}
