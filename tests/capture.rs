//! `sdemu capture` against a real sdemu on loopback (sdemu A): the capture loads in a second
//! sdemu (B) that answers the Task Status List and Get Workspaces byte for byte as A did; it
//! never holds a secret; `--anonymize` is deterministic; a refused request is a clear error;
//! `Retry-After` is honoured.

mod support;

use support::sdemu::Sdemu;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

const SDEMU: &str = env!("CARGO_BIN_EXE_sdemu");
const SECRET: &str = "acme-secret-0123456789";
const OTHER_SECRET: &str = "other-secret-9876543210";

/// Account A: acme (tenant 3: three workspaces, two batches, five tasks over four months, a
/// custom task and integration status, a reprocessed task, a task created on the boundary of
/// two 30-day windows from 2021-12-01) beside another organization whose
/// data and secret must never reach the capture.
fn upstream_fixture() -> Value {
    json!({
        "organizations": [
            {"tenantId": 3, "name": "Acme", "clientId": "acme", "clientSecret": SECRET, "isDefault": true},
            {"tenantId": 4, "name": "Other", "clientId": "other", "clientSecret": OTHER_SECRET}
        ],
        "taskStatuses": [{"value": 36, "name": "Processed"}],
        "integrationStatuses": [{"value": 7, "name": "Mirrored"}],
        "workspaces": [
            {"workspaceId": 1, "tenantId": 3, "workspaceName": "Invoices", "workspaceDescription": "Supplier invoices",
             "isDefault": true, "taskType": 1, "workspaceType": 1, "templateType": 1},
            {"workspaceId": 2, "tenantId": 3, "workspaceName": "Contracts", "taskType": 2},
            {"workspaceId": 3, "tenantId": 3, "workspaceName": "Meetings", "workspaceTemplateName": "Transcripts"},
            {"workspaceId": 9, "tenantId": 4, "workspaceName": "Other workspace", "isDefault": true}
        ],
        "batches": [
            {"batchId": 1, "workspaceId": 1, "displayName": "March invoices", "description": "first run",
             "createdOn": "2021-12-20T09:00:00.1234567Z", "totalTasksInHistory": 2},
            {"batchId": 2, "workspaceId": 2, "displayName": "Q1 contracts", "createdOn": "2022-02-01T10:00:00Z"},
            {"batchId": 3, "workspaceId": 9, "displayName": "Other batch", "createdOn": "2022-02-01T10:00:00Z"}
        ],
        "tasks": [
            {"taskId": 47, "workspaceId": 1, "batchId": 1, "taskNumber": 890, "externalId": "INV-0001",
             "displayName": "invoice-0001.pdf", "description": "Acme Corp invoice",
             "createdOn": "2022-01-05T08:26:47.1234567Z", "taskStatus": 4, "integrationStatus": 1,
             "totalPages": 3, "preProcessingStartedOn": "2022-01-05T08:26:50Z"},
            {"taskId": 48, "workspaceId": 1, "batchId": 1, "displayName": "invoice-0002.pdf",
             "createdOn": "2022-02-10T12:00:00Z", "taskStatus": 36, "integrationStatus": 7,
             "totalPages": 1, "restartCount": 2},
            {"taskId": 52, "workspaceId": 2, "displayName": "on-the-boundary.pdf",
             "createdOn": "2022-03-01T00:00:00Z", "taskStatus": 3, "integrationStatus": 1},
            {"taskId": 49, "workspaceId": 2, "batchId": 2, "externalId": "CTR-7", "displayName": "contract.docx",
             "createdOn": "2022-03-20T16:00:00Z", "taskStatus": 3, "integrationStatus": 1},
            {"taskId": 50, "workspaceId": 3, "displayName": "board-meeting.mp3",
             "createdOn": "2022-04-25T09:30:00Z", "taskStatus": 20, "integrationStatus": 1, "totalPages": 12},
            {"taskId": 51, "workspaceId": 9, "batchId": 3, "displayName": "other-org.pdf",
             "createdOn": "2022-02-11T12:00:00Z", "taskStatus": 3, "integrationStatus": 1}
        ]
    })
}

/// A temporary folder, and an sdemu (the "upstream" a capture reads) serving
/// [`upstream_fixture`] from a file in it.
fn upstream() -> (tempfile::TempDir, Sdemu) {
    let directory = tempfile::tempdir().unwrap();
    let upstream = Sdemu::start(Some(&write_json(
        directory.path(),
        "a.json",
        &upstream_fixture(),
    )));
    (directory, upstream)
}

