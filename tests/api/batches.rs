//! POST sdbatch, GET sdbatch?batchId= and GET sdbatch/paginated.

use axum::http::StatusCode;
use chrono::{Duration, TimeZone, Utc};
use serde_json::json;

use crate::helpers::{assert_page_envelope, ids, TestApp};

#[tokio::test]
async fn a_batch_is_read_with_every_documented_field_in_order() {
    let app = TestApp::two_organizations().await;
    let response = app.get_batch("batchId=1").await;
    response.assert_json(StatusCode::OK);
    assert_eq!(
        String::from_utf8(response.body).unwrap(),
        r#"{"batchId":1,"workspaceId":1,"displayName":"March","description":"Scans","createdOn":"2023-08-08T08:55:29.7831583Z","totalTasks":1,"totalTasksInHistory":4}"#
    );
}

#[tokio::test]
async fn get_batch_errors_are_empty_400_and_404_or_a_problem_for_a_bad_id() {
    let app = TestApp::two_organizations().await;
    app.get_batch("")
        .await
        .assert_empty(StatusCode::BAD_REQUEST);
    app.get_batch("batchId=")
        .await
        .assert_empty(StatusCode::BAD_REQUEST);
    app.get_batch("batchId=99")
        .await
        .assert_empty(StatusCode::NOT_FOUND);
    // Another organization's batch.
    app.get_batch("batchId=2")
        .await
        .assert_empty(StatusCode::NOT_FOUND);
    app.get_batch("batchId=one")
        .await
        .assert_problem(StatusCode::BAD_REQUEST, Some("batchId"));
}

#[tokio::test]
async fn a_created_batch_is_empty_in_the_default_workspace_with_seven_digit_time() {
    let app = TestApp::two_organizations().await;
    app.clock.set(
        Utc.with_ymd_and_hms(2026, 11, 3, 10, 0, 0).unwrap() + Duration::nanoseconds(123_456_700),
    );
    let response = app
        .create_batch(
            r#"{"displayName":"YourBatchName","description":"AnOptionalDescriptionForYourBatch"}"#,
        )
        .await;
    response.assert_json(StatusCode::OK);
    let expected = json!({"batchId": 3, "workspaceId": 1, "displayName": "YourBatchName",
        "description": "AnOptionalDescriptionForYourBatch",
        "createdOn": "2026-11-03T10:00:00.1234567Z", "totalTasks": 0, "totalTasksInHistory": 0});
    assert_eq!(response.json(), expected);
    assert_eq!(app.get_batch("batchId=3").await.json(), expected);
}

