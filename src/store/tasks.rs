//! Task queries. Every query is scoped to one organization (`tenant_id`) first; filters are
//! appended by `TaskFilter::push_predicate` with bound parameters only, and sorting comes
//! from `TaskSortKey`, never from the raw query string.

use serde::Serialize;
use sqlx::{FromRow, QueryBuilder, Sqlite, SqliteExecutor, SqlitePool};

use crate::domain::sort::{SortOrder, TaskSortKey};
use crate::domain::time::TaskTime;

/// A task as the API returns it (`GetTaskStatusResponse`): the row and the wire object are the
/// same, fields in the documented order. `batchId`, `taskNumber`, `externalId` and
/// `description` are written as `null` when unset; `restartCount` is left out until the task
/// has been reprocessed.
#[derive(Debug, Clone, PartialEq, Serialize, FromRow, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TaskStatus {
    pub task_id: i64,
    pub workspace_id: i64,
    #[schema(required = true)]
    pub batch_id: Option<i64>,
    #[schema(required = true)]
    pub task_number: Option<i64>,
    #[schema(required = true)]
    pub external_id: Option<String>,
    pub display_name: String,
    #[schema(required = true)]
    pub description: Option<String>,
    #[schema(inline)]
    pub created_on: TaskTime,
    pub task_status: i64,
    pub integration_status: i64,
    pub task_status_text: String,
    pub integration_status_text: String,
    #[schema(minimum = 0)]
    pub total_pages: i64,
    /// Absent until the task has been reprocessed; then how many times it was.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false, minimum = 1)]
    pub restart_count: Option<i64>,
    #[schema(required = true, inline)]
    pub pre_processing_started_on: Option<TaskTime>,
}

/// The SELECT list and joins that produce a `TaskStatus`; shared by every task query.
const SELECT_TASK_STATUS: &str = "SELECT t.task_id, t.workspace_id, t.batch_id, t.task_number, \
     t.external_id, t.display_name, t.description, t.created_on, t.task_status, \
     t.integration_status, ts.name AS task_status_text, ist.name AS integration_status_text, \
     t.total_pages, t.restart_count, t.pre_processing_started_on \
     FROM tasks t \
     JOIN task_statuses ts ON ts.code = t.task_status \
     JOIN integration_statuses ist ON ist.code = t.integration_status ";

/// The filters of the task list endpoints. Values of one field are alternatives (OR);
/// different fields all apply (AND); an empty list does not filter.
#[derive(Debug, Clone, Default)]
pub struct TaskFilter {
    pub tenant_id: i64,
    /// Inclusive lower bound on `createdOn`, in Unix seconds.
    pub created_from: Option<i64>,
    /// Inclusive upper bound on `createdOn`, in Unix seconds.
    pub created_to: Option<i64>,
    pub task_statuses: Vec<i64>,
    pub integration_statuses: Vec<i64>,
    pub workspace_ids: Vec<i64>,
    pub external_integration_statuses: Vec<String>,
}

impl TaskFilter {
    /// Appends ` WHERE ...` for this filter to a query over `tasks t`. The list and count
    /// queries both call this, so they can never disagree.
    pub fn push_predicate(&self, query: &mut QueryBuilder<'_, Sqlite>) {
        query
            .push(" WHERE t.tenant_id = ")
            .push_bind(self.tenant_id);
        super::push_range(query, "t.created_on", self.created_from, self.created_to);
        super::push_any_of(query, "t.task_status", &self.task_statuses);
        super::push_any_of(query, "t.integration_status", &self.integration_statuses);
        super::push_any_of(query, "t.workspace_id", &self.workspace_ids);
        super::push_any_of(
            query,
            "t.external_integration_status",
            &self.external_integration_statuses,
        );
    }
}

