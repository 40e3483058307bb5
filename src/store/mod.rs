//! The SQL of each resource.
//!
//! Fixed statements are `sqlx::query!`-family macros, checked at compile time against the
//! schema the migrations build (offline, from the committed `.sqlx/` cache); dynamic filters
//! are built with `QueryBuilder` and bound parameters only. Rows are read into this module's
//! row types, in storage units (Unix seconds, ticks, 0/1), and mapped here into the domain's
//! wire types, so that `domain` knows nothing of SQL.
//!
//! SQL that several statements share (a resource's SELECT list and joins, its INSERT column
//! list) is written once, in a *fragment macro* next to the resource's queries, because the
//! compile-time-checked macros accept only string literals (joined with `+`), never a
//! constant. `task_select!(sqlx::query_as!(TaskRow,) + "WHERE t.task_id = ?", id)` calls
//! `sqlx::query_as!(TaskRow, <the fragment> + "WHERE t.task_id = ?", id)`; `task_select!()` is
//! the fragment alone as a `&'static str` (through `sql_text!`), for `QueryBuilder`.

/// The string literals a fragment macro gives (joined with `+`, as the sqlx macros take them)
/// as one `&'static str`, for `QueryBuilder`.
macro_rules! sql_text {
    ($first:literal $(+ $rest:literal)*) => {
        concat!($first $(, $rest)*)
    };
}
pub(crate) use sql_text;

use sqlx::sqlite::SqliteRow;
use sqlx::{FromRow, QueryBuilder, Sqlite, SqlitePool};

use crate::domain::page::{Page, PageRequest};

/// Batch queries: lookups, creation, the paginated list.
pub mod batches;
/// Loading, replacing and reading whole datasets (fixtures), and the status catalogues.
pub mod dataset;
/// Demo mode: the generator's state and the cap on the default organization's tasks.
pub mod demo;
/// Captured export payloads (a fixture's `exports` section).
pub mod exports;
/// File links: issued, looked up, deleted.
pub mod file_links;
/// The lifecycle: due steps, applying them, the transition history.
pub mod lifecycle;
/// Organizations: client credentials and the default organization.
pub mod organizations;
/// Transcript speakers: workspace lists, task lists, the lookups that scope them.
pub mod speakers;
/// Task queries: the list filters, sorting, single lookups.
pub mod tasks;
/// Access tokens, stored by hash, purged when expired.
pub mod tokens;
/// Invited users of organizations and workspaces.
pub mod users;
/// Webhook export configurations and the export state of tasks.
pub mod webhooks;
/// Workspace queries: the organization's workspaces and its default.
pub mod workspaces;
/// One writer at a time, in arrival order: the write gate every write transaction passes.
pub mod writer;

/// Whether the database answers a trivial query (readiness).
pub async fn database_answers(pool: &sqlx::SqlitePool) -> bool {
    sqlx::query("SELECT 1").execute(pool).await.is_ok()
}

/// ` AND column IN (?, ?, ...)`, or nothing for an empty list.
pub(crate) fn push_any_of<'args, T>(
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

/// ` AND column >= from AND column <= to`, each bound only when given (both inclusive).
pub(crate) fn push_range(
    query: &mut QueryBuilder<'_, Sqlite>,
    column: &'static str,
    from: Option<i64>,
    to: Option<i64>,
) {
    if let Some(from) = from {
        query
            .push(" AND ")
            .push(column)
            .push(" >= ")
            .push_bind(from);
    }
    if let Some(to) = to {
        query.push(" AND ").push(column).push(" <= ").push_bind(to);
    }
}

/// The order of a list: an SQL expression (from a sort key, never from the raw query string),
/// its direction, and the id column that breaks ties so that the order is total.
#[derive(Debug, Clone, Copy)]
pub(crate) struct OrderBy {
    pub expression: &'static str,
    pub descending: bool,
    pub id_column: &'static str,
}

