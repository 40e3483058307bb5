//! Whole-dataset operations: what start-up, reset and seed do to the database, and the
//! export that `GET /_emulator/state` serves.

mod bulk;
mod export;
mod reset;
mod stream;

use std::collections::HashMap;

use sqlx::{QueryBuilder, Sqlite, SqliteConnection, SqlitePool};

use super::batches::batch_insert;
use super::tasks::task_insert;
use crate::domain::fixture::dataset::Task;
use crate::domain::fixture::{CatalogueEntry, Catalogues, Dataset};
use crate::domain::task::TaskStatusRef;
use crate::domain::time::TaskTime;

pub use export::{export, export_without_tasks};
pub use reset::{restore_startup, StartupTasks};
pub use stream::StartupLoad;

/// Rows per multi-row INSERT: well under SQLite's limit of 32,766 bound parameters even for
/// the 19 columns of a task.
const INSERT_CHUNK: usize = 500;

/// Bytes reserved for a task's stored object (most are 300-400).
const WIRE_OBJECT_CAPACITY: usize = 512;

/// The documented catalogue entries (the rows the schema itself inserts).
pub async fn builtin_catalogues(pool: &SqlitePool) -> sqlx::Result<Catalogues> {
    let task_statuses =
        sqlx::query!(r#"SELECT code AS "code!", name FROM task_statuses WHERE builtin = 1"#)
            .fetch_all(pool)
            .await?;
    let integration_statuses =
        sqlx::query!(r#"SELECT code AS "code!", name FROM integration_statuses WHERE builtin = 1"#)
            .fetch_all(pool)
            .await?;
    Ok(Catalogues {
        task_statuses: task_statuses
            .into_iter()
            .map(|e| (e.code, e.name))
            .collect(),
        integration_statuses: integration_statuses
            .into_iter()
            .map(|e| (e.code, e.name))
            .collect(),
    })
}

/// Whether the database holds no data yet (a new file, or memory before seeding).
pub async fn is_empty(pool: &SqlitePool) -> sqlx::Result<bool> {
    let any = sqlx::query_scalar!(r#"SELECT EXISTS (SELECT 1 FROM organizations) AS "any!: bool""#)
        .fetch_one(pool)
        .await?;
    Ok(!any)
}

/// When loading the start-up data set builds the task indexes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskIndexes {
    /// Entry by entry, as each task goes in.
    AsTasksGoIn,
    /// Once every task is in, from the sorted rows (`store/dataset/bulk.rs`): smaller
    /// indexes, worth it where they are held in memory.
    AfterTheTasks,
}

/// Loads the start-up data set into an empty database, in one transaction: it is what
/// `POST /_emulator/reset` restores, so nothing counts as changed yet. The same steps as a
/// load whose tasks come as they are read ([`StartupLoad`]), with every task at once.
pub async fn load_startup(
    pool: &SqlitePool,
    dataset: &Dataset,
    indexes: TaskIndexes,
) -> sqlx::Result<()> {
    let mut load = StartupLoad::begin(pool, indexes).await?;
    load.insert_parents(dataset).await?;
    load.insert_tasks(&dataset.tasks).await?;
    load.finish(dataset, false).await
}

/// Replaces everything (but the documented catalogue entries) with `dataset`, in one
/// transaction: on any error nothing changes. The next reset rewrites everything.
pub async fn replace(pool: &SqlitePool, dataset: &Dataset) -> sqlx::Result<()> {
    let mut tx = pool.begin().await?;
    reset::save_startup_tasks(&mut tx).await?;
    reset::mark_everything_changed(&mut tx).await?;
    replace_in(&mut tx, dataset).await?;
    tx.commit().await
}

/// Start-up found a database file that already held data: nothing in it is known to match
/// the start-up data set, so the first reset rewrites everything.
pub async fn forget_startup_match(pool: &SqlitePool) -> sqlx::Result<()> {
    let mut conn = pool.acquire().await?;
    reset::mark_everything_changed(&mut conn).await
}

/// Deletes everything, then inserts `dataset`.
async fn replace_in(conn: &mut SqliteConnection, dataset: &Dataset) -> sqlx::Result<()> {
    clear(conn).await?;
    insert(conn, dataset).await
}

/// Deletes every row a dataset can add, children first, and the files behind every link
/// issued so far. Access tokens are not part of a dataset and are never deleted here: tokens
/// issued before a reset keep working for the organizations the new data still has.
async fn clear(conn: &mut SqliteConnection) -> sqlx::Result<()> {
    clear_task_children(conn).await?;
    sqlx::query!("DELETE FROM tasks")
        .execute(&mut *conn)
        .await?;
    sqlx::query!("DELETE FROM batches")
        .execute(&mut *conn)
        .await?;
    sqlx::query!("DELETE FROM workspaces")
        .execute(&mut *conn)
        .await?;
    sqlx::query!("DELETE FROM organizations")
        .execute(&mut *conn)
        .await?;
    clear_catalogues(conn).await
}

/// Deletes what hangs off the workspaces and tasks (webhook configurations, captured export
/// payloads, speaker lists, invited users, transitions, export states) and the files behind
/// every link issued so far, whichever tasks stay.
async fn clear_task_children(conn: &mut SqliteConnection) -> sqlx::Result<()> {
    super::webhooks::clear(&mut *conn).await?;
    super::exports::clear(&mut *conn).await?;
    super::speakers::clear(&mut *conn).await?;
    super::users::clear(&mut *conn).await?;
    // The files of the tasks that go: their links answer 404 from now on.
    super::file_links::delete_all(&mut *conn).await?;
    sqlx::query!("DELETE FROM task_transitions")
        .execute(&mut *conn)
        .await?;
    sqlx::query!("DELETE FROM task_exports")
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Deletes the catalogue additions (the documented entries stay).
async fn clear_catalogues(conn: &mut SqliteConnection) -> sqlx::Result<()> {
    sqlx::query!("DELETE FROM task_statuses WHERE builtin = 0")
        .execute(&mut *conn)
        .await?;
    sqlx::query!("DELETE FROM integration_statuses WHERE builtin = 0")
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// How many tasks are stored, of every organization.
pub async fn task_count(conn: &mut SqliteConnection) -> sqlx::Result<usize> {
    let count = sqlx::query_scalar!(r#"SELECT COUNT(*) AS "count!: i64" FROM tasks"#)
        .fetch_one(conn)
        .await?;
    Ok(usize::try_from(count).unwrap_or(0))
}

/// Inserts a validated dataset, parents first.
pub async fn insert(conn: &mut SqliteConnection, dataset: &Dataset) -> sqlx::Result<()> {
    insert_parents(conn, dataset).await?;
    insert_tasks(conn, &dataset.tasks.iter().collect::<Vec<_>>()).await?;
    insert_task_children(conn, dataset).await
}

/// What the tasks point at: catalogue additions, organizations, workspaces, batches.
async fn insert_parents(conn: &mut SqliteConnection, dataset: &Dataset) -> sqlx::Result<()> {
    insert_catalogues(conn, dataset).await?;
    insert_organizations(conn, dataset).await?;
    insert_workspaces(conn, dataset).await?;
    insert_batches(conn, dataset).await
}

async fn insert_catalogues(conn: &mut SqliteConnection, dataset: &Dataset) -> sqlx::Result<()> {
    insert_catalogue(conn, "task_statuses", &dataset.task_statuses).await?;
    insert_catalogue(conn, "integration_statuses", &dataset.integration_statuses).await
}

async fn insert_organizations(conn: &mut SqliteConnection, dataset: &Dataset) -> sqlx::Result<()> {
    for chunk in dataset.organizations.chunks(INSERT_CHUNK) {
        QueryBuilder::<Sqlite>::new(
            "INSERT INTO organizations (tenant_id, name, client_id, client_secret, is_default) ",
        )
        .push_values(chunk, |mut row, o| {
            row.push_bind(o.tenant_id)
                .push_bind(&o.name)
                .push_bind(&o.client_id)
                .push_bind(&o.client_secret)
                .push_bind(o.is_default);
        })
        .build()
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

async fn insert_workspaces(conn: &mut SqliteConnection, dataset: &Dataset) -> sqlx::Result<()> {
    for chunk in dataset.workspaces.chunks(INSERT_CHUNK) {
        QueryBuilder::<Sqlite>::new(
            "INSERT INTO workspaces (workspace_id, tenant_id, workspace_name, workspace_description, \
             is_default, task_type, workspace_type, template_type, workspace_template_name, \
             delete_files_after_review) ",
        )
        .push_values(chunk, |mut row, w| {
            row.push_bind(w.workspace_id)
                .push_bind(w.tenant_id)
                .push_bind(&w.workspace_name)
                .push_bind(&w.workspace_description)
                .push_bind(w.is_default)
                .push_bind(w.task_type)
                .push_bind(w.workspace_type)
                .push_bind(w.template_type)
                .push_bind(&w.workspace_template_name)
                .push_bind(w.delete_files_after_review);
        })
        .build()
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

async fn insert_batches(conn: &mut SqliteConnection, dataset: &Dataset) -> sqlx::Result<()> {
    for chunk in dataset.batches.chunks(INSERT_CHUNK) {
        QueryBuilder::<Sqlite>::new(batch_insert!())
            .push_values(chunk, |mut row, b| {
                row.push_bind(b.batch_id)
                    .push_bind(b.workspace_id)
                    .push_bind(&b.display_name)
                    .push_bind(&b.description)
                    .push_bind(b.created_on_ticks)
                    .push_bind(b.total_tasks_in_history);
            })
            .build()
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Each task's stored object is written here by serde (the reference the view that the
/// trigger uses is tested against), so that loading does not rewrite every row.
async fn insert_tasks(conn: &mut SqliteConnection, tasks: &[&Task]) -> sqlx::Result<()> {
    if tasks.is_empty() {
        return Ok(());
    }
    let names = CatalogueNames::read(conn).await?;
    insert_named_tasks(conn, &names, tasks).await
}

/// Like `insert_tasks`, the catalogue names already read.
async fn insert_named_tasks<T: std::borrow::Borrow<Task>>(
    conn: &mut SqliteConnection,
    names: &CatalogueNames,
    tasks: &[T],
) -> sqlx::Result<()> {
    for chunk in tasks.chunks(INSERT_CHUNK) {
        QueryBuilder::<Sqlite>::new(task_insert!())
            .push_values(chunk, |mut row, t| {
                let t: &Task = t.borrow();
                row.push_bind(t.task_id)
                    .push_bind(t.tenant_id)
                    .push_bind(t.workspace_id)
                    .push_bind(t.batch_id)
                    .push_bind(t.task_number)
                    .push_bind(&t.external_id)
                    .push_bind(&t.display_name)
                    .push_bind(&t.description)
                    .push_bind(t.created_on)
                    .push_bind(t.task_status)
                    .push_bind(t.integration_status)
                    .push_bind(t.total_pages)
                    .push_bind(t.restart_count)
                    .push_bind(t.pre_processing_started_on)
                    .push_bind(&t.external_integration_status)
                    .push_bind(t.priority)
                    .push_bind(&t.context)
                    .push_bind(&t.task_assignment)
                    .push_bind(&t.custom_form_values)
                    .push_bind(names.wire_object(t));
            })
            .build()
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// What hangs off the workspaces and tasks: webhook configurations, captured export
/// payloads, speaker lists and invited users.
async fn insert_task_children(conn: &mut SqliteConnection, dataset: &Dataset) -> sqlx::Result<()> {
    // Those with their own id first, so that a new id never takes one the document gives.
    let (own, new): (Vec<_>, Vec<_>) = dataset
        .webhooks
        .iter()
        .partition(|webhook| webhook.webhook_id.is_some());
    for webhook in own.into_iter().chain(new) {
        super::webhooks::insert_as(&mut *conn, webhook.webhook_id, &webhook.spec).await?;
    }
    super::exports::insert(&mut *conn, &dataset.exports).await?;
    super::speakers::insert(&mut *conn, &dataset.speakers).await?;
    super::users::insert(&mut *conn, &dataset.users).await
}

/// Every catalogue entry's name by code, documented and added.
struct CatalogueNames {
    task_statuses: HashMap<i64, String>,
    integration_statuses: HashMap<i64, String>,
}

impl CatalogueNames {
    async fn read(conn: &mut SqliteConnection) -> sqlx::Result<Self> {
        let task_statuses = sqlx::query!(r#"SELECT code AS "code!", name FROM task_statuses"#)
            .fetch_all(&mut *conn)
            .await?;
        let integration_statuses =
            sqlx::query!(r#"SELECT code AS "code!", name FROM integration_statuses"#)
                .fetch_all(&mut *conn)
                .await?;
        Ok(Self {
            task_statuses: task_statuses
                .into_iter()
                .map(|r| (r.code, r.name))
                .collect(),
            integration_statuses: integration_statuses
                .into_iter()
                .map(|r| (r.code, r.name))
                .collect(),
        })
    }

    /// `task`'s object as the API writes it (NULL, for the trigger, if a code had no name:
    /// the foreign keys refuse such a task anyway).
    fn wire_object(&self, task: &Task) -> Option<String> {
        let status = TaskStatusRef {
            task_id: task.task_id,
            workspace_id: task.workspace_id,
            batch_id: task.batch_id,
            task_number: task.task_number,
            external_id: task.external_id.as_deref(),
            display_name: &task.display_name,
            description: task.description.as_deref(),
            created_on: TaskTime(task.created_on),
            task_status: task.task_status,
            integration_status: task.integration_status,
            task_status_text: self.task_statuses.get(&task.task_status)?,
            integration_status_text: self.integration_statuses.get(&task.integration_status)?,
            total_pages: task.total_pages,
            restart_count: task.restart_count,
            pre_processing_started_on: task.pre_processing_started_on.map(TaskTime),
        };
        // Sized for a usual object, so that writing it rarely grows the buffer.
        let mut object = Vec::with_capacity(WIRE_OBJECT_CAPACITY);
        serde_json::to_writer(&mut object, &status).ok()?;
        // serde_json writes UTF-8 only.
        String::from_utf8(object).ok()
    }
}

async fn insert_catalogue(
    conn: &mut SqliteConnection,
    table: &'static str,
    entries: &[CatalogueEntry],
) -> sqlx::Result<()> {
    if entries.is_empty() {
        return Ok(());
    }
    // `table` is one of two fixed names chosen by the caller, never user input.
    QueryBuilder::<Sqlite>::new(format!("INSERT INTO {table} (code, name, builtin) "))
        .push_values(entries, |mut row, entry| {
            row.push_bind(entry.code)
                .push_bind(&entry.name)
                .push_bind(false);
        })
        .build()
        .execute(conn)
        .await?;
    Ok(())
}
