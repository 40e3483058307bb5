//! How long the task API takes on the built-in demo data set, measured through the real
//! router and compared, in the same run, with a baseline: the documentation's example
//! request (four tasks). It also compares, for organization isolation, a filter on
//! another organization's workspace with a filter on a workspace that does not exist: the
//! two must cost the same, and the documented example again with 1,000 lifecycle steps
//! pending (the check every request makes for due steps). Run with `cargo bench --bench api`.

mod support;

use axum::body::Body;
use axum::http::Request;
use axum::Router;
use http_body_util::BodyExt;
use tower::ServiceExt;

use sdemu::startup::FixtureSource;

/// Every task: no task is older than 2022, so moving the start by seconds (`all(round)`)
/// changes the question's form, not its answer.
fn all(round: usize) -> String {
    format!("startDate=2000-01-01T00:00:{:02}Z", round % 60)
}

/// The documentation's example (four tasks), its start moved by whole seconds each round.
fn documented_example(round: usize) -> String {
    format!(
        "startDate=2022-03-16T16%3A59%3A{:02}Z&endDate=2022-04-05T16%3A59%3A55Z",
        55 - round % 50
    )
}

#[tokio::main]
async fn main() {
    let demo = support::router(FixtureSource::Builtin).await;
    let northwind = support::token(&demo, "sdemu-demo", "sdemu-demo-secret").await;
    let contoso = support::token(&demo, "sdemu-contoso", "sdemu-contoso-secret").await;
    let list = |query: &str| format!("/api/v1.0/external/sdtask/statuslist?{query}");

    let baseline =
        support::median_uncached(&demo, |round| list(&documented_example(round)), &northwind).await;
    type Uri = Box<dyn Fn(usize) -> String>;
    let listing = |tail: &'static str| -> Uri {
        Box::new(move |round| format!("/api/v1.0/external/sdtask/statuslist?{}{tail}", all(round)))
    };
    let paginated = |tail: &'static str| -> Uri {
        Box::new(move |round| {
            format!(
                "/api/v1.0/external/sdtask/statuslistpaginated?{}{tail}",
                all(round)
            )
        })
    };
    let cases: [(&str, Uri, &String); 8] = [
        (
            "health (no data)",
            Box::new(|_| "/_emulator/health".to_owned()),
            &northwind,
        ),
        ("whole list, ~2,200 tasks", listing(""), &northwind),
        (
            "whole list sorted by -displayName",
            listing("&sort=-displayName"),
            &northwind,
        ),
        (
            "two statuses, one workspace",
            listing("&taskStatus=3&taskStatus=4&workspaceId=2"),
            &northwind,
        ),
        ("paginated, page 1 of 10", paginated(""), &northwind),
        (
            "paginated, page 200 of 10",
            paginated("&pageNumber=200"),
            &northwind,
        ),
        (
            "isolation: another org's workspace",
            listing("&workspaceId=1"),
            &contoso,
        ),
        (
            "isolation: a workspace that does not exist",
            listing("&workspaceId=999"),
            &contoso,
        ),
    ];
    println!(
        "median of {} rounds each; ratio to the baseline ({:.3} ms, the documented example, 4 tasks):",
        support::ROUNDS,
        support::ms(baseline)
    );
    let mut isolation = Vec::new();
    for (name, uri, token) in &cases {
        let time = support::median_uncached(&demo, uri, token).await;
        println!(
            "  {name:<45} {:8.3} ms  {:7.1}x",
            support::ms(time),
            time.as_secs_f64() / baseline.as_secs_f64()
        );
        if name.starts_with("isolation") {
            isolation.push(time);
        }
    }
    println!(
        "  isolation: another org's workspace / unknown workspace = {:.2}",
        isolation[0].as_secs_f64() / isolation[1].as_secs_f64()
    );

    // Every API request first applies due lifecycle steps. With a frozen clock and 1,000
    // created tasks whose next step is pending (none due), the documented example request
    // shows what that check costs.
    send_json(&demo, "PUT", "/_emulator/clock", "", r#"{"mode":"frozen"}"#).await;
    for _ in 0..1_000 {
        send_json(
            &demo,
            "POST",
            "/api/v1.0/external/sdtask/process",
            &northwind,
            r#"{"context":{"url":"https://files.example.com/bench.pdf"}}"#,
        )
        .await;
    }
    let pending =
        support::median_uncached(&demo, |round| list(&documented_example(round)), &northwind).await;
    println!(
        "  documented example, 1,000 lifecycle steps pending {:8.3} ms  {:7.2}x",
        support::ms(pending),
        pending.as_secs_f64() / baseline.as_secs_f64()
    );
}

/// Sends `body` as JSON with `method` to `uri` as the holder of `token`; asserts success.
pub async fn send_json(router: &Router, method: &str, uri: &str, token: &str, body: &str) {
    let request = Request::builder()
        .method(method)
        .uri(uri)
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "application/json")
        .body(Body::from(body.to_owned()))
        .unwrap();
    let response = router.clone().oneshot(request).await.unwrap();
    assert!(response.status().is_success(), "{method} {uri}");
    response.into_body().collect().await.unwrap();
}
