//! The fixture document: how users (and the built-in demo data) describe what sdemu serves.
//!
//! Task objects use the API's own wire names, so a response captured from the real Task
//! Status List endpoint (a JSON array of tasks) is itself a valid fixture. The object form
//! can also carry organizations, catalogue additions, workspaces and batches:
//!
//! ```json
//! { "organizations": [...], "taskStatuses": [{"value": 36, "name": "Processed"}],
//!   "integrationStatuses": [...], "workspaces": [...], "batches": [...], "tasks": [...] }
//! ```
//!
//! `validate` checks the whole document and returns either a `Dataset` ready to store or
//! every problem found, each naming the item and the field, so that nothing is half-loaded.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::time::{parse_instant, to_ticks, DATE_EXPECTATION};

/// The organization a document gets when it declares none.
pub const DEFAULT_TENANT_ID: i64 = 1;
pub const DEFAULT_CLIENT_ID: &str = "sdemu";
pub const DEFAULT_CLIENT_SECRET: &str = "sdemu-secret";

/// The longest `externalIntegrationStatus` the API accepts.
pub const EXTERNAL_INTEGRATION_STATUS_MAX_CHARS: usize = 32;
/// The value every task has until a client sets another.
pub const DEFAULT_EXTERNAL_INTEGRATION_STATUS: &str = "never";

// ---------------------------------------------------------------------------------------------
// The document, as written by users (wire names, optional fields).
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FixtureDocument {
    #[serde(default)]
    pub organizations: Vec<OrganizationRecord>,
    #[serde(default)]
    pub task_statuses: Vec<CatalogueRecord>,
    #[serde(default)]
    pub integration_statuses: Vec<CatalogueRecord>,
    #[serde(default)]
    pub workspaces: Vec<WorkspaceRecord>,
    #[serde(default)]
    pub batches: Vec<BatchRecord>,
    #[serde(default)]
    pub tasks: Vec<TaskRecord>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OrganizationRecord {
    pub tenant_id: i64,
    pub name: String,
    pub client_id: String,
    pub client_secret: String,
    #[serde(default)]
    pub is_default: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CatalogueRecord {
    pub value: i64,
    pub name: String,
}

/// A workspace, with the fields of the Get Workspaces response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WorkspaceRecord {
    pub workspace_id: i64,
    /// The owning organization; the default organization when omitted.
    #[serde(default)]
    pub tenant_id: Option<i64>,
    pub workspace_name: String,
    #[serde(default)]
    pub workspace_description: Option<String>,
    #[serde(default)]
    pub is_default: bool,
    #[serde(default)]
    pub task_type: i64,
    #[serde(default)]
    pub workspace_type: i64,
    #[serde(default)]
    pub template_type: i64,
    #[serde(default)]
    pub workspace_template_name: Option<String>,
}

/// A batch, with the fields of the Get Batch response (`totalTasks` is counted, not stored).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BatchRecord {
    pub batch_id: i64,
    pub workspace_id: i64,
    pub display_name: String,
    #[serde(default)]
    pub description: Option<String>,
    pub created_on: String,
    #[serde(default, skip_serializing)]
    pub total_tasks: Option<i64>,
    #[serde(default)]
    pub total_tasks_in_history: i64,
}

/// A task, with the fields of the task status response plus what sdemu keeps beside them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TaskRecord {
    pub task_id: i64,
    pub workspace_id: i64,
    #[serde(default)]
    pub batch_id: Option<i64>,
    #[serde(default)]
    pub task_number: Option<i64>,
    #[serde(default)]
    pub external_id: Option<String>,
    pub display_name: String,
    #[serde(default)]
    pub description: Option<String>,
    pub created_on: String,
    pub task_status: i64,
    pub integration_status: i64,
    /// Checked against the catalogue when given; never stored (the catalogue is the truth).
    #[serde(default)]
    pub task_status_text: Option<String>,
    #[serde(default)]
    pub integration_status_text: Option<String>,
    #[serde(default)]
    pub total_pages: i64,
    /// Absent until the task has been reprocessed, as on the wire.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restart_count: Option<i64>,
    #[serde(default)]
    pub pre_processing_started_on: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_integration_status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<Value>,
    /// The CreateTaskRequest `taskAssignment` object, kept but never served by the API.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_assignment: Option<Value>,
    /// The CreateTaskRequest `customFormValues` object, kept but never served by the API.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_form_values: Option<Value>,
}

