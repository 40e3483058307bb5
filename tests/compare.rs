//! `sdemu compare` between real sdemu processes on loopback: an sdemu and a second one started
//! from its capture agree on every request; an sdemu changed by fault rules differs, and the
//! report (table and `--json`) names each changed status, header and field; a side that
//! cannot be reached is exit status 2.

mod support;

use serde_json::{json, Value};

use support::demo_cli::{capture_demo, compare, compare_with, text, DEMO_CLIENT, DEMO_SECRET};
use support::sdemu::Sdemu;

const STATUS_PATH: &str = "/api/v1.0/external/sdtask/status";
const WORKSPACES_PATH: &str = "/api/v1.0/external/sdworkspace/CurrentWorkspaces";
const BATCH_PAGE_PATH: &str = "/api/v1.0/external/sdbatch/paginated";

#[tokio::test]
async fn an_sdemu_and_one_started_from_its_capture_have_no_difference() {
    let directory = tempfile::tempdir().unwrap();
    let a = Sdemu::start(None);
    let out = directory.path().join("capture.json");
    capture_demo(&a.base, &out);
    let b = Sdemu::start(Some(&out));

    let local_secret = sdemu::capture::PLACEHOLDER_CLIENT_SECRET;
    let output = compare(&a.base, &b.base, &["--local-client-secret", local_secret]);
    let (table, log) = (text(&output.stdout), text(&output.stderr));
    assert_eq!(output.status.code(), Some(0), "{table}\n{log}");
    assert!(table.contains("21 requests, 0 with differences"), "{table}");
    for name in [
        "task list: documented example",
        "task list: workspaceId twice",
        "task list: taskStatus twice",
        "task list: startDate == endDate",
        "task list: no dates (400)",
        "task list: a bad date",
        "task list: an unknown sort",
        "task status: an unknown task",
        "workspaces",
        "batch list",
        "task list: a bad token",
    ] {
        let line = table
            .lines()
            .find(|line| line.starts_with(name))
            .unwrap_or_else(|| panic!("{name} is in the report:\n{table}"));
        assert!(line.ends_with("  OK"), "{line}");
    }
    assert!(!table.contains(DEMO_SECRET) && !log.contains(DEMO_SECRET));

    let output = compare(
        &a.base,
        &b.base,
        &["--local-client-secret", local_secret, "--json"],
    );
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["differing"], 0);
    let requests = report["requests"].as_array().unwrap();
    assert_eq!(requests.len(), 21);
    // The error cases are compared as errors on both sides.
    let status_of = |name: &str| {
        let request = requests.iter().find(|r| r["name"] == name).unwrap();
        request["status"].clone()
    };
    assert_eq!(
        status_of("task list: no dates (400)"),
        json!({"upstream": 400, "local": 400})
    );
    assert_eq!(
        status_of("task list: a bad token"),
        json!({"upstream": 401, "local": 401})
    );
    assert_eq!(
        status_of("task status: an unknown task"),
        json!({"upstream": 404, "local": 404})
    );

    // Without --local: compare starts its own sdemu from the capture (its placeholder secret).
    drop(b);
    let output = compare_with(&a.base, &["--fixtures", out.to_str().unwrap()], &[]);
    let table = text(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{table}\n{}",
        text(&output.stderr)
    );
    assert!(table.contains("21 requests, 0 with differences"), "{table}");
}

/// A's answer to `path`, as JSON.
async fn answer_of(sdemu: &Sdemu, path: &str) -> Value {
    let token = sdemu.token(DEMO_CLIENT, DEMO_SECRET).await;
    let (status, _, body) = sdemu.get(&token, path).await;
    assert_eq!(status, 200, "{path}");
    serde_json::from_slice(&body).unwrap()
}

