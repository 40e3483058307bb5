//! Get Export Data: what a reviewed task exports, the data its Text Documents or Transcripts
//! webhook carries (`domain::export`), with a file link to the original (`file_links`).

use axum::extract::State;
use axum::http::StatusCode;
use serde_json::Value;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::domain::export::{export_ready, ExportData, TranscriptExport};
use crate::error::responses::{NotFoundEmpty, Problem400, QueryTooLong, Unauthorized};
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{Caller, PathParam, QueryParams};
use crate::file_links;
use crate::response::Json;
use crate::state::AppState;
use crate::store::tasks::{self, TaskRef};
use crate::store::{self, webhooks};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(export_data))
        .routes(routes!(export_data_transcript))
}

/// Get Export Data
///
/// Emulates <https://docs.smartdocumentor.net/technical/api-reference/get-get-export-data>.
/// Answers the data the task's Text Documents webhook carries.
///
/// Fidelity: the fields are the page's placeholder response, in its order; sdemu fills the
/// task's own fields, a file link for `originalFileUrl` (`null` when the workspace deletes
/// files after review), `null` for the check-out fields and made-up entities in `chunks`;
/// a task with a captured payload (the fixture's `exports`) answers that as given.
/// Available once the review has finished (the task is archived, `Deleted` (20), or its
/// webhook deliveries are out); before that 409 with a problem body carrying `taskStatus`.
/// Unknown task or another organization's: 404 with an empty body, as Task Status. A
/// `taskid` that is not an integer: 400 problem. The optional `externalId` works as on the
/// Transcript variant.
#[utoipa::path(
    get,
    path = "/api/v1.0/external/sdtask/GetExportData/{taskid}",
    operation_id = "getExportData",
    tag = "Export",
    security(("oauth2" = ["WebAPI"])),
    params(
        ("taskid" = i64, Path, description = "The task's id."),
        ("externalId" = Option<String>, Query,
            description = "Optional: the task's External ID; it must name the same task as `taskid` (otherwise 404)."),
    ),
    responses(
        (status = 200, description = "The task's export data", body = ExportData),
        (status = 400, response = Problem400),
        (status = 401, response = Unauthorized),
        (status = 404, response = NotFoundEmpty),
        (status = 409, description = "The task's review has not finished yet",
            content_type = "application/problem+json", body = Problem),
        (status = 414, response = QueryTooLong),
    )
)]
async fn export_data(
    caller: Caller,
    State(state): State<AppState>,
    PathParam(task_id): PathParam<i64>,
    query: QueryParams,
) -> ApiResult<Json<Value>> {
    answer(&state, caller, task_id, &query, Variant::TextDocument).await
}

/// Get Export Data (Transcript)
///
/// Emulates <https://docs.smartdocumentor.net/technical/api-reference/get-get-export-data-transcript>.
/// Answers the data the task's Transcripts webhook carries.
///
/// Fidelity: the older page takes an optional `externalId`, the newer one only `taskid`;
/// sdemu accepts both forms. The body is the Transcripts webhook's (not simplified): Get
/// Export Data's task fields, then `totalTimeInSeconds`, `speakers` and `paragraphs`
/// (sdemu's names and made-up content). Statuses and availability are Get Export Data's.
#[utoipa::path(
    get,
    path = "/api/v1.0/external/sdtask/GetExportData/Transcript/{taskid}",
    operation_id = "getExportDataTranscript",
    tag = "Export",
    security(("oauth2" = ["WebAPI"])),
    params(
        ("taskid" = i64, Path, description = "The task's id."),
        ("externalId" = Option<String>, Query,
            description = "Optional: the task's External ID; it must name the same task as `taskid` (otherwise 404)."),
    ),
    responses(
        (status = 200, description = "The task's export data", body = TranscriptExport),
        (status = 400, response = Problem400),
        (status = 401, response = Unauthorized),
        (status = 404, response = NotFoundEmpty),
        (status = 409, description = "The task's review has not finished yet",
            content_type = "application/problem+json", body = Problem),
        (status = 414, response = QueryTooLong),
    )
)]
async fn export_data_transcript(
    caller: Caller,
    State(state): State<AppState>,
    PathParam(task_id): PathParam<i64>,
    query: QueryParams,
) -> ApiResult<Json<Value>> {
    answer(&state, caller, task_id, &query, Variant::Transcript).await
}

/// Which Get Export Data the caller asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Variant {
    TextDocument,
    Transcript,
}

/// The export data of the caller's task: the body its Text Documents and Transcripts
/// webhooks carry (`payload` builds those from the same `ExportData`).
async fn answer(
    state: &AppState,
    caller: Caller,
    task_id: i64,
    query: &QueryParams,
    variant: Variant,
) -> ApiResult<Json<Value>> {
    let task = TaskRef {
        task_id: Some(task_id),
        external_id: query.raw_first("externalId").map(str::to_owned),
    };
    let Some(status) = tasks::find(&state.db, caller.tenant_id, &task).await? else {
        return Err(ApiError::empty_not_found());
    };
    let mut conn = state.db.acquire().await?;
    let (pending, _) = webhooks::export_state(&mut conn, task_id).await?;
    if !export_ready(status.task_status, pending) {
        return Err(Problem::new(
            StatusCode::CONFLICT,
            "export-not-ready",
            format!(
                "The task is {} ({}): its export data exists once its review has finished.",
                status.task_status_text, status.task_status
            ),
        )
        .with("taskStatus", status.task_status)
        .into());
    }
    if let Some(captured) = store::exports::captured(&mut conn, task_id).await? {
        return Ok(Json::ok(captured));
    }
    let speakers = store::speakers::for_export(&mut conn, task_id).await?;
    drop(conn);
    let original = file_links::original(state, &status).await?;
    let body = match variant {
        Variant::TextDocument => serde_json::to_value(ExportData::of(&status, original)),
        Variant::Transcript => {
            serde_json::to_value(TranscriptExport::of(&status, original, &speakers))
        }
    };
    Ok(Json::ok(body.unwrap_or(Value::Null)))
}
