//! Whole-dataset operations: what start-up, reset and seed do to the database, and the
//! export that `GET /_emulator/state` serves.

use sqlx::{QueryBuilder, Sqlite, SqliteConnection, SqlitePool};

use crate::domain::fixture::{
    BatchRecord, CatalogueEntry, CatalogueRecord, Catalogues, Dataset, FixtureDocument,
    OrganizationRecord, TaskRecord, WorkspaceRecord,
};
use crate::domain::time::{BatchTime, TaskTime};

/// Rows per multi-row INSERT: well under SQLite's limit of 32,766 bound parameters even for
/// the 19 columns of a task.
const INSERT_CHUNK: usize = 500;

/// The documented catalogue entries (the rows the schema itself inserts).
pub async fn builtin_catalogues(pool: &SqlitePool) -> sqlx::Result<Catalogues> {
    let task_statuses = sqlx::query_as::<_, (i64, String)>(
        "SELECT code, name FROM task_statuses WHERE builtin = 1",
    )
    .fetch_all(pool)
    .await?;
    let integration_statuses = sqlx::query_as::<_, (i64, String)>(
        "SELECT code, name FROM integration_statuses WHERE builtin = 1",
    )
    .fetch_all(pool)
    .await?;
    Ok(Catalogues {
        task_statuses: task_statuses.into_iter().collect(),
        integration_statuses: integration_statuses.into_iter().collect(),
    })
}

/// Whether the database holds no data yet (a new file, or memory before seeding).
pub async fn is_empty(pool: &SqlitePool) -> sqlx::Result<bool> {
    let organizations: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM organizations")
        .fetch_one(pool)
        .await?;
    Ok(organizations == 0)
}

/// Replaces everything (but the documented catalogue entries) with `dataset`, in one
/// transaction: on any error nothing changes.
pub async fn replace(pool: &SqlitePool, dataset: &Dataset) -> sqlx::Result<()> {
    let mut tx = pool.begin().await?;
    clear(&mut tx).await?;
    insert(&mut tx, dataset).await?;
    tx.commit().await
}

/// Deletes every row a dataset can add, children first. Access tokens are not part of a
/// dataset and are never deleted here: tokens issued before a reset keep working for the
/// organizations the new data still has.
pub async fn clear(conn: &mut SqliteConnection) -> sqlx::Result<()> {
    for statement in [
        "DELETE FROM tasks",
        "DELETE FROM batches",
        "DELETE FROM workspaces",
        "DELETE FROM organizations",
        "DELETE FROM task_statuses WHERE builtin = 0",
        "DELETE FROM integration_statuses WHERE builtin = 0",
    ] {
        sqlx::query(statement).execute(&mut *conn).await?;
    }
    Ok(())
}

