//! Webhook export configurations through the control plane (list, replace, add, remove) and
//! the delivery journal. What they emulate:
//! <https://docs.smartdocumentor.net/technical/export/webhooks> (the real service sets the
//! configurations up in its web app). The rules live in [`crate::domain::webhooks`], the delivery in
//! [`crate::webhooks`].

use axum::extract::{Request, State};
use axum::http::StatusCode;
use serde_json::Value;

use crate::domain::deliveries::Delivery;
use crate::domain::webhooks::{parse_spec, InvalidField, Webhook, WebhookSpec, MAX_WEBHOOKS};
use crate::error::responses::{AdminTokenRequired, ControlPlaneBodyTooLarge, QueryTooLong};
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::body::read_control_json;
use crate::extract::{Admin, PathParam};
use crate::response::Json;
use crate::state::AppState;
use crate::store;
use crate::webhooks::check_destination;

/// A `400` problem naming the field that is wrong.
fn invalid(error: InvalidField) -> ApiError {
    Problem::new(
        StatusCode::BAD_REQUEST,
        "invalid-field",
        format!("The field '{}' is invalid: {}", error.field, error.message),
    )
    .with("field", error.field)
    .into()
}

fn field(at: &str, name: &str) -> String {
    if at.is_empty() {
        name.to_owned()
    } else {
        format!("{at}.{name}")
    }
}

/// Checks one configuration in full: its fields, its workspace, and where its URL resolves.
async fn checked(state: &AppState, value: &Value, at: &str) -> ApiResult<WebhookSpec> {
    let allow_public = state.config.webhook_allow_public;
    let spec = parse_spec(value, at, allow_public).map_err(invalid)?;
    let mut conn = state.db.acquire().await?;
    if !store::webhooks::workspace_exists(&mut conn, spec.workspace_id).await? {
        return Err(invalid(InvalidField {
            field: field(at, "workspaceId"),
            message: format!("No workspace has the id {}.", spec.workspace_id),
        }));
    }
    drop(conn);
    check_destination(&spec.url, allow_public)
        .await
        .map_err(|message| {
            invalid(InvalidField {
                field: field(at, "url"),
                message,
            })
        })?;
    Ok(spec)
}

fn too_many() -> ApiError {
    Problem::new(
        StatusCode::BAD_REQUEST,
        "too-many-webhooks",
        format!("sdemu keeps at most {MAX_WEBHOOKS} webhook configurations."),
    )
    .into()
}

/// The webhook export configurations
///
/// Every configuration, by id. Fidelity: the real service sets these up in its web app;
/// sdemu takes them through the control plane.
#[utoipa::path(
    get,
    path = "/_emulator/webhooks",
    operation_id = "listWebhooks",
    tag = "Emulator",
    security((), ("adminToken" = [])),
    responses(
        (status = 200, description = "Every configuration", body = Vec<Webhook>),
        (status = 401, response = AdminTokenRequired),
        (status = 414, response = QueryTooLong),
    )
)]
pub async fn list(_admin: Admin, State(state): State<AppState>) -> ApiResult<Json<Vec<Webhook>>> {
    Ok(Json::ok(store::webhooks::list(&state.db).await?))
}

/// Replace every webhook configuration
///
/// A bare array of configurations or `{"webhooks": [...]}`; ids start afresh after the
/// highest one ever used. A `400` problem names the first field that is wrong
/// (`webhooks[1].url`) and changes nothing.
#[utoipa::path(
    put,
    path = "/_emulator/webhooks",
    operation_id = "replaceWebhooks",
    tag = "Emulator",
    security((), ("adminToken" = [])),
    request_body = Vec<WebhookSpec>,
    responses(
        (status = 200, description = "Every configuration now", body = Vec<Webhook>),
        (status = 400, description = "A field that is wrong, named in `field`; a body that is \
            not JSON; or too many", content_type = "application/problem+json", body = Problem),
        (status = 401, response = AdminTokenRequired),
        (status = 413, response = ControlPlaneBodyTooLarge),
        (status = 414, response = QueryTooLong),
    )
)]
pub async fn replace(
    _admin: Admin,
    State(state): State<AppState>,
    request: Request,
) -> ApiResult<Json<Vec<Webhook>>> {
    let value = read_control_json(request.into_body()).await?;
    let items = match &value {
        Value::Array(items) => items,
        Value::Object(object) => match object.get("webhooks") {
            Some(Value::Array(items)) if object.len() == 1 => items,
            _ => {
                return Err(invalid(InvalidField {
                    field: "webhooks".to_owned(),
                    message: "Send an array of configurations, or {\"webhooks\": [...]}."
                        .to_owned(),
                }))
            }
        },
        _ => {
            return Err(invalid(InvalidField {
                field: "body".to_owned(),
                message: "Send an array of configurations, or {\"webhooks\": [...]}.".to_owned(),
            }))
        }
    };
    if items.len() > MAX_WEBHOOKS {
        return Err(too_many());
    }
    let mut specs = Vec::with_capacity(items.len());
    for (index, item) in items.iter().enumerate() {
        specs.push(checked(&state, item, &format!("webhooks[{index}]")).await?);
    }
    let mut tx = state.begin_write().await?;
    store::webhooks::clear(&mut tx).await?;
    for spec in &specs {
        store::webhooks::insert(&mut tx, spec).await?;
    }
    tx.commit().await?;
    Ok(Json::ok(store::webhooks::list(&state.db).await?))
}

