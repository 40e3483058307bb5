//! GET /api/v1.0/external/sdtask/statuslist: every rule of the documentation and of sdemu's
//! fidelity notes.

use axum::http::StatusCode;
use serde_json::json;

use crate::helpers::{ids, TestApp, DOC_EXAMPLE_QUERY, EVERYTHING, STATUS_LIST};

/// The four tasks of the documentation's example response, in `createdOn` order.
fn documented_tasks() -> serde_json::Value {
    json!([
        {"taskId": 47, "workspaceId": 1, "batchId": 1, "taskNumber": 1, "externalId": null,
         "displayName": "Task display name", "description": "Task description",
         "createdOn": "2022-03-28T08:26:47Z", "taskStatus": 4, "integrationStatus": 1,
         "taskStatusText": "InReview", "integrationStatusText": "Never", "totalPages": 1,
         "preProcessingStartedOn": "2022-03-16T16:59:55Z"},
        {"taskId": 49, "workspaceId": 1, "batchId": null, "taskNumber": null, "externalId": null,
         "displayName": "Task display name", "description": "Task description",
         "createdOn": "2022-03-28T14:28:56Z", "taskStatus": 4, "integrationStatus": 1,
         "taskStatusText": "InReview", "integrationStatusText": "Never", "totalPages": 10,
         "preProcessingStartedOn": "2022-03-16T16:59:55Z"},
        {"taskId": 50, "workspaceId": 1, "batchId": 1, "taskNumber": 1, "externalId": null,
         "displayName": "Task display name", "description": "Task description",
         "createdOn": "2022-03-29T20:46:59Z", "taskStatus": 4, "integrationStatus": 1,
         "taskStatusText": "InReview", "integrationStatusText": "Never", "totalPages": 33,
         "restartCount": 1, "preProcessingStartedOn": "2022-03-16T16:59:55Z"},
        {"taskId": 51, "workspaceId": 1, "batchId": null, "taskNumber": null, "externalId": null,
         "displayName": "Task display name", "description": "Task description",
         "createdOn": "2022-03-30T07:41:06Z", "taskStatus": 3, "integrationStatus": 1,
         "taskStatusText": "ToReview", "integrationStatusText": "Never", "totalPages": 3,
         "preProcessingStartedOn": "2022-03-16T16:59:55Z"}
    ])
}

#[tokio::test]
async fn the_documented_example_request_returns_the_documented_tasks_in_created_on_order() {
    let app = TestApp::demo().await;
    let response = app.status_list(DOC_EXAMPLE_QUERY).await;
    assert_eq!(response.assert_json(StatusCode::OK), documented_tasks());
}

#[tokio::test]
async fn task_fields_are_written_in_the_documented_order_with_explicit_nulls() {
    let app = TestApp::demo().await;
    let response = app.status_list(DOC_EXAMPLE_QUERY).await;
    let body = response.text();
    let first = &body[..body.find('}').unwrap() + 1];
    assert_eq!(
        first,
        r#"[{"taskId":47,"workspaceId":1,"batchId":1,"taskNumber":1,"externalId":null,"displayName":"Task display name","description":"Task description","createdOn":"2022-03-28T08:26:47Z","taskStatus":4,"integrationStatus":1,"taskStatusText":"InReview","integrationStatusText":"Never","totalPages":1,"preProcessingStartedOn":"2022-03-16T16:59:55Z"}"#
    );
}

#[tokio::test]
async fn restart_count_is_omitted_until_a_task_is_reprocessed() {
    let app = TestApp::small().await;
    let tasks = app.status_list("startDate=2024-01-01").await.json();
    let by_id = |id: i64| {
        tasks
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["taskId"] == id)
            .unwrap()
            .clone()
    };
    assert!(by_id(1).get("restartCount").is_none());
    assert_eq!(by_id(2)["restartCount"], 2);
    // Unset optional fields are explicit nulls, not missing.
    assert_eq!(by_id(3)["description"], serde_json::Value::Null);
    assert_eq!(by_id(3)["preProcessingStartedOn"], serde_json::Value::Null);
    assert_eq!(by_id(2)["batchId"], serde_json::Value::Null);
    assert_eq!(by_id(5)["taskStatusText"], "Processed");
}

