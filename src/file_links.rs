//! File links at work: issuing the links export payloads carry (`originalFileUrl`,
//! `exportedFileUrl`) with their expiry by the emulator's clock. The rules are
//! `domain::export::links`, the SQL `store::file_links`; the download is
//! `emulator::files`.

use crate::domain::auth::new_token;
use crate::domain::export::files::{DocxOptions, FileFormat};
use crate::domain::export::links::{FileLink, LinkPurpose};
use crate::domain::task::TaskStatus;
use crate::domain::webhooks::{Webhook, WebhookKind, MAX_LINK_EXPIRY_HOURS};
use crate::state::AppState;
use crate::store;

/// Stores a new link in its own write transaction, so the caller must hold no connection:
/// the write turn is always taken before a connection, never while holding one (otherwise
/// callers holding every pooled connection could wait for a turn whose holder waits for a
/// connection).
async fn issue(
    state: &AppState,
    task_id: i64,
    purpose: LinkPurpose,
    format: FileFormat,
    options: DocxOptions,
    lifetime_seconds: i64,
) -> sqlx::Result<String> {
    let now = state.clock.now().timestamp();
    let token = new_token().map_err(|error| sqlx::Error::Protocol(error.to_string()))?;
    let link = FileLink {
        token,
        task_id,
        purpose,
        format,
        options,
        created_at: now,
        expires_at: now + lifetime_seconds,
    };
    let mut tx = state.begin_write().await?;
    store::file_links::insert(&mut tx, &link).await?;
    tx.commit().await?;
    Ok(link.url(&state.config.link_base()))
}

/// The `originalFileUrl` of `task`: the link issued before while it is valid (so repeated
/// calls answer the same link), otherwise a new one valid for `--original-link-days`;
/// `None` when the workspace deletes document files after review (`deleteFilesAfterReview`).
/// Call it holding no connection (see `issue`).
pub async fn original(state: &AppState, task: &TaskStatus) -> sqlx::Result<Option<String>> {
    let mut conn = state.db.acquire().await?;
    if store::workspaces::deletes_files_after_review(&mut conn, task.workspace_id).await? {
        return Ok(None);
    }
    let now = state.clock.now().timestamp();
    if let Some(link) = store::file_links::current_original(&mut conn, task.task_id, now).await? {
        return Ok(Some(link.url(&state.config.link_base())));
    }
    let document_url = store::file_links::document_url(&mut conn, task.task_id).await?;
    drop(conn);
    let format = FileFormat::of_original(document_url.as_deref().unwrap_or_default());
    let lifetime = i64::from(state.config.original_link_days) * 86_400;
    issue(
        state,
        task.task_id,
        LinkPurpose::Original,
        format,
        DocxOptions::default(),
        lifetime,
    )
    .await
    .map(Some)
}

/// A new `exportedFileUrl` for what `webhook` (a Url To File kind) exports of `task`,
/// valid for its `linkExpiryHours`; `None` for the other kinds.
/// Call it holding no connection (see `issue`).
pub async fn exported(
    state: &AppState,
    task: &TaskStatus,
    webhook: &Webhook,
) -> sqlx::Result<Option<String>> {
    let options = &webhook.options;
    let format = match webhook.kind {
        WebhookKind::UrlToFileTranscripts => FileFormat::Docx,
        WebhookKind::UrlToFileAnonymization => {
            FileFormat::from_option(options.file_format.as_deref().unwrap_or("PDF"))
        }
        WebhookKind::TextDocuments | WebhookKind::Transcripts => return Ok(None),
    };
    let docx = DocxOptions {
        timestamps: options.timestamps == Some(true),
        speakers: options.speakers == Some(true),
        merge_paragraphs: options.merge_paragraphs == Some(true),
    };
    let hours = options.link_expiry_hours.unwrap_or(MAX_LINK_EXPIRY_HOURS);
    issue(
        state,
        task.task_id,
        LinkPurpose::Exported,
        format,
        docx,
        hours * 3600,
    )
    .await
    .map(Some)
}
