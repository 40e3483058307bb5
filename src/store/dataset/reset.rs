//! `POST /_emulator/reset`: back to the start-up data set, rewriting only what changed
//! since it was loaded or last restored. Triggers record what changes (the
//! `reset_tracking` migration): tasks by id, the smaller tables by name.

use std::collections::HashSet;

use sqlx::SqliteConnection;

use crate::domain::fixture::Dataset;

/// The name in `reset_changed_tables` that asks for a full rewrite.
const EVERYTHING: &str = "everything";

/// Makes the data what `dataset` (the start-up data set) put there, inside the caller's
/// write transaction. What hangs off the tasks and workspaces (webhook configurations,
/// export payloads and states, speakers, users, transitions, file links) is small and always
/// rewritten; tasks, batches, workspaces, organizations and catalogue additions only where
/// something changed.
pub async fn restore_startup(conn: &mut SqliteConnection, dataset: &Dataset) -> sqlx::Result<()> {
    let tables: HashSet<String> =
        sqlx::query_scalar!(r#"SELECT name AS "name!" FROM reset_changed_tables"#)
            .fetch_all(&mut *conn)
            .await?
            .into_iter()
            .collect();
    if tables.contains(EVERYTHING) {
        // Tasks are not recorded one by one while `everything` is marked.
        super::replace_in(conn, dataset).await?;
        return forget_changes(conn).await;
    }
    let changed = |table: &str| tables.contains(table);
    // A parent is deleted and inserted again while unchanged tasks still point at it: its
    // foreign keys are checked at commit, when it is back (SQLite turns this off at commit).
    sqlx::query("PRAGMA defer_foreign_keys = ON")
        .execute(&mut *conn)
        .await?;
    super::clear_task_children(conn).await?;

    let task_ids: HashSet<i64> = sqlx::query_scalar!("SELECT task_id FROM reset_changed_tasks")
        .fetch_all(&mut *conn)
        .await?
        .into_iter()
        .collect();
    sqlx::query!("DELETE FROM tasks WHERE task_id IN (SELECT task_id FROM reset_changed_tasks)")
        .execute(&mut *conn)
        .await?;
    // Children before parents, then parents before children.
    if changed("batches") {
        sqlx::query!("DELETE FROM batches")
            .execute(&mut *conn)
            .await?;
    }
    if changed("workspaces") {
        sqlx::query!("DELETE FROM workspaces")
            .execute(&mut *conn)
            .await?;
    }
    if changed("organizations") {
        sqlx::query!("DELETE FROM organizations")
            .execute(&mut *conn)
            .await?;
    }
    if changed("catalogues") {
        super::clear_catalogues(conn).await?;
        super::insert_catalogues(conn, dataset).await?;
    }
    if changed("organizations") {
        super::insert_organizations(conn, dataset).await?;
    }
    if changed("workspaces") {
        super::insert_workspaces(conn, dataset).await?;
    }
    if changed("batches") {
        super::insert_batches(conn, dataset).await?;
    }
    let tasks: Vec<_> = dataset
        .tasks
        .iter()
        .filter(|task| task_ids.contains(&task.task_id))
        .collect();
    super::insert_tasks(conn, &tasks).await?;
    super::insert_task_children(conn, dataset).await?;
    forget_changes(conn).await
}

/// The data is now the start-up data set: nothing has changed since.
pub(super) async fn forget_changes(conn: &mut SqliteConnection) -> sqlx::Result<()> {
    sqlx::query!("DELETE FROM reset_changed_tasks")
        .execute(&mut *conn)
        .await?;
    sqlx::query!("DELETE FROM reset_changed_tables")
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// The next reset rewrites everything.
pub(super) async fn mark_everything_changed(conn: &mut SqliteConnection) -> sqlx::Result<()> {
    sqlx::query!(
        "INSERT OR IGNORE INTO reset_changed_tables (name) VALUES (?)",
        EVERYTHING
    )
    .execute(conn)
    .await?;
    Ok(())
}
