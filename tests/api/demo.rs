//! Demo mode under a frozen clock: demo tasks appear at their slot times with realistic
//! names and batches, move through the lifecycle to Task History with the automatic
//! reviewer, stay within the cap (oldest removed first), are the same for the same seed,
//! restart with reset, and never appear without `--demo`.

use axum::http::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{ids, TestApp, EVERYTHING, OTHER};

/// The test clock's day: every fixture task predates it, so these are the demo tasks.
const TODAY: &str = "startDate=2026-11-01";

async fn todays_tasks(app: &TestApp) -> Vec<Value> {
    app.status_list(TODAY)
        .await
        .assert_json(StatusCode::OK)
        .as_array()
        .expect("a list")
        .clone()
}

async fn todays_batches(app: &TestApp) -> Vec<Value> {
    let page = app
        .batch_paginated(&format!("{TODAY}&pageSize=100"))
        .await
        .assert_json(StatusCode::OK);
    page["items"].as_array().expect("items").clone()
}

fn texts<'a>(tasks: &'a [Value], field: &str) -> Vec<&'a str> {
    tasks
        .iter()
        .map(|task| task[field].as_str().expect("a string"))
        .collect()
}

#[tokio::test]
async fn demo_tasks_appear_every_interval_each_created_at_its_own_slot_time() {
    for (interval, expected) in [(None, 40), (Some("60"), 10), (Some("7"), 85)] {
        let mut options = vec!["--demo", "--clock", "frozen"];
        if let Some(seconds) = interval {
            options.extend(["--demo-interval", seconds]);
        }
        let app = TestApp::with_options(&options).await;
        let step = interval.map_or(15, |s| s.parse::<i64>().unwrap());
        assert!(todays_tasks(&app).await.is_empty(), "nothing at start-up");
        app.advance_clock(json!(step - 1)).await;
        assert!(
            todays_tasks(&app).await.is_empty(),
            "the first slot is not due yet"
        );

        app.advance_clock(json!(600 - (step - 1))).await;
        let tasks = todays_tasks(&app).await;
        assert_eq!(tasks.len(), expected, "interval {step}");
        let start = chrono::DateTime::parse_from_rfc3339("2026-11-01T12:00:00Z").unwrap();
        let slots: Vec<String> = (1..=expected as i64)
            .map(|k| {
                (start + chrono::Duration::seconds(k * step))
                    .format("%Y-%m-%dT%H:%M:%SZ")
                    .to_string()
            })
            .collect();
        assert_eq!(texts(&tasks, "createdOn"), slots, "interval {step}");
    }
}

#[tokio::test]
async fn demo_tasks_have_realistic_names_for_their_workspace_and_come_now_and_then_in_a_batch() {
    let app = TestApp::with_options(&["--demo", "--clock", "frozen"]).await;
    app.advance_clock(json!("PT10M")).await;
    let tasks = todays_tasks(&app).await;
    assert_eq!(tasks.len(), 40);
    for task in &tasks {
        let name = task["displayName"].as_str().unwrap();
        let lower = name.to_lowercase();
        let fits = match task["workspaceId"].as_i64().unwrap() {
            // Northwind's invoices, receipts and meeting recordings (the demo data set).
            1 => lower.contains("invoice") || lower.starts_with("scan_"),
            2 => ["img_", "pxl_", "receipt"]
                .iter()
                .any(|p| lower.contains(p)),
            3 => [".mp3", ".mp4", ".m4a"].iter().any(|e| lower.ends_with(e)),
            other => panic!("{name} is in workspace {other}, not the default organization's"),
        };
        assert!(fits, "{task}");
        assert!(name.chars().any(|c| c.is_ascii_digit()), "{name}");
        assert_eq!(task["integrationStatus"], 1);
    }
    let workspaces: std::collections::BTreeSet<i64> =
        ids(&json!(tasks), "workspaceId").into_iter().collect();
    assert!(workspaces.len() >= 2, "{workspaces:?}");
    let with_external_id = tasks.iter().filter(|t| t["externalId"].is_string()).count();
    assert!(
        (3..=25).contains(&with_external_id),
        "{with_external_id} of 40"
    );

    // Every 20th task opens a batch, and it and the next five go into it.
    let batches = todays_batches(&app).await;
    let created: Vec<&str> = texts(&batches, "createdOn");
    assert_eq!(
        created,
        [
            "2026-11-01T12:00:15.0000000Z",
            "2026-11-01T12:05:15.0000000Z"
        ]
    );
    for (number, batch) in batches.iter().enumerate() {
        assert_eq!(batch["totalTasks"], 6, "{batch}");
        // A name in the demo data's style, numbered by upload: "Expense reports November
        // 2026 #1".
        let name = batch["displayName"].as_str().unwrap();
        assert!(name.ends_with(&format!(" 2026 #{}", number + 1)), "{name}");
    }
    let first_batch = &batches[0]["batchId"];
    let in_first: Vec<&str> = tasks
        .iter()
        .filter(|t| t["batchId"] == *first_batch)
        .map(|t| t["createdOn"].as_str().unwrap())
        .collect();
    assert_eq!(in_first.len(), 6);
    assert_eq!(in_first[0], "2026-11-01T12:00:15Z");
    assert_eq!(in_first[5], "2026-11-01T12:01:30Z");
    let batch_workspace = &batches[0]["workspaceId"];
    assert!(tasks
        .iter()
        .filter(|t| t["batchId"] == *first_batch)
        .all(|t| t["workspaceId"] == *batch_workspace));
    assert!(tasks[6]["batchId"].is_null(), "{}", tasks[6]);
}

