//! Invited users in SQLite: an organization's users and each workspace's, with their roles.
//! Emails are compared without case (`COLLATE NOCASE`).

use sqlx::{QueryBuilder, Sqlite, SqliteConnection};

use crate::domain::fixture::UserEntry;
use crate::domain::users::User;

/// The organization's users, by email.
pub async fn of_tenant(conn: &mut SqliteConnection, tenant_id: i64) -> sqlx::Result<Vec<User>> {
    sqlx::query_as!(
        User,
        "SELECT email, role_name FROM users WHERE tenant_id = ? ORDER BY email, rowid",
        tenant_id,
    )
    .fetch_all(conn)
    .await
}

/// The workspace's users, by email.
pub async fn of_workspace(
    conn: &mut SqliteConnection,
    workspace_id: i64,
) -> sqlx::Result<Vec<User>> {
    sqlx::query_as!(
        User,
        "SELECT email, role_name FROM workspace_users WHERE workspace_id = ?
           ORDER BY email, rowid",
        workspace_id,
    )
    .fetch_all(conn)
    .await
}

/// Adds users to the organization; emails it has already are left as they are.
pub async fn add_to_tenant(
    conn: &mut SqliteConnection,
    tenant_id: i64,
    users: &[User],
) -> sqlx::Result<()> {
    if users.is_empty() {
        return Ok(());
    }
    QueryBuilder::<Sqlite>::new("INSERT INTO users (tenant_id, email, role_name) ")
        .push_values(users, |mut row, user| {
            row.push_bind(tenant_id)
                .push_bind(&user.email)
                .push_bind(&user.role_name);
        })
        .push(" ON CONFLICT DO NOTHING")
        .build()
        .execute(conn)
        .await?;
    Ok(())
}

/// Adds users to the workspace (none of them may be there already: the caller checked).
pub async fn add_to_workspace(
    conn: &mut SqliteConnection,
    workspace_id: i64,
    users: &[User],
) -> sqlx::Result<()> {
    if users.is_empty() {
        return Ok(());
    }
    QueryBuilder::<Sqlite>::new("INSERT INTO workspace_users (workspace_id, email, role_name) ")
        .push_values(users, |mut row, user| {
            row.push_bind(workspace_id)
                .push_bind(&user.email)
                .push_bind(&user.role_name);
        })
        .build()
        .execute(conn)
        .await?;
    Ok(())
}

/// Every user, organizations' first (by organization, then email), then workspaces' (by
/// workspace, then email): the state's `users` section.
pub async fn all(conn: &mut SqliteConnection) -> sqlx::Result<Vec<UserEntry>> {
    let tenant_users = sqlx::query!(
        "SELECT tenant_id, email, role_name FROM users ORDER BY tenant_id, email, rowid"
    )
    .fetch_all(&mut *conn)
    .await?;
    let workspace_users = sqlx::query!(
        "SELECT workspace_id, email, role_name FROM workspace_users
           ORDER BY workspace_id, email, rowid"
    )
    .fetch_all(&mut *conn)
    .await?;
    let tenants = tenant_users.into_iter().map(|row| UserEntry {
        tenant_id: Some(row.tenant_id),
        workspace_id: None,
        user: User {
            email: row.email,
            role_name: row.role_name,
        },
    });
    let workspaces = workspace_users.into_iter().map(|row| UserEntry {
        tenant_id: None,
        workspace_id: Some(row.workspace_id),
        user: User {
            email: row.email,
            role_name: row.role_name,
        },
    });
    Ok(tenants.chain(workspaces).collect())
}

/// Stores checked users: each entry with a workspace in that workspace, the others in their
/// organization (`tenant_id` is always set on a checked entry without a workspace).
pub async fn insert(conn: &mut SqliteConnection, entries: &[UserEntry]) -> sqlx::Result<()> {
    for entry in entries {
        let users = std::slice::from_ref(&entry.user);
        match (entry.workspace_id, entry.tenant_id) {
            (Some(workspace_id), _) => add_to_workspace(&mut *conn, workspace_id, users).await?,
            (None, Some(tenant_id)) => add_to_tenant(&mut *conn, tenant_id, users).await?,
            (None, None) => {}
        }
    }
    Ok(())
}

/// Deletes every user.
pub async fn clear(conn: &mut SqliteConnection) -> sqlx::Result<()> {
    sqlx::query!("DELETE FROM users")
        .execute(&mut *conn)
        .await?;
    sqlx::query!("DELETE FROM workspace_users")
        .execute(&mut *conn)
        .await?;
    Ok(())
}
