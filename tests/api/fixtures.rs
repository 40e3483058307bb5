//! Start-up data: the fixture format, its validation, and where the data lives.

use std::sync::Arc;

use axum::http::StatusCode;
use serde_json::json;

use sdemu::clock::SystemClock;
use sdemu::config::Config;
use sdemu::startup::{self, FixtureSource};

use crate::helpers::{config, default_config, start_up_error, TestApp, DOC_EXAMPLE_QUERY};

/// The documentation's example response, verbatim.
const DOC_EXAMPLE_RESPONSE: &str = include_str!("../../fixtures/doc-example.json");

/// Why start-up with `fixture` (named `under-test.json`) fails.
async fn start_error(fixture: &str) -> String {
    let fixtures = FixtureSource::Inline {
        name: "under-test.json".into(),
        text: fixture.to_owned(),
    };
    start_up_error(&default_config(), fixtures).await
}

#[tokio::test]
async fn a_captured_status_list_response_is_a_valid_fixture() {
    let app = TestApp::with_fixture(DOC_EXAMPLE_RESPONSE).await;
    let response = app.status_list("startDate=2000-01-01&sort=taskId").await;
    response.assert_status(StatusCode::OK);
    let mut expected: Vec<serde_json::Value> = serde_json::from_str(DOC_EXAMPLE_RESPONSE).unwrap();
    expected.sort_by_key(|task| task["taskId"].as_i64());
    assert_eq!(response.json(), json!(expected));
}

#[tokio::test]
async fn a_task_whose_status_is_not_catalogued_is_refused_naming_the_task_and_the_code() {
    let error = start_error(
        r#"[{"taskId": 7, "workspaceId": 1, "displayName": "x", "createdOn": "2024-01-01T00:00:00Z",
             "taskStatus": 99, "integrationStatus": 1}]"#,
    )
    .await;
    assert!(error.contains("under-test.json"), "{error}");
    assert!(error.contains("taskId 7"), "{error}");
    assert!(error.contains("taskStatus 99"), "{error}");
}

#[tokio::test]
async fn a_fixture_may_add_catalogue_entries_for_undocumented_codes() {
    let app = TestApp::with_fixture(
        r#"{"integrationStatuses": [{"value": 2, "name": "Queued"}],
            "tasks": [{"taskId": 7, "workspaceId": 1, "displayName": "x",
                       "createdOn": "2024-01-01T00:00:00Z", "taskStatus": 3, "integrationStatus": 2}]}"#,
    )
    .await;
    let tasks = app.status_list("startDate=2024-01-01").await.json();
    assert_eq!(tasks[0]["integrationStatusText"], "Queued");
}

#[tokio::test]
async fn every_problem_of_a_bad_fixture_is_listed_with_its_item_and_field() {
    let error = start_error(
        r#"{"workspaces": [{"workspaceId": 1, "workspaceName": "A"}],
            "tasks": [
              {"taskId": 1, "workspaceId": 1, "displayName": "ok", "createdOn": "2024-01-01T00:00:00Z", "taskStatus": 3, "integrationStatus": 1},
              {"taskId": 1, "workspaceId": 1, "displayName": "dup", "createdOn": "2024-01-01T00:00:00Z", "taskStatus": 3, "integrationStatus": 1},
              {"taskId": 2, "workspaceId": 9, "displayName": "x", "createdOn": "2024-01-01T00:00:00Z", "taskStatus": 3, "integrationStatus": 1},
              {"taskId": 3, "workspaceId": 1, "displayName": "x", "createdOn": "last tuesday", "taskStatus": 3, "integrationStatus": 1, "taskStatusText": "InReview"},
              {"taskId": 4, "workspaceId": 1, "createdOn": "2024-01-01T00:00:00Z", "taskStatus": 3, "integrationStatus": 1}
            ]}"#,
    )
    .await;
    for expected in [
        "tasks[1] (taskId 1), field 'taskId': duplicate taskId",
        "tasks[2] (taskId 2), field 'workspaceId': workspace 9 is not declared",
        "tasks[3] (taskId 3), field 'createdOn': 'last tuesday' is not",
        "tasks[3] (taskId 3), field 'taskStatusText': 'InReview' does not match the catalogue name 'ToReview'",
        "tasks[4] (taskId 4): missing field `displayName`",
    ] {
        assert!(error.contains(expected), "missing «{expected}» in:\n{error}");
    }
}

