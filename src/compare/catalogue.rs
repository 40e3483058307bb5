//! The catalogue of read-only requests `sdemu compare` sends to both sides: the documented
//! example, each Task Status List filter and a few sorts, the date edge cases, the error
//! cases, Task Status, Get Workspaces and the batch list. Ids, statuses and dates come from
//! what the upstream's workspaces and task list hold, so the requests fit the account.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use reqwest::Method;
use serde_json::Value;

use crate::domain::time::parse_instant;

pub const WORKSPACES_PATH: &str = "/api/v1.0/external/sdworkspace/CurrentWorkspaces";
pub const STATUS_LIST_PATH: &str = "/api/v1.0/external/sdtask/statuslist";
pub const STATUS_PATH: &str = "/api/v1.0/external/sdtask/status";
const BATCH_PAGE_PATH: &str = "/api/v1.0/external/sdbatch/paginated";

/// The documentation's example of a Task Status List request.
const DOCUMENTED_EXAMPLE: &str = "startDate=2022-03-16T16:59:55Z&endDate=2022-04-05T16:59:55Z";

/// A task (or batch) id no account is expected to hold.
pub const UNKNOWN_ID: i64 = 2_147_483_000;

/// A bearer token no service issued.
pub const BAD_TOKEN: &str = "sdemu-compare-not-a-token";

/// Which token a request carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Auth {
    /// The side's own token.
    Valid,
    /// `BAD_TOKEN`.
    Bad,
    /// No `Authorization` header.
    Without,
}

/// One request of the catalogue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// A short name, unique in the catalogue.
    pub name: String,
    pub method: Method,
    /// Path and query, starting with `/`; a write's may name `{batchId}` or `{taskId}`, taken
    /// from each side's own earlier answer (`writes::Ids`).
    pub path: String,
    /// A body sent as `application/json` (not necessarily valid JSON: an error case), with
    /// the same placeholders as `path`.
    pub body: Option<String>,
    pub auth: Auth,
    /// Compared by shape only: `value` differences are not counted, since the request writes
    /// or names what a write created, whose ids, times and texts differ by nature.
    pub shape_only: bool,
    /// The integer field of a successful answer that later requests name as `{field}`.
    pub remember: Option<&'static str>,
}

impl Request {
    /// A read-only `GET`, compared value for value.
    pub fn get(name: &str, path: String, auth: Auth) -> Self {
        Self {
            name: name.to_owned(),
            method: Method::GET,
            path,
            body: None,
            auth,
            shape_only: false,
            remember: None,
        }
    }
}

/// The range list request of `[from, to]` (RFC 3339, whole seconds).
pub fn range_query(from: DateTime<Utc>, to: DateTime<Utc>) -> String {
    form_urlencoded::Serializer::new(String::new())
        .append_pair("startDate", &instant(from))
        .append_pair("endDate", &instant(to))
        .finish()
}