async fn demo_task_22(app: &TestApp) -> Value {
    app.task_status("taskId=22")
        .await
        .assert_json(StatusCode::OK)
}

#[tokio::test]
async fn demo_tasks_move_through_the_lifecycle_and_the_automatic_reviewer_archives_them() {
    let app = TestApp::two_organizations_with(&[
        "--demo",
        "--clock",
        "frozen",
        "--failure-rate",
        "0",
        "--demo-interval",
        "60",
    ])
    .await;
    app.advance_clock(json!(60)).await;
    let tasks = todays_tasks(&app).await;
    assert_eq!(
        ids(&json!(tasks), "taskId"),
        [22],
        "after the fixture's task 21"
    );
    assert_eq!(tasks[0]["taskStatus"], 30);
    assert_eq!(tasks[0]["createdOn"], "2026-11-01T12:01:00Z");

    app.advance_clock(json!(13)).await;
    let task = demo_task_22(&app).await;
    assert_eq!(task["taskStatusText"], "ToReview");
    // With --demo the automatic reviewer is on: 20 s to start a review, 20 s to finish it.
    app.advance_clock(json!(20)).await;
    let task = demo_task_22(&app).await;
    assert_eq!(task["taskStatusText"], "InReview");
    app.advance_clock(json!(20)).await;
    let task = demo_task_22(&app).await;
    assert_eq!(task["taskStatus"], 20);
    assert_eq!(task["taskStatusText"], "Deleted");

    let lifecycle = app.task_lifecycle(22).await;
    let history: Vec<Value> = lifecycle["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| {
            json!([
                entry["at"],
                entry["fromStatus"],
                entry["toStatus"],
                entry["cause"]
            ])
        })
        .collect();
    assert_eq!(
        history,
        [
            json!(["2026-11-01T12:01:00Z", null, 30, "created"]),
            json!(["2026-11-01T12:01:03Z", 30, 31, "lifecycle"]),
            json!(["2026-11-01T12:01:11Z", 31, 34, "lifecycle"]),
            json!(["2026-11-01T12:01:13Z", 34, 3, "lifecycle"]),
            json!(["2026-11-01T12:01:33Z", 3, 4, "lifecycle"]),
            json!(["2026-11-01T12:01:53Z", 4, 20, "lifecycle"]),
        ]
    );
    assert_eq!(lifecycle["nextStep"], Value::Null);
}

#[tokio::test]
async fn the_cap_holds_and_the_oldest_tasks_of_the_organization_go_first() {
    let app = TestApp::two_organizations_with(&[
        "--demo",
        "--clock",
        "frozen",
        "--demo-interval",
        "60",
        "--demo-max-tasks",
        "5",
    ])
    .await;
    let acme_tasks = || async { app.status_list(EVERYTHING).await.task_ids() };
    app.advance_clock(json!("PT3M")).await;
    assert_eq!(
        acme_tasks().await,
        [10, 11, 22, 23, 24],
        "five: within the cap"
    );

    app.advance_clock(json!("PT1M")).await;
    assert_eq!(
        acme_tasks().await,
        [11, 22, 23, 24, 25],
        "task 10 was the oldest"
    );
    app.advance_clock(json!("PT1M")).await;
    assert_eq!(acme_tasks().await, [22, 23, 24, 25, 26]);
    // Fixture batch 1 lost its last task and is older than every remaining task.
    assert_eq!(
        app.get_batch("batchId=1").await.status,
        StatusCode::NOT_FOUND
    );
    // The other organization is not demo mode's.
    let other = app.token(&OTHER).await;
    assert_eq!(
        app.status_list_as(&other, EVERYTHING).await.task_ids(),
        [20, 21]
    );

    // A day later: 1,440 slots, of which only the newest five are kept.
    app.advance_clock(json!("P1D")).await;
    let tasks = app
        .status_list(EVERYTHING)
        .await
        .assert_json(StatusCode::OK);
    let tasks = tasks.as_array().unwrap();
    assert_eq!(
        texts(tasks, "createdOn"),
        [
            "2026-11-02T12:01:00Z",
            "2026-11-02T12:02:00Z",
            "2026-11-02T12:03:00Z",
            "2026-11-02T12:04:00Z",
            "2026-11-02T12:05:00Z"
        ]
    );
    assert_eq!(app.count_rows("tasks WHERE tenant_id = 1").await, 5);
    assert_eq!(
        app.count_rows("task_transitions WHERE task_id NOT IN (SELECT task_id FROM tasks)")
            .await,
        0,
        "the removed tasks' transitions went with them"
    );
    // The batches of removed tasks went too; the one open now holds the five.
    let batches = todays_batches(&app).await;
    assert_eq!(batches.len(), 1, "{batches:?}");
    assert_eq!(batches[0]["totalTasks"], 5);
    assert_eq!(batches[0]["createdOn"], "2026-11-02T12:01:00.0000000Z");
    // (A day later the first token has expired.)
    let other = app.token(&OTHER).await;
    assert_eq!(
        app.status_list_as(&other, EVERYTHING).await.task_ids(),
        [20, 21]
    );
}

