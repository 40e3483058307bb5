//! Transcript speakers: a transcripts workspace's speakers, and each of its tasks' (its
//! workspace's until a client changes them).

use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::Value;
use sqlx::SqliteConnection;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::domain::speakers::{
    self, check_list, check_speaker, is_transcripts_workspace, SpeakerError, SpeakerInput,
    SpeakersInput, TaskSpeaker, TaskSpeakers, WorkspaceSpeaker, WorkspaceSpeakers,
};
use crate::error::responses::{
    NotFoundEmpty, PayloadTooLarge, Problem400, QueryTooLong, Unauthorized,
};
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::body::from_json_value;
use crate::extract::{Caller, JsonBody, PathParam};
use crate::response::Json;
use crate::state::AppState;
use crate::store::speakers as store;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_workspace_speakers, put_workspace_speakers))
        .routes(routes!(
            get_task_speakers,
            post_task_speaker,
            put_task_speaker
        ))
        .routes(routes!(delete_task_speaker))
}

/// The body of Post Task Speaker and Put Task Speaker: the documentation's example wraps
/// speakers in `{"speakers": [...]}`, its model table describes one speaker; both are read.
#[derive(Deserialize, ToSchema)]
#[serde(untagged)]
#[allow(dead_code)]
enum TaskSpeakersBody {
    /// `{"speakers": [...]}`, as the documentation's example.
    Wrapped(SpeakersInput),
    /// One speaker object, as the documentation's model table.
    Single(SpeakerInput),
}

/// 400 problem when a workspace is not a transcripts workspace, or speakers cannot be used.
fn speaker_problem(error: SpeakerError) -> ApiError {
    match error {
        SpeakerError::Field { field, reason } => ApiError::invalid_field(&field, &reason),
        SpeakerError::Duplicate { field, speaker_id } => Problem::new(
            StatusCode::BAD_REQUEST,
            "duplicate-speaker",
            format!("The speakerId '{speaker_id}' is already in the list."),
        )
        .with("field", field)
        .with("speakerId", speaker_id)
        .into(),
        SpeakerError::SeveralDefaults { speaker_ids } => Problem::new(
            StatusCode::BAD_REQUEST,
            "several-default-speakers",
            format!(
                "A task has at most one default speaker; these would be: {}.",
                speaker_ids.join(", ")
            ),
        )
        .with("speakerIds", speaker_ids)
        .into(),
        SpeakerError::Unknown { .. } => ApiError::empty_not_found(),
    }
}

/// The caller's workspace `workspace_id`, which must hold transcripts: 404 with an empty
/// body when the organization has no such workspace, a 400 problem when it holds no
/// transcripts.
async fn transcripts_workspace(
    conn: &mut SqliteConnection,
    caller: Caller,
    workspace_id: i64,
) -> ApiResult<()> {
    let template = store::workspace_template(conn, caller.tenant_id, workspace_id)
        .await?
        .ok_or_else(ApiError::empty_not_found)?;
    if !is_transcripts_workspace(template.as_deref()) {
        return Err(Problem::new(
            StatusCode::BAD_REQUEST,
            "not-a-transcripts-workspace",
            format!(
                "Workspace {workspace_id} is not a transcripts workspace; only transcripts have speakers."
            ),
        )
        .with("workspaceId", workspace_id)
        .into());
    }
    Ok(())
}

/// The caller's task `task_id` in its transcripts workspace `workspace_id`: as
/// [`transcripts_workspace`], and 404 with an empty body when the organization has no
/// such task or the task is in another workspace.
async fn workspace_task(
    conn: &mut SqliteConnection,
    caller: Caller,
    task_id: i64,
    workspace_id: i64,
) -> ApiResult<()> {
    transcripts_workspace(&mut *conn, caller, workspace_id).await?;
    match store::task_workspace(conn, caller.tenant_id, task_id).await? {
        Some(task_workspace) if task_workspace == workspace_id => Ok(()),
        _ => Err(ApiError::empty_not_found()),
    }
}

