//! The fixture document's captured export payloads (`exports`) and the workspace setting
//! `deleteFilesAfterReview`: loaded at start-up, checked with every problem listed, restored
//! by reset, written by the state and read back by seed, and readable through the store
//! functions the export uses.

use axum::http::StatusCode;
use serde_json::{json, Value};

use sdemu::startup::FixtureSource;
use sdemu::store;

use crate::helpers::{default_config, description, start_up_error, TestApp, SMALL_FIXTURE};

/// A payload as the real service might answer it, its keys deliberately not in
/// alphabetical order (it must come back as it was given).
fn captured_payload() -> Value {
    json!({"taskId": 1, "originalFileUrl": "https://real.example/sas?sig=abc",
           "workspaceId": 1, "displayName": "b.pdf",
           "chunks": [{"entities": [{"name": "Total", "value": "12.50"}]}]})
}

/// `SMALL_FIXTURE` (tasks 1 to 5 in workspaces 1 to 3) with workspace 2 deleting files after
/// review and captured payloads for tasks 1 and 5.
fn small_with_exports() -> Value {
    let mut document: Value = serde_json::from_str(SMALL_FIXTURE).unwrap();
    document["workspaces"][1]["deleteFilesAfterReview"] = json!(true);
    document["exports"] = json!([
        {"taskId": 5, "payload": {"transcript": {"paragraphs": []}}},
        {"taskId": 1, "payload": captured_payload()}
    ]);
    document
}

async fn start() -> TestApp {
    TestApp::with_fixture(&small_with_exports().to_string()).await
}

async fn captured(app: &TestApp, task_id: i64) -> Option<Value> {
    let mut conn = app.state.db.acquire().await.unwrap();
    store::exports::captured(&mut conn, task_id).await.unwrap()
}

async fn deletes_files(app: &TestApp, workspace_id: i64) -> bool {
    let mut conn = app.state.db.acquire().await.unwrap();
    store::workspaces::deletes_files_after_review(&mut conn, workspace_id)
        .await
        .unwrap()
}

/// The state's `exports` section and each workspace's flag (`null` when not written).
async fn loaded(app: &TestApp) -> (Value, Vec<Value>) {
    let state = app.state_document().await;
    let flags = state["workspaces"]
        .as_array()
        .unwrap()
        .iter()
        .map(|workspace| workspace["deleteFilesAfterReview"].clone())
        .collect();
    (state["exports"].clone(), flags)
}

fn expected_exports() -> Value {
    json!([
        {"taskId": 1, "payload": captured_payload()},
        {"taskId": 5, "payload": {"transcript": {"paragraphs": []}}}
    ])
}

#[tokio::test]
async fn start_up_loads_the_captured_payloads_and_the_workspace_setting() {
    let app = start().await;
    let (exports, flags) = loaded(&app).await;
    assert_eq!(exports, expected_exports());
    // Written only when set.
    assert_eq!(flags, [Value::Null, json!(true), Value::Null]);
}

#[tokio::test]
async fn the_store_gives_a_tasks_captured_payload_exactly_as_the_fixture_had_it() {
    let app = start().await;
    let payload = captured(&app, 1)
        .await
        .expect("task 1 has a captured payload");
    // Byte for byte, key order included.
    assert_eq!(payload.to_string(), captured_payload().to_string());
    assert_eq!(
        captured(&app, 5).await,
        Some(json!({"transcript": {"paragraphs": []}}))
    );
    assert_eq!(captured(&app, 2).await, None);
    assert_eq!(captured(&app, 999).await, None);
}

#[tokio::test]
async fn the_store_tells_which_workspaces_delete_files_after_review() {
    let app = start().await;
    assert!(!deletes_files(&app, 1).await);
    assert!(deletes_files(&app, 2).await);
    assert!(!deletes_files(&app, 3).await);
    assert!(!deletes_files(&app, 99).await, "an unknown workspace");
}

#[tokio::test]
async fn get_workspaces_does_not_show_the_setting() {
    let with = start().await;
    let without = TestApp::small().await;
    let shown = with.current_workspaces().await;
    assert_eq!(shown.assert_json(StatusCode::OK)[1]["workspaceId"], 2);
    assert!(!shown.text().contains("deleteFilesAfterReview"));
    assert_eq!(shown.text(), without.current_workspaces().await.text());
}

#[tokio::test]
async fn the_built_in_demo_data_has_no_captured_payloads_and_no_workspace_deleting_files() {
    let app = TestApp::demo().await;
    let (exports, flags) = loaded(&app).await;
    assert_eq!(exports, json!([]));
    assert!(flags.iter().all(Value::is_null), "{flags:?}");
}

/// Every mistake the two additions can have, one per entry (the bad flag on a workspace
/// without tasks, so that its tasks are not reported too).
fn bad_document() -> Value {
    let mut document: Value = serde_json::from_str(SMALL_FIXTURE).unwrap();
    document["workspaces"].as_array_mut().unwrap().push(
        json!({"workspaceId": 4, "workspaceName": "Letters", "deleteFilesAfterReview": "yes"}),
    );
    document["exports"] = json!([
        {"taskId": 1, "payload": {"ok": true}},
        {"taskId": 42, "payload": {}},
        {"taskId": 1, "payload": {"again": true}},
        {"taskId": 2, "payload": [1, 2]},
        {"taskId": 3, "payload": "text"},
        {"taskId": 4},
        {"taskId": 5, "payload": {}, "note": "x"}
    ]);
    document
}

