//! Workspace queries, always scoped to one organization.

use serde::Serialize;
use sqlx::{FromRow, SqlitePool};

/// A workspace as the API returns it (`GetWorkspaceResponse`), fields in the documented order.
/// `workspaceDescription` and `workspaceTemplateName` are `null` when unset.
#[derive(Debug, Clone, PartialEq, Serialize, FromRow)]
#[serde(rename_all = "camelCase")]
pub struct Workspace {
    pub workspace_id: i64,
    pub tenant_id: i64,
    pub workspace_name: String,
    pub workspace_description: Option<String>,
    pub is_default: bool,
    pub task_type: i64,
    pub workspace_type: i64,
    pub template_type: i64,
    pub workspace_template_name: Option<String>,
}

/// Every workspace of the organization, by `workspaceId`.
pub async fn list(pool: &SqlitePool, tenant_id: i64) -> sqlx::Result<Vec<Workspace>> {
    sqlx::query_as(
        "SELECT workspace_id, tenant_id, workspace_name, workspace_description, is_default, \
         task_type, workspace_type, template_type, workspace_template_name \
         FROM workspaces WHERE tenant_id = ? ORDER BY workspace_id",
    )
    .bind(tenant_id)
    .fetch_all(pool)
    .await
}

/// The organization's default workspace, if it has any workspace at all.
pub async fn default_id(pool: &SqlitePool, tenant_id: i64) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar(
        "SELECT workspace_id FROM workspaces WHERE tenant_id = ? \
         ORDER BY is_default DESC, workspace_id LIMIT 1",
    )
    .bind(tenant_id)
    .fetch_optional(pool)
    .await
}

/// Whether `workspace_id` belongs to the organization.
pub async fn belongs(pool: &SqlitePool, tenant_id: i64, workspace_id: i64) -> sqlx::Result<bool> {
    sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM workspaces WHERE tenant_id = ? AND workspace_id = ?)",
    )
    .bind(tenant_id)
    .bind(workspace_id)
    .fetch_one(pool)
    .await
}
