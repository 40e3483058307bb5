//! Loading the start-up data set, whole (`load_startup`) or as its tasks are read
//! (`startup/stream.rs`): one transaction open while the fixture is read, the sections the
//! tasks refer to first, then the tasks batch by batch, then what refers to them. Dropped
//! or abandoned before [`finish`](StartupLoad::finish), nothing is loaded.

use sqlx::{Sqlite, SqlitePool, Transaction};

use super::bulk::{self, SchemaObject};
use super::{reset, CatalogueNames, TaskIndexes};
use crate::domain::fixture::{Dataset, Task};

/// A start-up load under way, in its transaction.
pub struct StartupLoad {
    tx: Transaction<'static, Sqlite>,
    /// The task indexes to build once the tasks are in.
    dropped_indexes: Vec<SchemaObject>,
    /// The triggers on `tasks`, to create again once the tasks are in.
    dropped_triggers: Vec<SchemaObject>,
    /// Read once the catalogue additions are in, before the first task.
    names: Option<CatalogueNames>,
}

impl StartupLoad {
    /// Begins loading into an empty database: everything marked changed first (so that the
    /// reset triggers would not record the tasks one by one), the triggers on `tasks`
    /// dropped until [`finish`](Self::finish) (`bulk.rs`), the task indexes too when
    /// `indexes` says so, every table a data set fills cleared.
    pub async fn begin(pool: &SqlitePool, indexes: TaskIndexes) -> sqlx::Result<Self> {
        let mut tx = pool.begin().await?;
        reset::mark_everything_changed(&mut tx).await?;
        // The batches a document without any implies are known after its last task, and go
        // in then: the tasks' foreign keys are checked at commit (SQLite turns this off at
        // commit or rollback).
        sqlx::query("PRAGMA defer_foreign_keys = ON")
            .execute(&mut *tx)
            .await?;
        let dropped_triggers = bulk::drop_task_triggers(&mut tx).await?;
        let dropped_indexes = match indexes {
            TaskIndexes::AsTasksGoIn => Vec::new(),
            TaskIndexes::AfterTheTasks => bulk::drop_task_indexes(&mut tx).await?,
        };
        super::clear(&mut tx).await?;
        Ok(Self {
            tx,
            dropped_indexes,
            dropped_triggers,
            names: None,
        })
    }

    /// Inserts what the tasks refer to: catalogue additions, organizations, workspaces and
    /// the batches the document declares.
    pub async fn insert_parents(&mut self, parents: &Dataset) -> sqlx::Result<()> {
        super::insert_parents(&mut self.tx, parents).await?;
        self.names = Some(CatalogueNames::read(&mut self.tx).await?);
        Ok(())
    }

    /// Inserts the next tasks (their parents are in).
    pub async fn insert_tasks(&mut self, tasks: &[Task]) -> sqlx::Result<()> {
        let names = match self.names.take() {
            Some(names) => names,
            None => CatalogueNames::read(&mut self.tx).await?,
        };
        let inserted = super::insert_named_tasks(&mut self.tx, &names, tasks).await;
        self.names = Some(names);
        inserted
    }

    /// Inserts the rest of `dataset` (what refers to the tasks, and the batches they imply
    /// when `batches_implied`), builds the indexes, creates the triggers again and commits.
    pub async fn finish(mut self, dataset: &Dataset, batches_implied: bool) -> sqlx::Result<()> {
        if batches_implied {
            super::insert_batches(&mut self.tx, dataset).await?;
        }
        super::insert_task_children(&mut self.tx, dataset).await?;
        bulk::create_again(&mut self.tx, &self.dropped_indexes).await?;
        bulk::create_again(&mut self.tx, &self.dropped_triggers).await?;
        reset::forget_changes(&mut self.tx).await?;
        self.tx.commit().await
    }

    /// Rolls back everything inserted, before the caller loads the database another way.
    pub async fn abandon(self) -> sqlx::Result<()> {
        self.tx.rollback().await
    }
}
