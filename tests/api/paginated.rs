//! GET sdtask/statuslistpaginated: the list's rules plus pageNumber / pageSize and the
//! paginated envelope.

use std::collections::HashSet;

use axum::http::StatusCode;
use serde_json::json;

use crate::helpers::{assert_page_envelope, TestApp};

#[tokio::test]
async fn the_first_page_has_ten_tasks_and_the_envelope_in_documented_order() {
    let app = TestApp::demo().await;
    let response = app.status_list_paginated("startDate=2022-01-01").await;
    let page = response.assert_json(StatusCode::OK);
    assert_page_envelope(&page);
    assert_eq!(page["items"].as_array().unwrap().len(), 10);
    assert_eq!(page["pageNumber"], 1);
    assert_eq!(page["hasPreviousPage"], false);
    assert_eq!(page["hasNextPage"], true);
    let total = page["totalCount"].as_i64().unwrap();
    assert_eq!(page["totalPages"].as_i64().unwrap(), (total + 9) / 10);
    // The items are the first ten of the unpaginated list.
    let all = app.status_list("startDate=2022-01-01").await.json();
    assert_eq!(page["items"], json!(all.as_array().unwrap()[..10]));
    assert_eq!(total, all.as_array().unwrap().len() as i64);
}

#[tokio::test]
async fn walking_every_page_yields_every_task_exactly_once_in_list_order() {
    let app = TestApp::demo().await;
    for sort in [
        "",
        "taskStatus",
        "-totalPages",
        "displayName+desc",
        "restartCount",
        "batchId",
        "createdOn",
    ] {
        let filter = format!("startDate=2022-01-01&sort={sort}");
        let expected = app.status_list(&filter).await.task_ids();
        let mut walked = Vec::new();
        let mut number = 1;
        loop {
            let page = app
                .status_list_paginated(&format!("{filter}&pageSize=97&pageNumber={number}"))
                .await
                .json();
            assert_eq!(page["totalCount"], expected.len(), "{sort}");
            walked.extend(
                page["items"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|task| task["taskId"].as_i64().unwrap()),
            );
            if page["hasNextPage"] == false {
                assert_eq!(page["totalPages"], number, "{sort}");
                break;
            }
            number += 1;
        }
        assert_eq!(walked, expected, "sort={sort}");
        let distinct: HashSet<_> = walked.iter().collect();
        assert_eq!(distinct.len(), walked.len(), "sort={sort}");
    }
}

#[tokio::test]
async fn a_page_past_the_end_has_no_items_and_true_totals() {
    let app = TestApp::small().await;
    let page = app
        .status_list_paginated("startDate=2024-01-01&pageSize=2&pageNumber=4")
        .await
        .json();
    assert_eq!(
        page,
        json!({"items": [], "pageNumber": 4, "totalPages": 3, "totalCount": 5,
               "hasPreviousPage": true, "hasNextPage": false})
    );
    let huge = app
        .status_list_paginated("startDate=2024-01-01&pageNumber=9223372036854775807")
        .await;
    huge.assert_status(StatusCode::OK);
    assert_eq!(huge.json()["items"], json!([]));
}

#[tokio::test]
async fn the_last_page_holds_the_remainder() {
    let app = TestApp::small().await;
    let page = app
        .status_list_paginated("startDate=2024-01-01&pageSize=2&pageNumber=3&sort=taskId")
        .await
        .json();
    assert_eq!(page["items"].as_array().unwrap().len(), 1);
    assert_eq!(page["items"][0]["taskId"], 5);
    assert_eq!(page["hasPreviousPage"], true);
    assert_eq!(page["hasNextPage"], false);
}

#[tokio::test]
async fn no_match_is_an_empty_first_page_with_zero_pages() {
    let app = TestApp::small().await;
    let page = app
        .status_list_paginated("startDate=2030-01-01")
        .await
        .json();
    assert_eq!(
        page,
        json!({"items": [], "pageNumber": 1, "totalPages": 0, "totalCount": 0,
               "hasPreviousPage": false, "hasNextPage": false})
    );
}

#[tokio::test]
async fn the_list_filters_apply_to_items_and_count_alike() {
    let app = TestApp::small().await;
    let page = app
        .status_list_paginated(
            "StartDate=2024-01-01&endDate=2024-01-31&taskStatus=3&taskStatus=30&workspaceId=2&PAGESIZE=1",
        )
        .await
        .json();
    assert_eq!(page["totalCount"], 2);
    assert_eq!(page["totalPages"], 2);
    assert_eq!(page["items"][0]["taskId"], 3);
}

#[tokio::test]
async fn only_the_callers_organization_is_counted() {
    let app = TestApp::two_organizations().await;
    let page = app
        .status_list_paginated("startDate=2020-01-01&sort=taskId")
        .await
        .json();
    assert_eq!(page["totalCount"], 2);
    assert_eq!(page["items"][0]["taskId"], 10);
    assert_eq!(page["items"][1]["taskId"], 11);
}

#[tokio::test]
async fn naming_neither_date_is_a_400_with_an_empty_body() {
    let app = TestApp::small().await;
    app.status_list_paginated("pageNumber=1&pageSize=10")
        .await
        .assert_empty(StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn page_numbers_and_sizes_out_of_range_are_problems_naming_the_parameter() {
    let app = TestApp::small().await;
    for (query, parameter, value) in [
        ("pageNumber=0", "pageNumber", "0"),
        ("pageNumber=-3", "pageNumber", "-3"),
        ("pageNumber=one", "pageNumber", "one"),
        ("pageSize=0", "pageSize", "0"),
        ("pageSize=1001", "pageSize", "1001"),
        ("pageSize=-1", "pageSize", "-1"),
        ("pageSize=1.5", "pageSize", "1.5"),
        ("sort=colour", "sort", "colour"),
        ("startDate=2024-01-01&endDate=soon", "endDate", "soon"),
    ] {
        let response = app
            .status_list_paginated(&format!("startDate=2024-01-01&{query}"))
            .await;
        let problem = response.assert_problem(StatusCode::BAD_REQUEST, Some(parameter));
        assert_eq!(problem["value"], value, "{query}");
    }
    // The limits themselves are accepted.
    let largest = app
        .status_list_paginated("startDate=2024-01-01&pageSize=1000")
        .await;
    assert_eq!(largest.json()["totalPages"], 1);
    let smallest = app
        .status_list_paginated("startDate=2024-01-01&pageSize=1")
        .await;
    assert_eq!(smallest.json()["totalPages"], 5);
}
