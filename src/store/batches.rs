//! Batch queries. A batch belongs to a workspace, and so to that workspace's organization:
//! every query joins the workspace and filters by its `tenant_id` first.

use serde::Serialize;
use sqlx::{FromRow, QueryBuilder, Sqlite, SqliteExecutor, SqlitePool};

use crate::domain::sort::{BatchSortKey, SortOrder};
use crate::domain::time::BatchTime;

/// A batch as the API returns it (`GetBatchResponse`), fields in the documented order.
/// `totalTasks` counts the tasks that name the batch; `totalTasksInHistory` is stored.
#[derive(Debug, Clone, PartialEq, Serialize, FromRow, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Batch {
    pub batch_id: i64,
    pub workspace_id: i64,
    pub display_name: String,
    #[schema(required = true)]
    pub description: Option<String>,
    #[schema(inline)]
    pub created_on: BatchTime,
    pub total_tasks: i64,
    pub total_tasks_in_history: i64,
}

const SELECT_BATCH: &str = "SELECT b.batch_id, b.workspace_id, b.display_name, b.description, \
     b.created_on_ticks AS created_on, \
     (SELECT COUNT(*) FROM tasks t WHERE t.batch_id = b.batch_id) AS total_tasks, \
     b.total_tasks_in_history \
     FROM batches b JOIN workspaces w ON w.workspace_id = b.workspace_id ";

/// The filters of Get Batch Paginated; bounds are inclusive, in ticks.
#[derive(Debug, Clone, Default)]
pub struct BatchFilter {
    pub tenant_id: i64,
    pub created_from: Option<i64>,
    pub created_to: Option<i64>,
    pub workspace_ids: Vec<i64>,
}

impl BatchFilter {
    /// Appends ` WHERE ...` over `batches b JOIN workspaces w`; shared by page and count.
    fn push_predicate(&self, query: &mut QueryBuilder<'_, Sqlite>) {
        query
            .push(" WHERE w.tenant_id = ")
            .push_bind(self.tenant_id);
        super::push_range(
            query,
            "b.created_on_ticks",
            self.created_from,
            self.created_to,
        );
        super::push_any_of(query, "b.workspace_id", &self.workspace_ids);
    }
}

fn sort_expression(key: BatchSortKey) -> &'static str {
    match key {
        BatchSortKey::BatchId => "b.batch_id",
        BatchSortKey::WorkspaceId => "b.workspace_id",
        BatchSortKey::DisplayName => "b.display_name",
        BatchSortKey::Description => "b.description",
        BatchSortKey::CreatedOn => "b.created_on_ticks",
        BatchSortKey::TotalTasks => "total_tasks",
        BatchSortKey::TotalTasksInHistory => "b.total_tasks_in_history",
    }
}

/// The batch `batch_id` if it belongs to the organization.
pub async fn find<'c>(
    executor: impl SqliteExecutor<'c>,
    tenant_id: i64,
    batch_id: i64,
) -> sqlx::Result<Option<Batch>> {
    let mut query = QueryBuilder::new(SELECT_BATCH);
    query
        .push(" WHERE w.tenant_id = ")
        .push_bind(tenant_id)
        .push(" AND b.batch_id = ")
        .push_bind(batch_id);
    query.build_query_as().fetch_optional(executor).await
}

/// Creates an empty batch (id = highest + 1) in `workspace_id` and returns it, in one
/// transaction that starts with the write. The INSERT itself checks that the workspace
/// belongs to the organization: `None` when it does not (or no longer does, after a
/// concurrent reset or seed), never a foreign-key failure.
pub async fn create(
    pool: &SqlitePool,
    tenant_id: i64,
    workspace_id: i64,
    display_name: &str,
    description: Option<&str>,
    created_on: BatchTime,
) -> sqlx::Result<Option<Batch>> {
    let mut tx = pool.begin().await?;
    let inserted: Option<i64> = sqlx::query_scalar(
        "INSERT INTO batches (batch_id, workspace_id, display_name, description, \
         created_on_ticks, total_tasks_in_history) \
         SELECT NULL, ?2, ?3, ?4, ?5, 0 \
         WHERE EXISTS (SELECT 1 FROM workspaces WHERE workspace_id = ?2 AND tenant_id = ?1) \
         RETURNING batch_id",
    )
    .bind(tenant_id)
    .bind(workspace_id)
    .bind(display_name)
    .bind(description)
    .bind(created_on)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(batch_id) = inserted else {
        return Ok(None);
    };
    let batch = find(&mut *tx, tenant_id, batch_id).await?;
    tx.commit().await?;
    Ok(batch)
}

/// One page of the organization's batches matching `filter`, and how many match in all, read
/// in one transaction. Ties are broken by `batchId` so the order is total.
pub async fn page(
    pool: &SqlitePool,
    filter: &BatchFilter,
    sort: SortOrder<BatchSortKey>,
    limit: i64,
    offset: i64,
) -> sqlx::Result<(Vec<Batch>, i64)> {
    let mut tx = pool.begin().await?;
    let mut count = QueryBuilder::new(
        "SELECT COUNT(*) FROM batches b JOIN workspaces w ON w.workspace_id = b.workspace_id",
    );
    filter.push_predicate(&mut count);
    let total: i64 = count.build_query_scalar().fetch_one(&mut *tx).await?;

    let mut query = QueryBuilder::new(SELECT_BATCH);
    filter.push_predicate(&mut query);
    super::push_order_by(
        &mut query,
        sort_expression(sort.key),
        sort.descending,
        "b.batch_id",
    );
    super::push_page(&mut query, limit, offset);
    let items = query.build_query_as().fetch_all(&mut *tx).await?;
    tx.commit().await?;
    Ok((items, total))
}
