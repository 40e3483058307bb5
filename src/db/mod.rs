//! Opening SQLite. A file database uses WAL so readers never wait for the writer; the
//! in-memory database is one shared-cache database per process, held open by the pool, so
//! that every pooled connection sees the same data.
//!
//! Every connection counts the write transactions it commits into one [`DataVersion`](crate::db::DataVersion), so
//! that what is computed from the data (a cached response) can tell whether the data has
//! changed since, without asking the database.
//!
//! A database file that does not exist yet is built beside its place with its start-up data,
//! then moved there ([`new_file`](crate::db::new_file)).

pub mod new_file;

use std::path::Path;
use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::SqlitePool;

/// How long a connection waits for a lock held by another before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// How many pooled (reading) connections a file database gets: two per core this process
/// may run on, at least 2 and at most 8. More readers than that only compete with the
/// writers' thread for the same cores: under the 64-connection soak on one core, 8 readers
/// gave Create Task a p99 of 36-105 ms, 2 readers 32-34 ms, at the same throughput.
pub fn file_readers() -> u32 {
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    u32::try_from(cores.saturating_mul(2))
        .unwrap_or(u32::MAX)
        .clamp(2, 8)
}

/// How many write transactions have been committed, by any pooled connection, since the
/// database was opened: it changes whenever the data may have changed.
///
/// SQLite calls the commit hook at the start of a commit, before other connections can see
/// it. With the in-memory database (one shared cache) that is still safe: until the commit
/// has finished, the writer holds its tables' write locks, so a reader that saw the new
/// version cannot read the old rows of a changed table. A WAL file has no such lock (a reader
/// may start on the old snapshot just after the hook ran), so there
/// [`DataVersion::is_exact`] is false and nothing may be cached by it.
#[derive(Debug, Clone)]
pub struct DataVersion {
    commits: Arc<AtomicU64>,
    exact: bool,
}

impl DataVersion {
    fn new(exact: bool) -> Self {
        Self {
            commits: Arc::new(AtomicU64::new(0)),
            exact,
        }
    }

    /// The current version; read it before reading the data that something is computed
    /// from.
    pub fn current(&self) -> u64 {
        self.commits.load(Ordering::SeqCst)
    }

    /// Whether a version read before reading the data proves that the data read is the data
    /// of that version (see the type's documentation).
    pub fn is_exact(&self) -> bool {
        self.exact
    }

    fn bump(&self) {
        self.commits.fetch_add(1, Ordering::SeqCst);
    }
}

/// Opens the database (a file, or memory when `path` is `None`) and applies the migrations.
pub async fn open(path: Option<&Path>) -> anyhow::Result<SqlitePool> {
    Ok(open_versioned(path).await?.0)
}

/// [`open`], with the [`DataVersion`] its connections advance.
pub async fn open_versioned(path: Option<&Path>) -> anyhow::Result<(SqlitePool, DataVersion)> {
    let version = DataVersion::new(path.is_none());
    let pool_options = counting_commits(&version);
    let pool = match path {
        Some(path) => {
            let options = SqliteConnectOptions::new()
                .filename(path)
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(BUSY_TIMEOUT)
                .foreign_keys(true);
            pool_options
                .max_connections(file_readers())
                .connect_with(options)
                .await
                .with_context(|| format!("cannot open the database file {}", path.display()))?
        }
        None => {
            // `sqlite::memory:` gives a uniquely named shared-cache database, so each app
            // (and each test) gets its own. It lives as long as one connection is open, so the
            // pool keeps one forever.
            let options = SqliteConnectOptions::from_str("sqlite::memory:")?
                .busy_timeout(BUSY_TIMEOUT)
                .foreign_keys(true);
            pool_options
                .max_connections(4)
                .min_connections(1)
                .idle_timeout(None)
                .max_lifetime(None)
                .connect_with(options)
                .await
                .context("cannot open the in-memory database")?
        }
    };
    migrate(&pool).await?;
    Ok((pool, version))
}

/// Applies the migrations not yet applied to the database `pool` opens (the one place that
/// embeds them: each `sqlx::migrate!` embeds every migration's text in the binary).
async fn migrate(pool: &SqlitePool) -> anyhow::Result<()> {
    sqlx::migrate!("./migrations")
        .run(pool)
        .await
        .context("cannot apply the database migrations")
}

/// Pool options whose every connection moves `version` when it commits.
fn counting_commits(version: &DataVersion) -> SqlitePoolOptions {
    let counted = version.clone();
    SqlitePoolOptions::new()
        // sqlx pings a connection before lending it: a round trip to its thread that an
        // in-process database never needs (without it, the soak's write p99 fell from
        // 36-62 to 29-30 ms in three alternated pairs).
        .test_before_acquire(false)
        .after_connect(move |conn, _| {
            let version = counted.clone();
            Box::pin(async move {
                conn.lock_handle().await?.set_commit_hook(move || {
                    version.bump();
                    true
                });
                Ok(())
            })
        })
}

