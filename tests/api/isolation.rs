//! Organizations cannot see each other's data: every API operation, seen through a real
//! token of `TWO_ORGANIZATIONS`'s non-default organization Other (tenant 2: workspace 3,
//! batch 2, tasks 20 and 21; its task 21 has the externalId X-10 that the default
//! organization's task 10 has too), and the demo data set's two organizations.

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{
    ids, TestApp, TestResponse, CONTOSO, DEMO, DOC_EXAMPLE_QUERY, DOC_EXAMPLE_TASK_IDS, EVERYTHING,
    OTHER,
};

/// `TWO_ORGANIZATIONS`, and requests sent as its organization Other.
struct Other {
    app: TestApp,
    token: String,
}

impl Other {
    async fn new() -> Self {
        let app = TestApp::two_organizations().await;
        let token = app.token(&OTHER).await;
        Self { app, token }
    }

    async fn get(&self, path_and_query: &str) -> TestResponse {
        self.app.get_as(&self.token, path_and_query).await
    }

    async fn status_list(&self, query: &str) -> TestResponse {
        self.app.status_list_as(&self.token, query).await
    }

    async fn send(&self, method: &str, path_and_query: &str, body: &str) -> TestResponse {
        let request = Request::builder()
            .method(method)
            .uri(path_and_query)
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_owned()))
            .unwrap();
        self.app.request_as(&self.token, request).await
    }
}

#[tokio::test]
async fn two_organizations_never_see_each_others_tasks_or_counts() {
    // The demo data set: about 2,900 tasks over both organizations.
    let app = TestApp::demo().await;
    let northwind = app.token(&DEMO).await;
    let contoso = app.token(&CONTOSO).await;
    let northwind_tasks = app.status_list_as(&northwind, EVERYTHING).await.json();
    let contoso_tasks = app.status_list_as(&contoso, EVERYTHING).await.json();
    let workspaces = |tasks: &Value| -> std::collections::BTreeSet<i64> {
        ids(tasks, "workspaceId").into_iter().collect()
    };
    assert_eq!(
        workspaces(&northwind_tasks),
        [1, 2, 3].into_iter().collect()
    );
    assert_eq!(workspaces(&contoso_tasks), [4, 5].into_iter().collect());
    assert_eq!(
        northwind_tasks.as_array().unwrap().len() as i64,
        app.count_rows("tasks WHERE tenant_id = 1").await
    );
    assert_eq!(
        contoso_tasks.as_array().unwrap().len() as i64,
        app.count_rows("tasks WHERE tenant_id = 2").await
    );
}

#[tokio::test]
async fn the_documented_example_tasks_belong_to_the_default_organization_only() {
    let app = TestApp::demo().await;
    let contoso = app.token(&CONTOSO).await;
    let response = app.status_list_as(&contoso, DOC_EXAMPLE_QUERY).await;
    response.assert_status(StatusCode::OK);
    assert!(response
        .task_ids()
        .iter()
        .all(|id| !DOC_EXAMPLE_TASK_IDS.contains(id)));
}

#[tokio::test]
async fn filtering_by_another_organizations_workspace_yields_an_empty_list() {
    let other = Other::new().await;
    for workspace in ["1", "2"] {
        let response = other
            .status_list(&format!("{EVERYTHING}&workspaceId={workspace}"))
            .await;
        assert_eq!(response.assert_json(StatusCode::OK), json!([]));
    }
    // Mixed with its own workspace, only its own tasks come back.
    let mixed = other
        .status_list(&format!("{EVERYTHING}&workspaceId=1&workspaceId=3"))
        .await
        .json();
    assert!(mixed
        .as_array()
        .unwrap()
        .iter()
        .all(|t| t["workspaceId"] == 3));
    assert!(!mixed.as_array().unwrap().is_empty());
}