#[tokio::test]
async fn neither_date_is_answered_with_400_and_an_empty_body() {
    let app = TestApp::demo().await;
    for query in [
        "",
        "taskStatus=3",
        "startDate=&endDate=",
        "sort=bogus&taskStatus=x",
    ] {
        let response = app.status_list(query).await;
        response.assert_empty(StatusCode::BAD_REQUEST);
    }
}

#[tokio::test]
async fn both_date_bounds_are_inclusive() {
    let app = TestApp::small().await;
    let ids = app
        .status_list("startDate=2024-01-02T00:00:00Z&endDate=2024-01-03T12:30:00Z")
        .await
        .task_ids();
    assert_eq!(ids, vec![2, 3, 4]);
    assert_eq!(
        app.status_list("startDate=2024-01-02T00:00:00Z")
            .await
            .task_ids(),
        vec![2, 3, 4, 5]
    );
    assert_eq!(
        app.status_list("endDate=2024-01-02T00:00:00Z")
            .await
            .task_ids(),
        vec![1, 2, 3]
    );
}

#[tokio::test]
async fn a_start_after_the_end_yields_an_empty_list() {
    let app = TestApp::small().await;
    let response = app
        .status_list("startDate=2024-02-01&endDate=2024-01-01")
        .await;
    response.assert_status(StatusCode::OK);
    assert_eq!(response.json(), json!([]));
}

#[tokio::test]
async fn every_accepted_date_form_means_the_same_instant() {
    let app = TestApp::small().await;
    let expected = vec![4, 5];
    for start in [
        "2024-01-03T12:30:00Z",
        "2024-01-03T12%3A30%3A00Z",
        "2024-01-03T13:30:00%2B01:00",
        "2024-01-03T07:30:00-05:00",
        "2024-01-03T12:30:00",
        "2024-01-03T12:29:59.250Z",
    ] {
        assert_eq!(
            app.status_list(&format!("startDate={start}"))
                .await
                .task_ids(),
            expected,
            "startDate={start}"
        );
    }
    // A bare date is midnight UTC.
    assert_eq!(
        app.status_list("endDate=2024-01-02").await.task_ids(),
        vec![1, 2, 3]
    );
}

#[tokio::test]
async fn an_unreadable_date_is_a_problem_naming_the_parameter_and_the_value() {
    let app = TestApp::small().await;
    for (query, parameter, value) in [
        ("startDate=yesterday", "startDate", "yesterday"),
        (
            "startDate=2024-01-01&endDate=2024-13-01",
            "endDate",
            "2024-13-01",
        ),
        ("enddate=16%2F03%2F2022", "endDate", "16/03/2022"),
    ] {
        let problem = app
            .status_list(query)
            .await
            .assert_problem(StatusCode::BAD_REQUEST, Some(parameter));
        assert_eq!(problem["value"], value, "{query}");
        assert!(problem["detail"].as_str().unwrap().contains(value));
    }
}

#[tokio::test]
async fn repeated_values_of_one_key_are_alternatives_and_different_keys_all_apply() {
    let app = TestApp::small().await;
    assert_eq!(
        app.status_list("startDate=2024-01-01&taskStatus=3&taskStatus=30")
            .await
            .task_ids(),
        vec![1, 3, 4]
    );
    assert_eq!(
        app.status_list("startDate=2024-01-01&workspaceId=1&workspaceId=3")
            .await
            .task_ids(),
        vec![1, 2, 5]
    );
    assert_eq!(
        app.status_list("startDate=2024-01-01&taskStatus=3&taskStatus=30&workspaceId=2")
            .await
            .task_ids(),
        vec![3, 4]
    );
    assert_eq!(
        app.status_list("startDate=2024-01-01&integrationStatus=1&taskStatus=36")
            .await
            .task_ids(),
        vec![5]
    );
}