#[tokio::test]
async fn a_fixture_file_that_is_not_json_names_the_file() {
    let file = tempfile::Builder::new().suffix(".json").tempfile().unwrap();
    std::fs::write(file.path(), "{ not json").unwrap();
    let config = config(&["--fixtures", file.path().to_str().unwrap()]);
    let error = start_up_error(&config, FixtureSource::from_config(&config)).await;
    assert!(error.contains(file.path().to_str().unwrap()), "{error}");
    assert!(error.contains("not valid JSON"), "{error}");
}

fn database_config(path: &std::path::Path) -> Config {
    config(&["--database", path.to_str().unwrap()])
}

#[tokio::test]
async fn a_database_file_is_seeded_only_when_empty_so_restarts_keep_changes() {
    let directory = tempfile::tempdir().unwrap();
    let path = directory.path().join("sdemu.db");

    let first = startup::open(
        &database_config(&path),
        Arc::new(SystemClock),
        FixtureSource::Builtin,
    )
    .await
    .unwrap();
    sqlx::query("UPDATE tasks SET display_name = 'renamed' WHERE task_id = 47")
        .execute(&first.db)
        .await
        .unwrap();
    first.db.close().await;

    let second = TestApp::start(database_config(&path), FixtureSource::Builtin).await;
    let tasks = second.status_list(DOC_EXAMPLE_QUERY).await.json();
    assert_eq!(tasks[0]["taskId"], 47);
    assert_eq!(tasks[0]["displayName"], "renamed");
    assert_eq!(tasks.as_array().unwrap().len(), 4);
}

#[tokio::test]
async fn a_bad_fixture_leaves_no_database_file_where_a_new_one_was_asked_for() {
    let directory = tempfile::tempdir().unwrap();
    let path = directory.path().join("sdemu.db");
    let bad = FixtureSource::Inline {
        name: "bad".into(),
        text: r#"[{"taskId": 1, "workspaceId": 1, "displayName": "x", "createdOn": "2024-01-01", "taskStatus": 99, "integrationStatus": 1}]"#.into(),
    };
    assert!(
        startup::open(&database_config(&path), Arc::new(SystemClock), bad)
            .await
            .is_err()
    );
    // The new file is built beside its place (`<name>.loading`) and moved there only once
    // loaded: neither is left behind.
    let left: Vec<_> = std::fs::read_dir(directory.path())
        .unwrap()
        .map(|entry| entry.unwrap().file_name())
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

#[tokio::test]
async fn every_connection_of_the_in_memory_pool_sees_the_same_data() {
    let app = TestApp::demo().await;
    let mut connections = Vec::new();
    for _ in 0..4 {
        connections.push(app.state.db.acquire().await.unwrap());
    }
    for connection in &mut connections {
        let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM tasks")
            .fetch_one(&mut **connection)
            .await
            .unwrap();
        assert!(count >= 2000);
    }
}

#[tokio::test]
async fn fixture_tasks_follow_the_create_task_rules_for_priority_and_objects() {
    let error = start_error(
        r#"[{"taskId": 1, "workspaceId": 1, "displayName": "x", "createdOn": "2024-01-01T00:00:00Z",
             "taskStatus": 3, "integrationStatus": 1, "priority": 0, "context": "https://x/a.pdf",
             "taskAssignment": [1], "customFormValues": {"ok": true}}]"#,
    )
    .await;
    for expected in [
        "tasks[0] (taskId 1), field 'priority': must be at least 1",
        "tasks[0] (taskId 1), field 'context': must be a JSON object",
        "tasks[0] (taskId 1), field 'taskAssignment': must be a JSON object",
    ] {
        assert!(
            error.contains(expected),
            "missing «{expected}» in:\n{error}"
        );
    }
    assert!(!error.contains("customFormValues"), "{error}");
}

/// The API omits `restartCount` until a task is reprocessed, so a fixture's `0` is served as
/// absent (never as `"restartCount":0`), and the first reprocess makes it 1.
#[tokio::test]
async fn a_restart_count_of_zero_is_served_as_never_reprocessed() {
    let app = TestApp::with_fixture(
        r#"[{"taskId": 7, "workspaceId": 1, "displayName": "z.pdf",
             "createdOn": "2024-01-01T00:00:00Z", "taskStatus": 3, "integrationStatus": 1,
             "restartCount": 0}]"#,
    )
    .await;
    let task = app
        .task_status("taskId=7")
        .await
        .assert_json(StatusCode::OK);
    assert!(task.get("restartCount").is_none(), "{task}");
    let list = app.status_list("startDate=2024-01-01").await;
    assert!(!list.text().contains("restartCount"), "{}", list.text());
    app.restart_processing("taskId=7")
        .await
        .assert_status(StatusCode::OK);
    let task = app
        .task_status("taskId=7")
        .await
        .assert_json(StatusCode::OK);
    assert_eq!(task["restartCount"], 1, "{task}");
}