/// Changes a task's speakers in one write transaction: the task is checked as Get Task
/// Speakers checks it, `change` makes the new list from the current one (its workspace's
/// when the task has none of its own), and the new list is stored and answered.
async fn change_task_speakers(
    state: &AppState,
    caller: Caller,
    task_id: i64,
    workspace_id: i64,
    change: impl FnOnce(Vec<TaskSpeaker>) -> Result<Vec<TaskSpeaker>, SpeakerError>,
) -> ApiResult<Json<TaskSpeakers>> {
    let mut tx = state.begin_write().await?;
    workspace_task(&mut tx, caller, task_id, workspace_id).await?;
    let current = store::of_task(&mut tx, task_id, workspace_id).await?;
    let speakers = change(current).map_err(speaker_problem)?;
    store::replace_task(&mut tx, task_id, &speakers).await?;
    tx.commit().await?;
    Ok(Json::ok(TaskSpeakers { speakers }))
}

/// The speakers a task speakers body gives, and whether it gave them as a list (a
/// problem's `field` is then `speakers[i].speakerId`, else `speakerId`).
struct TaskBody {
    speakers: Vec<TaskSpeaker>,
    wrapped: bool,
}

impl TaskBody {
    /// Reads either form; a list must name at least one speaker.
    fn read(value: Value) -> ApiResult<Self> {
        if value.get("speakers").is_none() {
            let input: SpeakerInput = from_json_value(value)?;
            let speaker = check_speaker(input, "").map_err(speaker_problem)?;
            return Ok(Self {
                speakers: vec![speaker],
                wrapped: false,
            });
        }
        let input: SpeakersInput = from_json_value(value)?;
        let speakers = check_list(input).map_err(speaker_problem)?;
        if speakers.is_empty() {
            return Err(ApiError::invalid_field(
                "speakers",
                "must list at least one speaker",
            ));
        }
        Ok(Self {
            speakers,
            wrapped: true,
        })
    }

    /// The `field` of the `index`-th speaker's `speakerId`.
    fn id_field(wrapped: bool) -> impl Fn(usize) -> String {
        move |index| match wrapped {
            true => format!("speakers[{index}].speakerId"),
            false => "speakerId".to_owned(),
        }
    }
}

/// Get Workspace Speakers
///
/// Emulates <https://docs.smartdocumentor.net/technical/api-reference/transcripts/speakers/workspaces/get-workspace-speakers>.
///
/// Fidelity: the page gives no path; sdemu answers GET on Put Workspace Speakers' path, with
/// the body that operation takes (`{"speakers": [...]}`, in the order put). Unknown
/// workspace, or another organization's: 404 with an empty body; a workspace that is not a
/// transcripts workspace (`workspaceTemplateName` "Transcripts"): 400 problem.
#[utoipa::path(
    get,
    path = "/api/v1.0/external/transcripts/speakers/workspaces/{workspaceId}",
    operation_id = "getWorkspaceSpeakers",
    tag = "Speakers",
    security(("oauth2" = ["WebAPI"])),
    params(("workspaceId" = i64, Path, description = "A transcripts workspace of the caller's organization.")),
    responses(
        (status = 200, description = "The workspace's speakers", body = WorkspaceSpeakers),
        (status = 400, response = Problem400),
        (status = 401, response = Unauthorized),
        (status = 404, response = NotFoundEmpty),
        (status = 414, response = QueryTooLong),
    )
)]
async fn get_workspace_speakers(
    caller: Caller,
    State(state): State<AppState>,
    PathParam(workspace_id): PathParam<i64>,
) -> ApiResult<Json<WorkspaceSpeakers>> {
    let mut conn = state.db.acquire().await?;
    transcripts_workspace(&mut conn, caller, workspace_id).await?;
    let speakers = store::of_workspace(&mut conn, workspace_id).await?;
    Ok(Json::ok(WorkspaceSpeakers { speakers }))
}

