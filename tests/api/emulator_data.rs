//! The control plane's data routes: health, ready, reset, seed and state.

use std::sync::Arc;

use axum::http::StatusCode;
use chrono::Duration;
use serde_json::{json, Value};

use sdemu::domain::faults::Faults;
use sdemu::domain::journal::{Journal, DEFAULT_JOURNAL_BYTES};
use sdemu::state::{AppState, Emulator, SharedState};

use crate::helpers::{ids, TestApp};

/// The `taskId`s of a state document's tasks.
fn task_ids(state: &Value) -> Vec<i64> {
    ids(&state["tasks"], "taskId")
}

#[tokio::test]
async fn health_reports_the_version_and_the_uptime_by_the_emulator_clock() {
    let app = TestApp::small().await;
    let response = app.control("GET", "health", None).await;
    let body = response.assert_json(StatusCode::OK);
    assert_eq!(
        body,
        json!({"status": "ok", "version": env!("CARGO_PKG_VERSION"), "uptimeSeconds": 0})
    );

    app.clock.advance(Duration::seconds(90));
    let body = app.control("GET", "health", None).await.json();
    assert_eq!(body["uptimeSeconds"], 90);
}

#[tokio::test]
async fn ready_answers_200_once_start_up_has_finished() {
    let app = TestApp::small().await;
    let response = app.control("GET", "ready", None).await;
    assert_eq!(
        response.assert_json(StatusCode::OK),
        json!({"status": "ready"})
    );
}

#[tokio::test]
async fn ready_answers_503_while_start_up_has_not_finished() {
    let app = TestApp::small().await;
    let starting = AppState::new(SharedState {
        emulator: Arc::new(Emulator::new(
            app.state.emulator.started_at,
            None,
            Journal::new(10, DEFAULT_JOURNAL_BYTES),
            Faults::new(0, Vec::new()),
        )),
        ..(*app.state).clone()
    });
    let response = TestApp::from_state(starting, app.clock.clone())
        .control("GET", "ready", None)
        .await;
    assert_eq!(
        response.assert_json(StatusCode::SERVICE_UNAVAILABLE),
        json!({"status": "not-ready"})
    );
}

#[tokio::test]
async fn state_lists_every_section_in_fixture_format() {
    let app = TestApp::small().await;
    let response = app.control("GET", "state", None).await;
    let state = response.assert_json(StatusCode::OK);
    let sections: Vec<&String> = state.as_object().unwrap().keys().collect();
    assert_eq!(
        sections,
        [
            "organizations",
            "taskStatuses",
            "integrationStatuses",
            "workspaces",
            "batches",
            "tasks",
            "webhooks",
            "exports",
            "speakers",
            "users"
        ]
    );
    assert_eq!(state["webhooks"], json!([]));
    assert_eq!(state["exports"], json!([]));
    assert_eq!(
        state["organizations"],
        json!([{"tenantId": 1, "name": "Default organization", "clientId": "sdemu",
                "clientSecret": "sdemu-secret", "isDefault": true}])
    );
    // Catalogue additions only: the documented entries are not repeated.
    assert_eq!(
        state["taskStatuses"],
        json!([{"value": 36, "name": "Processed"}])
    );
    assert_eq!(state["integrationStatuses"], json!([]));
    assert_eq!(
        state["workspaces"][0],
        json!({"workspaceId": 1, "tenantId": 1, "workspaceName": "Invoices",
               "workspaceDescription": null, "isDefault": true, "taskType": 0,
               "workspaceType": 0, "templateType": 0, "workspaceTemplateName": null})
    );
    assert_eq!(task_ids(&state), [1, 2, 3, 4, 5]);
    // restartCount is omitted until a task is reprocessed, as on the wire.
    assert_eq!(
        state["tasks"][0],
        json!({"taskId": 1, "workspaceId": 1, "batchId": null, "taskNumber": null,
               "externalId": "A-1", "displayName": "b.pdf", "description": null,
               "createdOn": "2024-01-01T00:00:00Z", "taskStatus": 3, "integrationStatus": 1,
               "taskStatusText": "ToReview", "integrationStatusText": "Never", "totalPages": 5,
               "preProcessingStartedOn": "2024-01-01T00:00:05Z",
               "externalIntegrationStatus": "never", "priority": 1})
    );
    assert_eq!(state["tasks"][1]["restartCount"], 2);
    assert_eq!(state["tasks"][4]["externalIntegrationStatus"], "exported");
}

