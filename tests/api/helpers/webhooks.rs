//! A webhook receiver on a local port, and the steps the webhook tests share: a frozen-clock
//! app, a task brought to review, a configuration added, the delivery journal.

use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;
use serde_json::{json, Value};

use super::TestApp;

/// What the receiver answers.
#[derive(Clone)]
pub enum Answer {
    Status(u16, &'static str),
    Never,
}

/// One POST the receiver got: its path, headers and JSON body.
#[derive(Clone, Debug)]
pub struct Received {
    pub path: String,
    pub headers: HeaderMap,
    pub body: Value,
}

/// Every POST a receiver got, in order.
pub type Got = Arc<Mutex<Vec<Received>>>;

#[derive(Clone)]
struct Receiver {
    answer: Answer,
    got: Got,
}

/// A webhook receiver on 127.0.0.1:0 that records every POST and answers as told. Returns
/// its base URL and what it got.
pub async fn receiver(answer: Answer) -> (String, Got) {
    let got = Arc::new(Mutex::new(Vec::new()));
    let state = Receiver {
        answer,
        got: got.clone(),
    };
    let app = Router::new()
        .route("/{*path}", post(receive))
        .with_state(state);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{address}"), got)
}

async fn receive(
    State(receiver): State<Receiver>,
    uri: axum::http::Uri,
    headers: HeaderMap,
    body: String,
) -> (StatusCode, String) {
    receiver.got.lock().unwrap().push(Received {
        path: uri.to_string(),
        headers,
        body: serde_json::from_str(&body).unwrap_or(Value::Null),
    });
    match receiver.answer {
        Answer::Status(status, text) => (StatusCode::from_u16(status).unwrap(), text.to_owned()),
        Answer::Never => std::future::pending().await,
    }
}

pub async fn frozen(extra: &[&str]) -> TestApp {
    let mut options = vec!["--clock", "frozen", "--failure-rate", "0"];
    options.extend_from_slice(extra);
    TestApp::two_organizations_with(&options).await
}

/// Creates a task, brings it to ToReview (13 s by the frozen clock) and returns its id and
/// workspace.
pub async fn task_to_review(app: &TestApp) -> (i64, i64) {
    let id = app
        .create_task_for("https://files.example.com/report.pdf")
        .await;
    app.advance_clock(json!(13)).await;
    let task = app
        .task_status(&format!("taskId={id}"))
        .await
        .assert_json(StatusCode::OK);
    assert_eq!(task["taskStatus"], 3);
    (id, task["workspaceId"].as_i64().unwrap())
}

pub async fn add_webhook(app: &TestApp, config: Value) -> Value {
    app.control("POST", "webhooks", Some(&config))
        .await
        .assert_json(StatusCode::CREATED)
}

pub async fn deliveries(app: &TestApp) -> Vec<Value> {
    app.control("GET", "webhooks/deliveries", None)
        .await
        .assert_json(StatusCode::OK)
        .as_array()
        .unwrap()
        .clone()
}

/// The body of the first POST `got` receives, waiting for it (at most 5 s: the receiver runs
/// on a real socket).
pub async fn first_delivery(got: &Got) -> Value {
    for _ in 0..1000 {
        if let Some(received) = got.lock().unwrap().first() {
            return received.body.clone();
        }
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    panic!("the receiver got no POST");
}

/// A frozen-clock app whose deliveries time out after 1 s, a receiver that never answers, a
/// task brought to review and a webhook of `kind` for its workspace: the app, what the
/// receiver gets and the task's id.
pub async fn silent_receiver_review(kind: &str) -> (TestApp, Got, i64) {
    let app = frozen(&["--webhook-timeout", "1"]).await;
    let (base, got) = receiver(Answer::Never).await;
    let (id, workspace) = task_to_review(&app).await;
    add_webhook(
        &app,
        json!({"workspaceId": workspace, "url": format!("{base}/hook"), "kind": kind}),
    )
    .await;
    (app, got, id)
}
