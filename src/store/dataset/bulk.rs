//! Loading the start-up data set sets aside what SQLite would do for each task that the load
//! does not need, and puts it back once the tasks are in, inside the same transaction (so a
//! failed load leaves the schema untouched):
//!
//! - **The triggers on `tasks`** are dropped for the load: they keep each task's stored
//!   object and the reset bookkeeping current, and a start-up load writes every object
//!   itself and marks everything changed first, so for each task they only ran their
//!   `WHEN` test, in a sub-program of their own. Without them SQLite ran about a fifth
//!   fewer instructions per inserted task (30,000 tasks, `callgrind`).
//! - **The secondary indexes** are dropped too when the database is in memory, and built
//!   after the rows are in: `CREATE INDEX` sorts and fills each index page, where inserting
//!   the tasks one by one into every index leaves its pages split. With a 100,000-task
//!   fixture in memory the peak was ~5% lower, in about the same time; into a database
//!   file, whose pages are not held in memory, it saved nothing and cost 5-7% more CPU, so
//!   a file keeps building them as the tasks go in ([`TaskIndexes`](super::TaskIndexes)).
//!
//! The migrations stay the one source of these definitions: they are read back from
//! `sqlite_master` before they are dropped, and created again from that text.

use sqlx::SqliteConnection;

/// A trigger or secondary index of `tasks`, as the migrations created it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct SchemaObject {
    kind: &'static str,
    name: String,
    sql: String,
}

/// Drops the triggers on `tasks` and returns their definitions, for [`create_again`] once
/// the rows are in. Call it inside the load's transaction, after everything is marked
/// changed (the reset triggers would do nothing then) and only for loads that write every
/// task's stored object.
pub(super) async fn drop_task_triggers(
    conn: &mut SqliteConnection,
) -> sqlx::Result<Vec<SchemaObject>> {
    drop_task_objects(conn, "trigger").await
}

/// Drops the secondary indexes of `tasks` and returns their definitions, for
/// [`create_again`] once the rows are in. Call it inside the load's transaction.
pub(super) async fn drop_task_indexes(
    conn: &mut SqliteConnection,
) -> sqlx::Result<Vec<SchemaObject>> {
    drop_task_objects(conn, "index").await
}

async fn drop_task_objects(
    conn: &mut SqliteConnection,
    kind: &'static str,
) -> sqlx::Result<Vec<SchemaObject>> {
    // Indexes SQLite makes itself (for a UNIQUE or PRIMARY KEY constraint) have no SQL and
    // cannot be dropped; `tasks` has none, and they are left alone if it ever does.
    // In the order they were created (sqlite_master's rowid), the order they are created
    // again in: SQLite fires the triggers of one event newest first, and the order matters
    // (the reset trigger must record a new task before the stored-object trigger's UPDATE
    // of it would save it as a start-up task).
    let objects: Vec<SchemaObject> = sqlx::query_as::<_, (String, String)>(
        "SELECT name, sql FROM sqlite_master \
         WHERE type = ? AND tbl_name = 'tasks' AND sql IS NOT NULL ORDER BY rowid",
    )
    .bind(kind)
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .map(|(name, sql)| SchemaObject { kind, name, sql })
    .collect();
    for object in &objects {
        // The kind is one of two words above and the name comes from sqlite_master, never
        // from input; quoted as an identifier.
        sqlx::query(&format!(
            "DROP {} \"{}\"",
            object.kind.to_uppercase(),
            object.name.replace('"', "\"\"")
        ))
        .execute(&mut *conn)
        .await?;
    }
    Ok(objects)
}

