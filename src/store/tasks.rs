//! Task queries. Every query is scoped to one organization (`tenant_id`) first; filters are
//! appended by `TaskFilter::push_predicate` with bound parameters only, and sorting comes
//! from `TaskSortKey`, never from the raw query string.

use sqlx::{QueryBuilder, Sqlite, SqliteConnection, SqliteExecutor, SqlitePool};

use crate::domain::page::{Page, PageRequest};
use crate::domain::sort::{SortOrder, TaskSortKey};
use crate::domain::task::TaskStatus;
use crate::domain::time::TaskTime;

/// The columns and joins that read a task: every query that reads tasks starts with this
/// text. `task_select!(...)` reads a `TaskRow` (the columns the API serves);
/// `task_select!(full ...)` adds the columns only sdemu keeps and reads a `FullTaskRow` (the
/// export). See the module documentation of `store` for how a fragment macro is called.
macro_rules! task_select {
    () => {
        $crate::store::tasks::task_select!($crate::store::sql_text!())
    };
    (full $($call:tt)*) => {
        $crate::store::tasks::task_select!(@columns [
            + ", t.external_integration_status, t.priority, t.context, t.task_assignment,
                 t.custom_form_values"
        ] $($call)*)
    };
    (@columns [$($columns:tt)*] $($m:ident)::+ !($($before:tt)*) $($after:tt)*) => {
        $($m)::+!($($before)*
            r#"SELECT t.task_id AS "task_id!", t.workspace_id, t.batch_id, t.task_number,
                 t.external_id, t.display_name, t.description, t.created_on, t.task_status,
                 t.integration_status, ts.name AS task_status_text,
                 ist.name AS integration_status_text, t.total_pages, t.restart_count,
                 t.pre_processing_started_on"#
            $($columns)*
            + "
               FROM tasks t
               JOIN task_statuses ts ON ts.code = t.task_status
               JOIN integration_statuses ist ON ist.code = t.integration_status "
            $($after)*)
    };
    ($($call:tt)*) => {
        $crate::store::tasks::task_select!(@columns [] $($call)*)
    };
}
pub(crate) use task_select;

/// The columns that write a task: every INSERT into `tasks` (Create Task, loading a dataset)
/// starts with this text and gives the stored columns in this order. `wire_json` may be
/// NULL: a trigger then writes it (see `json.rs`).
macro_rules! task_insert {
    () => {
        $crate::store::tasks::task_insert!($crate::store::sql_text!())
    };
    ($($m:ident)::+ !($($before:tt)*) $($after:tt)*) => {
        $($m)::+!($($before)*
            "INSERT INTO tasks (task_id, tenant_id, workspace_id, batch_id, task_number, \
             external_id, display_name, description, created_on, task_status, \
             integration_status, total_pages, restart_count, pre_processing_started_on, \
             external_integration_status, priority, context, task_assignment, \
             custom_form_values, wire_json) "
            $($after)*)
    };
}
pub(crate) use task_insert;

/// The same reads answered in wire JSON written by SQLite.
pub mod json;
/// `EXPLAIN QUERY PLAN` of every documented filter combination and sort key.
#[cfg(test)]
mod plans;

mod create;
pub use create::{create, create_queued, CreateError, CreatedTask, NewTask, QueuedRun};

/// The lists' filter, index ranges and order.
mod filter;
pub use filter::TaskFilter;
use filter::{order, push_ordered};

/// The Task Status List read a chunk of tasks at a time, for answers too large to build
/// whole.
pub mod stream;

/// A task as `task_select!` reads it, in storage units (times in Unix seconds). SQLite does
/// not tell sqlx that an `INTEGER PRIMARY KEY` is never NULL, so the fragment says so with an
/// override in the column's alias (`task_id!`), which is also the column's name when a
/// `QueryBuilder` reads it: hence the rename.
#[derive(Debug, Clone, sqlx::FromRow)]
pub(crate) struct TaskRow {
    #[sqlx(rename = "task_id!")]
    pub task_id: i64,
    pub workspace_id: i64,
    pub batch_id: Option<i64>,
    pub task_number: Option<i64>,
    pub external_id: Option<String>,
    pub display_name: String,
    pub description: Option<String>,
    pub created_on: i64,
    pub task_status: i64,
    pub integration_status: i64,
    pub task_status_text: String,
    pub integration_status_text: String,
    pub total_pages: i64,
    pub restart_count: Option<i64>,
    pub pre_processing_started_on: Option<i64>,
}

