//! Fault injection: every action, every schedule, validation and start-up rules.

use std::time::Instant;

use axum::http::StatusCode;
use serde_json::{json, Value};

use sdemu::startup::FixtureSource;

use crate::helpers::{
    config, start_up_error, ServedApp, TestApp, TestResponse, DOC_EXAMPLE_QUERY,
    DOC_EXAMPLE_TASK_IDS, JSON_UTF8, STATUS_LIST,
};

async fn put_rules(app: &TestApp, rules: Value) -> TestResponse {
    app.control("PUT", "faults", Some(&rules)).await
}

async fn list(app: &TestApp) -> TestResponse {
    app.get(&format!("{STATUS_LIST}?{DOC_EXAMPLE_QUERY}")).await
}

/// The status of `count` task list requests in a row.
async fn statuses(app: &TestApp, count: usize) -> Vec<u16> {
    let mut statuses = Vec::new();
    for _ in 0..count {
        statuses.push(list(app).await.status.as_u16());
    }
    statuses
}

#[tokio::test]
async fn a_respond_rule_answers_with_its_status_headers_and_json_body() {
    let app = TestApp::demo().await;
    let response = put_rules(
        &app,
        json!([{"name": "busy", "match": {"method": "get", "path": STATUS_LIST},
                "respond": {"status": 503, "headers": {"Retry-After": "5"}, "body": {"error": "busy"}}}]),
    )
    .await;
    response.assert_status(StatusCode::OK);

    let response = list(&app).await;
    response.assert_status(StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(response.header("retry-after"), Some("5"));
    assert_eq!(response.header("content-type"), Some(JSON_UTF8));
    assert_eq!(response.json(), json!({"error": "busy"}));

    let entry = &app.journal("").await[0];
    assert_eq!(entry["status"], 503);
    assert_eq!(
        entry["fault"],
        json!({"rule": 0, "name": "busy", "action": "respond"})
    );
}

#[tokio::test]
async fn a_respond_rule_sends_a_string_body_as_text_and_no_body_as_empty() {
    let app = TestApp::demo().await;
    put_rules(
        &app,
        json!([{"match": {"path": "/api/text"}, "respond": {"status": 500, "body": "oops"}},
               {"match": {"path": "/api/empty"}, "respond": {"status": 429}}]),
    )
    .await;
    let text = app.get("/api/text").await;
    text.assert_status(StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(
        text.header("content-type"),
        Some("text/plain; charset=utf-8")
    );
    assert_eq!(text.body, b"oops");
    app.get("/api/empty")
        .await
        .assert_empty(StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn a_rule_matches_by_method_path_prefix_and_query_parameter() {
    let app = TestApp::demo().await;
    put_rules(
        &app,
        json!([{"match": {"method": "GET", "path": "/api/v1.0/*", "query": {"workspaceid": "2"}},
                "respond": {"status": 502}}]),
    )
    .await;
    let hit = app
        .get(&format!(
            "{STATUS_LIST}?{DOC_EXAMPLE_QUERY}&workspaceId=1&WorkspaceId=2"
        ))
        .await;
    hit.assert_status(StatusCode::BAD_GATEWAY);
    let other_value = app
        .get(&format!("{STATUS_LIST}?{DOC_EXAMPLE_QUERY}&workspaceId=3"))
        .await;
    other_value.assert_status(StatusCode::OK);
    let other_method = app
        .send("POST", &format!("{STATUS_LIST}?workspaceId=2"), None, &[])
        .await;
    assert_ne!(other_method.status, StatusCode::BAD_GATEWAY);
    let other_path = app.get("/api/v2.0/x?workspaceId=2").await;
    other_path.assert_status(StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_delay_rule_holds_the_real_answer_back_and_is_marked_in_the_journal() {
    let app = TestApp::demo().await;
    put_rules(
        &app,
        json!([{"match": {"path": STATUS_LIST}, "delay": {"ms": 60}}]),
    )
    .await;
    let started = Instant::now();
    let response = list(&app).await;
    assert!(started.elapsed().as_millis() >= 60);
    response.assert_status(StatusCode::OK);
    assert_eq!(response.task_ids(), DOC_EXAMPLE_TASK_IDS);
    let entry = &app.journal("").await[0];
    assert_eq!(
        entry["fault"],
        json!({"rule": 0, "action": "delay", "delayMs": 60})
    );
    assert!(entry["durationMs"].as_f64().unwrap() >= 60.0);
}

#[tokio::test]
async fn a_delay_may_come_before_a_canned_response() {
    let app = TestApp::demo().await;
    put_rules(
        &app,
        json!([{"match": {"path": STATUS_LIST}, "delay": {"ms": 30}, "respond": {"status": 504}}]),
    )
    .await;
    let started = Instant::now();
    list(&app).await.assert_status(StatusCode::GATEWAY_TIMEOUT);
    assert!(started.elapsed().as_millis() >= 30);
}

async fn random_delays(seed: &str) -> Vec<u64> {
    let app = TestApp::with_options(&["--fault-seed", seed]).await;
    put_rules(
        &app,
        json!([{"match": {"path": "/api/*"}, "delay": {"minMs": 1, "maxMs": 20}}]),
    )
    .await;
    for _ in 0..5 {
        app.get("/api/x").await;
    }
    app.journal("")
        .await
        .iter()
        .map(|e| e["fault"]["delayMs"].as_u64().unwrap())
        .collect()
}

#[tokio::test]
async fn a_random_delay_stays_in_range_and_repeats_with_the_same_seed() {
    let first = random_delays("7").await;
    assert!(first.iter().all(|ms| (1..=20).contains(ms)), "{first:?}");
    assert_eq!(random_delays("7").await, first);
    assert_ne!(random_delays("8").await, first);
}

#[tokio::test]
async fn an_nth_rule_fires_only_on_the_nth_matching_request() {
    let app = TestApp::demo().await;
    put_rules(
        &app,
        json!([{"match": {"path": STATUS_LIST}, "nth": 2, "respond": {"status": 500}}]),
    )
    .await;
    app.get("/api/other").await; // does not match, does not count
    assert_eq!(statuses(&app, 4).await, [200, 500, 200, 200]);
}

#[tokio::test]
async fn a_times_rule_fires_at_most_that_many_times() {
    let app = TestApp::demo().await;
    put_rules(
        &app,
        json!([{"match": {"path": STATUS_LIST}, "times": 2, "respond": {"status": 503}}]),
    )
    .await;
    assert_eq!(statuses(&app, 4).await, [503, 503, 200, 200]);
    let faults = app.control("GET", "faults", None).await.json();
    assert_eq!(faults["stats"], json!([{"matched": 4, "fired": 2}]));
}

#[tokio::test]
async fn the_first_rule_that_fires_wins_and_every_matching_rule_counts() {
    let app = TestApp::demo().await;
    put_rules(
        &app,
        json!([{"match": {"path": STATUS_LIST}, "times": 1, "respond": {"status": 500}},
               {"match": {"path": "/api/*"}, "nth": 2, "respond": {"status": 502}},
               {"match": {"path": "/api/*"}, "nth": 3, "respond": {"status": 503}}]),
    )
    .await;
    // Request 1: rule 0 fires. Request 2: rule 0 is spent, rule 1 (its 2nd) fires.
    // Request 3: rule 2 (its 3rd) fires.
    assert_eq!(statuses(&app, 4).await, [500, 502, 503, 200]);
}

async fn probability_pattern(options: &[&str]) -> Vec<u16> {
    let app = TestApp::with_options(options).await;
    put_rules(
        &app,
        json!([{"match": {"path": STATUS_LIST}, "probability": 0.5, "respond": {"status": 503}}]),
    )
    .await;
    statuses(&app, 24).await
}

#[tokio::test]
async fn a_probability_rule_is_reproducible_with_the_same_seed() {
    let pattern = probability_pattern(&[]).await;
    assert!(
        pattern.contains(&503) && pattern.contains(&200),
        "{pattern:?}"
    );
    assert_eq!(probability_pattern(&[]).await, pattern);
    assert_eq!(probability_pattern(&["--fault-seed", "42"]).await, pattern);
    assert_ne!(probability_pattern(&["--fault-seed", "1"]).await, pattern);
}

#[tokio::test]
async fn putting_the_rules_again_restarts_their_counters_and_generators() {
    let app = TestApp::demo().await;
    let rules =
        json!([{"match": {"path": STATUS_LIST}, "probability": 0.5, "respond": {"status": 503}}]);
    put_rules(&app, rules.clone()).await;
    let first = statuses(&app, 12).await;
    put_rules(&app, rules).await;
    assert_eq!(statuses(&app, 12).await, first);
}

#[tokio::test]
async fn the_control_plane_is_never_subject_to_faults() {
    let app = TestApp::demo().await;
    put_rules(
        &app,
        json!([{"match": {"path": "/*"}, "respond": {"status": 503}}]),
    )
    .await;
    list(&app)
        .await
        .assert_status(StatusCode::SERVICE_UNAVAILABLE);
    app.control("GET", "health", None)
        .await
        .assert_status(StatusCode::OK);
    app.control("GET", "faults", None)
        .await
        .assert_status(StatusCode::OK);
}

#[tokio::test]
async fn get_lists_the_rules_with_their_counters_and_post_appends_one() {
    let app = TestApp::demo().await;
    let rule = json!({"match": {"path": STATUS_LIST}, "nth": 5, "respond": {"status": 500}});
    put_rules(&app, json!({"rules": [rule]})).await;
    list(&app).await;
    let response = app
        .control(
            "POST",
            "faults",
            Some(&json!({"name": "slow", "match": {"path": "/api/*"}, "delay": {"ms": 1}})),
        )
        .await;
    response.assert_status(StatusCode::CREATED);
    assert_eq!(
        response.json(),
        json!({"rules": [rule, {"name": "slow", "match": {"path": "/api/*"}, "delay": {"ms": 1}}],
               "stats": [{"matched": 1, "fired": 0}, {"matched": 0, "fired": 0}]})
    );
    // What GET returns can be PUT back as it is.
    let listed = app.control("GET", "faults", None).await.json();
    put_rules(&app, listed).await.assert_status(StatusCode::OK);
}

#[tokio::test]
async fn delete_removes_every_rule() {
    let app = TestApp::demo().await;
    put_rules(
        &app,
        json!([{"match": {"path": STATUS_LIST}, "respond": {"status": 500}}]),
    )
    .await;
    let response = app.control("DELETE", "faults", None).await;
    response.assert_status(StatusCode::NO_CONTENT);
    assert!(response.body.is_empty());
    list(&app).await.assert_status(StatusCode::OK);
    assert_eq!(
        app.control("GET", "faults", None).await.json(),
        json!({"rules": [], "stats": []})
    );
}

#[tokio::test]
async fn bad_rules_are_refused_with_every_problem_listed_and_the_rules_kept() {
    let app = TestApp::demo().await;
    let good = json!([{"match": {"path": STATUS_LIST}, "respond": {"status": 500}}]);
    put_rules(&app, good.clone()).await;
    let response = put_rules(
        &app,
        json!([
            {"match": {"path": "api"}, "respond": {"status": 700}, "drop": true},
            {"match": {"path": "/api/*/x", "method": "G E T"}, "delay": {"ms": 1, "maxMs": 2}},
            {"match": {"path": "/_emulator/reset"}, "delay": {"minMs": 9, "maxMs": 120000}},
            {"match": {"path": "/x"}},
            {"match": {"path": "/x"}, "respond": {"status": 503, "headers": {"Bad Name": "1"}},
             "nth": 0, "times": 0, "probability": 1.5},
            {"match": {"path": "/x"}, "respond": {"status": "503"}},
            {"match": {"path": "/x"}, "colour": "red"}
        ]),
    )
    .await;
    let problem = response.assert_problem(StatusCode::BAD_REQUEST, None);
    assert_eq!(problem["type"], "urn:sdemu:problem:invalid-fault-rules");
    let fields: Vec<(String, String)> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["item"].as_str().unwrap().to_owned(),
                e["field"].as_str().unwrap_or("-").to_owned(),
            )
        })
        .collect();
    let expected: Vec<(String, String)> = [
        ("rules[0]", "match.path"),
        ("rules[0]", "drop"),
        ("rules[0]", "respond.status"),
        ("rules[1]", "match.method"),
        ("rules[1]", "match.path"),
        ("rules[1]", "delay"),
        ("rules[2]", "match.path"),
        ("rules[2]", "delay.maxMs"),
        ("rules[3]", "respond"),
        ("rules[4]", "respond.headers.Bad Name"),
        ("rules[4]", "nth"),
        ("rules[4]", "times"),
        ("rules[4]", "probability"),
        ("rules[5]", "respond.status"),
        ("rules[6]", "colour"),
    ]
    .iter()
    .map(|(a, b)| (a.to_string(), b.to_string()))
    .collect();
    assert_eq!(fields, expected, "{problem}");
    assert_eq!(
        app.control("GET", "faults", None).await.json()["rules"],
        good
    );
}

#[tokio::test]
async fn start_up_rules_from_a_file_apply_and_reset_brings_them_back() {
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(
        file.path(),
        r#"{"rules": [{"match": {"path": "/api/*"}, "respond": {"status": 503}}]}"#,
    )
    .unwrap();
    let app = TestApp::with_options(&["--faults", file.path().to_str().unwrap()]).await;
    list(&app)
        .await
        .assert_status(StatusCode::SERVICE_UNAVAILABLE);
    app.control("DELETE", "faults", None).await;
    list(&app).await.assert_status(StatusCode::OK);
    app.control("POST", "reset", None).await;
    list(&app)
        .await
        .assert_status(StatusCode::SERVICE_UNAVAILABLE);
}

#[tokio::test]
async fn a_bad_fault_file_stops_start_up_naming_every_problem() {
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(
        file.path(),
        r#"[{"match": {"path": "x"}, "respond": {"status": 503}}, {"match": {"path": "/y"}}]"#,
    )
    .unwrap();
    let config = config(&["--faults", file.path().to_str().unwrap()]);
    let error = start_up_error(&config, FixtureSource::Builtin).await;
    assert!(error.contains("2 problem(s)"), "{error}");
    assert!(error.contains("rules[0], field 'match.path'"), "{error}");
    assert!(error.contains("rules[1], field 'respond'"), "{error}");
}

#[tokio::test]
async fn a_drop_rule_closes_the_connection_without_an_answer_over_a_real_socket() {
    // Authentication off: this test is about the connection, not the token.
    let served = ServedApp::start(&config(&["--auth", "off"])).await;
    let address = served.address;
    let client = reqwest::Client::new();
    let base = format!("http://{address}");

    let rules = json!([{"match": {"path": STATUS_LIST}, "times": 1, "drop": true}]);
    let put = client
        .put(format!("{base}/_emulator/faults"))
        .json(&rules)
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), 200);

    let dropped = reqwest::Client::new()
        .get(format!("{base}{STATUS_LIST}?{DOC_EXAMPLE_QUERY}"))
        .send()
        .await;
    let error = dropped.expect_err("the connection is dropped");
    assert!(error.is_request(), "{error:?}");

    // The rule fired once; the next request is answered.
    let answered = reqwest::Client::new()
        .get(format!("{base}{STATUS_LIST}?{DOC_EXAMPLE_QUERY}"))
        .send()
        .await
        .unwrap();
    assert_eq!(answered.status(), 200);

    let journal: Value = client
        .get(format!("{base}/_emulator/requests"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let entries = journal["requests"].as_array().unwrap();
    assert_eq!(entries[0]["status"], 200);
    assert_eq!(entries[1]["status"], json!(null));
    assert_eq!(entries[1]["fault"], json!({"rule": 0, "action": "drop"}));

    served.shut_down().await;
}
