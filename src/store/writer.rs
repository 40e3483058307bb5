//! One writer at a time, in arrival order. SQLite allows one writer; when several
//! connections ask at once, the losers sleep in SQLite's busy handler (1, 2, 5 ... 100 ms,
//! then 100 ms again) and are not woken when the lock frees, so under load a write could
//! wait seconds behind writers that came later. Writers therefore queue here first (a fair,
//! first-come first-served async lock) and reach SQLite one by one; readers never wait for
//! it (WAL).

use std::ops::{Deref, DerefMut};
use std::sync::Arc;

use sqlx::{Sqlite, SqliteConnection, SqlitePool, Transaction};
use tokio::sync::{Mutex, OwnedMutexGuard};

/// The queue of writers, and the writers' own connection (`db::open_writer`). Cloned into
/// every handler through `AppState`.
#[derive(Clone)]
pub struct WriteGate {
    queue: Arc<Mutex<()>>,
    writer: SqlitePool,
}

/// A writer's turn: the next writer starts when it is dropped.
pub struct WriteTurn(#[allow(dead_code)] OwnedMutexGuard<()>);

/// A write transaction (`BEGIN IMMEDIATE`, so it never fails half-way with a stale
/// snapshot) held in the writer's turn. Dropped without `commit`, it rolls back, then ends
/// the turn.
pub struct WriteTx {
    // Declared first: dropped (rolled back) before the turn ends.
    tx: Transaction<'static, Sqlite>,
    _turn: WriteTurn,
}

impl WriteGate {
    /// A gate whose writers write through `writer` (a pool of one connection).
    pub fn new(writer: SqlitePool) -> Self {
        Self {
            queue: Arc::default(),
            writer,
        }
    }

    /// Closes the writers' connection (at shutdown, before the pool: the database file is
    /// left clean, its write-ahead log checkpointed and removed, when the last one closes).
    pub async fn close(&self) {
        self.writer.close().await;
    }

    /// Waits for this caller's turn, for writes the store opens itself.
    pub async fn turn(&self) -> WriteTurn {
        WriteTurn(self.queue.clone().lock_owned().await)
    }

    /// Waits for this caller's turn and begins a write transaction in it, on the writers'
    /// connection.
    pub async fn begin(&self) -> sqlx::Result<WriteTx> {
        let turn = self.turn().await;
        let tx = self.writer.begin_with("BEGIN IMMEDIATE").await?;
        Ok(WriteTx { tx, _turn: turn })
    }
}

impl WriteTx {
    /// Commits, then ends the turn.
    pub async fn commit(self) -> sqlx::Result<()> {
        self.tx.commit().await
    }
}

impl Deref for WriteTx {
    type Target = SqliteConnection;

    fn deref(&self) -> &SqliteConnection {
        &self.tx
    }
}

impl DerefMut for WriteTx {
    fn deref_mut(&mut self) -> &mut SqliteConnection {
        &mut self.tx
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_write_begins_while_readers_hold_every_pooled_connection() {
        let (pool, version) = crate::db::open_versioned(None).await.unwrap();
        let gate = WriteGate::new(crate::db::open_writer(&pool, &version).await.unwrap());
        let mut readers = Vec::new();
        while let Ok(Ok(reader)) =
            tokio::time::timeout(std::time::Duration::from_millis(200), pool.acquire()).await
        {
            readers.push(reader);
        }
        assert!(!readers.is_empty());
        let mut tx = tokio::time::timeout(std::time::Duration::from_secs(5), gate.begin())
            .await
            .expect("the writer does not wait for a pooled connection")
            .unwrap();
        sqlx::query("INSERT INTO reset_changed_tables (name) VALUES ('probe')")
            .execute(&mut *tx)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        // The same database: a reader sees the write.
        let seen: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM reset_changed_tables WHERE name = 'probe'")
                .fetch_one(&mut *readers[0])
                .await
                .unwrap();
        assert_eq!(seen, 1);
    }

    #[tokio::test]
    async fn writers_take_turns_in_arrival_order() {
        let gate = WriteGate::new(crate::db::open(None).await.unwrap());
        let first = gate.turn().await;
        let order = Arc::new(std::sync::Mutex::new(Vec::new()));
        let mut waiting = Vec::new();
        for writer in 0..3 {
            let (gate, order) = (gate.clone(), order.clone());
            waiting.push(tokio::spawn(async move {
                let _turn = gate.turn().await;
                order.lock().unwrap().push(writer);
            }));
            // Let it queue before the next one arrives.
            tokio::task::yield_now().await;
        }
        drop(first);
        for writer in waiting {
            writer.await.unwrap();
        }
        assert_eq!(*order.lock().unwrap(), [0, 1, 2]);
    }
}