#[tokio::test]
async fn seeding_what_state_returned_reproduces_the_same_state_for_the_demo_data() {
    let app = TestApp::demo().await;
    let before = app.state_document().await;
    assert!(before["tasks"].as_array().unwrap().len() > 2_000);
    assert!(!before["batches"].as_array().unwrap().is_empty());

    let response = app.control("POST", "seed", Some(&before)).await;
    let counts = response.assert_json(StatusCode::OK);
    assert_eq!(counts["mode"], "replace");
    assert_eq!(counts["tasks"], before["tasks"].as_array().unwrap().len());
    assert_eq!(app.state_document().await, before);
}

#[tokio::test]
async fn a_snapshot_taken_after_changes_restores_those_changes() {
    let app = TestApp::small().await;
    let added = json!({"tasks": [
        {"taskId": 9, "workspaceId": 2, "displayName": "new.pdf", "createdOn": "2024-03-01T10:00:00Z",
         "taskStatus": 36, "integrationStatus": 1, "restartCount": 4, "priority": 3,
         "externalIntegrationStatus": "sent", "context": {"b": 1, "a": [true, null]}}
    ]});
    let response = app.control("POST", "seed?mode=merge", Some(&added)).await;
    response.assert_json(StatusCode::OK);
    let snapshot = app.state_document().await;
    assert_eq!(task_ids(&snapshot), [1, 2, 3, 4, 5, 9]);
    assert_eq!(
        snapshot["tasks"][5]["context"],
        json!({"b": 1, "a": [true, null]})
    );

    app.control("POST", "reset", None).await;
    assert_eq!(task_ids(&app.state_document().await), [1, 2, 3, 4, 5]);

    let response = app
        .control("POST", "seed?mode=replace", Some(&snapshot))
        .await;
    response.assert_json(StatusCode::OK);
    assert_eq!(app.state_document().await, snapshot);
}

#[tokio::test]
async fn reset_restores_the_start_up_data_and_answers_the_counts() {
    let app = TestApp::small().await;
    let before = app.state_document().await;
    let response = app
        .control(
            "POST",
            "seed",
            Some(&json!([{"taskId": 77, "workspaceId": 8,
            "displayName": "x", "createdOn": "2024-01-01T00:00:00Z", "taskStatus": 3,
            "integrationStatus": 1}])),
        )
        .await;
    response.assert_json(StatusCode::OK);
    assert_eq!(task_ids(&app.state_document().await), [77]);

    let response = app.control("POST", "reset", None).await;
    assert_eq!(
        response.assert_json(StatusCode::OK),
        json!({"organizations": 1, "taskStatuses": 1, "integrationStatuses": 0,
               "workspaces": 3, "batches": 0, "tasks": 5, "webhooks": 0, "exports": 0, "speakers": 0, "users": 0})
    );
    assert_eq!(app.state_document().await, before);
    let listed = app.status_list("startDate=2000-01-01").await;
    assert_eq!(listed.task_ids(), [1, 2, 3, 4, 5]);
}

#[tokio::test]
async fn seed_replace_swaps_the_whole_data_set() {
    let app = TestApp::small().await;
    let response = app
        .control(
            "POST",
            "seed?mode=replace",
            Some(&json!({"tasks": [
            {"taskId": 40, "workspaceId": 5, "displayName": "only.pdf",
             "createdOn": "2025-01-01T00:00:00Z", "taskStatus": 4, "integrationStatus": 1}]})),
        )
        .await;
    assert_eq!(
        response.assert_json(StatusCode::OK),
        json!({"organizations": 1, "taskStatuses": 0, "integrationStatuses": 0,
               "workspaces": 1, "batches": 0, "tasks": 1, "webhooks": 0, "exports": 0, "speakers": 0, "users": 0,
               "mode": "replace"})
    );
    let state = app.state_document().await;
    assert_eq!(task_ids(&state), [40]);
    assert_eq!(state["workspaces"][0]["workspaceId"], 5);
    assert_eq!(state["taskStatuses"], json!([]));
}

