//! Users: the roles an organization offers, inviting users to the organization or to a
//! workspace, and listing either's users. sdemu keeps the invited users; it sends no email
//! (the journal, `GET /_emulator/journal`, shows each invitation request).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::domain::users::{check_invites, same_email, InviteError, InviteInput, User, ROLES};
use crate::error::responses::{
    NotFoundEmpty, PayloadTooLarge, Problem400, QueryTooLong, Unauthorized,
};
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{Caller, JsonBody, PathParam};
use crate::response::{empty_response, Json};
use crate::state::AppState;
use crate::store::{users, workspaces};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(available_roles))
        .routes(routes!(invite_tenant_users))
        .routes(routes!(tenant_users))
        .routes(routes!(invite_workspace_users))
        .routes(routes!(workspace_users))
}

/// `InviteUsersRequest`, the body of Invite Users (organization). Unknown fields are
/// ignored.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
struct InviteUsersRequest {
    /// Required: at least one user, at most 100.
    #[schema(required = true, nullable = false, min_items = 1, max_items = 100)]
    users: Option<Vec<InviteInput>>,
}

/// The body of Invite Users (workspace): `InviteUsersRequest` with `workspaceId`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
struct InviteWorkspaceUsersRequest {
    /// Required: a workspace of the caller's organization.
    #[schema(required = true, nullable = false)]
    workspace_id: Option<i64>,
    /// Required: at least one user, at most 100.
    #[schema(required = true, nullable = false, min_items = 1, max_items = 100)]
    users: Option<Vec<InviteInput>>,
}

/// 400 problems of an invitation: the field, an unknown role (with the roles), or an email
/// named twice or already a user there.
fn invite_problem(error: InviteError) -> ApiError {
    match error {
        InviteError::Field { field, reason } => ApiError::invalid_field(&field, &reason),
        InviteError::UnknownRole { field, role_name } => Problem::new(
            StatusCode::BAD_REQUEST,
            "unknown-role",
            format!(
                "The role '{role_name}' is not one of List Available Roles: {}.",
                ROLES.join(", ")
            ),
        )
        .with("field", field)
        .with("roleName", role_name)
        .with("allowed", ROLES)
        .into(),
        InviteError::DuplicateEmail { field, email } => Problem::new(
            StatusCode::BAD_REQUEST,
            "duplicate-email",
            format!("The email '{email}' is named twice or is already a user here."),
        )
        .with("field", field)
        .with("email", email)
        .into(),
    }
}

/// The first of `invited` already among `held`, as a duplicate-email problem.
fn already_held(invited: &[User], held: &[User]) -> Result<(), ApiError> {
    for (index, user) in invited.iter().enumerate() {
        if held.iter().any(|h| same_email(&h.email, &user.email)) {
            return Err(invite_problem(InviteError::DuplicateEmail {
                field: format!("users[{index}].email"),
                email: user.email.clone(),
            }));
        }
    }
    Ok(())
}

/// List Available Roles
///
/// Emulates <https://docs.smartdocumentor.net/technical/api-reference/invite-users/get-list-available-roles>.
///
/// Fidelity: a JSON array of the role names of the documentation's example, in its order.
#[utoipa::path(
    get,
    path = "/api/v1.0/external/tenant/availableroles",
    operation_id = "getAvailableRoles",
    tag = "Users",
    security(("oauth2" = ["WebAPI"])),
    responses(
        (status = 200, description = "The role names", body = Vec<String>,
            example = json!(["Administrator", "Manager", "Creator", "Reviewer", "Viewer"])),
        (status = 401, response = Unauthorized),
    )
)]
async fn available_roles(_caller: Caller) -> Json<Vec<&'static str>> {
    Json::ok(ROLES.to_vec())
}

/// Invite Users (organization)
///
/// Emulates <https://docs.smartdocumentor.net/technical/api-reference/invite-users/tenants/post-invite-users>.
///
/// Fidelity: 200 with an empty body, as the workspace variant is documented; no email is
/// sent. An email named twice (whatever its case) or already the organization's user: 400
/// `duplicate-email`; a role not in List Available Roles (compared without case): 400
/// `unknown-role`; an email that is not an address, or no users: 400 naming the field.
/// Nothing is stored unless every user can be.
#[utoipa::path(
    post,
    path = "/api/v1.0/external/tenant/inviteusers",
    operation_id = "inviteTenantUsers",
    tag = "Users",
    security(("oauth2" = ["WebAPI"])),
    request_body = InviteUsersRequest,
    responses(
        (status = 200, description = "Invited; no body at all (`Content-Length: 0`)"),
        (status = 400, response = Problem400),
        (status = 401, response = Unauthorized),
        (status = 413, response = PayloadTooLarge),
    )
)]
async fn invite_tenant_users(
    caller: Caller,
    State(state): State<AppState>,
    JsonBody(request): JsonBody<InviteUsersRequest>,
) -> ApiResult<Response> {
    let invited = check_invites(request.users).map_err(invite_problem)?;
    let mut tx = state.begin_write().await?;
    let held = users::of_tenant(&mut tx, caller.tenant_id).await?;
    already_held(&invited, &held)?;
    users::add_to_tenant(&mut tx, caller.tenant_id, &invited).await?;
    tx.commit().await?;
    Ok(empty_response(StatusCode::OK))
}

