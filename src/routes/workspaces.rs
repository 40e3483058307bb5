//! Workspaces: the caller's organization's workspaces.

use axum::extract::State;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::domain::fixture::Workspace;
use crate::error::responses::Unauthorized;
use crate::error::ApiResult;
use crate::extract::Caller;
use crate::response::Json;
use crate::state::AppState;
use crate::store::workspaces;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(current_workspaces))
}

/// Get Workspaces
///
/// Emulates <https://docs.smartdocumentor.net/technical/api-reference/get-get-workspaces>.
///
/// Fidelity: ordered by `workspaceId`; unset `workspaceDescription` and
/// `workspaceTemplateName` are explicit `null`.
#[utoipa::path(
    get,
    path = "/api/v1.0/external/sdworkspace/CurrentWorkspaces",
    operation_id = "getCurrentWorkspaces",
    tag = "Workspaces",
    security(("oauth2" = ["WebAPI"])),
    responses(
        (status = 200, description = "The organization's workspaces", body = Vec<Workspace>),
        (status = 401, response = Unauthorized),
    )
)]
async fn current_workspaces(
    caller: Caller,
    State(state): State<AppState>,
) -> ApiResult<Json<Vec<Workspace>>> {
    Ok(Json::ok(
        workspaces::list(&state.db, caller.tenant_id).await?,
    ))
}
