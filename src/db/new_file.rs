//! A database file that does not exist yet is built beside its place and moved there once
//! its start-up data is in.
//!
//! Loaded straight into its place, a new file takes the start-up data through the
//! write-ahead log: every page is written to the log, then copied into the file by the
//! checkpoint after the commit, and each multi-row insert also saves the pages it changes
//! to a statement journal on disk. At 1,000,000 tasks (a 660 MB file) those copies were
//! about a third of the load's time. Here the file is filled under a rollback journal held
//! in memory and without syncing (a new file has almost no page to save for a rollback),
//! then synced once and renamed into place: a start-up that fails or is stopped half-way
//! never leaves a half-loaded database where `--database` points, because nothing is there
//! until the rename. The file then opens like any other, in WAL mode.

use std::future::Future;
use std::path::{Path, PathBuf};

use anyhow::Context;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::SqlitePool;

use super::{migrate, open_versioned, DataVersion, BUSY_TIMEOUT};

/// The side file's name beside `path`: `<name>.loading`.
fn side_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".loading");
    path.with_file_name(name)
}

/// The files SQLite may keep beside a database file.
fn companions(path: &Path) -> [PathBuf; 3] {
    ["-wal", "-shm", "-journal"].map(|suffix| {
        let mut name = path.as_os_str().to_os_string();
        name.push(suffix);
        PathBuf::from(name)
    })
}

/// Removes `file` if it exists.
fn remove_if_there(file: &Path) -> std::io::Result<()> {
    match std::fs::remove_file(file) {
        Err(error) if error.kind() != std::io::ErrorKind::NotFound => Err(error),
        _ => Ok(()),
    }
}

/// Removes `path` and its companions where they exist.
fn remove_with_companions(path: &Path) -> std::io::Result<()> {
    remove_if_there(path)?;
    companions(path)
        .iter()
        .try_for_each(|file| remove_if_there(file))
}

/// Builds the database file `path`, which must not exist, with `fill`: the migrations are
/// applied to a side file (`<name>.loading`), `fill` loads it through the pool it is given,
/// and the file is synced and renamed into place, then opened as [`open_versioned`] opens
/// any file. When `fill` or any step fails, the side file is removed and `path` is left as
/// it was (absent).
pub async fn build<T, Fill, Filled>(
    path: &Path,
    fill: Fill,
) -> anyhow::Result<(SqlitePool, DataVersion, T)>
where
    Fill: FnOnce(SqlitePool) -> Filled,
    Filled: Future<Output = anyhow::Result<T>>,
{
    anyhow::ensure!(!path.exists(), "{} exists already", path.display());
    let side = side_path(path);
    // A side file left by a start-up that was stopped, and the journal files of a database
    // that is gone: a log left beside `path` would be replayed into the new file.
    remove_with_companions(&side)
        .and_then(|()| {
            companions(path)
                .iter()
                .try_for_each(|file| remove_if_there(file))
        })
        .with_context(|| format!("cannot clear the way for {}", side.display()))?;
    let filled = fill_side_file(&side, fill).await;
    let filled = match filled {
        Ok(filled) => filled,
        Err(error) => {
            if let Err(cleanup) = remove_with_companions(&side) {
                tracing::warn!(file = %side.display(), %cleanup, "cannot remove the side file");
            }
            return Err(error);
        }
    };
    move_into_place(&side, path)?;
    let (pool, version) = open_versioned(Some(path)).await?;
    Ok((pool, version, filled))
}

/// Opens `side` (a rollback journal in memory, no syncing, one connection), applies the
/// migrations, runs `fill`, and closes every connection.
async fn fill_side_file<T, Fill, Filled>(side: &Path, fill: Fill) -> anyhow::Result<T>
where
    Fill: FnOnce(SqlitePool) -> Filled,
    Filled: Future<Output = anyhow::Result<T>>,
{
    let options = SqliteConnectOptions::new()
        .filename(side)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Memory)
        .synchronous(SqliteSynchronous::Off)
        .busy_timeout(BUSY_TIMEOUT)
        .foreign_keys(true)
        // A statement journal (what one multi-row insert changed, for its own rollback)
        // stays in memory too: it is at most the pages of one statement.
        .pragma("temp_store", "MEMORY");
    // One connection: nothing else can use the file while it is filled, and the load never
    // needs two connections at once.
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .test_before_acquire(false)
        .connect_with(options)
        .await
        .with_context(|| {
            format!(
                "cannot create the database file {} (a new database is filled there, then \
                 renamed to its place)",
                side.display()
            )
        })?;
    let filled = async {
        migrate(&pool).await?;
        fill(pool.clone()).await
    }
    .await;
    // Every connection closed before the file is synced and moved.
    pool.close().await;
    filled
}

