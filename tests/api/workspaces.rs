//! GET sdworkspace/CurrentWorkspaces.

use axum::http::StatusCode;
use serde_json::json;

use crate::helpers::{ids, TestApp};

#[tokio::test]
async fn the_callers_workspaces_are_listed_with_every_documented_field() {
    let app = TestApp::two_organizations().await;
    let response = app.current_workspaces().await;
    assert_eq!(
        response.assert_json(StatusCode::OK),
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
    let response = app.current_workspaces().await;
    let body = response.text();
    assert!(
        body.starts_with(
            r#"[{"workspaceId":1,"tenantId":1,"workspaceName":"Invoices","workspaceDescription":"Supplier invoices for accounts payable.","isDefault":true,"taskType":1,"workspaceType":1,"templateType":1,"workspaceTemplateName":"Invoices (Universal)"},"#
        ),
        "{body}"
    );
    assert_eq!(ids(&response.json(), "workspaceId"), vec![1, 2, 3]);
}
