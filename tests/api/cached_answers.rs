//! The response cache looks a task read's answer up by its query string as sent before
//! parsing it: every spelling of one question gets the same answer, each follows the data,
//! and a query that is refused is refused every time.

use axum::http::StatusCode;
use serde_json::{json, Value};

use crate::helpers::TestApp;

const FROZEN: &[&str] = &["--clock", "frozen", "--failure-rate", "0"];

#[tokio::test]
async fn every_spelling_of_a_question_gets_the_same_answer_and_follows_a_write() {
    let app = TestApp::two_organizations_with(FROZEN).await;
    // Parameter names match in any case and unknown parameters are ignored: one question.
    let spellings = [
        "startDate=2026-01-01",
        "STARTDATE=2026-01-01",
        "startdate=2026-01-01&unknown=1",
    ];
    let page_spellings = [
        "startDate=2026-01-01&pageSize=5",
        "pagesize=5&startDate=2026-01-01&pageNumber=1",
    ];
    let read = || async {
        let mut lists = Vec::new();
        for query in spellings {
            // Twice each: the second from the cache, under the spelling.
            for _ in 0..2 {
                lists.push(app.status_list(query).await.assert_json(StatusCode::OK));
            }
        }
        for query in page_spellings {
            for _ in 0..2 {
                let page = app
                    .status_list_paginated(query)
                    .await
                    .assert_json(StatusCode::OK);
                lists.push(page["items"].clone());
            }
        }
        assert!(lists.windows(2).all(|pair| pair[0] == pair[1]), "{lists:?}");
        lists.swap_remove(0)
    };
    assert_eq!(read().await, Value::Array(Vec::new()));
    let id = app
        .create_task_for("https://files.example.com/spelled.pdf")
        .await;
    let after = read().await;
    assert_eq!(
        after.as_array().unwrap().len(),
        1,
        "every spelling shows it"
    );
    assert_eq!(after[0]["taskId"], id);

    let statuses = [format!("taskId={id}"), format!("TASKID={id}&x=1")];
    for query in &statuses {
        for _ in 0..2 {
            let task = app.task_status(query).await.assert_json(StatusCode::OK);
            assert_eq!(task["taskStatus"], 30, "{query}");
        }
    }
    app.advance_clock(serde_json::json!(3)).await;
    for query in &statuses {
        let task = app.task_status(query).await.assert_json(StatusCode::OK);
        assert_eq!(task["taskStatus"], 31, "{query}: the step that fell due");
    }
}

#[tokio::test]
async fn a_refused_query_is_refused_every_time_and_a_task_not_found_is_found_once_created() {
    let app = TestApp::two_organizations_with(FROZEN).await;
    for _ in 0..2 {
        app.status_list("startDate=not-a-date")
            .await
            .assert_problem(StatusCode::BAD_REQUEST, Some("startDate"));
        app.status_list("")
            .await
            .assert_empty(StatusCode::BAD_REQUEST);
        app.task_status("taskId=x")
            .await
            .assert_problem(StatusCode::BAD_REQUEST, Some("taskId"));
        // A task that is not found is no answer: nothing is kept.
        app.task_status("externalId=later")
            .await
            .assert_empty(StatusCode::NOT_FOUND);
    }
    let body =
        json!({"externalId": "later", "context": {"url": "https://files.example.com/l.pdf"}});
    let id = app.create_task(&body.to_string()).await.json()["taskId"].clone();
    let task = app
        .task_status("externalId=later")
        .await
        .assert_json(StatusCode::OK);
    assert_eq!(task["taskId"], id);
    let long = format!("startDate=2026-01-01&x={}", "y".repeat(9_000));
    for _ in 0..2 {
        let response = app.status_list(&long).await;
        assert_eq!(
            response.status,
            StatusCode::URI_TOO_LONG,
            "{}",
            response.text()
        );
    }
}

#[tokio::test]
async fn one_query_string_asked_of_each_endpoint_gets_that_endpoints_answer() {
    let app = TestApp::two_organizations_with(FROZEN).await;
    let id = app
        .create_task_for("https://files.example.com/endpoints.pdf")
        .await;
    // Every task read accepts this query string; each answers it in its own shape.
    let query = format!("startDate=2026-01-01&taskId={id}");
    for _ in 0..2 {
        let list = app.status_list(&query).await.assert_json(StatusCode::OK);
        assert_eq!(list.as_array().map(Vec::len), Some(1), "{list}");
        let page = app
            .status_list_paginated(&query)
            .await
            .assert_json(StatusCode::OK);
        assert_eq!(page["items"][0]["taskId"], id, "{page}");
        let task = app.task_status(&query).await.assert_json(StatusCode::OK);
        assert_eq!(task["taskId"], id, "{task}");
    }
}
