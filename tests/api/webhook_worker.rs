//! The delivery worker: API requests queue exports without waiting for the receiver, the
//! control plane waits for them, and one export is delivered once however many callers ask.

use std::sync::{Arc, Mutex};

use axum::http::StatusCode;
use axum::routing::post;
use axum::Router;
use serde_json::{json, Value};
use tokio::sync::{mpsc, oneshot};

use crate::helpers::TestApp;
use crate::helpers::{add_webhook, deliveries, frozen, task_to_review};

/// A receiver that tells the test when a POST arrives and answers only when the test says
/// which status to answer with.
async fn gated_receiver() -> (String, mpsc::Receiver<(Value, oneshot::Sender<u16>)>) {
    let (arrived, arrivals) = mpsc::channel(8);
    let arrived = Arc::new(Mutex::new(arrived));
    let app = Router::new().route(
        "/hook",
        post(move |body: String| {
            let arrived = arrived.lock().unwrap().clone();
            async move {
                let (answer, status) = oneshot::channel();
                let body = serde_json::from_str(&body).unwrap_or(Value::Null);
                arrived.send((body, answer)).await.unwrap();
                StatusCode::from_u16(status.await.unwrap_or(500)).unwrap()
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{address}/hook"), arrivals)
}

/// Moves the emulator's frozen clock by `seconds` the way time passes, without the control
/// plane (which would catch up itself): the next API request is the one that finds the
/// steps due.
fn let_time_pass(app: &TestApp, seconds: i64) {
    app.state
        .clock
        .advance(chrono::Duration::seconds(seconds))
        .unwrap();
}

#[tokio::test]
async fn an_api_request_queues_the_delivery_and_answers_without_waiting_for_the_receiver() {
    let app = frozen(&["--auto-review", "5", "--webhook-timeout", "30"]).await;
    let (url, mut arrivals) = gated_receiver().await;
    let (id, workspace) = task_to_review(&app).await;
    add_webhook(
        &app,
        json!({"workspaceId": workspace, "url": url, "kind": "textDocuments"}),
    )
    .await;
    let_time_pass(&app, 10);

    // The Task Status request applies the automatic reviewer's step and answers while the
    // receiver still holds the delivery: the task waits InReview.
    let task = app
        .task_status(&format!("taskId={id}"))
        .await
        .assert_json(StatusCode::OK);
    assert_eq!(task["taskStatus"], 4, "{task}");
    let (body, answer) = arrivals.recv().await.expect("the worker delivers");
    assert_eq!(body["taskId"], id);
    let view = app
        .control("GET", &format!("tasks/{id}"), None)
        .await
        .assert_json(StatusCode::OK);
    assert_eq!(view["exportPending"], true, "{view}");

    // Finishing the review again while the delivery is out does not deliver twice: it
    // waits for the outcome of the one in flight.
    let finish = {
        let router = app.router.clone();
        tokio::spawn(async move {
            use tower::ServiceExt;
            let request = axum::http::Request::post(format!("/_emulator/tasks/{id}/review/finish"))
                .body(axum::body::Body::empty())
                .unwrap();
            let response = router.oneshot(request).await.unwrap();
            let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
                .await
                .unwrap();
            serde_json::from_slice::<Value>(&bytes).unwrap()
        })
    };
    // Answer once that call waits (it yields until then; no time passes).
    while app.state.outbox.waiters(id) != Some(1) {
        tokio::task::yield_now().await;
    }
    answer.send(200).unwrap();
    let view = finish.await.unwrap();
    assert_eq!(view["taskStatus"], 20, "{view}");
    assert_eq!(view["exportPending"], false);
    if let Ok((again, _)) = arrivals.try_recv() {
        panic!("delivered twice: {again} {:#?}", deliveries(&app).await);
    }
    assert_eq!(deliveries(&app).await.len(), 1);
}

#[tokio::test]
async fn the_control_plane_answers_after_the_receiver_has() {
    let app = frozen(&["--webhook-timeout", "30"]).await;
    let (url, mut arrivals) = gated_receiver().await;
    let (id, workspace) = task_to_review(&app).await;
    add_webhook(
        &app,
        json!({"workspaceId": workspace, "url": url, "kind": "transcripts"}),
    )
    .await;
    let finish = {
        let router = app.router.clone();
        tokio::spawn(async move {
            use tower::ServiceExt;
            let request = axum::http::Request::post(format!("/_emulator/tasks/{id}/review/finish"))
                .body(axum::body::Body::empty())
                .unwrap();
            router.oneshot(request).await.unwrap()
        })
    };
    let (_, answer) = arrivals.recv().await.expect("delivered");
    assert!(!finish.is_finished(), "the call waits for the receiver");
    answer.send(503).unwrap();
    let response = finish.await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let task = app
        .task_status(&format!("taskId={id}"))
        .await
        .assert_json(StatusCode::OK);
    assert_eq!(task["taskStatus"], 3, "back in ToReview: {task}");
}
