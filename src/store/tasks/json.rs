//! The task reads that answer in JSON written by SQLite: each task's object is stored in the
//! wire format (fields in the documented order, explicit nulls, no `restartCount` until
//! reprocessed, times as `2022-03-28T14:28:56Z`) and kept current by triggers, and a list is
//! those objects joined by SQLite into one row, so that no task crosses into Rust one field
//! at a time and nothing is serialised per request. The bytes are the bytes
//! `serde_json` writes for [`TaskStatus`](crate::domain::task::TaskStatus); a test compares
//! them over the demo data.

use bytes::Bytes;
use sqlx::sqlite::SqliteRow;
use sqlx::{QueryBuilder, Row, Sqlite, SqlitePool};

use super::{TaskFilter, TaskRef};
use crate::domain::page::PageRequest;
use crate::domain::sort::{SortOrder, TaskSortKey};
use crate::store::Listing;

/// One task object as JSON text: the `wire_json` column, which triggers keep current on
/// every write (migration `20261202000007_task_wire_json.sql`, view `task_wire`).
pub(super) const OBJECT: &str = "t.wire_json";

/// The tables a list reads: the tasks, and their catalogues only when the sort key is a
/// catalogue name (the filters name codes; the stored objects carry the names already).
pub(super) fn from(sort: SortOrder<TaskSortKey>) -> &'static str {
    match sort.key {
        TaskSortKey::TaskStatusText | TaskSortKey::IntegrationStatusText => {
            " FROM tasks t \
             JOIN task_statuses ts ON ts.code = t.task_status \
             JOIN integration_statuses ist ON ist.code = t.integration_status "
        }
        _ => " FROM tasks t ",
    }
}

/// The JSON array of the objects a subquery yields, joined in SQLite: `[]` when none does
/// (`concat` reads the `NULL` of an empty `group_concat` as the empty string). The
/// brackets are added there, in one copy, so that the row's value is the whole body.
const ARRAY: &str = "concat('[', group_concat(object, ','), ']')";

/// A row whose first column is a body, kept whole as the body's bytes: the text SQLite
/// wrote is sent as it is, not copied into a `String` and again into the body (an answer
/// of 1,000 tasks is ~400 KB, and 32 of them can be in flight at once).
struct BodyRow(SqliteRow);

impl AsRef<[u8]> for BodyRow {
    fn as_ref(&self) -> &[u8] {
        // The column is always text (`ARRAY` is never NULL); `&[u8]` reads it without the
        // UTF-8 check a `&str` would repeat (SQLite's JSON text is UTF-8).
        self.0.try_get::<&[u8], _>(0).unwrap_or_default()
    }
}

/// The body in the first column of `row`, without copying it.
fn body(row: SqliteRow) -> Bytes {
    Bytes::from_owner(BodyRow(row))
}

/// The Task Status List's body: every task matching `filter`, in `sort` order.
///
/// SQLite joins the objects itself, so the answer crosses from SQLite's thread to the
/// handler as one row: sqlx sends rows one at a time between threads, and a row per task
/// cost more than the SQL did. See `joined` for the order.
pub async fn list(
    pool: &SqlitePool,
    filter: &TaskFilter,
    sort: SortOrder<TaskSortKey>,
) -> sqlx::Result<Bytes> {
    let mut query = joined(filter, sort);
    query.push(")");
    Ok(body(query.build().fetch_one(pool).await?))
}

/// [`list`]'s body when at most `most` tasks match `filter`, `None` when more do (an answer
/// to send in chunks, see [`super::stream`]).
///
/// The same statement as [`list`] with `LIMIT most + 1` in the subquery and a count of the
/// rows joined: a small answer costs what it did without the limit, and a large one is found
/// after `most + 1` objects instead of all of them.
pub async fn list_at_most(
    pool: &SqlitePool,
    filter: &TaskFilter,
    sort: SortOrder<TaskSortKey>,
    most: u32,
) -> sqlx::Result<Option<Bytes>> {
    let mut query = QueryBuilder::<Sqlite>::new("SELECT ");
    query.push(ARRAY).push(", COUNT(*) FROM (");
    super::push_ordered(&mut query, OBJECT, from(sort), filter, sort);
    query
        .push(" LIMIT ")
        .push_bind(i64::from(most) + 1)
        .push(")");
    let row = query.build().fetch_one(pool).await?;
    let count: i64 = row.try_get(1)?;
    Ok((count <= i64::from(most)).then(|| body(row)))
}

/// `SELECT concat('[', group_concat(object), ']') FROM (SELECT object ... WHERE ... ORDER BY ...` (the
/// ordered tasks of `push_ordered`), left open for a `LIMIT` before its closing parenthesis.
///
/// The objects are joined in the order the subquery delivers them. SQLite's documentation
/// calls group_concat's order arbitrary without an ORDER BY of its own, but that ORDER BY
/// sorts every object again in a temporary B-tree (measured: a 1,100-task list answered
/// 2.2x slower under load), while a subquery with ORDER BY under an aggregate is
/// never flattened (SQLite's flattening rule 16) and runs as a co-routine that yields its
/// rows in order (a compound subquery's merge of its ranges, too). tests/api/fast_path.rs holds SQLite to it: lists and pages in every sort
/// key, both directions, compared byte for byte with serde's, so an SQLite upgrade that
/// changed it would fail there.
pub(super) fn joined(
    filter: &TaskFilter,
    sort: SortOrder<TaskSortKey>,
) -> QueryBuilder<'static, Sqlite> {
    let mut query = QueryBuilder::<Sqlite>::new("SELECT ");
    query.push(ARRAY).push(" FROM (");
    super::push_ordered(&mut query, OBJECT, from(sort), filter, sort);
    query
}

/// The items of page `page` (a JSON array) and how many tasks match in all, read in one
/// transaction so that they describe the same data.
pub async fn page(
    pool: &SqlitePool,
    filter: &TaskFilter,
    sort: SortOrder<TaskSortKey>,
    page: PageRequest,
) -> sqlx::Result<(Bytes, i64)> {
    let mut tx = pool.begin().await?;
    let mut count = QueryBuilder::new(TaskFilter::COUNT);
    filter.push_predicate(&mut count);
    let total: i64 = count.build_query_scalar().fetch_one(&mut *tx).await?;
    let mut query = joined(filter, sort);
    query
        .push(" LIMIT ")
        .push_bind(page.size)
        .push(" OFFSET ")
        .push_bind(page.offset())
        .push(")");
    let row = query.build().fetch_one(&mut *tx).await?;
    tx.commit().await?;
    Ok((body(row), total))
}

/// The Task Status body of the task `task` names in the organization `tenant_id`, if any.
pub async fn find(
    pool: &SqlitePool,
    tenant_id: i64,
    task: &TaskRef,
) -> sqlx::Result<Option<Vec<u8>>> {
    let mut query = QueryBuilder::<Sqlite>::new("SELECT ");
    query.push(OBJECT).push(" FROM tasks t ");
    super::push_task_ref(&mut query, tenant_id, task);
    let object: Option<String> = query.build_query_scalar().fetch_optional(pool).await?;
    Ok(object.map(String::into_bytes))
}