// ---------------------------------------------------------------------------------------------
// The validated dataset, normalised for storage.
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq)]
pub struct Organization {
    pub tenant_id: i64,
    pub name: String,
    pub client_id: String,
    pub client_secret: String,
    pub is_default: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CatalogueEntry {
    pub code: i64,
    pub name: String,
}

/// A stored workspace. It is also the API's `GetWorkspaceResponse`: the fields are in the
/// documented order, and `workspaceDescription` / `workspaceTemplateName` are `null` when unset.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Workspace {
    pub workspace_id: i64,
    pub tenant_id: i64,
    pub workspace_name: String,
    pub workspace_description: Option<String>,
    pub is_default: bool,
    pub task_type: i64,
    pub workspace_type: i64,
    pub template_type: i64,
    pub workspace_template_name: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Batch {
    pub batch_id: i64,
    pub workspace_id: i64,
    pub display_name: String,
    pub description: Option<String>,
    pub created_on_ticks: i64,
    pub total_tasks_in_history: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Task {
    pub task_id: i64,
    pub tenant_id: i64,
    pub workspace_id: i64,
    pub batch_id: Option<i64>,
    pub task_number: Option<i64>,
    pub external_id: Option<String>,
    pub display_name: String,
    pub description: Option<String>,
    /// Unix seconds.
    pub created_on: i64,
    pub task_status: i64,
    pub integration_status: i64,
    pub total_pages: i64,
    pub restart_count: Option<i64>,
    pub pre_processing_started_on: Option<i64>,
    pub external_integration_status: String,
    pub priority: i64,
    /// The CreateTaskRequest context object as JSON text.
    pub context: Option<String>,
    /// The CreateTaskRequest `taskAssignment` and `customFormValues` objects as JSON text.
    pub task_assignment: Option<String>,
    pub custom_form_values: Option<String>,
}

/// Everything a fixture puts in the database, checked and normalised.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Dataset {
    pub organizations: Vec<Organization>,
    /// Catalogue additions only; the documented entries live in the schema.
    pub task_statuses: Vec<CatalogueEntry>,
    pub integration_statuses: Vec<CatalogueEntry>,
    pub workspaces: Vec<Workspace>,
    pub batches: Vec<Batch>,
    pub tasks: Vec<Task>,
}

/// The documented catalogue entries a document is validated against.
#[derive(Debug, Clone, Default)]
pub struct Catalogues {
    pub task_statuses: BTreeMap<i64, String>,
    pub integration_statuses: BTreeMap<i64, String>,
}

// ---------------------------------------------------------------------------------------------
// Problems.
// ---------------------------------------------------------------------------------------------

/// One thing wrong with a document: which item, which field, what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FixtureProblem {
    pub item: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    pub message: String,
}

impl fmt::Display for FixtureProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.field {
            Some(field) => write!(f, "{}, field '{}': {}", self.item, field, self.message),
            None => write!(f, "{}: {}", self.item, self.message),
        }
    }
}

/// Every problem in a document, in document order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FixtureErrors(pub Vec<FixtureProblem>);

impl fmt::Display for FixtureErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} problem(s):", self.0.len())?;
        for problem in &self.0 {
            write!(f, "\n  - {problem}")?;
        }
        Ok(())
    }
}

impl std::error::Error for FixtureErrors {}

#[derive(Default)]
struct Problems(Vec<FixtureProblem>);

