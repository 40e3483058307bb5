//! Tasks: the status list and everything a status-list client does with a task.

use std::future::Future;

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::domain::fixture::{
    check_external_integration_status, EXTERNAL_INTEGRATION_STATUS_MAX_CHARS,
};
use crate::domain::page::Page;
use crate::domain::sort::{SortOrder, TaskSortKey};
use crate::domain::task::TaskStatus;
use crate::domain::time::{ceil_to_second, floor_to_second};
use crate::error::responses::{
    BadRequestEmptyOrProblem, NotFoundEmpty, PayloadTooLarge, QueryTooLong, Unauthorized,
};
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{page_request, Caller, JsonBody, QueryParams, TaskSelector};
use crate::lifecycle::{self, Restart};
use crate::response::cache::{TaskAnswerKey, TaskEndpoint};
use crate::response::{empty_response, json_bytes};
use crate::routes::params::{PageParams, TaskListParams, TaskSelectorParams};
use crate::state::AppState;
use crate::store::tasks::{self, TaskFilter};
use crate::store::workspaces;

mod answers;
mod chunked;
mod create;

use answers::Unanswered;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(status_list))
        .routes(routes!(status_list_paginated))
        .routes(routes!(status))
        .routes(routes!(restart_processing))
        .routes(routes!(external_integration_status))
        // The documentation's own curl example leaves out `/external/`.
        .routes(routes!(external_integration_status_documented_path))
        .merge(create::router())
}

