//! The task reads' fast path: bodies written by SQLite (`json_object`) and kept by the
//! response cache. Their bytes must be exactly what serde writes for the same tasks, and a
//! cached answer must never outlive the data: every kind of write is followed by a read that
//! shows it.

use axum::http::StatusCode;
use serde_json::{json, Value};

use sdemu::domain::page::PageRequest;
use sdemu::domain::sort::{SortKey, SortOrder, TaskSortKey};
use sdemu::store::tasks::{self, TaskFilter, TaskRef};

use crate::helpers::TestApp;

/// The default organization of the demo data set and of `TWO_ORGANIZATIONS`.
const TENANT: i64 = 1;

fn filter(from: Option<i64>, to: Option<i64>) -> TaskFilter {
    TaskFilter {
        tenant_id: TENANT,
        created_from: from,
        created_to: to,
        ..TaskFilter::default()
    }
}

fn sort(text: Option<&str>) -> SortOrder<TaskSortKey> {
    SortOrder::parse(text).unwrap()
}

/// What serde writes for the list the store reads one field at a time.
async fn reference_list(app: &TestApp, filter: &TaskFilter, order: Option<&str>) -> Vec<u8> {
    let tasks = tasks::list(&app.state.db, filter, sort(order))
        .await
        .unwrap();
    serde_json::to_vec(&tasks).unwrap()
}

#[tokio::test]
async fn the_list_bytes_are_the_bytes_serde_writes_for_every_filter_and_sort() {
    let app = TestApp::demo().await;
    // 2022-01-01 .. 2022-12-31 and the whole data set.
    let year = (Some(1_640_995_200), Some(1_672_531_199));
    let cases: Vec<(&str, TaskFilter, Option<&str>)> = vec![
        ("startDate=2000-01-01", filter(Some(946_684_800), None), None),
        (
            "startDate=2000-01-01&sort=-displayName",
            filter(Some(946_684_800), None),
            Some("-displayName"),
        ),
        (
            "startDate=2000-01-01&sort=restartCount desc",
            filter(Some(946_684_800), None),
            Some("restartCount desc"),
        ),
        (
            "startDate=2000-01-01&sort=preProcessingStartedOn",
            filter(Some(946_684_800), None),
            Some("preProcessingStartedOn"),
        ),
        (
            "startDate=2022-01-01&endDate=2022-12-31T23:59:59Z&workspaceId=1&workspaceId=2&sort=taskStatusText",
            TaskFilter {
                workspace_ids: vec![1, 2],
                ..filter(year.0, year.1)
            },
            Some("taskStatusText"),
        ),
        (
            "startDate=2000-01-01&taskStatus=3&taskStatus=4&workspaceId=2",
            TaskFilter {
                task_statuses: vec![3, 4],
                workspace_ids: vec![2],
                ..filter(Some(946_684_800), None)
            },
            None,
        ),
        (
            "endDate=2022-06-30&externalIntegrationStatus=synced-erp&sort=-batchId",
            TaskFilter {
                external_integration_statuses: vec!["synced-erp".into()],
                ..filter(None, Some(1_656_547_200))
            },
            Some("-batchId"),
        ),
        ("startDate=2030-01-01", filter(Some(1_893_456_000), None), None),
    ];
    for (query, filter, order) in cases {
        let expected = reference_list(&app, &filter, order).await;
        assert!(
            expected.len() > 2 || query.contains("2030"),
            "{query}: no tasks"
        );
        // Twice: computed, then from the cache.
        for _ in 0..2 {
            let response = app.status_list(&query.replace(' ', "%20")).await;
            response.assert_status(StatusCode::OK);
            assert_eq!(
                response.header("content-type"),
                Some("application/json; charset=utf-8")
            );
            assert!(response.body == expected, "{query}: bytes differ");
        }
    }
}

