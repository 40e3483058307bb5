//! Batches: create one, read one, page through them.

use axum::extract::State;
use serde::Deserialize;
use utoipa::openapi::schema::{ObjectBuilder, SchemaType, Type};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::domain::batch::Batch;
use crate::domain::limits::{MAX_DESCRIPTION_CHARS, MAX_DISPLAY_NAME_CHARS};
use crate::domain::page::Page;
use crate::domain::sort::{BatchSortKey, SortOrder};
use crate::domain::time::{to_ticks, BatchTime};
use crate::error::responses::{
    BadRequestEmptyOrProblem, NotFoundEmpty, PayloadTooLarge, Problem400, QueryTooLong,
    Unauthorized,
};
use crate::error::{ApiError, ApiResult};
use crate::extract::{page_request, Caller, JsonBody, QueryParams};
use crate::response::Json;
use crate::routes::params::{BatchIdParam, BatchListParams, PageParams};
use crate::routes::tasks::{foreign_workspace, resolve_workspace};
use crate::state::AppState;
use crate::store::batches::{self, BatchFilter, NewBatch};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_batch, get_batch))
        .routes(routes!(batch_paginated))
}

/// The body of Create Batch. Unknown fields are ignored.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
struct CreateBatchRequest {
    /// Required, not blank.
    #[schema(required = true, schema_with = display_name_schema)]
    display_name: Option<String>,
    /// Blank counts as absent.
    #[schema(schema_with = description_schema)]
    description: Option<String>,
    /// The organization's default workspace when absent.
    workspace_id: Option<i64>,
}

fn display_name_schema() -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .min_length(Some(1))
        .max_length(Some(MAX_DISPLAY_NAME_CHARS))
}

fn description_schema() -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(SchemaType::from_iter([Type::String, Type::Null]))
        .max_length(Some(MAX_DESCRIPTION_CHARS))
}

/// Create Batch
///
/// Emulates <https://docs.smartdocumentor.net/technical/api-reference/post-create-batch>.
///
/// Fidelity: 200 with the new batch; a missing or blank `displayName`, or a workspace outside
/// the caller's organization, is a 400 problem naming the field.
#[utoipa::path(
    post,
    path = "/api/v1.0/external/sdbatch",
    operation_id = "createBatch",
    tag = "Batches",
    security(("oauth2" = ["WebAPI"])),
    request_body = CreateBatchRequest,
    responses(
        (status = 200, description = "The new batch", body = Batch),
        (status = 400, response = Problem400),
        (status = 401, response = Unauthorized),
        (status = 413, response = PayloadTooLarge),
    )
)]
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
    let tenant_id = caller.tenant_id;
    let writer = state.clone();
    let batch = state
        .run_write(async move {
            let new_batch = NewBatch {
                tenant_id,
                workspace_id,
                display_name: &display_name,
                description: description.as_deref(),
                created_on,
            };
            let mut tx = writer.begin_write().await?;
            let batch = batches::create_in(&mut tx, &new_batch).await?;
            tx.commit().await?;
            Ok::<_, sqlx::Error>(batch)
        })
        .await?
        .ok_or_else(|| foreign_workspace(workspace_id))?;
    Ok(Json::ok(batch))
}

/// Get Batch
///
/// Emulates <https://docs.smartdocumentor.net/technical/api-reference/get-get-batch>.
///
/// Fidelity: no `batchId` is a 400 with an empty body; a batch outside the caller's
/// organization is a 404 with an empty body; a request body (the doc's curl sends `''`) is
/// ignored.
#[utoipa::path(
    get,
    path = "/api/v1.0/external/sdbatch",
    operation_id = "getBatch",
    tag = "Batches",
    security(("oauth2" = ["WebAPI"])),
    params(BatchIdParam),
    responses(
        (status = 200, description = "The batch", body = Batch),
        (status = 400, response = BadRequestEmptyOrProblem),
        (status = 401, response = Unauthorized),
        (status = 404, response = NotFoundEmpty),
        (status = 414, response = QueryTooLong),
    )
)]
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

/// Get Batch Paginated
///
/// Emulates <https://docs.smartdocumentor.net/technical/api-reference/get-get-batch-paginated>.
/// No date is required.
///
/// Fidelity: no date is required; date bounds are inclusive, compared to the tick; default
/// order `createdOn` ascending (as the example), ties by `batchId`.
#[utoipa::path(
    get,
    path = "/api/v1.0/external/sdbatch/paginated",
    operation_id = "getBatchPaginated",
    tag = "Batches",
    security(("oauth2" = ["WebAPI"])),
    params(BatchListParams, PageParams),
    responses(
        (status = 200, description = "One page of the matching batches", body = Page<Batch>),
        (status = 400, response = Problem400),
        (status = 401, response = Unauthorized),
        (status = 414, response = QueryTooLong),
    )
)]
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
