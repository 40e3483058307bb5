//! The emulator's clock, steered by tests: read it, set it to real time, frozen or offset,
//! and advance it. Every lifecycle step that falls due is applied, in time order, before
//! the call answers, so a test that advances the clock reads the result at once.

use axum::extract::{Request, State};
use axum::http::StatusCode;
use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::clock::{ClockError, ClockMode};
use crate::domain::duration::DurationInput;
use crate::domain::time::parse_instant;
use crate::error::responses::{AdminTokenRequired, ControlPlaneBodyTooLarge, Problem400};
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::body::read_control_body;
use crate::extract::Admin;
use crate::lifecycle;
use crate::response::Json;
use crate::state::AppState;

/// The clock as `GET /_emulator/clock` shows it.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ClockView {
    /// `real`, `frozen` or `offset`.
    #[schema(value_type = ClockModeName)]
    pub mode: &'static str,
    /// The emulator's current time (RFC 3339, UTC, milliseconds).
    pub now: String,
    /// For `offset`: how far the clock is from real time, in seconds (negative: behind).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offset_seconds: Option<f64>,
    /// The latest instant a lifecycle step or another event was applied at: the clock
    /// cannot be set earlier than this.
    pub applied_until: Option<String>,
    /// How many lifecycle steps this call applied.
    pub steps_applied: usize,
}

/// The clock's modes, by name.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ClockModeName {
    /// The real time.
    Real,
    /// Stopped at an instant; moves only when advanced.
    Frozen,
    /// Real time shifted by a fixed amount.
    Offset,
}

fn rfc3339(instant: DateTime<Utc>) -> String {
    instant.to_rfc3339_opts(SecondsFormat::Millis, true)
}

fn view(state: &AppState, steps_applied: usize) -> ClockView {
    let (mode, offset_seconds) = match state.clock.mode() {
        ClockMode::Real => ("real", None),
        ClockMode::Frozen(_) => ("frozen", None),
        ClockMode::Offset(by) => ("offset", Some(by.num_milliseconds() as f64 / 1_000.0)),
    };
    ClockView {
        mode,
        now: rfc3339(state.clock.now()),
        offset_seconds,
        applied_until: state.clock.applied_until().map(rfc3339),
        steps_applied,
    }
}

impl From<ClockError> for ApiError {
    fn from(error: ClockError) -> Self {
        match error {
            ClockError::BeforeAppliedEvent { requested, applied } => Problem::new(
                StatusCode::CONFLICT,
                "clock-refused",
                format!(
                    "The clock cannot go back to {}: an event was already applied at {}.",
                    rfc3339(requested),
                    rfc3339(applied)
                ),
            )
            .with("appliedUntil", rfc3339(applied))
            .into(),
            ClockError::NegativeAdvance | ClockError::OutOfRange => Problem::new(
                StatusCode::BAD_REQUEST,
                "clock-refused",
                format!("{}.", capitalized(&error.to_string())),
            )
            .into(),
        }
    }
}

fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// Read the emulator's clock
///
/// The mode, the current time and the applied-events watermark. Steps already due are
/// applied first, so `appliedUntil` is current.
#[utoipa::path(
    get,
    path = "/_emulator/clock",
    operation_id = "getClock",
    tag = "Emulator",
    security((), ("adminToken" = [])),
    responses(
        (status = 200, description = "The clock", body = ClockView),
        (status = 401, response = AdminTokenRequired),
    )
)]
pub async fn get(_admin: Admin, State(state): State<AppState>) -> ApiResult<Json<ClockView>> {
    let applied = lifecycle::catch_up(&state).await?;
    Ok(Json::ok(view(&state, applied)))
}

/// The body of `PUT /_emulator/clock`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SetClock {
    mode: ClockModeName,
    /// For `frozen`: the instant, RFC 3339 (default: the clock's current reading).
    at: Option<String>,
    /// For `offset`: seconds or an ISO 8601 duration, negative for the past.
    offset: Option<DurationInput>,
}

/// Set the emulator's clock
///
/// `{"mode":"real"}`, `{"mode":"frozen","at":"2026-01-01T00:00:00Z"}` (`at` defaults to
/// now) or `{"mode":"offset","offset":"PT1H"}` (seconds or ISO 8601, negative allowed).
/// Steps that fall due are applied, in time order, before the answer.
#[utoipa::path(
    put,
    path = "/_emulator/clock",
    operation_id = "setClock",
    tag = "Emulator",
    security((), ("adminToken" = [])),
    request_body = SetClock,
    responses(
        (status = 200, description = "The clock after the change", body = ClockView),
        (status = 400, response = Problem400),
        (status = 401, response = AdminTokenRequired),
        (status = 409, description = "The clock would read earlier than an event already applied; nothing changed",
            content_type = "application/problem+json", body = Problem),
        (status = 413, response = ControlPlaneBodyTooLarge),
    )
)]
pub async fn put(
    _admin: Admin,
    State(state): State<AppState>,
    request: Request,
) -> ApiResult<Json<ClockView>> {
    let body: SetClock = read_control_body(request.into_body()).await?;
    let mode = match body.mode {
        ClockModeName::Real => ClockMode::Real,
        ClockModeName::Frozen => ClockMode::Frozen(match body.at.as_deref() {
            Some(text) => parse_instant(text)
                .ok_or_else(|| ApiError::invalid_field("at", "must be an RFC 3339 instant"))?,
            None => state.clock.now(),
        }),
        ClockModeName::Offset => {
            let offset = body
                .offset
                .as_ref()
                .ok_or_else(|| ApiError::invalid_field("offset", "is required for mode offset"))?;
            ClockMode::Offset(
                offset
                    .to_duration()
                    .map_err(|reason| ApiError::invalid_field("offset", &reason))?,
            )
        }
    };
    lifecycle::catch_up(&state).await?;
    state.clock.set(mode)?;
    let applied = lifecycle::catch_up(&state).await?;
    Ok(Json::ok(view(&state, applied)))
}

/// The body of `POST /_emulator/clock/advance`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Advance {
    /// How far: seconds or an ISO 8601 duration such as `PT90S`; not negative.
    by: DurationInput,
}

/// Advance the emulator's clock
///
/// With `{"by": 90}` or `{"by": "PT90S"}`: moves the clock forward (a frozen clock stays
/// frozen, a real one becomes offset) and applies every step that falls due, in time
/// order, before answering. 400 for a negative or unreadable duration.
#[utoipa::path(
    post,
    path = "/_emulator/clock/advance",
    operation_id = "advanceClock",
    tag = "Emulator",
    security((), ("adminToken" = [])),
    request_body = Advance,
    responses(
        (status = 200, description = "The clock after the move, and how many steps were applied", body = ClockView),
        (status = 400, response = Problem400),
        (status = 401, response = AdminTokenRequired),
        (status = 413, response = ControlPlaneBodyTooLarge),
    )
)]
pub async fn advance(
    _admin: Admin,
    State(state): State<AppState>,
    request: Request,
) -> ApiResult<Json<ClockView>> {
    let body: Advance = read_control_body(request.into_body()).await?;
    let by = body
        .by
        .to_duration()
        .map_err(|reason| ApiError::invalid_field("by", &reason))?;
    // Steps due before the jump are applied at their own times first.
    lifecycle::catch_up(&state).await?;
    state.clock.advance(by)?;
    let applied = lifecycle::catch_up(&state).await?;
    Ok(Json::ok(view(&state, applied)))
}
