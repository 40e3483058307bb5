//! `POST /_emulator/reset` rewrites only what changed since the start-up data set was loaded
//! (the `reset_tracking` migration): whatever was changed, and however, the data after a
//! reset is the start-up data, byte for byte.

use axum::http::StatusCode;
use serde_json::{json, Value};

use sdemu::startup::FixtureSource;

use crate::helpers::{config, TestApp, PEOPLE};

const EVERYTHING: &str = "startDate=2000-01-01&endDate=2100-01-01";

/// What a client can see of the data: the state document, every task in the list (its
/// bytes) and the lifecycle bookkeeping the state document does not show.
async fn picture(app: &TestApp) -> (Value, Vec<u8>, i64, i64) {
    let list = app.status_list(EVERYTHING).await;
    assert_eq!(list.status, StatusCode::OK);
    (
        app.state_document().await,
        list.body.to_vec(),
        app.count_rows("tasks WHERE next_step_at IS NOT NULL OR planned_outcome IS NOT NULL")
            .await,
        app.count_rows("task_transitions").await,
    )
}

/// One write of every kind sdemu has, through the API and the control plane.
async fn change_everything(app: &TestApp) {
    let created = app
        .create_task(r#"{"context":{"url":"https://example.com/new.pdf"}}"#)
        .await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.text());
    app.create_batch(r#"{"displayName":"New batch","workspaceId":1}"#)
        .await
        .assert_status(StatusCode::OK);
    app.control("POST", "tasks/10/status", Some(&json!({"taskStatus": 33})))
        .await
        .assert_status(StatusCode::OK);
    app.restart_processing("taskId=10")
        .await
        .assert_status(StatusCode::OK);
    app.set_external_integration_status("taskId=21", r#"{"externalIntegrationStatus":"sent"}"#)
        .await
        .assert_status(StatusCode::OK);
    app.control("POST", "tasks/20/review/finish", None)
        .await
        .assert_status(StatusCode::OK);
    app.advance_clock(json!("PT10M")).await;
    let merge = json!({
        "taskStatuses": [{"value": 77, "name": "Soaked"}],
        "workspaces": [{"workspaceId": 9, "tenantId": 2, "workspaceName": "Merged"}],
        "tasks": [{"taskId": 90, "workspaceId": 9, "displayName": "merged.pdf",
                   "createdOn": "2025-01-01T00:00:00Z", "taskStatus": 77, "integrationStatus": 1}],
    });
    app.control("POST", "seed?mode=merge", Some(&merge))
        .await
        .assert_json(StatusCode::OK);
    app.control(
        "POST",
        "webhooks",
        Some(&json!({"workspaceId": 1, "url": "http://127.0.0.1:9/hook", "kind": "textDocuments"})),
    )
    .await
    .assert_status(StatusCode::CREATED);
    let speaker = json!({"speakerId": "s9", "speakerName": "New Speaker"});
    app.post_task_speaker(21, 2, &speaker)
        .await
        .assert_status(StatusCode::OK);
    app.put_workspace_speakers(3, &json!({"speakers": [speaker]}))
        .await
        .assert_status(StatusCode::OK);
    app.invite_tenant_users(
        &json!({"users": [{"email": "new@acme.example", "roleName": "Viewer"}]}),
    )
    .await
    .assert_empty(StatusCode::OK);
}

#[tokio::test]
async fn after_every_kind_of_write_a_reset_gives_back_the_start_up_data_byte_for_byte() {
    let app = TestApp::people().await;
    let before = picture(&app).await;
    assert_eq!(app.count_rows("reset_changed_tasks").await, 0);

    change_everything(&app).await;
    let changed = picture(&app).await;
    assert_ne!(changed.0, before.0, "the writes changed the state");
    assert_ne!(changed.1, before.1, "the writes changed the list");

    app.control("POST", "reset", None)
        .await
        .assert_json(StatusCode::OK);
    assert_eq!(picture(&app).await, before);
    assert_eq!(app.count_rows("reset_changed_tasks").await, 0);
    assert_eq!(app.count_rows("reset_changed_tables").await, 0);

    // And again: a second round of the same writes is undone as well.
    change_everything(&app).await;
    app.control("POST", "reset", None)
        .await
        .assert_json(StatusCode::OK);
    assert_eq!(picture(&app).await, before);
}

#[tokio::test]
async fn only_the_tasks_a_write_touched_are_marked_for_the_next_reset() {
    let app = TestApp::people().await;
    app.restart_processing("taskId=10")
        .await
        .assert_status(StatusCode::OK);
    app.create_task(r#"{"context":{"url":"https://example.com/one.pdf"}}"#)
        .await
        .assert_status(StatusCode::OK);
    let marked: Vec<i64> =
        sqlx::query_scalar("SELECT task_id FROM reset_changed_tasks ORDER BY task_id")
            .fetch_all(&app.state.db)
            .await
            .unwrap();
    assert_eq!(marked.len(), 2, "{marked:?}");
    assert_eq!(marked[0], 10);
    assert!(marked[1] > 40, "the created task: {marked:?}");
    // No table but the tasks changed.
    assert_eq!(app.count_rows("reset_changed_tables").await, 0);
}

#[tokio::test]
async fn after_a_replacing_seed_a_reset_rewrites_everything() {
    let app = TestApp::people().await;
    let before = picture(&app).await;
    let replacement = json!({"tasks": [{"taskId": 5, "workspaceId": 1, "displayName": "only.pdf",
        "createdOn": "2025-01-01T00:00:00Z", "taskStatus": 3, "integrationStatus": 1}]});
    app.control("POST", "seed?mode=replace", Some(&replacement))
        .await
        .assert_json(StatusCode::OK);
    // Everything counts as changed, so no task was recorded one by one.
    assert_eq!(
        app.count_rows("reset_changed_tables WHERE name = 'everything'")
            .await,
        1
    );
    assert_eq!(app.count_rows("reset_changed_tasks").await, 0);
    app.control("POST", "reset", None)
        .await
        .assert_json(StatusCode::OK);
    assert_eq!(picture(&app).await, before);
}

#[tokio::test]
async fn a_database_file_that_held_other_data_at_start_up_is_rewritten_whole_by_the_first_reset() {
    let directory = tempfile::tempdir().unwrap();
    let path = directory.path().join("sdemu.db");
    let options = ["--database", path.to_str().unwrap()];
    let first = TestApp::with_fixture_and_options(PEOPLE, &options).await;
    let other_data = first.state_document().await;
    first.state.db.close().await;

    // Started again with the demo data: the file keeps its own data until a reset.
    let second = TestApp::start(config(&options), FixtureSource::Builtin).await;
    assert_eq!(second.state_document().await, other_data);
    second
        .control("POST", "reset", None)
        .await
        .assert_json(StatusCode::OK);
    let demo = TestApp::demo().await;
    assert_eq!(second.state_document().await, demo.state_document().await);
}