/// Put Workspace Speakers
///
/// Emulates <https://docs.smartdocumentor.net/technical/api-reference/transcripts/speakers/workspaces/put-workspace-speakers>.
///
/// Fidelity: replaces the workspace's speakers with the list (`isDefault` is ignored: a
/// workspace's speakers have none) and answers 200 with them. Tasks that have their own
/// speakers keep them. Errors as Get Workspace Speakers; a missing field, a duplicate
/// `speakerId`: 400 problem naming the field.
#[utoipa::path(
    put,
    path = "/api/v1.0/external/transcripts/speakers/workspaces/{workspaceId}",
    operation_id = "putWorkspaceSpeakers",
    tag = "Speakers",
    security(("oauth2" = ["WebAPI"])),
    params(("workspaceId" = i64, Path, description = "A transcripts workspace of the caller's organization.")),
    request_body = SpeakersInput,
    responses(
        (status = 200, description = "The workspace's speakers, as stored", body = WorkspaceSpeakers),
        (status = 400, response = Problem400),
        (status = 401, response = Unauthorized),
        (status = 404, response = NotFoundEmpty),
        (status = 413, response = PayloadTooLarge),
        (status = 414, response = QueryTooLong),
    )
)]
async fn put_workspace_speakers(
    caller: Caller,
    State(state): State<AppState>,
    PathParam(workspace_id): PathParam<i64>,
    JsonBody(input): JsonBody<SpeakersInput>,
) -> ApiResult<Json<WorkspaceSpeakers>> {
    let speakers: Vec<WorkspaceSpeaker> = check_list(input)
        .map_err(speaker_problem)?
        .into_iter()
        .map(|s| WorkspaceSpeaker {
            speaker_id: s.speaker_id,
            speaker_name: s.speaker_name,
            speaker_prefix: s.speaker_prefix,
            speaker_suffix: s.speaker_suffix,
        })
        .collect();
    let mut tx = state.begin_write().await?;
    transcripts_workspace(&mut tx, caller, workspace_id).await?;
    store::replace_workspace(&mut tx, workspace_id, &speakers).await?;
    tx.commit().await?;
    Ok(Json::ok(WorkspaceSpeakers { speakers }))
}

/// Get Task Speakers
///
/// Emulates <https://docs.smartdocumentor.net/technical/api-reference/transcripts/speakers/tasks/get-task-speakers>.
///
/// Fidelity: `{"speakers": [...]}` as the POST example wraps them. A task that no client
/// changed has its workspace's speakers (none the default). Unknown task or workspace,
/// another organization's, or a task of another workspace: 404 with an empty body; a
/// workspace that is not a transcripts workspace: 400 problem.
#[utoipa::path(
    get,
    path = "/api/v1.0/external/transcripts/speakers/tasks/{taskId}/{workspaceId}",
    operation_id = "getTaskSpeakers",
    tag = "Speakers",
    security(("oauth2" = ["WebAPI"])),
    params(
        ("taskId" = i64, Path, description = "A task of the workspace."),
        ("workspaceId" = i64, Path, description = "A transcripts workspace of the caller's organization."),
    ),
    responses(
        (status = 200, description = "The task's speakers", body = TaskSpeakers),
        (status = 400, response = Problem400),
        (status = 401, response = Unauthorized),
        (status = 404, response = NotFoundEmpty),
        (status = 414, response = QueryTooLong),
    )
)]
async fn get_task_speakers(
    caller: Caller,
    State(state): State<AppState>,
    PathParam((task_id, workspace_id)): PathParam<(i64, i64)>,
) -> ApiResult<Json<TaskSpeakers>> {
    let mut conn = state.db.acquire().await?;
    workspace_task(&mut conn, caller, task_id, workspace_id).await?;
    let speakers = store::of_task(&mut conn, task_id, workspace_id).await?;
    Ok(Json::ok(TaskSpeakers { speakers }))
}

/// Post Task Speaker
///
/// Emulates <https://docs.smartdocumentor.net/technical/api-reference/transcripts/speakers/tasks/post-task-speaker>.
///
/// Fidelity: the body is one speaker (the model table) or `{"speakers": [...]}` (the
/// example, at least one speaker); they are added after the task's speakers (its workspace's, copied, when it has
/// none of its own yet) and the task's speakers are answered, 200. A `speakerId` the task
/// has, or listed twice: 400 `duplicate-speaker`; a second default speaker: 400
/// `several-default-speakers`. Other errors as Get Task Speakers.
#[utoipa::path(
    post,
    path = "/api/v1.0/external/transcripts/speakers/tasks/{taskId}/{workspaceId}",
    operation_id = "postTaskSpeaker",
    tag = "Speakers",
    security(("oauth2" = ["WebAPI"])),
    params(
        ("taskId" = i64, Path, description = "A task of the workspace."),
        ("workspaceId" = i64, Path, description = "A transcripts workspace of the caller's organization."),
    ),
    request_body = inline(TaskSpeakersBody),
    responses(
        (status = 200, description = "The task's speakers, the new ones last", body = TaskSpeakers),
        (status = 400, response = Problem400),
        (status = 401, response = Unauthorized),
        (status = 404, response = NotFoundEmpty),
        (status = 413, response = PayloadTooLarge),
        (status = 414, response = QueryTooLong),
    )
)]
async fn post_task_speaker(
    caller: Caller,
    State(state): State<AppState>,
    PathParam((task_id, workspace_id)): PathParam<(i64, i64)>,
    JsonBody(body): JsonBody<Value>,
) -> ApiResult<Json<TaskSpeakers>> {
    let TaskBody {
        speakers: added,
        wrapped,
    } = TaskBody::read(body)?;
    change_task_speakers(&state, caller, task_id, workspace_id, |current| {
        speakers::add(current, added, TaskBody::id_field(wrapped))
    })
    .await
}