/// Task Status List
///
/// Emulates <https://docs.smartdocumentor.net/technical/api-reference/get-task-status-list>.
/// At least one of startDate / endDate is required; bounds are inclusive.
///
/// Fidelity: the documented "created after / before" bounds are inclusive here
/// (`createdOn >= startDate`, `createdOn <= endDate`); the default order is `createdOn`
/// ascending, ties broken by `taskId`. An answer of more than `--stream-threshold` tasks is
/// sent chunked, read a chunk at a time (not one snapshot: see the README's fidelity note).
#[utoipa::path(
    get,
    path = "/api/v1.0/external/sdtask/statuslist",
    operation_id = "getTaskStatusList",
    tag = "Tasks",
    security(("oauth2" = ["WebAPI"])),
    params(TaskListParams),
    responses(
        (status = 200, description = "The matching tasks", body = Vec<TaskStatus>),
        (status = 400, response = BadRequestEmptyOrProblem),
        (status = 401, response = Unauthorized),
        (status = 414, response = QueryTooLong),
    )
)]
async fn status_list(
    caller: Caller,
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Response> {
    let spelling =
        answers::by_spelling(&state, TaskEndpoint::List, caller.tenant_id, raw.as_deref());
    let mut unanswered = match spelling {
        Ok(body) => return Ok(json_bytes(body)),
        Err(unanswered) => unanswered,
    };
    let query = QueryParams::parse(raw.as_deref())?;
    let filter = task_filter(&query, caller)?;
    let sort = SortOrder::<TaskSortKey>::parse(query.raw_first("sort"))?;
    let key = TaskAnswerKey::List(filter.clone(), sort);
    if let Some(body) = unanswered.by_question(&key) {
        return Ok(json_bytes(body));
    }
    // Up to the threshold the answer is built whole (one statement) and may be cached;
    // past it, it is read and sent a chunk at a time and never kept whole.
    let threshold = state.config.stream_threshold;
    match tasks::json::list_at_most(&state.db, &filter, sort, threshold).await? {
        Some(body) => {
            unanswered.keep(key, &body);
            Ok(json_bytes(body))
        }
        None => {
            let list = tasks::stream::open(&state.db, &filter, sort, threshold).await?;
            Ok(chunked::chunked_answer(list))
        }
    }
}

/// Task Status List Paginated
///
/// Emulates <https://docs.smartdocumentor.net/technical/api-reference/get-task-status-list-paginated>.
/// At least one of startDate / endDate is required; bounds are inclusive.
///
/// Fidelity: the envelope is the one the batch page documents; `pageSize` is at most 1,000;
/// `pageNumber < 1` or a `pageSize` out of range is a 400 problem body; a page past the end
/// has no items and true totals.
#[utoipa::path(
    get,
    path = "/api/v1.0/external/sdtask/statuslistpaginated",
    operation_id = "getTaskStatusListPaginated",
    tag = "Tasks",
    security(("oauth2" = ["WebAPI"])),
    params(TaskListParams, PageParams),
    responses(
        (status = 200, description = "One page of the matching tasks", body = Page<TaskStatus>),
        (status = 400, response = BadRequestEmptyOrProblem),
        (status = 401, response = Unauthorized),
        (status = 414, response = QueryTooLong),
    )
)]
async fn status_list_paginated(
    caller: Caller,
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Response> {
    let spelling =
        answers::by_spelling(&state, TaskEndpoint::Page, caller.tenant_id, raw.as_deref());
    let unanswered = match spelling {
        Ok(body) => return Ok(json_bytes(body)),
        Err(unanswered) => unanswered,
    };
    let query = QueryParams::parse(raw.as_deref())?;
    let filter = task_filter(&query, caller)?;
    let sort = SortOrder::<TaskSortKey>::parse(query.raw_first("sort"))?;
    let page = page_request(&query)?;
    let body = cached(
        unanswered,
        TaskAnswerKey::Page(filter.clone(), sort, page),
        || async {
            let (items, total) = tasks::json::page(&state.db, &filter, sort, page).await?;
            Ok(Page::<()>::new(Vec::new(), page, total).with_json_items(&items))
        },
    )
    .await?;
    Ok(json_bytes(body))
}

/// Task Status
///
/// Emulates <https://docs.smartdocumentor.net/technical/api-reference/get-task-status>.
/// At least one of taskId / externalId is required.
///
/// Fidelity: neither `taskId` nor `externalId` is a 400 with an empty body (as the list's
/// missing dates); a task outside the caller's organization, or `taskId` and `externalId`
/// naming different tasks, is a 404 with an empty body.
#[utoipa::path(
    get,
    path = "/api/v1.0/external/sdtask/status",
    operation_id = "getTaskStatus",
    tag = "Tasks",
    security(("oauth2" = ["WebAPI"])),
    params(TaskSelectorParams),
    responses(
        (status = 200, description = "The task", body = TaskStatus),
        (status = 400, response = BadRequestEmptyOrProblem),
        (status = 401, response = Unauthorized),
        (status = 404, response = NotFoundEmpty),
        (status = 414, response = QueryTooLong),
    )
)]
async fn status(
    caller: Caller,
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Response> {
    let spelling = answers::by_spelling(
        &state,
        TaskEndpoint::Status,
        caller.tenant_id,
        raw.as_deref(),
    );
    let unanswered = match spelling {
        Ok(body) => return Ok(json_bytes(body)),
        Err(unanswered) => unanswered,
    };
    let TaskSelector(task) = TaskSelector::from_query(&QueryParams::parse(raw.as_deref())?)?;
    let key = TaskAnswerKey::Status(caller.tenant_id, task.clone());
    let body = cached(unanswered, key, || async {
        // A task that is not found is not cached: the empty body stands for "no answer".
        Ok(tasks::json::find(&state.db, caller.tenant_id, &task)
            .await?
            .unwrap_or_default())
    })
    .await?;
    if body.is_empty() {
        return Err(ApiError::empty_not_found());
    }
    Ok(json_bytes(body))
}

/// The body cached under the question `key` for the current data, or the one `compute`
/// reads (kept for the next request while the data does not change). An empty body is
/// never cached.
async fn cached<F, Fut>(
    mut unanswered: Unanswered<'_>,
    key: TaskAnswerKey,
    compute: F,
) -> ApiResult<Bytes>
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = sqlx::Result<Vec<u8>>>,
{
    if let Some(body) = unanswered.by_question(&key) {
        return Ok(body);
    }
    let body = Bytes::from(compute().await?);
    unanswered.keep(key, &body);
    Ok(body)
}

/// Reprocess Task
///
/// Emulates <https://docs.smartdocumentor.net/technical/api-reference/patch-reprocess-task>.
/// Increments restartCount, sets preProcessingStartedOn to now, status 30, external
/// integration status `never`.
///
/// Fidelity: 200 with an empty body; the task goes back to QueuedForPreProcessing (30), its
/// `restartCount` grows by one, `preProcessingStartedOn` becomes now and its external
/// integration status `never`, and the processing lifecycle runs again (with a new seeded
/// outcome). Any status may be reprocessed, even one still being processed (the operation
/// exists for stuck tasks), except Deleting (19) and Deleted (20): those are in Task History
/// and get 409 with a problem body. 400 / 404 as for Task Status.
#[utoipa::path(
    patch,
    path = "/api/v1.0/external/sdtask/restartprocessing",
    operation_id = "restartProcessing",
    tag = "Tasks",
    security(("oauth2" = ["WebAPI"])),
    params(TaskSelectorParams),
    responses(
        (status = 200, description = "Reprocessing started; no body"),
        (status = 400, response = BadRequestEmptyOrProblem),
        (status = 401, response = Unauthorized),
        (status = 404, response = NotFoundEmpty),
        (status = 409, description = "The task is Deleting (19) or Deleted (20), in Task History",
            content_type = "application/problem+json", body = Problem),
        (status = 414, response = QueryTooLong),
    )
)]
async fn restart_processing(
    caller: Caller,
    State(state): State<AppState>,
    TaskSelector(task): TaskSelector,
) -> ApiResult<Response> {
    match lifecycle::restart_task(&state, caller.tenant_id, task).await? {
        Restart::Restarted => Ok(empty_response(StatusCode::OK)),
        Restart::NotFound => Err(ApiError::empty_not_found()),
        Restart::InTaskHistory {
            task_status,
            task_status_text,
        } => Err(Problem::new(
            StatusCode::CONFLICT,
            "task-deleted",
            format!(
                "The task is {task_status_text} ({task_status}): a task in Task History cannot \
                 be reprocessed."
            ),
        )
        .with("taskStatus", task_status)
        .into()),
    }
}

