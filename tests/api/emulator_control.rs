//! The control plane seen from a test suite's side: snapshots after API changes, reset of
//! `--client` organizations and issued tokens, the journal of the token endpoint, seed
//! atomicity, reset under load, and bad input that must never become a 500.

use std::sync::Arc;

use axum::http::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{basic, TestApp, TestResponse, ACME, EVERYTHING, SMALL_FIXTURE};

/// The `taskId`s of a successful task list.
#[track_caller]
fn ids(response: &TestResponse) -> Vec<i64> {
    response.assert_status(StatusCode::OK);
    response.task_ids()
}

#[tokio::test]
async fn a_snapshot_after_api_changes_round_trips_through_seed_with_every_stored_field() {
    let app = TestApp::two_organizations().await;
    let batch = app
        .create_batch(r#"{"displayName":"April","description":"Scans","workspaceId":1}"#)
        .await;
    batch.assert_status(StatusCode::OK);
    let batch_id = batch.json()["batchId"].as_i64().unwrap();
    let body = json!({
        "displayName": "Invoice 42", "workspaceId": 1, "batchId": batch_id, "priority": 2,
        "externalId": "portal-42",
        "context": {"url": "http://example.com/x.pdf", "transcriptLanguage": "pt-PT"},
        "taskAssignment": {"users": ["a@example.com"]},
        "customFormValues": {"costCenter": "7"}
    });
    let created = app.create_task(&body.to_string()).await;
    created.assert_status(StatusCode::OK);
    let task_id = created.json()["taskId"].as_i64().unwrap();
    app.restart_processing("taskId=10")
        .await
        .assert_status(StatusCode::OK);
    assert_eq!(
        app.set_external_integration_status(
            &format!("taskId={task_id}"),
            r#"{"externalIntegrationStatus":"exported"}"#
        )
        .await
        .status,
        StatusCode::OK
    );

    let snapshot = app.state_document().await;
    let task = snapshot["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["taskId"] == task_id)
        .unwrap()
        .clone();
    assert_eq!(task["taskAssignment"], body["taskAssignment"]);
    assert_eq!(task["customFormValues"], body["customFormValues"]);
    assert_eq!(task["externalIntegrationStatus"], "exported");

    app.control("POST", "reset", None).await;
    assert_ne!(app.state_document().await, snapshot);
    let response = app.control("POST", "seed", Some(&snapshot)).await;
    response.assert_status(StatusCode::OK);
    assert_eq!(app.state_document().await, snapshot);

    // What the API serves and what sdemu keeps beside it are back too.
    assert_eq!(
        app.task_status(&format!("taskId={task_id}")).await.json(),
        created.json()
    );
    let stored: (Option<String>, Option<String>) =
        sqlx::query_as("SELECT task_assignment, custom_form_values FROM tasks WHERE task_id = ?")
            .bind(task_id)
            .fetch_one(&app.state.db)
            .await
            .unwrap();
    assert_eq!(stored.0.as_deref(), Some(r#"{"users":["a@example.com"]}"#));
    assert_eq!(stored.1.as_deref(), Some(r#"{"costCenter":"7"}"#));
}

#[tokio::test]
async fn a_failed_merge_leaves_the_state_byte_for_byte_unchanged() {
    let app = TestApp::two_organizations().await;
    let before = app.control("GET", "state", None).await.body;
    for document in [
        // A clash with the loaded state.
        json!({"tasks": [{"taskId": 10, "workspaceId": 1, "displayName": "x",
               "createdOn": "2024-01-01", "taskStatus": 3, "integrationStatus": 1}]}),
        // Valid items next to an invalid one, in every section.
        json!({"organizations": [{"tenantId": 3, "name": "New", "clientId": "new", "clientSecret": "s"}],
               "taskStatuses": [{"value": 50, "name": "Fifty"}],
               "workspaces": [{"workspaceId": 9, "tenantId": 3, "workspaceName": "W"}],
               "batches": [{"batchId": 9, "workspaceId": 9, "displayName": "B", "createdOn": "2024-01-01"}],
               "tasks": [{"taskId": 90, "workspaceId": 9, "batchId": 9, "displayName": "ok",
                          "createdOn": "2024-01-01", "taskStatus": 50, "integrationStatus": 1},
                         {"taskId": 91, "workspaceId": 9, "displayName": "bad",
                          "createdOn": "2024-01-01", "taskStatus": 3, "integrationStatus": 77}]}),
        // Not a document at all.
        json!("tasks"),
        json!({"tasks": 5}),
        json!({"tasks": [{"taskId": "one"}]}),
    ] {
        app.control("POST", "seed?mode=merge", Some(&document))
            .await
            .case(&document)
            .assert_problem(StatusCode::BAD_REQUEST, None);
        assert_eq!(
            app.control("GET", "state", None).await.body,
            before,
            "{document}"
        );
    }
}

#[tokio::test]
async fn reset_brings_back_client_organizations_and_tokens_issued_before_it_keep_working() {
    let app = TestApp::with_options(&["--client", "extra:extra-secret"]).await;
    let token = app.token_for("extra", "extra-secret").await;
    app.status_list_as(&token, EVERYTHING)
        .await
        .assert_status(StatusCode::OK);
    // Replacing the data without that organization makes its token useless...
    let response = app
        .control(
            "POST",
            "seed",
            Some(&serde_json::from_str(SMALL_FIXTURE).unwrap()),
        )
        .await;
    response.assert_status(StatusCode::OK);
    app.status_list_as(&token, EVERYTHING)
        .await
        .assert_status(StatusCode::UNAUTHORIZED);
    // ... and reset brings both the organization and the token back.
    let response = app.control("POST", "reset", None).await;
    response.assert_status(StatusCode::OK);
    let state = app.state_document().await;
    assert!(state["organizations"]
        .as_array()
        .unwrap()
        .iter()
        .any(|o| o["clientId"] == "extra" && o["clientSecret"] == "extra-secret"));
    let response = app.status_list_as(&token, EVERYTHING).await;
    response.assert_status(StatusCode::OK);
    assert_eq!(response.json(), json!([]));
}

#[tokio::test]
async fn the_journal_records_token_requests_without_their_form_body_or_credentials() {
    let app = TestApp::two_organizations().await;
    app.token(&ACME).await;
    let other = basic("other:other-secret");
    app.post_token_with_authorization(&other, "grant_type=client_credentials&scope=WebAPI")
        .await
        .assert_status(StatusCode::OK);

    let entries = app.journal("path=/connect/token").await;
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[0]["method"], "POST");
    assert_eq!(entries[0]["status"], 200);
    assert_eq!(entries[0]["query"], json!(null));
    assert_eq!(entries[0]["headers"]["authorization"], "Basic [redacted]");
    let text = Value::Array(entries).to_string();
    let other_credentials = other.strip_prefix("Basic ").unwrap();
    for secret in ["acme-secret", other_credentials, "client_credentials"] {
        assert!(!text.contains(secret), "{secret} in {text}");
    }
}

/// The same fixture in memory (shared cache) or in a database file (WAL): the two lock
/// differently, so concurrency tests run on both.
async fn small_app(file: Option<&tempfile::TempDir>) -> Arc<TestApp> {
    let app = match file {
        Some(directory) => {
            let path = directory.path().join("sdemu.db");
            TestApp::with_fixture_and_options(
                SMALL_FIXTURE,
                &["--database", path.to_str().unwrap()],
            )
            .await
        }
        None => TestApp::small().await,
    };
    Arc::new(app)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn reset_and_seed_while_lists_are_served_never_fail_a_list() {
    let directory = tempfile::tempdir().unwrap();
    for file in [None, Some(&directory)] {
        reset_and_seed_while_lists_are_served(small_app(file).await).await;
    }
}

async fn reset_and_seed_while_lists_are_served(app: Arc<TestApp>) {
    let original = ids(&app.status_list(EVERYTHING).await);
    let extra = json!({"tasks": [{"taskId": 99, "workspaceId": 1, "displayName": "x",
        "createdOn": "2024-06-01T00:00:00Z", "taskStatus": 3, "integrationStatus": 1}]});
    let mut with_extra = original.clone();
    with_extra.push(99);

    let writer = {
        let app = app.clone();
        tokio::spawn(async move {
            for _ in 0..15 {
                let merged = app.control("POST", "seed?mode=merge", Some(&extra)).await;
                merged.assert_status(StatusCode::OK);
                let reset = app.control("POST", "reset", None).await;
                reset.assert_status(StatusCode::OK);
            }
        })
    };
    let readers: Vec<_> = (0..4)
        .map(|_| {
            let app = app.clone();
            let (original, with_extra) = (original.clone(), with_extra.clone());
            tokio::spawn(async move {
                for _ in 0..30 {
                    let listed = ids(&app.status_list(EVERYTHING).await);
                    assert!(
                        listed == original || listed == with_extra,
                        "a half-applied state: {listed:?}"
                    );
                }
            })
        })
        .collect();
    writer.await.unwrap();
    for reader in readers {
        reader.await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn merges_and_resets_racing_task_creation_never_answer_500() {
    let directory = tempfile::tempdir().unwrap();
    for file in [None, Some(&directory)] {
        merges_and_resets_racing_task_creation(small_app(file).await).await;
    }
}

async fn merges_and_resets_racing_task_creation(app: Arc<TestApp>) {
    let creator = {
        let app = app.clone();
        tokio::spawn(async move {
            for n in 0..20 {
                let body = json!({"displayName": format!("c{n}"), "workspaceId": 1,
                                  "context": {"url": "http://example.com/x.pdf"}});
                let created = app.create_task(&body.to_string()).await;
                created.assert_status(StatusCode::OK);
            }
        })
    };
    let merger = {
        let app = app.clone();
        tokio::spawn(async move {
            for n in 0..20 {
                let document = json!({"taskStatuses": [{"value": 36, "name": "Processed"}],
                    "workspaces": [{"workspaceId": 100 + n, "workspaceName": "W"}]});
                let merged = app
                    .control("POST", "seed?mode=merge", Some(&document))
                    .await;
                merged.assert_status(StatusCode::OK);
            }
        })
    };
    let resetter = {
        let app = app.clone();
        tokio::spawn(async move {
            for _ in 0..10 {
                let reset = app.control("POST", "reset", None).await;
                reset.assert_status(StatusCode::OK);
            }
        })
    };
    creator.await.unwrap();
    merger.await.unwrap();
    resetter.await.unwrap();
}

#[tokio::test]
async fn times_outside_the_years_0001_to_9999_are_400_in_seeds_and_date_filters() {
    let app = TestApp::small().await;
    let before = app.control("GET", "state", None).await.body;
    for created_on in [
        "+99999-01-01T00:00:00Z",
        "99999-01-01T00:00:00",
        "-99999-01-01",
    ] {
        let response = app
            .control(
                "POST",
                "seed",
                Some(
                    &json!({"batches": [{"batchId": 1, "workspaceId": 1, "displayName": "B",
                                         "createdOn": created_on}],
                            "workspaces": [{"workspaceId": 1, "workspaceName": "W"}],
                            "tasks": [{"taskId": 1, "workspaceId": 1, "displayName": "x",
                                       "createdOn": created_on, "taskStatus": 3,
                                       "integrationStatus": 1}]}),
                ),
            )
            .await
            .case(created_on);
        let problem = response.assert_problem(StatusCode::BAD_REQUEST, None);
        let fields: Vec<&str> = problem["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap())
            .collect();
        assert_eq!(fields, ["createdOn", "createdOn"], "{created_on}");
        assert_eq!(app.control("GET", "state", None).await.body, before);
    }
    let response = app.status_list("startDate=%2B99999-01-01T00:00:00Z").await;
    response.assert_problem(StatusCode::BAD_REQUEST, Some("startDate"));
    let response = app
        .batch_paginated("startDate=99999-01-01T00:00:00&endDate=2024-01-01")
        .await;
    response.assert_problem(StatusCode::BAD_REQUEST, Some("startDate"));
}

#[tokio::test]
async fn absurd_fault_rules_and_journal_filters_are_400_not_500() {
    let app = TestApp::demo().await;
    for rules in [
        json!([{"match": {"path": "/x"}, "delay": {"ms": 1e300}}]),
        json!([{"match": {"path": "/x"}, "delay": {"ms": -1}}]),
        json!([{"match": {"path": "/x"}, "respond": {"status": 65536}}]),
        json!([{"match": {"path": "/x"}, "respond": {"status": 503}, "nth": -1}]),
        json!([{"match": {"path": "/x"}, "respond": {"status": 503}, "times": 1.5}]),
        json!([{"match": {"path": "/x"}, "respond": {"status": 503}, "probability": "half"}]),
        json!([{"match": {"path": "/x", "query": {"a": 1}}, "respond": {"status": 503}}]),
        json!([{"match": {"path": "/x"}, "respond": {"status": 503, "headers": {"a": "\u{1}"}}}]),
        json!({"rules": {"match": {"path": "/x"}}}),
        json!(null),
        json!(42),
    ] {
        app.control("PUT", "faults", Some(&rules))
            .await
            .case(&rules)
            .assert_problem(StatusCode::BAD_REQUEST, None);
        let response = app
            .control("POST", "faults", Some(&rules[0]))
            .await
            .case(&rules[0]);
        if !rules[0].is_null() {
            response.assert_problem(StatusCode::BAD_REQUEST, None);
        }
    }
    assert_eq!(
        app.control("GET", "faults", None).await.json()["rules"],
        json!([])
    );
    for query in [
        "since=2024-13-01",
        "until=%FF%FE",
        "since=99999-01-01",
        "limit=99999999999999999999999",
        "limit=-1",
    ] {
        let response = app.control("GET", &format!("requests?{query}"), None).await;
        assert_eq!(response.status, StatusCode::BAD_REQUEST, "{query}");
    }
}

#[tokio::test]
async fn control_bodies_over_16_mib_are_413_for_faults_too() {
    let app = TestApp::demo().await;
    let body = format!("[\"{}\"]", "x".repeat(16 * 1024 * 1024 + 1));
    for method in ["PUT", "POST"] {
        app.send_raw(
            method,
            "/_emulator/faults",
            Some("application/json"),
            body.clone().into_bytes(),
        )
        .await
        .assert_problem(StatusCode::PAYLOAD_TOO_LARGE, None);
    }
}

#[tokio::test]
async fn an_empty_seed_body_is_a_400_problem() {
    let app = TestApp::small().await;
    let response = app
        .send_raw("POST", "/_emulator/seed", None, Vec::new())
        .await;
    let problem = response.assert_problem(StatusCode::BAD_REQUEST, None);
    assert_eq!(problem["type"], "urn:sdemu:problem:invalid-json");
}

#[tokio::test]
async fn with_an_admin_token_health_ready_and_the_openapi_description_stay_open() {
    let app = TestApp::with_options(&["--admin-token", "s3cret"]).await;
    for path in ["health", "ready", "openapi.json"] {
        let response = app.control("GET", path, None).await;
        assert_eq!(response.status, StatusCode::OK, "{path}");
        assert!(response
            .header("content-type")
            .unwrap()
            .starts_with("application/json"));
    }
    let response = app.control("GET", "state", None).await;
    response.assert_problem(StatusCode::UNAUTHORIZED, None);
}

#[tokio::test]
async fn merge_problems_point_at_the_seed_items_even_after_restated_catalogue_entries() {
    let app = TestApp::small().await;
    // The first entry restates the loaded addition (and is dropped); the second is wrong.
    let document = json!({
        "taskStatuses": [{"value": 36, "name": "Processed"}, {"value": 4, "name": "Wrong"}],
        "tasks": [{"taskId": 1, "workspaceId": 1, "displayName": "x", "createdOn": "2024-01-01",
                   "taskStatus": 3, "integrationStatus": 1}]
    });
    let response = app
        .control("POST", "seed?mode=merge", Some(&document))
        .await;
    response.assert_status(StatusCode::BAD_REQUEST);
    let items: Vec<String> = response.json()["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|problem| problem["item"].as_str().unwrap().to_owned())
        .collect();
    assert!(
        items.contains(&"taskStatuses[1] (value 4)".to_owned()),
        "{items:?}"
    );
    // The clash names both sides: the loaded task and the seed's task.
    assert!(
        items.iter().any(|item| item.starts_with("tasks[0]")),
        "{items:?}"
    );
}