#[tokio::test]
async fn an_sdemu_changed_by_fault_rules_differs_by_status_header_and_field() {
    let a = Sdemu::start(None);
    let changed = Sdemu::start(None);
    // The same workspaces under another content type; a batch page with one name changed and
    // one field left out; the unknown task a 400 instead of a 404.
    let workspaces = answer_of(&a, WORKSPACES_PATH).await;
    let mut batches = answer_of(&a, &format!("{BATCH_PAGE_PATH}?pageNumber=1&pageSize=100")).await;
    batches["items"][0]["displayName"] = json!("Renamed batch");
    batches["items"][1]
        .as_object_mut()
        .unwrap()
        .shift_remove("createdOn")
        .expect("a batch has createdOn");
    let rules = json!([
        {"match": {"path": WORKSPACES_PATH},
         "respond": {"status": 200, "headers": {"Content-Type": "application/json"}, "body": workspaces}},
        {"match": {"path": BATCH_PAGE_PATH}, "respond": {"status": 200, "body": batches}},
        {"match": {"path": STATUS_PATH, "query": {"taskId": "2147483000"}}, "respond": {"status": 400}}
    ]);
    changed
        .control(reqwest::Method::PUT, "faults", Some(rules))
        .await;

    let output = compare(&a.base, &changed.base, &[]);
    let table = text(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(1),
        "{table}\n{}",
        text(&output.stderr)
    );
    assert!(table.contains("21 requests, 3 with differences"), "{table}");
    let section = |name: &str| -> String {
        let start = table
            .find(&format!("{name} "))
            .unwrap_or_else(|| panic!("{name} is in the report:\n{table}"));
        let rest = &table[start..];
        let mut lines = rest.lines();
        let mut found = vec![lines.next().unwrap()];
        found.extend(lines.take_while(|line| line.starts_with("    ")));
        found.join("\n")
    };
    let unknown = section("task status: an unknown task");
    assert!(unknown.contains("404 400  1 difference"), "{unknown}");
    assert!(
        unknown.contains("    status (status): upstream 404, local 400"),
        "{unknown}"
    );
    let listed = section("workspaces");
    assert!(listed.contains("200 200  1 difference"), "{listed}");
    assert!(
        listed.contains(
            "    header content-type (header): upstream \"application/json; charset=utf-8\", \
             local \"application/json\""
        ),
        "{listed}"
    );
    let paged = section("batch list");
    assert!(paged.contains("2 differences"), "{paged}");
    assert!(
        paged.contains("    $.items[0].displayName (value): upstream \"")
            && paged.contains("local \"Renamed batch\""),
        "{paged}"
    );
    assert!(
        paged.contains("    $.items[1].createdOn (missing): upstream \"")
            && paged.contains("\", local absent"),
        "{paged}"
    );

    let output = compare(&a.base, &changed.base, &["--json"]);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output.stderr));
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["differing"], 3);
    let differences = |name: &str| -> Value {
        let requests = report["requests"].as_array().unwrap();
        let request = requests.iter().find(|r| r["name"] == name).unwrap();
        request["differences"].clone()
    };
    assert_eq!(
        differences("task status: an unknown task"),
        json!([{"at": "status", "kind": "status", "upstream": 404, "local": 400}])
    );
    assert_eq!(
        differences("workspaces"),
        json!([{"at": "header content-type", "kind": "header",
                "upstream": "application/json; charset=utf-8", "local": "application/json"}])
    );
    let batch = differences("batch list");
    assert_eq!(batch[0]["at"], "$.items[0].displayName");
    assert_eq!(batch[0]["kind"], "value");
    assert_eq!(batch[0]["local"], "Renamed batch");
    assert_eq!(batch[1]["at"], "$.items[1].createdOn");
    assert_eq!(batch[1]["kind"], "missing");
    assert!(batch[1]["upstream"].is_string());
    assert!(batch[1].get("local").is_none(), "{batch}");
}

#[tokio::test]
async fn a_side_that_cannot_be_reached_is_exit_status_2() {
    let a = Sdemu::start(None);
    // A port nobody listens on: bound, then released.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let output = compare(&a.base, &format!("http://127.0.0.1:{port}"), &[]);
    let log = text(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{log}");
    assert!(
        log.contains("compare failed: cannot take a token from the local sdemu"),
        "{log}"
    );
    assert!(output.stdout.is_empty());
    assert!(!log.contains(DEMO_SECRET), "{log}");
}
