//! The task reads that answer in JSON written by SQLite: each row is one `json_object(...)`,
//! already in the wire format (fields in the documented order, explicit nulls, no
//! `restartCount` until reprocessed, times as `2022-03-28T14:28:56Z`), so that no row crosses
//! into Rust one field at a time and nothing is serialised twice. The bytes are the bytes
//! `serde_json` writes for [`TaskStatus`](crate::domain::task::TaskStatus); a test compares
//! them over the demo data.

use sqlx::{QueryBuilder, Sqlite, SqlitePool};

use super::{order, TaskFilter, TaskRef};
use crate::domain::page::PageRequest;
use crate::domain::sort::{SortOrder, TaskSortKey};
use crate::store::Listing;

/// The fields every task object starts with, up to `totalPages`, as `json_object` arguments.
macro_rules! leading_fields {
    () => {
        "'taskId', t.task_id, 'workspaceId', t.workspace_id, 'batchId', t.batch_id, \
         'taskNumber', t.task_number, 'externalId', t.external_id, \
         'displayName', t.display_name, 'description', t.description, \
         'createdOn', strftime('%Y-%m-%dT%H:%M:%SZ', t.created_on, 'unixepoch'), \
         'taskStatus', t.task_status, 'integrationStatus', t.integration_status, \
         'taskStatusText', ts.name, 'integrationStatusText', ist.name, \
         'totalPages', t.total_pages"
    };
}

/// The last field, `preProcessingStartedOn`, as `json_object` arguments.
macro_rules! trailing_field {
    () => {
        "'preProcessingStartedOn', \
         strftime('%Y-%m-%dT%H:%M:%SZ', t.pre_processing_started_on, 'unixepoch')"
    };
}

/// One task object as JSON text, per row of `tasks t` joined to its catalogues.
const SELECT: &str = concat!(
    "SELECT CASE WHEN t.restart_count IS NULL THEN json_object(",
    leading_fields!(),
    ", ",
    trailing_field!(),
    ") ELSE json_object(",
    leading_fields!(),
    ", 'restartCount', t.restart_count, ",
    trailing_field!(),
    ") END \
     FROM tasks t \
     JOIN task_statuses ts ON ts.code = t.task_status \
     JOIN integration_statuses ist ON ist.code = t.integration_status "
);

/// `[` the objects `,`-separated `]`.
fn array(objects: Vec<String>) -> Vec<u8> {
    let length = objects.iter().map(|object| object.len() + 1).sum::<usize>() + 2;
    let mut out = Vec::with_capacity(length);
    out.push(b'[');
    for (index, object) in objects.iter().enumerate() {
        if index > 0 {
            out.push(b',');
        }
        out.extend_from_slice(object.as_bytes());
    }
    out.push(b']');
    out
}

/// The Task Status List's body: every task matching `filter`, in `sort` order.
pub async fn list(
    pool: &SqlitePool,
    filter: &TaskFilter,
    sort: SortOrder<TaskSortKey>,
) -> sqlx::Result<Vec<u8>> {
    let mut query = QueryBuilder::<Sqlite>::new(SELECT);
    filter.push_predicate(&mut query);
    order(sort).push(&mut query);
    let objects: Vec<String> = query.build_query_scalar().fetch_all(pool).await?;
    Ok(array(objects))
}

/// The items of page `page` (a JSON array) and how many tasks match in all, read in one
/// transaction so that they describe the same data.
pub async fn page(
    pool: &SqlitePool,
    filter: &TaskFilter,
    sort: SortOrder<TaskSortKey>,
    page: PageRequest,
) -> sqlx::Result<(Vec<u8>, i64)> {
    let mut tx = pool.begin().await?;
    let mut count = QueryBuilder::new(TaskFilter::COUNT);
    filter.push_predicate(&mut count);
    let total: i64 = count.build_query_scalar().fetch_one(&mut *tx).await?;
    let mut query = QueryBuilder::<Sqlite>::new(SELECT);
    filter.push_predicate(&mut query);
    order(sort).push(&mut query);
    query
        .push(" LIMIT ")
        .push_bind(page.size)
        .push(" OFFSET ")
        .push_bind(page.offset());
    let objects: Vec<String> = query.build_query_scalar().fetch_all(&mut *tx).await?;
    tx.commit().await?;
    Ok((array(objects), total))
}

/// The Task Status body of the task `task` names in the organization `tenant_id`, if any.
pub async fn find(
    pool: &SqlitePool,
    tenant_id: i64,
    task: &TaskRef,
) -> sqlx::Result<Option<Vec<u8>>> {
    let mut query = QueryBuilder::<Sqlite>::new(SELECT);
    super::push_task_ref(&mut query, tenant_id, task);
    let object: Option<String> = query.build_query_scalar().fetch_optional(pool).await?;
    Ok(object.map(String::into_bytes))
}
