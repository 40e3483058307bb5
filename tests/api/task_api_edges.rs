//! Edge cases of the task, workspace and batch API: extreme and odd input is always a clear
//! 4xx or a true answer (never a 500 or a panic), and body problems name the offending field.

use axum::http::StatusCode;
use sdemu::domain::time::{BatchTime, TaskTime};
use sdemu::store::batches::{self, NewBatch};
use sdemu::store::tasks::{self, CreateError, NewTask, QueuedRun};
use serde_json::{json, Value};

use crate::helpers::{TestApp, TWO_ORGANIZATIONS};

#[tokio::test]
async fn dates_outside_the_years_1_to_9999_are_a_problem_on_both_paginated_endpoints() {
    let app = TestApp::two_organizations().await;
    // Readable dates whose .NET ticks would not fit in 64 bits; .NET's DateTime refuses them.
    for (query, parameter) in [
        ("startDate=-262143-01-01T00:00:00", "startDate"),
        ("endDate=-262143-01-01T00:00:00", "endDate"),
        ("startDate=%2B99999-01-01", "startDate"),
        ("startDate=2020-01-01&endDate=%2B99999-01-01", "endDate"),
    ] {
        app.batch_paginated(query)
            .await
            .assert_problem(StatusCode::BAD_REQUEST, Some(parameter));
        app.status_list_paginated(query)
            .await
            .assert_problem(StatusCode::BAD_REQUEST, Some(parameter));
    }
    // The ends of that range are fine.
    let page = app
        .batch_paginated("startDate=0001-01-01&endDate=9999-12-31T23:59:59.9999999Z")
        .await;
    page.assert_status(StatusCode::OK);
    assert_eq!(page.json()["totalCount"], 1);
}

#[tokio::test]
async fn the_largest_page_number_is_an_empty_page_past_the_end_on_both_paginated_endpoints() {
    let app = TestApp::two_organizations().await;
    let max = i64::MAX;
    for response in [
        app.status_list_paginated(&format!(
            "startDate=2020-01-01&pageNumber={max}&pageSize=1000"
        ))
        .await,
        app.batch_paginated(&format!("pageNumber={max}&pageSize=1000"))
            .await,
    ] {
        response.assert_status(StatusCode::OK);
        let page = response.json();
        assert_eq!(page["items"], serde_json::json!([]));
        assert_eq!(page["pageNumber"], max);
        assert_eq!(page["totalPages"], 1);
        assert_eq!(page["hasPreviousPage"], true);
        assert_eq!(page["hasNextPage"], false);
    }
}

#[tokio::test]
async fn page_numbers_and_sizes_beyond_64_bits_or_not_whole_are_problems_naming_them() {
    let app = TestApp::two_organizations().await;
    let huge = "99999999999999999999";
    for (query, parameter, value) in [
        (format!("pageNumber={huge}"), "pageNumber", huge),
        (format!("pageSize={huge}"), "pageSize", huge),
        ("pageNumber=1.0".to_owned(), "pageNumber", "1.0"),
        ("pageNumber=1e3".to_owned(), "pageNumber", "1e3"),
        ("pageSize=%2B".to_owned(), "pageSize", "+"),
        (
            format!("pageNumber=-{}", i64::MAX),
            "pageNumber",
            "-9223372036854775807",
        ),
    ] {
        for response in [
            app.status_list_paginated(&format!("startDate=2020-01-01&{query}"))
                .await,
            app.batch_paginated(&query).await,
        ] {
            let problem = response.assert_problem(StatusCode::BAD_REQUEST, Some(parameter));
            assert_eq!(problem["value"], value, "{query}");
        }
    }
}

