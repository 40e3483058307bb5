//! One writer at a time, in arrival order. SQLite allows one writer; when several
//! connections ask at once, the losers sleep in SQLite's busy handler (1, 2, 5 ... 100 ms,
//! then 100 ms again) and are not woken when the lock frees, so under load a write could
//! wait seconds behind writers that came later. Writers therefore queue here first (a fair,
//! first-come first-served async lock) and reach SQLite one by one; readers never wait for
//! it (WAL).
//!
//! The busy writes (Create Task, Reprocess, tokens, the lifecycle's catch-up) also *run* on
//! a runtime of their own (`WriteGate::run`): a one-thread tokio runtime on a dedicated
//! thread. On the runtime that serves HTTP, each of a write's round trips to SQLite's worker
//! thread, and each hand-off of the turn to the next writer, waited behind the HTTP tasks
//! queued there (measured under the 64-connection soak on one core: ~1 ms of work per turn,
//! ~50 ms of waiting for it). On their own runtime, writers wait only for each other.

use std::future::Future;
use std::ops::{Deref, DerefMut};
use std::sync::Arc;
use std::time::Duration;

use sqlx::{Sqlite, SqliteConnection, SqlitePool, Transaction};
use tokio::runtime::Handle;
use tokio::sync::{oneshot, Mutex, OwnedMutexGuard};

use crate::db::{self, DataVersion};

/// How often the checkpointer looks for commits to copy back into the database file.
const CHECKPOINT_INTERVAL: Duration = Duration::from_millis(100);

/// The queue of writers, the writers' own connection (`db::open_writer`) and the runtime
/// their jobs run on. Cloned into every handler through `AppState`.
#[derive(Clone)]
pub struct WriteGate {
    queue: Arc<Mutex<()>>,
    writer: SqlitePool,
    /// A file database's checkpointer (`db::open_checkpointer`); none in memory.
    checkpointer: Option<SqlitePool>,
    runtime: Arc<WriteRuntime>,
}

/// The writers' runtime: a current-thread tokio runtime driven by a thread of its own. The
/// thread ends, and the runtime with it, when the last clone of the gate is dropped (every
/// job holds one while it runs, so none is cut short).
struct WriteRuntime {
    handle: Handle,
    _stop: oneshot::Sender<()>,
}

