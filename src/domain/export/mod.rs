//! What a reviewed task exports: the body of Get Export Data (and of its Transcript
//! variant), the payload of each webhook kind, and when the export exists. The made-up
//! content is [`content`](crate::domain::export::content); the files behind the links are
//! [`files`](crate::domain::export::files).
//!
//! The documentation gives the Url To File payloads field by field and Get Export Data as a
//! placeholder; the Text Documents and Transcripts payloads only in prose. sdemu builds
//! those two from Get Export Data's fields and the transcript elements the prose names, and
//! a fixture may give a task a captured payload that replaces them.

pub mod content;
pub mod files;
pub mod links;

use serde::Serialize;
use serde_json::{json, Value};
use utoipa::ToSchema;

use crate::domain::speakers::TaskSpeaker;
use crate::domain::task::TaskStatus;
use crate::domain::webhooks::{Webhook, WebhookKind};
use content::{Paragraph, Speaker};

/// The task's fields every export body starts with: those of the documentation's Get
/// Export Data placeholder, in its order, up to `lastCheckedOutUntil`. sdemu keeps no
/// check-outs, so those fields are `null`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ExportedTask {
    pub task_id: i64,
    /// A link to the original document, served by sdemu and expiring by its clock; `null`
    /// when the workspace deletes document files after review.
    pub original_file_url: Option<String>,
    pub workspace_id: i64,
    pub batch_id: Option<i64>,
    pub task_number: Option<i64>,
    pub external_id: Option<String>,
    pub display_name: String,
    pub description: Option<String>,
    pub total_pages: i64,
    /// Always `null` in sdemu (no users).
    pub last_checkout_by_user_name: Option<String>,
    /// Always `null` in sdemu (no users).
    pub last_checked_out_by: Option<String>,
    /// Always `null` in sdemu (no check-outs).
    pub last_checked_out_until: Option<String>,
}

impl ExportedTask {
    pub fn of(task: &TaskStatus, original_file_url: Option<String>) -> Self {
        Self {
            task_id: task.task_id,
            original_file_url,
            workspace_id: task.workspace_id,
            batch_id: task.batch_id,
            task_number: task.task_number,
            external_id: task.external_id.clone(),
            display_name: task.display_name.clone(),
            description: task.description.clone(),
            total_pages: task.total_pages,
            last_checkout_by_user_name: None,
            last_checked_out_by: None,
            last_checked_out_until: None,
        }
    }
}

/// What Get Export Data answers and the Text Documents webhook carries: the task's fields,
/// then `chunks` (made-up entities, one chunk per page).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ExportData {
    #[serde(flatten)]
    pub task: ExportedTask,
    /// One chunk per page (at most 12), each `{"entities": [...]}` with the documented
    /// entity fields.
    #[schema(value_type = Vec<Object>)]
    pub chunks: Vec<Value>,
}

impl ExportData {
    pub fn of(task: &TaskStatus, original_file_url: Option<String>) -> Self {
        Self {
            task: ExportedTask::of(task, original_file_url),
            chunks: content::chunks(task.task_id, task.total_pages),
        }
    }
}

/// What Get Export Data (Transcript) answers and the Transcripts webhook carries: the task's
/// fields, then the transcript elements the documentation names (`totalTimeInSeconds`,
/// speakers, paragraphs with start and end times and annotations). The names after
/// `lastCheckedOutUntil` are sdemu's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TranscriptExport {
    #[serde(flatten)]
    pub task: ExportedTask,
    /// The recording's length in whole seconds.
    pub total_time_in_seconds: i64,
    pub speakers: Vec<Speaker>,
    pub paragraphs: Vec<Paragraph>,
}

