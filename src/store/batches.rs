//! Batch queries. A batch belongs to a workspace, and so to that workspace's organization:
//! every query joins the workspace and filters by its `tenant_id` first.

use sqlx::{QueryBuilder, Sqlite, SqliteConnection, SqliteExecutor, SqlitePool};

use super::{Listing, OrderBy};
use crate::domain::batch::Batch;
use crate::domain::page::{Page, PageRequest};
use crate::domain::sort::{BatchSortKey, SortOrder};
use crate::domain::time::BatchTime;

/// The columns and joins that read a batch: every query that reads batches starts with this
/// text and reads a `BatchRow`; `batch_select!(count)` is the same joins under `COUNT(*)`.
/// See the module documentation of `store` for how a fragment macro is called.
macro_rules! batch_select {
    () => {
        $crate::store::batches::batch_select!($crate::store::sql_text!())
    };
    (count) => {
        $crate::store::batches::batch_select!(@columns ["SELECT COUNT(*)"]
            $crate::store::sql_text!())
    };
    (@columns [$columns:literal] $($m:ident)::+ !($($before:tt)*) $($after:tt)*) => {
        $($m)::+!($($before)*
            $columns
            + " FROM batches b JOIN workspaces w ON w.workspace_id = b.workspace_id "
            $($after)*)
    };
    ($($call:tt)*) => {
        $crate::store::batches::batch_select!(@columns [
            r#"SELECT b.batch_id AS "batch_id!", b.workspace_id, b.display_name, b.description,
                 b.created_on_ticks,
                 (SELECT COUNT(*) FROM tasks t WHERE t.batch_id = b.batch_id)
                   AS "total_tasks!: i64",
                 b.total_tasks_in_history"#
        ] $($call)*)
    };
}
pub(crate) use batch_select;

/// The columns that write a batch: every INSERT into `batches` starts with this text.
macro_rules! batch_insert {
    () => {
        $crate::store::batches::batch_insert!($crate::store::sql_text!())
    };
    ($($m:ident)::+ !($($before:tt)*) $($after:tt)*) => {
        $($m)::+!($($before)*
            "INSERT INTO batches (batch_id, workspace_id, display_name, description, \
             created_on_ticks, total_tasks_in_history) "
            $($after)*)
    };
}
pub(crate) use batch_insert;

/// A batch as `batch_select!` reads it; its time in ticks. The renames are the sqlx overrides
/// in the fragment's aliases (see `TaskRow`): SQLite tells sqlx neither that the key is never
/// NULL nor the type of the count.
#[derive(Debug, Clone, sqlx::FromRow)]
pub(crate) struct BatchRow {
    #[sqlx(rename = "batch_id!")]
    pub batch_id: i64,
    pub workspace_id: i64,
    pub display_name: String,
    pub description: Option<String>,
    pub created_on_ticks: i64,
    #[sqlx(rename = "total_tasks!: i64")]
    pub total_tasks: i64,
    pub total_tasks_in_history: i64,
}

impl From<BatchRow> for Batch {
    fn from(row: BatchRow) -> Self {
        Self {
            batch_id: row.batch_id,
            workspace_id: row.workspace_id,
            display_name: row.display_name,
            description: row.description,
            created_on: BatchTime(row.created_on_ticks),
            total_tasks: row.total_tasks,
            total_tasks_in_history: row.total_tasks_in_history,
        }
    }
}

/// The filters of Get Batch Paginated; bounds are inclusive, in ticks.
#[derive(Debug, Clone, Default)]
pub struct BatchFilter {
    pub tenant_id: i64,
    pub created_from: Option<i64>,
    pub created_to: Option<i64>,
    pub workspace_ids: Vec<i64>,
}

impl Listing for BatchFilter {
    type Row = BatchRow;
    const SELECT: &'static str = batch_select!();
    const COUNT: &'static str = batch_select!(count);