/// Put Task Speaker
///
/// Emulates <https://docs.smartdocumentor.net/technical/api-reference/transcripts/speakers/tasks/put-task-speaker>.
///
/// Fidelity: the body is read as Post Task Speaker's; each speaker given replaces the
/// task's speaker with its `speakerId` (others are kept) and the task's speakers are
/// answered, 200. A `speakerId` the task does not have: 404 with an empty body; more than
/// one default speaker afterwards: 400 `several-default-speakers` (move the default in one
/// request by sending both speakers). Other errors as Get Task Speakers.
#[utoipa::path(
    put,
    path = "/api/v1.0/external/transcripts/speakers/tasks/{taskId}/{workspaceId}",
    operation_id = "putTaskSpeaker",
    tag = "Speakers",
    security(("oauth2" = ["WebAPI"])),
    params(
        ("taskId" = i64, Path, description = "A task of the workspace."),
        ("workspaceId" = i64, Path, description = "A transcripts workspace of the caller's organization."),
    ),
    request_body = inline(TaskSpeakersBody),
    responses(
        (status = 200, description = "The task's speakers", body = TaskSpeakers),
        (status = 400, response = Problem400),
        (status = 401, response = Unauthorized),
        (status = 404, response = NotFoundEmpty),
        (status = 413, response = PayloadTooLarge),
        (status = 414, response = QueryTooLong),
    )
)]
async fn put_task_speaker(
    caller: Caller,
    State(state): State<AppState>,
    PathParam((task_id, workspace_id)): PathParam<(i64, i64)>,
    JsonBody(body): JsonBody<Value>,
) -> ApiResult<Json<TaskSpeakers>> {
    let changed = TaskBody::read(body)?.speakers;
    change_task_speakers(&state, caller, task_id, workspace_id, |current| {
        speakers::update(current, changed)
    })
    .await
}

/// Delete Task Speaker
///
/// Emulates <https://docs.smartdocumentor.net/technical/api-reference/transcripts/speakers/tasks/delete-task-speaker>.
///
/// Fidelity: removes the speaker from the task (from a copy of its workspace's speakers
/// when it had none of its own; the workspace keeps them) and answers the task's remaining
/// speakers, 200. A `speakerId` the task does not have: 404 with an empty body. Other
/// errors as Get Task Speakers.
#[utoipa::path(
    delete,
    path = "/api/v1.0/external/transcripts/speakers/tasks/{taskId}/{workspaceId}/{speakerId}",
    operation_id = "deleteTaskSpeaker",
    tag = "Speakers",
    security(("oauth2" = ["WebAPI"])),
    params(
        ("taskId" = i64, Path, description = "A task of the workspace."),
        ("workspaceId" = i64, Path, description = "A transcripts workspace of the caller's organization."),
        ("speakerId" = String, Path, description = "A speaker of the task."),
    ),
    responses(
        (status = 200, description = "The task's remaining speakers", body = TaskSpeakers),
        (status = 400, response = Problem400),
        (status = 401, response = Unauthorized),
        (status = 404, response = NotFoundEmpty),
        (status = 414, response = QueryTooLong),
    )
)]
async fn delete_task_speaker(
    caller: Caller,
    State(state): State<AppState>,
    PathParam((task_id, workspace_id, speaker_id)): PathParam<(i64, i64, String)>,
) -> ApiResult<Json<TaskSpeakers>> {
    change_task_speakers(&state, caller, task_id, workspace_id, |current| {
        speakers::remove(current, &speaker_id)
    })
    .await
}
