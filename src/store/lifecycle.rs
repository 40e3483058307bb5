//! The lifecycle's SQL: what is due, applying one step, scheduling the next, and the
//! history of a task's transitions.

use sqlx::{SqliteConnection, SqlitePool};

use crate::domain::lifecycle::{LifecycleSettings, StepChange, ARCHIVED};

/// A task whose next step is due, with what applying it needs.
#[derive(Debug, Clone)]
pub struct DueStep {
    pub task_id: i64,
    pub task_status: i64,
    pub next_status: i64,
    pub next_step_at: i64,
    pub restart_count: i64,
    pub planned_outcome: Option<i64>,
    /// `context.url` of the document, for the page count.
    pub document_url: Option<String>,
}

/// The earliest pending step's time, if any: the cheap check before taking a write lock.
pub async fn earliest_due(pool: &SqlitePool) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar!(
        r#"SELECT MIN(next_step_at) AS "earliest: i64" FROM tasks WHERE next_step_at IS NOT NULL"#
    )
    .fetch_one(pool)
    .await
}

/// Every step due at the earliest pending time, if that is at or before `now`.
pub async fn next_due_round(conn: &mut SqliteConnection, now: i64) -> sqlx::Result<Vec<DueStep>> {
    sqlx::query_as!(
        DueStep,
        r#"SELECT task_id AS "task_id!", task_status, next_status AS "next_status!",
                  next_step_at AS "next_step_at!", COALESCE(restart_count, 0) AS "restart_count!: i64",
                  planned_outcome, json_extract(context, '$.url') AS "document_url: String"
             FROM tasks
            WHERE next_step_at = (SELECT MIN(next_step_at) FROM tasks WHERE next_step_at IS NOT NULL)
              AND next_step_at <= ?
            ORDER BY task_id"#,
        now
    )
    .fetch_all(conn)
    .await
}

/// A task's lifecycle state, for the control plane.
#[derive(Debug, Clone)]
pub struct LifecycleRow {
    pub task_id: i64,
    pub task_status: i64,
    pub restart_count: i64,
    pub next_status: Option<i64>,
    pub next_step_at: Option<i64>,
    pub planned_outcome: Option<i64>,
    pub document_url: Option<String>,
}

pub async fn find(conn: &mut SqliteConnection, task_id: i64) -> sqlx::Result<Option<LifecycleRow>> {
    sqlx::query_as!(
        LifecycleRow,
        r#"SELECT task_id AS "task_id!", task_status, COALESCE(restart_count, 0) AS "restart_count!: i64",
                  next_status, next_step_at, planned_outcome,
                  json_extract(context, '$.url') AS "document_url: String"
             FROM tasks WHERE task_id = ?"#,
        task_id
    )
    .fetch_optional(conn)
    .await
}

/// Applies a status change and records it in the task's history, with its cause.
pub async fn apply(
    conn: &mut SqliteConnection,
    change: &StepChange,
    from_status: Option<i64>,
    cause: &str,
) -> sqlx::Result<()> {
    let (next_status, next_step_at) = change.next.unzip();
    let started = change.starts_pre_processing.then_some(change.at);
    sqlx::query!(
        "UPDATE tasks
            SET task_status = ?, next_status = ?, next_step_at = ?, planned_outcome = ?,
                pre_processing_started_on = COALESCE(?, pre_processing_started_on),
                total_pages = COALESCE(?, total_pages)
          WHERE task_id = ?",
        change.to_status,
        next_status,
        next_step_at,
        change.planned_outcome,
        started,
        change.total_pages,
        change.task_id
    )
    .execute(&mut *conn)
    .await?;
    // Get Batch's totalTasksInHistory counts the batch's tasks in Task History (archived).
    let entered = change.to_status == ARCHIVED && from_status != Some(ARCHIVED);
    let left = from_status == Some(ARCHIVED) && change.to_status != ARCHIVED;
    if entered || left {
        let delta: i64 = if entered { 1 } else { -1 };
        sqlx::query!(
            "UPDATE batches SET total_tasks_in_history = MAX(0, total_tasks_in_history + ?)
              WHERE batch_id = (SELECT batch_id FROM tasks WHERE task_id = ?)",
            delta,
            change.task_id
        )
        .execute(&mut *conn)
        .await?;
    }
    record(
        conn,
        change.task_id,
        change.at,
        from_status,
        change.to_status,
        cause,
    )
    .await
}

/// Adds one entry to a task's history.
pub async fn record(
    conn: &mut SqliteConnection,
    task_id: i64,
    at: i64,
    from_status: Option<i64>,
    to_status: i64,
    cause: &str,
) -> sqlx::Result<()> {
    sqlx::query!(
        "INSERT INTO task_transitions (task_id, at, from_status, to_status, cause)
         VALUES (?, ?, ?, ?, ?)",
        task_id,
        at,
        from_status,
        to_status,
        cause
    )
    .execute(conn)
    .await
    .map(|_| ())
}

/// One entry of a task's history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransitionRow {
    pub at: i64,
    pub from_status: Option<i64>,
    pub to_status: i64,
    pub cause: String,
}

/// A task's history, oldest first.
pub async fn history(
    conn: &mut SqliteConnection,
    task_id: i64,
) -> sqlx::Result<Vec<TransitionRow>> {
    sqlx::query_as!(
        TransitionRow,
        "SELECT at, from_status, to_status, cause FROM task_transitions
          WHERE task_id = ? ORDER BY transition_id",
        task_id
    )
    .fetch_all(conn)
    .await
}

/// Whether `code` is in the task status catalogue.
pub async fn is_task_status(conn: &mut SqliteConnection, code: i64) -> sqlx::Result<bool> {
    sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM task_statuses WHERE code = ?) AS "known!: bool""#,
        code
    )
    .fetch_one(conn)
    .await
}

/// Whether `code` is in the integration status catalogue.
pub async fn is_integration_status(conn: &mut SqliteConnection, code: i64) -> sqlx::Result<bool> {
    sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM integration_statuses WHERE code = ?) AS "known!: bool""#,
        code
    )
    .fetch_one(conn)
    .await
}

/// Sets a task's integration status (a forced status change).
pub async fn set_integration_status(
    conn: &mut SqliteConnection,
    task_id: i64,
    code: i64,
) -> sqlx::Result<()> {
    sqlx::query!(
        "UPDATE tasks SET integration_status = ? WHERE task_id = ?",
        code,
        task_id
    )
    .execute(conn)
    .await
    .map(|_| ())
}

/// The latest transition time, which the clock must not go back before (after a restart
/// on a database file).
pub async fn latest_transition(pool: &SqlitePool) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar!(r#"SELECT MAX(at) AS "latest: i64" FROM task_transitions"#)
        .fetch_one(pool)
        .await
}

impl LifecycleRow {
    /// The change that moves this task to `to_status` at `at`.
    pub fn change_to(&self, settings: &LifecycleSettings, to_status: i64, at: i64) -> StepChange {
        settings.change_to(
            self.task_id,
            self.restart_count,
            self.planned_outcome,
            self.document_url.as_deref(),
            to_status,
            at,
        )
    }
}
