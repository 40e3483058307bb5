//! A Task Status List answer past `--stream-threshold` is sent in chunks: the same bytes and
//! headers as the answer built whole, memory bounded by a chunk, and writers never held up
//! by a client reading slowly. The threshold is set small so that the demo data set (about
//! 2,200 tasks in the default organization) is many chunks.

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::response::Response;
use http_body::Body as _;
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

use sdemu::domain::sort::SortOrder;
use sdemu::store::tasks::{self, TaskFilter};

use crate::helpers::{config, ServedApp, TestApp, STATUS_LIST};

/// Tasks a chunk holds in these tests, and the most an answer sent whole holds.
const THRESHOLD: &str = "100";

/// The demo data set with the small threshold; `--auth off` so that a request sent straight
/// to the router (to read its body a frame at a time) needs no token.
async fn streaming_app() -> TestApp {
    TestApp::with_options(&["--stream-threshold", THRESHOLD, "--auth", "off"]).await
}

/// The router's response to `GET /statuslist?{query}`, its body not read yet.
async fn list_response(app: &TestApp, query: &str) -> Response {
    let request = Request::get(format!("{STATUS_LIST}?{query}"))
        .body(Body::empty())
        .unwrap();
    app.router.clone().oneshot(request).await.unwrap()
}

/// The body's frames, in order.
async fn frames(response: Response) -> Vec<Vec<u8>> {
    let mut body = response.into_body();
    let mut frames = Vec::new();
    while let Some(frame) = body.frame().await {
        if let Ok(data) = frame.unwrap().into_data() {
            frames.push(data.to_vec());
        }
    }
    frames
}

/// What serde writes for the tasks the store reads one field at a time.
async fn reference(app: &TestApp, filter: &TaskFilter, sort: Option<&str>) -> Vec<u8> {
    let tasks = tasks::list(&app.state.db, filter, SortOrder::parse(sort).unwrap())
        .await
        .unwrap();
    serde_json::to_vec(&tasks).unwrap()
}

fn since_2000() -> TaskFilter {
    TaskFilter {
        tenant_id: 1,
        created_from: Some(946_684_800),
        ..TaskFilter::default()
    }
}

#[tokio::test]
async fn a_list_past_the_threshold_is_sent_in_chunks_with_the_bytes_and_headers_of_the_whole_answer(
) {
    let streaming = streaming_app().await;
    let whole = TestApp::with_options(&["--auth", "off"]).await;
    let cases: Vec<(&str, TaskFilter, Option<&str>)> = vec![
        ("startDate=2000-01-01", since_2000(), None),
        (
            "startDate=2000-01-01&sort=-displayName",
            since_2000(),
            Some("-displayName"),
        ),
        (
            "startDate=2000-01-01&sort=restartCount%20desc",
            since_2000(),
            Some("restartCount desc"),
        ),
        (
            "startDate=2000-01-01&sort=-integrationStatusText",
            since_2000(),
            Some("-integrationStatusText"),
        ),
        (
            "startDate=2022-01-01&endDate=2022-12-31T23:59:59Z&workspaceId=1&workspaceId=2&sort=taskStatusText",
            TaskFilter {
                created_from: Some(1_640_995_200),
                created_to: Some(1_672_531_199),
                workspace_ids: vec![1, 2],
                ..since_2000()
            },
            Some("taskStatusText"),
        ),
        (
            "startDate=2000-01-01&taskStatus=3&taskStatus=4&workspaceId=2",
            TaskFilter {
                task_statuses: vec![3, 4],
                workspace_ids: vec![2],
                ..since_2000()
            },
            None,
        ),
    ];
    for (query, filter, sort) in cases {
        let expected = reference(&streaming, &filter, sort).await;
        let matched = serde_json::from_slice::<Vec<Value>>(&expected)
            .unwrap()
            .len();
        assert!(matched > 250, "{query}: only {matched} tasks");
        let response = list_response(&streaming, query).await;
        assert_eq!(response.status(), StatusCode::OK, "{query}");
        assert_eq!(
            response.headers()[header::CONTENT_TYPE],
            "application/json; charset=utf-8",
            "{query}"
        );
        assert_eq!(
            response.body().size_hint().exact(),
            None,
            "{query}: a streamed body has no length"
        );
        let frames = frames(response).await;
        assert!(
            frames.len() >= matched / 100,
            "{query}: {} frames for {matched} tasks",
            frames.len()
        );
        assert!(frames.concat() == expected, "{query}: bytes differ");

        let unstreamed = whole.status_list(query).await;
        assert!(
            unstreamed.body == expected,
            "{query}: unstreamed bytes differ"
        );
        assert_eq!(
            unstreamed.header("content-type"),
            Some("application/json; charset=utf-8")
        );
    }
}

#[tokio::test]
async fn an_answer_of_exactly_the_threshold_is_sent_whole_and_one_more_task_streams_it() {
    let app = streaming_app().await;
    let all: Vec<Value> = serde_json::from_slice(
        &frames(list_response(&app, "startDate=2000-01-01").await)
            .await
            .concat(),
    )
    .unwrap();
    // The 100th and 101st oldest tasks: an end date at each gives 100 and 101 tasks.
    let created = |index: usize| all[index]["createdOn"].as_str().unwrap().to_owned();
    assert_ne!(
        created(99),
        created(100),
        "the demo has distinct times there"
    );
    for (end, tasks, streamed) in [(created(99), 100, false), (created(100), 101, true)] {
        let response = list_response(&app, &format!("endDate={end}")).await;
        assert_eq!(response.status(), StatusCode::OK);
        let length = response.body().size_hint().exact();
        assert_eq!(length.is_none(), streamed, "{tasks} tasks");
        let body = frames(response).await.concat();
        let listed: Vec<Value> = serde_json::from_slice(&body).unwrap();
        assert_eq!(listed, all[..tasks], "{tasks} tasks");
        if let Some(length) = length {
            assert_eq!(length, body.len() as u64);
        }
    }
}