fn instant(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// The catalogue for an account whose workspaces and tasks (the list over `[from, to]`)
/// are these.
pub fn build(
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    workspaces: &[Value],
    tasks: &[Value],
) -> Vec<Request> {
    let range = range_query(from, to);
    let list = |query: &str| format!("{STATUS_LIST_PATH}?{query}");
    let mut requests = Vec::new();
    let mut add = |name: &str, path: String| requests.push(Request::get(name, path, Auth::Valid));
    add("task list: documented example", list(DOCUMENTED_EXAMPLE));
    add("task list: the whole range", list(&range));

    let workspace_ids = distinct(workspaces, "workspaceId", &[]);
    let task_workspaces = distinct(tasks, "workspaceId", &workspace_ids);
    if let Some(first) = task_workspaces.first() {
        add(
            "task list: workspaceId",
            list(&format!("{range}&workspaceId={first}")),
        );
    }
    if let [first, second, ..] = task_workspaces.as_slice() {
        add(
            "task list: workspaceId twice",
            list(&format!("{range}&workspaceId={first}&workspaceId={second}")),
        );
    }
    let statuses = distinct(tasks, "taskStatus", &[3, 4]);
    add(
        "task list: taskStatus",
        list(&format!("{range}&taskStatus={}", statuses[0])),
    );
    add(
        "task list: taskStatus twice",
        list(&format!(
            "{range}&taskStatus={}&taskStatus={}",
            statuses[0], statuses[1]
        )),
    );
    let integration = distinct(tasks, "integrationStatus", &[1]);
    add(
        "task list: integrationStatus",
        list(&format!("{range}&integrationStatus={}", integration[0])),
    );
    add(
        "task list: sort -taskId",
        list(&format!("{range}&sort=-taskId")),
    );
    add(
        "task list: sort displayName",
        list(&format!("{range}&sort=displayName")),
    );
    add(
        "task list: startDate only",
        list(&format!("startDate={}", instant(from))),
    );
    add(
        "task list: endDate only",
        list(&format!("endDate={}", instant(to))),
    );
    // A task's own creation instant as both bounds: that task (both bounds are inclusive).
    let created = tasks
        .iter()
        .filter_map(|task| task.get("createdOn").and_then(Value::as_str))
        .find_map(parse_instant)
        .unwrap_or(from);
    add(
        "task list: startDate == endDate",
        list(&range_query(created, created)),
    );
    add("task list: no dates (400)", STATUS_LIST_PATH.to_owned());
    add(
        "task list: a bad date",
        list(&format!("startDate=not-a-date&endDate={}", instant(to))),
    );
    add(
        "task list: an unknown sort",
        list(&format!("{range}&sort=noSuchField")),
    );
    if let Some(id) = tasks
        .first()
        .and_then(|task| task.get("taskId"))
        .and_then(Value::as_i64)
    {
        add("task status: a task", format!("{STATUS_PATH}?taskId={id}"));
    }
    add(
        "task status: an unknown task",
        format!("{STATUS_PATH}?taskId={UNKNOWN_ID}"),
    );
    add("workspaces", WORKSPACES_PATH.to_owned());
    add(
        "batch list",
        format!("{BATCH_PAGE_PATH}?pageNumber=1&pageSize=100"),
    );
    requests.push(Request::get(
        "task list: a bad token",
        list(&range),
        Auth::Bad,
    ));
    requests.push(Request::get(
        "task list: no token",
        list(&range),
        Auth::Without,
    ));
    requests
}

/// The distinct integer values of `field` in `items`, in first-seen order, then `fallback`'s
/// values not already there.
fn distinct(items: &[Value], field: &str, fallback: &[i64]) -> Vec<i64> {
    let mut seen = BTreeSet::new();
    let mut values = Vec::new();
    let found = items
        .iter()
        .filter_map(|item| item.get(field).and_then(Value::as_i64));
    for value in found.chain(fallback.iter().copied()) {
        if seen.insert(value) {
            values.push(value);
        }
    }
    values
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn the_catalogue_fits_the_account_and_names_are_unique() {
        let from = parse_instant("2022-01-01").unwrap();
        let to = parse_instant("2022-06-01").unwrap();
        let tasks = [
            json!({"taskId": 47, "workspaceId": 2, "taskStatus": 36, "integrationStatus": 7,
                   "createdOn": "2022-01-05T08:26:47Z"}),
            json!({"taskId": 48, "workspaceId": 1, "taskStatus": 3, "integrationStatus": 1}),
        ];
        let catalogue = build(from, to, &[json!({"workspaceId": 1})], &tasks);
        let names: BTreeSet<&str> = catalogue.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names.len(), catalogue.len());
        let path = |name: &str| {
            catalogue
                .iter()
                .find(|r| r.name == name)
                .map(|r| r.path.as_str())
                .unwrap()
        };
        assert!(path("task list: workspaceId twice").ends_with("&workspaceId=2&workspaceId=1"));
        assert!(path("task list: taskStatus twice").ends_with("&taskStatus=36&taskStatus=3"));
        assert!(path("task list: integrationStatus").ends_with("&integrationStatus=7"));
        assert!(path("task list: startDate == endDate")
            .ends_with("?startDate=2022-01-05T08%3A26%3A47Z&endDate=2022-01-05T08%3A26%3A47Z"));
        assert_eq!(
            path("task status: a task"),
            format!("{STATUS_PATH}?taskId=47")
        );
        assert_eq!(catalogue[catalogue.len() - 2].auth, Auth::Bad);
        assert_eq!(catalogue.last().unwrap().auth, Auth::Without);
    }
}