/// The SQL expression a sort key orders by. Never-reprocessed tasks sort as 0 restarts.
fn sort_expression(key: TaskSortKey) -> &'static str {
    match key {
        TaskSortKey::TaskId => "t.task_id",
        TaskSortKey::WorkspaceId => "t.workspace_id",
        TaskSortKey::BatchId => "t.batch_id",
        TaskSortKey::TaskNumber => "t.task_number",
        TaskSortKey::ExternalId => "t.external_id",
        TaskSortKey::DisplayName => "t.display_name",
        TaskSortKey::Description => "t.description",
        TaskSortKey::CreatedOn => "t.created_on",
        TaskSortKey::TaskStatus => "t.task_status",
        TaskSortKey::IntegrationStatus => "t.integration_status",
        TaskSortKey::TaskStatusText => "ts.name",
        TaskSortKey::IntegrationStatusText => "ist.name",
        TaskSortKey::TotalPages => "t.total_pages",
        TaskSortKey::RestartCount => "COALESCE(t.restart_count, 0)",
        TaskSortKey::PreProcessingStartedOn => "t.pre_processing_started_on",
    }
}

/// Appends ` ORDER BY <key> <direction>, t.task_id` so that the order is total and stable.
pub fn push_order(query: &mut QueryBuilder<'_, Sqlite>, sort: SortOrder<TaskSortKey>) {
    super::push_order_by(
        query,
        sort_expression(sort.key),
        sort.descending,
        "t.task_id",
    );
}

/// Every task matching `filter`, in `sort` order.
pub async fn list(
    pool: &SqlitePool,
    filter: &TaskFilter,
    sort: SortOrder<TaskSortKey>,
) -> sqlx::Result<Vec<TaskStatus>> {
    let mut query = QueryBuilder::new(SELECT_TASK_STATUS);
    filter.push_predicate(&mut query);
    push_order(&mut query, sort);
    query.build_query_as().fetch_all(pool).await
}

/// One page of the tasks matching `filter`, and how many match in all. Both queries run in
/// one read transaction, so the count and the page describe the same data.
pub async fn page(
    pool: &SqlitePool,
    filter: &TaskFilter,
    sort: SortOrder<TaskSortKey>,
    limit: i64,
    offset: i64,
) -> sqlx::Result<(Vec<TaskStatus>, i64)> {
    let mut tx = pool.begin().await?;
    let mut count = QueryBuilder::new("SELECT COUNT(*) FROM tasks t");
    filter.push_predicate(&mut count);
    let total: i64 = count.build_query_scalar().fetch_one(&mut *tx).await?;

    let mut query = QueryBuilder::new(SELECT_TASK_STATUS);
    filter.push_predicate(&mut query);
    push_order(&mut query, sort);
    super::push_page(&mut query, limit, offset);
    let items = query.build_query_as().fetch_all(&mut *tx).await?;
    tx.commit().await?;
    Ok((items, total))
}

/// Which task a request names: by `taskId`, by `externalId`, or by both (then both must name
/// the same task). At least one is set.
#[derive(Debug, Clone, PartialEq, Eq)]
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
    let mut query = QueryBuilder::new(SELECT_TASK_STATUS);
    push_task_ref(&mut query, tenant_id, task);
    query.build_query_as().fetch_optional(executor).await
}

/// Puts the task back in the pre-processing queue, in one statement: one more restart,
/// `preProcessingStartedOn` = `now`, status 30 (QueuedForPreProcessing) and external
/// integration status `never`. Returns whether a task was found.
pub async fn restart(
    pool: &SqlitePool,
    tenant_id: i64,
    task: &TaskRef,
    now: TaskTime,
) -> sqlx::Result<bool> {
    let mut query = QueryBuilder::new(
        "UPDATE tasks AS t SET restart_count = COALESCE(t.restart_count, 0) + 1, \
         task_status = 30, external_integration_status = 'never', pre_processing_started_on = ",
    );
    query.push_bind(now);
    push_task_ref(&mut query, tenant_id, task);
    let done = query.build().execute(pool).await?;
    Ok(done.rows_affected() > 0)
}

