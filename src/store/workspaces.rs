//! Workspace queries, always scoped to one organization.

use sqlx::{SqliteConnection, SqlitePool};

pub use crate::domain::fixture::Workspace;

const SELECT_WORKSPACE: &str = "SELECT workspace_id, tenant_id, workspace_name, \
     workspace_description, is_default, task_type, workspace_type, template_type, \
     workspace_template_name FROM workspaces";

/// Every workspace of the organization, by `workspaceId`.
pub async fn list(pool: &SqlitePool, tenant_id: i64) -> sqlx::Result<Vec<Workspace>> {
    sqlx::query_as(&format!(
        "{SELECT_WORKSPACE} WHERE tenant_id = ? ORDER BY workspace_id"
    ))
    .bind(tenant_id)
    .fetch_all(pool)
    .await
}

/// Every workspace of every organization, by `workspaceId` (the control plane's state).
pub async fn all(conn: &mut SqliteConnection) -> sqlx::Result<Vec<Workspace>> {
    sqlx::query_as(&format!("{SELECT_WORKSPACE} ORDER BY workspace_id"))
        .fetch_all(conn)
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