fn write_json(directory: &Path, name: &str, value: &Value) -> PathBuf {
    let path = directory.join(name);
    std::fs::write(&path, serde_json::to_vec_pretty(value).unwrap()).unwrap();
    path
}

/// Runs `sdemu capture` against `base` with `extra` arguments.
fn capture(base: &str, secret: &str, out: &Path, extra: &[&str]) -> Output {
    Command::new(SDEMU)
        .args(["capture", "--upstream", base, "--client-id", "acme"])
        .args(["--from", "2021-12-01", "--to", "2022-06-01", "--rate", "50"])
        .arg("--out")
        .arg(out)
        .args(extra)
        .env("SDEMU_UPSTREAM_CLIENT_SECRET", secret)
        .output()
        .expect("sdemu capture runs")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

const TASK_LISTS: &[&str] = &[
    "/api/v1.0/external/sdtask/statuslist?startDate=2021-01-01&endDate=2023-01-01",
    "/api/v1.0/external/sdtask/statuslist?startDate=2021-01-01&endDate=2023-01-01&workspaceId=1",
    "/api/v1.0/external/sdtask/statuslist?startDate=2021-01-01&endDate=2023-01-01&workspaceId=1&workspaceId=3",
    "/api/v1.0/external/sdtask/statuslist?startDate=2022-01-05T08:26:47Z&endDate=2022-02-10T12:00:00Z",
    "/api/v1.0/external/sdtask/statuslist?startDate=2021-01-01&endDate=2023-01-01&taskStatus=36&taskStatus=20",
    "/api/v1.0/external/sdtask/statuslist?startDate=2021-01-01&endDate=2023-01-01&integrationStatus=7",
    "/api/v1.0/external/sdworkspace/CurrentWorkspaces",
    "/api/v1.0/external/sdbatch/paginated?pageSize=50",
];

#[tokio::test]
async fn a_capture_loads_in_a_second_sdemu_that_answers_as_the_first_did_byte_for_byte() {
    let (directory, a) = upstream();
    let out = directory.path().join("capture.json");
    let output = capture(&a.base, SECRET, &out, &["--window-days", "30"]);
    let log = stderr(&output);
    assert!(output.status.success(), "{log}");
    assert!(log.contains("capture: 3 workspaces"), "{log}");
    assert!(!log.contains(SECRET), "{log}");
    assert!(log.contains("(window 1 of 7): 0, 0 in all"), "{log}");
    assert!(log.contains("(window 2 of 7): 1, 1 in all"), "{log}");
    // Task 52, created on the boundary of windows 3 and 4, comes back in both, kept once.
    assert!(log.contains("(window 3 of 7): 2, 3 in all"), "{log}");
    assert!(log.contains("(window 4 of 7): 2, 4 in all"), "{log}");
    assert!(log.contains("(window 7 of 7)"), "{log}");
    assert!(log.contains("5 tasks, 2 catalogue additions"), "{log}");

    let text = std::fs::read_to_string(&out).unwrap();
    assert!(!text.contains(SECRET) && !text.contains(OTHER_SECRET));
    assert!(!text.contains("Other workspace") && !text.contains("other-org.pdf"));
    let document: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        document["organizations"],
        json!([{"tenantId": 3, "name": sdemu::capture::CAPTURED_ORGANIZATION_NAME,
                "clientId": "acme", "clientSecret": sdemu::capture::PLACEHOLDER_CLIENT_SECRET,
                "isDefault": true}])
    );
    assert_eq!(
        document["taskStatuses"],
        json!([{"value": 36, "name": "Processed"}])
    );
    assert_eq!(
        document["integrationStatuses"],
        json!([{"value": 7, "name": "Mirrored"}])
    );
    let reprocessed = &document["tasks"].as_array().unwrap()[1];
    assert_eq!(reprocessed["taskId"], 48);
    assert_eq!(reprocessed["restartCount"], 2);
    assert_eq!(reprocessed["taskStatusText"], "Processed");

    let b = Sdemu::start(Some(&out));
    let token_a = a.token("acme", SECRET).await;
    let token_b = b
        .token("acme", sdemu::capture::PLACEHOLDER_CLIENT_SECRET)
        .await;
    for path in TASK_LISTS {
        let from_a = a.get(&token_a, path).await;
        let from_b = b.get(&token_b, path).await;
        assert_eq!(from_a.0, 200, "{path}");
        assert_eq!(
            (from_a.0, &from_a.1, String::from_utf8_lossy(&from_a.2)),
            (from_b.0, &from_b.1, String::from_utf8_lossy(&from_b.2)),
            "{path}"
        );
    }
    // The lists are not trivially equal: the first has every acme task.
    let all: Value = serde_json::from_slice(&b.get(&token_b, TASK_LISTS[0]).await.2).unwrap();
    assert_eq!(all.as_array().unwrap().len(), 5);
}