/// External Integration Status's answer: 200 with an empty body when the task was updated,
/// 404 with an empty body when the caller's organization has no such task.
fn empty_ok_if_found(found: bool) -> ApiResult<Response> {
    if found {
        Ok(empty_response(StatusCode::OK))
    } else {
        Err(ApiError::empty_not_found())
    }
}

/// The body of External Integration Status. Unknown fields are ignored.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
struct PatchExternalIntegrationStatusRequest {
    /// The new value, matched exactly (case-sensitive) by the list filters.
    #[schema(required = true, schema_with = external_integration_status_schema)]
    external_integration_status: Option<String>,
}

fn external_integration_status_schema() -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .min_length(Some(1))
        .max_length(Some(EXTERNAL_INTEGRATION_STATUS_MAX_CHARS))
}

/// External Integration Status
///
/// Emulates <https://docs.smartdocumentor.net/technical/api-reference/patch-external-integration-status/>.
///
/// Fidelity: 200 with an empty body; also served without `/external/`, as the page's curl
/// example sends it. The value is matched exactly (case-sensitive) by the list filters.
#[utoipa::path(
    patch,
    path = "/api/v1.0/external/sdtask/externalIntegrationStatus",
    operation_id = "patchExternalIntegrationStatus",
    tag = "Tasks",
    security(("oauth2" = ["WebAPI"])),
    params(TaskSelectorParams),
    request_body = PatchExternalIntegrationStatusRequest,
    responses(
        (status = 200, description = "Updated; no body"),
        (status = 400, response = BadRequestEmptyOrProblem),
        (status = 401, response = Unauthorized),
        (status = 404, response = NotFoundEmpty),
        (status = 413, response = PayloadTooLarge),
        (status = 414, response = QueryTooLong),
    )
)]
async fn external_integration_status(
    caller: Caller,
    state: State<AppState>,
    task: TaskSelector,
    body: JsonBody<PatchExternalIntegrationStatusRequest>,
) -> ApiResult<Response> {
    set_external_integration_status(caller, state, task, body).await
}

/// External Integration Status
///
/// The same operation at the path the documentation's curl example uses (without
/// `/external/`).
#[utoipa::path(
    patch,
    path = "/api/v1.0/sdtask/externalIntegrationStatus",
    operation_id = "patchExternalIntegrationStatusDocumentedPath",
    tag = "Tasks",
    security(("oauth2" = ["WebAPI"])),
    params(TaskSelectorParams),
    request_body = PatchExternalIntegrationStatusRequest,
    responses(
        (status = 200, description = "Updated; no body"),
        (status = 400, response = BadRequestEmptyOrProblem),
        (status = 401, response = Unauthorized),
        (status = 404, response = NotFoundEmpty),
        (status = 413, response = PayloadTooLarge),
        (status = 414, response = QueryTooLong),
    )
)]
async fn external_integration_status_documented_path(
    caller: Caller,
    state: State<AppState>,
    task: TaskSelector,
    body: JsonBody<PatchExternalIntegrationStatusRequest>,
) -> ApiResult<Response> {
    set_external_integration_status(caller, state, task, body).await
}

async fn set_external_integration_status(
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
    let (tenant_id, writer) = (caller.tenant_id, state.clone());
    let found = state
        .run_write(async move {
            let mut tx = writer.begin_write().await?;
            let found =
                tasks::set_external_integration_status(&mut tx, tenant_id, &task, &value).await?;
            tx.commit().await?;
            Ok::<_, sqlx::Error>(found)
        })
        .await?;
    empty_ok_if_found(found)
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