impl TranscriptExport {
    /// `speakers`: the task's speakers (Task Speakers, or its workspace's); none, and the
    /// speakers are made up.
    pub fn of(
        task: &TaskStatus,
        original_file_url: Option<String>,
        speakers: &[TaskSpeaker],
    ) -> Self {
        let transcript = content::transcript_with(task.task_id, speakers);
        Self {
            task: ExportedTask::of(task, original_file_url),
            total_time_in_seconds: transcript.total_time_in_seconds(),
            speakers: transcript.speakers,
            paragraphs: transcript.paragraphs,
        }
    }

    /// The "Simplified Export": only the key data, the task's ids and name, the speakers
    /// and each paragraph's speaker and text.
    pub fn simplified(&self) -> Value {
        json!({
            "taskId": self.task.task_id,
            "workspaceId": self.task.workspace_id,
            "taskNumber": self.task.task_number,
            "displayName": self.task.display_name,
            "speakers": self.speakers,
            "paragraphs": self.paragraphs.iter().map(|paragraph| json!({
                "speakerId": paragraph.speaker_id,
                "text": paragraph.text,
            })).collect::<Vec<_>>(),
        })
    }
}

/// Whether a task's export data exists: its review has finished, so it is archived (Task
/// History, shown as `Deleted`) or its webhook deliveries are out (a receiver handling one
/// may fetch the export). A task sent back to ToReview by a failed delivery has none.
pub fn export_ready(task_status: i64, export_pending: bool) -> bool {
    task_status == crate::domain::lifecycle::ARCHIVED || export_pending
}

/// What one delivery or answer is made of: the task, its links (made by the caller, which
/// stores them) and the payload a fixture captured for it, if any.
#[derive(Debug, Clone, Copy)]
pub struct ExportSource<'a> {
    pub task: &'a TaskStatus,
    pub original_file_url: Option<&'a str>,
    /// The Url To File kinds' link to the exported file.
    pub exported_file_url: Option<&'a str>,
    /// A payload given by the fixture's `exports` section: sent as it is, in place of the
    /// Text Documents and Transcripts bodies (and answered by Get Export Data).
    pub captured: Option<&'a Value>,
    /// The task's speakers (Task Speakers, or its workspace's), which speak its transcript.
    pub speakers: &'a [TaskSpeaker],
}

/// The JSON body `webhook` receives. The Url To File bodies have the documented fields
/// exactly, in the documented order.
pub fn payload(webhook: &Webhook, source: ExportSource<'_>) -> Value {
    let task = source.task;
    let original = source.original_file_url.map(str::to_owned);
    match webhook.kind {
        WebhookKind::UrlToFileTranscripts => json!({
            "taskId": task.task_id,
            "taskNumber": task.task_number,
            "workspaceId": task.workspace_id,
            "displayName": task.display_name,
            "exportedFileUrl": source.exported_file_url,
        }),
        WebhookKind::UrlToFileAnonymization => json!({
            "taskId": task.task_id,
            "totalPages": task.total_pages,
            "taskNumber": task.task_number,
            "workspaceId": task.workspace_id,
            "displayName": task.display_name,
            "exportedFileUrl": source.exported_file_url,
        }),
        _ if source.captured.is_some() => source.captured.cloned().unwrap_or(Value::Null),
        WebhookKind::TextDocuments => to_value(&ExportData::of(task, original)),
        WebhookKind::Transcripts => {
            let export = TranscriptExport::of(task, original, source.speakers);
            if webhook.options.simplified_export == Some(true) {
                export.simplified()
            } else {
                to_value(&export)
            }
        }
    }
}

fn to_value(body: &impl Serialize) -> Value {
    serde_json::to_value(body).unwrap_or(Value::Null)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn export_data_exists_once_archived_or_while_deliveries_are_out() {
        use crate::domain::lifecycle::{ARCHIVED, IN_REVIEW, TO_REVIEW};
        assert!(export_ready(ARCHIVED, false));
        assert!(export_ready(IN_REVIEW, true));
        assert!(!export_ready(IN_REVIEW, false));
        assert!(!export_ready(TO_REVIEW, false));
    }
}