    /// ` WHERE ...` over `batches b JOIN workspaces w`, the organization first.
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

/// The order of a batch list: by `sort`, ties broken by `batchId`.
fn order(sort: SortOrder<BatchSortKey>) -> OrderBy {
    let expression = match sort.key {
        BatchSortKey::BatchId => "b.batch_id",
        BatchSortKey::WorkspaceId => "b.workspace_id",
        BatchSortKey::DisplayName => "b.display_name",
        BatchSortKey::Description => "b.description",
        BatchSortKey::CreatedOn => "b.created_on_ticks",
        // The count's alias in `batch_select!`, quoted: it carries a sqlx override.
        BatchSortKey::TotalTasks => r#""total_tasks!: i64""#,
        BatchSortKey::TotalTasksInHistory => "b.total_tasks_in_history",
    };
    OrderBy {
        expression,
        descending: sort.descending,
        id_column: "b.batch_id",
    }
}

/// The batch `batch_id` if it belongs to the organization.
pub async fn find<'c>(
    executor: impl SqliteExecutor<'c>,
    tenant_id: i64,
    batch_id: i64,
) -> sqlx::Result<Option<Batch>> {
    let row = batch_select!(
        sqlx::query_as!(BatchRow,) + "WHERE w.tenant_id = ? AND b.batch_id = ?",
        tenant_id,
        batch_id,
    )
    .fetch_optional(executor)
    .await?;
    Ok(row.map(Batch::from))
}

/// A batch to create, already validated.
#[derive(Debug, Clone, Copy)]
pub struct NewBatch<'a> {
    pub tenant_id: i64,
    pub workspace_id: i64,
    pub display_name: &'a str,
    pub description: Option<&'a str>,
    pub created_on: BatchTime,
}

/// Creates an empty batch (id = highest + 1) in its workspace and returns it, in one
/// transaction that starts with the write. The INSERT itself checks that the workspace
/// belongs to the organization: `None` when it does not (or no longer does, after a
/// concurrent reset or seed), never a foreign-key failure.
pub async fn create(pool: &SqlitePool, batch: &NewBatch<'_>) -> sqlx::Result<Option<Batch>> {
    let mut tx = pool.begin().await?;
    let created = create_in(&mut tx, batch).await?;
    tx.commit().await?;
    Ok(created)
}

/// `create` inside a transaction the caller holds (demo mode's batches).
pub async fn create_in(
    conn: &mut SqliteConnection,
    batch: &NewBatch<'_>,
) -> sqlx::Result<Option<Batch>> {
    let created_on_ticks = batch.created_on.0;
    let inserted = batch_insert!(
        sqlx::query_scalar!()
            + "SELECT NULL, ?2, ?3, ?4, ?5, 0 \
         WHERE EXISTS (SELECT 1 FROM workspaces WHERE workspace_id = ?2 AND tenant_id = ?1) \
         RETURNING batch_id AS \"batch_id!\"",
        batch.tenant_id,
        batch.workspace_id,
        batch.display_name,
        batch.description,
        created_on_ticks,
    )
    .fetch_optional(&mut *conn)
    .await?;
    let Some(batch_id) = inserted else {
        return Ok(None);
    };
    find(conn, batch.tenant_id, batch_id).await
}

/// The page `page` of the organization's batches matching `filter`, in `sort` order, with how
/// many match.
pub async fn page(
    pool: &SqlitePool,
    filter: &BatchFilter,
    sort: SortOrder<BatchSortKey>,
    page: PageRequest,
) -> sqlx::Result<Page<Batch>> {
    super::count_and_page(pool, filter, order(sort), page).await
}

#[cfg(test)]
mod tests {
    /// `tasks_by_batch` holds only tasks with a batch (migration 20261203000014); the
    /// look-ups by batch must still search it rather than scan every task.
    #[tokio::test]
    async fn the_batch_look_ups_search_the_index_of_tasks_with_a_batch() {
        let pool = crate::db::open(None).await.unwrap();
        let definition: String = sqlx::query_scalar(
            "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = 'tasks_by_batch'",
        )
        .fetch_one(&pool)
        .await
        .unwrap();
        assert!(
            definition.ends_with("WHERE batch_id IS NOT NULL"),
            "{definition}"
        );
        // The batch list's count (`batch_select!`), the demo generator's clean-up and the
        // lifecycle's update of a batch's tasks.
        let look_ups = [
            "SELECT (SELECT COUNT(*) FROM tasks t WHERE t.batch_id = b.batch_id) FROM batches b",
            "SELECT 1 FROM batches WHERE NOT EXISTS \
             (SELECT 1 FROM tasks t WHERE t.batch_id = batches.batch_id)",
            "UPDATE tasks SET total_pages = 1 \
             WHERE batch_id = (SELECT batch_id FROM tasks WHERE task_id = 5)",
        ];
        for sql in look_ups {
            let plan = crate::store::query_plan(&pool, sql).await;
            assert!(
                plan.iter()
                    .any(|step| step.contains("USING COVERING INDEX tasks_by_batch (batch_id=?)")),
                "{sql}: {plan:?}"
            );
        }
    }
}
