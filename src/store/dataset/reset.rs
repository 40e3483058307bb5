//! `POST /_emulator/reset`: back to the start-up data set, rewriting only what changed
//! since it was loaded or last restored. Triggers record what changes (the
//! `reset_tracking` migration): tasks by id, the smaller tables by name. The start-up row of
//! a task is saved in `reset_startup_tasks` before its first change (the
//! `reset_startup_tasks` migration), and a reset puts the saved rows back, so the start-up
//! tasks need not be kept in memory.

use std::collections::HashSet;

use sqlx::SqliteConnection;

use crate::domain::fixture::Dataset;

/// The name in `reset_changed_tables` that asks for a full rewrite.
const EVERYTHING: &str = "everything";

/// Where a reset finds the start-up tasks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StartupTasks {
    /// In the start-up data set, held in memory: one that was never loaded, because the
    /// database file already held data.
    InMemory,
    /// In the database only (the start-up data set's `tasks` are empty): unchanged tasks
    /// where they are, changed ones in `reset_startup_tasks`. `count` is how many there are.
    InDatabase { count: usize },
}

/// Makes the data what `dataset` (the start-up data set) put there, inside the caller's
/// write transaction, its tasks found as `tasks` says. What hangs off the tasks and
/// workspaces (webhook configurations, export payloads and states, speakers, users,
/// transitions, file links) is small and always rewritten; tasks, batches, workspaces,
/// organizations and catalogue additions only where something changed.
pub async fn restore_startup(
    conn: &mut SqliteConnection,
    dataset: &Dataset,
    tasks: StartupTasks,
) -> sqlx::Result<()> {
    let tables: HashSet<String> =
        sqlx::query_scalar!(r#"SELECT name AS "name!" FROM reset_changed_tables"#)
            .fetch_all(&mut *conn)
            .await?
            .into_iter()
            .collect();
    if tables.contains(EVERYTHING) {
        // Tasks are not recorded one by one while `everything` is marked.
        super::clear(conn).await?;
        super::insert_parents(conn, dataset).await?;
        match tasks {
            StartupTasks::InMemory => {
                super::insert_tasks(conn, &dataset.tasks.iter().collect::<Vec<_>>()).await?
            }
            StartupTasks::InDatabase { .. } => put_back_saved_tasks(conn).await?,
        }
        super::insert_task_children(conn, dataset).await?;
        return forget_changes(conn).await;
    }
    let changed = |table: &str| tables.contains(table);
    // A parent is deleted and inserted again while unchanged tasks still point at it: its
    // foreign keys are checked at commit, when it is back (SQLite turns this off at commit).
    sqlx::query("PRAGMA defer_foreign_keys = ON")
        .execute(&mut *conn)
        .await?;
    super::clear_task_children(conn).await?;

    sqlx::query!("DELETE FROM tasks WHERE task_id IN (SELECT task_id FROM reset_changed_tasks)")
        .execute(&mut *conn)
        .await?;
    // Children before parents, then parents before children.
    if changed("batches") {
        sqlx::query!("DELETE FROM batches")
            .execute(&mut *conn)
            .await?;
    }
    if changed("workspaces") {
        sqlx::query!("DELETE FROM workspaces")
            .execute(&mut *conn)
            .await?;
    }
    if changed("organizations") {
        sqlx::query!("DELETE FROM organizations")
            .execute(&mut *conn)
            .await?;
    }
    if changed("catalogues") {
        super::clear_catalogues(conn).await?;
        super::insert_catalogues(conn, dataset).await?;
    }
    if changed("organizations") {
        super::insert_organizations(conn, dataset).await?;
    }
    if changed("workspaces") {
        super::insert_workspaces(conn, dataset).await?;
    }
    if changed("batches") {
        super::insert_batches(conn, dataset).await?;
    }
    // Every start-up task that changed had its start-up row saved before its first change.
    put_back_saved_tasks(conn).await?;
    super::insert_task_children(conn, dataset).await?;
    forget_changes(conn).await
}

/// Inserts the saved start-up rows of the tasks that changed (their ids are free: the
/// caller deleted every changed task).
async fn put_back_saved_tasks(conn: &mut SqliteConnection) -> sqlx::Result<()> {
    sqlx::query!("INSERT INTO tasks SELECT * FROM reset_startup_tasks ORDER BY task_id")
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Saves the start-up row of every start-up task not saved yet, before a replacing seed
/// deletes them all and marks `everything` (which stops the triggers from saving). Nothing,
/// when `everything` is marked already: what is stored then is not the start-up data.
pub(super) async fn save_startup_tasks(conn: &mut SqliteConnection) -> sqlx::Result<()> {
    sqlx::query!(
        "INSERT OR IGNORE INTO reset_startup_tasks SELECT * FROM tasks \
         WHERE NOT EXISTS (SELECT 1 FROM reset_changed_tables WHERE name = ?) \
         AND task_id NOT IN (SELECT task_id FROM reset_changed_tasks)",
        EVERYTHING
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// The data is now the start-up data set: nothing has changed since, nothing is saved.
pub(super) async fn forget_changes(conn: &mut SqliteConnection) -> sqlx::Result<()> {
    sqlx::query!("DELETE FROM reset_startup_tasks")
        .execute(&mut *conn)
        .await?;
    sqlx::query!("DELETE FROM reset_changed_tasks")
        .execute(&mut *conn)
        .await?;
    sqlx::query!("DELETE FROM reset_changed_tables")
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// The next reset rewrites everything.
pub(super) async fn mark_everything_changed(conn: &mut SqliteConnection) -> sqlx::Result<()> {
    sqlx::query!(
        "INSERT OR IGNORE INTO reset_changed_tables (name) VALUES (?)",
        EVERYTHING
    )
    .execute(conn)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::{export, load_startup, replace, TaskIndexes};
    use super::*;
    use crate::domain::fixture;
    use sqlx::SqlitePool;

    /// The built-in demo data set, read here: the store may not import start-up.
    const DEMO: &str = include_str!("../../../fixtures/demo.json");

    /// The demo data set loaded, and the same data set without its tasks (what sdemu keeps
    /// when the start-up tasks stay in the database only).
    async fn loaded() -> (SqlitePool, Dataset, StartupTasks) {
        let pool = crate::db::open(None).await.unwrap();
        let catalogues = super::super::builtin_catalogues(&pool).await.unwrap();
        let mut dataset = fixture::load(DEMO, &catalogues, false).unwrap();
        load_startup(&pool, &dataset, TaskIndexes::AsTasksGoIn)
            .await
            .unwrap();
        let tasks = StartupTasks::InDatabase {
            count: dataset.tasks.len(),
        };
        dataset.tasks = Vec::new();
        (pool, dataset, tasks)
    }

    /// Everything a data set stored, as text: the exported document and every task row,
    /// bookkeeping columns and stored object included.
    async fn snapshot(pool: &SqlitePool) -> String {
        let mut conn = pool.acquire().await.unwrap();
        let document = serde_json::to_string(&export(&mut conn).await.unwrap()).unwrap();
        let rows: String = sqlx::query_scalar(
            "SELECT group_concat(row, char(10)) FROM (SELECT json_array(task_id, tenant_id, \
             workspace_id, batch_id, task_number, external_id, display_name, description, \
             created_on, task_status, integration_status, total_pages, restart_count, \
             pre_processing_started_on, external_integration_status, priority, context, \
             task_assignment, custom_form_values, next_status, next_step_at, planned_outcome, \
             wire_json) AS row FROM tasks ORDER BY task_id)",
        )
        .fetch_one(&mut *conn)
        .await
        .unwrap();
        format!("{document}\n{rows}")
    }

    async fn run(pool: &SqlitePool, statement: &str) {
        sqlx::query(statement).execute(pool).await.unwrap();
    }

    async fn reset(pool: &SqlitePool, dataset: &Dataset, tasks: StartupTasks) {
        let mut tx = pool.begin().await.unwrap();
        restore_startup(&mut tx, dataset, tasks).await.unwrap();
        tx.commit().await.unwrap();
    }

    async fn saved(pool: &SqlitePool) -> i64 {
        sqlx::query_scalar("SELECT COUNT(*) FROM reset_startup_tasks")
            .fetch_one(pool)
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn the_saved_start_up_rows_have_the_columns_of_tasks_in_their_order() {
        let pool = crate::db::open(None).await.unwrap();
        let columns = |table: &'static str| {
            let pool = pool.clone();
            async move {
                sqlx::query_scalar::<_, String>(&format!(
                    "SELECT name FROM pragma_table_info('{table}') ORDER BY cid"
                ))
                .fetch_all(&pool)
                .await
                .unwrap()
            }
        };
        let tasks = columns("tasks").await;
        assert!(tasks.len() > 20, "{tasks:?}");
        assert_eq!(columns("reset_startup_tasks").await, tasks);
    }

    #[tokio::test]
    async fn a_reset_puts_back_the_start_up_rows_of_updated_deleted_and_inserted_tasks() {
        let (pool, dataset, tasks) = loaded().await;
        let before = snapshot(&pool).await;
        assert_eq!(saved(&pool).await, 0, "loading saves nothing");

        let (first, last): (i64, i64) =
            sqlx::query_as("SELECT MIN(task_id), MAX(task_id) FROM tasks")
                .fetch_one(&pool)
                .await
                .unwrap();
        run(&pool, &format!("UPDATE tasks SET display_name = 'renamed', total_pages = 99, next_step_at = 1 WHERE task_id = {first}")).await;
        run(
            &pool,
            &format!("UPDATE tasks SET display_name = 'twice' WHERE task_id = {first}"),
        )
        .await;
        // What hangs off the tasks goes first (a reset rewrites it whole anyway).
        super::super::clear_task_children(&mut pool.acquire().await.unwrap())
            .await
            .unwrap();
        run(&pool, &format!("DELETE FROM tasks WHERE task_id = {last}")).await;
        run(
            &pool,
            &format!(
                "INSERT INTO tasks (task_id, tenant_id, workspace_id, display_name, created_on, \
             task_status, integration_status) SELECT {last} + 1, tenant_id, workspace_id, 'new', \
             created_on, task_status, integration_status FROM tasks WHERE task_id = {first}"
            ),
        )
        .await;
        run(
            &pool,
            &format!("UPDATE tasks SET total_pages = 3 WHERE task_id = {last} + 1"),
        )
        .await;
        assert_ne!(snapshot(&pool).await, before);
        // The first change of each start-up task saved it; the new task is never saved.
        assert_eq!(saved(&pool).await, 2);

        reset(&pool, &dataset, tasks).await;
        assert_eq!(snapshot(&pool).await, before);
        assert_eq!(saved(&pool).await, 0);

        // Changed again after a reset: saved again, restored again.
        run(
            &pool,
            &format!("UPDATE tasks SET description = 'again' WHERE task_id = {last}"),
        )
        .await;
        assert_eq!(saved(&pool).await, 1);
        reset(&pool, &dataset, tasks).await;
        assert_eq!(snapshot(&pool).await, before);
    }

    #[tokio::test]
    async fn after_replacing_seeds_a_reset_brings_back_every_start_up_task() {
        let (pool, dataset, tasks) = loaded().await;
        let before = snapshot(&pool).await;
        run(&pool, "UPDATE tasks SET display_name = 'changed first' WHERE task_id = (SELECT MIN(task_id) FROM tasks)").await;
        let catalogues = super::super::builtin_catalogues(&pool).await.unwrap();
        let mut seed = fixture::load(DEMO, &catalogues, false).unwrap();
        seed.tasks.truncate(10);
        replace(&pool, &seed).await.unwrap();
        // A second seed must not save the first seed's tasks as start-up ones.
        seed.tasks.truncate(5);
        replace(&pool, &seed).await.unwrap();
        let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM tasks")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(count, 5);

        reset(&pool, &dataset, tasks).await;
        assert_eq!(snapshot(&pool).await, before);
        assert_eq!(saved(&pool).await, 0);
    }
}
