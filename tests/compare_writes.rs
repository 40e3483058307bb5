//! `sdemu compare --allow-writes` between real sdemu processes on loopback: the write
//! catalogue agrees by shape with an sdemu started from a capture although the ids each side
//! creates differ; a write answered otherwise is named with its status and path; and without
//! the flag no write ever reaches the upstream.

mod support;

use std::path::Path;

use reqwest::Method;
use serde_json::{json, Value};

use support::demo_cli::{capture_demo, compare, text, DEMO_CLIENT, DEMO_SECRET};
use support::sdemu::Sdemu;

const BATCH_PATH: &str = "/api/v1.0/external/sdbatch";
const CREATE_TASK_PATH: &str = "/api/v1.0/external/sdtask/process";
const STATUS_PATH: &str = "/api/v1.0/external/sdtask/status";
const REPROCESS_PATH: &str = "/api/v1.0/external/sdtask/restartprocessing";

/// The write catalogue's requests, in the order they are sent.
const WRITES: &[&str] = &[
    "create batch",
    "create batch: no displayName",
    "create batch: body not JSON",
    "create task",
    "create task: no context",
    "create task: a relative url",
    "create task: an unknown batch",
    "get batch: the created batch",
    "task status: the created task",
    "external integration status: the created task",
    "external integration status: no value",
    "external integration status: an unknown task",
    "reprocess: the created task",
    "reprocess: an unknown task",
    "task status: the created task, after the writes",
];

/// The read catalogue's size for the demo organization (`tests/compare.rs`).
const READS: usize = 21;

/// The journal's entries, oldest first, as (method, path, query).
async fn journal(sdemu: &Sdemu) -> Vec<(String, String, String)> {
    let answer = sdemu.control(Method::GET, "requests", None).await;
    let mut entries: Vec<(String, String, String)> = answer["requests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| {
            let field = |name: &str| entry[name].as_str().unwrap_or_default().to_owned();
            (field("method"), field("path"), field("query"))
        })
        .collect();
    entries.reverse();
    entries
}

/// The task id the journal's Reprocess Task of the created task named.
fn reprocessed_task(entries: &[(String, String, String)]) -> i64 {
    let queries: Vec<&str> = entries
        .iter()
        .filter(|(method, path, _)| method == "PATCH" && path == REPROCESS_PATH)
        .map(|(_, _, query)| query.as_str())
        .filter(|query| *query != "taskId=2147483000")
        .collect();
    assert_eq!(queries.len(), 1, "{entries:?}");
    queries[0].strip_prefix("taskId=").unwrap().parse().unwrap()
}

/// An sdemu (A) and one started from its capture (B), A holding one more batch and task in
/// its other organization (not in the capture), so that the ids each side creates next
/// differ while the compared organization's reads agree.
async fn a_and_its_capture(directory: &Path) -> (Sdemu, Sdemu) {
    let a = Sdemu::start(None);
    let out = directory.join("capture.json");
    capture_demo(&a.base, &out);
    let b = Sdemu::start(Some(&out));
    let other = a.token("sdemu-contoso", "sdemu-contoso-secret").await;
    let batch = json!({"displayName": "A only"});
    let (status, _) = a.send_json(&other, Method::POST, BATCH_PATH, &batch).await;
    assert_eq!(status, 200);
    let task = json!({"context": {"url": "https://example.com/a-only.pdf"}});
    let (status, _) = a
        .send_json(&other, Method::POST, CREATE_TASK_PATH, &task)
        .await;
    assert_eq!(status, 200);
    (a, b)
}