/// Creates again what [`drop_task_triggers`] or [`drop_task_indexes`] dropped, from its own
/// SQL.
pub(super) async fn create_again(
    conn: &mut SqliteConnection,
    objects: &[SchemaObject],
) -> sqlx::Result<()> {
    for object in objects {
        sqlx::query(&object.sql).execute(&mut *conn).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::TaskIndexes;
    use crate::domain::fixture::{self, Dataset};
    use sqlx::SqlitePool;

    /// Every schema object with its SQL, by name (root pages move when an index is built
    /// again, so they are left out).
    async fn schema(pool: &SqlitePool) -> Vec<(String, String, String, Option<String>)> {
        sqlx::query_as("SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY name")
            .fetch_all(pool)
            .await
            .unwrap()
    }

    /// The built-in demo data set, read here: the store may not import start-up.
    const DEMO: &str = include_str!("../../../fixtures/demo.json");

    async fn demo(pool: &SqlitePool) -> Dataset {
        let catalogues = super::super::builtin_catalogues(pool).await.unwrap();
        fixture::load(DEMO, &catalogues, false).unwrap()
    }

    async fn integrity(pool: &SqlitePool) -> String {
        sqlx::query_scalar("PRAGMA integrity_check")
            .fetch_one(pool)
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn after_a_load_the_task_indexes_are_those_of_the_migrations_and_hold_every_task() {
        let pool = crate::db::open(None).await.unwrap();
        let before = schema(&pool).await;
        let task_indexes = before
            .iter()
            .filter(|(kind, _, table, _)| kind == "index" && table == "tasks")
            .count();
        assert!(task_indexes >= 10, "{before:?}");
        let dataset = demo(&pool).await;
        super::super::load_startup(&pool, &dataset, TaskIndexes::AfterTheTasks)
            .await
            .unwrap();

        assert_eq!(schema(&pool).await, before);
        // integrity_check also compares each index with its table, entry by entry.
        assert_eq!(integrity(&pool).await, "ok");
        let tasks: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM tasks INDEXED BY tasks_by_tenant_created WHERE tenant_id IS NOT NULL")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(usize::try_from(tasks).unwrap(), dataset.tasks.len());
    }

    /// The triggers on `tasks`, in the order SQLite keeps them (the order they fire in).
    async fn task_triggers(pool: &SqlitePool) -> Vec<(String, String)> {
        sqlx::query_as(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'tasks' \
             ORDER BY rowid",
        )
        .fetch_all(pool)
        .await
        .unwrap()
    }

    #[tokio::test]
    async fn after_a_load_the_triggers_on_tasks_are_back_in_their_order_and_run() {
        for indexes in [TaskIndexes::AsTasksGoIn, TaskIndexes::AfterTheTasks] {
            let pool = crate::db::open(None).await.unwrap();
            let before = task_triggers(&pool).await;
            assert!(before.len() >= 5, "{before:?}");
            let dataset = demo(&pool).await;
            super::super::load_startup(&pool, &dataset, indexes)
                .await
                .unwrap();
            assert_eq!(task_triggers(&pool).await, before, "{indexes:?}");

            // They run again: a task inserted without its object gets one, and is recorded
            // as changed since start-up (not saved as a start-up task by the UPDATE that
            // writes its object).
            sqlx::query(
                "INSERT INTO tasks (task_id, tenant_id, workspace_id, display_name, created_on, \
                 task_status, integration_status) SELECT 999999, tenant_id, workspace_id, \
                 'after.pdf', created_on, task_status, integration_status FROM tasks LIMIT 1",
            )
            .execute(&pool)
            .await
            .unwrap();
            let (object, changed, saved): (Option<String>, i64, i64) = sqlx::query_as(
                "SELECT (SELECT wire_json FROM tasks WHERE task_id = 999999), \
                 (SELECT COUNT(*) FROM reset_changed_tasks WHERE task_id = 999999), \
                 (SELECT COUNT(*) FROM reset_startup_tasks)",
            )
            .fetch_one(&pool)
            .await
            .unwrap();
            assert!(object.unwrap().contains(r#""displayName":"after.pdf""#));
            assert_eq!((changed, saved), (1, 0), "{indexes:?}");
        }
    }

    #[tokio::test]
    async fn a_load_that_fails_leaves_no_task_and_every_index_in_place() {
        // A file: the failed transaction's rollback may still be on its way back to the
        // pool, and WAL lets the checks below read meanwhile.
        let dir = tempfile::tempdir().unwrap();
        let pool = crate::db::open(Some(&dir.path().join("failed.db")))
            .await
            .unwrap();
        let before = schema(&pool).await;
        let mut dataset = demo(&pool).await;
        // A task of a workspace that does not exist: its foreign key refuses it, after the
        // indexes were dropped.
        dataset.tasks.last_mut().unwrap().workspace_id = 999_999;
        super::super::load_startup(&pool, &dataset, TaskIndexes::AfterTheTasks)
            .await
            .unwrap_err();

        assert_eq!(schema(&pool).await, before);
        assert_eq!(integrity(&pool).await, "ok");
        let tasks: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM tasks")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(tasks, 0);
    }
}