/// Inserts a validated dataset, parents first.
pub async fn insert(conn: &mut SqliteConnection, dataset: &Dataset) -> sqlx::Result<()> {
    insert_catalogue(conn, "task_statuses", &dataset.task_statuses).await?;
    insert_catalogue(conn, "integration_statuses", &dataset.integration_statuses).await?;

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

    for chunk in dataset.workspaces.chunks(INSERT_CHUNK) {
        QueryBuilder::<Sqlite>::new(
            "INSERT INTO workspaces (workspace_id, tenant_id, workspace_name, workspace_description, \
             is_default, task_type, workspace_type, template_type, workspace_template_name) ",
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
                .push_bind(&w.workspace_template_name);
        })
        .build()
        .execute(&mut *conn)
        .await?;
    }

    for chunk in dataset.batches.chunks(INSERT_CHUNK) {
        QueryBuilder::<Sqlite>::new(
            "INSERT INTO batches (batch_id, workspace_id, display_name, description, \
             created_on_ticks, total_tasks_in_history) ",
        )
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

    for chunk in dataset.tasks.chunks(INSERT_CHUNK) {
        QueryBuilder::<Sqlite>::new(
            "INSERT INTO tasks (task_id, tenant_id, workspace_id, batch_id, task_number, \
             external_id, display_name, description, created_on, task_status, integration_status, \
             total_pages, restart_count, pre_processing_started_on, external_integration_status, \
             priority, context, task_assignment, custom_form_values) ",
        )
        .push_values(chunk, |mut row, t| {
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
                .push_bind(&t.custom_form_values);
        })
        .build()
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
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

/// A task row as `export` reads it.
#[derive(sqlx::FromRow)]
struct TaskRow {
    task_id: i64,
    workspace_id: i64,
    batch_id: Option<i64>,
    task_number: Option<i64>,
    external_id: Option<String>,
    display_name: String,
    description: Option<String>,
    created_on: i64,
    task_status: i64,
    integration_status: i64,
    task_status_text: String,
    integration_status_text: String,
    total_pages: i64,
    restart_count: Option<i64>,
    pre_processing_started_on: Option<i64>,
    external_integration_status: String,
    priority: i64,
    context: Option<String>,
    task_assignment: Option<String>,
    custom_form_values: Option<String>,
}

/// Everything a dataset can hold, read back as a fixture document (every section, every
/// field explicit, rows in id order), so that loading it reproduces the same data. Run it
/// inside a transaction for a consistent picture.
pub async fn export(conn: &mut SqliteConnection) -> sqlx::Result<FixtureDocument> {
    let organizations = sqlx::query_as::<_, (i64, String, String, String, bool)>(
        "SELECT tenant_id, name, client_id, client_secret, is_default FROM organizations \
         ORDER BY tenant_id",
    )
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .map(
        |(tenant_id, name, client_id, client_secret, is_default)| OrganizationRecord {
            tenant_id,
            name,
            client_id,
            client_secret,
            is_default,
        },
    )
    .collect();

    let catalogue = |rows: Vec<(i64, String)>| {
        rows.into_iter()
            .map(|(value, name)| CatalogueRecord { value, name })
            .collect::<Vec<_>>()
    };
    let task_statuses = catalogue(
        sqlx::query_as("SELECT code, name FROM task_statuses WHERE builtin = 0 ORDER BY code")
            .fetch_all(&mut *conn)
            .await?,
    );
    let integration_statuses = catalogue(
        sqlx::query_as(
            "SELECT code, name FROM integration_statuses WHERE builtin = 0 ORDER BY code",
        )
        .fetch_all(&mut *conn)
        .await?,
    );

    let workspaces = super::workspaces::all(&mut *conn)
        .await?
        .into_iter()
        .map(|workspace| WorkspaceRecord {
            workspace_id: workspace.workspace_id,
            tenant_id: Some(workspace.tenant_id),
            workspace_name: workspace.workspace_name,
            workspace_description: workspace.workspace_description,
            is_default: workspace.is_default,
            task_type: workspace.task_type,
            workspace_type: workspace.workspace_type,
            template_type: workspace.template_type,
            workspace_template_name: workspace.workspace_template_name,
        })
        .collect();

    let batches = sqlx::query_as::<_, (i64, i64, String, Option<String>, i64, i64)>(
        "SELECT batch_id, workspace_id, display_name, description, created_on_ticks, \
         total_tasks_in_history FROM batches ORDER BY batch_id",
    )
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .map(|row| BatchRecord {
        batch_id: row.0,
        workspace_id: row.1,
        display_name: row.2,
        description: row.3,
        created_on: BatchTime(row.4).to_wire(),
        total_tasks: None,
        total_tasks_in_history: row.5,
    })
    .collect();

    let tasks = sqlx::query_as::<_, TaskRow>(
        "SELECT t.task_id, t.workspace_id, t.batch_id, t.task_number, t.external_id, \
         t.display_name, t.description, t.created_on, t.task_status, t.integration_status, \
         ts.name AS task_status_text, ist.name AS integration_status_text, t.total_pages, \
         t.restart_count, t.pre_processing_started_on, t.external_integration_status, \
         t.priority, t.context, t.task_assignment, t.custom_form_values \
         FROM tasks t \
         JOIN task_statuses ts ON ts.code = t.task_status \
         JOIN integration_statuses ist ON ist.code = t.integration_status \
         ORDER BY t.task_id",
    )
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .map(|row| TaskRecord {
        task_id: row.task_id,
        workspace_id: row.workspace_id,
        batch_id: row.batch_id,
        task_number: row.task_number,
        external_id: row.external_id,
        display_name: row.display_name,
        description: row.description,
        created_on: TaskTime(row.created_on).to_wire(),
        task_status: row.task_status,
        integration_status: row.integration_status,
        task_status_text: Some(row.task_status_text),
        integration_status_text: Some(row.integration_status_text),
        total_pages: row.total_pages,
        restart_count: row.restart_count,
        pre_processing_started_on: row.pre_processing_started_on.map(|t| TaskTime(t).to_wire()),
        external_integration_status: Some(row.external_integration_status),
        priority: Some(row.priority),
        // Stored as JSON text by sdemu itself; text that is not JSON is kept as a string.
        context: row.context.map(stored_json),
        task_assignment: row.task_assignment.map(stored_json),
        custom_form_values: row.custom_form_values.map(stored_json),
    })
    .collect();

    Ok(FixtureDocument {
        organizations,
        task_statuses,
        integration_statuses,
        workspaces,
        batches,
        tasks,
    })
}

/// A JSON column as a value: stored as JSON text by sdemu itself; text that is not JSON is
/// kept as a string.
fn stored_json(text: String) -> serde_json::Value {
    serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text))
}