#[tokio::test]
async fn an_anonymized_capture_is_the_same_each_time_and_keeps_no_name() {
    let (directory, a) = upstream();
    let first = directory.path().join("first.json");
    let second = directory.path().join("second.json");
    for out in [&first, &second] {
        let output = capture(
            &a.base,
            SECRET,
            out,
            &["--anonymize", "--anonymize-key", "team key"],
        );
        assert!(output.status.success(), "{}", stderr(&output));
    }
    let text = std::fs::read_to_string(&first).unwrap();
    assert_eq!(text, std::fs::read_to_string(&second).unwrap());
    for original in [
        "invoice-0001.pdf",
        "Acme Corp invoice",
        "INV-0001",
        "CTR-7",
        "Invoices",
        "Supplier invoices",
        "March invoices",
        "first run",
        "\"acme\"",
        SECRET,
    ] {
        assert!(!text.contains(original), "{original} is in the capture");
    }
    let document: Value = serde_json::from_str(&text).unwrap();
    let task = &document["tasks"][0];
    let name = task["displayName"].as_str().unwrap();
    assert!(
        name.starts_with("Document ") && name.ends_with(".pdf"),
        "{name}"
    );
    assert!(task["externalId"].as_str().unwrap().starts_with("ext-"));
    assert_eq!(task["taskNumber"], 890);
    // As A answered it (sdemu keeps a task's time to the second).
    assert_eq!(task["createdOn"], "2022-01-05T08:26:47Z");
    // Another key gives other names.
    let keyed = directory.path().join("keyed.json");
    let output = capture(
        &a.base,
        SECRET,
        &keyed,
        &["--anonymize", "--anonymize-key", "another key"],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let other: Value = serde_json::from_str(&std::fs::read_to_string(&keyed).unwrap()).unwrap();
    assert_ne!(other["tasks"][0]["displayName"], task["displayName"]);
    // Without a key there is no anonymisation: the capture refuses to start.
    let refused = capture(
        &a.base,
        SECRET,
        &directory.path().join("unkeyed.json"),
        &["--anonymize"],
    );
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        stderr(&refused).contains("--anonymize-key"),
        "{}",
        stderr(&refused)
    );
    assert!(!directory.path().join("unkeyed.json").exists());
}

#[tokio::test]
async fn a_refused_secret_fails_naming_the_request_and_leaves_the_file_as_it_was() {
    let (directory, a) = upstream();
    let out = directory.path().join("capture.json");
    std::fs::write(&out, "previous capture").unwrap();
    let output = capture(&a.base, "not-the-secret", &out, &[]);
    let log = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{log}");
    assert!(
        log.contains("capture failed: the upstream refused the client credentials"),
        "{log}"
    );
    assert!(
        log.contains(&format!(
            "POST {}/connect/token answered 400 Bad Request",
            a.base
        )),
        "{log}"
    );
    assert!(log.contains("invalid_client"), "{log}");
    assert!(!log.contains("not-the-secret"), "{log}");
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "previous capture");
}

#[tokio::test]
async fn a_429_with_retry_after_is_waited_for_then_retried() {
    let (directory, a) = upstream();
    let rule = json!([{"match": {"method": "GET", "path": "/api/v1.0/external/sdtask/statuslist"},
                       "respond": {"status": 429, "headers": {"Retry-After": "1"}}, "times": 1}]);
    a.control(reqwest::Method::PUT, "faults", Some(rule)).await;
    let out = directory.path().join("capture.json");
    let started = Instant::now();
    let output = capture(&a.base, SECRET, &out, &[]);
    let log = stderr(&output);
    assert!(output.status.success(), "{log}");
    assert!(started.elapsed() >= Duration::from_secs(1));
    assert!(
        log.contains(
            "answered 429 Too Many Requests (Retry-After: 1); retrying in 1 s (attempt 2 of 5)"
        ),
        "{log}"
    );
    let faults = a.control(reqwest::Method::GET, "faults", None).await;
    assert_eq!(faults["stats"][0]["fired"], 1);
    let document: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(document["tasks"].as_array().unwrap().len(), 5);
}

