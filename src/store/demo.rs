//! Demo mode's SQL: the generator's state (one row, written in the same transaction as the
//! tasks it creates) and the cap on the default organization's tasks.

use sqlx::{SqliteConnection, SqlitePool};

/// The generator's state: see the `demo_generator` migration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GeneratorState {
    /// The time of the last slot filled (or of the start), Unix seconds.
    pub last_slot_at: i64,
    /// How many slots the generator has counted.
    pub counter: i64,
    /// The batch the current run of tasks goes into, and the run (cycle) it was opened for.
    pub batch_id: Option<i64>,
    pub batch_cycle: Option<i64>,
}

/// The time of the last slot filled: the cheap check before taking a write lock. `None`
/// when the generator has never started.
pub async fn last_slot_at(pool: &SqlitePool) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar!("SELECT last_slot_at FROM demo_generator WHERE id = 1")
        .fetch_optional(pool)
        .await
}

pub async fn load(conn: &mut SqliteConnection) -> sqlx::Result<Option<GeneratorState>> {
    sqlx::query_as!(
        GeneratorState,
        "SELECT last_slot_at, counter, batch_id, batch_cycle FROM demo_generator WHERE id = 1"
    )
    .fetch_optional(conn)
    .await
}

/// Writes the generator's state (creating its row if need be).
pub async fn save(conn: &mut SqliteConnection, state: &GeneratorState) -> sqlx::Result<()> {
    sqlx::query!(
        "INSERT INTO demo_generator (id, last_slot_at, counter, batch_id, batch_cycle)
         VALUES (1, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET last_slot_at = excluded.last_slot_at,
             counter = excluded.counter, batch_id = excluded.batch_id,
             batch_cycle = excluded.batch_cycle",
        state.last_slot_at,
        state.counter,
        state.batch_id,
        state.batch_cycle
    )
    .execute(conn)
    .await
    .map(|_| ())
}

/// Starts the generator at `now` (start-up): a database file that already has a generator
/// keeps its counter and batch, but the time it was stopped creates nothing.
pub async fn resume(pool: &SqlitePool, now: i64) -> sqlx::Result<()> {
    sqlx::query!(
        "INSERT INTO demo_generator (id, last_slot_at, counter) VALUES (1, ?, 0)
         ON CONFLICT (id) DO UPDATE SET last_slot_at = excluded.last_slot_at",
        now
    )
    .execute(pool)
    .await
    .map(|_| ())
}

/// Removes the oldest tasks of the organization (by `createdOn`, then `taskId`) until it
/// holds at most `max_tasks`, their transitions with them (ON DELETE CASCADE); then the
/// organization's batches left empty that are older than its oldest remaining task.
/// Returns how many tasks were removed.
pub async fn trim(
    conn: &mut SqliteConnection,
    tenant_id: i64,
    max_tasks: i64,
) -> sqlx::Result<u64> {
    let removed = sqlx::query!(
        "DELETE FROM tasks WHERE task_id IN (
             SELECT task_id FROM tasks WHERE tenant_id = ?1
              ORDER BY created_on, task_id
              LIMIT MAX((SELECT COUNT(*) FROM tasks WHERE tenant_id = ?1) - ?2, 0))",
        tenant_id,
        max_tasks
    )
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if removed > 0 {
        // Batch times are in ticks (100 ns), task times in seconds.
        sqlx::query!(
            "DELETE FROM batches
              WHERE workspace_id IN (SELECT workspace_id FROM workspaces WHERE tenant_id = ?1)
                AND created_on_ticks < (SELECT MIN(created_on) FROM tasks WHERE tenant_id = ?1) * 10000000
                AND NOT EXISTS (SELECT 1 FROM tasks t WHERE t.batch_id = batches.batch_id)",
            tenant_id
        )
        .execute(&mut *conn)
        .await?;
    }
    Ok(removed)
}