#[tokio::test]
async fn a_batch_may_name_another_workspace_of_the_organization() {
    let app = TestApp::two_organizations().await;
    let batch = app
        .create_batch(r#"{"displayName":"R","workspaceId":2}"#)
        .await
        .json();
    assert_eq!(batch["workspaceId"], 2);
    assert_eq!(batch["description"], serde_json::Value::Null);
}

#[tokio::test]
async fn total_tasks_counts_the_tasks_created_in_the_batch() {
    let app = TestApp::two_organizations().await;
    for _ in 0..2 {
        let response = app
            .create_task(r#"{"batchId":1,"context":{"url":"https://example.com/a.pdf"}}"#)
            .await;
        response.assert_status(StatusCode::OK);
    }
    assert_eq!(app.get_batch("batchId=1").await.json()["totalTasks"], 3);
}

#[tokio::test]
async fn create_batch_refuses_unusable_fields_with_problems_naming_them() {
    let app = TestApp::two_organizations().await;
    let long = "n".repeat(257);
    for (body, field) in [
        (json!({}), "displayName"),
        (json!({"displayName": null}), "displayName"),
        (json!({"displayName": "  "}), "displayName"),
        (json!({"displayName": long}), "displayName"),
        (json!({"displayName": "x", "workspaceId": 3}), "workspaceId"),
        (
            json!({"displayName": "x", "workspaceId": 99}),
            "workspaceId",
        ),
    ] {
        let problem = app
            .create_batch(&body.to_string())
            .await
            .case(&body)
            .assert_problem(StatusCode::BAD_REQUEST, None);
        assert_eq!(problem["field"], field, "{body}");
    }
    let problem = app
        .create_batch(r#"{"displayName": 5}"#)
        .await
        .assert_problem(StatusCode::BAD_REQUEST, None);
    assert_eq!(problem["type"], "urn:sdemu:problem:invalid-body");
    assert_eq!(app.count_rows("batches").await, 2);
}

async fn batch_app() -> TestApp {
    let app = TestApp::two_organizations().await;
    // Batches 3, 4, 5 one day apart from 2026-11-01T12:00:00Z, in workspaces 2, 1, 2.
    for (name, workspace) in [("c", 2), ("a", 1), ("b", 2)] {
        app.clock.advance(Duration::days(1));
        let body = json!({"displayName": name, "workspaceId": workspace}).to_string();
        app.create_batch(&body).await.assert_status(StatusCode::OK);
    }
    app
}

fn batch_ids(page: &serde_json::Value) -> Vec<i64> {
    ids(&page["items"], "batchId")
}

#[tokio::test]
async fn batch_pages_need_no_date_and_default_to_created_on_ascending() {
    let app = batch_app().await;
    let response = app.batch_paginated("").await;
    response.assert_status(StatusCode::OK);
    let page = response.json();
    assert_eq!(batch_ids(&page), vec![1, 3, 4, 5]);
    assert_eq!(page["totalCount"], 4);
    assert_eq!(page["totalPages"], 1);
    assert_eq!(page["pageNumber"], 1);
    assert_eq!(page["hasPreviousPage"], false);
    assert_eq!(page["hasNextPage"], false);
    assert_page_envelope(&page);
}

#[tokio::test]
async fn batch_pages_filter_by_workspace_and_inclusive_tick_bounds() {
    let app = batch_app().await;
    let ids = |query: &'static str| {
        let app = &app;
        async move { batch_ids(&app.batch_paginated(query).await.json()) }
    };
    assert_eq!(ids("workspaceId=2").await, vec![3, 5]);
    assert_eq!(
        ids("workspaceId=1&WorkspaceId=2&sort=-createdOn").await,
        vec![5, 4, 3, 1]
    );
    // Bounds compare to the tick: exactly the stored time is included, one tick later is not.
    assert_eq!(
        ids("startDate=2023-08-08T08:55:29.7831583Z&endDate=2023-08-08T08:55:29.7831583Z").await,
        vec![1]
    );
    assert_eq!(
        ids("startDate=2023-08-08T08:55:29.7831584Z&endDate=2024-01-01").await,
        Vec::<i64>::new()
    );
    assert_eq!(ids("startDate=2026-11-03").await, vec![4, 5]);
    assert_eq!(ids("endDate=2026-11-03").await, vec![1, 3]);
    // Another organization's workspace matches nothing.
    assert_eq!(ids("workspaceId=3").await, Vec::<i64>::new());
}

#[tokio::test]
async fn batch_pages_sort_by_any_batch_property() {
    let app = batch_app().await;
    let ids = |query: &'static str| {
        let app = &app;
        async move { batch_ids(&app.batch_paginated(query).await.json()) }
    };
    // Text sorts by code point, as the task list does: "March" before "a".
    assert_eq!(ids("sort=displayName").await, vec![1, 4, 5, 3]);
    assert_eq!(ids("sort=batchId+desc").await, vec![5, 4, 3, 1]);
    assert_eq!(ids("sort=-totalTasks").await, vec![1, 3, 4, 5]);
    assert_eq!(ids("sort=TOTALTASKSINHISTORY+desc").await, vec![1, 3, 4, 5]);
}

#[tokio::test]
async fn batch_pages_walk_and_report_true_totals_past_the_end() {
    let app = batch_app().await;
    let first = app.batch_paginated("pageSize=3").await.json();
    assert_eq!(batch_ids(&first), vec![1, 3, 4]);
    assert_eq!(first["hasNextPage"], true);
    let second = app.batch_paginated("pageSize=3&pageNumber=2").await.json();
    assert_eq!(batch_ids(&second), vec![5]);
    assert_eq!(second["hasPreviousPage"], true);
    assert_eq!(second["hasNextPage"], false);
    let past = app.batch_paginated("pageSize=3&pageNumber=3").await.json();
    assert_eq!(batch_ids(&past), Vec::<i64>::new());
    assert_eq!(past["totalCount"], 4);
    assert_eq!(past["totalPages"], 2);
}

#[tokio::test]
async fn batch_page_parameters_out_of_range_are_problems_naming_them() {
    let app = batch_app().await;
    for (query, parameter) in [
        ("pageNumber=0", "pageNumber"),
        ("pageSize=1001", "pageSize"),
        ("pageSize=0", "pageSize"),
        ("workspaceId=x", "workspaceId"),
        ("startDate=later", "startDate"),
        ("sort=taskId", "sort"),
    ] {
        app.batch_paginated(query)
            .await
            .assert_problem(StatusCode::BAD_REQUEST, Some(parameter));
    }
}