#[tokio::test]
async fn bad_entries_stop_start_up_with_every_problem_named_by_its_path() {
    let error = start_up_error(
        &default_config(),
        FixtureSource::Inline {
            name: "captured.json".into(),
            text: bad_document().to_string(),
        },
    )
    .await;
    for expected in [
        "captured.json",
        "7 problem(s)",
        "workspaces[3] (workspaceId 4): invalid type: string \"yes\", expected a boolean",
        "exports[5] (taskId 4): missing field `payload`",
        "exports[6] (taskId 5): unknown field `note`",
        "exports[1] (taskId 42), field 'taskId': task 42 is not declared in tasks",
        "exports[2] (taskId 1), field 'taskId': duplicate taskId 1",
        "exports[3] (taskId 2), field 'payload': must be a JSON object",
        "exports[4] (taskId 3), field 'payload': must be a JSON object",
    ] {
        assert!(error.contains(expected), "{expected} in {error}");
    }
}

#[tokio::test]
async fn a_payload_over_one_mebibyte_is_refused() {
    let mut document: Value = serde_json::from_str(SMALL_FIXTURE).unwrap();
    document["exports"] = json!([{"taskId": 1, "payload": {"big": "x".repeat(1024 * 1024)}}]);
    let app = start().await;
    let problem = app
        .control("POST", "seed", Some(&document))
        .await
        .assert_problem(StatusCode::BAD_REQUEST, None);
    assert_eq!(
        problem["errors"],
        json!([{"item": "exports[0] (taskId 1)", "field": "payload",
                "message": "1048586 bytes serialized; at most 1048576 (1 MiB)"}])
    );
}

#[tokio::test]
async fn a_bad_seed_lists_every_problem_and_changes_nothing() {
    let app = start().await;
    let before = app.state_document().await;
    let problem = app
        .control("POST", "seed?mode=replace", Some(&bad_document()))
        .await
        .assert_problem(StatusCode::BAD_REQUEST, None);
    let items: Vec<(&str, Option<&str>)> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["item"].as_str().unwrap(), p["field"].as_str()))
        .collect();
    assert_eq!(
        items,
        [
            ("workspaces[3] (workspaceId 4)", None),
            ("exports[5] (taskId 4)", None),
            ("exports[6] (taskId 5)", None),
            ("exports[1] (taskId 42)", Some("taskId")),
            ("exports[2] (taskId 1)", Some("taskId")),
            ("exports[3] (taskId 2)", Some("payload")),
            ("exports[4] (taskId 3)", Some("payload")),
        ]
    );
    assert_eq!(app.state_document().await, before);
    assert_eq!(captured(&app, 1).await, Some(captured_payload()));
}

#[tokio::test]
async fn the_state_seeded_back_reproduces_both() {
    let app = start().await;
    let snapshot = app.control("GET", "state", None).await.text().into_owned();
    let snapshot_value: Value = serde_json::from_str(&snapshot).unwrap();

    let counts = app
        .control(
            "POST",
            "seed",
            Some(&serde_json::from_str::<Value>(SMALL_FIXTURE).unwrap()),
        )
        .await
        .assert_json(StatusCode::OK);
    assert_eq!(counts["exports"], 0);
    assert_eq!(captured(&app, 1).await, None);
    assert!(!deletes_files(&app, 2).await);

    let counts = app
        .control("POST", "seed?mode=replace", Some(&snapshot_value))
        .await
        .assert_json(StatusCode::OK);
    assert_eq!(counts["exports"], 2);
    assert_eq!(app.control("GET", "state", None).await.text(), snapshot);
    assert!(deletes_files(&app, 2).await);
    assert_eq!(
        captured(&app, 1).await.unwrap().to_string(),
        captured_payload().to_string()
    );
}

#[tokio::test]
async fn reset_restores_the_start_up_payloads_and_setting() {
    let app = start().await;
    let at_start = loaded(&app).await;
    app.control(
        "POST",
        "seed",
        Some(&serde_json::from_str::<Value>(SMALL_FIXTURE).unwrap()),
    )
    .await
    .assert_json(StatusCode::OK);
    assert_ne!(loaded(&app).await, at_start);

    let counts = app
        .control("POST", "reset", None)
        .await
        .assert_json(StatusCode::OK);
    assert_eq!(counts["exports"], 2);
    assert_eq!(loaded(&app).await, at_start);
    assert!(deletes_files(&app, 2).await);
}

