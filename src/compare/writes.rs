//! The write catalogue of `sdemu compare --allow-writes`: Create Batch, Create Task, External
//! Integration Status and Reprocess Task, their error cases, and reading back what they
//! wrote. Every request is compared by shape only. A request that names what an earlier one
//! created (`{batchId}`, `{taskId}`) takes the id from its own side's answer (`Ids`).

use std::collections::BTreeMap;

use reqwest::Method;
use serde_json::{json, Value};

use super::catalogue::{Auth, Request, STATUS_PATH, UNKNOWN_ID};
use crate::capture::client::RawAnswer;

const BATCH_PATH: &str = "/api/v1.0/external/sdbatch";
const CREATE_TASK_PATH: &str = "/api/v1.0/external/sdtask/process";
const EXTERNAL_STATUS_PATH: &str = "/api/v1.0/external/sdtask/externalIntegrationStatus";
const REPROCESS_PATH: &str = "/api/v1.0/external/sdtask/restartprocessing";

/// The document the created task names: the service may try to read it and fail, which a
/// test account bears (the task ends in a failed pre-processing status).
pub const DOCUMENT_URL: &str = "https://example.com/sdemu-compare.pdf";

/// The placeholders a write's path or body may hold, each the field of the answer it is
/// taken from.
const PLACEHOLDERS: &[&str] = &["batchId", "taskId"];

/// The write catalogue, in the order it is sent: the batch and the task are created in
/// `workspace` (the service's default workspace when `None`), named after `stamp` so that
/// the account's owner can find them.
pub fn build(workspace: Option<i64>, stamp: &str) -> Vec<Request> {
    let in_workspace = |mut body: Value| {
        if let Some(workspace) = workspace {
            body["workspaceId"] = workspace.into();
        }
        body
    };
    let batch = in_workspace(json!({
        "displayName": format!("sdemu compare {stamp}"),
        "description": "Created by sdemu compare --allow-writes",
    }));
    let task = in_workspace(json!({
        "batchId": "{batchId}",
        "displayName": format!("sdemu compare {stamp}.pdf"),
        "context": {"url": DOCUMENT_URL},
    }));
    let with = |field: &str, value: Value| {
        let mut body = task.clone();
        body[field] = value;
        body
    };
    let without = |body: &Value, field: &str| {
        let mut body = body.clone();
        body.as_object_mut().map(|map| map.shift_remove(field));
        body
    };
    let status = json!({"externalIntegrationStatus": "sdemu-compare"});
    let of_created = |path: &str| format!("{path}?taskId={{taskId}}");
    let of_unknown = |path: &str| format!("{path}?taskId={UNKNOWN_ID}");
    vec![
        write(Method::POST, "create batch", BATCH_PATH, Some(&batch)).remembering("batchId"),
        write(
            Method::POST,
            "create batch: no displayName",
            BATCH_PATH,
            Some(&without(&batch, "displayName")),
        ),
        write(
            Method::POST,
            "create batch: body not JSON",
            BATCH_PATH,
            None,
        )
        .with_body("not JSON"),
        write(Method::POST, "create task", CREATE_TASK_PATH, Some(&task)).remembering("taskId"),
        write(
            Method::POST,
            "create task: no context",
            CREATE_TASK_PATH,
            Some(&without(&task, "context")),
        ),
        write(
            Method::POST,
            "create task: a relative url",
            CREATE_TASK_PATH,
            Some(&with("context", json!({"url": "documents/a.pdf"}))),
        ),
        write(
            Method::POST,
            "create task: an unknown batch",
            CREATE_TASK_PATH,
            Some(&with("batchId", UNKNOWN_ID.into())),
        ),
        write(
            Method::GET,
            "get batch: the created batch",
            &format!("{BATCH_PATH}?batchId={{batchId}}"),
            None,
        ),
        write(
            Method::GET,
            "task status: the created task",
            &of_created(STATUS_PATH),
            None,
        ),
        write(
            Method::PATCH,
            "external integration status: the created task",
            &of_created(EXTERNAL_STATUS_PATH),
            Some(&status),
        ),
        write(
            Method::PATCH,
            "external integration status: no value",
            &of_created(EXTERNAL_STATUS_PATH),
            Some(&json!({})),
        ),
        write(
            Method::PATCH,
            "external integration status: an unknown task",
            &of_unknown(EXTERNAL_STATUS_PATH),
            Some(&status),
        ),
        write(
            Method::PATCH,
            "reprocess: the created task",
            &of_created(REPROCESS_PATH),
            None,
        ),
        write(
            Method::PATCH,
            "reprocess: an unknown task",
            &of_unknown(REPROCESS_PATH),
            None,
        ),
        write(
            Method::GET,
            "task status: the created task, after the writes",
            &of_created(STATUS_PATH),
            None,
        ),
    ]
}

