//! Create Task: the request body, its checks and the handler.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use serde_json::{Map, Value};
use utoipa::openapi::schema::{
    AdditionalProperties, ObjectBuilder, SchemaFormat, SchemaType, Type,
};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{foreign_workspace, resolve_workspace};
use crate::domain::limits::{MAX_DESCRIPTION_CHARS, MAX_DISPLAY_NAME_CHARS, MAX_EXTERNAL_ID_CHARS};
use crate::domain::task::TaskStatus;
use crate::domain::time::TaskTime;
use crate::error::responses::{Conflict, PayloadTooLarge, Problem400, Unauthorized};
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{Caller, JsonBody};
use crate::lifecycle;
use crate::response::json_bytes;
use crate::state::AppState;
use crate::store::tasks::{CreateError, NewTask};

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(create_task))
}

/// The body of Create Task. Unknown fields are ignored.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
struct CreateTaskRequest {
    /// Blank or absent: the last path segment of `context.url` (else `Task {taskId}`).
    #[schema(schema_with = display_name_schema)]
    display_name: Option<String>,
    /// Blank counts as absent.
    #[schema(schema_with = description_schema)]
    description: Option<String>,
    /// The organization's default workspace when absent.
    workspace_id: Option<i64>,
    /// A batch of the same workspace.
    batch_id: Option<i64>,
    #[schema(minimum = 1, default = 1)]
    priority: Option<i64>,
    #[schema(required = true, schema_with = context_schema)]
    context: Option<Map<String, Value>>,
    /// Kept, never served by the API.
    #[schema(value_type = Option<Object>)]
    task_assignment: Option<Map<String, Value>>,
    /// Kept, never served by the API.
    #[schema(value_type = Option<Object>)]
    custom_form_values: Option<Map<String, Value>>,
    /// Unique per organization (409 on a duplicate); not blank.
    #[schema(schema_with = external_id_schema)]
    external_id: Option<String>,
}

/// An optional text field of at most `max` characters.
fn text_of_at_most(max: usize) -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(SchemaType::from_iter([Type::String, Type::Null]))
        .max_length(Some(max))
}

fn display_name_schema() -> ObjectBuilder {
    text_of_at_most(MAX_DISPLAY_NAME_CHARS)
}

fn description_schema() -> ObjectBuilder {
    text_of_at_most(MAX_DESCRIPTION_CHARS)
}

fn external_id_schema() -> ObjectBuilder {
    text_of_at_most(MAX_EXTERNAL_ID_CHARS).min_length(Some(1))
}

/// `context`: an object with the document's `url` (what `context_url` accepts); other
/// members are kept as they are.
fn context_schema() -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::Object)
        .property(
            "url",
            ObjectBuilder::new()
                .schema_type(Type::String)
                .format(Some(SchemaFormat::Custom("uri".into())))
                .description(Some("An absolute http or https URL of the document.")),
        )
        .required("url")
        .property(
            "transcriptLanguage",
            ObjectBuilder::new().schema_type(Type::String),
        )
        .additional_properties(Some(AdditionalProperties::FreeForm(true)))
}

