//! Webhook export configurations, their delivery to a real receiver on a local port when a
//! review finishes, the delivery journal, and the safety rules.

use std::sync::{Arc, Mutex};

use axum::http::StatusCode;
use axum::routing::post;
use axum::Router;
use serde_json::{json, Value};

use crate::helpers::{
    add_webhook, deliveries, frozen, receiver, silent_receiver_review, task_to_review, Answer,
};

#[tokio::test]
async fn a_finished_review_posts_every_kind_its_fields_and_2xx_archives_the_task() {
    let app = frozen(&[]).await;
    let (base, got) = receiver(Answer::Status(200, "")).await;
    let (id, workspace) = task_to_review(&app).await;
    let kinds = [
        ("textDocuments", json!({})),
        ("transcripts", json!({"simplifiedExport": true})),
        (
            "urlToFileTranscripts",
            json!({"timestamps": true, "linkExpiryHours": 24}),
        ),
        ("urlToFileAnonymization", json!({"fileFormat": "png"})),
    ];
    for (kind, options) in &kinds {
        add_webhook(
            &app,
            json!({"workspaceId": workspace, "url": format!("{base}/hooks/{kind}?k=1"),
                   "kind": kind, "options": options}),
        )
        .await;
    }

    let view = app
        .control("POST", &format!("tasks/{id}/review/finish"), None)
        .await
        .assert_json(StatusCode::OK);
    assert_eq!(view["taskStatus"], 20);
    assert_eq!(view["exportPending"], false);
    assert_eq!(view["lastExportError"], Value::Null);
    let history = view["history"].as_array().unwrap();
    assert_eq!(history.last().unwrap()["cause"], "exported");
    assert_eq!(history.last().unwrap()["fromStatus"], 4);

    let task = app
        .task_status(&format!("taskId={id}"))
        .await
        .assert_json(StatusCode::OK);
    assert_eq!(task["taskStatus"], 20, "archived shows as Task History");

    let got = got.lock().unwrap().clone();
    assert_eq!(
        got.len(),
        4,
        "one POST per configuration, before the call answered"
    );
    for (received, (kind, _)) in got.iter().zip(&kinds) {
        assert_eq!(received.path, format!("/hooks/{kind}?k=1"));
        assert_eq!(
            received.headers["content-type"],
            "application/json; charset=utf-8"
        );
        assert!(received.headers["user-agent"]
            .to_str()
            .unwrap()
            .starts_with("sdemu/"));
    }
    let own = &got[0].body;
    assert_eq!(own["taskId"], id);
    assert_eq!(own["workspaceId"], workspace);
    assert_eq!(own["batchId"], task["batchId"]);
    assert_eq!(own["taskNumber"], task["taskNumber"]);
    assert_eq!(own["externalId"], task["externalId"]);
    assert_eq!(own["displayName"], task["displayName"]);
    assert_eq!(own["description"], task["description"]);
    assert_eq!(own["totalPages"], task["totalPages"]);
    // The check-out fields, which sdemu does not know; a link to the original; a chunk of
    // entities per page.
    for field in [
        "lastCheckoutByUserName",
        "lastCheckedOutBy",
        "lastCheckedOutUntil",
    ] {
        assert_eq!(own[field], Value::Null, "{field}");
    }
    assert!(own["originalFileUrl"]
        .as_str()
        .unwrap()
        .contains("/_emulator/files/"));
    assert_eq!(
        own["chunks"].as_array().unwrap().len() as i64,
        task["totalPages"].as_i64().unwrap().min(12)
    );
    assert_eq!(own.as_object().unwrap().len(), 13);
    // Transcripts with "Simplified Export": the key data only.
    let simplified = &got[1].body;
    assert_eq!(
        simplified.as_object().unwrap().keys().collect::<Vec<_>>(),
        [
            "taskId",
            "workspaceId",
            "taskNumber",
            "displayName",
            "speakers",
            "paragraphs"
        ]
    );
    for paragraph in simplified["paragraphs"].as_array().unwrap() {
        assert_eq!(paragraph.as_object().unwrap().len(), 2, "{paragraph}");
        assert!(paragraph["text"].is_string() && paragraph["speakerId"].is_string());
    }
    let keys = |body: &Value| {
        body.as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect::<Vec<_>>()
    };
    assert_eq!(
        keys(&got[2].body),
        [
            "taskId",
            "taskNumber",
            "workspaceId",
            "displayName",
            "exportedFileUrl"
        ]
    );
    assert_eq!(got[2].body["taskId"], id);
    assert_eq!(got[2].body["taskNumber"], task["taskNumber"]);
    assert_eq!(got[2].body["workspaceId"], workspace);
    assert_eq!(got[2].body["displayName"], task["displayName"]);
    let docx = got[2].body["exportedFileUrl"].as_str().unwrap();
    assert!(
        docx.contains(&format!("/task-{id}-exported.docx?se=")),
        "{docx}"
    );
    assert_eq!(
        keys(&got[3].body),
        [
            "taskId",
            "totalPages",
            "taskNumber",
            "workspaceId",
            "displayName",
            "exportedFileUrl"
        ]
    );
    assert_eq!(got[3].body["totalPages"], task["totalPages"]);
    assert_eq!(got[3].body["taskId"], id);
    assert_eq!(got[3].body["displayName"], task["displayName"]);
    let png = got[3].body["exportedFileUrl"].as_str().unwrap();
    assert!(
        png.contains(&format!("/task-{id}-exported.png?se=")),
        "{png}"
    );

    let journal = deliveries(&app).await;
    assert_eq!(journal.len(), 4);
    assert_eq!(
        journal[0]["url"],
        format!("{base}/hooks/urlToFileAnonymization?k=1")
    );
    assert_eq!(journal[0]["requestBody"], got[3].body, "newest first");
    assert_eq!(journal[0]["status"], 200);
    assert_eq!(journal[0]["responseBody"], "");
    assert_eq!(journal[0]["error"], Value::Null);
    assert_eq!(journal[0]["taskId"], id);
    assert!(journal[0]["durationMs"].as_f64().unwrap() >= 0.0);
    assert!(journal[0]["id"].as_u64().unwrap() > journal[1]["id"].as_u64().unwrap());
}

