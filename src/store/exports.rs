//! Captured export payloads: the export a fixture's `exports` section gives a task, served
//! as it is instead of one sdemu builds. Stored as JSON text, one row per task, removed with
//! the task.

use serde_json::Value;
use sqlx::{QueryBuilder, Sqlite, SqliteConnection};

use crate::domain::fixture::CapturedExport;

/// Rows per multi-row INSERT (two bound parameters each).
const INSERT_CHUNK: usize = 500;

/// The payload captured for `task_id`, if its fixture gave one.
pub async fn captured(conn: &mut SqliteConnection, task_id: i64) -> sqlx::Result<Option<Value>> {
    let body = sqlx::query_scalar!(
        "SELECT body FROM export_payloads WHERE task_id = ?",
        task_id
    )
    .fetch_optional(conn)
    .await?;
    Ok(body.map(parse))
}

/// Every captured payload, by task id (the state's `exports` section).
pub async fn all(conn: &mut SqliteConnection) -> sqlx::Result<Vec<(i64, Value)>> {
    let rows =
        sqlx::query!(r#"SELECT task_id AS "task_id!", body FROM export_payloads ORDER BY task_id"#)
            .fetch_all(conn)
            .await?;
    Ok(rows
        .into_iter()
        .map(|row| (row.task_id, parse(row.body)))
        .collect())
}

/// Stores checked payloads (their tasks must be stored already).
pub async fn insert(conn: &mut SqliteConnection, exports: &[CapturedExport]) -> sqlx::Result<()> {
    for chunk in exports.chunks(INSERT_CHUNK) {
        QueryBuilder::<Sqlite>::new("INSERT INTO export_payloads (task_id, body) ")
            .push_values(chunk, |mut row, export| {
                row.push_bind(export.task_id).push_bind(&export.body);
            })
            .build()
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Deletes every captured payload.
pub async fn clear(conn: &mut SqliteConnection) -> sqlx::Result<()> {
    sqlx::query!("DELETE FROM export_payloads")
        .execute(conn)
        .await
        .map(|_| ())
}

/// Stored by sdemu as a JSON object's text; anything else is kept as a string.
fn parse(body: String) -> Value {
    serde_json::from_str(&body).unwrap_or(Value::String(body))
}
