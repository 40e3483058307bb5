//! GET sdtask/status, PATCH sdtask/restartprocessing and PATCH
//! sdtask/externalIntegrationStatus: one task named by `taskId` and/or `externalId`.

use axum::http::StatusCode;
use chrono::{Duration, TimeZone, Utc};
use serde_json::json;

use crate::helpers::TestApp;

#[tokio::test]
async fn a_task_is_found_by_task_id_with_the_same_shape_as_a_list_item() {
    let app = TestApp::demo().await;
    let response = app.task_status("taskId=50").await;
    response.assert_json(StatusCode::OK);
    let listed = app
        .status_list("startDate=2022-03-16T16:59:55Z&endDate=2022-04-05T16:59:55Z")
        .await
        .json();
    let from_list = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|task| task["taskId"] == 50)
        .unwrap();
    assert_eq!(&response.json(), from_list);
    assert_eq!(response.json()["restartCount"], 1);
}

#[tokio::test]
async fn a_task_is_found_by_external_id_and_parameter_names_ignore_case() {
    let app = TestApp::two_organizations().await;
    for query in [
        "externalId=X-10",
        "EXTERNALID=X-10",
        "taskid=10",
        "taskId=10&externalId=X-10",
    ] {
        let response = app.task_status(query).await;
        assert_eq!(response.status, StatusCode::OK, "{query}");
        assert_eq!(response.json()["taskId"], 10, "{query}");
        assert_eq!(response.json()["externalId"], "X-10", "{query}");
    }
}

#[tokio::test]
async fn naming_no_task_is_a_400_with_an_empty_body() {
    let app = TestApp::small().await;
    for query in ["", "taskId=", "externalId=%20", "other=1"] {
        app.task_status(query)
            .await
            .assert_empty(StatusCode::BAD_REQUEST);
    }
}

#[tokio::test]
async fn a_task_id_that_is_not_an_integer_is_a_problem_naming_it() {
    let app = TestApp::small().await;
    let problem = app
        .task_status("taskId=abc")
        .await
        .assert_problem(StatusCode::BAD_REQUEST, Some("taskId"));
    assert_eq!(problem["value"], "abc");
}

#[tokio::test]
async fn an_unknown_task_is_a_404_with_an_empty_body() {
    let app = TestApp::small().await;
    for query in ["taskId=999", "externalId=nope"] {
        app.task_status(query)
            .await
            .assert_empty(StatusCode::NOT_FOUND);
    }
}