#[tokio::test]
async fn seed_merge_adds_to_what_is_loaded_and_answers_the_new_counts() {
    let app = TestApp::small().await;
    let response = app
        .control("POST", "seed?mode=MERGE", Some(&json!({
            "taskStatuses": [{"value": 36, "name": "Processed"}],
            "workspaces": [{"workspaceId": 4, "workspaceName": "Letters"}],
            "tasks": [
              {"taskId": 6, "workspaceId": 4, "displayName": "f.pdf", "createdOn": "2024-03-01T00:00:00Z",
               "taskStatus": 36, "integrationStatus": 1},
              {"taskId": 7, "workspaceId": 1, "externalId": "A-7", "displayName": "g.pdf",
               "createdOn": "2024-03-02T00:00:00Z", "taskStatus": 3, "integrationStatus": 1}]})))
        .await;
    assert_eq!(
        response.assert_json(StatusCode::OK),
        json!({"organizations": 1, "taskStatuses": 1, "integrationStatuses": 0,
               "workspaces": 4, "batches": 0, "tasks": 7, "webhooks": 0, "exports": 0, "speakers": 0, "users": 0,
               "mode": "merge"})
    );
    let state = app.state_document().await;
    assert_eq!(task_ids(&state), [1, 2, 3, 4, 5, 6, 7]);
    // The new workspace is not the default: the organization already has one.
    assert_eq!(state["workspaces"][3]["isDefault"], false);
    let listed = app.status_list("startDate=2024-03-01&workspaceId=4").await;
    assert_eq!(listed.task_ids(), [6]);
}

#[tokio::test]
async fn a_merge_that_adds_no_tasks_counts_the_tasks_held_and_keeps_their_lifecycle() {
    let app = TestApp::small().await;
    app.restart_processing("taskId=1")
        .await
        .assert_status(StatusCode::OK);
    let pending = app.count_rows("tasks WHERE next_step_at IS NOT NULL").await;
    assert_eq!(pending, 1);
    let response = app
        .control(
            "POST",
            "seed?mode=merge",
            Some(&json!({
            "taskStatuses": [{"value": 77, "name": "Soaked"}],
            "workspaces": [{"workspaceId": 4, "workspaceName": "Letters"}]})),
        )
        .await;
    assert_eq!(
        response.assert_json(StatusCode::OK),
        json!({"organizations": 1, "taskStatuses": 2, "integrationStatuses": 0,
               "workspaces": 4, "batches": 0, "tasks": 5, "webhooks": 0, "exports": 0, "speakers": 0, "users": 0,
               "mode": "merge"})
    );
    // Only the document's items were written: the reprocessed task is still on its way.
    assert_eq!(
        app.count_rows("tasks WHERE next_step_at IS NOT NULL").await,
        1
    );
    assert_eq!(
        app.count_rows("task_transitions WHERE task_id = 1").await,
        1
    );
    let state = app.state_document().await;
    assert_eq!(task_ids(&state), [1, 2, 3, 4, 5]);
    assert_eq!(
        state["taskStatuses"][1],
        json!({"value": 77, "name": "Soaked"})
    );
}

#[tokio::test]
async fn seed_merge_refuses_clashes_with_the_current_state_and_changes_nothing() {
    let app = TestApp::small().await;
    let before = app.state_document().await;
    let response = app
        .control("POST", "seed?mode=merge", Some(&json!({"tasks": [
            {"taskId": 8, "workspaceId": 1, "displayName": "ok.pdf", "createdOn": "2024-03-01T00:00:00Z",
             "taskStatus": 3, "integrationStatus": 1},
            {"taskId": 1, "workspaceId": 1, "displayName": "taken.pdf", "createdOn": "2024-03-01T00:00:00Z",
             "taskStatus": 3, "integrationStatus": 1},
            {"taskId": 9, "workspaceId": 1, "externalId": "A-3", "displayName": "same-external.pdf",
             "createdOn": "2024-03-01T00:00:00Z", "taskStatus": 3, "integrationStatus": 1}]})))
        .await;
    let problem = response.assert_problem(StatusCode::BAD_REQUEST, None);
    assert_eq!(problem["type"], "urn:sdemu:problem:invalid-fixture");
    assert_eq!(
        problem["errors"],
        json!([
            {"item": "tasks[1] (taskId 1)", "field": "taskId", "message": "duplicate taskId"},
            {"item": "tasks[2] (taskId 9)", "field": "externalId",
             "message": "externalId 'A-3' is already used by another task of this organization"}
        ])
    );
    assert_eq!(app.state_document().await, before);
}