#[tokio::test]
async fn another_organization_lists_and_counts_only_its_own_tasks() {
    let other = Other::new().await;
    let list = other.status_list(EVERYTHING).await;
    assert_eq!(list.task_ids(), vec![20, 21]);
    let page = other
        .get("/api/v1.0/external/sdtask/statuslistpaginated?startDate=2000-01-01&pageSize=1")
        .await
        .json();
    assert_eq!(ids(&page["items"], "taskId"), vec![20]);
    assert_eq!(page["totalCount"], 2);
    assert_eq!(page["totalPages"], 2);
    // The default organization's workspace, alone or with its own, matches nothing of it.
    let foreign = other
        .get("/api/v1.0/external/sdtask/statuslistpaginated?startDate=2000-01-01&workspaceId=1&workspaceId=2")
        .await
        .json();
    assert_eq!(foreign["items"], json!([]));
    assert_eq!(foreign["totalCount"], 0);
    assert_eq!(foreign["totalPages"], 0);
}

#[tokio::test]
async fn another_organization_reads_only_its_own_task_even_by_a_shared_external_id() {
    let other = Other::new().await;
    other
        .get("/api/v1.0/external/sdtask/status?taskId=10")
        .await
        .assert_empty(StatusCode::NOT_FOUND);
    let task = other
        .get("/api/v1.0/external/sdtask/status?externalId=X-10")
        .await;
    task.assert_status(StatusCode::OK);
    assert_eq!(task.json()["taskId"], 21);
    // The default organization gets its own task for the same external id.
    assert_eq!(
        other.app.task_status("externalId=X-10").await.json()["taskId"],
        10
    );
}

#[tokio::test]
async fn another_organization_reprocesses_only_its_own_task() {
    let other = Other::new().await;
    other
        .send(
            "PATCH",
            "/api/v1.0/external/sdtask/restartprocessing?taskId=10",
            "",
        )
        .await
        .assert_empty(StatusCode::NOT_FOUND);
    other
        .send(
            "PATCH",
            "/api/v1.0/external/sdtask/restartprocessing?externalId=X-10",
            "",
        )
        .await
        .assert_empty(StatusCode::OK);
    let restarts: Vec<(i64, Option<i64>)> =
        sqlx::query_as("SELECT task_id, restart_count FROM tasks ORDER BY task_id")
            .fetch_all(&other.app.state.db)
            .await
            .unwrap();
    assert_eq!(
        restarts,
        vec![(10, None), (11, None), (20, None), (21, Some(1))]
    );
}

#[tokio::test]
async fn another_organization_sets_the_external_integration_status_only_of_its_own_task() {
    let other = Other::new().await;
    let body = r#"{"externalIntegrationStatus":"exported"}"#;
    for path in [
        "/api/v1.0/external/sdtask/externalIntegrationStatus",
        "/api/v1.0/sdtask/externalIntegrationStatus",
    ] {
        other
            .send("PATCH", &format!("{path}?taskId=10"), body)
            .await
            .assert_empty(StatusCode::NOT_FOUND);
    }
    other
        .send(
            "PATCH",
            "/api/v1.0/sdtask/externalIntegrationStatus?externalId=X-10",
            body,
        )
        .await
        .assert_empty(StatusCode::OK);
    let statuses: Vec<(i64, String)> =
        sqlx::query_as("SELECT task_id, external_integration_status FROM tasks ORDER BY task_id")
            .fetch_all(&other.app.state.db)
            .await
            .unwrap();
    let exported: Vec<i64> = statuses
        .iter()
        .filter(|(_, status)| status == "exported")
        .map(|(id, _)| *id)
        .collect();
    assert_eq!(exported, vec![21]);
}

