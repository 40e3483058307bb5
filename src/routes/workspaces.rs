//! Workspaces: the caller's organization's workspaces.

use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use axum::Router;

use crate::app::AppState;
use crate::error::ApiResult;
use crate::extract::Caller;
use crate::routes::json_ok;
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
async fn current_workspaces(caller: Caller, State(state): State<AppState>) -> ApiResult<Response> {
    json_ok(&workspaces::list(&state.db, caller.tenant_id).await?)
}
