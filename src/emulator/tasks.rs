//! Per-task control of the lifecycle: see one task's lifecycle, force it into a status, run
//! its next step now, and play the reviewer. Task ids are unique across organizations, so
//! these routes name a task by its id alone.

use axum::extract::{Request, State};
use axum::http::StatusCode;
use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::responses::{
    AdminTokenRequired, ControlPlaneBodyTooLarge, Problem400, QueryTooLong, StepRefused,
    UnknownTask,
};
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::body::read_control_body;
use crate::extract::{Admin, PathParam};
use crate::lifecycle::{self, ControlRefusal, ReviewStep};
use crate::response::Json;
use crate::state::AppState;
use crate::store;

/// One task's lifecycle, as `GET /_emulator/tasks/{taskId}` shows it.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TaskLifecycle {
    pub task_id: i64,
    pub task_status: i64,
    pub task_status_text: String,
    pub integration_status: i64,
    /// How many times the task was reprocessed.
    pub restart_count: i64,
    /// The step that falls due next by itself, or `null`.
    pub next_step: Option<NextStepView>,
    /// Every status change sdemu made to the task, oldest first (tasks loaded from fixtures
    /// start with none).
    pub history: Vec<TransitionView>,
    /// `true` while the task's webhooks are being delivered (its review finished, the
    /// outcome not applied yet).
    pub export_pending: bool,
    /// What the last failed webhook delivery left on the task: the receiver's non-empty
    /// body, or why there was no answer; `null` when none failed (or after a successful
    /// export).
    #[schema(required = true)]
    pub last_export_error: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NextStepView {
    pub task_status: i64,
    /// When it falls due, by the emulator's clock.
    pub due_at: String,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TransitionView {
    pub at: String,
    /// `null` for the transition that created the task.
    pub from_status: Option<i64>,
    pub to_status: i64,
    /// `created`, `reprocessed`, `lifecycle`, `advanced`, `forced`, `review`, `exported`
    /// (every webhook answered 2xx) or `export-failed`.
    pub cause: String,
}

fn instant(seconds: i64) -> String {
    DateTime::<Utc>::from_timestamp(seconds, 0)
        .unwrap_or_default()
        .to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// The refusal of a per-task control, as a problem: 404 for an unknown task, 400 for an
/// uncatalogued code, 409 for a task whose status does not allow the step.
impl From<ControlRefusal> for ApiError {
    fn from(refusal: ControlRefusal) -> Self {
        let problem = match refusal {
            ControlRefusal::UnknownTask => Problem::new(
                StatusCode::NOT_FOUND,
                "unknown-task",
                "No task has this id.",
            ),
            ControlRefusal::UnknownTaskStatus(code) => Problem::new(
                StatusCode::BAD_REQUEST,
                "invalid-field",
                format!("The field 'taskStatus' is {code}, which is not in the task status catalogue."),
            )
            .with("field", "taskStatus"),
            ControlRefusal::UnknownIntegrationStatus(code) => Problem::new(
                StatusCode::BAD_REQUEST,
                "invalid-field",
                format!(
                    "The field 'integrationStatus' is {code}, which is not in the integration status catalogue."
                ),
            )
            .with("field", "integrationStatus"),
            ControlRefusal::NoNextStep { task_status } => Problem::new(
                StatusCode::CONFLICT,
                "no-next-step",
                format!("The task is in status {task_status}, which has no next step of its own."),
            )
            .with("taskStatus", task_status),
            ControlRefusal::InTaskHistory { task_status } => Problem::new(
                StatusCode::CONFLICT,
                "task-deleted",
                format!(
                    "The task is in status {task_status}: a task in Task History cannot be reprocessed."
                ),
            )
            .with("taskStatus", task_status),
            ControlRefusal::NotReviewable { task_status } => Problem::new(
                StatusCode::CONFLICT,
                "not-reviewable",
                format!(
                    "The task is in status {task_status}; reviews start from ToReview (3) and finish from ToReview or InReview (4)."
                ),
            )
            .with("taskStatus", task_status),
        };
        problem.into()
    }
}

async fn lifecycle_view(state: &AppState, task_id: i64) -> ApiResult<Json<TaskLifecycle>> {
    // One read transaction: the four reads see the same state, whatever a concurrent
    // catch-up applies meanwhile.
    let mut tx = state.db.begin().await?;
    let task = store::lifecycle::find(&mut tx, task_id)
        .await?
        .ok_or(ControlRefusal::UnknownTask)?;
    let status = store::tasks::find_by_id(&mut tx, task_id)
        .await?
        .ok_or(ControlRefusal::UnknownTask)?;
    let history = store::lifecycle::history(&mut tx, task_id).await?;
    let (export_pending, last_export_error) =
        store::webhooks::export_state(&mut tx, task_id).await?;
    tx.commit().await?;
    Ok(Json::ok(TaskLifecycle {
        task_id,
        task_status: task.task_status,
        task_status_text: status.task_status_text,
        integration_status: status.integration_status,
        restart_count: task.restart_count,
        next_step: task
            .next_status
            .zip(task.next_step_at)
            .map(|(task_status, due)| NextStepView {
                task_status,
                due_at: instant(due),
            }),
        history: history
            .into_iter()
            .map(|row| TransitionView {
                at: instant(row.at),
                from_status: row.from_status,
                to_status: row.to_status,
                cause: row.cause,
            })
            .collect(),
        export_pending,
        last_export_error,
    }))
}

/// Show one task's lifecycle
///
/// `GET /_emulator/tasks/{taskId}`: the task's status, its next step and when it falls due,
/// and its history. Steps already due are applied first.
#[utoipa::path(
    get,
    path = "/_emulator/tasks/{taskId}",
    operation_id = "getTaskLifecycle",
    tag = "Emulator",
    security((), ("adminToken" = [])),
    params(("taskId" = i64, Path, description = "The task's id (unique across organizations).")),
    responses(
        (status = 200, description = "The task's lifecycle", body = TaskLifecycle),
        (status = 401, response = AdminTokenRequired),
        (status = 404, response = UnknownTask),
        (status = 414, response = QueryTooLong),
    )
)]
pub async fn show(
    _admin: Admin,
    State(state): State<AppState>,
    PathParam(task_id): PathParam<i64>,
) -> ApiResult<Json<TaskLifecycle>> {
    lifecycle::catch_up(&state).await?;
    lifecycle_view(&state, task_id).await
}

