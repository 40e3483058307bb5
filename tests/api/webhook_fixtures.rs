//! Webhook export configurations in the fixture document: loaded at start-up, checked with
//! every problem listed, restored by reset, written by the state and read back by seed.

use axum::http::StatusCode;
use serde_json::{json, Value};

use sdemu::startup::FixtureSource;

use crate::helpers::{default_config, start_up_error, TestApp, SMALL_FIXTURE};
use crate::helpers::{deliveries, receiver, Answer};

/// `SMALL_FIXTURE` (workspaces 1 to 3) with a `webhooks` section.
fn small_with(webhooks: Value) -> String {
    let mut document: Value = serde_json::from_str(SMALL_FIXTURE).unwrap();
    document["webhooks"] = webhooks;
    document.to_string()
}

/// Two configurations: one with its own id, one without.
fn two_configurations() -> Value {
    json!([
        {"webhookId": 7, "workspaceId": 1, "url": "http://127.0.0.1:9/seven",
         "kind": "urlToFileAnonymization", "options": {"fileFormat": "png", "linkExpiryHours": 2}},
        {"workspaceId": 2, "url": "http://receiver.internal:8080/hook", "kind": "transcripts"}
    ])
}

async fn listed(app: &TestApp) -> Value {
    app.control("GET", "webhooks", None)
        .await
        .assert_json(StatusCode::OK)
}

#[tokio::test]
async fn start_up_loads_the_fixture_configurations_with_their_ids_and_defaults() {
    let app = TestApp::with_fixture(&small_with(two_configurations())).await;
    assert_eq!(
        listed(&app).await,
        json!([
            {"id": 7, "workspaceId": 1, "url": "http://127.0.0.1:9/seven",
             "kind": "urlToFileAnonymization",
             "options": {"linkExpiryHours": 2, "fileFormat": "PNG"}},
            {"id": 8, "workspaceId": 2, "url": "http://receiver.internal:8080/hook",
             "kind": "transcripts", "options": {"simplifiedExport": false}}
        ])
    );
}

#[tokio::test]
async fn a_pasted_list_of_configurations_is_a_valid_webhooks_section() {
    let first = TestApp::with_fixture(&small_with(two_configurations())).await;
    let pasted = listed(&first).await;
    let second = TestApp::with_fixture(&small_with(pasted.clone())).await;
    assert_eq!(listed(&second).await, pasted);
}

#[tokio::test]
async fn the_built_in_demo_data_has_no_configurations() {
    let app = TestApp::demo().await;
    assert_eq!(listed(&app).await, json!([]));
}

#[tokio::test]
async fn a_bad_webhooks_section_stops_start_up_with_every_problem() {
    let fixture = small_with(json!([
        {"webhookId": 1, "workspaceId": 1, "url": "http://127.0.0.1:9/a", "kind": "textDocuments"},
        {"webhookId": 1, "workspaceId": 99, "url": "https://127.0.0.1/b", "kind": "transcripts"},
        {"workspaceId": 1, "url": "http://8.8.8.8/c", "kind": "fax"},
        {"workspaceId": 1, "url": "http://10.0.0.2/d", "kind": "urlToFileTranscripts",
         "options": {"linkExpiryHours": 0}},
        {"workspaceId": 1, "url": "http://10.0.0.2/e", "kind": "urlToFileAnonymization",
         "options": {"fileFormat": "GIF"}},
        {"workspaceId": 1, "url": "http://10.0.0.2/f", "kind": "textDocuments", "secret": "x"}
    ]));
    let error = start_up_error(
        &default_config(),
        FixtureSource::Inline {
            name: "hooks.json".into(),
            text: fixture,
        },
    )
    .await;
    for expected in [
        "hooks.json",
        "8 problem(s)",
        "webhooks[1], field 'webhookId': duplicate webhookId 1",
        "webhooks[1], field 'workspaceId': workspace 99 is not declared",
        "webhooks[1], field 'url': Must be an http:// URL",
        "webhooks[2], field 'url': 8.8.8.8 is not a loopback or private address",
        "webhooks[2], field 'kind': 'fax' is not one of textDocuments",
        "webhooks[3], field 'options.linkExpiryHours': Must be an integer from 1 to 168",
        "webhooks[4], field 'options.fileFormat': Must be PDF, JPEG or PNG",
        "webhooks[5]: unknown field `secret`",
    ] {
        assert!(error.contains(expected), "{expected} in {error}");
    }
}

#[tokio::test]
async fn public_literal_addresses_are_accepted_with_webhook_allow_public() {
    let app = TestApp::with_fixture_and_options(
        &small_with(json!([
            {"workspaceId": 1, "url": "http://8.8.8.8/hook", "kind": "textDocuments"}
        ])),
        &["--webhook-allow-public"],
    )
    .await;
    assert_eq!(listed(&app).await[0]["url"], "http://8.8.8.8/hook");
}