#[tokio::test]
async fn the_page_and_task_bytes_are_the_bytes_serde_writes() {
    let app = TestApp::demo().await;
    let all = filter(Some(946_684_800), None);
    for (query, order, page) in [
        (
            "",
            None,
            PageRequest {
                number: 1,
                size: 10,
            },
        ),
        (
            "&sort=-createdOn&pageNumber=3&pageSize=7",
            Some("-createdOn"),
            PageRequest { number: 3, size: 7 },
        ),
        (
            "&pageSize=1000&pageNumber=2",
            None,
            PageRequest {
                number: 2,
                size: 1000,
            },
        ),
        (
            "&pageNumber=100000",
            None,
            PageRequest {
                number: 100_000,
                size: 10,
            },
        ),
    ] {
        let expected = tasks::page(&app.state.db, &all, sort(order), page)
            .await
            .unwrap();
        let expected = serde_json::to_vec(&expected).unwrap();
        let response = app
            .status_list_paginated(&format!("startDate=2000-01-01{query}"))
            .await;
        response.assert_status(StatusCode::OK);
        assert!(response.body == expected, "{query}: bytes differ");
    }
    let listed = app.status_list("startDate=2000-01-01").await.json();
    let with_restarts = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|task| task.get("restartCount").is_some())
        .expect("a reprocessed task")["taskId"]
        .as_i64()
        .unwrap();
    for task_id in [1, 2, 50, with_restarts] {
        let task = TaskRef {
            task_id: Some(task_id),
            external_id: None,
        };
        let expected = tasks::find(&app.state.db, TENANT, &task).await.unwrap();
        let expected = serde_json::to_vec(&expected.unwrap()).unwrap();
        let response = app.task_status(&format!("taskId={task_id}")).await;
        assert!(response.body == expected, "task {task_id}: bytes differ");
    }
}

#[tokio::test]
async fn text_that_needs_escaping_is_written_as_serde_writes_it() {
    let names = [
        "quote \" backslash \\ slash / tab \t newline \n",
        "controls \u{1} \u{1f} \u{7f} \u{8} \u{c} \r",
        "unicode é ß 漢字 😀 \u{2028} \u{2029} </script>",
    ];
    let tasks: Vec<Value> = names
        .iter()
        .enumerate()
        .map(|(index, name)| {
            json!({"taskId": index + 1, "workspaceId": 1, "displayName": name, "description": name,
                   "externalId": name, "createdOn": "0001-01-01T00:00:00Z",
                   "taskStatus": 3, "integrationStatus": 1,
                   "preProcessingStartedOn": "9999-12-31T23:59:59Z"})
        })
        .collect();
    let app = TestApp::with_fixture(&Value::Array(tasks).to_string()).await;
    let expected = reference_list(&app, &filter(None, Some(i64::MAX)), None).await;
    let response = app.status_list("endDate=9999-12-31").await;
    assert_eq!(response.text(), String::from_utf8(expected).unwrap());
}

/// The Task Status List of everything, read twice (the second from the cache), then
/// checked against the store's own reading after `write`.
struct Watch<'a> {
    app: &'a TestApp,
    query: String,
}

impl<'a> Watch<'a> {
    async fn start(app: &'a TestApp, query: &str) -> (Watch<'a>, Value) {
        let watch = Watch {
            app,
            query: query.to_owned(),
        };
        let first = watch.read().await;
        assert_eq!(watch.read().await, first, "the cached answer is the same");
        (watch, first)
    }

    async fn read(&self) -> Value {
        self.app
            .status_list(&self.query)
            .await
            .assert_json(StatusCode::OK)
    }
}

async fn status_of(app: &TestApp, query: &str) -> Value {
    app.task_status(query).await.json()["taskStatus"].clone()
}

const FROZEN: &[&str] = &["--clock", "frozen", "--failure-rate", "0"];

#[tokio::test]
async fn a_cached_list_shows_created_reprocessed_and_updated_tasks_at_once() {
    let app = TestApp::two_organizations_with(FROZEN).await;
    let (watch, before) = Watch::start(&app, "startDate=2026-01-01").await;
    let id = app.create_task_for("https://files.example.com/a.pdf").await;
    let after = watch.read().await;
    assert_ne!(after, before, "the created task is listed");
    assert!(after.as_array().unwrap().iter().any(|t| t["taskId"] == id));

    let (watch, before) = Watch::start(
        &app,
        "startDate=2000-01-01&externalIntegrationStatus=cached",
    )
    .await;
    assert_eq!(before, json!([]));
    app.set_external_integration_status(
        &format!("taskId={id}"),
        r#"{"externalIntegrationStatus":"cached"}"#,
    )
    .await
    .assert_status(StatusCode::OK);
    assert_eq!(watch.read().await.as_array().unwrap().len(), 1);

    let status = |list: &Value| list.as_array().unwrap()[0]["restartCount"].clone();
    let (watch, before) = Watch::start(
        &app,
        "startDate=2000-01-01&externalIntegrationStatus=cached",
    )
    .await;
    assert_eq!(status(&before), Value::Null);
    app.restart_processing(&format!("taskId={id}"))
        .await
        .assert_status(StatusCode::OK);
    // Reprocessing sets the external integration status back to `never`.
    assert_eq!(watch.read().await, json!([]));
    let one = app.task_status(&format!("taskId={id}")).await.json();
    assert_eq!(one["restartCount"], 1);
}

