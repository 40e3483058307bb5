//! File links in SQLite: issued with their expiry, looked up with what the file is made of,
//! deleted by the control plane, a reset or a seed.

use sqlx::SqliteConnection;

use crate::domain::export::files::{DocxOptions, FileFormat};
use crate::domain::export::links::{FileLink, LinkPurpose, LINKS_PER_TASK};

/// Stores a new link, and forgets the task's links beyond the newest `LINKS_PER_TASK`.
pub async fn insert(conn: &mut SqliteConnection, link: &FileLink) -> sqlx::Result<()> {
    let purpose = link.purpose.name();
    let format = link.format.extension();
    let options = serde_json::json!({
        "timestamps": link.options.timestamps,
        "speakers": link.options.speakers,
        "mergeParagraphs": link.options.merge_paragraphs,
    })
    .to_string();
    sqlx::query!(
        "INSERT INTO file_links (token, task_id, purpose, format, options, created_at, expires_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)",
        link.token,
        link.task_id,
        purpose,
        format,
        options,
        link.created_at,
        link.expires_at
    )
    .execute(&mut *conn)
    .await?;
    sqlx::query!(
        "DELETE FROM file_links WHERE task_id = ?1 AND token NOT IN
           (SELECT token FROM file_links WHERE task_id = ?1
             ORDER BY created_at DESC, rowid DESC LIMIT ?2)",
        link.task_id,
        LINKS_PER_TASK
    )
    .execute(conn)
    .await
    .map(|_| ())
}

/// A link and what its file is made of.
#[derive(Debug, Clone)]
pub struct LinkedFile {
    pub link: FileLink,
    /// Deleted, or its task is gone.
    pub deleted: bool,
    pub display_name: String,
    pub total_pages: i64,
}

struct LinkRow {
    token: String,
    task_id: i64,
    purpose: String,
    format: String,
    options: String,
    created_at: i64,
    expires_at: i64,
    deleted: bool,
    display_name: Option<String>,
    total_pages: Option<i64>,
}

/// The link `token` names, if it was issued (and not forgotten).
pub async fn find(conn: &mut SqliteConnection, token: &str) -> sqlx::Result<Option<LinkedFile>> {
    let row = sqlx::query_as!(
        LinkRow,
        r#"SELECT l.token AS "token!", l.task_id, l.purpose, l.format, l.options, l.created_at,
                  l.expires_at, (l.deleted = 1 OR t.task_id IS NULL) AS "deleted!: bool",
                  t.display_name AS "display_name?", t.total_pages AS "total_pages?"
             FROM file_links l LEFT JOIN tasks t ON t.task_id = l.task_id
            WHERE l.token = ?"#,
        token
    )
    .fetch_optional(conn)
    .await?;
    Ok(row.map(LinkedFile::from))
}

impl From<LinkRow> for LinkedFile {
    fn from(row: LinkRow) -> Self {
        let options: serde_json::Value = serde_json::from_str(&row.options).unwrap_or_default();
        let flag = |name: &str| options[name].as_bool().unwrap_or(false);
        Self {
            link: FileLink {
                token: row.token,
                task_id: row.task_id,
                purpose: LinkPurpose::from_name(&row.purpose),
                format: FileFormat::from_extension(&row.format).unwrap_or(FileFormat::Pdf),
                options: DocxOptions {
                    timestamps: flag("timestamps"),
                    speakers: flag("speakers"),
                    merge_paragraphs: flag("mergeParagraphs"),
                },
                created_at: row.created_at,
                expires_at: row.expires_at,
            },
            deleted: row.deleted,
            display_name: row.display_name.unwrap_or_default(),
            total_pages: row.total_pages.unwrap_or(1),
        }
    }
}

/// The task's newest link to its original document that still serves at `now`, if any:
/// the task's `originalFileUrl` stays the same until it expires.
pub async fn current_original(
    conn: &mut SqliteConnection,
    task_id: i64,
    now: i64,
) -> sqlx::Result<Option<FileLink>> {
    let row = sqlx::query_as!(
        LinkRow,
        r#"SELECT l.token AS "token!", l.task_id, l.purpose, l.format, l.options, l.created_at,
                  l.expires_at, (l.deleted = 1) AS "deleted!: bool",
                  NULL AS "display_name?: String", NULL AS "total_pages?: i64"
             FROM file_links l
            WHERE l.task_id = ? AND l.purpose = 'original' AND l.deleted = 0 AND l.expires_at > ?
            ORDER BY l.created_at DESC, l.rowid DESC LIMIT 1"#,
        task_id,
        now
    )
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|row| LinkedFile::from(row).link))
}

/// Deletes the file `token` names; `false` when no such link exists.
pub async fn delete(conn: &mut SqliteConnection, token: &str) -> sqlx::Result<bool> {
    let result = sqlx::query!("UPDATE file_links SET deleted = 1 WHERE token = ?", token)
        .execute(conn)
        .await?;
    Ok(result.rows_affected() > 0)
}

/// Deletes every file: the data set they came from is gone (reset, seed).
pub async fn delete_all(conn: &mut SqliteConnection) -> sqlx::Result<()> {
    sqlx::query!("UPDATE file_links SET deleted = 1 WHERE deleted = 0")
        .execute(conn)
        .await
        .map(|_| ())
}

/// The URL of the document a client created the task with, if it did (`None` for fixture
/// tasks): it decides the original file's format.
pub async fn document_url(
    conn: &mut SqliteConnection,
    task_id: i64,
) -> sqlx::Result<Option<String>> {
    let url = sqlx::query_scalar!(
        r#"SELECT json_extract(context, '$.url') AS "url?: String" FROM tasks WHERE task_id = ?"#,
        task_id
    )
    .fetch_optional(conn)
    .await?;
    Ok(url.flatten())
}