#[tokio::test]
async fn seed_lists_every_problem_of_the_document_and_changes_nothing() {
    let app = TestApp::small().await;
    let before = app.state_document().await;
    let response = app
        .control("POST", "seed", Some(&json!({
            "workspaces": [{"workspaceId": 1, "workspaceName": "A"}, {"workspaceId": 1, "workspaceName": "B"}],
            "tasks": [
              {"taskId": 1, "workspaceId": 1, "displayName": "x", "createdOn": "yesterday",
               "taskStatus": 99, "integrationStatus": 1},
              {"taskId": 2, "workspaceId": 1, "displayName": "y", "createdOn": "2024-01-01",
               "taskStatus": 3, "integrationStatus": 1, "colour": "red"}]})))
        .await;
    let problem = response.assert_problem(StatusCode::BAD_REQUEST, None);
    assert_eq!(
        problem["detail"],
        "The fixture document has 4 problem(s); nothing was changed."
    );
    let errors = problem["errors"].as_array().unwrap();
    let fields: Vec<(&str, Option<&str>)> = errors
        .iter()
        .map(|e| (e["item"].as_str().unwrap(), e["field"].as_str()))
        .collect();
    assert_eq!(
        fields,
        [
            ("tasks[1] (taskId 2)", None),
            ("workspaces[1] (workspaceId 1)", Some("workspaceId")),
            ("tasks[0] (taskId 1)", Some("taskStatus")),
            ("tasks[0] (taskId 1)", Some("createdOn")),
        ]
    );
    assert!(errors[0]["message"].as_str().unwrap().contains("colour"));
    assert_eq!(app.state_document().await, before);
}

#[tokio::test]
async fn seed_refuses_a_body_that_is_not_json() {
    let app = TestApp::small().await;
    let response = app
        .send_raw(
            "POST",
            "/_emulator/seed",
            Some("application/json"),
            b"{\"tasks\": [".to_vec(),
        )
        .await;
    let problem = response.assert_problem(StatusCode::BAD_REQUEST, None);
    assert_eq!(problem["type"], "urn:sdemu:problem:invalid-json");
}

#[tokio::test]
async fn seed_refuses_an_unknown_mode() {
    let app = TestApp::small().await;
    let response = app
        .control("POST", "seed?mode=append", Some(&json!([])))
        .await;
    let problem = response.assert_problem(StatusCode::BAD_REQUEST, Some("mode"));
    assert_eq!(problem["value"], "append");
}

#[tokio::test]
async fn seed_refuses_a_body_over_16_mib_with_413() {
    let app = TestApp::small().await;
    let body = format!("[\"{}\"]", "x".repeat(16 * 1024 * 1024));
    let response = app
        .send_raw(
            "POST",
            "/_emulator/seed",
            Some("application/json"),
            body.into_bytes(),
        )
        .await;
    let problem = response.assert_problem(StatusCode::PAYLOAD_TOO_LARGE, None);
    assert_eq!(problem["limit"], 16 * 1024 * 1024);
    assert_eq!(task_ids(&app.state_document().await), [1, 2, 3, 4, 5]);
}

#[tokio::test]
async fn an_unknown_control_route_is_a_404_problem() {
    let app = TestApp::small().await;
    let response = app.control("GET", "stat", None).await;
    let problem = response.assert_problem(StatusCode::NOT_FOUND, None);
    assert_eq!(problem["type"], "urn:sdemu:problem:unknown-control-route");
}

#[tokio::test]
async fn the_unknown_control_route_problem_lists_every_control_route_and_each_one_exists() {
    let app = TestApp::small().await;
    let problem = app
        .control("GET", "stat", None)
        .await
        .assert_problem(StatusCode::NOT_FOUND, None);
    let routes: Vec<&str> = problem["routes"]
        .as_array()
        .expect("a routes list")
        .iter()
        .map(|route| route.as_str().expect("a path"))
        .collect();
    assert!(routes.contains(&"/_emulator/openapi.json"), "{routes:?}");
    assert_eq!(routes.len(), 19, "{routes:?}");
    for route in routes {
        let name = route
            .trim_start_matches("/_emulator/")
            .replace("{taskId}", "1")
            .replace("{webhookId}", "1")
            .replace("{token}", "t")
            .replace("{fileName}", "f.pdf");
        let response = app.control("GET", &name, None).await;
        let unknown = response.status == StatusCode::NOT_FOUND
            && String::from_utf8_lossy(&response.body).contains("unknown-control-route");
        assert!(!unknown, "{route} is listed but not routed");
    }
}