#[tokio::test]
async fn a_filter_value_that_matches_nothing_yields_fewer_tasks_not_an_error() {
    let app = TestApp::small().await;
    let response = app
        .status_list("startDate=2024-01-01&taskStatus=999&workspaceId=77")
        .await;
    response.assert_status(StatusCode::OK);
    assert_eq!(response.json(), json!([]));
    assert_eq!(
        app.status_list("startDate=2024-01-01&integrationStatus=2")
            .await
            .task_ids(),
        Vec::<i64>::new()
    );
}

#[tokio::test]
async fn a_non_integer_filter_value_is_a_problem_naming_the_parameter() {
    let app = TestApp::small().await;
    for (query, parameter) in [
        (
            "startDate=2024-01-01&taskStatus=3&taskStatus=InReview",
            "taskStatus",
        ),
        (
            "startDate=2024-01-01&integrationStatus=1.5",
            "integrationStatus",
        ),
        ("startDate=2024-01-01&WORKSPACEID=one", "workspaceId"),
    ] {
        app.status_list(query)
            .await
            .assert_problem(StatusCode::BAD_REQUEST, Some(parameter));
    }
}

#[tokio::test]
async fn parameter_names_match_case_insensitively_and_unknown_ones_are_ignored() {
    let app = TestApp::small().await;
    let expected = app
        .status_list("startDate=2024-01-01&workspaceId=2&taskStatus=3")
        .await
        .task_ids();
    assert_eq!(expected, vec![4]);
    for query in [
        "startdate=2024-01-01&workspaceid=2&taskstatus=3",
        "STARTDATE=2024-01-01&WorkspaceID=2&TaskStatus=3",
        "StartDate=2024-01-01&workspaceId=2&taskStatus=3&pageSize=1&colour=blue",
    ] {
        assert_eq!(app.status_list(query).await.task_ids(), expected, "{query}");
    }
}

#[tokio::test]
async fn sort_accepts_any_task_property_case_insensitively_in_either_direction() {
    let app = TestApp::small().await;
    let sorted = |sort: &'static str| {
        let app = &app;
        async move {
            app.status_list(&format!("startDate=2024-01-01&sort={sort}"))
                .await
                .task_ids()
        }
    };
    // Default: createdOn ascending, ties (tasks 2 and 3) by taskId.
    assert_eq!(sorted("").await, vec![1, 2, 3, 4, 5]);
    assert_eq!(sorted("createdOn").await, vec![1, 2, 3, 4, 5]);
    // Descending keeps the taskId tie-break ascending, so the order stays total.
    assert_eq!(sorted("-createdOn").await, vec![5, 4, 2, 3, 1]);
    assert_eq!(sorted("createdOn%20desc").await, vec![5, 4, 2, 3, 1]);
    assert_eq!(sorted("CREATEDON+DESC").await, vec![5, 4, 2, 3, 1]);
    assert_eq!(sorted("createdOn%20asc").await, vec![1, 2, 3, 4, 5]);
    assert_eq!(sorted("displayname").await, vec![2, 1, 3, 5, 4]);
    assert_eq!(sorted("totalPages").await, vec![5, 2, 4, 1, 3]);
    assert_eq!(sorted("-TotalPages").await, vec![3, 1, 2, 4, 5]);
    assert_eq!(sorted("restartCount").await, vec![1, 3, 5, 4, 2]);
    assert_eq!(sorted("taskStatusText").await, vec![2, 5, 3, 1, 4]);
    assert_eq!(sorted("-taskId").await, vec![5, 4, 3, 2, 1]);
}

#[tokio::test]
async fn sorting_by_an_unknown_property_is_a_problem_listing_the_allowed_names() {
    let app = TestApp::small().await;
    let problem = app
        .status_list("startDate=2024-01-01&sort=colour")
        .await
        .assert_problem(StatusCode::BAD_REQUEST, Some("sort"));
    let allowed = problem["allowed"].as_array().unwrap();
    assert_eq!(allowed.len(), 15);
    assert!(allowed.contains(&json!("createdOn")));
    assert!(allowed.contains(&json!("preProcessingStartedOn")));
    assert_eq!(problem["value"], "colour");
}