#[tokio::test]
async fn a_body_value_of_the_wrong_type_is_a_problem_naming_the_field() {
    let app = TestApp::two_organizations().await;
    let url = r#""context":{"url":"https://example.com/a.pdf"}"#;
    let task = "/api/v1.0/external/sdtask/process";
    let batch = "/api/v1.0/external/sdbatch";
    let status = "/api/v1.0/external/sdtask/externalIntegrationStatus?taskId=10";
    let cases = [
        (task, format!(r#"{{{url},"priority":"high"}}"#), "priority"),
        (task, format!(r#"{{{url},"priority":1.5}}"#), "priority"),
        (task, format!(r#"{{{url},"priority":1e30}}"#), "priority"),
        (
            task,
            format!(r#"{{{url},"priority":18446744073709551615}}"#),
            "priority",
        ),
        (
            task,
            r#"{"context":"https://e.com/a.pdf"}"#.to_owned(),
            "context",
        ),
        (
            task,
            r#"{"context":[{"url":"https://e.com/a.pdf"}]}"#.to_owned(),
            "context",
        ),
        (
            task,
            format!(r#"{{{url},"taskAssignment":[]}}"#),
            "taskAssignment",
        ),
        (
            task,
            format!(r#"{{{url},"customFormValues":"x"}}"#),
            "customFormValues",
        ),
        (
            task,
            format!(r#"{{{url},"workspaceId":"1"}}"#),
            "workspaceId",
        ),
        (task, format!(r#"{{{url},"batchId":true}}"#), "batchId"),
        (task, format!(r#"{{{url},"externalId":7}}"#), "externalId"),
        (
            task,
            format!(r#"{{{url},"displayName":{{}}}}"#),
            "displayName",
        ),
        (batch, r#"{"displayName":["x"]}"#.to_owned(), "displayName"),
        (
            batch,
            r#"{"displayName":"x","workspaceId":1.5}"#.to_owned(),
            "workspaceId",
        ),
        (
            batch,
            r#"{"displayName":"x","description":false}"#.to_owned(),
            "description",
        ),
        (
            status,
            r#"{"externalIntegrationStatus":5}"#.to_owned(),
            "externalIntegrationStatus",
        ),
    ];
    for (uri, body, field) in cases {
        let method = if uri == status { "PATCH" } else { "POST" };
        let response = app.send_json(method, uri, &body).await.case(&body);
        let problem = response.assert_problem(StatusCode::BAD_REQUEST, None);
        assert_eq!(problem["type"], "urn:sdemu:problem:invalid-body", "{body}");
        assert_eq!(problem["field"], field, "{body}");
        let detail = problem["detail"].as_str().unwrap();
        assert!(detail.contains(&format!("'{field}'")), "{detail}");
    }
    // A body that is not an object names no field, even an array serde could read field by
    // field.
    let positional = r#"[null,null,null,null,null,{"url":"https://e.com/a.pdf"}]"#;
    for body in ["[1,2]", positional, "null", "\"text\"", "7"] {
        let problem = app
            .send_json("POST", task, body)
            .await
            .case(body)
            .assert_problem(StatusCode::BAD_REQUEST, None);
        assert_eq!(problem["type"], "urn:sdemu:problem:invalid-body", "{body}");
        assert!(problem.get("field").is_none(), "{problem}");
    }
    // Nothing was stored by any of these requests.
    assert_eq!(app.count_rows("tasks").await, 4);
    app.task_status("taskId=10")
        .await
        .assert_status(StatusCode::OK);
}

fn new_task(tenant_id: i64, workspace_id: i64, batch_id: Option<i64>) -> NewTask {
    NewTask {
        tenant_id,
        workspace_id,
        batch_id,
        external_id: None,
        display_name: None,
        description: None,
        priority: 1,
        created_on: TaskTime(1_700_000_000),
        context: r#"{"url":"https://example.com/a.pdf"}"#.to_owned(),
        task_assignment: None,
        custom_form_values: None,
    }
}

/// Batch "x" of organization 1 in `workspace_id`.
fn new_batch(workspace_id: i64) -> NewBatch<'static> {
    NewBatch {
        tenant_id: 1,
        workspace_id,
        display_name: "x",
        description: None,
        created_on: BatchTime(0),
    }
}

/// A run with no step after the queue (as with `--lifecycle off`).
const UNSCHEDULED: QueuedRun = QueuedRun {
    at: 0,
    next: None,
    cause: "created",
};

#[tokio::test]
async fn the_task_insert_itself_checks_workspace_and_batch_within_the_organization() {
    let app = TestApp::two_organizations().await;
    let db = &app.state.db;
    // Workspace 3 is organization 2's; 99 does not exist; batch 1 is in workspace 1, batch 2
    // in workspace 3, batch 99 nowhere.
    for (workspace, batch, expected) in [
        (3, None, "workspace"),
        (99, None, "workspace"),
        (99, Some(1), "workspace"),
        (2, Some(1), "batch"),
        (1, Some(2), "batch"),
        (1, Some(99), "batch"),
    ] {
        let outcome = tasks::create(db, &new_task(1, workspace, batch), &UNSCHEDULED).await;
        match (expected, outcome) {
            ("workspace", Err(CreateError::WorkspaceNotInOrganization))
            | ("batch", Err(CreateError::BatchNotInWorkspace)) => {}
            (_, other) => panic!("workspace {workspace}, batch {batch:?}: {other:?}"),
        }
    }
    let created = tasks::create(db, &new_task(1, 1, Some(1)), &UNSCHEDULED)
        .await
        .unwrap();
    let object: Value = serde_json::from_str(&created.wire_json).unwrap();
    assert_eq!((created.task_id, &object["batchId"]), (22, &json!(1)));
    assert_eq!(object["taskStatus"], 30);
    assert_eq!(app.count_rows("tasks").await, 5);

    assert_eq!(batches::create(db, &new_batch(3)).await.unwrap(), None);
    assert_eq!(batches::create(db, &new_batch(99)).await.unwrap(), None);
    let batch = batches::create(db, &new_batch(2)).await.unwrap().unwrap();
    assert_eq!((batch.batch_id, batch.workspace_id), (3, 2));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn creations_racing_seeds_that_remove_their_workspace_get_200_or_400_never_500() {
    let app = std::sync::Arc::new(TestApp::two_organizations().await);
    let full: Value = serde_json::from_str(TWO_ORGANIZATIONS).unwrap();
    // The same organizations without workspace 2 and without batch 1 (nor its task).
    let mut reduced = full.clone();
    reduced["workspaces"]
        .as_array_mut()
        .unwrap()
        .retain(|w| w["workspaceId"] != 2);
    reduced["batches"]
        .as_array_mut()
        .unwrap()
        .retain(|b| b["batchId"] != 1);
    reduced["tasks"]
        .as_array_mut()
        .unwrap()
        .retain(|t| t["workspaceId"] == 3);

    let seeder = {
        let app = app.clone();
        tokio::spawn(async move {
            for round in 0..40 {
                let doc = if round % 2 == 0 { &reduced } else { &full };
                let response = app.control("POST", "seed", Some(doc)).await;
                response.assert_status(StatusCode::OK);
                tokio::task::yield_now().await;
            }
        })
    };
    let mut creators = Vec::new();
    for i in 0..120 {
        let app = app.clone();
        creators.push(tokio::spawn(async move {
            let (uri, body, field) = match i % 3 {
                0 => (
                    "/api/v1.0/external/sdtask/process",
                    r#"{"workspaceId":2,"context":{"url":"https://example.com/a.pdf"}}"#,
                    "workspaceId",
                ),
                1 => (
                    "/api/v1.0/external/sdtask/process",
                    r#"{"batchId":1,"context":{"url":"https://example.com/a.pdf"}}"#,
                    "batchId",
                ),
                _ => (
                    "/api/v1.0/external/sdbatch",
                    r#"{"displayName":"b","workspaceId":2}"#,
                    "workspaceId",
                ),
            };
            let response = app.send_json("POST", uri, body).await;
            if response.status != StatusCode::OK {
                let problem = response.assert_problem(StatusCode::BAD_REQUEST, None);
                assert_eq!(problem["field"], field, "{problem}");
            }
        }));
    }
    for creator in creators {
        creator.await.unwrap();
    }
    seeder.await.unwrap();
}

#[tokio::test]
async fn context_urls_that_are_not_spelled_absolute_http_are_refused() {
    let app = TestApp::two_organizations().await;
    for url in [
        "javascript:alert(1)",
        "ftp://example.com/a.pdf",
        "file:///etc/passwd",
        "data:application/pdf;base64,AAAA",
        "//example.com/a.pdf",
        "example.com/a.pdf",
        "http:example.com/a.pdf",
        "http:/example.com/a.pdf",
        "https:\\\\example.com\\a.pdf",
        "https://exa mple.com/a.pdf",
        "https://example.com/a\n.pdf",
        "https://example.com/a\t.pdf",
        "https://",
        "",
    ] {
        let body = serde_json::json!({"context": {"url": url}});
        let problem = app
            .create_task(&body.to_string())
            .await
            .case(format!("{url:?}"))
            .assert_problem(StatusCode::BAD_REQUEST, None);
        assert_eq!(problem["field"], "context.url", "{url:?}");
    }
    // Accepted: any letter case, surrounding white space, spaces and odd escapes in the path,
    // ports, user info and IP literals; the URL is stored as sent.
    for (url, name) in [
        ("HTTPS://EXAMPLE.COM/A.PDF", "A.PDF"),
        ("  https://example.com/a.pdf  ", "a.pdf"),
        ("https://example.com/a b.pdf", "a b.pdf"),
        ("https://example.com/%ZZ", "%ZZ"),
        ("http://user:pw@[::1]:8080/in/", "in"),
        ("https://例え.jp/ファイル.pdf", "ファイル.pdf"),
    ] {
        let body = serde_json::json!({"context": {"url": url}});
        let response = app.create_task(&body.to_string()).await;
        assert_eq!(response.status, StatusCode::OK, "{url:?}");
        assert_eq!(response.json()["displayName"], name, "{url:?}");
    }
}

#[tokio::test]
async fn every_optional_field_may_be_null_and_extreme_values_are_kept() {
    let app = TestApp::two_organizations().await;
    let body = r#"{"displayName":null,"description":null,"workspaceId":null,"batchId":null,
        "priority":null,"context":{"url":"https://example.com/a.pdf"},"taskAssignment":null,
        "customFormValues":null,"externalId":null}"#;
    let response = app.create_task(body).await;
    response.assert_status(StatusCode::OK);
    let task = response.json();
    assert_eq!(
        (
            &task["workspaceId"],
            &task["displayName"],
            &task["externalId"]
        ),
        (
            &serde_json::json!(1),
            &serde_json::json!("a.pdf"),
            &Value::Null
        )
    );
    // The largest priority, 256 non-ASCII characters and an external id with a NUL in it.
    let name = "ü".repeat(256);
    let body = serde_json::json!({"context": {"url": "https://example.com/a.pdf"},
        "priority": i64::MAX, "displayName": name, "externalId": "a\u{0}b"});
    let task = app.create_task(&body.to_string()).await.json();
    assert_eq!(task["displayName"], name);
    assert_eq!(
        app.task_status("externalId=a%00b").await.json()["taskId"],
        task["taskId"]
    );
    let priority: i64 = sqlx::query_scalar("SELECT priority FROM tasks WHERE task_id = ?")
        .bind(task["taskId"].as_i64().unwrap())
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    assert_eq!(priority, i64::MAX);
    // Negative and zero priorities, ids out of this organization: named problems.
    for (extra, field) in [
        (r#""priority":-1"#, "priority"),
        (r#""priority":-9223372036854775808"#, "priority"),
        (r#""workspaceId":-1"#, "workspaceId"),
        (r#""workspaceId":0"#, "workspaceId"),
        (r#""batchId":-1"#, "batchId"),
    ] {
        let body = format!(r#"{{"context":{{"url":"https://example.com/a.pdf"}},{extra}}}"#);
        let problem = app
            .create_task(&body)
            .await
            .case(&body)
            .assert_problem(StatusCode::BAD_REQUEST, None);
        assert_eq!(problem["field"], field, "{body}");
    }
}