#[tokio::test]
async fn an_error_status_sends_the_task_back_to_review_with_the_receivers_body() {
    let app = frozen(&[]).await;
    let (base, got) = receiver(Answer::Status(500, "order 17 is locked")).await;
    let (id, workspace) = task_to_review(&app).await;
    let hook = add_webhook(
        &app,
        json!({"workspaceId": workspace, "url": format!("{base}/hook"), "kind": "textDocuments"}),
    )
    .await;

    let view = app
        .control("POST", &format!("tasks/{id}/review/finish"), None)
        .await
        .assert_json(StatusCode::OK);
    assert_eq!(view["taskStatus"], 3);
    assert_eq!(view["lastExportError"], "order 17 is locked");
    assert_eq!(
        view["history"].as_array().unwrap().last().unwrap()["cause"],
        "export-failed"
    );
    assert_eq!(got.lock().unwrap().len(), 1);
    let shown = app
        .control("GET", &format!("tasks/{id}"), None)
        .await
        .assert_json(StatusCode::OK);
    assert_eq!(shown["lastExportError"], "order 17 is locked");

    let journal = deliveries(&app).await;
    assert_eq!(journal[0]["webhookId"], hook["id"]);
    assert_eq!(journal[0]["status"], 500);
    assert_eq!(journal[0]["responseBody"], "order 17 is locked");
    assert_eq!(journal[0]["error"], Value::Null);
}

#[tokio::test]
async fn a_receiver_that_never_answers_times_out_and_counts_as_an_error() {
    let (app, _got, id) = silent_receiver_review("transcripts").await;
    let view = app
        .control("POST", &format!("tasks/{id}/review/finish"), None)
        .await
        .assert_json(StatusCode::OK);
    assert_eq!(view["taskStatus"], 3);
    let error = view["lastExportError"].as_str().unwrap();
    assert!(error.contains("timeout"), "{error}");
    let journal = deliveries(&app).await;
    assert_eq!(journal[0]["status"], Value::Null);
    assert_eq!(journal[0]["error"], error);
}