#[tokio::test]
async fn a_cached_answer_follows_lifecycle_steps_that_fall_due_on_the_clock() {
    // The real-clock mode over the test's manual base clock: time passes without a request.
    let app = TestApp::two_organizations_with(&["--failure-rate", "0"]).await;
    let id = app.create_task_for("https://files.example.com/b.pdf").await;
    let query = format!("taskId={id}");
    assert_eq!(status_of(&app, &query).await, 30);
    assert_eq!(status_of(&app, &query).await, 30, "cached");
    app.clock.advance(chrono::Duration::seconds(3));
    assert_eq!(
        status_of(&app, &query).await,
        31,
        "the queued step fell due"
    );
    // And through the control plane's clock.
    let (watch, before) = Watch::start(&app, "startDate=2026-01-01&taskStatus=31").await;
    assert_eq!(before.as_array().unwrap().len(), 1);
    app.advance_clock(json!(60)).await;
    assert_eq!(watch.read().await, json!([]), "pre-processing finished");
}

#[tokio::test]
async fn a_cached_answer_follows_reset_seed_and_forced_statuses() {
    let app = TestApp::two_organizations_with(FROZEN).await;
    let id = app.create_task_for("https://files.example.com/c.pdf").await;
    let (watch, before) = Watch::start(&app, "startDate=2026-01-01").await;
    assert_eq!(before.as_array().unwrap().len(), 1);

    app.control(
        "POST",
        &format!("tasks/{id}/status"),
        Some(&json!({"taskStatus": 4})),
    )
    .await
    .assert_status(StatusCode::OK);
    assert_eq!(watch.read().await[0]["taskStatus"], 4, "forced status");

    app.control("POST", "reset", None)
        .await
        .assert_status(StatusCode::OK);
    assert_eq!(watch.read().await, json!([]), "reset");

    let seeded = json!([{"taskId": 900, "workspaceId": 1, "displayName": "Seeded", "createdOn": "2026-05-01T00:00:00Z",
                         "taskStatus": 3, "integrationStatus": 1}]);
    app.control("POST", "seed?mode=merge", Some(&seeded))
        .await
        .assert_status(StatusCode::OK);
    assert_eq!(watch.read().await[0]["taskId"], 900, "seed");
}

/// The stored objects (`wire_json`, kept by triggers) after every kind of write that changes
/// a field they show: the list's bytes are still what serde writes from the columns.
#[tokio::test]
async fn the_stored_objects_follow_every_write() {
    let app = TestApp::two_organizations_with(FROZEN).await;
    let everything = filter(None, Some(i64::MAX));
    let query = "endDate=9999-12-31";
    let check = |step: &'static str| {
        let app = &app;
        let everything = &everything;
        async move {
            let expected = reference_list(app, everything, None).await;
            let response = app.status_list(query).await;
            assert!(response.body == expected, "after {step}: bytes differ");
        }
    };
    check("loading the fixture").await;
    let id = app.create_task_for("https://files.example.com/d.pdf").await;
    check("Create Task").await;
    // Pre-processing: started, pages counted, to review.
    app.advance_clock(json!(60)).await;
    check("lifecycle steps").await;
    let task = format!("taskId={id}");
    app.set_external_integration_status(&task, r#"{"externalIntegrationStatus":"x"}"#)
        .await
        .assert_status(StatusCode::OK);
    app.restart_processing(&task)
        .await
        .assert_status(StatusCode::OK);
    check("External Integration Status and Reprocess").await;
    app.control(
        "POST",
        &format!("tasks/{id}/status"),
        Some(&json!({"taskStatus": 4})),
    )
    .await
    .assert_status(StatusCode::OK);
    check("a forced status").await;
    app.control("POST", &format!("tasks/{id}/review/finish"), None)
        .await
        .assert_status(StatusCode::OK);
    check("a finished review (archived)").await;
    let seeded = json!({"taskStatuses": [{"value": 77, "name": "Custom \"quoted\""}],
                        "tasks": [{"taskId": 901, "workspaceId": 1, "displayName": "Seeded",
                                   "createdOn": "2026-05-01T00:00:00Z", "taskStatus": 77,
                                   "integrationStatus": 1, "restartCount": 2}]});
    app.control("POST", "seed?mode=merge", Some(&seeded))
        .await
        .assert_status(StatusCode::OK);
    check("a merge seed with a catalogue addition").await;
    app.control("POST", "reset", None)
        .await
        .assert_status(StatusCode::OK);
    check("reset").await;
}