#[tokio::test]
async fn a_streamed_answer_with_no_task_left_is_an_empty_array_and_a_small_one_is_whole() {
    let app = streaming_app().await;
    let response = list_response(&app, "startDate=2030-01-01").await;
    assert_eq!(response.body().size_hint().exact(), Some(2));
    assert_eq!(frames(response).await.concat(), b"[]");
}

#[tokio::test]
async fn a_write_while_a_streamed_answer_is_half_read_is_not_held_up() {
    let app = streaming_app().await;
    let before = frames(list_response(&app, "startDate=2000-01-01").await)
        .await
        .concat();
    let before: Vec<Value> = serde_json::from_slice(&before).unwrap();
    // A task of a later chunk that may be reprocessed (not Deleting or Deleted).
    let (changed, task) = before
        .iter()
        .enumerate()
        .rev()
        .find(|(_, task)| ![19, 20].contains(&task["taskStatus"].as_i64().unwrap()))
        .unwrap();
    assert!(changed > 100);
    let changed_id = task["taskId"].as_i64().unwrap();

    let mut body = list_response(&app, "startDate=2000-01-01")
        .await
        .into_body();
    let first = body.frame().await.unwrap().unwrap().into_data().unwrap();
    assert!(first.starts_with(b"["));
    // Two writes while the client has read one chunk: a new task (which matches the
    // filter) and a reprocessed task of the last chunk. Neither waits for the reader.
    let writes = async {
        let created = app
            .create_task(r#"{"context":{"url":"https://files.example.com/late.pdf"}}"#)
            .await
            .json();
        app.restart_processing(&format!("taskId={changed_id}"))
            .await
            .assert_status(StatusCode::OK);
        created["taskId"].as_i64().unwrap()
    };
    let created = tokio::time::timeout(std::time::Duration::from_secs(10), writes)
        .await
        .expect("the writes are not held up by the half-read answer");

    let mut rest = first.to_vec();
    while let Some(frame) = body.frame().await {
        rest.extend_from_slice(&frame.unwrap().into_data().unwrap());
    }
    let after: Vec<Value> = serde_json::from_slice(&rest).unwrap();
    // The tasks of the moment of the request, in their order; the new task is not one of
    // them, and the reprocessed one is read as it is when its chunk is read.
    let ids = |tasks: &[Value]| -> Vec<i64> {
        tasks
            .iter()
            .map(|t| t["taskId"].as_i64().unwrap())
            .collect()
    };
    assert_eq!(ids(&after), ids(&before));
    assert!(!ids(&after).contains(&created));
    assert_eq!(after[changed]["taskStatus"], 30, "{}", after[changed]);
    let restarts = before[changed]["restartCount"].as_i64().unwrap_or(0);
    assert_eq!(
        after[changed]["restartCount"],
        restarts + 1,
        "{}",
        after[changed]
    );
    assert_eq!(after[..changed], before[..changed]);
    assert_eq!(after[changed + 1..], before[changed + 1..]);
}

#[tokio::test]
async fn a_client_that_goes_away_mid_answer_leaves_no_connection_in_use() {
    let app = streaming_app().await;
    let mut body = list_response(&app, "startDate=2000-01-01")
        .await
        .into_body();
    body.frame().await.unwrap().unwrap();
    drop(body);
    // Nothing is held between chunks: a reset, which rewrites every table, goes through
    // at once (a read lock left behind would hold it up).
    let reset = app.control("POST", "reset", None);
    tokio::time::timeout(std::time::Duration::from_secs(10), reset)
        .await
        .expect("the reset is not held up")
        .assert_status(StatusCode::OK);
    let listed = frames(list_response(&app, "startDate=2000-01-01").await).await;
    assert!(
        serde_json::from_slice::<Vec<Value>>(&listed.concat())
            .unwrap()
            .len()
            > 2_000
    );
}

#[tokio::test]
async fn a_streamed_answer_is_sent_chunked_over_a_real_socket() {
    let served =
        ServedApp::start(&config(&["--stream-threshold", THRESHOLD, "--auth", "off"])).await;
    let client = reqwest::Client::new();
    let url = served.url(&format!("{STATUS_LIST}?startDate=2000-01-01"));
    let response = client.get(&url).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "application/json; charset=utf-8"
    );
    assert_eq!(response.headers()["transfer-encoding"], "chunked");
    assert!(response.headers().get("content-length").is_none());
    let tasks: Vec<Value> = response.json().await.unwrap();
    assert!(tasks.len() > 2_000);
    // A small answer keeps its length.
    let small = client
        .get(served.url(&format!("{STATUS_LIST}?startDate=2030-01-01")))
        .send()
        .await
        .unwrap();
    assert_eq!(small.headers()["content-length"], "2");
    served.shut_down().await;
}

#[tokio::test]
async fn a_database_failure_after_the_headers_ends_the_body_with_an_error() {
    let app = streaming_app().await;
    let response = list_response(&app, "startDate=2000-01-01").await;
    assert_eq!(response.status(), StatusCode::OK);
    let mut body = response.into_body();
    body.frame().await.unwrap().unwrap();
    // The next chunk's statement cannot find the table any more.
    sqlx::query("ALTER TABLE tasks RENAME TO tasks_gone")
        .execute(&app.state.db)
        .await
        .unwrap();
    let next = body.frame().await.expect("the body does not just end");
    assert!(
        next.is_err(),
        "a failed chunk is an error, not a short answer"
    );
}