#[tokio::test]
async fn the_automatic_reviewer_delivers_when_the_frozen_clock_is_advanced() {
    let app = frozen(&["--auto-review", "5"]).await;
    let (base, got) = receiver(Answer::Status(204, "")).await;
    let (id, workspace) = task_to_review(&app).await;
    add_webhook(
        &app,
        json!({"workspaceId": workspace, "url": format!("{base}/hook"), "kind": "textDocuments"}),
    )
    .await;
    app.advance_clock(json!(10)).await;
    assert_eq!(
        got.lock().unwrap().len(),
        1,
        "delivered before the advance answered"
    );
    let task = app
        .task_status(&format!("taskId={id}"))
        .await
        .assert_json(StatusCode::OK);
    assert_eq!(task["taskStatus"], 20);
}

#[tokio::test]
async fn configurations_are_listed_replaced_removed_and_reset_to_the_start_up_ones() {
    let app = frozen(&[]).await;
    let (base, _got) = receiver(Answer::Status(200, "")).await;
    let added = add_webhook(
        &app,
        json!({"workspaceId": 1, "url": format!("{base}/a"), "kind": "urlToFileAnonymization"}),
    )
    .await;
    assert_eq!(
        added["options"],
        json!({"linkExpiryHours": 168, "fileFormat": "PDF"}),
        "defaults filled in"
    );
    let replaced = app
        .control(
            "PUT",
            "webhooks",
            Some(&json!([
                {"workspaceId": 1, "url": format!("{base}/b"), "kind": "transcripts"},
                {"workspaceId": 2, "url": "http://localhost:9/c", "kind": "textDocuments"}
            ])),
        )
        .await
        .assert_json(StatusCode::OK);
    assert_eq!(replaced.as_array().unwrap().len(), 2);
    assert_eq!(replaced[0]["options"], json!({"simplifiedExport": false}));
    let listed = app
        .control("GET", "webhooks", None)
        .await
        .assert_json(StatusCode::OK);
    assert_eq!(listed, replaced);
    let first = replaced[0]["id"].as_i64().unwrap();
    app.control("DELETE", &format!("webhooks/{first}"), None)
        .await
        .assert_empty(StatusCode::NO_CONTENT);
    app.control("DELETE", &format!("webhooks/{first}"), None)
        .await
        .assert_problem(StatusCode::NOT_FOUND, None);

    // A delivery, then reset: the start-up configurations (none here), an empty journal.
    let (id, workspace) = task_to_review(&app).await;
    add_webhook(
        &app,
        json!({"workspaceId": workspace, "url": format!("{base}/d"), "kind": "textDocuments"}),
    )
    .await;
    app.control("POST", &format!("tasks/{id}/review/finish"), None)
        .await
        .assert_json(StatusCode::OK);
    assert_eq!(deliveries(&app).await.len(), 1);
    app.control("POST", "reset", None)
        .await
        .assert_json(StatusCode::OK);
    assert_eq!(
        app.control("GET", "webhooks", None)
            .await
            .assert_json(StatusCode::OK),
        json!([])
    );
    assert!(deliveries(&app).await.is_empty());
}