#[tokio::test]
async fn another_organizations_task_is_not_found() {
    let app = TestApp::two_organizations().await;
    app.task_status("taskId=20")
        .await
        .assert_empty(StatusCode::NOT_FOUND);
    app.task_status("externalId=X-20")
        .await
        .assert_empty(StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_task_id_and_external_id_naming_different_tasks_is_not_found() {
    let app = TestApp::small().await;
    app.task_status("taskId=1&externalId=A-3")
        .await
        .assert_empty(StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn reprocessing_queues_the_task_again_and_counts_the_restart() {
    let app = TestApp::small().await;
    app.set_external_integration_status("taskId=1", r#"{"externalIntegrationStatus":"done"}"#)
        .await
        .assert_empty(StatusCode::OK);
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 11, 2, 9, 30, 15).unwrap());

    let response = app.restart_processing("taskId=1").await;
    response.assert_empty(StatusCode::OK);

    let task = app.task_status("taskId=1").await.json();
    assert_eq!(task["restartCount"], 1);
    assert_eq!(task["taskStatus"], 30);
    assert_eq!(task["taskStatusText"], "QueuedForPreProcessing");
    assert_eq!(task["preProcessingStartedOn"], "2026-11-02T09:30:15Z");
    // The external integration status is back to `never`.
    let never = app
        .status_list("startDate=2024-01-01&externalIntegrationStatus=never")
        .await
        .task_ids();
    assert!(never.contains(&1), "{never:?}");

    app.clock.advance(Duration::seconds(5));
    app.restart_processing("externalId=A-1")
        .await
        .assert_empty(StatusCode::OK);
    let task = app.task_status("taskId=1").await.json();
    assert_eq!(task["restartCount"], 2);
    assert_eq!(task["preProcessingStartedOn"], "2026-11-02T09:30:20Z");
}

#[tokio::test]
async fn reprocessing_an_already_reprocessed_task_adds_to_its_count() {
    let app = TestApp::small().await;
    app.restart_processing("taskId=2")
        .await
        .assert_empty(StatusCode::OK);
    assert_eq!(app.task_status("taskId=2").await.json()["restartCount"], 3);
}

#[tokio::test]
async fn reprocessing_answers_400_and_404_as_the_single_status_does() {
    let app = TestApp::two_organizations().await;
    app.restart_processing("")
        .await
        .assert_empty(StatusCode::BAD_REQUEST);
    app.restart_processing("taskId=x")
        .await
        .assert_problem(StatusCode::BAD_REQUEST, Some("taskId"));
    for query in [
        "taskId=999",
        "taskId=20",
        "externalId=X-20",
        "taskId=11&externalId=X-10",
    ] {
        app.restart_processing(query)
            .await
            .assert_empty(StatusCode::NOT_FOUND);
    }
    // Nothing changed in either organization.
    assert_eq!(
        app.count_rows("tasks WHERE restart_count IS NOT NULL")
            .await,
        0
    );
}

#[tokio::test]
async fn the_external_integration_status_is_set_and_filtered_on_exactly() {
    let app = TestApp::small().await;
    app.set_external_integration_status("taskId=1", r#"{"externalIntegrationStatus":"Exported"}"#)
        .await
        .assert_empty(StatusCode::OK);
    app.set_external_integration_status(
        "externalId=A-3",
        r#"{"externalIntegrationStatus":"pending"}"#,
    )
    .await
    .assert_empty(StatusCode::OK);

    let ids = |query: &'static str| {
        let app = &app;
        async move {
            app.status_list(&format!("startDate=2024-01-01&{query}"))
                .await
                .task_ids()
        }
    };
    assert_eq!(ids("externalIntegrationStatus=Exported").await, vec![1]);
    // Exact, case-sensitive match: task 5's "exported" is a different value.
    assert_eq!(ids("externalIntegrationStatus=exported").await, vec![5]);
    assert_eq!(
        ids("externalIntegrationStatus=Exported&externalIntegrationStatus=pending").await,
        vec![1, 3]
    );
    assert_eq!(ids("externalIntegrationStatus=never").await, vec![2, 4]);
    assert_eq!(
        ids("externalIntegrationStatus=EXPORT").await,
        Vec::<i64>::new()
    );

    let page = app
        .status_list_paginated("startDate=2024-01-01&externalIntegrationStatus=pending")
        .await
        .json();
    assert_eq!(page["totalCount"], 1);
    assert_eq!(page["items"][0]["taskId"], 3);
}

#[tokio::test]
async fn the_task_object_does_not_echo_the_external_integration_status() {
    let app = TestApp::small().await;
    let task = app.task_status("taskId=5").await.json();
    assert!(task.get("externalIntegrationStatus").is_none(), "{task}");
}

#[tokio::test]
async fn the_documentations_path_without_external_is_also_served() {
    let app = TestApp::small().await;
    app.send_json(
        "PATCH",
        "/api/v1.0/sdtask/externalIntegrationStatus?taskId=4",
        r#"{"externalIntegrationStatus":"via-doc-path"}"#,
    )
    .await
    .assert_empty(StatusCode::OK);
    let ids = app
        .status_list("startDate=2024-01-01&externalIntegrationStatus=via-doc-path")
        .await
        .task_ids();
    assert_eq!(ids, vec![4]);
}

#[tokio::test]
async fn an_unusable_external_integration_status_is_a_problem_naming_the_field() {
    let app = TestApp::small().await;
    let long = "x".repeat(33);
    let cases = [
        (json!({}), "missing"),
        (json!({"externalIntegrationStatus": null}), "null"),
        (json!({"externalIntegrationStatus": ""}), "empty"),
        (json!({"externalIntegrationStatus": "  \t"}), "white space"),
        (json!({"externalIntegrationStatus": long}), "33 characters"),
    ];
    for (body, case) in cases {
        let response = app
            .set_external_integration_status("taskId=1", &body.to_string())
            .await
            .case(case);
        let problem = response.assert_problem(StatusCode::BAD_REQUEST, None);
        assert_eq!(problem["field"], "externalIntegrationStatus", "{case}");
        assert_eq!(problem["type"], "urn:sdemu:problem:invalid-field", "{case}");
    }
    // 32 characters (not bytes) is the limit.
    let longest = "é".repeat(32);
    app.set_external_integration_status(
        "taskId=1",
        &json!({ "externalIntegrationStatus": longest }).to_string(),
    )
    .await
    .assert_empty(StatusCode::OK);
    // Nothing else was stored.
    let never = app
        .status_list("startDate=2024-01-01&externalIntegrationStatus=never")
        .await
        .task_ids();
    assert_eq!(never, vec![2, 3, 4]);
}

#[tokio::test]
async fn a_malformed_external_integration_status_body_is_a_problem() {
    let app = TestApp::small().await;
    let uri = "/api/v1.0/external/sdtask/externalIntegrationStatus?taskId=1";
    let cases: [(Option<&str>, &str, &str); 4] = [
        (Some("application/json"), "{not json", "malformed-json"),
        (
            Some("application/json"),
            r#"{"externalIntegrationStatus": 5}"#,
            "invalid-body",
        ),
        (
            Some("text/plain"),
            r#"{"externalIntegrationStatus": "x"}"#,
            "unsupported-content-type",
        ),
        (
            None,
            r#"{"externalIntegrationStatus": "x"}"#,
            "unsupported-content-type",
        ),
    ];
    for (content_type, body, kind) in cases {
        let response = app
            .send_raw("PATCH", uri, content_type, body.as_bytes().to_vec())
            .await
            .case(format!("{content_type:?} {body}"));
        let problem = response.assert_problem(StatusCode::BAD_REQUEST, None);
        assert_eq!(
            problem["type"],
            format!("urn:sdemu:problem:{kind}"),
            "{body}"
        );
    }
}

#[tokio::test]
async fn setting_the_status_of_an_unknown_or_foreign_task_is_not_found() {
    let app = TestApp::two_organizations().await;
    let body = r#"{"externalIntegrationStatus":"done"}"#;
    app.set_external_integration_status("", body)
        .await
        .assert_empty(StatusCode::BAD_REQUEST);
    for query in ["taskId=999", "taskId=20", "externalId=X-20"] {
        app.set_external_integration_status(query, body)
            .await
            .assert_empty(StatusCode::NOT_FOUND);
    }
    let foreign: String =
        sqlx::query_scalar("SELECT external_integration_status FROM tasks WHERE task_id = 20")
            .fetch_one(&app.state.db)
            .await
            .unwrap();
    assert_eq!(foreign, "never");
}
