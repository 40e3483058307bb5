//! Create Task's write: the task inserted already queued, its first transition recorded and
//! its stored object read back, in one round trip to SQLite's thread.
//!
//! Why one round trip: under load every write waits at the write gate for the one before
//! it, and each round trip of the writer in its turn (a statement sent to the connection's
//! thread, its answer waking the handler again) waits behind whatever else the process is
//! doing, so the turn lasts as long as its slowest round trip times their number. Create Task
//! took seven (insert, read the task, read its lifecycle row, update, record, begin, commit);
//! it now takes three (begin, this batch of statements, commit).

use sqlx::{Row, SqliteConnection, SqlitePool};

use crate::domain::lifecycle::{LifecycleSettings, QUEUED};
use crate::domain::time::TaskTime;
use crate::store::TASKS_EXTERNAL_ID_UNIQUE;

/// A task to create from a `CreateTaskRequest`, already validated.
#[derive(Debug, Clone)]
pub struct NewTask {
    pub tenant_id: i64,
    pub workspace_id: i64,
    pub batch_id: Option<i64>,
    pub external_id: Option<String>,
    /// `None`: the task is named `Task {taskId}`.
    pub display_name: Option<String>,
    pub description: Option<String>,
    pub priority: i64,
    pub created_on: TaskTime,
    /// JSON text of the request's objects.
    pub context: String,
    pub task_assignment: Option<String>,
    pub custom_form_values: Option<String>,
}

/// The start of a new task's processing run, decided by the lifecycle before the task
/// exists: the step after `QueuedForPreProcessing` does not depend on the task (its
/// outcome, which does, is drawn when pre-processing starts).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueuedRun {
    /// When the task entered the queue (its first transition).
    pub at: i64,
    /// The next step's status and due time; `None` when the lifecycle is off.
    pub next: Option<(i64, i64)>,
    /// The cause recorded with the first transition.
    pub cause: &'static str,
}

impl QueuedRun {
    /// The run a task starts at `at` under `settings`, recorded with `cause`.
    pub fn new(settings: &LifecycleSettings, at: i64, cause: &'static str) -> Self {
        Self {
            at,
            next: settings.after_queue(at),
            cause,
        }
    }
}

/// A task just created: its id and its object in the wire format (the answer's bytes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreatedTask {
    pub task_id: i64,
    pub wire_json: String,
}

/// Why a task could not be created.
#[derive(Debug)]
pub enum CreateError {
    /// Another task of the organization already has this `externalId`.
    DuplicateExternalId,
    /// The workspace is not (or no longer) a workspace of the organization.
    WorkspaceNotInOrganization,
    /// The batch is not (or no longer) a batch of the workspace.
    BatchNotInWorkspace,
    Database(sqlx::Error),
}

impl From<sqlx::Error> for CreateError {
    fn from(error: sqlx::Error) -> Self {
        if TASKS_EXTERNAL_ID_UNIQUE.is_violated_by(&error) {
            Self::DuplicateExternalId
        } else {
            Self::Database(error)
        }
    }
}