/// The writers' own connection to the database `pool` reads (the same file, or the same
/// in-memory database: the options carry its name), as a pool of one that keeps it open.
/// Writers take turns at the write gate; with a connection of their own, the writer whose
/// turn it is never waits for a reader to hand back a pooled connection (under load all of
/// them can be busy reading), so a turn lasts only as long as its own statements.
///
/// With a file database the writers' connection leaves copying the write-ahead log back into
/// the file to [`open_checkpointer`]'s connection, so no writer's commit pays for it; it
/// checkpoints by itself only if the log grows past [`WRITER_CHECKPOINT_PAGES`].
pub async fn open_writer(pool: &SqlitePool, version: &DataVersion) -> anyhow::Result<SqlitePool> {
    let options = (*pool.connect_options())
        .clone()
        .pragma("wal_autocheckpoint", WRITER_CHECKPOINT_PAGES.to_string());
    counting_commits(version)
        .max_connections(1)
        .min_connections(1)
        .idle_timeout(None)
        .max_lifetime(None)
        .connect_with(options)
        .await
        .context("cannot open the writers' connection")
}

/// How long the write-ahead log may grow (in pages of 4 KiB, so 40 MiB) before the writer
/// checkpoints it itself, in its turn: a backstop for a checkpointer that falls behind.
/// SQLite's default, 1,000 pages, made the commit that crossed it copy the log back into the
/// file inside a writer's turn: under the 64-connection soak on one core, Create Task's p99
/// was 85-93 ms with it and 37-40 ms without it.
pub const WRITER_CHECKPOINT_PAGES: u32 = 10_000;

/// A connection of its own for checkpointing a file database's write-ahead log
/// ([`checkpoint`]), so that the copy runs beside the writers and readers, not in their
/// turns.
pub async fn open_checkpointer(pool: &SqlitePool) -> anyhow::Result<SqlitePool> {
    SqlitePoolOptions::new()
        .max_connections(1)
        .min_connections(1)
        .idle_timeout(None)
        .max_lifetime(None)
        .connect_with((*pool.connect_options()).clone())
        .await
        .context("cannot open the checkpointer's connection")
}

/// What one checkpoint did: the frames in the write-ahead log, and how many of them are now
/// copied into the database file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Checkpoint {
    pub log_frames: i64,
    pub copied_frames: i64,
}

/// Copies what it can of the write-ahead log back into the database file without waiting
/// for anyone (`PASSIVE`: frames a reader still needs stay in the log for the next time).
pub async fn checkpoint(checkpointer: &SqlitePool) -> sqlx::Result<Checkpoint> {
    let (_busy, log_frames, copied_frames): (i64, i64, i64) =
        sqlx::query_as("PRAGMA wal_checkpoint(PASSIVE)")
            .fetch_one(checkpointer)
            .await?;
    Ok(Checkpoint {
        log_frames,
        copied_frames,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn every_committed_write_moves_the_version_and_reads_do_not() {
        let (pool, version) = open_versioned(None).await.unwrap();
        assert!(version.is_exact());
        let start = version.current();
        sqlx::query("SELECT COUNT(*) FROM tasks")
            .execute(&pool)
            .await
            .unwrap();
        let mut tx = pool.begin().await.unwrap();
        sqlx::query("SELECT COUNT(*) FROM tasks")
            .execute(&mut *tx)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        assert_eq!(version.current(), start, "reads");

        let insert = "INSERT INTO organizations (tenant_id, name, client_id, client_secret) \
                      VALUES (?, 'a', ?, 's')";
        sqlx::query(insert)
            .bind(1)
            .bind("a")
            .execute(&pool)
            .await
            .unwrap();
        assert_eq!(
            version.current(),
            start + 1,
            "a write outside a transaction"
        );
        // On another pooled connection, inside a transaction.
        let mut tx = pool.begin().await.unwrap();
        sqlx::query(insert)
            .bind(2)
            .bind("b")
            .execute(&mut *tx)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        assert_eq!(version.current(), start + 2, "a committed transaction");
        let mut tx = pool.begin().await.unwrap();
        sqlx::query(insert)
            .bind(3)
            .bind("c")
            .execute(&mut *tx)
            .await
            .unwrap();
        tx.rollback().await.unwrap();
        assert_eq!(version.current(), start + 2, "a rolled-back transaction");
    }

    #[tokio::test]
    async fn a_database_file_has_no_exact_version() {
        let dir = tempfile::tempdir().unwrap();
        let (_pool, version) = open_versioned(Some(&dir.path().join("v.db")))
            .await
            .unwrap();
        assert!(!version.is_exact());
    }

    /// Commits `count` rows of about 50 pages each (4 KiB pages) through `writer`.
    async fn commit_filler(writer: &SqlitePool, count: usize) {
        sqlx::query("CREATE TABLE IF NOT EXISTS filler (bytes BLOB)")
            .execute(writer)
            .await
            .unwrap();
        for _ in 0..count {
            sqlx::query("INSERT INTO filler VALUES (zeroblob(200000))")
                .execute(writer)
                .await
                .unwrap();
        }
    }

    #[tokio::test]
    async fn the_writer_leaves_checkpoints_to_the_checkpointer() {
        let dir = tempfile::tempdir().unwrap();
        let (pool, version) = open_versioned(Some(&dir.path().join("c.db")))
            .await
            .unwrap();
        let writer = open_writer(&pool, &version).await.unwrap();
        // About 1,500 pages of log in 30 commits: past SQLite's own threshold (1,000), at
        // which the writer would have checkpointed and restarted the log itself.
        commit_filler(&writer, 30).await;
        let checkpointer = open_checkpointer(&pool).await.unwrap();
        let done = checkpoint(&checkpointer).await.unwrap();
        assert!(done.log_frames > 1_000, "{done:?}");
        assert_eq!(done.copied_frames, done.log_frames, "nobody was reading");
        let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM filler")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(rows, 30);
    }
}