/// Sets the client's external integration status. Returns whether a task was found.
pub async fn set_external_integration_status(
    pool: &SqlitePool,
    tenant_id: i64,
    task: &TaskRef,
    value: &str,
) -> sqlx::Result<bool> {
    let mut query = QueryBuilder::new("UPDATE tasks AS t SET external_integration_status = ");
    query.push_bind(value.to_owned());
    push_task_ref(&mut query, tenant_id, task);
    let done = query.build().execute(pool).await?;
    Ok(done.rows_affected() > 0)
}

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
        match &error {
            sqlx::Error::Database(db)
                if db.is_unique_violation() && db.message().contains("external_id") =>
            {
                Self::DuplicateExternalId
            }
            _ => Self::Database(error),
        }
    }
}

/// Inserts a new task queued for pre-processing and returns it, in one transaction that
/// starts with the write (so it holds the write lock throughout). The INSERT itself checks
/// that the workspace belongs to the organization and the batch to the workspace, so a
/// concurrent reset or seed that removes either is reported as such, never as a foreign-key
/// failure. One statement picks the next task id (highest + 1, across organizations) and the
/// next task number of the workspace (highest + 1), so concurrent creations cannot collide.
pub async fn create(pool: &SqlitePool, task: &NewTask) -> Result<TaskStatus, CreateError> {
    let mut tx = pool.begin().await?;
    let inserted: Option<i64> = sqlx::query_scalar(
        "INSERT INTO tasks (task_id, tenant_id, workspace_id, batch_id, task_number, external_id, \
         display_name, description, created_on, task_status, integration_status, total_pages, \
         restart_count, pre_processing_started_on, external_integration_status, priority, \
         context, task_assignment, custom_form_values) \
         SELECT n.id, ?1, ?2, ?3, \
           (SELECT COALESCE(MAX(task_number), 0) + 1 FROM tasks WHERE workspace_id = ?2), \
           ?4, COALESCE(?5, 'Task ' || n.id), ?6, ?7, 30, 1, 0, NULL, ?7, 'never', ?8, ?9, ?10, ?11 \
         FROM (SELECT COALESCE(MAX(task_id), 0) + 1 AS id FROM tasks) AS n \
         WHERE EXISTS (SELECT 1 FROM workspaces WHERE workspace_id = ?2 AND tenant_id = ?1) \
           AND (?3 IS NULL OR EXISTS (SELECT 1 FROM batches WHERE batch_id = ?3 AND workspace_id = ?2)) \
         RETURNING task_id",
    )
    .bind(task.tenant_id)
    .bind(task.workspace_id)
    .bind(task.batch_id)
    .bind(&task.external_id)
    .bind(&task.display_name)
    .bind(&task.description)
    .bind(task.created_on)
    .bind(task.priority)
    .bind(&task.context)
    .bind(&task.task_assignment)
    .bind(&task.custom_form_values)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(task_id) = inserted else {
        let workspace_found: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM workspaces WHERE workspace_id = ? AND tenant_id = ?)",
        )
        .bind(task.workspace_id)
        .bind(task.tenant_id)
        .fetch_one(&mut *tx)
        .await?;
        return Err(if workspace_found {
            CreateError::BatchNotInWorkspace
        } else {
            CreateError::WorkspaceNotInOrganization
        });
    };
    let task_ref = TaskRef {
        task_id: Some(task_id),
        external_id: None,
    };
    let created = find(&mut *tx, task.tenant_id, &task_ref)
        .await?
        .ok_or(CreateError::Database(sqlx::Error::RowNotFound))?;
    tx.commit().await?;
    Ok(created)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// SQLite's plan for the list query with `filter` and the default order.
    async fn plan(filter: &TaskFilter) -> String {
        let pool = crate::db::open(None).await.unwrap();
        let mut query = QueryBuilder::new(format!("EXPLAIN QUERY PLAN {SELECT_TASK_STATUS}"));
        filter.push_predicate(&mut query);
        push_order(&mut query, SortOrder::default());
        let rows: Vec<(i64, i64, i64, String)> =
            query.build_query_as().fetch_all(&pool).await.unwrap();
        rows.into_iter()
            .map(|(_, _, _, detail)| detail)
            .collect::<Vec<_>>()
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
