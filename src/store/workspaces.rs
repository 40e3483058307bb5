//! Workspace queries, always scoped to one organization.

use sqlx::{SqliteConnection, SqlitePool};

pub use crate::domain::fixture::Workspace;

/// The columns that read a `Workspace`: every workspace SELECT starts with this text. See the
/// module documentation of `store` for how a fragment macro is used.
macro_rules! workspace_select {
    ($($m:ident)::+ !($($before:tt)*) $($after:tt)*) => {
        $($m)::+!($($before)*
            r#"SELECT workspace_id AS "workspace_id!", tenant_id, workspace_name, workspace_description,
                 is_default AS "is_default: bool", task_type, workspace_type, template_type,
                 workspace_template_name,
                 delete_files_after_review AS "delete_files_after_review: bool"
               FROM workspaces "#
            $($after)*)
    };
}

/// Every workspace of the organization, by `workspaceId`.
pub async fn list(pool: &SqlitePool, tenant_id: i64) -> sqlx::Result<Vec<Workspace>> {
    workspace_select!(
        sqlx::query_as!(Workspace,) + "WHERE tenant_id = ? ORDER BY workspace_id",
        tenant_id,
    )
    .fetch_all(pool)
    .await
}

/// Every workspace of the default organization, by `workspaceId` (demo mode's workspaces).
pub async fn of_default_organization(conn: &mut SqliteConnection) -> sqlx::Result<Vec<Workspace>> {
    workspace_select!(
        sqlx::query_as!(Workspace,)
            + "WHERE tenant_id = (SELECT tenant_id FROM organizations WHERE is_default = 1
                                   ORDER BY tenant_id LIMIT 1)
               ORDER BY workspace_id"
    )
    .fetch_all(conn)
    .await
}

/// Every workspace of every organization, by `workspaceId` (the control plane's state).
pub async fn all(conn: &mut SqliteConnection) -> sqlx::Result<Vec<Workspace>> {
    workspace_select!(sqlx::query_as!(Workspace,) + "ORDER BY workspace_id")
        .fetch_all(conn)
        .await
}

/// The organization's default workspace, if it has any workspace at all.
pub async fn default_id(pool: &SqlitePool, tenant_id: i64) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar!(
        r#"SELECT workspace_id AS "workspace_id!" FROM workspaces WHERE tenant_id = ?
           ORDER BY is_default DESC, workspace_id LIMIT 1"#,
        tenant_id,
    )
    .fetch_optional(pool)
    .await
}

/// Whether `workspace_id` belongs to the organization.
pub async fn belongs(pool: &SqlitePool, tenant_id: i64, workspace_id: i64) -> sqlx::Result<bool> {
    sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM workspaces WHERE tenant_id = ? AND workspace_id = ?)
             AS "belongs!: bool""#,
        tenant_id,
        workspace_id,
    )
    .fetch_one(pool)
    .await
}

/// Whether `workspace_id` belongs to the organization, inside a transaction the caller holds.
pub async fn belongs_in(
    conn: &mut SqliteConnection,
    tenant_id: i64,
    workspace_id: i64,
) -> sqlx::Result<bool> {
    sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM workspaces WHERE tenant_id = ? AND workspace_id = ?)
             AS "belongs!: bool""#,
        tenant_id,
        workspace_id,
    )
    .fetch_one(conn)
    .await
}

/// Whether the workspace deletes document files after review (the real service's setting
/// "Delete document files after finishing review": its exports' `originalFileUrl` is
/// `null`). `false` for a workspace that does not exist.
pub async fn deletes_files_after_review(
    conn: &mut SqliteConnection,
    workspace_id: i64,
) -> sqlx::Result<bool> {
    let flag = sqlx::query_scalar!(
        r#"SELECT delete_files_after_review AS "flag!: bool" FROM workspaces
           WHERE workspace_id = ?"#,
        workspace_id,
    )
    .fetch_optional(conn)
    .await?;
    Ok(flag.unwrap_or(false))
}