/// Create Task
///
/// Emulates <https://docs.smartdocumentor.net/technical/api-reference/post-create-task>.
/// The response shape is sdemu's decision: the new task object.
///
/// Fidelity: the response (undocumented) is 200 with the new task object; a missing
/// `displayName` is the URL's last path segment (else `Task {taskId}`); `externalId` is a
/// top-level field, unique per organization (409 on a duplicate); a workspace or batch the
/// caller cannot use is a 400 problem naming the field.
#[utoipa::path(
    post,
    path = "/api/v1.0/external/sdtask/process",
    operation_id = "createTask",
    tag = "Tasks",
    security(("oauth2" = ["WebAPI"])),
    request_body = CreateTaskRequest,
    responses(
        (status = 200, description = "The new task", body = TaskStatus),
        (status = 400, response = Problem400),
        (status = 401, response = Unauthorized),
        (status = 409, response = Conflict),
        (status = 413, response = PayloadTooLarge),
    )
)]
async fn create_task(
    caller: Caller,
    State(state): State<AppState>,
    JsonBody(request): JsonBody<CreateTaskRequest>,
) -> ApiResult<Response> {
    let context = request
        .context
        .ok_or_else(|| ApiError::invalid_field("context", "is required and must be an object"))?;
    let url = context_url(&context)?;
    let display_name = optional_text("displayName", request.display_name, MAX_DISPLAY_NAME_CHARS)?
        .or_else(|| name_from_url(&url));
    let description = optional_text("description", request.description, MAX_DESCRIPTION_CHARS)?;
    let external_id = match request.external_id {
        Some(id) if id.trim().is_empty() => {
            return Err(ApiError::invalid_field(
                "externalId",
                "must not be empty or only white space",
            ))
        }
        Some(id) => Some(limited("externalId", id, MAX_EXTERNAL_ID_CHARS)?),
        None => None,
    };
    let priority = request.priority.unwrap_or(1);
    if priority < 1 {
        return Err(ApiError::invalid_field("priority", "must be 1 or more"));
    }
    // The workspace is resolved (and checked) here; the INSERT checks it again together with
    // the batch, atomically, so a concurrent reset or seed cannot slip in between.
    let workspace_id = resolve_workspace(&state, caller, request.workspace_id).await?;
    let to_json = |map: Map<String, Value>| Value::Object(map).to_string();
    let new_task = NewTask {
        tenant_id: caller.tenant_id,
        workspace_id,
        batch_id: request.batch_id,
        external_id,
        display_name,
        description,
        priority,
        created_on: TaskTime(state.clock.now().timestamp()),
        context: to_json(context),
        task_assignment: request.task_assignment.map(to_json),
        custom_form_values: request.custom_form_values.map(to_json),
    };
    // Created and started in one write transaction (dropped, so rolled back, on refusal).
    let (external_id, batch_id) = (new_task.external_id.clone(), new_task.batch_id);
    match lifecycle::create_task(&state, new_task).await {
        Ok(created) => Ok(json_bytes(created.wire_json)),
        Err(CreateError::DuplicateExternalId) => Err(Problem::new(
            StatusCode::CONFLICT,
            "duplicate-external-id",
            format!(
                "Another task of this organization already has the externalId '{}'.",
                external_id.unwrap_or_default()
            ),
        )
        .with("field", "externalId")
        .into()),
        Err(CreateError::WorkspaceNotInOrganization) => Err(foreign_workspace(workspace_id)),
        Err(CreateError::BatchNotInWorkspace) => Err(ApiError::invalid_field(
            "batchId",
            &format!(
                "names batch {}, which is not in workspace {workspace_id}",
                batch_id.unwrap_or_default()
            ),
        )),
        Err(CreateError::Database(error)) => Err(error.into()),
    }
}

/// `context.url`: required, an absolute http or https URL with a host. The text must spell
/// `http://` or `https://` and hold no control characters: the WHATWG parser would otherwise
/// repair `http:host/a.pdf`, `https:\\host\a.pdf` or a URL with a line break into a
/// different URL than the one sent.
fn context_url(context: &Map<String, Value>) -> ApiResult<url::Url> {
    const FIELD: &str = "context.url";
    let text = match context.get("url") {
        Some(Value::String(text)) => text.trim(),
        Some(Value::Null) | None => return Err(ApiError::invalid_field(FIELD, "is required")),
        Some(_) => return Err(ApiError::invalid_field(FIELD, "must be a string")),
    };
    let spelled_absolute = ["http://", "https://"].iter().any(|prefix| {
        text.get(..prefix.len())
            .is_some_and(|head| head.eq_ignore_ascii_case(prefix))
    });
    if !spelled_absolute || text.chars().any(char::is_control) {
        return Err(ApiError::invalid_field(
            FIELD,
            "must be an absolute http or https URL",
        ));
    }
    let parsed = url::Url::parse(text).ok().filter(|url| {
        matches!(url.scheme(), "http" | "https") && url.host_str().is_some_and(|h| !h.is_empty())
    });
    parsed.ok_or_else(|| ApiError::invalid_field(FIELD, "must be an absolute http or https URL"))
}

/// The last non-empty path segment of `url`, percent-decoded, as a display name.
fn name_from_url(url: &url::Url) -> Option<String> {
    let segment = url.path_segments()?.rfind(|s| !s.is_empty())?;
    let decoded = percent_encoding::percent_decode_str(segment)
        .decode_utf8_lossy()
        .trim()
        .to_owned();
    (!decoded.is_empty()).then(|| decoded.chars().take(MAX_DISPLAY_NAME_CHARS).collect())
}

/// An optional text field: blank counts as absent; longer than `max` characters is a 400.
fn optional_text(field: &str, value: Option<String>, max: usize) -> ApiResult<Option<String>> {
    match value {
        Some(text) if !text.trim().is_empty() => Ok(Some(limited(field, text, max)?)),
        _ => Ok(None),
    }
}

fn limited(field: &str, text: String, max: usize) -> ApiResult<String> {
    if text.chars().count() > max {
        Err(ApiError::invalid_field(
            field,
            &format!("must be at most {max} characters"),
        ))
    } else {
        Ok(text)
    }
}