/// A task as `task_select!(full ...)` reads it: a `TaskRow`'s columns, then what sdemu keeps
/// beside them (the objects of a CreateTaskRequest as JSON text).
#[derive(Debug, Clone)]
pub(crate) struct FullTaskRow {
    pub task_id: i64,
    pub workspace_id: i64,
    pub batch_id: Option<i64>,
    pub task_number: Option<i64>,
    pub external_id: Option<String>,
    pub display_name: String,
    pub description: Option<String>,
    pub created_on: i64,
    pub task_status: i64,
    pub integration_status: i64,
    pub task_status_text: String,
    pub integration_status_text: String,
    pub total_pages: i64,
    pub restart_count: Option<i64>,
    pub pre_processing_started_on: Option<i64>,
    pub external_integration_status: String,
    pub priority: i64,
    pub context: Option<String>,
    pub task_assignment: Option<String>,
    pub custom_form_values: Option<String>,
}

impl From<TaskRow> for TaskStatus {
    fn from(row: TaskRow) -> Self {
        Self {
            task_id: row.task_id,
            workspace_id: row.workspace_id,
            batch_id: row.batch_id,
            task_number: row.task_number,
            external_id: row.external_id,
            display_name: row.display_name,
            description: row.description,
            created_on: TaskTime(row.created_on),
            task_status: row.task_status,
            integration_status: row.integration_status,
            task_status_text: row.task_status_text,
            integration_status_text: row.integration_status_text,
            total_pages: row.total_pages,
            restart_count: row.restart_count,
            pre_processing_started_on: row.pre_processing_started_on.map(TaskTime),
        }
    }
}

/// Every task matching `filter`, in `sort` order.
pub async fn list(
    pool: &SqlitePool,
    filter: &TaskFilter,
    sort: SortOrder<TaskSortKey>,
) -> sqlx::Result<Vec<TaskStatus>> {
    super::list(pool, filter, order(sort)).await
}

/// The page `page` of the tasks matching `filter`, in `sort` order, with how many match.
pub async fn page(
    pool: &SqlitePool,
    filter: &TaskFilter,
    sort: SortOrder<TaskSortKey>,
    page: PageRequest,
) -> sqlx::Result<Page<TaskStatus>> {
    super::count_and_page(pool, filter, order(sort), page).await
}

/// Which task a request names: by `taskId`, by `externalId`, or by both (then both must name
/// the same task). At least one is set.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TaskRef {
    pub task_id: Option<i64>,
    pub external_id: Option<String>,
}

/// Appends ` WHERE t.tenant_id = ? AND t.task_id = ? AND t.external_id = ?` (the parts given).
fn push_task_ref<'args>(
    query: &mut QueryBuilder<'args, Sqlite>,
    tenant_id: i64,
    task: &'args TaskRef,
) {
    query.push(" WHERE t.tenant_id = ").push_bind(tenant_id);
    if let Some(task_id) = task.task_id {
        query.push(" AND t.task_id = ").push_bind(task_id);
    }
    if let Some(external_id) = &task.external_id {
        query.push(" AND t.external_id = ").push_bind(external_id);
    }
}

/// The task `task` names in the organization `tenant_id`, if any.
pub async fn find<'c>(
    executor: impl SqliteExecutor<'c>,
    tenant_id: i64,
    task: &TaskRef,
) -> sqlx::Result<Option<TaskStatus>> {
    let mut query = QueryBuilder::new(task_select!());
    push_task_ref(&mut query, tenant_id, task);
    let row: Option<TaskRow> = query.build_query_as().fetch_optional(executor).await?;
    Ok(row.map(TaskStatus::from))
}

/// Puts the task `task_id` back in the pre-processing queue with a new run (`run`): one more
/// restart, `preProcessingStartedOn` = `run.at`, status 30 (QueuedForPreProcessing),
/// external integration status `never`, the step after the queue scheduled, the transition
/// from `from_status` recorded and an export still being delivered abandoned, in one round
/// trip (see `create_queued` for why). Callers find the task first in the same transaction
/// (its organization, its status). Returns whether a task was found.
pub async fn restart(
    conn: &mut SqliteConnection,
    task_id: i64,
    from_status: i64,
    run: &QueuedRun,
) -> sqlx::Result<bool> {
    let mut query = restarting(run);
    query.push(" WHERE t.task_id = ").push_bind(task_id);
    recording_restart(&mut query, from_status, run);
    query.push(" WHERE t.task_id = ").push_bind(task_id);
    abandoning_export(&mut query);
    query
        .push(" WHERE t.task_id = ")
        .push_bind(task_id)
        .push(")");
    let done = query.build().execute(conn).await?;
    Ok(done.rows_affected() > 0)
}

