//! The files behind file links: `GET /_emulator/files/{token}/{fileName}` serves the file a
//! link in an export payload names, until the link expires by the emulator's clock, like
//! the storage links (SAS) of the real service; `DELETE /_emulator/files/{token}` deletes
//! a file so a test can see the 404 a deleted file gives.
//!
//! Downloads need no admin token: the link's random token is its credential, as a SAS
//! token is. Failures answer the way blob storage does: an XML error body with
//! `AuthenticationFailed` (403, expired or unknown link) or `BlobNotFound` (404, deleted
//! file).

use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, Schema, SchemaFormat, Type};
use utoipa::openapi::RefOr;

use crate::domain::export::files::{render, FileSource};
use crate::domain::export::links::{download, Download};
use crate::error::responses::{AdminTokenRequired, QueryTooLong};
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{Admin, PathParam};
use crate::state::AppState;
use crate::store;

/// A file's bytes, as the API description shows them: a binary string.
pub struct FileBytes;

impl utoipa::PartialSchema for FileBytes {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Binary)))
            .into()
    }
}

impl utoipa::ToSchema for FileBytes {}

/// A storage error: XML, as blob storage answers.
fn storage_error(status: StatusCode, code: &str, message: &str) -> Response {
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?><Error><Code>{code}</Code><Message>{message}</Message></Error>"
    );
    (
        status,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/xml"),
        )],
        body,
    )
        .into_response()
}

/// Download a file link
///
/// Serves the file an `originalFileUrl` or `exportedFileUrl` names: a small valid document
/// of the promised format (`.docx` for Url To File (Transcripts); PDF, JPEG or PNG for Url
/// to File (Anonymization); for an original, the format its document URL names, PDF
/// otherwise). No admin token: the link's token is its credential. The query (`se`, `sp`)
/// and the file name are not checked.
#[utoipa::path(
    get,
    path = "/_emulator/files/{token}/{fileName}",
    operation_id = "downloadFile",
    tag = "Emulator",
    params(
        ("token" = String, Path, description = "The link's random token."),
        ("fileName" = String, Path, description = "The file's name (not checked)."),
    ),
    responses(
        (status = 200, description = "The file, with its content type and a `Content-Disposition` naming it",
            content(
                (FileBytes = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
                (FileBytes = "application/pdf"),
                (FileBytes = "image/jpeg"),
                (FileBytes = "image/png"),
                (FileBytes = "audio/wav"),
            )),
        (status = 403, description = "The link has expired by the emulator's clock, or was never issued (XML `AuthenticationFailed`)",
            content_type = "application/xml", body = String),
        (status = 404, description = "The file was deleted (XML `BlobNotFound`)",
            content_type = "application/xml", body = String),
        (status = 414, response = QueryTooLong),
    )
)]
pub async fn download_file(
    State(state): State<AppState>,
    PathParam((token, _file_name)): PathParam<(String, String)>,
) -> ApiResult<Response> {
    let mut conn = state.db.acquire().await?;
    let found = store::file_links::find(&mut conn, &token).await?;
    let speakers = match &found {
        Some(found) => store::speakers::for_export(&mut conn, found.link.task_id).await?,
        None => Vec::new(),
    };
    drop(conn);
    let now = state.clock.now().timestamp();
    let linked = match download(found.as_ref().map(|f| (&f.link, f.deleted)), now) {
        Download::Unknown => {
            return Ok(storage_error(
                StatusCode::FORBIDDEN,
                "AuthenticationFailed",
                "Server failed to authenticate the request: no such link was issued.",
            ))
        }
        Download::Expired => {
            return Ok(storage_error(
                StatusCode::FORBIDDEN,
                "AuthenticationFailed",
                "Signed expiry time must be after the current time: the link has expired.",
            ))
        }
        Download::Deleted => {
            return Ok(storage_error(
                StatusCode::NOT_FOUND,
                "BlobNotFound",
                "The specified blob does not exist.",
            ))
        }
        Download::Served => found.ok_or_else(|| anyhow::anyhow!("a served link vanished"))?,
    };
    let link = &linked.link;
    let bytes = render(FileSource {
        task_id: link.task_id,
        title: &linked.display_name,
        total_pages: linked.total_pages,
        format: link.format,
        exported: link.purpose == crate::domain::export::links::LinkPurpose::Exported,
        options: link.options,
        speakers: &speakers,
    })
    .map_err(|error| ApiError::from(anyhow::anyhow!("making the file failed: {error}")))?;
    let disposition = format!("attachment; filename=\"{}\"", link.file_name());
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static(link.format.content_type()),
            ),
            (
                header::CONTENT_DISPOSITION,
                HeaderValue::from_str(&disposition)
                    .unwrap_or_else(|_| HeaderValue::from_static("attachment")),
            ),
        ],
        bytes,
    )
        .into_response())
}

/// Delete a linked file
///
/// Deletes the file a link names: its downloads answer 404 from now on (a reset or a seed
/// deletes every file the same way).
#[utoipa::path(
    delete,
    path = "/_emulator/files/{token}",
    operation_id = "deleteFile",
    tag = "Emulator",
    security((), ("adminToken" = [])),
    params(("token" = String, Path, description = "The link's random token.")),
    responses(
        (status = 204, description = "Deleted; no body"),
        (status = 401, response = AdminTokenRequired),
        (status = 404, description = "No link has this token", content_type = "application/problem+json", body = Problem),
        (status = 414, response = QueryTooLong),
    )
)]
pub async fn delete_file(
    _admin: Admin,
    State(state): State<AppState>,
    PathParam(token): PathParam<String>,
) -> ApiResult<StatusCode> {
    let _turn = state.write_turn().await;
    let mut conn = state.db.acquire().await?;
    if store::file_links::delete(&mut conn, &token).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(Problem::new(
            StatusCode::NOT_FOUND,
            "unknown-file-link",
            "No file link has this token.",
        )
        .into())
    }
}