/// List All Tenant Users
///
/// Emulates <https://docs.smartdocumentor.net/technical/api-reference/invite-users/tenants/get-list-all-tenant-users>.
///
/// Fidelity: the page gives no path; sdemu answers `GET .../tenant/allusers`, after the
/// workspace variant's `.../sdworkspace/allusers/{workspaceId}`: a JSON array of
/// `{email, roleName}` by email, every user invited to the organization or to one of its
/// workspaces.
#[utoipa::path(
    get,
    path = "/api/v1.0/external/tenant/allusers",
    operation_id = "getTenantUsers",
    tag = "Users",
    security(("oauth2" = ["WebAPI"])),
    responses(
        (status = 200, description = "The organization's users", body = Vec<User>),
        (status = 401, response = Unauthorized),
    )
)]
async fn tenant_users(caller: Caller, State(state): State<AppState>) -> ApiResult<Json<Vec<User>>> {
    let mut conn = state.db.acquire().await?;
    Ok(Json::ok(
        users::of_tenant(&mut conn, caller.tenant_id).await?,
    ))
}

/// Invite Users (workspace)
///
/// Emulates <https://docs.smartdocumentor.net/technical/api-reference/invite-users/workspaces/post-invite-users>.
///
/// Fidelity: 200 with an empty body, as documented; no email is sent. The users become the
/// workspace's, and the organization's too when they are not yet (with the role given).
/// `workspaceId` missing, unknown or another organization's: 400 naming the field. Errors
/// otherwise as Invite Users (organization); an email already the workspace's user is a
/// duplicate.
#[utoipa::path(
    post,
    path = "/api/v1.0/external/sdworkspace/inviteusers",
    operation_id = "inviteWorkspaceUsers",
    tag = "Users",
    security(("oauth2" = ["WebAPI"])),
    request_body = InviteWorkspaceUsersRequest,
    responses(
        (status = 200, description = "Invited; no body at all (`Content-Length: 0`)"),
        (status = 400, response = Problem400),
        (status = 401, response = Unauthorized),
        (status = 413, response = PayloadTooLarge),
    )
)]
async fn invite_workspace_users(
    caller: Caller,
    State(state): State<AppState>,
    JsonBody(request): JsonBody<InviteWorkspaceUsersRequest>,
) -> ApiResult<Response> {
    let workspace_id = request
        .workspace_id
        .ok_or_else(|| ApiError::invalid_field("workspaceId", "is required"))?;
    let invited = check_invites(request.users).map_err(invite_problem)?;
    let mut tx = state.begin_write().await?;
    if !workspaces::belongs_in(&mut tx, caller.tenant_id, workspace_id).await? {
        return Err(ApiError::invalid_field(
            "workspaceId",
            &format!("names no workspace of the caller's organization ({workspace_id})"),
        ));
    }
    let held = users::of_workspace(&mut tx, workspace_id).await?;
    already_held(&invited, &held)?;
    users::add_to_workspace(&mut tx, workspace_id, &invited).await?;
    users::add_to_tenant(&mut tx, caller.tenant_id, &invited).await?;
    tx.commit().await?;
    Ok(empty_response(StatusCode::OK))
}

/// List All Workspace Users
///
/// Emulates <https://docs.smartdocumentor.net/technical/api-reference/invite-users/workspaces/get-list-all-workspace-users>.
///
/// Fidelity: a JSON array of `{email, roleName}` by email, the role the user was invited to
/// the workspace with. Unknown workspace, or another organization's: 404 with an empty body.
#[utoipa::path(
    get,
    path = "/api/v1.0/external/sdworkspace/allusers/{workspaceId}",
    operation_id = "getWorkspaceUsers",
    tag = "Users",
    security(("oauth2" = ["WebAPI"])),
    params(("workspaceId" = i64, Path, description = "A workspace of the caller's organization.")),
    responses(
        (status = 200, description = "The workspace's users", body = Vec<User>),
        (status = 400, response = Problem400),
        (status = 401, response = Unauthorized),
        (status = 404, response = NotFoundEmpty),
        (status = 414, response = QueryTooLong),
    )
)]
async fn workspace_users(
    caller: Caller,
    State(state): State<AppState>,
    PathParam(workspace_id): PathParam<i64>,
) -> ApiResult<Json<Vec<User>>> {
    let mut conn = state.db.acquire().await?;
    if !workspaces::belongs_in(&mut conn, caller.tenant_id, workspace_id).await? {
        return Err(ApiError::empty_not_found());
    }
    Ok(Json::ok(
        users::of_workspace(&mut conn, workspace_id).await?,
    ))
}