#[tokio::test]
async fn with_allow_writes_an_sdemu_and_one_from_its_capture_agree_by_shape_though_ids_differ() {
    let directory = tempfile::tempdir().unwrap();
    let (a, b) = a_and_its_capture(directory.path()).await;
    let token = a.token(DEMO_CLIENT, DEMO_SECRET).await;

    let local_secret = sdemu::capture::PLACEHOLDER_CLIENT_SECRET;
    let output = compare(
        &a.base,
        &b.base,
        &["--local-client-secret", local_secret, "--allow-writes"],
    );
    let (table, log) = (text(&output.stdout), text(&output.stderr));
    assert_eq!(output.status.code(), Some(0), "{table}\n{log}");
    let total = READS + WRITES.len();
    assert!(
        table.contains(&format!(
            "{total} requests, 0 with differences, {} compared by shape only",
            WRITES.len()
        )),
        "{table}"
    );
    for name in WRITES {
        let line = table
            .lines()
            .find(|line| line.starts_with(&format!("{name}  ")))
            .unwrap_or_else(|| panic!("{name} is in the report:\n{table}"));
        assert!(line.ends_with("  OK (shape only)"), "{line}");
    }
    assert!(
        log.contains("--allow-writes: creating a batch and a task"),
        "{log}"
    );

    // Each side's dependents named the task that side created.
    let (theirs, ours) = (
        reprocessed_task(&journal(&a).await),
        reprocessed_task(&journal(&b).await),
    );
    assert_ne!(theirs, ours);
    let (status, _, body) = a
        .get(&token, &format!("{STATUS_PATH}?taskId={theirs}"))
        .await;
    assert_eq!(status, 200);
    let task: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(task["restartCount"], 1, "{task}");

    // A second run's reads would see the first run's writes (under other ids on each side):
    // a new pair.
    drop((a, b));
    let (a, b) = a_and_its_capture(directory.path()).await;
    let output = compare(
        &a.base,
        &b.base,
        &[
            "--local-client-secret",
            local_secret,
            "--allow-writes",
            "--json",
        ],
    );
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["differing"], 0);
    assert_eq!(report["shapeOnly"], WRITES.len());
    let requests = report["requests"].as_array().unwrap();
    assert_eq!(requests.len(), total);
    let (reads, writes) = requests.split_at(READS);
    assert!(reads
        .iter()
        .all(|r| r["shapeOnly"] == false && r["method"] == "GET"));
    let names: Vec<&str> = writes.iter().map(|r| r["name"].as_str().unwrap()).collect();
    assert_eq!(names, WRITES);
    assert!(writes
        .iter()
        .all(|r| r["shapeOnly"] == true && r["same"] == true));
    let request = |name: &str| writes.iter().find(|r| r["name"] == name).unwrap();
    let created = request("create task");
    assert_eq!(created["method"], "POST");
    assert_eq!(created["status"], json!({"upstream": 200, "local": 200}));
    // The ids (and times) differ and are not counted.
    assert!(created["valuesIgnored"].as_u64().unwrap() >= 2, "{created}");
    let patch = request("external integration status: the created task");
    assert_eq!(patch["method"], "PATCH");
    assert_eq!(
        patch["path"],
        "/api/v1.0/external/sdtask/externalIntegrationStatus?taskId={taskId}"
    );
    for (name, status) in [
        ("create batch: no displayName", 400),
        ("create task: no context", 400),
        ("external integration status: an unknown task", 404),
        ("reprocess: an unknown task", 404),
    ] {
        let expected = json!({"upstream": status, "local": status});
        assert_eq!(request(name)["status"], expected, "{name}");
    }
}

