//! A task as the API returns it: the wire type of Task Status, Task Status List and the
//! create-task response.

use serde::Serialize;

use super::time::TaskTime;

/// A task as the API returns it (`GetTaskStatusResponse`), fields in the documented order.
/// `batchId`, `taskNumber`, `externalId` and `description` are written as `null` when unset;
/// `restartCount` is left out until the task has been reprocessed.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskStatus {
    pub task_id: i64,
    pub workspace_id: i64,
    pub batch_id: Option<i64>,
    pub task_number: Option<i64>,
    pub external_id: Option<String>,
    pub display_name: String,
    pub description: Option<String>,
    pub created_on: TaskTime,
    pub task_status: i64,
    pub integration_status: i64,
    pub task_status_text: String,
    pub integration_status_text: String,
    pub total_pages: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub restart_count: Option<i64>,
    pub pre_processing_started_on: Option<TaskTime>,
}
