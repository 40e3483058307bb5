//! Task queries. Every query is scoped to one organization (`tenant_id`) first; filters are
//! appended by `TaskFilter::push_predicate` with bound parameters only, and sorting comes
//! from `TaskSortKey`, never from the raw query string.

use serde::Serialize;
use sqlx::{FromRow, QueryBuilder, Sqlite, SqlitePool};

use crate::domain::sort::{SortOrder, TaskSortKey};
use crate::domain::time::TaskTime;

/// A task as the API returns it (`GetTaskStatusResponse`): the row and the wire object are the
/// same, fields in the documented order. `batchId`, `taskNumber`, `externalId` and
/// `description` are written as `null` when unset; `restartCount` is left out until the task
/// has been reprocessed.
#[derive(Debug, Clone, PartialEq, Serialize, FromRow)]
#[serde(rename_all = "camelCase")]
pub struct TaskStatus {
    pub task_id: i64,
    pub workspace_id: i64,
    pub batch_id: Option<i64>,
    pub task_number: Option<i64>,
    pub external_id: Option<String>,
    pub display_name: String,
    pub description: Option<String>,
    pub created_on: TaskTime,
    pub task_status: i64,
    pub integration_status: i64,
    pub task_status_text: String,
    pub integration_status_text: String,
    pub total_pages: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub restart_count: Option<i64>,
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
        if let Some(from) = self.created_from {
            query.push(" AND t.created_on >= ").push_bind(from);
        }
        if let Some(to) = self.created_to {
            query.push(" AND t.created_on <= ").push_bind(to);
        }
        push_any_of(query, "t.task_status", &self.task_statuses);
        push_any_of(query, "t.integration_status", &self.integration_statuses);
        push_any_of(query, "t.workspace_id", &self.workspace_ids);
        push_any_of(
            query,
            "t.external_integration_status",
            &self.external_integration_statuses,
        );
    }
}

/// ` AND column IN (?, ?, ...)`, or nothing for an empty list.
fn push_any_of<'args, T>(
    query: &mut QueryBuilder<'args, Sqlite>,
    column: &'static str,
    values: &[T],
) where
    T: 'args + Clone + Send + sqlx::Encode<'args, Sqlite> + sqlx::Type<Sqlite>,
{
    if values.is_empty() {
        return;
    }
    query.push(" AND ").push(column).push(" IN (");
    let mut separated = query.separated(", ");
    for value in values {
        separated.push_bind(value.clone());
    }
    separated.push_unseparated(")");
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
    query
        .push(" ORDER BY ")
        .push(sort_expression(sort.key))
        .push(if sort.descending { " DESC" } else { " ASC" });
    if sort.key != TaskSortKey::TaskId {
        query.push(", t.task_id ASC");
    }
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

/// One page of the tasks matching `filter`, and how many match in all.
pub async fn page(
    pool: &SqlitePool,
    filter: &TaskFilter,
    sort: SortOrder<TaskSortKey>,
    limit: i64,
    offset: i64,
) -> sqlx::Result<(Vec<TaskStatus>, i64)> {
    let mut count = QueryBuilder::new("SELECT COUNT(*) FROM tasks t");
    filter.push_predicate(&mut count);
    let total: i64 = count.build_query_scalar().fetch_one(pool).await?;

    let mut query = QueryBuilder::new(SELECT_TASK_STATUS);
    filter.push_predicate(&mut query);
    push_order(&mut query, sort);
    query
        .push(" LIMIT ")
        .push_bind(limit)
        .push(" OFFSET ")
        .push_bind(offset);
    let items = query.build_query_as().fetch_all(pool).await?;
    Ok((items, total))
}
