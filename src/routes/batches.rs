//! Batches: create one, read one, page through them.

use axum::extract::State;
use axum::routing::get;
use axum::Router;
use serde::Deserialize;

use crate::domain::batch::Batch;
use crate::domain::limits::{MAX_DESCRIPTION_CHARS, MAX_DISPLAY_NAME_CHARS};
use crate::domain::page::Page;
use crate::domain::sort::{BatchSortKey, SortOrder};
use crate::domain::time::{to_ticks, BatchTime};
use crate::error::{ApiError, ApiResult};
use crate::extract::{page_request, Caller, JsonBody, QueryParams};
use crate::response::Json;
use crate::routes::tasks::{foreign_workspace, resolve_workspace};
use crate::state::AppState;
use crate::store::batches::{self, BatchFilter};

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1.0/external/sdbatch",
            get(get_batch).post(create_batch),
        )
        .route("/api/v1.0/external/sdbatch/paginated", get(batch_paginated))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateBatchRequest {
    display_name: Option<String>,
    description: Option<String>,
    workspace_id: Option<i64>,
}

/// [POST] Create Batch:
/// <https://docs.smartdocumentor.net/technical/api-reference/post-create-batch>
///
/// Fidelity: 200 with the new batch; a missing or blank `displayName`, or a workspace outside
/// the caller's organization, is a 400 problem naming the field.
async fn create_batch(
    caller: Caller,
    State(state): State<AppState>,
    JsonBody(request): JsonBody<CreateBatchRequest>,
) -> ApiResult<Json<Batch>> {
    let display_name = request
        .display_name
        .filter(|name| !name.trim().is_empty())
        .ok_or_else(|| {
            ApiError::invalid_field("displayName", "is required and must not be blank")
        })?;
    if display_name.chars().count() > MAX_DISPLAY_NAME_CHARS {
        return Err(ApiError::invalid_field(
            "displayName",
            &format!("must be at most {MAX_DISPLAY_NAME_CHARS} characters"),
        ));
    }
    let description = request.description.filter(|text| !text.trim().is_empty());
    if description
        .as_deref()
        .is_some_and(|text| text.chars().count() > MAX_DESCRIPTION_CHARS)
    {
        return Err(ApiError::invalid_field(
            "description",
            &format!("must be at most {MAX_DESCRIPTION_CHARS} characters"),
        ));
    }
    let workspace_id = resolve_workspace(&state, caller, request.workspace_id).await?;
    let created_on = BatchTime(to_ticks(state.clock.now()));
    // Checked again by the INSERT, atomically: a workspace removed meanwhile is still a 400.
    let batch = batches::create(
        &state.db,
        caller.tenant_id,
        workspace_id,
        &display_name,
        description.as_deref(),
        created_on,
    )
    .await?
    .ok_or_else(|| foreign_workspace(workspace_id))?;
    Ok(Json::ok(batch))
}

/// [GET] Get Batch:
/// <https://docs.smartdocumentor.net/technical/api-reference/get-get-batch>
///
/// Fidelity: no `batchId` is a 400 with an empty body; a batch outside the caller's
/// organization is a 404 with an empty body; a request body (the doc's curl sends `''`) is
/// ignored.
async fn get_batch(
    caller: Caller,
    State(state): State<AppState>,
    query: QueryParams,
) -> ApiResult<Json<Batch>> {
    let batch_id = query
        .integer("batchId")?
        .ok_or_else(ApiError::empty_bad_request)?;
    match batches::find(&state.db, caller.tenant_id, batch_id).await? {
        Some(batch) => Ok(Json::ok(batch)),
        None => Err(ApiError::empty_not_found()),
    }
}

/// [GET] Get Batch Paginated:
/// <https://docs.smartdocumentor.net/technical/api-reference/get-get-batch-paginated>
///
/// Fidelity: no date is required; date bounds are inclusive, compared to the tick; default
/// order `createdOn` ascending (as the example), ties by `batchId`.
async fn batch_paginated(
    caller: Caller,
    State(state): State<AppState>,
    query: QueryParams,
) -> ApiResult<Json<Page<Batch>>> {
    let filter = BatchFilter {
        tenant_id: caller.tenant_id,
        created_from: query.date("startDate")?.map(to_ticks),
        created_to: query.date("endDate")?.map(to_ticks),
        workspace_ids: query.integers("workspaceId")?,
    };
    let sort = SortOrder::<BatchSortKey>::parse(query.raw_first("sort"))?;
    let page = page_request(&query)?;
    Ok(Json::ok(
        batches::page(&state.db, &filter, sort, page).await?,
    ))
}
