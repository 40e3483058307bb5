//! Webhooks and the data a test loads: a merge seed keeps the configurations and a task's
//! last export error (the fixture document's `webhooks` section: `webhook_fixtures`).

use axum::http::StatusCode;
use serde_json::json;

use crate::helpers::{add_webhook, frozen, receiver, task_to_review, Answer};

#[tokio::test]
async fn a_merge_seed_keeps_the_configurations_and_the_last_export_error() {
    let app = frozen(&[]).await;
    let (base, _got) = receiver(Answer::Status(422, "missing cost centre")).await;
    let (id, workspace) = task_to_review(&app).await;
    add_webhook(
        &app,
        json!({"workspaceId": workspace, "url": format!("{base}/hook"), "kind": "textDocuments"}),
    )
    .await;
    app.control("POST", &format!("tasks/{id}/review/finish"), None)
        .await
        .assert_json(StatusCode::OK);

    app.control("POST", "seed?mode=merge", Some(&json!({})))
        .await
        .assert_json(StatusCode::OK);
    let shown = app
        .control("GET", &format!("tasks/{id}"), None)
        .await
        .assert_json(StatusCode::OK);
    assert_eq!(shown["taskStatus"], 3);
    assert_eq!(shown["lastExportError"], "missing cost centre");
    let listed = app
        .control("GET", "webhooks", None)
        .await
        .assert_json(StatusCode::OK);
    assert_eq!(listed.as_array().unwrap().len(), 1);
}
