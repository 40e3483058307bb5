//! Tasks: the status list and everything a status-list client does with a task.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, patch, post};
use axum::Router;
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::domain::fixture::check_external_integration_status;
use crate::domain::limits::{MAX_DESCRIPTION_CHARS, MAX_DISPLAY_NAME_CHARS, MAX_EXTERNAL_ID_CHARS};
use crate::domain::page::Page;
use crate::domain::sort::{SortOrder, TaskSortKey};
use crate::domain::task::TaskStatus;
use crate::domain::time::{ceil_to_second, floor_to_second, TaskTime};
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{page_request, Caller, JsonBody, QueryParams, TaskSelector};
use crate::response::{empty_response, Json};
use crate::state::AppState;
use crate::store::tasks::{self, CreateError, NewTask, TaskFilter};
use crate::store::workspaces;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1.0/external/sdtask/statuslist", get(status_list))
        .route(
            "/api/v1.0/external/sdtask/statuslistpaginated",
            get(status_list_paginated),
        )
        .route("/api/v1.0/external/sdtask/status", get(status))
        .route(
            "/api/v1.0/external/sdtask/restartprocessing",
            patch(restart_processing),
        )
        .route(
            "/api/v1.0/external/sdtask/externalIntegrationStatus",
            patch(external_integration_status),
        )
        // The documentation's own curl example leaves out `/external/`.
        .route(
            "/api/v1.0/sdtask/externalIntegrationStatus",
            patch(external_integration_status),
        )
        .route("/api/v1.0/external/sdtask/process", post(create_task))
}

/// [GET] Task Status List:
/// <https://docs.smartdocumentor.net/technical/api-reference/get-task-status-list>
///
/// Fidelity: the documented "created after / before" bounds are inclusive here
/// (`createdOn >= startDate`, `createdOn <= endDate`); the default order is `createdOn`
/// ascending, ties broken by `taskId`.
async fn status_list(
    caller: Caller,
    State(state): State<AppState>,
    query: QueryParams,
) -> ApiResult<Json<Vec<TaskStatus>>> {
    let filter = task_filter(&query, caller)?;
    let sort = SortOrder::<TaskSortKey>::parse(query.raw_first("sort"))?;
    let tasks = tasks::list(&state.db, &filter, sort).await?;
    Ok(Json::ok(tasks))
}

/// [GET] Task Status List Paginated:
/// <https://docs.smartdocumentor.net/technical/api-reference/get-task-status-list-paginated>
///
/// Fidelity: the envelope is the one the batch page documents; `pageSize` is at most 1,000;
/// `pageNumber < 1` or a `pageSize` out of range is a 400 problem body; a page past the end
/// has no items and true totals.
async fn status_list_paginated(
    caller: Caller,
    State(state): State<AppState>,
    query: QueryParams,
) -> ApiResult<Json<Page<TaskStatus>>> {
    let filter = task_filter(&query, caller)?;
    let sort = SortOrder::<TaskSortKey>::parse(query.raw_first("sort"))?;
    let page = page_request(&query)?;
    Ok(Json::ok(tasks::page(&state.db, &filter, sort, page).await?))
}

/// [GET] Task Status:
/// <https://docs.smartdocumentor.net/technical/api-reference/get-task-status>
///
/// Fidelity: neither `taskId` nor `externalId` is a 400 with an empty body (as the list's
/// missing dates); a task outside the caller's organization, or `taskId` and `externalId`
/// naming different tasks, is a 404 with an empty body.
async fn status(
    caller: Caller,
    State(state): State<AppState>,
    TaskSelector(task): TaskSelector,
) -> ApiResult<Json<TaskStatus>> {
    match tasks::find(&state.db, caller.tenant_id, &task).await? {
        Some(task) => Ok(Json::ok(task)),
        None => Err(ApiError::empty_not_found()),
    }
}

/// [PATCH] Reprocess Task:
/// <https://docs.smartdocumentor.net/technical/api-reference/patch-reprocess-task>
///
/// Fidelity: 200 with an empty body; the task goes back to QueuedForPreProcessing (30), its
/// `restartCount` grows by one, `preProcessingStartedOn` becomes now and its external
/// integration status `never`. 400 / 404 as for Task Status.
async fn restart_processing(
    caller: Caller,
    State(state): State<AppState>,
    TaskSelector(task): TaskSelector,
) -> ApiResult<Response> {
    let now = TaskTime(state.clock.now().timestamp());
    let found = tasks::restart(&state.db, caller.tenant_id, &task, now).await?;
    empty_ok_if_found(found)
}