#[tokio::test]
async fn a_query_string_over_8_kib_is_refused_with_414() {
    let app = TestApp::small().await;
    let padding = "x".repeat(8 * 1024);
    let response = app
        .status_list(&format!("startDate=2024-01-01&note={padding}"))
        .await;
    let problem = response.assert_problem(StatusCode::URI_TOO_LONG, None);
    assert_eq!(problem["limit"], 8192);
}

#[tokio::test]
async fn more_than_1000_values_for_one_key_is_a_problem() {
    let app = TestApp::small().await;
    // Repeats are fine up to the limits: 500 values of a real filter fit in 8 KiB.
    let many: Vec<String> = (0..500).map(|i| format!("taskStatus={}", i % 10)).collect();
    let ok = app
        .status_list(&format!("startDate=2024-01-01&{}", many.join("&")))
        .await;
    ok.assert_status(StatusCode::OK);
    assert_eq!(ok.task_ids(), vec![1, 2, 4]);

    // Past 1,000 values the key is refused, even one no endpoint reads; a short key is the
    // only way to repeat it that often within 8 KiB.
    let too_many: Vec<String> = (0..1001).map(|i| format!("ws={}", i % 10)).collect();
    let problem = app
        .get(&format!(
            "{STATUS_LIST}?startDate=2024-01-01&{}",
            too_many.join("&")
        ))
        .await
        .assert_problem(StatusCode::BAD_REQUEST, Some("ws"));
    assert_eq!(problem["limit"], 1000);
}

#[tokio::test]
async fn the_demo_data_is_large_realistic_and_uses_every_catalogued_status() {
    let app = TestApp::demo().await;
    let body = app.status_list(EVERYTHING).await.json();
    let tasks = body.as_array().unwrap();
    assert!(tasks.len() >= 2000, "{} tasks", tasks.len());
    let workspaces: std::collections::BTreeSet<i64> =
        ids(&body, "workspaceId").into_iter().collect();
    assert!(workspaces.len() >= 3);
    for status in [3, 4, 19, 20, 30, 31, 32, 33, 34, 35] {
        assert!(
            tasks.iter().any(|t| t["taskStatus"] == status),
            "status {status} is unused"
        );
    }
    for year in 2022..=2026 {
        assert!(tasks.iter().any(|t| t["createdOn"]
            .as_str()
            .unwrap()
            .starts_with(&year.to_string())));
    }
    assert!(tasks.iter().any(|t| !t["batchId"].is_null()));
    assert!(tasks.iter().any(|t| !t["taskNumber"].is_null()));
    assert!(tasks.iter().any(|t| !t["externalId"].is_null()));
    assert!(tasks.iter().any(|t| t.get("restartCount").is_some()));
}

#[tokio::test]
async fn api_paths_match_case_insensitively_and_ignore_a_trailing_slash_as_asp_net_does() {
    let app = TestApp::demo().await;
    for path in [
        "/API/V1.0/External/SDTask/StatusList",
        "/api/v1.0/external/sdtask/statuslist/",
        "/api/v1.0/external/sdtask/statusList/",
    ] {
        let response = app.get(&format!("{path}?{DOC_EXAMPLE_QUERY}")).await;
        assert_eq!(response.status, StatusCode::OK, "{path}");
        assert_eq!(response.json(), documented_tasks(), "{path}");
    }
    let workspaces = app
        .get("/api/v1.0/external/sdworkspace/currentworkspaces")
        .await;
    workspaces.assert_status(StatusCode::OK);
    assert_eq!(workspaces.json()[0]["workspaceName"], "Invoices");

    // Only whole known paths are rewritten: others stay unknown, and the control plane is exact.
    app.get("/api/v1.0/external/sdtask/statuslist//")
        .await
        .assert_empty(StatusCode::NOT_FOUND);
    app.get("/api/v1.0/external/sdtask/statuslistx")
        .await
        .assert_empty(StatusCode::NOT_FOUND);
    app.get("/_emulator/HEALTH")
        .await
        .assert_status(StatusCode::NOT_FOUND);
}