#[tokio::test]
async fn bad_configurations_are_400_problems_naming_the_field_and_change_nothing() {
    let app = frozen(&[]).await;
    let ok = json!({"workspaceId": 1, "url": "http://127.0.0.1:9/hook", "kind": "textDocuments"});
    let with = |key: &str, value: Value| {
        let mut config = ok.clone();
        config[key] = value;
        config
    };
    let cases = [
        (
            "a public address",
            with("url", json!("http://8.8.8.8/hook")),
            "url",
        ),
        ("https", with("url", json!("https://127.0.0.1/hook")), "url"),
        ("not a URL", with("url", json!("hook")), "url"),
        (
            "no url",
            json!({"workspaceId": 1, "kind": "textDocuments"}),
            "url",
        ),
        ("unknown kind", with("kind", json!("email")), "kind"),
        (
            "unknown workspace",
            with("workspaceId", json!(999)),
            "workspaceId",
        ),
        ("unknown field", with("secret", json!(1)), "secret"),
        (
            "expiry over a week",
            json!({"workspaceId": 1, "url": "http://127.0.0.1:9/h", "kind": "urlToFileTranscripts",
                   "options": {"linkExpiryHours": 169}}),
            "options.linkExpiryHours",
        ),
        (
            "a format that is not PDF, JPEG or PNG",
            json!({"workspaceId": 1, "url": "http://127.0.0.1:9/h", "kind": "urlToFileAnonymization",
                   "options": {"fileFormat": "GIF"}}),
            "options.fileFormat",
        ),
        (
            "an option of another kind",
            with("options", json!({"speakers": true})),
            "options.speakers",
        ),
    ];
    for (case, config, field) in cases {
        let problem = app
            .control("POST", "webhooks", Some(&config))
            .await
            .case(case)
            .assert_problem(StatusCode::BAD_REQUEST, None);
        assert_eq!(problem["field"], field, "{case}: {problem}");
        assert!(
            problem["detail"].as_str().unwrap().contains(field),
            "{case}: {problem}"
        );
    }
    let problem = app
        .control(
            "PUT",
            "webhooks",
            Some(&json!({"webhooks": [ok, with("url", json!("http://1.1.1.1/x"))]})),
        )
        .await
        .assert_problem(StatusCode::BAD_REQUEST, None);
    assert_eq!(problem["field"], "webhooks[1].url");
    assert_eq!(
        app.control("GET", "webhooks", None)
            .await
            .assert_json(StatusCode::OK),
        json!([])
    );
}

#[tokio::test]
async fn a_review_without_configurations_archives_at_once() {
    let app = frozen(&[]).await;
    let (id, _) = task_to_review(&app).await;
    let view = app
        .control("POST", &format!("tasks/{id}/review/finish"), None)
        .await
        .assert_json(StatusCode::OK);
    assert_eq!(view["taskStatus"], 20);
    assert!(deliveries(&app).await.is_empty());
}

#[tokio::test]
async fn a_receiver_may_call_sdemu_while_it_handles_a_delivery() {
    let app = frozen(&["--webhook-timeout", "5"]).await;
    let (id, workspace) = task_to_review(&app).await;
    // The receiver asks sdemu's control plane about the task before it answers.
    let seen = Arc::new(Mutex::new(Value::Null));
    let (router, seen_by_receiver) = (app.router.clone(), seen.clone());
    let receiver = Router::new().route(
        "/hook",
        post(move || async move {
            use tower::ServiceExt;
            let request = axum::http::Request::get(format!("/_emulator/tasks/{id}"))
                .body(axum::body::Body::empty())
                .unwrap();
            let response = router.oneshot(request).await.unwrap();
            let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
                .await
                .unwrap();
            *seen_by_receiver.lock().unwrap() = serde_json::from_slice(&bytes).unwrap();
            StatusCode::OK
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, receiver).await.unwrap() });
    add_webhook(
        &app,
        json!({"workspaceId": workspace, "url": format!("http://{address}/hook"), "kind": "textDocuments"}),
    )
    .await;

    let view = app
        .control("POST", &format!("tasks/{id}/review/finish"), None)
        .await
        .assert_json(StatusCode::OK);
    assert_eq!(view["taskStatus"], 20, "{view}");
    let seen = seen.lock().unwrap().clone();
    assert_eq!(
        seen["taskStatus"], 4,
        "InReview while the delivery is out: {seen}"
    );
    assert_eq!(seen["exportPending"], true);
    assert!(deliveries(&app).await[0]["durationMs"].as_f64().unwrap() < 4000.0);
}