/// Ten minutes of demo mode with `seed`: the day's tasks and batches.
async fn ten_minutes_with_seed(seed: &str) -> (Value, Vec<Value>) {
    let app = TestApp::with_options(&["--demo", "--clock", "frozen", "--seed", seed]).await;
    app.advance_clock(json!("PT5M")).await;
    app.advance_clock(json!("PT5M")).await;
    let tasks = app.status_list(TODAY).await.assert_json(StatusCode::OK);
    (tasks, todays_batches(&app).await)
}

#[tokio::test]
async fn the_same_seed_gives_the_same_demo_tasks_run_after_run() {
    let (first, first_batches) = ten_minutes_with_seed("7").await;
    let (again, again_batches) = ten_minutes_with_seed("7").await;
    assert_eq!(first.as_array().unwrap().len(), 40);
    assert_eq!(first, again);
    assert_eq!(first_batches, again_batches);

    let (other, _) = ten_minutes_with_seed("8").await;
    let names = |tasks: &Value| -> Vec<String> {
        texts(tasks.as_array().unwrap(), "displayName")
            .into_iter()
            .map(str::to_owned)
            .collect()
    };
    assert_ne!(names(&first), names(&other));
}

#[tokio::test]
async fn without_demo_mode_no_task_appears() {
    let app = TestApp::with_options(&["--clock", "frozen"]).await;
    app.advance_clock(json!("PT1H")).await;
    assert!(todays_tasks(&app).await.is_empty());
    assert!(todays_batches(&app).await.is_empty());
    assert_eq!(app.count_rows("demo_generator").await, 0);
}

#[tokio::test]
async fn reset_restarts_the_generator_from_the_reset_clock() {
    let app = TestApp::with_options(&["--demo", "--clock", "frozen"]).await;
    app.advance_clock(json!("PT5M")).await;
    let before = app.status_list(TODAY).await.assert_json(StatusCode::OK);
    assert_eq!(before.as_array().unwrap().len(), 20);

    let reset = app.control("POST", "reset", None).await;
    assert_eq!(reset.assert_json(StatusCode::OK)["tasks"], 2904);
    let clock = app.control("GET", "clock", None).await.json();
    assert_eq!(clock["now"], "2026-11-01T12:00:00.000Z");
    assert!(todays_tasks(&app).await.is_empty());

    app.advance_clock(json!("PT5M")).await;
    let after = app.status_list(TODAY).await.assert_json(StatusCode::OK);
    assert_eq!(after, before, "the same tasks, ids, names and times again");
}

#[tokio::test]
async fn on_a_running_clock_demo_tasks_appear_before_any_api_answer() {
    // The real clock (here the test's manual base clock) moves without the control plane:
    // the catch-up before the request creates what is due.
    let app = TestApp::with_options(&["--demo", "--demo-interval", "30"]).await;
    assert!(todays_tasks(&app).await.is_empty());
    app.clock.advance(chrono::Duration::seconds(95));
    let tasks = todays_tasks(&app).await;
    assert_eq!(
        texts(&tasks, "createdOn"),
        [
            "2026-11-01T12:00:30Z",
            "2026-11-01T12:01:00Z",
            "2026-11-01T12:01:30Z"
        ]
    );
    // The last was created 5 s ago and has moved on by the clock since: queued for 3 s,
    // then pre-processing.
    assert_eq!(tasks[2]["taskStatus"], 31, "{}", tasks[2]);
    assert_eq!(tasks[2]["preProcessingStartedOn"], "2026-11-01T12:01:33Z");
}
