//! POST sdtask/process: creating a task from a CreateTaskRequest.

use axum::http::StatusCode;
use chrono::{TimeZone, Utc};
use serde_json::json;

use crate::helpers::TestApp;

const URI: &str = "/api/v1.0/external/sdtask/process";

#[tokio::test]
async fn a_minimal_request_creates_a_queued_task_in_the_default_workspace() {
    let app = TestApp::two_organizations().await;
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 11, 5, 8, 0, 30).unwrap());
    let response = app
        .create_task(r#"{"context":{"url":"https://files.example.com/in/a%20scan.pdf?sig=1"}}"#)
        .await;
    let expected = json!({
        "taskId": 22, "workspaceId": 1, "batchId": null, "taskNumber": 8, "externalId": null,
        "displayName": "a scan.pdf", "description": null, "createdOn": "2026-11-05T08:00:30Z",
        "taskStatus": 30, "integrationStatus": 1, "taskStatusText": "QueuedForPreProcessing",
        "integrationStatusText": "Never", "totalPages": 0,
        "preProcessingStartedOn": "2026-11-05T08:00:30Z"
    });
    assert_eq!(response.assert_json(StatusCode::OK), expected);
    // The same object is served by Task Status and the list; its external status is `never`.
    assert_eq!(app.task_status("taskId=22").await.json(), expected);
    let never = app
        .status_list("startDate=2026-11-05&externalIntegrationStatus=never")
        .await
        .task_ids();
    assert_eq!(never, vec![22]);
}

