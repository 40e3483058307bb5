//! Opening SQLite. A file database uses WAL so readers never wait for the writer; the
//! in-memory database is one shared-cache database per process, held open by the pool, so
//! that every pooled connection sees the same data.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use anyhow::Context;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::SqlitePool;

/// How long a connection waits for a lock held by another before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Opens the database (a file, or memory when `path` is `None`) and applies the migrations.
pub async fn open(path: Option<&Path>) -> anyhow::Result<SqlitePool> {
    let pool = match path {
        Some(path) => {
            let options = SqliteConnectOptions::new()
                .filename(path)
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(BUSY_TIMEOUT)
                .foreign_keys(true);
            SqlitePoolOptions::new()
                .max_connections(8)
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
            SqlitePoolOptions::new()
                .max_connections(4)
                .min_connections(1)
                .idle_timeout(None)
                .max_lifetime(None)
                .connect_with(options)
                .await
                .context("cannot open the in-memory database")?
        }
    };
    sqlx::migrate!("./migrations")
        .run(&pool)
        .await
        .context("cannot apply the database migrations")?;
    Ok(pool)
}