#[tokio::test]
async fn another_organization_creates_tasks_only_in_its_own_workspaces_and_batches() {
    let other = Other::new().await;
    let before = other.app.state_document().await;
    let create = |body: Value| {
        let other = &other;
        async move {
            other
                .send(
                    "POST",
                    "/api/v1.0/external/sdtask/process",
                    &body.to_string(),
                )
                .await
        }
    };
    let url = json!({"url": "https://example.com/a.pdf"});
    // The default organization's workspace reads exactly as a workspace that does not exist.
    let foreign = create(json!({"context": url, "workspaceId": 1}))
        .await
        .assert_problem(StatusCode::BAD_REQUEST, None);
    let missing = create(json!({"context": url, "workspaceId": 99}))
        .await
        .assert_problem(StatusCode::BAD_REQUEST, None);
    assert_eq!(
        foreign["detail"]
            .as_str()
            .unwrap()
            .replace("workspace 1,", "workspace 99,"),
        missing["detail"]
    );
    assert_eq!(foreign["field"], "workspaceId");
    // Its own workspace with the default organization's batch.
    let batch = create(json!({"context": url, "workspaceId": 3, "batchId": 1}))
        .await
        .assert_problem(StatusCode::BAD_REQUEST, None);
    assert_eq!(batch["field"], "batchId");
    // Its own externalId is taken; the default organization's ones are not its business.
    let duplicate = create(json!({"context": url, "externalId": "X-20"})).await;
    duplicate.assert_status(StatusCode::CONFLICT);
    assert_eq!(other.app.state_document().await, before);

    let created = create(json!({"context": url, "batchId": 2})).await;
    created.assert_status(StatusCode::OK);
    assert_eq!(created.json()["workspaceId"], 3);
    let task_id = created.json()["taskId"].as_i64().unwrap();
    // Invisible to the default organization, counted for its owner.
    other
        .app
        .task_status(&format!("taskId={task_id}"))
        .await
        .assert_empty(StatusCode::NOT_FOUND);
    assert_eq!(
        other
            .app
            .status_list_paginated("startDate=2000-01-01")
            .await
            .json()["totalCount"],
        2
    );
    let batch = other
        .get("/api/v1.0/external/sdbatch?batchId=2")
        .await
        .json();
    assert_eq!(batch["totalTasks"], 2);
}

#[tokio::test]
async fn another_organization_sees_only_its_own_workspaces_and_batches() {
    let other = Other::new().await;
    let workspaces = other
        .get("/api/v1.0/external/sdworkspace/CurrentWorkspaces")
        .await
        .json();
    assert_eq!(ids(&workspaces, "workspaceId"), vec![3]);
    assert_eq!(workspaces[0]["tenantId"], 2);

    other
        .get("/api/v1.0/external/sdbatch?batchId=1")
        .await
        .assert_empty(StatusCode::NOT_FOUND);
    let own = other.get("/api/v1.0/external/sdbatch?batchId=2").await;
    own.assert_status(StatusCode::OK);
    assert_eq!(own.json()["totalTasks"], 1);

    let page = other
        .get("/api/v1.0/external/sdbatch/paginated")
        .await
        .json();
    assert_eq!(ids(&page["items"], "batchId"), vec![2]);
    assert_eq!(page["totalCount"], 1);
    let foreign = other
        .get("/api/v1.0/external/sdbatch/paginated?workspaceId=1")
        .await
        .json();
    assert_eq!(foreign["items"], json!([]));
    assert_eq!(foreign["totalCount"], 0);
}

#[tokio::test]
async fn another_organization_creates_batches_only_in_its_own_workspaces() {
    let other = Other::new().await;
    let before = other.app.state_document().await;
    let foreign = other
        .send(
            "POST",
            "/api/v1.0/external/sdbatch",
            r#"{"displayName":"b","workspaceId":1}"#,
        )
        .await
        .assert_problem(StatusCode::BAD_REQUEST, None);
    assert_eq!(foreign["field"], "workspaceId");
    assert_eq!(other.app.state_document().await, before);

    let created = other
        .send(
            "POST",
            "/api/v1.0/external/sdbatch",
            r#"{"displayName":"b"}"#,
        )
        .await;
    created.assert_status(StatusCode::OK);
    assert_eq!(created.json()["workspaceId"], 3);
    let batch_id = created.json()["batchId"].as_i64().unwrap();
    other
        .app
        .get_batch(&format!("batchId={batch_id}"))
        .await
        .assert_empty(StatusCode::NOT_FOUND);
    assert_eq!(other.app.batch_paginated("").await.json()["totalCount"], 1);
}
