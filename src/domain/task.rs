//! A task as the API returns it: the wire type of Task Status, Task Status List and the
//! create-task response.

use serde::Serialize;

use super::time::TaskTime;

/// A task as the API returns it (`GetTaskStatusResponse`), fields in the documented order.
/// `batchId`, `taskNumber`, `externalId` and `description` are written as `null` when unset;
/// `restartCount` is left out until the task has been reprocessed.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TaskStatus {
    pub task_id: i64,
    pub workspace_id: i64,
    #[schema(required = true)]
    pub batch_id: Option<i64>,
    #[schema(required = true)]
    pub task_number: Option<i64>,
    #[schema(required = true)]
    pub external_id: Option<String>,
    pub display_name: String,
    #[schema(required = true)]
    pub description: Option<String>,
    #[schema(inline)]
    pub created_on: TaskTime,
    pub task_status: i64,
    pub integration_status: i64,
    pub task_status_text: String,
    pub integration_status_text: String,
    #[schema(minimum = 0)]
    pub total_pages: i64,
    /// Absent until the task has been reprocessed; then how many times it was.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false, minimum = 1)]
    pub restart_count: Option<i64>,
    #[schema(required = true, inline)]
    pub pre_processing_started_on: Option<TaskTime>,
}
