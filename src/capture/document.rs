//! The fixture document a capture writes: the upstream's objects as it returned them (only
//! the fields the fixture format knows), its organization without the secret, and catalogue
//! additions for the status codes sdemu's built-in catalogue lacks.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{json, Map, Value};

use super::anonymize::{Anonymizer, Kind};
use crate::domain::fixture::Catalogues;

/// The client secret a capture's organization gets: the upstream's is never written. Set
/// your own in the file (or use this one) to take tokens from the sdemu that loads it.
pub const PLACEHOLDER_CLIENT_SECRET: &str = "replace-with-a-local-secret";

/// The name of a captured organization (the API does not tell it).
pub const CAPTURED_ORGANIZATION_NAME: &str = "Captured organization";

/// The fields of Get Workspaces that the fixture format reads.
const WORKSPACE_FIELDS: &[&str] = &[
    "workspaceId",
    "tenantId",
    "workspaceName",
    "workspaceDescription",
    "isDefault",
    "taskType",
    "workspaceType",
    "templateType",
    "workspaceTemplateName",
];

/// The fields of a batch that the fixture format reads (`totalTasks` is read and counted
/// again).
const BATCH_FIELDS: &[&str] = &[
    "batchId",
    "workspaceId",
    "displayName",
    "description",
    "createdOn",
    "totalTasks",
    "totalTasksInHistory",
];

/// The fields of a Task Status List item that the fixture format reads.
const TASK_FIELDS: &[&str] = &[
    "taskId",
    "workspaceId",
    "batchId",
    "taskNumber",
    "externalId",
    "displayName",
    "description",
    "createdOn",
    "taskStatus",
    "integrationStatus",
    "taskStatusText",
    "integrationStatusText",
    "totalPages",
    "restartCount",
    "preProcessingStartedOn",
];

/// What was read from the upstream.
pub struct Captured {
    pub client_id: String,
    pub workspaces: Vec<Value>,
    pub batches: Vec<Value>,
    pub tasks: Vec<Value>,
}

/// The document, and the notes worth telling the user (fields left out, texts dropped).
pub struct Built {
    pub document: Value,
    pub notes: Vec<String>,
}

/// Builds the fixture document.
pub fn build(
    captured: Captured,
    builtin: &Catalogues,
    anonymizer: Option<&Anonymizer>,
) -> anyhow::Result<Built> {
    let mut notes = BTreeSet::new();
    let mut workspaces = objects(
        captured.workspaces,
        "workspace",
        WORKSPACE_FIELDS,
        &mut notes,
    )?;
    let mut batches = objects(captured.batches, "batch", BATCH_FIELDS, &mut notes)?;
    let mut tasks = objects(captured.tasks, "task", TASK_FIELDS, &mut notes)?;

    let tenants: Vec<i64> = workspaces
        .iter()
        .filter_map(|workspace| workspace.get("tenantId").and_then(Value::as_i64))
        .fold(Vec::new(), |mut seen, tenant| {
            if !seen.contains(&tenant) {
                seen.push(tenant);
            }
            seen
        });
    let tenants = if tenants.is_empty() { vec![1] } else { tenants };
    let client_id = match anonymizer {
        Some(anonymizer) => anonymizer.replace(Kind::Client, &captured.client_id),
        None => captured.client_id,
    };
    let organizations: Vec<Value> = tenants
        .iter()
        .enumerate()
        .map(|(index, tenant)| {
            let client_id = if index == 0 {
                client_id.clone()
            } else {
                format!("{client_id}-{tenant}")
            };
            json!({
                "tenantId": tenant,
                "name": CAPTURED_ORGANIZATION_NAME,
                "clientId": client_id,
                "clientSecret": PLACEHOLDER_CLIENT_SECRET,
                "isDefault": index == 0,
            })
        })
        .collect();

    let task_statuses =
        catalogue_additions(&mut tasks, "taskStatus", &builtin.task_statuses, &mut notes);
    let integration_statuses = catalogue_additions(
        &mut tasks,
        "integrationStatus",
        &builtin.integration_statuses,
        &mut notes,
    );

    if let Some(anonymizer) = anonymizer {
        for workspace in &mut workspaces {
            anonymizer.field(workspace, "workspaceName", Kind::Workspace);
            anonymizer.field(workspace, "workspaceDescription", Kind::Description);
        }
        for batch in &mut batches {
            anonymizer.field(batch, "displayName", Kind::Batch);
            anonymizer.field(batch, "description", Kind::Description);
        }
        for task in &mut tasks {
            anonymizer.field(task, "displayName", Kind::Document);
            anonymizer.field(task, "description", Kind::Description);
            anonymizer.field(task, "externalId", Kind::ExternalId);
        }
    }

    let mut document = Map::new();
    document.insert("organizations".into(), Value::Array(organizations));
    document.insert("taskStatuses".into(), task_statuses);
    document.insert("integrationStatuses".into(), integration_statuses);
    document.insert("workspaces".into(), objects_value(workspaces));
    document.insert("batches".into(), objects_value(batches));
    document.insert("tasks".into(), objects_value(tasks));
    Ok(Built {
        document: Value::Object(document),
        notes: notes.into_iter().collect(),
    })
}