/// The statements of one creation, sent together. The INSERT checks that the workspace
/// belongs to the organization and the batch to the workspace, so a concurrent reset or
/// seed that removes either is reported as such, never as a foreign-key failure; it picks
/// the next task id (highest + 1, across organizations) and the workspace's next task
/// number, so creations cannot collide. Its columns are `task_insert!`'s and the run's.
/// The transition is recorded only when the INSERT inserted (`changes()`), and the last
/// statement reads back what the trigger `tasks_wire_json_after_insert` stored, found
/// through that transition (`last_insert_rowid()`), so a refused creation reads nothing.
/// The next id is a scalar subquery of its own: as `FROM (SELECT MAX(task_id) ... FROM
/// tasks)`, SQLite 3.46 pushed the WHERE's tests into that subquery, which then scanned
/// every task instead of reading the last one (about 50 ms a creation at 1,000,000 tasks).
const CREATE_QUEUED: &str = "\
INSERT INTO tasks (task_id, tenant_id, workspace_id, batch_id, task_number, external_id, \
    display_name, description, created_on, task_status, integration_status, total_pages, \
    restart_count, pre_processing_started_on, external_integration_status, priority, context, \
    task_assignment, custom_form_values, wire_json, next_status, next_step_at) \
SELECT n.id, ?1, ?2, ?3, \
    (SELECT COALESCE(MAX(task_number), 0) + 1 FROM tasks WHERE workspace_id = ?2), \
    ?4, COALESCE(?5, 'Task ' || n.id), ?6, ?7, ?14, 1, 0, NULL, ?7, 'never', ?8, ?9, ?10, ?11, \
    NULL, ?12, ?13 \
FROM (SELECT (SELECT COALESCE(MAX(task_id), 0) + 1 FROM tasks) AS id) AS n \
WHERE EXISTS (SELECT 1 FROM workspaces WHERE workspace_id = ?2 AND tenant_id = ?1) \
  AND (?3 IS NULL OR EXISTS (SELECT 1 FROM batches WHERE batch_id = ?3 AND workspace_id = ?2)); \
INSERT INTO task_transitions (task_id, at, from_status, to_status, cause) \
SELECT last_insert_rowid(), ?15, NULL, ?14, ?16 WHERE changes() = 1; \
SELECT t.task_id, t.wire_json FROM task_transitions r JOIN tasks t ON t.task_id = r.task_id \
WHERE r.transition_id = last_insert_rowid() AND changes() = 1;";

/// Inserts a new task queued for pre-processing with its run started, inside the caller's
/// write transaction, and returns its stored object. A refused task leaves the transaction
/// usable (nothing was written).
pub async fn create_queued(
    conn: &mut SqliteConnection,
    task: &NewTask,
    run: &QueuedRun,
) -> Result<CreatedTask, CreateError> {
    let (next_status, next_step_at) = run.next.unzip();
    let rows = sqlx::query(CREATE_QUEUED)
        .bind(task.tenant_id)
        .bind(task.workspace_id)
        .bind(task.batch_id)
        .bind(task.external_id.as_deref())
        .bind(task.display_name.as_deref())
        .bind(task.description.as_deref())
        .bind(task.created_on.0)
        .bind(task.priority)
        .bind(&task.context)
        .bind(task.task_assignment.as_deref())
        .bind(task.custom_form_values.as_deref())
        .bind(next_status)
        .bind(next_step_at)
        .bind(QUEUED)
        .bind(run.at)
        .bind(run.cause)
        .fetch_all(&mut *conn)
        .await?;
    if let Some(row) = rows.first() {
        return Ok(CreatedTask {
            task_id: row.try_get(0)?,
            wire_json: row.try_get(1)?,
        });
    }
    let workspace_found = sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM workspaces WHERE workspace_id = ? AND tenant_id = ?)
               AS "found!: bool""#,
        task.workspace_id,
        task.tenant_id,
    )
    .fetch_one(&mut *conn)
    .await?;
    Err(if workspace_found {
        CreateError::BatchNotInWorkspace
    } else {
        CreateError::WorkspaceNotInOrganization
    })
}

/// [`create_queued`] in a transaction of its own.
pub async fn create(
    pool: &SqlitePool,
    task: &NewTask,
    run: &QueuedRun,
) -> Result<CreatedTask, CreateError> {
    let mut tx = pool.begin().await?;
    let created = create_queued(&mut tx, task, run).await?;
    tx.commit().await?;
    Ok(created)
}

#[cfg(test)]
mod tests {
    use super::CREATE_QUEUED;

    /// The INSERT reads one end of an index for the next id and task number, whatever the
    /// number of tasks: no step of its plan scans `tasks`.
    #[tokio::test]
    async fn creating_a_task_reads_no_more_than_an_index_end_of_tasks() {
        let pool = crate::db::open(None).await.unwrap();
        let insert = CREATE_QUEUED.split(';').next().unwrap();
        let plan = crate::store::query_plan(&pool, insert).await;
        assert!(
            plan.iter().all(|step| !step.starts_with("SCAN tasks")),
            "{plan:#?}"
        );
        assert!(
            plan.iter()
                .any(|step| step.contains("tasks_by_workspace_number (workspace_id=?)")),
            "{plan:#?}"
        );
    }
}