/// The `UPDATE` of a restart, up to its `WHERE`. The run's outcome is left to be drawn
/// when pre-processing starts.
fn restarting<'q>(run: &QueuedRun) -> QueryBuilder<'q, Sqlite> {
    let (next_status, next_step_at) = run.next.unzip();
    let mut query = QueryBuilder::new(
        "UPDATE tasks AS t SET restart_count = COALESCE(t.restart_count, 0) + 1, \
         task_status = 30, external_integration_status = 'never', planned_outcome = NULL, \
         next_status = ",
    );
    query.push_bind(next_status);
    query.push(", next_step_at = ").push_bind(next_step_at);
    query
        .push(", pre_processing_started_on = ")
        .push_bind(run.at);
    query
}

/// The third statement of a restart, up to the `WHERE` of its subquery over `tasks AS t`
/// (closed by the caller): a review's export whose webhook deliveries are still out is
/// abandoned, so that Get Export Data no longer answers for a task being processed again
/// and the deliveries' outcome, when it comes, changes nothing (it finds nothing pending).
fn abandoning_export(query: &mut QueryBuilder<'_, Sqlite>) {
    query.push(
        "; UPDATE task_exports SET pending = 0 WHERE pending = 1 AND task_id IN \
         (SELECT t.task_id FROM tasks AS t",
    );
}

/// The second statement of a restart, up to its `WHERE` (the UPDATE's own, so it records a
/// transition exactly when the UPDATE found the task).
fn recording_restart(query: &mut QueryBuilder<'_, Sqlite>, from_status: i64, run: &QueuedRun) {
    query.push(
        "; INSERT INTO task_transitions (task_id, at, from_status, to_status, cause) \
         SELECT t.task_id, ",
    );
    query.push_bind(run.at).push(", ").push_bind(from_status);
    query
        .push(", 30, ")
        .push_bind(run.cause)
        .push(" FROM tasks AS t");
}

/// Sets the client's external integration status. Returns whether a task was found.
pub async fn set_external_integration_status(
    conn: &mut SqliteConnection,
    tenant_id: i64,
    task: &TaskRef,
    value: &str,
) -> sqlx::Result<bool> {
    let mut query = QueryBuilder::new("UPDATE tasks AS t SET external_integration_status = ");
    query.push_bind(value.to_owned());
    push_task_ref(&mut query, tenant_id, task);
    let done = query.build().execute(conn).await?;
    Ok(done.rows_affected() > 0)
}

/// The task with this id, whatever its organization: for what acts for no caller (webhook
/// deliveries, the control plane).
pub async fn find_by_id(
    conn: &mut SqliteConnection,
    task_id: i64,
) -> sqlx::Result<Option<TaskStatus>> {
    let row = task_select!(sqlx::query_as!(TaskRow,) + "WHERE t.task_id = ?", task_id)
        .fetch_optional(conn)
        .await?;
    Ok(row.map(TaskStatus::from))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Listing;

    /// SQLite's plan for the list query with `filter` and the default order.
    async fn plan(filter: &TaskFilter) -> String {
        let pool = crate::db::open(None).await.unwrap();
        let mut query = QueryBuilder::new(TaskFilter::SELECT);
        filter.push_predicate(&mut query);
        order(SortOrder::default()).push(&mut query);
        crate::store::query_plan(&pool, query.sql())
            .await
            .join("\n")
    }

    #[tokio::test]
    async fn the_date_range_and_the_default_order_are_served_by_one_index() {
        let filter = TaskFilter {
            tenant_id: 1,
            created_from: Some(0),
            created_to: Some(10),
            ..TaskFilter::default()
        };
        let plan = plan(&filter).await;
        assert!(
            plan.contains("SEARCH t USING INDEX tasks_by_tenant_created"),
            "{plan}"
        );
        assert!(!plan.contains("TEMP B-TREE"), "no sort step: {plan}");
    }

    #[tokio::test]
    async fn every_filter_is_served_by_an_index() {
        let base = TaskFilter {
            tenant_id: 1,
            created_from: Some(0),
            ..TaskFilter::default()
        };
        let filters = [
            TaskFilter {
                task_statuses: vec![3, 4],
                ..base.clone()
            },
            TaskFilter {
                integration_statuses: vec![1],
                ..base.clone()
            },
            TaskFilter {
                workspace_ids: vec![1, 2],
                ..base.clone()
            },
            TaskFilter {
                external_integration_statuses: vec!["never".into()],
                ..base.clone()
            },
        ];
        for filter in filters {
            let plan = plan(&filter).await;
            assert!(plan.contains("SEARCH t USING"), "{filter:?}: {plan}");
            assert!(!plan.contains("SCAN t"), "{filter:?}: {plan}");
        }
    }
}