impl Problems {
    fn add(&mut self, item: &str, field: Option<&str>, message: impl Into<String>) {
        self.0.push(FixtureProblem {
            item: item.to_owned(),
            field: field.map(str::to_owned),
            message: message.into(),
        });
    }
}

// ---------------------------------------------------------------------------------------------
// Parsing: JSON text to a document, collecting a problem per bad item.
// ---------------------------------------------------------------------------------------------

const SECTIONS: [&str; 6] = [
    "organizations",
    "taskStatuses",
    "integrationStatuses",
    "workspaces",
    "batches",
    "tasks",
];

/// Reads and validates a fixture document (JSON text): a `Dataset`, or every problem found,
/// both those of items that cannot be read and those of the document as a whole.
pub fn load(text: &str, builtin: &Catalogues) -> Result<Dataset, FixtureErrors> {
    let value: Value = serde_json::from_str(text).map_err(|error| {
        FixtureErrors(vec![FixtureProblem {
            item: "document".into(),
            field: None,
            message: format!("not valid JSON: {error}"),
        }])
    })?;
    load_value(value, builtin)
}

/// Like `load`, for a document that is already JSON.
pub fn load_value(value: Value, builtin: &Catalogues) -> Result<Dataset, FixtureErrors> {
    let mut problems = Problems::default();
    let document = read_document(value, &mut problems);
    match validate(document, builtin) {
        Ok(dataset) if problems.0.is_empty() => Ok(dataset),
        Ok(_) => Err(FixtureErrors(problems.0)),
        Err(FixtureErrors(more)) => {
            problems.0.extend(more);
            Err(FixtureErrors(problems.0))
        }
    }
}

/// Reads the sections of a document, recording a problem for each item that cannot be read
/// and keeping the others, so that validation can report on them too.
fn read_document(value: Value, problems: &mut Problems) -> FixtureDocument {
    let mut document = FixtureDocument::default();
    match value {
        Value::Array(tasks) => {
            document.tasks = parse_items(tasks, "tasks", "taskId", problems);
        }
        Value::Object(mut sections) => {
            for key in sections.keys() {
                if !SECTIONS.contains(&key.as_str()) {
                    problems.add(
                        "document",
                        Some(key),
                        format!("unknown section; expected one of {}", SECTIONS.join(", ")),
                    );
                }
            }
            let mut section = |name: &str| match sections.remove(name) {
                None | Some(Value::Null) => Vec::new(),
                Some(Value::Array(items)) => items,
                Some(_) => {
                    problems.add("document", Some(name), "must be an array");
                    Vec::new()
                }
            };
            let organizations = section("organizations");
            let task_statuses = section("taskStatuses");
            let integration_statuses = section("integrationStatuses");
            let workspaces = section("workspaces");
            let batches = section("batches");
            let tasks = section("tasks");
            document.organizations =
                parse_items(organizations, "organizations", "tenantId", problems);
            document.task_statuses = parse_items(task_statuses, "taskStatuses", "value", problems);
            document.integration_statuses = parse_items(
                integration_statuses,
                "integrationStatuses",
                "value",
                problems,
            );
            document.workspaces = parse_items(workspaces, "workspaces", "workspaceId", problems);
            document.batches = parse_items(batches, "batches", "batchId", problems);
            document.tasks = parse_items(tasks, "tasks", "taskId", problems);
        }
        _ => problems.add(
            "document",
            None,
            "must be a JSON array of tasks or an object with sections",
        ),
    }
    document
}

