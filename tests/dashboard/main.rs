//! The dashboard (`/_emulator/ui`) in a real browser: headless Chromium driven through
//! chromedriver (WebDriver), against the real binary. Time moves only by the emulator's
//! clock, advanced from the page; the test waits for the page by polling its DOM, with a
//! bound.
//!
//! Without chromedriver the tests say they are skipped and pass, unless
//! `SDEMU_BROWSER_TESTS=required` (CI), when they fail.

mod browser;
#[path = "../support/mod.rs"]
mod support;

use std::path::Path;
use std::time::{Duration, Instant};

use fantoccini::{Client, Locator};
use serde_json::{json, Value};

use browser::{browser, click, is_hidden, run, text_of, type_into, wait_for_text, wait_until};
use support::sdemu::Sdemu;

const DEMO_CLIENT: (&str, &str) = ("sdemu-demo", "sdemu-demo-secret");

/// Creates a task in the demo organization through the API: its id.
async fn create_task(sdemu: &Sdemu, token: &str) -> i64 {
    let created: Value = reqwest::Client::new()
        .post(format!("{}/api/v1.0/external/sdtask/process", sdemu.base))
        .bearer_auth(token)
        .json(&json!({"context": {"url": "https://files.example.com/invoice.pdf"}}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    created["taskId"].as_i64().expect("a task id")
}

/// The Task Status List's tasks with status `status`, as a front-end reads them.
async fn listed_with_status(sdemu: &Sdemu, token: &str, status: i64) -> Vec<Value> {
    let (code, _, body) = sdemu
        .get(
            token,
            &format!(
                "/api/v1.0/external/sdtask/statuslist?startDate=2000-01-01T00:00:00Z&taskStatus={status}"
            ),
        )
        .await;
    assert_eq!(code, 200);
    serde_json::from_slice(&body).unwrap()
}

/// Shows the tasks newest first (by id), so a created task is on the first rows.
async fn sort_by_newest(client: &Client) {
    client
        .find(Locator::Css("#f-sort"))
        .await
        .unwrap()
        .select_by_value("taskId")
        .await
        .unwrap();
}

fn row(task_id: i64) -> String {
    format!("#tasks tr[data-task-id=\"{task_id}\"]")
}

#[tokio::test(flavor = "multi_thread")]
async fn without_the_admin_token_the_page_asks_for_it_and_with_it_shows_the_tasks() {
    let Some((_driver, client)) = browser("dashboard token test").await else {
        return;
    };
    let sdemu = Sdemu::start_with(&["--admin-token", "dashboard-secret", "--lifecycle", "off"]);

    // The page itself needs no token; its data does.
    let page = reqwest::get(format!("{}/_emulator/ui", sdemu.base))
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let refused = reqwest::get(format!("{}/_emulator/organizations", sdemu.base))
        .await
        .unwrap();
    assert_eq!(refused.status(), 401);

    client
        .goto(&format!("{}/_emulator/ui", sdemu.base))
        .await
        .unwrap();
    wait_until(&client, "the sign-in box", || async {
        !is_hidden(&client, "#sign-in").await
    })
    .await;
    assert!(
        is_hidden(&client, "#dashboard").await,
        "no data without the token"
    );

    type_into(&client, "#token", "not-the-token").await;
    click(&client, "#sign-in button[type=submit]").await;
    wait_for_text(&client, "#message", "That token was refused.").await;
    assert!(is_hidden(&client, "#dashboard").await);

    type_into(&client, "#token", "dashboard-secret").await;
    click(&client, "#sign-in button[type=submit]").await;
    wait_for_text(&client, "#task-count", "tasks match").await;
    assert!(is_hidden(&client, "#sign-in").await);
    let rows = run(
        &client,
        "return document.querySelectorAll('#tasks tbody tr').length;",
        json!(null),
    )
    .await;
    assert!(rows.as_u64().unwrap() > 0, "the demo tasks are listed");
    // Kept in the tab's session storage, never in the address.
    let kept = run(
        &client,
        "return sessionStorage.getItem('sdemu-admin-token');",
        json!(null),
    )
    .await;
    assert_eq!(kept, json!("dashboard-secret"));
    let address = client.current_url().await.unwrap();
    assert!(!address.as_str().contains("dashboard-secret"), "{address}");

    client.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_demo_moves_a_task_to_review_forces_another_to_failed_and_a_fault_from_the_page_applies()
{
    let Some((_driver, client)) = browser("dashboard demo test").await else {
        return;
    };
    let sdemu = Sdemu::start_with(&["--clock", "frozen", "--failure-rate", "0"]);
    let token = sdemu.token(DEMO_CLIENT.0, DEMO_CLIENT.1).await;
    client
        .goto(&format!("{}/_emulator/ui", sdemu.base))
        .await
        .unwrap();
    wait_for_text(&client, "#clock-mode", "frozen").await;
    sort_by_newest(&client).await;

    // A task created through the API appears, queued.
    let watched = create_task(&sdemu, &token).await;
    wait_for_text(&client, &row(watched), "QueuedForPreProcessing (30)").await;

    // Advancing the clock in the page moves it to ToReview.
    type_into(&client, "#clock-by", "PT60S").await;
    click(&client, "#clock-advance").await;
    wait_for_text(&client, &row(watched), "ToReview (3)").await;
    assert!(listed_with_status(&sdemu, &token, 3)
        .await
        .iter()
        .any(|task| task["taskId"] == watched));

    // Forcing another task's status from the page shows in the Task Status List.
    let forced = create_task(&sdemu, &token).await;
    wait_for_text(&client, &row(forced), "QueuedForPreProcessing (30)").await;
    click(&client, &format!("{} td", row(forced))).await;
    wait_for_text(&client, "#d-id", &forced.to_string()).await;
    wait_for_text(&client, "#d-history", "(created)").await;
    type_into(&client, "#d-force-code", "32").await;
    click(&client, "#d-force").await;
    wait_for_text(&client, &row(forced), "PreProcessingFailed (32)").await;
    wait_for_text(&client, "#d-history", "→ 32  (forced)").await;
    let failed = listed_with_status(&sdemu, &token, 32).await;
    let listed = failed
        .iter()
        .find(|task| task["taskId"] == forced)
        .expect("the forced task is in the Task Status List as failed");
    assert_eq!(listed["taskStatusText"], "PreProcessingFailed");

    let screenshot = client.screenshot().await.unwrap();
    save_screenshot(&screenshot);

    // Reprocessing it from the page puts it back in the queue.
    click(&client, "#d-reprocess").await;
    wait_for_text(&client, &row(forced), "QueuedForPreProcessing (30)").await;
    wait_for_text(&client, "#d-history", "32 → 30  (reprocessed)").await;
    wait_for_text(&client, "#d-restarts", "1").await;

    // A fault added from the page answers the next API request.
    click(&client, "nav button[data-tab=faults]").await;
    type_into(&client, "#fa-name", "busy list").await;
    type_into(&client, "#fa-method", "GET").await;
    type_into(&client, "#fa-path", "/api/v1.0/external/sdtask/statuslist").await;
    type_into(&client, "#fa-status", "503").await;
    type_into(&client, "#fa-body", r#"{"error":"busy"}"#).await;
    type_into(&client, "#fa-times", "1").await;
    click(&client, "#fault-form button[type=submit]").await;
    wait_for_text(&client, "#faults tbody", "busy list").await;
    let (status, _, body) = sdemu
        .get(
            &token,
            "/api/v1.0/external/sdtask/statuslist?startDate=2000-01-01T00:00:00Z",
        )
        .await;
    assert_eq!(status, 503);
    assert_eq!(
        serde_json::from_slice::<Value>(&body).unwrap(),
        json!({"error": "busy"})
    );

    // ... and the developer finds that request, and its headers, in the journal.
    click(&client, "nav button[data-tab=requests]").await;
    type_into(&client, "#r-path", "/api/v1.0/external/sdtask/statuslist").await;
    click(&client, "#request-count").await; // leaves the field: the filter applies
    wait_for_text(
        &client,
        "#requests tbody tr:first-child",
        "respond (rule 0: busy list)",
    )
    .await;
    click(&client, "#requests tbody tr:first-child td").await;
    wait_for_text(&client, "#rd-line", "→ 503").await;
    wait_for_text(&client, "#rd-headers", "Bearer [redacted]").await;

    client.close().await.unwrap();
}

/// Saves the dashboard's screenshot under `target/` and, when `SDEMU_DASHBOARD_SCREENSHOT`
/// names a file (`docs/dashboard.png` for the README), there too.
fn save_screenshot(png: &[u8]) {
    assert!(png.starts_with(b"\x89PNG"), "a PNG screenshot");
    let target = Path::new(env!("CARGO_TARGET_TMPDIR")).join("dashboard.png");
    std::fs::write(&target, png).unwrap();
    if let Some(path) = std::env::var_os("SDEMU_DASHBOARD_SCREENSHOT") {
        std::fs::write(path, png).unwrap();
    }
}

/// 10,000 tasks in one workspace, as a seed document (merged into the demo data).
fn ten_thousand_tasks() -> Value {
    let tasks: Vec<Value> = (0..10_000)
        .map(|n| {
            let status = [3, 4, 20, 32, 34][n as usize % 5];
            json!({
                "taskId": 100_000 + n,
                "workspaceId": 1,
                "displayName": format!("bulk-{n}.pdf"),
                "createdOn": format!("2026-0{}-{:02}T{:02}:00:00Z", 1 + n % 9, 1 + n % 28, n % 24),
                "taskStatus": status,
                "integrationStatus": 1,
            })
        })
        .collect();
    Value::Array(tasks)
}

#[tokio::test(flavor = "multi_thread")]
async fn with_ten_thousand_tasks_the_page_renders_a_bounded_table_and_stays_responsive() {
    let Some((_driver, client)) = browser("dashboard 10,000-task test").await else {
        return;
    };
    let sdemu = Sdemu::start_with(&["--clock", "frozen", "--lifecycle", "off"]);
    sdemu
        .control(
            reqwest::Method::POST,
            "seed?mode=merge",
            Some(ten_thousand_tasks()),
        )
        .await;

    let opened = Instant::now();
    client
        .goto(&format!("{}/_emulator/ui", sdemu.base))
        .await
        .unwrap();
    wait_for_text(
        &client,
        "#task-count",
        "tasks match; the first 500 are shown",
    )
    .await;
    let first_render = opened.elapsed();
    let count = text_of(&client, "#task-count").await;
    let total: u64 = count
        .as_str()
        .unwrap()
        .split(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(total >= 10_000, "{count}");
    let rows = run(
        &client,
        "return document.querySelectorAll('#tasks tbody tr').length;",
        json!(null),
    )
    .await;
    assert_eq!(rows, json!(500), "at most 500 rows are rendered");

    // Responsiveness while the page polls every second: a click shows the task's details.
    let clicked = Instant::now();
    click(&client, "#tasks tbody tr:nth-child(250) td").await;
    wait_until(&client, "the clicked task's timeline", || async {
        !is_hidden(&client, "#task-detail").await
    })
    .await;
    let click_to_detail = clicked.elapsed();

    // A filter change re-renders the 500 rows: sorted the other way.
    let first_row =
        "const r = document.querySelector('#tasks tbody tr'); return r ? r.dataset.taskId : null;";
    let before = run(&client, first_row, json!(null)).await;
    let resorted = Instant::now();
    click(&client, "#f-desc").await;
    wait_until(&client, "the table sorted the other way", || async {
        run(&client, first_row, json!(null)).await != before
    })
    .await;
    let resort = resorted.elapsed();
    // The longest render of the table (the page measures each one).
    let longest = run(
        &client,
        "return Math.max(0, ...performance.getEntriesByType('measure')
            .filter(m => m.name === 'tasks-render').map(m => m.duration));",
        json!(null),
    )
    .await;
    println!(
        "dashboard with {total} tasks: first 500 rows shown {} ms after opening the page; \
         a row's timeline {} ms after the click; re-sorted in {} ms; longest table render {:.1} ms",
        first_render.as_millis(),
        click_to_detail.as_millis(),
        resort.as_millis(),
        longest.as_f64().unwrap_or(f64::NAN),
    );
    assert!(first_render < Duration::from_secs(10), "{first_render:?}");
    assert!(
        click_to_detail < Duration::from_secs(5),
        "{click_to_detail:?}"
    );

    client.close().await.unwrap();
}
