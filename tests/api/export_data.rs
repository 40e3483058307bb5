//! Get Export Data and its Transcript variant: what a reviewed task exports (the body its
//! Text Documents / Transcripts webhook carries), isolated by organization; 409 before the
//! review has finished, 404 (empty) for an unknown or foreign task, 400 for a bad id.

use axum::http::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{
    add_webhook, first_delivery, frozen, receiver, silent_receiver_review, task_to_review, Answer,
    TestApp, OTHER,
};

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

/// The Transcript variant's fields: the task's, then the transcript's.
const TRANSCRIPT_FIELDS: [&str; 15] = [
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
    "totalTimeInSeconds",
    "speakers",
    "paragraphs",
];

/// Asserts `url` is a file link sdemu serves for `task_id`'s original, as a PDF.
fn assert_original_link(url: &Value, task_id: i64) {
    let url = url.as_str().expect("originalFileUrl is a link");
    assert!(
        url.starts_with("http://localhost:8080/_emulator/files/"),
        "{url}"
    );
    assert!(
        url.contains(&format!("/task-{task_id}-original.pdf?se=")),
        "{url}"
    );
}

#[tokio::test]
async fn a_reviewed_task_answers_every_documented_field_from_the_task() {
    let app = reviewed_task_10().await;
    let body = app.get_export_data("10").await.assert_json(StatusCode::OK);
    assert_eq!(keys(&body), FIELDS);
    assert_original_link(&body["originalFileUrl"], 10);
    let mut task_fields = body.clone();
    task_fields["originalFileUrl"] = Value::Null;
    task_fields["chunks"] = json!([]);
    assert_eq!(
        task_fields,
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
        })
    );
    // One chunk per page, each entity in the documented shape, on its page.
    let chunks = body["chunks"].as_array().unwrap();
    assert_eq!(chunks.len(), 2);
    for (page, chunk) in (1..).zip(chunks) {
        for entity in chunk["entities"].as_array().unwrap() {
            assert_eq!(
                keys(entity),
                [
                    "type",
                    "category",
                    "groupName",
                    "pageNumber",
                    "chunkNumber",
                    "customFormValues",
                    "qrCode"
                ]
            );
            assert_eq!(entity["pageNumber"], page);
        }
    }
    // The same task answers the same body again: the link stays until it expires.
    assert_eq!(
        app.get_export_data("10").await.assert_json(StatusCode::OK),
        body
    );

    let transcript = app
        .get_export_data("Transcript/10")
        .await
        .assert_json(StatusCode::OK);
    assert_eq!(keys(&transcript), TRANSCRIPT_FIELDS);
    assert_eq!(transcript["originalFileUrl"], body["originalFileUrl"]);
    for field in &FIELDS[2..12] {
        assert_eq!(transcript[field], body[field], "{field}");
    }
    let speakers = transcript["speakers"].as_array().unwrap();
    assert!((2..=3).contains(&speakers.len()), "{transcript}");
    let paragraphs = transcript["paragraphs"].as_array().unwrap();
    let mut previous_end = 0;
    for paragraph in paragraphs {
        assert_eq!(
            keys(paragraph),
            ["speakerId", "startTime", "endTime", "text", "annotations"]
        );
        assert!(speakers
            .iter()
            .any(|speaker| speaker["speakerId"] == paragraph["speakerId"]));
        assert!(paragraph["startTime"].as_i64().unwrap() >= previous_end);
        previous_end = paragraph["endTime"].as_i64().unwrap();
    }
    assert_eq!(transcript["totalTimeInSeconds"], previous_end);
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
        assert_original_link(&body["originalFileUrl"], id);
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

#[tokio::test]
async fn while_deliveries_are_out_it_answers_the_delivered_body_and_after_a_failed_one_409() {
    let (app, got, id) = silent_receiver_review("textDocuments").await;
    // The review's finish waits for the receiver, which never answers (1 s timeout); while
    // it waits, the export is pending and Get Export Data answers what was delivered.
    let during = async {
        let delivered = first_delivery(&got).await;
        let body = app
            .get_export_data(&id.to_string())
            .await
            .assert_json(StatusCode::OK);
        assert_eq!(body, delivered);
    };
    let path = format!("tasks/{id}/review/finish");
    let finish = app.control("POST", &path, None);
    let (view, ()) = tokio::join!(finish, during);
    assert_eq!(view.assert_json(StatusCode::OK)["taskStatus"], 3);
    // The failed delivery sent the task back to ToReview: no export data any more.
    let problem = app
        .get_export_data(&format!("Transcript/{id}"))
        .await
        .assert_problem(StatusCode::CONFLICT, None);
    assert_eq!(problem["taskStatus"], 3);
}

#[tokio::test]
async fn after_a_successful_export_it_answers_what_each_webhook_kind_carried() {
    let app = frozen(&[]).await;
    let (base, got) = receiver(Answer::Status(200, "")).await;
    let (id, workspace) = task_to_review(&app).await;
    for kind in ["textDocuments", "transcripts"] {
        add_webhook(
            &app,
            json!({"workspaceId": workspace, "url": format!("{base}/{kind}"), "kind": kind}),
        )
        .await;
    }
    app.control("POST", &format!("tasks/{id}/review/finish"), None)
        .await
        .assert_status(StatusCode::OK);
    let delivered: Vec<Value> = got
        .lock()
        .unwrap()
        .iter()
        .map(|received| received.body.clone())
        .collect();
    assert_eq!(delivered.len(), 2);
    for (tail, body) in [id.to_string(), format!("Transcript/{id}")]
        .iter()
        .zip(&delivered)
    {
        let answered = app
            .get_export_data(tail)
            .await
            .case(tail)
            .assert_json(StatusCode::OK);
        assert_eq!(&answered, body, "{tail}");
    }
}

#[tokio::test]
async fn an_archived_task_counts_in_its_batchs_total_tasks_in_history() {
    let app = TestApp::two_organizations_with(&FROZEN).await;
    let before = app
        .get("/api/v1.0/external/sdbatch?batchId=1")
        .await
        .assert_json(StatusCode::OK);
    assert_eq!(before["totalTasksInHistory"], 4);
    app.control("POST", "tasks/10/review/finish", None)
        .await
        .assert_status(StatusCode::OK);
    let after = app
        .get("/api/v1.0/external/sdbatch?batchId=1")
        .await
        .assert_json(StatusCode::OK);
    assert_eq!(after["totalTasksInHistory"], 5, "{after}");
    // Forced out of Task History, it no longer counts.
    app.control("POST", "tasks/10/status", Some(&json!({"taskStatus": 3})))
        .await
        .assert_status(StatusCode::OK);
    let forced = app
        .get("/api/v1.0/external/sdbatch?batchId=1")
        .await
        .assert_json(StatusCode::OK);
    assert_eq!(forced["totalTasksInHistory"], 4);
}