/// Add one webhook configuration
///
/// The body is one configuration; the answer is it, with its id. A `400` problem names the
/// field that is wrong: a URL that is not `http://`, or whose host is (or resolves to) a
/// public address without `--webhook-allow-public`; an unknown workspace; an unknown kind;
/// an option of another kind; `linkExpiryHours` outside 1 to 168; a `fileFormat` other than
/// PDF, JPEG or PNG.
#[utoipa::path(
    post,
    path = "/_emulator/webhooks",
    operation_id = "addWebhook",
    tag = "Emulator",
    security((), ("adminToken" = [])),
    request_body = WebhookSpec,
    responses(
        (status = 201, description = "Added", body = Webhook),
        (status = 400, description = "A field that is wrong, named in `field`; a body that is \
            not JSON; or too many", content_type = "application/problem+json", body = Problem),
        (status = 401, response = AdminTokenRequired),
        (status = 413, response = ControlPlaneBodyTooLarge),
        (status = 414, response = QueryTooLong),
    )
)]
pub async fn add(
    _admin: Admin,
    State(state): State<AppState>,
    request: Request,
) -> ApiResult<Json<Webhook>> {
    let value = read_control_json(request.into_body()).await?;
    let spec = checked(&state, &value, "").await?;
    let mut tx = state.begin_write().await?;
    if usize::try_from(store::webhooks::count(&mut tx).await?).unwrap_or(usize::MAX) >= MAX_WEBHOOKS
    {
        return Err(too_many());
    }
    let id = store::webhooks::insert(&mut tx, &spec).await?;
    tx.commit().await?;
    Ok(Json::with_status(
        StatusCode::CREATED,
        Webhook {
            id,
            workspace_id: spec.workspace_id,
            url: spec.url,
            kind: spec.kind,
            options: spec.options,
        },
    ))
}

/// Remove one webhook configuration
///
/// Deliveries already made stay in the delivery journal.
#[utoipa::path(
    delete,
    path = "/_emulator/webhooks/{webhookId}",
    operation_id = "removeWebhook",
    tag = "Emulator",
    security((), ("adminToken" = [])),
    params(("webhookId" = i64, Path, description = "The configuration's id.")),
    responses(
        (status = 204, description = "Removed; no body"),
        (status = 400, description = "An id that is not an integer", content_type = "application/problem+json", body = Problem),
        (status = 401, response = AdminTokenRequired),
        (status = 404, description = "No configuration has this id", content_type = "application/problem+json", body = Problem),
        (status = 414, response = QueryTooLong),
    )
)]
pub async fn remove(
    _admin: Admin,
    State(state): State<AppState>,
    PathParam(webhook_id): PathParam<i64>,
) -> ApiResult<StatusCode> {
    let _turn = state.write_turn().await;
    if store::webhooks::delete(&state.db, webhook_id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(Problem::new(
            StatusCode::NOT_FOUND,
            "unknown-webhook",
            format!("No webhook configuration has the id {webhook_id}."),
        )
        .into())
    }
}

/// The webhook delivery journal
///
/// Every delivery attempt, newest first (at most 1,000; the oldest are dropped first): the
/// configuration, the task, the URL, the JSON body sent, the receiver's status and body
/// (clipped to 4 KiB), the duration, and why there was no answer. Emptied by reset.
#[utoipa::path(
    get,
    path = "/_emulator/webhooks/deliveries",
    operation_id = "listWebhookDeliveries",
    tag = "Emulator",
    security((), ("adminToken" = [])),
    responses(
        (status = 200, description = "Every attempt held, newest first", body = Vec<Delivery>),
        (status = 401, response = AdminTokenRequired),
        (status = 414, response = QueryTooLong),
    )
)]
pub async fn deliveries(_admin: Admin, State(state): State<AppState>) -> Json<Vec<Delivery>> {
    Json::ok(state.emulator.deliveries.list())
}