#[tokio::test]
async fn every_documented_field_is_used() {
    let app = TestApp::two_organizations().await;
    let body = json!({
        "displayName": "Invoice 42", "description": "From the portal", "workspaceId": 1,
        "batchId": 1, "priority": 2, "externalId": "portal-42",
        "context": {"url": "http://example.com/x.pdf", "transcriptLanguage": "pt-PT"},
        "taskAssignment": {"users": ["a@example.com"]},
        "customFormValues": {"costCenter": "7"},
        "somethingNew": true
    });
    let task = app.create_task(&body.to_string()).await.json();
    assert_eq!(task["displayName"], "Invoice 42");
    assert_eq!(task["description"], "From the portal");
    assert_eq!(task["batchId"], 1);
    assert_eq!(task["externalId"], "portal-42");
    assert_eq!(app.task_status("externalId=portal-42").await.json(), task);
    let stored: (i64, String, Option<String>, Option<String>) = sqlx::query_as(
        "SELECT priority, context, task_assignment, custom_form_values FROM tasks WHERE task_id = ?",
    )
    .bind(task["taskId"].as_i64().unwrap())
    .fetch_one(&app.state.db)
    .await
    .unwrap();
    assert_eq!(stored.0, 2);
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&stored.1).unwrap(),
        body["context"]
    );
    assert_eq!(stored.2.as_deref(), Some(r#"{"users":["a@example.com"]}"#));
    assert_eq!(stored.3.as_deref(), Some(r#"{"costCenter":"7"}"#));
}

#[tokio::test]
async fn task_ids_and_per_workspace_numbers_keep_growing() {
    let app = TestApp::two_organizations().await;
    let create = |workspace: i64| {
        let app = &app;
        async move {
            let body =
                json!({"workspaceId": workspace, "context": {"url": "https://example.com/"}});
            app.create_task(&body.to_string()).await.json()
        }
    };
    let first = create(2).await;
    let second = create(2).await;
    let third = create(1).await;
    assert_eq!(
        (first["taskId"].clone(), first["taskNumber"].clone()),
        (json!(22), json!(1))
    );
    assert_eq!(
        (second["taskId"].clone(), second["taskNumber"].clone()),
        (json!(23), json!(2))
    );
    assert_eq!(
        (third["taskId"].clone(), third["taskNumber"].clone()),
        (json!(24), json!(8))
    );
    // A URL without a file name gives `Task {taskId}`.
    assert_eq!(first["displayName"], "Task 22");
}

#[tokio::test]
async fn a_duplicate_external_id_in_the_organization_is_a_409_problem() {
    let app = TestApp::two_organizations().await;
    let response = app
        .create_task(r#"{"externalId":"X-10","context":{"url":"https://example.com/a.pdf"}}"#)
        .await;
    let problem = response.assert_problem(StatusCode::CONFLICT, None);
    assert_eq!(problem["type"], "urn:sdemu:problem:duplicate-external-id");
    assert_eq!(problem["field"], "externalId");
    // Another organization's external id is free to reuse.
    let response = app
        .create_task(r#"{"externalId":"X-20","context":{"url":"https://example.com/a.pdf"}}"#)
        .await;
    response.assert_status(StatusCode::OK);
    assert_eq!(response.json()["taskId"], 22);
}

#[tokio::test]
async fn unusable_fields_are_problems_naming_the_field_and_nothing_is_stored() {
    let app = TestApp::two_organizations().await;
    let url = json!({"url": "https://example.com/a.pdf"});
    let cases = [
        (json!({}), "context"),
        (json!({"context": null}), "context"),
        (json!({"context": {}}), "context.url"),
        (json!({"context": {"url": null}}), "context.url"),
        (json!({"context": {"url": 7}}), "context.url"),
        (json!({"context": {"url": "a.pdf"}}), "context.url"),
        (json!({"context": {"url": "/files/a.pdf"}}), "context.url"),
        (
            json!({"context": {"url": "ftp://example.com/a.pdf"}}),
            "context.url",
        ),
        (json!({"context": {"url": "https://"}}), "context.url"),
        (json!({"context": url, "workspaceId": 3}), "workspaceId"),
        (json!({"context": url, "workspaceId": 99}), "workspaceId"),
        (
            json!({"context": url, "batchId": 1, "workspaceId": 2}),
            "batchId",
        ),
        (json!({"context": url, "batchId": 2}), "batchId"),
        (json!({"context": url, "batchId": 99}), "batchId"),
        (json!({"context": url, "priority": 0}), "priority"),
        (json!({"context": url, "externalId": " "}), "externalId"),
        (
            json!({"context": url, "externalId": "e".repeat(257)}),
            "externalId",
        ),
        (
            json!({"context": url, "displayName": "d".repeat(257)}),
            "displayName",
        ),
        (
            json!({"context": url, "description": "d".repeat(4001)}),
            "description",
        ),
    ];
    for (body, field) in cases {
        let problem = app
            .create_task(&body.to_string())
            .await
            .case(&body)
            .assert_problem(StatusCode::BAD_REQUEST, None);
        assert_eq!(problem["field"], field, "{body}");
        assert_eq!(problem["type"], "urn:sdemu:problem:invalid-field", "{body}");
    }
    assert_eq!(app.count_rows("tasks").await, 4);
}

#[tokio::test]
async fn bodies_that_are_not_the_expected_json_are_400_problems() {
    let app = TestApp::two_organizations().await;
    let good = r#"{"context":{"url":"https://example.com/a.pdf"}}"#;
    let cases: [(Option<&str>, &str, &str); 7] = [
        (Some("application/json"), "", "malformed-json"),
        (Some("application/json"), "{\"context\":", "malformed-json"),
        (Some("application/json"), "[1,2]", "invalid-body"),
        (
            Some("application/json"),
            r#"{"context":"https://example.com"}"#,
            "invalid-body",
        ),
        (
            Some("application/json"),
            r#"{"context":{"url":"https://e.com/a"},"priority":"high"}"#,
            "invalid-body",
        ),
        (Some("text/plain"), good, "unsupported-content-type"),
        (None, good, "unsupported-content-type"),
    ];
    for (content_type, body, kind) in cases {
        let response = app
            .send_raw("POST", URI, content_type, body.as_bytes().to_vec())
            .await
            .case(format!("{content_type:?} {body}"));
        let problem = response.assert_problem(StatusCode::BAD_REQUEST, None);
        assert_eq!(
            problem["type"],
            format!("urn:sdemu:problem:{kind}"),
            "{body}"
        );
    }
    // The JSON content type with a charset is accepted.
    let response = app
        .send_raw(
            "POST",
            URI,
            Some("application/json; charset=utf-8"),
            good.into(),
        )
        .await;
    response.assert_status(StatusCode::OK);
}

#[tokio::test]
async fn a_body_over_one_mebibyte_is_a_413_problem() {
    let app = TestApp::two_organizations().await;
    let with_description = |length: usize| {
        let padding = "x".repeat(length);
        let body = format!(
            r#"{{"context":{{"url":"https://example.com/a.pdf"}},"description":"{padding}"}}"#
        );
        app.send_raw("POST", URI, Some("application/json"), body.into_bytes())
    };
    let response = with_description(1024 * 1024).await;
    let problem = response.assert_problem(StatusCode::PAYLOAD_TOO_LARGE, None);
    assert_eq!(problem["type"], "urn:sdemu:problem:body-too-large");
    assert_eq!(problem["limit"], 1024 * 1024);
    // Just under the limit is read (and then refused for its description, not its size).
    let response = with_description(1024 * 1024 - 100).await;
    let problem = response.assert_problem(StatusCode::BAD_REQUEST, None);
    assert_eq!(problem["field"], "description");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_creations_and_page_reads_all_succeed_with_distinct_ids() {
    let app = std::sync::Arc::new(TestApp::two_organizations().await);
    let mut handles = Vec::new();
    for i in 0..24 {
        let app = app.clone();
        handles.push(tokio::spawn(async move {
            if i % 3 == 0 {
                let response = app
                    .status_list_paginated("startDate=2020-01-01&pageSize=5")
                    .await;
                response.assert_status(StatusCode::OK);
                let page = response.json();
                // Count and items come from one snapshot.
                let total = page["totalCount"].as_i64().unwrap();
                assert_eq!(page["totalPages"].as_i64().unwrap(), (total + 4) / 5);
                None
            } else {
                let response = app
                    .create_task(
                        r#"{"workspaceId":2,"context":{"url":"https://example.com/a.pdf"}}"#,
                    )
                    .await;
                response.assert_status(StatusCode::OK);
                let task = response.json();
                Some((
                    task["taskId"].as_i64().unwrap(),
                    task["taskNumber"].as_i64().unwrap(),
                ))
            }
        }));
    }
    let mut created = Vec::new();
    for handle in handles {
        created.extend(handle.await.unwrap());
    }
    created.sort();
    let ids: Vec<i64> = created.iter().map(|c| c.0).collect();
    let mut numbers: Vec<i64> = created.iter().map(|c| c.1).collect();
    numbers.sort();
    assert_eq!(ids, (22..38).collect::<Vec<_>>());
    assert_eq!(numbers, (1..17).collect::<Vec<_>>());
}