#[tokio::test]
async fn a_write_answered_otherwise_is_named_with_its_status_and_path() {
    let a = Sdemu::start(None);
    let changed = Sdemu::start(None);
    let token = a.token(DEMO_CLIENT, DEMO_SECRET).await;
    // Create Task answers 201 with a task that has no taskId (nor a batch); Get Batch answers
    // a batch without totalTasksInHistory.
    let document = json!({"context": {"url": "https://example.com/a.pdf"}});
    let (status, mut task) = a
        .send_json(&token, Method::POST, CREATE_TASK_PATH, &document)
        .await;
    assert_eq!(status, 200);
    task.as_object_mut().unwrap().shift_remove("taskId");
    let (status, mut batch) = a
        .send_json(
            &token,
            Method::POST,
            BATCH_PATH,
            &json!({"displayName": "x", "description": "y"}),
        )
        .await;
    assert_eq!(status, 200);
    batch
        .as_object_mut()
        .unwrap()
        .shift_remove("totalTasksInHistory");
    let rules = json!([
        {"match": {"method": "POST", "path": CREATE_TASK_PATH},
         "respond": {"status": 201, "body": task}},
        {"match": {"method": "GET", "path": BATCH_PATH}, "respond": {"status": 200, "body": batch}}
    ]);
    changed.control(Method::PUT, "faults", Some(rules)).await;

    let output = compare(&a.base, &changed.base, &["--allow-writes"]);
    let table = text(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(1),
        "{table}\n{}",
        text(&output.stderr)
    );
    let section = |name: &str| -> String {
        let start = table
            .find(&format!("\n{name}  "))
            .unwrap_or_else(|| panic!("{name} is in the report:\n{table}"));
        let mut lines = table[start + 1..].lines();
        let mut found = vec![lines.next().unwrap()];
        found.extend(lines.take_while(|line| line.starts_with("    ")));
        found.join("\n")
    };
    let created = section("create task");
    assert!(
        created.contains("200 201  3 differences (shape only)"),
        "{created}"
    );
    assert!(
        created.contains("    status (status): upstream 200, local 201"),
        "{created}"
    );
    assert!(
        created.contains("    $.taskId (missing): upstream "),
        "{created}"
    );
    // null against an id is a type difference, which shape-only keeps.
    assert!(
        created.contains("    $.batchId (type): upstream "),
        "{created}"
    );
    assert!(created.ends_with(", local null"), "{created}");
    let batch = section("get batch: the created batch");
    assert!(
        batch.contains("200 200  1 difference (shape only)"),
        "{batch}"
    );
    assert!(
        batch.contains("    $.totalTasksInHistory (missing): upstream 0, local absent"),
        "{batch}"
    );
    // The local side created no task it could name: its dependents ask for an unknown one.
    let read_back = section("task status: the created task");
    assert!(
        read_back.contains("    status (status): upstream 200, local 404"),
        "{read_back}"
    );
    assert!(
        section("create batch").ends_with("200 200  OK (shape only)"),
        "{table}"
    );

    let output = compare(&a.base, &changed.base, &["--allow-writes", "--json"]);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output.stderr));
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    let requests = report["requests"].as_array().unwrap();
    let created = requests
        .iter()
        .find(|r| r["name"] == "create task")
        .unwrap();
    assert_eq!(created["shapeOnly"], true);
    assert_eq!(
        created["differences"][0],
        json!({"at": "status", "kind": "status", "upstream": 200, "local": 201})
    );
    assert_eq!(created["differences"][1]["at"], "$.taskId");
    assert_eq!(created["differences"][1]["kind"], "missing");
    assert!(created["differences"][1].get("local").is_none());
}

#[tokio::test]
async fn without_allow_writes_no_write_reaches_either_side() {
    let a = Sdemu::start(None);
    let b = Sdemu::start(None);
    let before = a.control(Method::GET, "state", None).await;

    let output = compare(&a.base, &b.base, &[]);
    let table = text(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{table}\n{}",
        text(&output.stderr)
    );
    assert!(
        table.ends_with(&format!("{READS} requests, 0 with differences\n")),
        "{table}"
    );
    assert!(!table.contains("shape only"), "{table}");

    for side in [&a, &b] {
        let entries = journal(side).await;
        assert!(entries.len() > READS, "{entries:?}");
        let writes: Vec<_> = entries
            .iter()
            .filter(|(method, path, _)| method != "GET" && path != "/connect/token")
            .collect();
        assert!(writes.is_empty(), "{writes:?}");
        let tokens = entries
            .iter()
            .filter(|(method, _, _)| method == "POST")
            .count();
        assert_eq!(tokens, 1, "{entries:?}");
    }
    assert_eq!(a.control(Method::GET, "state", None).await, before);
}
