//! Webhook export configurations and the export state of tasks (pending deliveries, the last
//! failure) in SQLite.

use sqlx::{SqliteConnection, SqlitePool};

use crate::domain::webhooks::{Webhook, WebhookKind, WebhookSpec};

struct WebhookRow {
    webhook_id: i64,
    workspace_id: i64,
    url: String,
    kind: String,
    options: String,
}

impl From<WebhookRow> for Webhook {
    fn from(row: WebhookRow) -> Self {
        Self {
            id: row.webhook_id,
            workspace_id: row.workspace_id,
            url: row.url,
            // Both were validated before they were stored.
            kind: WebhookKind::from_name(&row.kind).unwrap_or(WebhookKind::TextDocuments),
            options: serde_json::from_str(&row.options).unwrap_or_default(),
        }
    }
}

/// Every configuration, by id.
pub async fn list(pool: &SqlitePool) -> sqlx::Result<Vec<Webhook>> {
    let rows = sqlx::query_as!(
        WebhookRow,
        r#"SELECT webhook_id AS "webhook_id!", workspace_id, url, kind, options
             FROM webhooks ORDER BY webhook_id"#
    )
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(Webhook::from).collect())
}

/// Every configuration, by id, inside a transaction the caller holds (the state export).
pub async fn all(conn: &mut SqliteConnection) -> sqlx::Result<Vec<Webhook>> {
    let rows = sqlx::query_as!(
        WebhookRow,
        r#"SELECT webhook_id AS "webhook_id!", workspace_id, url, kind, options
             FROM webhooks ORDER BY webhook_id"#
    )
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().map(Webhook::from).collect())
}

/// The configurations of one workspace, by id.
pub async fn for_workspace(
    conn: &mut SqliteConnection,
    workspace_id: i64,
) -> sqlx::Result<Vec<Webhook>> {
    let rows = sqlx::query_as!(
        WebhookRow,
        r#"SELECT webhook_id AS "webhook_id!", workspace_id, url, kind, options
             FROM webhooks WHERE workspace_id = ? ORDER BY webhook_id"#,
        workspace_id
    )
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().map(Webhook::from).collect())
}

/// How many configurations there are.
pub async fn count(conn: &mut SqliteConnection) -> sqlx::Result<i64> {
    sqlx::query_scalar!(r#"SELECT COUNT(*) AS "count!: i64" FROM webhooks"#)
        .fetch_one(conn)
        .await
}

/// Stores a configuration and returns its id.
pub async fn insert(conn: &mut SqliteConnection, spec: &WebhookSpec) -> sqlx::Result<i64> {
    let kind = spec.kind.name();
    let options = serde_json::to_string(&spec.options).unwrap_or_else(|_| "{}".to_owned());
    sqlx::query!(
        "INSERT INTO webhooks (workspace_id, url, kind, options) VALUES (?, ?, ?, ?)",
        spec.workspace_id,
        spec.url,
        kind,
        options
    )
    .execute(conn)
    .await
    .map(|done| done.last_insert_rowid())
}

/// Stores a fixture's configuration under its own id, or under the next one (after the
/// highest in use) when it has none.
pub async fn insert_as(
    conn: &mut SqliteConnection,
    webhook_id: Option<i64>,
    spec: &WebhookSpec,
) -> sqlx::Result<()> {
    let kind = spec.kind.name();
    let options = serde_json::to_string(&spec.options).unwrap_or_else(|_| "{}".to_owned());
    sqlx::query!(
        "INSERT INTO webhooks (webhook_id, workspace_id, url, kind, options) VALUES (?, ?, ?, ?, ?)",
        webhook_id,
        spec.workspace_id,
        spec.url,
        kind,
        options
    )
    .execute(conn)
    .await
    .map(|_| ())
}

/// Removes one configuration; `false` when no configuration has this id.
pub async fn delete(pool: &SqlitePool, webhook_id: i64) -> sqlx::Result<bool> {
    sqlx::query!("DELETE FROM webhooks WHERE webhook_id = ?", webhook_id)
        .execute(pool)
        .await
        .map(|done| done.rows_affected() > 0)
}

/// Removes every configuration (replace, reset).
pub async fn clear(conn: &mut SqliteConnection) -> sqlx::Result<()> {
    sqlx::query!("DELETE FROM webhooks")
        .execute(conn)
        .await
        .map(|_| ())
}

/// Whether a workspace has this id.
pub async fn workspace_exists(
    conn: &mut SqliteConnection,
    workspace_id: i64,
) -> sqlx::Result<bool> {
    sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM workspaces WHERE workspace_id = ?) AS "known!: bool""#,
        workspace_id
    )
    .fetch_one(conn)
    .await
}

/// Whether the task's workspace has any configuration (its review's end then waits for the
/// deliveries).
pub async fn task_has_webhooks(conn: &mut SqliteConnection, task_id: i64) -> sqlx::Result<bool> {
    sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM webhooks w JOIN tasks t ON t.workspace_id = w.workspace_id
                           WHERE t.task_id = ?) AS "some!: bool""#,
        task_id
    )
    .fetch_one(conn)
    .await
}

/// Marks a task's export as pending and stops its lifecycle there (no step of its own is
/// due while its deliveries are out).
pub async fn mark_pending(conn: &mut SqliteConnection, task_id: i64) -> sqlx::Result<()> {
    sqlx::query!(
        "INSERT INTO task_exports (task_id, pending) VALUES (?, 1)
         ON CONFLICT (task_id) DO UPDATE SET pending = 1",
        task_id
    )
    .execute(&mut *conn)
    .await?;
    sqlx::query!(
        "UPDATE tasks SET next_status = NULL, next_step_at = NULL WHERE task_id = ?",
        task_id
    )
    .execute(conn)
    .await
    .map(|_| ())
}

/// The tasks whose export is pending, by id.
pub async fn pending(pool: &SqlitePool) -> sqlx::Result<Vec<i64>> {
    sqlx::query_scalar!(
        r#"SELECT task_id AS "task_id!" FROM task_exports WHERE pending = 1 ORDER BY task_id"#
    )
    .fetch_all(pool)
    .await
}

/// Whether a task's export is pending (inside the transaction that applies its outcome).
pub async fn is_pending(conn: &mut SqliteConnection, task_id: i64) -> sqlx::Result<bool> {
    sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM task_exports WHERE task_id = ? AND pending = 1) AS "p!: bool""#,
        task_id
    )
    .fetch_one(conn)
    .await
}

/// Ends a task's pending export: `error` is what a failed delivery leaves on the task
/// (`None` after a successful export clears it).
pub async fn finish(
    conn: &mut SqliteConnection,
    task_id: i64,
    error: Option<&str>,
) -> sqlx::Result<()> {
    sqlx::query!(
        "UPDATE task_exports SET pending = 0, last_error = ? WHERE task_id = ?",
        error,
        task_id
    )
    .execute(conn)
    .await
    .map(|_| ())
}

/// A task's export state: pending, and the last failure.
pub async fn export_state(
    conn: &mut SqliteConnection,
    task_id: i64,
) -> sqlx::Result<(bool, Option<String>)> {
    let row = sqlx::query!(
        r#"SELECT pending AS "pending!: bool", last_error FROM task_exports WHERE task_id = ?"#,
        task_id
    )
    .fetch_optional(conn)
    .await?;
    Ok(row.map_or((false, None), |row| (row.pending, row.last_error)))
}
