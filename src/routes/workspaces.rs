//! Workspaces: the caller's organization's workspaces.

use axum::extract::State;
use axum::routing::get;
use axum::Router;

use crate::domain::fixture::Workspace;
use crate::error::ApiResult;
use crate::extract::Caller;
use crate::response::Json;
use crate::state::AppState;
use crate::store::workspaces;

pub fn router() -> Router<AppState> {
    Router::new().route(
        "/api/v1.0/external/sdworkspace/CurrentWorkspaces",
        get(current_workspaces),
    )
}

/// [GET] Get Workspaces:
/// <https://docs.smartdocumentor.net/technical/api-reference/get-get-workspaces>
///
/// Fidelity: ordered by `workspaceId`; unset `workspaceDescription` and
/// `workspaceTemplateName` are explicit `null`.
async fn current_workspaces(
    caller: Caller,
    State(state): State<AppState>,
) -> ApiResult<Json<Vec<Workspace>>> {
    Ok(Json::ok(
        workspaces::list(&state.db, caller.tenant_id).await?,
    ))
}