#[tokio::test]
async fn an_upstream_that_stays_unavailable_ends_the_capture_after_bounded_attempts() {
    let (directory, a) = upstream();
    let rule = json!([{"match": {"path": "/api/v1.0/external/sdworkspace/CurrentWorkspaces"},
                       "respond": {"status": 503, "headers": {"Retry-After": "0"}, "body": {"error": "busy"}}}]);
    a.control(reqwest::Method::PUT, "faults", Some(rule)).await;
    let out = directory.path().join("capture.json");
    let output = capture(&a.base, SECRET, &out, &[]);
    let log = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{log}");
    assert!(
        log.contains(&format!(
            "capture failed: GET {}/api/v1.0/external/sdworkspace/CurrentWorkspaces answered \
             503 Service Unavailable (after 5 attempts): {{\"error\":\"busy\"}}",
            a.base
        )),
        "{log}"
    );
    assert!(!out.exists());
    let faults = a.control(reqwest::Method::GET, "faults", None).await;
    assert_eq!(faults["stats"], json!([{"matched": 5, "fired": 5}]));
}

#[tokio::test]
async fn only_the_workspaces_asked_for_are_captured_and_an_unknown_one_is_an_error() {
    let (directory, a) = upstream();
    let out = directory.path().join("capture.json");
    let output = capture(
        &a.base,
        SECRET,
        &out,
        &["--workspace", "1", "--workspace", "3"],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let document: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    let ids = |section: &str, field: &str| -> Vec<i64> {
        document[section]
            .as_array()
            .unwrap()
            .iter()
            .map(|item| item[field].as_i64().unwrap())
            .collect()
    };
    assert_eq!(ids("workspaces", "workspaceId"), [1, 3]);
    assert_eq!(ids("batches", "batchId"), [1]);
    assert_eq!(ids("tasks", "taskId"), [47, 48, 50]);

    let output = capture(&a.base, SECRET, &out, &["--workspace", "9"]);
    let log = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{log}");
    assert!(
        log.contains(
            "capture failed: workspace 9 is not one of the account's workspaces (1, 2, 3)"
        ),
        "{log}"
    );
}

#[tokio::test]
async fn the_demo_data_set_round_trips_through_a_capture() {
    let directory = tempfile::tempdir().unwrap();
    let a = Sdemu::start(None);
    let out = directory.path().join("demo-capture.json");
    let output = Command::new(SDEMU)
        .args([
            "capture",
            "--upstream",
            &a.base,
            "--client-id",
            "sdemu-demo",
        ])
        .args(["--client-secret", "sdemu-demo-secret", "--rate", "100"])
        .args([
            "--from",
            "2021-01-01",
            "--to",
            "2027-01-01",
            "--window-days",
            "366",
        ])
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let b = Sdemu::start(Some(&out));
    let token_a = a.token("sdemu-demo", "sdemu-demo-secret").await;
    let token_b = b
        .token("sdemu-demo", sdemu::capture::PLACEHOLDER_CLIENT_SECRET)
        .await;
    for path in [
        "/api/v1.0/external/sdtask/statuslist?startDate=2021-01-01&endDate=2027-01-01",
        "/api/v1.0/external/sdtask/statuslist?startDate=2022-03-16T16:59:55Z&endDate=2022-04-05T16:59:55Z",
        "/api/v1.0/external/sdtask/statuslist?startDate=2024-01-01&endDate=2025-01-01&workspaceId=2&taskStatus=3",
        "/api/v1.0/external/sdworkspace/CurrentWorkspaces",
        "/api/v1.0/external/sdbatch/paginated?pageSize=1000",
    ] {
        let from_a = a.get(&token_a, path).await;
        let from_b = b.get(&token_b, path).await;
        assert_eq!(from_a.0, 200, "{path}");
        assert!(from_a.2.len() > 2, "{path} is not empty");
        assert!(from_a == from_b, "{path} differs");
    }
}

#[tokio::test]
async fn a_401_from_the_api_takes_a_new_token_once() {
    let (directory, a) = upstream();
    // As when the token expires during a long capture.
    let rule = json!([{"match": {"path": "/api/v1.0/external/sdworkspace/CurrentWorkspaces"},
                       "respond": {"status": 401}, "times": 1}]);
    a.control(reqwest::Method::PUT, "faults", Some(rule)).await;
    let out = directory.path().join("capture.json");
    let output = capture(&a.base, SECRET, &out, &[]);
    let log = stderr(&output);
    assert!(output.status.success(), "{log}");
    assert!(
        log.contains(&format!(
            "capture: GET {}/api/v1.0/external/sdworkspace/CurrentWorkspaces answered 401; \
             taking a new token",
            a.base
        )),
        "{log}"
    );
    let tokens = a
        .control(
            reqwest::Method::GET,
            "requests?method=POST&path=/connect/token",
            None,
        )
        .await;
    assert_eq!(
        tokens["requests"].as_array().map(Vec::len),
        Some(2),
        "{tokens}"
    );
    let document: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(document["workspaces"].as_array().unwrap().len(), 3);
}
