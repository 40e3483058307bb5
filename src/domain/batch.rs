//! A batch as the API returns it: the wire type of Get Batch, Create Batch and the items of
//! Get Batch Paginated.

use serde::Serialize;

use super::time::BatchTime;

/// A batch as the API returns it (`GetBatchResponse`), fields in the documented order.
/// `totalTasks` counts the tasks that name the batch; `totalTasksInHistory` is stored.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Batch {
    pub batch_id: i64,
    pub workspace_id: i64,
    pub display_name: String,
    #[schema(required = true)]
    pub description: Option<String>,
    #[schema(inline)]
    pub created_on: BatchTime,
    pub total_tasks: i64,
    pub total_tasks_in_history: i64,
}