impl OrderBy {
    /// ` ORDER BY expression ASC|DESC, id ASC` (the id left out when it is the expression).
    pub(crate) fn push(self, query: &mut QueryBuilder<'_, Sqlite>) {
        query
            .push(" ORDER BY ")
            .push(self.expression)
            .push(if self.descending { " DESC" } else { " ASC" });
        if self.expression != self.id_column {
            query.push(", ").push(self.id_column).push(" ASC");
        }
    }
}

/// A filtered list of one resource: what its rows are read from, and the predicate that its
/// list query and its count query share, so that the two can never disagree.
pub(crate) trait Listing {
    /// What one row of the list decodes to.
    type Row: for<'r> FromRow<'r, SqliteRow> + Send + Unpin;
    /// `SELECT <columns> FROM <tables and joins>`, without a WHERE clause.
    const SELECT: &'static str;
    /// `SELECT COUNT(*) FROM <the tables the predicate needs>`, without a WHERE clause.
    const COUNT: &'static str;

    /// Appends ` WHERE ...` to a query that starts with `SELECT` or `COUNT`.
    fn push_predicate(&self, query: &mut QueryBuilder<'_, Sqlite>);

    /// The list query: every matching row, in `order`.
    fn select(&self, order: OrderBy) -> QueryBuilder<'static, Sqlite> {
        let mut query = QueryBuilder::new(Self::SELECT);
        self.push_predicate(&mut query);
        order.push(&mut query);
        query
    }
}

/// Every row `listing` matches, in `order`, as `T`.
pub(crate) async fn list<L: Listing, T: From<L::Row>>(
    pool: &SqlitePool,
    listing: &L,
    order: OrderBy,
) -> sqlx::Result<Vec<T>> {
    let rows: Vec<L::Row> = listing
        .select(order)
        .build_query_as()
        .fetch_all(pool)
        .await?;
    Ok(rows.into_iter().map(T::from).collect())
}

/// The page `page` of the rows `listing` matches, in `order`, as `T`, with how many match in
/// all. The count and the page are read in one transaction, so they describe the same data.
pub(crate) async fn count_and_page<L: Listing, T: From<L::Row>>(
    pool: &SqlitePool,
    listing: &L,
    order: OrderBy,
    page: PageRequest,
) -> sqlx::Result<Page<T>> {
    let mut tx = pool.begin().await?;
    let mut count = QueryBuilder::new(L::COUNT);
    listing.push_predicate(&mut count);
    let total: i64 = count.build_query_scalar().fetch_one(&mut *tx).await?;

    let mut query = listing.select(order);
    query
        .push(" LIMIT ")
        .push_bind(page.size)
        .push(" OFFSET ")
        .push_bind(page.offset());
    let rows: Vec<L::Row> = query.build_query_as().fetch_all(&mut *tx).await?;
    tx.commit().await?;
    Ok(Page::new(
        rows.into_iter().map(T::from).collect(),
        page,
        total,
    ))
}

/// A unique index of the schema, by name, and how SQLite names it when it is violated.
///
/// SQLite reports no constraint name (sqlx's `DatabaseError::constraint()` is always `None`
/// for SQLite). Its extended result code says that a unique index was violated
/// (`SQLITE_CONSTRAINT_UNIQUE`, which sqlx reports as `ErrorKind::UniqueViolation`), and its
/// message says which, by the index's columns: `UNIQUE constraint failed: tasks.tenant_id,
/// tasks.external_id`. A test checks each index's columns against the migrated schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct UniqueIndex {
    /// The index's name in the migrations.
    pub name: &'static str,
    /// Its columns as SQLite's message lists them: `table.column, table.column`.
    pub columns: &'static str,
}

/// One external id per organization (`tasks_external_id_unique`).
pub(crate) const TASKS_EXTERNAL_ID_UNIQUE: UniqueIndex = UniqueIndex {
    name: "tasks_external_id_unique",
    columns: "tasks.tenant_id, tasks.external_id",
};