/// Every sort key in both directions, as a whole list and as a page from its middle: the
/// objects SQLite joins come in the sort's order (`store::tasks::json::joined` relies on
/// SQLite's ordered subquery under group_concat; this holds it to that).
#[tokio::test]
async fn every_sort_key_in_both_directions_keeps_its_order_in_lists_and_pages() {
    let app = TestApp::demo().await;
    let all = filter(Some(946_684_800), None);
    for (key, _) in TaskSortKey::ALL {
        for order in [(*key).to_owned(), format!("-{key}")] {
            let expected = reference_list(&app, &all, Some(&order)).await;
            let response = app
                .status_list(&format!("startDate=2000-01-01&sort={order}"))
                .await;
            assert!(
                response.body == expected,
                "list sorted by {order}: bytes differ"
            );
            let page = PageRequest {
                number: 4,
                size: 25,
            };
            let expected = tasks::page(&app.state.db, &all, sort(Some(&order)), page)
                .await
                .unwrap();
            let expected = serde_json::to_vec(&expected).unwrap();
            let response = app
                .status_list_paginated(&format!(
                    "startDate=2000-01-01&sort={order}&pageNumber=4&pageSize=25"
                ))
                .await;
            assert!(
                response.body == expected,
                "page sorted by {order}: bytes differ"
            );
        }
    }
}

/// A filter naming several workspaces or statuses is read as one index range per value,
/// merged by SQLite (`store::tasks::push_ordered`): its bytes are those of the single
/// `IN` query serde's reference reads, in every order, as lists and as pages.
#[tokio::test]
async fn lists_merged_from_several_ranges_keep_every_order_in_lists_and_pages() {
    let app = TestApp::demo().await;
    let all = filter(Some(946_684_800), None);
    let listed = reference_list(&app, &all, None).await;
    let listed: Vec<Value> = serde_json::from_slice(&listed).unwrap();
    let mut statuses: Vec<i64> = listed
        .iter()
        .map(|task| task["taskStatus"].as_i64().unwrap())
        .collect();
    statuses.sort_unstable();
    statuses.dedup();
    let two_statuses = format!("&taskStatus={}&taskStatus={}", statuses[0], statuses[1]);
    let cases = [
        (
            "&workspaceId=2&workspaceId=1&workspaceId=2".to_owned(),
            TaskFilter {
                workspace_ids: vec![2, 1, 2],
                ..all.clone()
            },
        ),
        (
            format!("&workspaceId=1&workspaceId=2{two_statuses}"),
            TaskFilter {
                workspace_ids: vec![1, 2],
                task_statuses: statuses[..2].to_vec(),
                ..all.clone()
            },
        ),
        (
            two_statuses.clone(),
            TaskFilter {
                task_statuses: statuses[..2].to_vec(),
                ..all.clone()
            },
        ),
    ];
    for (filters, task_filter) in cases {
        let expected = reference_list(&app, &task_filter, None).await;
        let count = serde_json::from_slice::<Vec<Value>>(&expected)
            .unwrap()
            .len();
        assert!(count > 50, "{filters}: only {count} tasks");
        for (key, _) in TaskSortKey::ALL {
            for order in [(*key).to_owned(), format!("-{key}")] {
                let query = format!("startDate=2000-01-01{filters}&sort={order}");
                let expected = reference_list(&app, &task_filter, Some(&order)).await;
                let response = app.status_list(&query).await;
                assert!(response.body == expected, "list {query}: bytes differ");
                let page = PageRequest {
                    number: 3,
                    size: 20,
                };
                let expected = tasks::page(&app.state.db, &task_filter, sort(Some(&order)), page)
                    .await
                    .unwrap();
                let expected = serde_json::to_vec(&expected).unwrap();
                let response = app
                    .status_list_paginated(&format!("{query}&pageNumber=3&pageSize=20"))
                    .await;
                assert!(response.body == expected, "page {query}: bytes differ");
            }
        }
    }
}
