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

/// [`TaskStatus`] over borrowed text: the same object, byte for byte, written without
/// copying a task's strings (loading a fixture writes one for every task).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskStatusRef<'a> {
    pub task_id: i64,
    pub workspace_id: i64,
    pub batch_id: Option<i64>,
    pub task_number: Option<i64>,
    pub external_id: Option<&'a str>,
    pub display_name: &'a str,
    pub description: Option<&'a str>,
    pub created_on: TaskTime,
    pub task_status: i64,
    pub integration_status: i64,
    pub task_status_text: &'a str,
    pub integration_status_text: &'a str,
    pub total_pages: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub restart_count: Option<i64>,
    pub pre_processing_started_on: Option<TaskTime>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn owned(restart_count: Option<i64>, text: Option<&str>) -> TaskStatus {
        TaskStatus {
            task_id: 7,
            workspace_id: 2,
            batch_id: text.map(|_| 3),
            task_number: Some(11),
            external_id: text.map(str::to_owned),
            display_name: "Käse \"A\".pdf".into(),
            description: text.map(|t| format!("{t}\n")),
            created_on: TaskTime(1_700_000_000),
            task_status: 20,
            integration_status: 1,
            task_status_text: "Processing".into(),
            integration_status_text: "None".into(),
            total_pages: 4,
            restart_count,
            pre_processing_started_on: restart_count.map(|_| TaskTime(1_700_000_100)),
        }
    }

    #[test]
    fn the_borrowed_task_object_writes_the_bytes_of_the_owned_one() {
        for (restart_count, text) in [(None, None), (Some(2), Some("ext-1")), (None, Some(""))] {
            let task = owned(restart_count, text);
            let borrowed = TaskStatusRef {
                task_id: task.task_id,
                workspace_id: task.workspace_id,
                batch_id: task.batch_id,
                task_number: task.task_number,
                external_id: task.external_id.as_deref(),
                display_name: &task.display_name,
                description: task.description.as_deref(),
                created_on: task.created_on,
                task_status: task.task_status,
                integration_status: task.integration_status,
                task_status_text: &task.task_status_text,
                integration_status_text: &task.integration_status_text,
                total_pages: task.total_pages,
                restart_count: task.restart_count,
                pre_processing_started_on: task.pre_processing_started_on,
            };
            assert_eq!(
                serde_json::to_string(&borrowed).unwrap(),
                serde_json::to_string(&task).unwrap()
            );
        }
    }
}