#[tokio::test]
async fn a_merge_seed_adds_payloads_for_current_and_new_tasks_and_keeps_the_others() {
    let app = start().await;
    let counts = app
        .control(
            "POST",
            "seed?mode=merge",
            Some(&json!({
                "workspaces": [{"workspaceId": 4, "workspaceName": "Letters",
                                "deleteFilesAfterReview": true}],
                "tasks": [{"taskId": 6, "workspaceId": 4, "displayName": "f.pdf",
                           "createdOn": "2024-03-01T00:00:00Z", "taskStatus": 3,
                           "integrationStatus": 1}],
                "exports": [{"taskId": 2, "payload": {"two": 2}},
                            {"taskId": 6, "payload": {"six": 6}}]
            })),
        )
        .await
        .assert_json(StatusCode::OK);
    assert_eq!(counts["exports"], 4);
    assert_eq!(captured(&app, 1).await, Some(captured_payload()));
    assert_eq!(captured(&app, 2).await, Some(json!({"two": 2})));
    assert_eq!(captured(&app, 6).await, Some(json!({"six": 6})));
    assert!(deletes_files(&app, 2).await);
    assert!(deletes_files(&app, 4).await);
}

#[tokio::test]
async fn a_merge_seed_reports_a_task_that_already_has_a_payload_and_changes_nothing() {
    let app = start().await;
    let before = app.state_document().await;
    let problem = app
        .control(
            "POST",
            "seed?mode=merge",
            Some(&json!({"exports": [{"taskId": 3, "payload": {}},
                                     {"taskId": 5, "payload": {"again": true}},
                                     {"taskId": 77, "payload": {}}]})),
        )
        .await
        .assert_problem(StatusCode::BAD_REQUEST, None);
    assert_eq!(
        problem["errors"],
        json!([
            {"item": "exports[1] (taskId 5)", "field": "taskId",
             "message": "duplicate taskId 5; a task has at most one captured payload"},
            {"item": "exports[2] (taskId 77)", "field": "taskId",
             "message": "task 77 is not declared in tasks"}
        ])
    );
    assert_eq!(app.state_document().await, before);
}

#[test]
fn the_api_description_shows_the_setting_in_fixtures_only() {
    let description = description();
    let schemas = &description["components"]["schemas"];
    assert!(schemas["Workspace"]["properties"]["workspaceId"].is_object());
    assert!(schemas["Workspace"]["properties"]
        .get("deleteFilesAfterReview")
        .is_none());
    assert_eq!(
        schemas["WorkspaceRecord"]["properties"]["deleteFilesAfterReview"]["type"],
        "boolean"
    );
    assert_eq!(
        schemas["ExportRecord"]["required"],
        json!(["taskId", "payload"])
    );
}

/// `small_with_exports` under a frozen clock.
async fn start_frozen() -> TestApp {
    TestApp::with_fixture_and_options(
        &small_with_exports().to_string(),
        &["--clock", "frozen", "--failure-rate", "0"],
    )
    .await
}

#[tokio::test]
async fn a_captured_payload_is_what_get_export_data_answers_and_the_webhooks_carry() {
    use crate::helpers::{add_webhook, receiver, Answer};
    let app = start_frozen().await;
    let (base, got) = receiver(Answer::Status(200, "")).await;
    for kind in ["textDocuments", "transcripts", "urlToFileAnonymization"] {
        add_webhook(
            &app,
            json!({"workspaceId": 1, "url": format!("{base}/{kind}"), "kind": kind}),
        )
        .await;
    }
    app.control("POST", "tasks/1/review/finish", None)
        .await
        .assert_status(StatusCode::OK);
    let got = got.lock().unwrap().clone();
    assert_eq!(got.len(), 3);
    // Text Documents and Transcripts send the captured payload as it is, keys in its order.
    for received in &got[..2] {
        assert_eq!(
            serde_json::to_string(&received.body).unwrap(),
            captured_payload().to_string()
        );
    }
    // Url To File keeps its documented fields, with sdemu's own link.
    assert_eq!(got[2].body["taskId"], 1);
    assert!(got[2].body["exportedFileUrl"]
        .as_str()
        .unwrap()
        .contains("/_emulator/files/"));
    for tail in ["1", "Transcript/1"] {
        let response = app.get_export_data(tail).await;
        assert_eq!(response.status, StatusCode::OK, "{tail}");
        assert_eq!(
            String::from_utf8(response.body).unwrap(),
            captured_payload().to_string(),
            "{tail}"
        );
    }
}

#[tokio::test]
async fn a_workspace_that_deletes_files_after_review_exports_no_original_file_link() {
    let app = start_frozen().await;
    // Task 4 is in workspace 2 (deleteFilesAfterReview), task 2 in workspace 1.
    for id in [4, 2] {
        app.control("POST", &format!("tasks/{id}/review/finish"), None)
            .await
            .assert_status(StatusCode::OK);
    }
    let deleting = app.get_export_data("4").await.assert_json(StatusCode::OK);
    assert_eq!(deleting["originalFileUrl"], Value::Null, "{deleting}");
    let transcript = app
        .get_export_data("Transcript/4")
        .await
        .assert_json(StatusCode::OK);
    assert_eq!(transcript["originalFileUrl"], Value::Null);
    let keeping = app.get_export_data("2").await.assert_json(StatusCode::OK);
    assert!(keeping["originalFileUrl"].is_string(), "{keeping}");
}
