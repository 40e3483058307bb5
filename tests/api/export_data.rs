//! Get Export Data and its Transcript variant: what a reviewed task exports (the body its
//! Text Documents / Transcripts webhook carries), isolated by organization; 409 before the
//! review has finished, 404 (empty) for an unknown or foreign task, 400 for a bad id.

use axum::http::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{TestApp, OTHER};

const FROZEN: [&str; 4] = ["--clock", "frozen", "--failure-rate", "0"];

/// The documented fields, in the documentation's order.
const FIELDS: [&str; 13] = [
    "taskId",
    "originalFileUrl",
    "workspaceId",
    "batchId",
    "taskNumber",
    "externalId",
    "displayName",
    "description",
    "totalPages",
    "lastCheckoutByUserName",
    "lastCheckedOutBy",
    "lastCheckedOutUntil",
    "chunks",
];

fn keys(body: &Value) -> Vec<String> {
    body.as_object().unwrap().keys().cloned().collect()
}

/// `TWO_ORGANIZATIONS` under a frozen clock, with its task 10 (ToReview) reviewed.
async fn reviewed_task_10() -> TestApp {
    let app = TestApp::two_organizations_with(&FROZEN).await;
    app.control("POST", "tasks/10/review/finish", None)
        .await
        .assert_status(StatusCode::OK);
    app
}

#[tokio::test]
async fn a_reviewed_task_answers_every_documented_field_from_the_task() {
    let app = reviewed_task_10().await;
    for tail in ["10", "Transcript/10"] {
        let body = app
            .get_export_data(tail)
            .await
            .case(tail)
            .assert_json(StatusCode::OK);
        assert_eq!(keys(&body), FIELDS, "{tail}");
        assert_eq!(
            body,
            json!({
                "taskId": 10,
                "originalFileUrl": null,
                "workspaceId": 1,
                "batchId": 1,
                "taskNumber": 7,
                "externalId": "X-10",
                "displayName": "a.pdf",
                "description": null,
                "totalPages": 2,
                "lastCheckoutByUserName": null,
                "lastCheckedOutBy": null,
                "lastCheckedOutUntil": null,
                "chunks": [],
            }),
            "{tail}"
        );
    }
}

#[tokio::test]
async fn a_task_created_through_the_api_exports_once_its_review_is_finished() {
    let app = TestApp::two_organizations_with(&FROZEN).await;
    let id = app.create_task_for("https://example.com/scan.pdf").await;
    app.advance_clock(json!(13)).await;
    let status = app
        .task_status(&format!("taskId={id}"))
        .await
        .assert_json(StatusCode::OK);
    assert_eq!(status["taskStatus"], 3, "{status}");
    let early = app
        .get_export_data(&id.to_string())
        .await
        .assert_problem(StatusCode::CONFLICT, None);
    assert_eq!(early["taskStatus"], 3);

    app.control("POST", &format!("tasks/{id}/review/finish"), None)
        .await
        .assert_status(StatusCode::OK);
    let status = app
        .task_status(&format!("taskId={id}"))
        .await
        .assert_json(StatusCode::OK);
    for tail in [id.to_string(), format!("Transcript/{id}")] {
        let body = app
            .get_export_data(&tail)
            .await
            .case(&tail)
            .assert_json(StatusCode::OK);
        for field in [
            "taskId",
            "workspaceId",
            "batchId",
            "taskNumber",
            "externalId",
            "displayName",
            "description",
            "totalPages",
        ] {
            assert_eq!(body[field], status[field], "{tail}: {field}");
        }
        assert_eq!(body["originalFileUrl"], Value::Null);
        assert_eq!(body["chunks"], json!([]));
    }
}

#[tokio::test]
async fn a_task_whose_review_has_not_finished_is_a_409_problem_with_its_status() {
    let app = TestApp::two_organizations_with(&FROZEN).await;
    // Task 10 is ToReview (3), task 11 InReview (4).
    for (tail, status) in [
        ("10", 3),
        ("Transcript/10", 3),
        ("11", 4),
        ("Transcript/11", 4),
    ] {
        let problem = app
            .get_export_data(tail)
            .await
            .case(tail)
            .assert_problem(StatusCode::CONFLICT, None);
        assert_eq!(problem["taskStatus"], status, "{tail}");
        assert!(problem["type"]
            .as_str()
            .unwrap()
            .ends_with("export-not-ready"));
    }
}

#[tokio::test]
async fn another_organizations_task_is_a_404_with_an_empty_body_for_both() {
    let app = reviewed_task_10().await;
    let other = app.token(&OTHER).await;
    for tail in ["10", "Transcript/10"] {
        let uri = format!("/api/v1.0/external/sdtask/GetExportData/{tail}");
        app.get_as(&other, &uri)
            .await
            .case(tail)
            .assert_empty(StatusCode::NOT_FOUND);
    }
    // Its own task 20 is visible to it (and not yet reviewed).
    app.get_as(&other, "/api/v1.0/external/sdtask/GetExportData/20")
        .await
        .assert_problem(StatusCode::CONFLICT, None);
    app.get_export_data("20")
        .await
        .assert_empty(StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn an_unknown_task_is_a_404_with_an_empty_body() {
    let app = reviewed_task_10().await;
    for tail in ["999", "Transcript/999", "-1", "0"] {
        app.get_export_data(tail)
            .await
            .case(tail)
            .assert_empty(StatusCode::NOT_FOUND);
    }
}

#[tokio::test]
async fn a_task_id_that_is_not_an_integer_is_a_400_problem() {
    let app = reviewed_task_10().await;
    for tail in [
        "abc",
        "Transcript/abc",
        "1.5",
        "99999999999999999999",
        "Transcript",
    ] {
        app.get_export_data(tail)
            .await
            .case(tail)
            .assert_problem(StatusCode::BAD_REQUEST, None);
    }
}

#[tokio::test]
async fn external_id_must_name_the_same_task_when_given() {
    let app = reviewed_task_10().await;
    for tail in ["10?externalId=X-10", "Transcript/10?externalId=X-10"] {
        let body = app
            .get_export_data(tail)
            .await
            .case(tail)
            .assert_json(StatusCode::OK);
        assert_eq!(body["taskId"], 10);
    }
    for tail in ["10?externalId=X-20", "Transcript/10?externalId=nope"] {
        app.get_export_data(tail)
            .await
            .case(tail)
            .assert_empty(StatusCode::NOT_FOUND);
    }
}

#[tokio::test]
async fn the_path_matches_in_any_case_and_with_a_trailing_slash() {
    let app = reviewed_task_10().await;
    for path in [
        "/API/V1.0/EXTERNAL/SDTASK/GETEXPORTDATA/10",
        "/api/v1.0/external/sdtask/getexportdata/transcript/10/",
    ] {
        let body = app.get(path).await.case(path).assert_json(StatusCode::OK);
        assert_eq!(body["taskId"], 10, "{path}");
    }
}

#[tokio::test]
async fn without_a_token_it_is_a_401() {
    let app = reviewed_task_10().await;
    app.get_anonymous("/api/v1.0/external/sdtask/GetExportData/10")
        .await
        .assert_unauthorized("Bearer");
}
