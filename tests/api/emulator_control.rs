//! The control plane seen from a test suite's side: snapshots after API changes, reset of
//! `--client` organizations and issued tokens, the journal of the token endpoint, seed
//! atomicity, reset under load, and bad input that must never become a 500.

use axum::http::StatusCode;
use serde_json::json;

use crate::helpers::{TestApp, SMALL_FIXTURE};

#[tokio::test]
async fn times_outside_the_years_0001_to_9999_are_400_in_seeds_and_date_filters() {
    let app = TestApp::with_fixture(SMALL_FIXTURE).await;
    let before = app.control("GET", "state", None).await.body;
    for created_on in [
        "+99999-01-01T00:00:00Z",
        "99999-01-01T00:00:00",
        "-99999-01-01",
    ] {
        let response = app
            .control(
                "POST",
                "seed",
                Some(
                    &json!({"batches": [{"batchId": 1, "workspaceId": 1, "displayName": "B",
                                         "createdOn": created_on}],
                            "workspaces": [{"workspaceId": 1, "workspaceName": "W"}],
                            "tasks": [{"taskId": 1, "workspaceId": 1, "displayName": "x",
                                       "createdOn": created_on, "taskStatus": 3,
                                       "integrationStatus": 1}]}),
                ),
            )
            .await;
        let problem = response.assert_problem(StatusCode::BAD_REQUEST, None);
        let fields: Vec<&str> = problem["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap())
            .collect();
        assert_eq!(fields, ["createdOn", "createdOn"], "{created_on}");
        assert_eq!(app.control("GET", "state", None).await.body, before);
    }
    let response = app.status_list("startDate=%2B99999-01-01T00:00:00Z").await;
    response.assert_problem(StatusCode::BAD_REQUEST, Some("startDate"));
    let response = app
        .batch_paginated("startDate=99999-01-01T00:00:00&endDate=2024-01-01")
        .await;
    response.assert_problem(StatusCode::BAD_REQUEST, Some("startDate"));
}