impl UniqueIndex {
    /// Whether `error` is a violation of this index (and not of another one).
    pub(crate) fn is_violated_by(&self, error: &sqlx::Error) -> bool {
        let sqlx::Error::Database(error) = error else {
            return false;
        };
        error.is_unique_violation()
            && error
                .message()
                .strip_prefix("UNIQUE constraint failed: ")
                .is_some_and(|columns| columns == self.columns)
    }
}

/// `EXPLAIN QUERY PLAN` of `sql` (one statement), one line per step, for the tests that
/// check a statement searches an index. Every parameter is bound to NULL: sdemu never stores
/// planner statistics (no `ANALYZE`), so the plan does not depend on the values. How many
/// there are is SQLite's own count, so `?` and numbered `?N` parameters both work.
#[cfg(test)]
pub(crate) async fn query_plan(pool: &SqlitePool, sql: &str) -> Vec<String> {
    use sqlx::{Either, Executor, Statement};

    let explain = format!("EXPLAIN QUERY PLAN {sql}");
    let parameters = match pool.prepare(&explain).await.unwrap().parameters() {
        Some(Either::Right(count)) => count,
        Some(Either::Left(types)) => types.len(),
        None => 0,
    };
    let mut query = sqlx::query_as::<_, (i64, i64, i64, String)>(&explain);
    for _ in 0..parameters {
        query = query.bind(None::<i64>);
    }
    let steps = query.fetch_all(pool).await.unwrap();
    steps.into_iter().map(|(_, _, _, detail)| detail).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn each_unique_index_lists_the_columns_the_schema_gives_it() {
        let pool = crate::db::open(None).await.unwrap();
        for index in [TASKS_EXTERNAL_ID_UNIQUE] {
            let table: String = sqlx::query_scalar(
                "SELECT tbl_name FROM sqlite_master WHERE type = 'index' AND name = ?",
            )
            .bind(index.name)
            .fetch_one(&pool)
            .await
            .unwrap();
            let columns: Vec<String> =
                sqlx::query_scalar("SELECT name FROM pragma_index_info(?) ORDER BY seqno")
                    .bind(index.name)
                    .fetch_all(&pool)
                    .await
                    .unwrap();
            let columns: Vec<String> = columns.iter().map(|c| format!("{table}.{c}")).collect();
            assert_eq!(columns.join(", "), index.columns, "{}", index.name);
        }
    }

    #[tokio::test]
    async fn a_unique_violation_is_told_apart_from_other_unique_violations() {
        let pool = crate::db::open(None).await.unwrap();
        let run = |sql: &'static str| sqlx::query(sql).execute(&pool);
        run(
            "INSERT INTO organizations (tenant_id, name, client_id, client_secret) \
             VALUES (1, 'a', 'a', 's')",
        )
        .await
        .unwrap();
        run(
            "INSERT INTO workspaces (workspace_id, tenant_id, workspace_name, task_type, \
             workspace_type, template_type) VALUES (1, 1, 'w', 0, 0, 0)",
        )
        .await
        .unwrap();
        let task = "INSERT INTO tasks (task_id, tenant_id, workspace_id, external_id, \
                    display_name, created_on, task_status, integration_status) \
                    VALUES (?, 1, 1, 'x', 't', 0, 3, 1)";
        sqlx::query(task).bind(1).execute(&pool).await.unwrap();

        let duplicate_external_id = sqlx::query(task).bind(2).execute(&pool).await.unwrap_err();
        assert!(TASKS_EXTERNAL_ID_UNIQUE.is_violated_by(&duplicate_external_id));
        let duplicate_client_id = run("INSERT INTO organizations (tenant_id, name, client_id, \
             client_secret) VALUES (2, 'b', 'a', 's')")
        .await
        .unwrap_err();
        assert!(duplicate_client_id
            .as_database_error()
            .unwrap()
            .is_unique_violation());
        assert!(!TASKS_EXTERNAL_ID_UNIQUE.is_violated_by(&duplicate_client_id));
        let not_unique = run("INSERT INTO tasks (task_id) VALUES (3)")
            .await
            .unwrap_err();
        assert!(!TASKS_EXTERNAL_ID_UNIQUE.is_violated_by(&not_unique));
    }
}