fn parse_items<T: DeserializeOwned>(
    items: Vec<Value>,
    section: &str,
    id_field: &str,
    problems: &mut Problems,
) -> Vec<T> {
    items
        .into_iter()
        .enumerate()
        .filter_map(|(index, item)| {
            let label = match item.get(id_field) {
                Some(id) => format!("{section}[{index}] ({id_field} {id})"),
                None => format!("{section}[{index}]"),
            };
            serde_json::from_value(item)
                .map_err(|error| problems.add(&label, None, error.to_string()))
                .ok()
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Validation: document to dataset.
// ---------------------------------------------------------------------------------------------

/// Checks a whole document against the documented catalogues and itself.
pub fn validate(document: FixtureDocument, builtin: &Catalogues) -> Result<Dataset, FixtureErrors> {
    let mut problems = Problems::default();
    let organizations = validate_organizations(document.organizations, &mut problems);
    let default_tenant = organizations
        .iter()
        .find(|organization| organization.is_default)
        .map_or(DEFAULT_TENANT_ID, |organization| organization.tenant_id);
    let tenants: HashSet<i64> = organizations.iter().map(|o| o.tenant_id).collect();

    let task_statuses = validate_catalogue(
        document.task_statuses,
        "taskStatuses",
        &builtin.task_statuses,
        &mut problems,
    );
    let integration_statuses = validate_catalogue(
        document.integration_statuses,
        "integrationStatuses",
        &builtin.integration_statuses,
        &mut problems,
    );
    let task_catalogue = merged(&builtin.task_statuses, &task_statuses);
    let integration_catalogue = merged(&builtin.integration_statuses, &integration_statuses);

    let mut workspaces =
        validate_workspaces(document.workspaces, &tenants, default_tenant, &mut problems);
    // A captured task list names workspaces without describing them: create them.
    if workspaces.is_empty() {
        workspaces = implied_workspaces(&document.tasks, &document.batches, default_tenant);
    }
    let workspace_tenants: HashMap<i64, i64> = workspaces
        .iter()
        .map(|w| (w.workspace_id, w.tenant_id))
        .collect();

    let mut batches = validate_batches(document.batches, &workspace_tenants, &mut problems);
    let implied_batches = batches.is_empty();

    let mut tasks = Vec::with_capacity(document.tasks.len());
    let mut task_ids = HashSet::new();
    let mut external_ids = HashSet::new();
    for (index, record) in document.tasks.into_iter().enumerate() {
        let item = format!("tasks[{index}] (taskId {})", record.task_id);
        if !task_ids.insert(record.task_id) {
            problems.add(&item, Some("taskId"), "duplicate taskId");
        }
        let Some(&tenant_id) = workspace_tenants.get(&record.workspace_id) else {
            problems.add(
                &item,
                Some("workspaceId"),
                format!(
                    "workspace {} is not declared in workspaces",
                    record.workspace_id
                ),
            );
            continue;
        };
        check_code(
            &item,
            "taskStatus",
            record.task_status,
            record.task_status_text.as_deref(),
            &task_catalogue,
            &mut problems,
        );
        check_code(
            &item,
            "integrationStatus",
            record.integration_status,
            record.integration_status_text.as_deref(),
            &integration_catalogue,
            &mut problems,
        );
        if let Some(external_id) = &record.external_id {
            if !external_ids.insert((tenant_id, external_id.clone())) {
                problems.add(
                    &item,
                    Some("externalId"),
                    format!("externalId '{external_id}' is already used by another task of this organization"),
                );
            }
        }
        let created_on = parse_time(&item, "createdOn", &record.created_on, &mut problems);
        let pre_processing_started_on = record
            .pre_processing_started_on
            .as_deref()
            .map(|text| parse_time(&item, "preProcessingStartedOn", text, &mut problems));
        if record.total_pages < 0 {
            problems.add(&item, Some("totalPages"), "must not be negative");
        }
        if record.restart_count.is_some_and(|count| count < 0) {
            problems.add(&item, Some("restartCount"), "must not be negative");
        }
        // The same rules as Create Task, so that every stored task could have been created.
        if record.priority.is_some_and(|priority| priority < 1) {
            problems.add(&item, Some("priority"), "must be at least 1");
        }
        for (field, value) in [
            ("context", &record.context),
            ("taskAssignment", &record.task_assignment),
            ("customFormValues", &record.custom_form_values),
        ] {
            if value.as_ref().is_some_and(|value| !value.is_object()) {
                problems.add(&item, Some(field), "must be a JSON object");
            }
        }
        let external_integration_status = record
            .external_integration_status
            .unwrap_or_else(|| DEFAULT_EXTERNAL_INTEGRATION_STATUS.to_owned());
        if let Err(message) = check_external_integration_status(&external_integration_status) {
            problems.add(&item, Some("externalIntegrationStatus"), message);
        }
        tasks.push(Task {
            task_id: record.task_id,
            tenant_id,
            workspace_id: record.workspace_id,
            batch_id: record.batch_id,
            task_number: record.task_number,
            external_id: record.external_id,
            display_name: record.display_name,
            description: record.description,
            created_on: created_on.unwrap_or_default().div_euclid(TICKS),
            task_status: record.task_status,
            integration_status: record.integration_status,
            total_pages: record.total_pages,
            restart_count: record.restart_count,
            pre_processing_started_on: pre_processing_started_on
                .map(|ticks| ticks.unwrap_or_default().div_euclid(TICKS)),
            external_integration_status,
            priority: record.priority.unwrap_or(1),
            context: record.context.map(|context| context.to_string()),
            task_assignment: record.task_assignment.map(|value| value.to_string()),
            custom_form_values: record.custom_form_values.map(|value| value.to_string()),
        });
    }

    if implied_batches {
        batches = implied_batches_for(&tasks);
    }
    let batch_workspaces: HashMap<i64, i64> = batches
        .iter()
        .map(|b| (b.batch_id, b.workspace_id))
        .collect();
    for task in &tasks {
        let Some(batch_id) = task.batch_id else {
            continue;
        };
        let item = format!("task {}", task.task_id);
        match batch_workspaces.get(&batch_id) {
            None => problems.add(
                &item,
                Some("batchId"),
                format!("batch {batch_id} is not declared in batches"),
            ),
            Some(&workspace_id) if workspace_id != task.workspace_id => problems.add(
                &item,
                Some("batchId"),
                format!(
                    "batch {batch_id} belongs to workspace {workspace_id}, not to the task's workspace {}",
                    task.workspace_id
                ),
            ),
            Some(_) => {}
        }
    }

    if problems.0.is_empty() {
        Ok(Dataset {
            organizations,
            task_statuses,
            integration_statuses,
            workspaces,
            batches,
            tasks,
        })
    } else {
        Err(FixtureErrors(problems.0))
    }
}

/// Whether a client-set external integration status is acceptable (not blank, at most 32
/// characters), with the reason when it is not.
pub fn check_external_integration_status(value: &str) -> Result<(), String> {
    if value.trim().is_empty() {
        Err("must not be empty or only white space".into())
    } else if value.chars().count() > EXTERNAL_INTEGRATION_STATUS_MAX_CHARS {
        Err(format!(
            "must be at most {EXTERNAL_INTEGRATION_STATUS_MAX_CHARS} characters"
        ))
    } else {
        Ok(())
    }
}

const TICKS: i64 = 10_000_000;

/// Parses a fixture time into ticks, recording a problem when it cannot be read.
fn parse_time(item: &str, field: &str, text: &str, problems: &mut Problems) -> Option<i64> {
    let parsed = parse_instant(text).map(to_ticks);
    if parsed.is_none() {
        problems.add(
            item,
            Some(field),
            format!("'{text}' is not {DATE_EXPECTATION}"),
        );
    }
    parsed
}

fn validate_organizations(
    records: Vec<OrganizationRecord>,
    problems: &mut Problems,
) -> Vec<Organization> {
    if records.is_empty() {
        return vec![Organization {
            tenant_id: DEFAULT_TENANT_ID,
            name: "Default organization".into(),
            client_id: DEFAULT_CLIENT_ID.into(),
            client_secret: DEFAULT_CLIENT_SECRET.into(),
            is_default: true,
        }];
    }
    let mut tenant_ids = HashSet::new();
    let mut client_ids = HashSet::new();
    for (index, record) in records.iter().enumerate() {
        let item = format!("organizations[{index}] (tenantId {})", record.tenant_id);
        if !tenant_ids.insert(record.tenant_id) {
            problems.add(&item, Some("tenantId"), "duplicate tenantId");
        }
        if !client_ids.insert(record.client_id.as_str()) {
            problems.add(&item, Some("clientId"), "duplicate clientId");
        }
        if record.client_id.trim().is_empty() {
            problems.add(&item, Some("clientId"), "must not be empty");
        }
        if record.client_secret.is_empty() {
            problems.add(&item, Some("clientSecret"), "must not be empty");
        }
    }
    let defaults = records.iter().filter(|record| record.is_default).count();
    if defaults > 1 {
        problems.add(
            "organizations",
            Some("isDefault"),
            "only one organization may be the default",
        );
    }
    records
        .into_iter()
        .enumerate()
        // With no organization marked default, the first one listed is.
        .map(|(index, record)| Organization {
            is_default: record.is_default || (defaults == 0 && index == 0),
            tenant_id: record.tenant_id,
            name: record.name,
            client_id: record.client_id,
            client_secret: record.client_secret,
        })
        .collect()
}

fn validate_catalogue(
    records: Vec<CatalogueRecord>,
    section: &str,
    builtin: &BTreeMap<i64, String>,
    problems: &mut Problems,
) -> Vec<CatalogueEntry> {
    let mut seen = HashSet::new();
    let mut additions = Vec::new();
    for (index, record) in records.into_iter().enumerate() {
        let item = format!("{section}[{index}] (value {})", record.value);
        if !seen.insert(record.value) {
            problems.add(&item, Some("value"), "duplicate value");
        }
        if record.name.trim().is_empty() {
            problems.add(&item, Some("name"), "must not be empty");
        }
        match builtin.get(&record.value) {
            // Restating a documented entry is harmless; it is already in the catalogue.
            Some(name) if *name == record.name => {}
            Some(name) => problems.add(
                &item,
                Some("name"),
                format!("value {} is documented as '{name}'", record.value),
            ),
            None => additions.push(CatalogueEntry {
                code: record.value,
                name: record.name,
            }),
        }
    }
    additions
}

fn merged(builtin: &BTreeMap<i64, String>, additions: &[CatalogueEntry]) -> BTreeMap<i64, String> {
    let mut catalogue = builtin.clone();
    catalogue.extend(additions.iter().map(|e| (e.code, e.name.clone())));
    catalogue
}

fn check_code(
    item: &str,
    field: &str,
    code: i64,
    text: Option<&str>,
    catalogue: &BTreeMap<i64, String>,
    problems: &mut Problems,
) {
    let section = if field == "taskStatus" {
        "taskStatuses"
    } else {
        "integrationStatuses"
    };
    match (catalogue.get(&code), text) {
        (None, _) => problems.add(
            item,
            Some(field),
            format!("{field} {code} is not in the catalogue; add it to the fixture's {section}"),
        ),
        (Some(name), Some(text)) if name != text => problems.add(
            item,
            Some(&format!("{field}Text")),
            format!("'{text}' does not match the catalogue name '{name}' of {field} {code}"),
        ),
        _ => {}
    }
}

fn validate_workspaces(
    records: Vec<WorkspaceRecord>,
    tenants: &HashSet<i64>,
    default_tenant: i64,
    problems: &mut Problems,
) -> Vec<Workspace> {
    let mut ids = HashSet::new();
    let mut workspaces: Vec<Workspace> = Vec::with_capacity(records.len());
    for (index, record) in records.into_iter().enumerate() {
        let item = format!("workspaces[{index}] (workspaceId {})", record.workspace_id);
        if !ids.insert(record.workspace_id) {
            problems.add(&item, Some("workspaceId"), "duplicate workspaceId");
        }
        let tenant_id = record.tenant_id.unwrap_or(default_tenant);
        if !tenants.contains(&tenant_id) {
            problems.add(
                &item,
                Some("tenantId"),
                format!("organization {tenant_id} is not declared in organizations"),
            );
        }
        workspaces.push(Workspace {
            workspace_id: record.workspace_id,
            tenant_id,
            workspace_name: record.workspace_name,
            workspace_description: record.workspace_description,
            is_default: record.is_default,
            task_type: record.task_type,
            workspace_type: record.workspace_type,
            template_type: record.template_type,
            workspace_template_name: record.workspace_template_name,
        });
    }
    // Each organization has one default workspace: more than one is an error, none means
    // the first one listed.
    for tenant in tenants {
        let owned: Vec<usize> = (0..workspaces.len())
            .filter(|&i| workspaces[i].tenant_id == *tenant)
            .collect();
        let defaults = owned.iter().filter(|&&i| workspaces[i].is_default).count();
        if defaults > 1 {
            problems.add(
                "workspaces",
                Some("isDefault"),
                format!("organization {tenant} has {defaults} default workspaces; at most one is allowed"),
            );
        } else if defaults == 0 {
            if let Some(&first) = owned.first() {
                workspaces[first].is_default = true;
            }
        }
    }
    workspaces
}

fn implied_workspaces(
    tasks: &[TaskRecord],
    batches: &[BatchRecord],
    tenant_id: i64,
) -> Vec<Workspace> {
    let ids: std::collections::BTreeSet<i64> = tasks
        .iter()
        .map(|t| t.workspace_id)
        .chain(batches.iter().map(|b| b.workspace_id))
        .collect();
    ids.into_iter()
        .enumerate()
        .map(|(index, workspace_id)| Workspace {
            workspace_id,
            tenant_id,
            workspace_name: format!("Workspace {workspace_id}"),
            workspace_description: None,
            is_default: index == 0,
            task_type: 0,
            workspace_type: 0,
            template_type: 0,
            workspace_template_name: None,
        })
        .collect()
}

fn validate_batches(
    records: Vec<BatchRecord>,
    workspace_tenants: &HashMap<i64, i64>,
    problems: &mut Problems,
) -> Vec<Batch> {
    let mut ids = HashSet::new();
    let mut batches = Vec::with_capacity(records.len());
    for (index, record) in records.into_iter().enumerate() {
        let item = format!("batches[{index}] (batchId {})", record.batch_id);
        if !ids.insert(record.batch_id) {
            problems.add(&item, Some("batchId"), "duplicate batchId");
        }
        if !workspace_tenants.contains_key(&record.workspace_id) {
            problems.add(
                &item,
                Some("workspaceId"),
                format!(
                    "workspace {} is not declared in workspaces",
                    record.workspace_id
                ),
            );
        }
        if record.display_name.trim().is_empty() {
            problems.add(&item, Some("displayName"), "must not be empty");
        }
        let created_on = parse_time(&item, "createdOn", &record.created_on, problems);
        batches.push(Batch {
            batch_id: record.batch_id,
            workspace_id: record.workspace_id,
            display_name: record.display_name,
            description: record.description,
            created_on_ticks: created_on.unwrap_or_default(),
            total_tasks_in_history: record.total_tasks_in_history,
        });
    }
    batches
}

/// A captured task list names batches without describing them: create each in the workspace
/// of its first task, created when its earliest task was.
fn implied_batches_for(tasks: &[Task]) -> Vec<Batch> {
    let mut batches: BTreeMap<i64, Batch> = BTreeMap::new();
    for task in tasks {
        let Some(batch_id) = task.batch_id else {
            continue;
        };
        let created_on_ticks = task.created_on * TICKS;
        batches
            .entry(batch_id)
            .and_modify(|batch| {
                batch.created_on_ticks = batch.created_on_ticks.min(created_on_ticks)
            })
            .or_insert_with(|| Batch {
                batch_id,
                workspace_id: task.workspace_id,
                display_name: format!("Batch {batch_id}"),
                description: None,
                created_on_ticks,
                total_tasks_in_history: 0,
            });
    }
    batches.into_values().collect()
}