/// A request of the write catalogue: shape only, the side's own token.
fn write(method: Method, name: &str, path: &str, body: Option<&Value>) -> Request {
    Request {
        name: name.to_owned(),
        method,
        path: path.to_owned(),
        body: body.map(with_placeholders),
        auth: Auth::Valid,
        shape_only: true,
        remember: None,
    }
}

impl Request {
    fn remembering(mut self, field: &'static str) -> Self {
        self.remember = Some(field);
        self
    }

    fn with_body(mut self, body: &str) -> Self {
        self.body = Some(body.to_owned());
        self
    }
}

/// The body's JSON text, each `"{placeholder}"` string unquoted so that the id it becomes is
/// a JSON number.
fn with_placeholders(body: &Value) -> String {
    PLACEHOLDERS.iter().fold(body.to_string(), |text, name| {
        text.replace(&format!("\"{{{name}}}\""), &format!("{{{name}}}"))
    })
}

/// The ids one side's answers gave, by placeholder.
#[derive(Debug, Default)]
pub struct Ids(BTreeMap<&'static str, i64>);

impl Ids {
    /// `template` with each placeholder replaced by this side's id; an id this side never
    /// gave (its create failed) becomes `UNKNOWN_ID`, so the request still goes out and its
    /// answer shows the failure's consequence.
    pub fn resolve(&self, template: &str) -> String {
        PLACEHOLDERS.iter().fold(template.to_owned(), |text, name| {
            let id = self.0.get(name).copied().unwrap_or(UNKNOWN_ID);
            text.replace(&format!("{{{name}}}"), &id.to_string())
        })
    }

    /// Keeps the field `request` remembers from a successful JSON `answer`.
    pub fn remember(&mut self, request: &Request, answer: &RawAnswer) {
        let Some(field) = request.remember else {
            return;
        };
        let id = answer
            .status
            .is_success()
            .then(|| serde_json::from_slice::<Value>(&answer.body).ok())
            .flatten()
            .and_then(|body| body.get(field).and_then(Value::as_i64));
        match id {
            Some(id) => self.0.insert(field, id),
            None => self.0.remove(field),
        };
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use reqwest::header::HeaderMap;
    use reqwest::StatusCode;

    use super::*;

    fn answer(status: u16, body: &str) -> RawAnswer {
        RawAnswer {
            status: StatusCode::from_u16(status).unwrap(),
            headers: HeaderMap::new(),
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn every_write_is_shape_only_and_names_are_unique() {
        let writes = build(Some(4), "20261202T133000Z");
        let names: BTreeSet<&str> = writes.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names.len(), writes.len());
        assert!(writes.iter().all(|request| request.shape_only));
        let task = writes.iter().find(|r| r.name == "create task").unwrap();
        let body: Value =
            serde_json::from_str(&Ids::default().resolve(task.body.as_ref().unwrap())).unwrap();
        assert_eq!(body["batchId"], UNKNOWN_ID);
        assert_eq!(body["workspaceId"], 4);
        assert_eq!(body["context"]["url"], DOCUMENT_URL);
    }

    #[test]
    fn each_side_names_the_ids_of_its_own_answers() {
        let writes = build(None, "x");
        let (create, read) = (&writes[0], &writes[7]);
        assert_eq!(read.name, "get batch: the created batch");
        let mut ids = Ids::default();
        ids.remember(create, &answer(200, r#"{"batchId": 41, "workspaceId": 1}"#));
        assert_eq!(read.path, format!("{BATCH_PATH}?batchId={{batchId}}"));
        assert_eq!(ids.resolve(&read.path), format!("{BATCH_PATH}?batchId=41"));
        // A failed create forgets the id: the dependents name one no account holds.
        ids.remember(create, &answer(400, r#"{"batchId": 42}"#));
        assert_eq!(
            ids.resolve(&read.path),
            format!("{BATCH_PATH}?batchId={UNKNOWN_ID}")
        );
        // No workspace known: the service's default.
        let batch: Value = serde_json::from_str(create.body.as_ref().unwrap()).unwrap();
        assert!(batch.get("workspaceId").is_none());
    }
}
