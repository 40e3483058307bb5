//! The crash test: sdemu is killed (SIGKILL, no shutdown at all) in the middle of a stream
//! of writes to a `--database` file, restarted on the same file, and every write it had
//! acknowledged is still there, and SQLite's `integrity_check` says `ok`.
//!
//! `cargo test --test crash` runs 3 rounds; `SDEMU_CRASH_ROUNDS=50 cargo test --test crash`
//! runs a long one.

#![cfg(unix)]

mod support;

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions, Connection};

const SDEMU: &str = env!("CARGO_BIN_EXE_sdemu");
/// Writers at once: creates and reprocesses race each other and the kill.
const WRITERS: usize = 4;
/// Acknowledged writes after which the kill comes (writes go on until it lands).
const KILL_AFTER: usize = 60;

fn rounds() -> usize {
    std::env::var("SDEMU_CRASH_ROUNDS")
        .ok()
        .and_then(|text| text.parse().ok())
        .unwrap_or(3)
}

/// Starts sdemu on `database` (authentication off, a free port) and returns it with its
/// base URL, read from its first line.
fn start(database: &Path) -> (Child, String) {
    let mut child = Command::new(SDEMU)
        .args(["--port", "0", "--auth", "off", "--database"])
        .arg(database)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("sdemu starts");
    let base = support::listening_url(&support::stdout_lines(&mut child));
    (child, base)
}

/// One acknowledged write: a created task and the external id it was created with.
#[derive(Debug, Clone)]
struct Acknowledged {
    task_id: i64,
    external_id: String,
}

async fn write_until_killed(
    client: reqwest::Client,
    base: String,
    writer: usize,
    round: usize,
    acknowledged: Arc<Mutex<Vec<Acknowledged>>>,
    killed: Arc<AtomicBool>,
    enough: Arc<tokio::sync::Notify>,
) {
    for index in 0.. {
        if killed.load(Ordering::SeqCst) {
            return;
        }
        let external_id = format!("crash-{round}-{writer}-{index}");
        let body = serde_json::json!({
            "externalId": external_id,
            "context": {"url": format!("https://example.com/{external_id}.pdf")},
        });
        let Ok(response) = client
            .post(format!("{base}/api/v1.0/external/sdtask/process"))
            .json(&body)
            .send()
            .await
        else {
            return; // the server is gone
        };
        if response.status() != reqwest::StatusCode::OK {
            return;
        }
        let Ok(task) = response.json::<serde_json::Value>().await else {
            return;
        };
        let task_id = task["taskId"].as_i64().expect("a task id");
        let count = {
            let mut acknowledged = acknowledged.lock().unwrap();
            acknowledged.push(Acknowledged {
                task_id,
                external_id,
            });
            acknowledged.len()
        };
        if count == KILL_AFTER {
            enough.notify_one();
        }
        // Every other write also changes an existing task (a reprocess updates its row and
        // history), so the kill can land in the middle of either kind.
        if index % 2 == 1 {
            let _ = client
                .patch(format!(
                    "{base}/api/v1.0/external/sdtask/restartprocessing?taskId={task_id}"
                ))
                .send()
                .await;
        }
    }
}

async fn integrity_check(database: &Path) -> String {
    let mut connection = SqliteConnectOptions::new()
        .filename(database)
        .connect()
        .await
        .expect("the database opens");
    let result: (String,) = sqlx::query_as("PRAGMA integrity_check")
        .fetch_one(&mut connection)
        .await
        .unwrap();
    connection.close().await.unwrap();
    result.0
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_acknowledged_write_survives_a_sigkill() {
    let directory = tempfile::tempdir().unwrap();
    let database = directory.path().join("sdemu.db");
    let client = reqwest::Client::new();
    let mut all: Vec<Acknowledged> = Vec::new();
    for round in 0..rounds() {
        let (mut child, base) = start(&database);
        let acknowledged = Arc::new(Mutex::new(Vec::new()));
        let killed = Arc::new(AtomicBool::new(false));
        let enough = Arc::new(tokio::sync::Notify::new());
        let writers: Vec<_> = (0..WRITERS)
            .map(|writer| {
                tokio::spawn(write_until_killed(
                    client.clone(),
                    base.clone(),
                    writer,
                    round,
                    acknowledged.clone(),
                    killed.clone(),
                    enough.clone(),
                ))
            })
            .collect();
        // A guard, not a measure of time: a broken server must fail the test, not hang it.
        tokio::time::timeout(Duration::from_secs(120), enough.notified())
            .await
            .expect("the writers got enough writes acknowledged before the kill");
        child.kill().expect("SIGKILL");
        child.wait().unwrap();
        killed.store(true, Ordering::SeqCst);
        for writer in writers {
            writer.await.unwrap();
        }
        all.extend(acknowledged.lock().unwrap().iter().cloned());

        assert_eq!(integrity_check(&database).await, "ok", "round {round}");
        let (mut child, base) = start(&database);
        for write in &all {
            let response = client
                .get(format!(
                    "{base}/api/v1.0/external/sdtask/status?taskId={}",
                    write.task_id
                ))
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 200, "round {round}: {write:?} was lost");
            let task: serde_json::Value = response.json().await.unwrap();
            assert_eq!(task["externalId"], write.external_id.as_str());
        }
        child.kill().unwrap();
        child.wait().unwrap();
    }
    assert!(all.len() >= KILL_AFTER * rounds());
}
