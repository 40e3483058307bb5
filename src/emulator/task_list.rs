//! What the dashboard lists: every organization with its workspaces
//! (`GET /_emulator/organizations`), and one page of an organization's tasks with the Task
//! Status List's filters and sort (`GET /_emulator/tasks`), read by the store's query
//! builder of that list. Read-only: the same data an organization's own client sees, across
//! organizations and without a token of theirs.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Serialize;
use serde_json::json;
use utoipa::openapi::path::{Parameter, ParameterIn};
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::Required;
use utoipa::{IntoParams, ToSchema};

use crate::domain::page::{Page, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE};
use crate::domain::sort::{SortKey, SortOrder, TaskSortKey};
use crate::domain::task::TaskStatus;
use crate::domain::time::{ceil_to_second, floor_to_second};
use crate::error::responses::{AdminTokenRequired, QueryTooLong};
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::page::page_request;
use crate::extract::query_doc::{date, integer, query, repeated};
use crate::extract::{Admin, QueryParams};
use crate::response::{json_bytes, Json};
use crate::state::AppState;
use crate::store;
use crate::store::tasks::TaskFilter;

/// An organization as the dashboard lists it (its client secret is in `GET /_emulator/state`).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OrganizationView {
    pub tenant_id: i64,
    pub name: String,
    pub client_id: String,
    /// The organization served when authentication is off.
    pub is_default: bool,
    /// Its workspaces, by `workspaceId`.
    pub workspaces: Vec<WorkspaceView>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct WorkspaceView {
    pub workspace_id: i64,
    pub workspace_name: String,
    pub is_default: bool,
}

/// Every organization
///
/// Every organization, by `tenantId`, with its workspaces: what the dashboard offers to
/// list tasks of.
#[utoipa::path(
    get,
    path = "/_emulator/organizations",
    operation_id = "listOrganizations",
    tag = "Emulator",
    security((), ("adminToken" = [])),
    responses(
        (status = 200, description = "The organizations", body = Vec<OrganizationView>),
        (status = 401, response = AdminTokenRequired),
    )
)]
pub async fn organizations(
    _admin: Admin,
    State(state): State<AppState>,
) -> ApiResult<Json<Vec<OrganizationView>>> {
    let mut tx = state.db.begin().await?;
    let organizations = store::organizations::all(&mut tx).await?;
    let workspaces = store::workspaces::all(&mut tx).await?;
    tx.commit().await?;
    let views = organizations
        .into_iter()
        .map(|organization| OrganizationView {
            workspaces: workspaces
                .iter()
                .filter(|workspace| workspace.tenant_id == organization.tenant_id)
                .map(|workspace| WorkspaceView {
                    workspace_id: workspace.workspace_id,
                    workspace_name: workspace.workspace_name.clone(),
                    is_default: workspace.is_default,
                })
                .collect(),
            tenant_id: organization.tenant_id,
            name: organization.name,
            client_id: organization.client_id,
            is_default: organization.is_default,
        })
        .collect();
    Ok(Json::ok(views))
}

/// One organization's tasks
///
/// One page of the tasks of organization `tenantId`, filtered and sorted as the Task Status
/// List is (`startDate` and `endDate` are both optional here), in the envelope of Task
/// Status List Paginated. Items are the Task Status List's task objects, byte for byte.
#[utoipa::path(
    get,
    path = "/_emulator/tasks",
    operation_id = "listTasks",
    tag = "Emulator",
    security((), ("adminToken" = [])),
    params(TaskListParams),
    responses(
        (status = 200, description = "One page of the organization's matching tasks", body = Page<TaskStatus>),
        (status = 400, description = "No or a bad `tenantId`, or a bad filter, sort or page",
            content_type = "application/problem+json", body = Problem),
        (status = 401, response = AdminTokenRequired),
        (status = 404, description = "No organization has this `tenantId`",
            content_type = "application/problem+json", body = Problem),
        (status = 414, response = QueryTooLong),
    )
)]
pub async fn tasks(
    _admin: Admin,
    State(state): State<AppState>,
    query: QueryParams,
) -> ApiResult<Response> {
    let Some(tenant_id) = query.integer("tenantId")? else {
        return Err(ApiError::invalid_parameter(
            "tenantId",
            "",
            "the tenantId of an organization",
        ));
    };
    let filter = TaskFilter {
        tenant_id,
        created_from: query.date("startDate")?.map(ceil_to_second),
        created_to: query.date("endDate")?.map(floor_to_second),
        task_statuses: query.integers("taskStatus")?,
        integration_statuses: query.integers("integrationStatus")?,
        workspace_ids: query.integers("workspaceId")?,
        external_integration_statuses: query.strings("externalIntegrationStatus"),
    };
    let sort = SortOrder::<TaskSortKey>::parse(query.raw_first("sort"))?;
    let page = page_request(&query)?;
    let mut conn = state.db.acquire().await?;
    let known = store::organizations::all(&mut conn)
        .await?
        .iter()
        .any(|organization| organization.tenant_id == tenant_id);
    if !known {
        return Err(Problem::new(
            StatusCode::NOT_FOUND,
            "unknown-organization",
            format!("No organization has tenantId {tenant_id}."),
        )
        .with("tenantId", tenant_id)
        .into());
    }
    let (items, total) = store::tasks::json::page(&state.db, &filter, sort, page).await?;
    Ok(json_bytes(
        Page::<()>::new(Vec::new(), page, total).with_json_items(&items),
    ))
}

/// The query parameters `tasks` reads, for the description.
struct TaskListParams;

impl IntoParams for TaskListParams {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        let keys: Vec<&str> = TaskSortKey::ALL.iter().map(|(name, _)| *name).collect();
        let mut tenant = query("tenantId", "The organization (required).", integer());
        tenant.required = Required::True;
        vec![
            tenant,
            date(
                "startDate",
                "Keep tasks created at or after this time. Optional.",
            ),
            date(
                "endDate",
                "Keep tasks created at or before this time. Optional.",
            ),
            repeated(
                "taskStatus",
                "Repeatable; values are alternatives.",
                integer(),
            ),
            repeated(
                "integrationStatus",
                "Repeatable; values are alternatives.",
                integer(),
            ),
            repeated(
                "workspaceId",
                "Repeatable; values are alternatives.",
                integer(),
            ),
            repeated(
                "externalIntegrationStatus",
                "Repeatable; exact, case-sensitive match.",
                ObjectBuilder::new().schema_type(Type::String),
            ),
            query(
                "sort",
                &format!(
                    "A task property, case-insensitive: {}. Descending with a leading `-` or a \
                     ` desc` suffix; ties are broken by the id.",
                    keys.join(", ")
                ),
                ObjectBuilder::new().schema_type(Type::String),
            ),
            query(
                "pageNumber",
                "Page to return, from 1.",
                integer().minimum(Some(1)).default(Some(json!(1))),
            ),
            query(
                "pageSize",
                &format!("Items per page, from 1 to {MAX_PAGE_SIZE}."),
                integer()
                    .minimum(Some(1))
                    .maximum(Some(MAX_PAGE_SIZE))
                    .default(Some(json!(DEFAULT_PAGE_SIZE))),
            ),
        ]
    }
}