/// The items as objects with only the `known` fields, in the upstream's order; a note for
/// each other field met.
fn objects(
    items: Vec<Value>,
    what: &str,
    known: &[&str],
    notes: &mut BTreeSet<String>,
) -> anyhow::Result<Vec<Map<String, Value>>> {
    items
        .into_iter()
        .map(|item| {
            let Value::Object(mut object) = item else {
                anyhow::bail!("the upstream sent a {what} that is not a JSON object");
            };
            object.retain(|field, _| {
                let keep = known.contains(&field.as_str());
                if !keep {
                    notes.insert(format!(
                        "the upstream's {what} field '{field}' is not in sdemu's fixture \
                         format; left out"
                    ));
                }
                keep
            });
            Ok(object)
        })
        .collect()
}

fn objects_value(objects: Vec<Map<String, Value>>) -> Value {
    Value::Array(objects.into_iter().map(Value::Object).collect())
}

/// The catalogue entries (`{"value", "name"}`) for the codes of `field` that `builtin` lacks,
/// named by the tasks' text. A text that disagrees with a built-in name is left out of the
/// task (sdemu would refuse it), with a note: sdemu will answer its own name.
fn catalogue_additions(
    tasks: &mut [Map<String, Value>],
    field: &str,
    builtin: &BTreeMap<i64, String>,
    notes: &mut BTreeSet<String>,
) -> Value {
    let text_field = format!("{field}Text");
    let mut additions: BTreeMap<i64, String> = BTreeMap::new();
    for task in tasks.iter_mut() {
        let Some(code) = task.get(field).and_then(Value::as_i64) else {
            continue;
        };
        let text = task
            .get(&text_field)
            .and_then(Value::as_str)
            .map(str::to_owned);
        match (builtin.get(&code), text) {
            (Some(name), Some(text)) if *name != text => {
                notes.insert(format!(
                    "the upstream calls {field} {code} '{text}', sdemu '{name}': {text_field} \
                     left out of those tasks"
                ));
                task.remove(&text_field);
            }
            (Some(_), _) => {}
            (None, text) => {
                let name = text.unwrap_or_else(|| format!("{field} {code}"));
                let known = additions.entry(code).or_insert_with(|| name.clone());
                if *known != name {
                    notes.insert(format!(
                        "the upstream calls {field} {code} both '{known}' and '{name}': \
                         {text_field} left out of the tasks with '{name}'"
                    ));
                    task.remove(&text_field);
                }
            }
        }
    }
    Value::Array(
        additions
            .into_iter()
            .map(|(value, name)| json!({"value": value, "name": name}))
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn builtin() -> Catalogues {
        Catalogues {
            task_statuses: BTreeMap::from([(3, "ToReview".to_owned())]),
            integration_statuses: BTreeMap::from([(1, "Pending".to_owned())]),
        }
    }

    fn task(id: i64, status: i64, text: &str) -> Value {
        json!({"taskId": id, "workspaceId": 1, "displayName": "a.pdf", "createdOn": "2022-01-01T00:00:00Z",
               "taskStatus": status, "integrationStatus": 1, "taskStatusText": text,
               "integrationStatusText": "Pending", "extra": true})
    }

    fn captured(tasks: Vec<Value>) -> Captured {
        Captured {
            client_id: "acme".into(),
            workspaces: vec![json!({"workspaceId": 1, "tenantId": 7, "workspaceName": "W"})],
            batches: vec![],
            tasks,
        }
    }

    #[test]
    fn unknown_codes_become_catalogue_additions_named_by_the_upstream() {
        let built = build(
            captured(vec![task(1, 36, "Processed"), task(2, 3, "ToReview")]),
            &builtin(),
            None,
        )
        .unwrap();
        assert_eq!(
            built.document["taskStatuses"],
            json!([{"value": 36, "name": "Processed"}])
        );
        assert_eq!(built.document["integrationStatuses"], json!([]));
        assert_eq!(
            built.document["organizations"],
            json!([{"tenantId": 7, "name": CAPTURED_ORGANIZATION_NAME, "clientId": "acme",
                    "clientSecret": PLACEHOLDER_CLIENT_SECRET, "isDefault": true}])
        );
        assert!(built.document["tasks"][0].get("extra").is_none());
        assert_eq!(built.notes.len(), 1, "{:?}", built.notes);
    }

    #[test]
    fn a_text_that_renames_a_builtin_code_is_left_out_with_a_note() {
        let built = build(captured(vec![task(1, 3, "Review")]), &builtin(), None).unwrap();
        assert!(built.document["tasks"][0].get("taskStatusText").is_none());
        assert!(built.notes.iter().any(|note| note.contains("'Review'")));
    }
}
