//! Loading the start-up data set into an empty in-memory database builds the task indexes
//! after the rows are in: `CREATE INDEX` sorts and fills each index page, where inserting
//! the tasks one by one into every index leaves its pages split. With a 100,000-task fixture
//! in memory the peak was ~5% lower, in about the same time; into a database file, whose
//! pages are not held in memory, it saved nothing and cost 5-7% more CPU, so a file keeps
//! building them as the tasks go in ([`TaskIndexes`](super::TaskIndexes)).
//!
//! The migrations stay the one source of the index definitions: they are read back from
//! `sqlite_master` before the indexes are dropped, and created again from that text inside
//! the same transaction, so a failed load leaves them untouched.

use sqlx::SqliteConnection;

/// A secondary index of `tasks`, as the migrations created it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct IndexDefinition {
    pub name: String,
    pub sql: String,
}

/// Drops the secondary indexes of `tasks` and returns their definitions, for
/// [`create_indexes`] once the rows are in. Call it inside the load's transaction.
pub(super) async fn drop_task_indexes(
    conn: &mut SqliteConnection,
) -> sqlx::Result<Vec<IndexDefinition>> {
    // Indexes SQLite makes itself (for a UNIQUE or PRIMARY KEY constraint) have no SQL and
    // cannot be dropped; `tasks` has none, and they are left alone if it ever does.
    let indexes: Vec<IndexDefinition> = sqlx::query_as::<_, (String, String)>(
        "SELECT name, sql FROM sqlite_master \
         WHERE type = 'index' AND tbl_name = 'tasks' AND sql IS NOT NULL ORDER BY name",
    )
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .map(|(name, sql)| IndexDefinition { name, sql })
    .collect();
    for index in &indexes {
        // The name comes from sqlite_master, never from input; quoted as an identifier.
        sqlx::query(&format!(
            "DROP INDEX \"{}\"",
            index.name.replace('"', "\"\"")
        ))
        .execute(&mut *conn)
        .await?;
    }
    Ok(indexes)
}

/// Creates again the indexes [`drop_task_indexes`] dropped, from their own SQL.
pub(super) async fn create_indexes(
    conn: &mut SqliteConnection,
    indexes: &[IndexDefinition],
) -> sqlx::Result<()> {
    for index in indexes {
        sqlx::query(&index.sql).execute(&mut *conn).await?;
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