/// The body of `POST /_emulator/tasks/{taskId}/status`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ForceStatus {
    task_status: i64,
    integration_status: Option<i64>,
}

/// Force a task into a status
///
/// `POST /_emulator/tasks/{taskId}/status` with `{"taskStatus": 32}` (and optionally
/// `"integrationStatus"`): forces the task into that status now; the step after it is
/// scheduled as if the task had arrived there by itself. An uncatalogued code is a 400
/// problem and changes nothing.
#[utoipa::path(
    post,
    path = "/_emulator/tasks/{taskId}/status",
    operation_id = "forceTaskStatus",
    tag = "Emulator",
    security((), ("adminToken" = [])),
    params(("taskId" = i64, Path, description = "The task's id (unique across organizations).")),
    request_body = ForceStatus,
    responses(
        (status = 200, description = "The task's lifecycle", body = TaskLifecycle),
        (status = 400, response = Problem400),
        (status = 413, response = ControlPlaneBodyTooLarge),
        (status = 401, response = AdminTokenRequired),
        (status = 404, response = UnknownTask),
        (status = 414, response = QueryTooLong),
    )
)]
pub async fn force_status(
    _admin: Admin,
    State(state): State<AppState>,
    PathParam(task_id): PathParam<i64>,
    request: Request,
) -> ApiResult<Json<TaskLifecycle>> {
    let body: ForceStatus = read_control_body(request.into_body()).await?;
    lifecycle::force(&state, task_id, body.task_status, body.integration_status).await??;
    lifecycle_view(&state, task_id).await
}