#[tokio::test]
async fn reset_goes_back_to_the_start_up_configurations() {
    let app = TestApp::with_fixture(&small_with(two_configurations())).await;
    let at_start = listed(&app).await;
    app.control(
        "PUT",
        "webhooks",
        Some(&json!([{"workspaceId": 3, "url": "http://127.0.0.1:9/x", "kind": "textDocuments"}])),
    )
    .await
    .assert_json(StatusCode::OK);
    assert_ne!(listed(&app).await, at_start);

    let counts = app
        .control("POST", "reset", None)
        .await
        .assert_json(StatusCode::OK);
    assert_eq!(counts["webhooks"], 2);
    assert_eq!(listed(&app).await, at_start);
}

#[tokio::test]
async fn the_state_writes_the_configurations_and_seeding_it_back_reproduces_them() {
    let app = TestApp::with_fixture(&small_with(two_configurations())).await;
    app.control(
        "POST",
        "webhooks",
        Some(
            &json!({"workspaceId": 3, "url": "http://127.0.0.1:9/added", "kind": "textDocuments"}),
        ),
    )
    .await
    .assert_json(StatusCode::CREATED);
    let snapshot = app.state_document().await;
    assert_eq!(
        snapshot["webhooks"],
        json!([
            {"webhookId": 7, "workspaceId": 1, "url": "http://127.0.0.1:9/seven",
             "kind": "urlToFileAnonymization",
             "options": {"linkExpiryHours": 2, "fileFormat": "PNG"}},
            {"webhookId": 8, "workspaceId": 2, "url": "http://receiver.internal:8080/hook",
             "kind": "transcripts", "options": {"simplifiedExport": false}},
            {"webhookId": 9, "workspaceId": 3, "url": "http://127.0.0.1:9/added",
             "kind": "textDocuments", "options": {}}
        ])
    );
    let before = listed(&app).await;

    app.control("POST", "reset", None)
        .await
        .assert_json(StatusCode::OK);
    let counts = app
        .control("POST", "seed?mode=replace", Some(&snapshot))
        .await
        .assert_json(StatusCode::OK);
    assert_eq!(counts["webhooks"], 3);
    assert_eq!(app.state_document().await, snapshot);
    assert_eq!(listed(&app).await, before);
}

#[tokio::test]
async fn a_replace_seed_without_configurations_removes_them_all() {
    let app = TestApp::with_fixture(&small_with(two_configurations())).await;
    app.control(
        "POST",
        "seed",
        Some(&serde_json::from_str::<Value>(SMALL_FIXTURE).unwrap()),
    )
    .await
    .assert_json(StatusCode::OK);
    assert_eq!(listed(&app).await, json!([]));
}

#[tokio::test]
async fn a_merge_seed_adds_configurations_after_the_highest_id() {
    let app = TestApp::with_fixture(&small_with(two_configurations())).await;
    let counts = app
        .control(
            "POST",
            "seed?mode=merge",
            Some(&json!({"webhooks": [
                {"workspaceId": 3, "url": "http://127.0.0.1:9/new", "kind": "textDocuments"},
                {"webhookId": 20, "workspaceId": 1, "url": "http://127.0.0.1:9/twenty",
                 "kind": "textDocuments"}
            ]})),
        )
        .await
        .assert_json(StatusCode::OK);
    assert_eq!(counts["webhooks"], 4);
    let ids: Vec<i64> = listed(&app)
        .await
        .as_array()
        .unwrap()
        .iter()
        .map(|webhook| webhook["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, [7, 8, 20, 21]);
}

#[tokio::test]
async fn a_merge_seed_reports_a_taken_webhook_id_and_changes_nothing() {
    let app = TestApp::with_fixture(&small_with(two_configurations())).await;
    let before = app.state_document().await;
    let problem = app
        .control(
            "POST",
            "seed?mode=merge",
            Some(&json!({"webhooks": [
                {"webhookId": 7, "workspaceId": 1, "url": "http://127.0.0.1:9/again",
                 "kind": "textDocuments"},
                {"workspaceId": 42, "url": "http://127.0.0.1:9/x", "kind": "textDocuments"}
            ]})),
        )
        .await
        .assert_problem(StatusCode::BAD_REQUEST, None);
    assert_eq!(
        problem["errors"],
        json!([
            {"item": "webhooks[0]", "field": "webhookId", "message": "duplicate webhookId 7"},
            {"item": "webhooks[1]", "field": "workspaceId",
             "message": "workspace 42 is not declared in workspaces"}
        ])
    );
    assert_eq!(app.state_document().await, before);
}

#[tokio::test]
async fn a_fixture_configuration_receives_deliveries() {
    let (base, got) = receiver(Answer::Status(200, "")).await;
    let app = TestApp::with_fixture_and_options(
        &small_with(json!([
            {"webhookId": 5, "workspaceId": 1, "url": format!("{base}/from-fixture"),
             "kind": "textDocuments"}
        ])),
        &["--clock", "frozen"],
    )
    .await;
    // Task 1 of the small fixture is in ToReview, in workspace 1.
    app.control("POST", "tasks/1/review/finish", None)
        .await
        .assert_json(StatusCode::OK);
    let journal = deliveries(&app).await;
    assert_eq!(journal.len(), 1);
    assert_eq!(journal[0]["webhookId"], 5);
    assert_eq!(got.lock().unwrap().len(), 1);
}
