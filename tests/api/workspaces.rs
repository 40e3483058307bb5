//! GET sdworkspace/CurrentWorkspaces.

use axum::http::StatusCode;
use serde_json::json;

use crate::helpers::{TestApp, TWO_ORG_FIXTURE};

#[tokio::test]
async fn the_callers_workspaces_are_listed_with_every_documented_field() {
    let app = TestApp::with_fixture(TWO_ORG_FIXTURE).await;
    let response = app.current_workspaces().await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(
        response.header("content-type"),
        Some("application/json; charset=utf-8")
    );
    assert_eq!(
        response.json(),
        json!([
            {"workspaceId": 1, "tenantId": 1, "workspaceName": "Invoices",
             "workspaceDescription": "AP", "isDefault": true, "taskType": 1,
             "workspaceType": 1, "templateType": 1,
             "workspaceTemplateName": "Invoices (Universal)"},
            {"workspaceId": 2, "tenantId": 1, "workspaceName": "Receipts",
             "workspaceDescription": null, "isDefault": false, "taskType": 1,
             "workspaceType": 1, "templateType": 2, "workspaceTemplateName": null}
        ])
    );
}

#[tokio::test]
async fn workspace_fields_are_written_in_the_documented_order() {
    let app = TestApp::demo().await;
    let body = String::from_utf8(app.current_workspaces().await.body).unwrap();
    assert!(
        body.starts_with(
            r#"[{"workspaceId":1,"tenantId":1,"workspaceName":"Invoices","workspaceDescription":"Supplier invoices for accounts payable.","isDefault":true,"taskType":1,"workspaceType":1,"templateType":1,"workspaceTemplateName":"Invoices (Universal)"},"#
        ),
        "{body}"
    );
    let ids: Vec<i64> = serde_json::from_str::<serde_json::Value>(&body)
        .unwrap()
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["workspaceId"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, vec![1, 2, 3]);
}
