//! Tasks: the status list, the heart of the API.

use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use axum::Router;

use crate::app::AppState;
use crate::domain::sort::{SortOrder, TaskSortKey};
use crate::domain::time::{ceil_to_second, floor_to_second};
use crate::error::{ApiError, ApiResult};
use crate::extract::{Caller, QueryParams};
use crate::routes::json_ok;
use crate::store::tasks::{self, TaskFilter};

pub fn router() -> Router<AppState> {
    Router::new().route("/api/v1.0/external/sdtask/statuslist", get(status_list))
}

/// [GET] Task Status List:
/// <https://docs.smartdocumentor.net/technical/api-reference/get-task-status-list>
///
/// Fidelity: the documented "created after / before" bounds are inclusive here
/// (`createdOn >= startDate`, `createdOn <= endDate`); the default order is `createdOn`
/// ascending, ties broken by `taskId`.
async fn status_list(
    State(state): State<AppState>,
    caller: Caller,
    query: QueryParams,
) -> ApiResult<Response> {
    let filter = task_filter(&query, caller)?;
    let sort = SortOrder::<TaskSortKey>::parse(query.raw_first("sort"))?;
    let tasks = tasks::list(&state.db, &filter, sort).await?;
    json_ok(&tasks)
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