impl WriteRuntime {
    fn start() -> std::io::Result<Self> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let handle = runtime.handle().clone();
        let (stop, stopped) = oneshot::channel::<()>();
        std::thread::Builder::new()
            .name("sdemu-writer".into())
            .spawn(move || {
                // Returns when the sender is dropped; the runtime is then dropped on this
                // thread, outside any async context, as tokio requires.
                let _ = runtime.block_on(stopped);
            })?;
        Ok(Self {
            handle,
            _stop: stop,
        })
    }
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
    /// A gate whose writers write through `writer` (a pool of one connection), with its
    /// runtime started (an error if the system refuses a thread).
    pub fn new(writer: SqlitePool) -> std::io::Result<Self> {
        Ok(Self {
            queue: Arc::default(),
            writer,
            checkpointer: None,
            runtime: Arc::new(WriteRuntime::start()?),
        })
    }

    /// Checkpoints the write-ahead log through `checkpointer` on the writers' runtime,
    /// beside the writers (never in a turn), after commits (which move `version`).
    pub fn checkpointing(mut self, checkpointer: SqlitePool, version: DataVersion) -> Self {
        // The version read here, not when the task first runs: a commit made in between is
        // still checkpointed.
        let checkpointed = version.current();
        self.runtime.handle.spawn(checkpoint_after_commits(
            checkpointer.clone(),
            version,
            checkpointed,
        ));
        self.checkpointer = Some(checkpointer);
        self
    }

    /// Runs `job` (a write: it takes its turn with [`turn`](Self::turn) or
    /// [`begin`](Self::begin)) on the writers' runtime and waits for its output. The job
    /// runs to its end even if the caller stops waiting, so a dropped request never leaves
    /// a write half-done; a panic in it is resumed here.
    pub async fn run<F>(&self, job: F) -> F::Output
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        match self.runtime.handle.spawn(job).await {
            Ok(output) => output,
            Err(error) => match error.try_into_panic() {
                Ok(panic) => std::panic::resume_unwind(panic),
                // Only a runtime shut down cancels a job, and this gate keeps it running.
                Err(error) => unreachable!("a write job was cancelled: {error}"),
            },
        }
    }

    /// Closes the writers' connection (at shutdown, before the pool: the database file is
    /// left clean, its write-ahead log checkpointed and removed, when the last one closes).
    pub async fn close(&self) {
        if let Some(checkpointer) = &self.checkpointer {
            checkpointer.close().await;
        }
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

/// Every [`CHECKPOINT_INTERVAL`] in which something was committed, one passive checkpoint,
/// and one more the interval after; until the checkpointer is closed. `checkpointed` is the
/// version the file is known to hold already.
///
/// The version moves when a commit starts (SQLite's commit hook), before its pages are in
/// the log: a checkpoint made in between copies everything but that commit. The one more
/// checkpoint, an interval later, copies it.
async fn checkpoint_after_commits(
    checkpointer: SqlitePool,
    version: DataVersion,
    mut checkpointed: u64,
) {
    let mut ticks = tokio::time::interval(CHECKPOINT_INTERVAL);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut once_more = false;
    while !checkpointer.is_closed() {
        ticks.tick().await;
        let committed = version.current();
        if committed == checkpointed && !once_more {
            continue;
        }
        match db::checkpoint(&checkpointer).await {
            Ok(_) => {
                once_more = committed != checkpointed;
                checkpointed = committed;
            }
            Err(_) if checkpointer.is_closed() => break,
            Err(error) => tracing::warn!(
                %error,
                "checkpoint failed; the writers checkpoint themselves if the log keeps growing"
            ),
        }
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
        let gate = WriteGate::new(crate::db::open_writer(&pool, &version).await.unwrap()).unwrap();
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
        let gate = WriteGate::new(crate::db::open(None).await.unwrap()).unwrap();
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

    #[tokio::test]
    async fn a_write_job_runs_on_the_writers_thread() {
        let gate = WriteGate::new(crate::db::open(None).await.unwrap()).unwrap();
        let thread = gate
            .run(async { std::thread::current().name().map(str::to_owned) })
            .await;
        assert_eq!(thread.as_deref(), Some("sdemu-writer"));
        assert_ne!(std::thread::current().name(), Some("sdemu-writer"));
    }

    #[tokio::test]
    async fn a_write_job_finishes_when_its_caller_stops_waiting() {
        let (pool, version) = crate::db::open_versioned(None).await.unwrap();
        let gate = WriteGate::new(crate::db::open_writer(&pool, &version).await.unwrap()).unwrap();
        let (go, wait) = oneshot::channel::<()>();
        let (done, finished) = oneshot::channel::<()>();
        let writer = gate.clone();
        let caller = gate.run(async move {
            let mut tx = writer.begin().await.unwrap();
            wait.await.unwrap();
            sqlx::query("INSERT INTO reset_changed_tables (name) VALUES ('kept')")
                .execute(&mut *tx)
                .await
                .unwrap();
            tx.commit().await.unwrap();
            done.send(()).unwrap();
        });
        // The caller gives up (a client that hung up) before the job has written.
        let gave_up = tokio::time::timeout(std::time::Duration::from_millis(50), caller).await;
        assert!(gave_up.is_err());
        go.send(()).unwrap();
        finished.await.unwrap();
        let kept: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM reset_changed_tables WHERE name = 'kept'")
                .fetch_one(&pool)
                .await
                .unwrap();
        assert_eq!(kept, 1);
    }

    #[tokio::test]
    async fn the_writers_runtime_stops_with_the_last_gate() {
        let gate = WriteGate::new(crate::db::open(None).await.unwrap()).unwrap();
        let handle = gate.runtime.handle.clone();
        assert!(handle.spawn(async {}).await.is_ok());
        drop(gate);
        // The thread drops the runtime soon after; a job sent then is refused.
        let stopped = tokio::time::timeout(std::time::Duration::from_secs(5), async {
            while handle.spawn(async {}).await.is_ok() {
                tokio::task::yield_now().await;
            }
        })
        .await;
        assert!(
            stopped.is_ok(),
            "the writers' runtime still runs without a gate"
        );
    }

    #[tokio::test]
    async fn a_checkpointing_gate_copies_commits_back_into_the_file_by_itself() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("w.db");
        let (pool, version) = crate::db::open_versioned(Some(&file)).await.unwrap();
        let checkpointer = crate::db::open_checkpointer(&pool).await.unwrap();
        let gate = WriteGate::new(crate::db::open_writer(&pool, &version).await.unwrap())
            .unwrap()
            .checkpointing(checkpointer, version.clone());
        let before = std::fs::metadata(&file).unwrap().len();
        let mut tx = gate.begin().await.unwrap();
        sqlx::query("CREATE TABLE filler (bytes BLOB)")
            .execute(&mut *tx)
            .await
            .unwrap();
        sqlx::query("INSERT INTO filler VALUES (zeroblob(1000000))")
            .execute(&mut *tx)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        // Nobody checkpoints here: the file grows when the checkpointer has copied the
        // committed pages into it (within a few of its 100 ms intervals).
        let copied = tokio::time::timeout(Duration::from_secs(5), async {
            while std::fs::metadata(&file).unwrap().len() < before + 1_000_000 {
                tokio::time::sleep(CHECKPOINT_INTERVAL / 4).await;
            }
        })
        .await;
        assert!(copied.is_ok(), "the commit was never checkpointed");
        gate.close().await;
        pool.close().await;
        assert!(!dir.path().join("w.db-wal").exists(), "closed clean");
    }
}