/// The answer of the task PATCH endpoints: 200 with an empty body when the task was
/// updated, 404 with an empty body when the caller's organization has no such task.
fn empty_ok_if_found(found: bool) -> ApiResult<Response> {
    if found {
        Ok(empty_response(StatusCode::OK))
    } else {
        Err(ApiError::empty_not_found())
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct PatchExternalIntegrationStatusRequest {
    external_integration_status: Option<String>,
}

/// [PATCH] External Integration Status:
/// <https://docs.smartdocumentor.net/technical/api-reference/patch-external-integration-status/>
///
/// Fidelity: 200 with an empty body; also served without `/external/`, as the page's curl
/// example sends it. The value is matched exactly (case-sensitive) by the list filters.
async fn external_integration_status(
    caller: Caller,
    State(state): State<AppState>,
    TaskSelector(task): TaskSelector,
    JsonBody(request): JsonBody<PatchExternalIntegrationStatusRequest>,
) -> ApiResult<Response> {
    const FIELD: &str = "externalIntegrationStatus";
    let value = request
        .external_integration_status
        .ok_or_else(|| ApiError::invalid_field(FIELD, "is required and must not be null"))?;
    check_external_integration_status(&value)
        .map_err(|reason| ApiError::invalid_field(FIELD, &reason))?;
    let found =
        tasks::set_external_integration_status(&state.db, caller.tenant_id, &task, &value).await?;
    empty_ok_if_found(found)
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateTaskRequest {
    display_name: Option<String>,
    description: Option<String>,
    workspace_id: Option<i64>,
    batch_id: Option<i64>,
    priority: Option<i64>,
    context: Option<Map<String, Value>>,
    task_assignment: Option<Map<String, Value>>,
    custom_form_values: Option<Map<String, Value>>,
    external_id: Option<String>,
}

/// [POST] Create Task:
/// <https://docs.smartdocumentor.net/technical/api-reference/post-create-task>
///
/// Fidelity: the response (undocumented) is 200 with the new task object; a missing
/// `displayName` is the URL's last path segment (else `Task {taskId}`); `externalId` is a
/// top-level field, unique per organization (409 on a duplicate); a workspace or batch the
/// caller cannot use is a 400 problem naming the field.
async fn create_task(
    caller: Caller,
    State(state): State<AppState>,
    JsonBody(request): JsonBody<CreateTaskRequest>,
) -> ApiResult<Json<TaskStatus>> {
    let context = request
        .context
        .ok_or_else(|| ApiError::invalid_field("context", "is required and must be an object"))?;
    let url = context_url(&context)?;
    let display_name = optional_text("displayName", request.display_name, MAX_DISPLAY_NAME_CHARS)?
        .or_else(|| name_from_url(&url));
    let description = optional_text("description", request.description, MAX_DESCRIPTION_CHARS)?;
    let external_id = match request.external_id {
        Some(id) if id.trim().is_empty() => {
            return Err(ApiError::invalid_field(
                "externalId",
                "must not be empty or only white space",
            ))
        }
        Some(id) => Some(limited("externalId", id, MAX_EXTERNAL_ID_CHARS)?),
        None => None,
    };
    let priority = request.priority.unwrap_or(1);
    if priority < 1 {
        return Err(ApiError::invalid_field("priority", "must be 1 or more"));
    }
    // The workspace is resolved (and checked) here; the INSERT checks it again together with
    // the batch, atomically, so a concurrent reset or seed cannot slip in between.
    let workspace_id = resolve_workspace(&state, caller, request.workspace_id).await?;
    let to_json = |map: Map<String, Value>| Value::Object(map).to_string();
    let new_task = NewTask {
        tenant_id: caller.tenant_id,
        workspace_id,
        batch_id: request.batch_id,
        external_id,
        display_name,
        description,
        priority,
        created_on: TaskTime(state.clock.now().timestamp()),
        context: to_json(context),
        task_assignment: request.task_assignment.map(to_json),
        custom_form_values: request.custom_form_values.map(to_json),
    };
    match tasks::create(&state.db, &new_task).await {
        Ok(task) => Ok(Json::ok(task)),
        Err(CreateError::DuplicateExternalId) => Err(Problem::new(
            StatusCode::CONFLICT,
            "duplicate-external-id",
            format!(
                "Another task of this organization already has the externalId '{}'.",
                new_task.external_id.unwrap_or_default()
            ),
        )
        .with("field", "externalId")
        .into()),
        Err(CreateError::WorkspaceNotInOrganization) => Err(foreign_workspace(workspace_id)),
        Err(CreateError::BatchNotInWorkspace) => Err(ApiError::invalid_field(
            "batchId",
            &format!(
                "names batch {}, which is not in workspace {workspace_id}",
                new_task.batch_id.unwrap_or_default()
            ),
        )),
        Err(CreateError::Database(error)) => Err(error.into()),
    }
}

/// `workspaceId` names a workspace the caller cannot use.
pub fn foreign_workspace(id: i64) -> ApiError {
    ApiError::invalid_field(
        "workspaceId",
        &format!("names workspace {id}, which is not a workspace of this organization"),
    )
}

/// The workspace a created task or batch goes to: the one named, if it belongs to the caller's
/// organization, else the organization's default workspace.
pub async fn resolve_workspace(
    state: &AppState,
    caller: Caller,
    requested: Option<i64>,
) -> ApiResult<i64> {
    match requested {
        Some(id) => {
            if workspaces::belongs(&state.db, caller.tenant_id, id).await? {
                Ok(id)
            } else {
                Err(foreign_workspace(id))
            }
        }
        None => workspaces::default_id(&state.db, caller.tenant_id)
            .await?
            .ok_or_else(|| {
                ApiError::invalid_field(
                    "workspaceId",
                    "is required: this organization has no default workspace",
                )
            }),
    }
}

/// `context.url`: required, an absolute http or https URL with a host. The text must spell
/// `http://` or `https://` and hold no control characters: the WHATWG parser would otherwise
/// repair `http:host/a.pdf`, `https:\\host\a.pdf` or a URL with a line break into a
/// different URL than the one sent.
fn context_url(context: &Map<String, Value>) -> ApiResult<url::Url> {
    const FIELD: &str = "context.url";
    let text = match context.get("url") {
        Some(Value::String(text)) => text.trim(),
        Some(Value::Null) | None => return Err(ApiError::invalid_field(FIELD, "is required")),
        Some(_) => return Err(ApiError::invalid_field(FIELD, "must be a string")),
    };
    let spelled_absolute = ["http://", "https://"].iter().any(|prefix| {
        text.get(..prefix.len())
            .is_some_and(|head| head.eq_ignore_ascii_case(prefix))
    });
    if !spelled_absolute || text.chars().any(char::is_control) {
        return Err(ApiError::invalid_field(
            FIELD,
            "must be an absolute http or https URL",
        ));
    }
    let parsed = url::Url::parse(text).ok().filter(|url| {
        matches!(url.scheme(), "http" | "https") && url.host_str().is_some_and(|h| !h.is_empty())
    });
    parsed.ok_or_else(|| ApiError::invalid_field(FIELD, "must be an absolute http or https URL"))
}

/// The last non-empty path segment of `url`, percent-decoded, as a display name.
fn name_from_url(url: &url::Url) -> Option<String> {
    let segment = url.path_segments()?.rfind(|s| !s.is_empty())?;
    let decoded = percent_encoding::percent_decode_str(segment)
        .decode_utf8_lossy()
        .trim()
        .to_owned();
    (!decoded.is_empty()).then(|| decoded.chars().take(MAX_DISPLAY_NAME_CHARS).collect())
}

/// An optional text field: blank counts as absent; longer than `max` characters is a 400.
fn optional_text(field: &str, value: Option<String>, max: usize) -> ApiResult<Option<String>> {
    match value {
        Some(text) if !text.trim().is_empty() => Ok(Some(limited(field, text, max)?)),
        _ => Ok(None),
    }
}

fn limited(field: &str, text: String, max: usize) -> ApiResult<String> {
    if text.chars().count() > max {
        Err(ApiError::invalid_field(
            field,
            &format!("must be at most {max} characters"),
        ))
    } else {
        Ok(text)
    }
}

/// Reads the filters shared by the task list endpoints. Naming neither date is answered, as
/// documented, with 400 and no body, before any other parameter is looked at.
pub fn task_filter(query: &QueryParams, caller: Caller) -> ApiResult<TaskFilter> {
    if query.raw_first("startDate").is_none() && query.raw_first("endDate").is_none() {
        return Err(ApiError::empty_bad_request());
    }
    Ok(TaskFilter {
        tenant_id: caller.tenant_id,
        created_from: query.date("startDate")?.map(ceil_to_second),
        created_to: query.date("endDate")?.map(floor_to_second),
        task_statuses: query.integers("taskStatus")?,
        integration_statuses: query.integers("integrationStatus")?,
        workspace_ids: query.integers("workspaceId")?,
        external_integration_statuses: query.strings("externalIntegrationStatus"),
    })
}