/// Run a task's next step now
///
/// `POST /_emulator/tasks/{taskId}/advance`: runs the task's next step now. 409 when its
/// status has no next step.
#[utoipa::path(
    post,
    path = "/_emulator/tasks/{taskId}/advance",
    operation_id = "advanceTask",
    tag = "Emulator",
    security((), ("adminToken" = [])),
    params(("taskId" = i64, Path, description = "The task's id (unique across organizations).")),
    responses(
        (status = 200, description = "The task's lifecycle", body = TaskLifecycle),
        (status = 409, response = StepRefused),
        (status = 401, response = AdminTokenRequired),
        (status = 404, response = UnknownTask),
        (status = 414, response = QueryTooLong),
    )
)]
pub async fn advance(
    _admin: Admin,
    State(state): State<AppState>,
    PathParam(task_id): PathParam<i64>,
) -> ApiResult<Json<TaskLifecycle>> {
    lifecycle::advance_task(&state, task_id).await??;
    lifecycle_view(&state, task_id).await
}

/// A review step in the path of `POST /_emulator/tasks/{taskId}/review/{step}`.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ReviewStepName {
    /// A reviewer opens the task: ToReview (3) → InReview (4).
    Start,
    /// The review is done: ToReview or InReview → Task History (`Deleted`, 20).
    Finish,
}

/// Play the reviewer
///
/// `POST /_emulator/tasks/{taskId}/review/start` opens the review (ToReview → InReview);
/// `POST /_emulator/tasks/{taskId}/review/finish` finishes it (from ToReview or InReview)
/// and archives the task into Task History (`Deleted`, 20). 409 from any other status; an
/// unknown step is a 400.
#[utoipa::path(
    post,
    path = "/_emulator/tasks/{taskId}/review/{step}",
    operation_id = "reviewTask",
    tag = "Emulator",
    security((), ("adminToken" = [])),
    params(
        ("taskId" = i64, Path, description = "The task's id (unique across organizations)."),
        ("step" = inline(ReviewStepName), Path, description = "`start` or `finish`."),
    ),
    responses(
        (status = 200, description = "The task's lifecycle", body = TaskLifecycle),
        (status = 400, response = Problem400),
        (status = 401, response = AdminTokenRequired),
        (status = 404, response = UnknownTask),
        (status = 409, response = StepRefused),
        (status = 414, response = QueryTooLong),
    )
)]
pub async fn review(
    _admin: Admin,
    State(state): State<AppState>,
    PathParam((task_id, step)): PathParam<(i64, ReviewStepName)>,
) -> ApiResult<Json<TaskLifecycle>> {
    let step = match step {
        ReviewStepName::Start => ReviewStep::Start,
        ReviewStepName::Finish => ReviewStep::Finish,
    };
    lifecycle::review(&state, task_id, step).await??;
    lifecycle_view(&state, task_id).await
}

/// Reprocess a task
///
/// `POST /_emulator/tasks/{taskId}/reprocess`: what Reprocess Task does, for any
/// organization's task: one more restart, back to QueuedForPreProcessing (30) now, and a
/// new run of the lifecycle. 409 for a task in Task History (Deleting 19, Deleted 20).
#[utoipa::path(
    post,
    path = "/_emulator/tasks/{taskId}/reprocess",
    operation_id = "reprocessTask",
    tag = "Emulator",
    security((), ("adminToken" = [])),
    params(("taskId" = i64, Path, description = "The task's id (unique across organizations).")),
    responses(
        (status = 200, description = "The task's lifecycle", body = TaskLifecycle),
        (status = 409, response = StepRefused),
        (status = 401, response = AdminTokenRequired),
        (status = 404, response = UnknownTask),
        (status = 414, response = QueryTooLong),
    )
)]
pub async fn reprocess(
    _admin: Admin,
    State(state): State<AppState>,
    PathParam(task_id): PathParam<i64>,
) -> ApiResult<Json<TaskLifecycle>> {
    lifecycle::reprocess(&state, task_id).await??;
    lifecycle_view(&state, task_id).await
}