/// Syncs `side` and renames it to `path`, then syncs the directory so that the rename
/// itself survives a crash.
fn move_into_place(side: &Path, path: &Path) -> anyhow::Result<()> {
    std::fs::File::open(side)
        .and_then(|file| file.sync_all())
        .with_context(|| format!("cannot sync {}", side.display()))?;
    std::fs::rename(side, path)
        .with_context(|| format!("cannot move {} to {}", side.display(), path.display()))?;
    #[cfg(unix)]
    if let Some(directory) = path.parent().filter(|dir| !dir.as_os_str().is_empty()) {
        std::fs::File::open(directory)
            .and_then(|dir| dir.sync_all())
            .with_context(|| format!("cannot sync the directory {}", directory.display()))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn count(pool: &SqlitePool, table: &str) -> i64 {
        sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
            .fetch_one(pool)
            .await
            .unwrap()
    }

    const INSERT: &str = "INSERT INTO organizations (tenant_id, name, client_id, client_secret) \
                          VALUES (7, 'built', 'built', 's')";

    #[tokio::test]
    async fn a_new_file_is_filled_beside_its_place_and_opens_there_in_wal_mode() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("new.db");
        let side = side_path(&path);
        assert_eq!(side, dir.path().join("new.db.loading"));
        let seen_during_fill = side.clone();
        let (pool, version, filled) = build(&path, |pool| async move {
            // Nothing is at `path` while the data goes in.
            let beside = seen_during_fill.exists();
            let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
                .fetch_one(&pool)
                .await?;
            sqlx::query(INSERT).execute(&pool).await?;
            Ok((beside, mode))
        })
        .await
        .unwrap();
        assert_eq!(filled, (true, "memory".to_string()));
        assert!(!side.exists());
        assert!(!version.is_exact(), "a file, as open_versioned opens it");
        let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(mode, "wal");
        assert_eq!(count(&pool, "organizations").await, 1);
        // The migrations were applied once, on the side file.
        let applied = count(&pool, "_sqlx_migrations").await;
        assert!(applied > 10, "{applied}");
        let integrity: String = sqlx::query_scalar("PRAGMA integrity_check")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(integrity, "ok");
    }

    #[tokio::test]
    async fn a_fill_that_fails_leaves_nothing_at_the_path_nor_beside_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("failed.db");
        let failed = build(&path, |pool| async move {
            sqlx::query(INSERT).execute(&pool).await?;
            anyhow::bail!("the fixture is not valid");
            #[allow(unreachable_code)]
            Ok(())
        })
        .await
        .unwrap_err();
        assert_eq!(failed.to_string(), "the fixture is not valid");
        let left: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|entry| entry.unwrap().file_name())
            .collect();
        assert!(left.is_empty(), "{left:?}");
    }

    #[tokio::test]
    async fn what_a_stopped_start_up_left_is_cleared_first() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("again.db");
        // A half-filled side file, and a stale log beside the path of a file now gone.
        std::fs::write(side_path(&path), b"not a database").unwrap();
        let [wal, _, _] = companions(&path);
        std::fs::write(&wal, b"a stale log").unwrap();
        let (pool, _, ()) = build(&path, |pool| async move {
            sqlx::query(INSERT).execute(&pool).await?;
            Ok(())
        })
        .await
        .unwrap();
        assert_eq!(count(&pool, "organizations").await, 1);
        assert!(!side_path(&path).exists());
        assert_ne!(std::fs::read(&wal).unwrap_or_default(), b"a stale log");
    }
}
