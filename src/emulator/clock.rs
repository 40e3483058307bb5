//! The emulator's clock, steered by tests: read it, set it to real time, frozen or offset,
//! and advance it. Every lifecycle step that falls due is applied, in time order, before
//! the call answers, so a test that advances the clock reads the result at once.

use axum::extract::{Request, State};
use axum::http::StatusCode;
use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::clock::{ClockError, ClockMode};
use crate::domain::duration::parse_duration;
use crate::domain::time::parse_instant;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::body::read_control_json;
use crate::extract::Admin;
use crate::lifecycle;
use crate::response::Json;
use crate::state::AppState;

/// The clock as `GET /_emulator/clock` shows it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ClockView {
    /// `real`, `frozen` or `offset`.
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
        let status = match error {
            ClockError::BeforeAppliedEvent { .. } => StatusCode::CONFLICT,
            ClockError::NegativeAdvance | ClockError::OutOfRange => StatusCode::BAD_REQUEST,
        };
        Problem::new(status, "clock-refused", format!("{error}.")).into()
    }
}

/// `GET /_emulator/clock`: the mode, the current time and the applied-events watermark.
/// Steps already due are applied first, so `appliedUntil` is current.
pub async fn get(_admin: Admin, State(state): State<AppState>) -> ApiResult<Json<ClockView>> {
    let applied = lifecycle::catch_up(&state).await?;
    Ok(Json::ok(view(&state, applied)))
}

/// The body of `PUT /_emulator/clock`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct SetClock {
    mode: String,
    /// For `frozen`: the instant (default: the clock's current reading).
    at: Option<String>,
    /// For `offset`: seconds or an ISO 8601 duration, negative for the past.
    offset: Option<Value>,
}

/// `PUT /_emulator/clock`: `{"mode":"real"}`, `{"mode":"frozen","at":"2026-01-01T00:00:00Z"}`
/// (`at` defaults to now) or `{"mode":"offset","offset":"PT1H"}` (seconds or ISO 8601,
/// negative allowed). 409 when the clock would read earlier than an event already applied;
/// 400 for a body it cannot read. Steps that fall due are applied before the answer.
pub async fn put(
    _admin: Admin,
    State(state): State<AppState>,
    request: Request,
) -> ApiResult<Json<ClockView>> {
    let value = read_control_json(request.into_body()).await?;
    let body: SetClock = serde_json::from_value(value).map_err(|error| {
        ApiError::from(Problem::new(
            StatusCode::BAD_REQUEST,
            "invalid-body",
            format!("The clock setting cannot be used: {error}."),
        ))
    })?;
    let mode = match body.mode.to_ascii_lowercase().as_str() {
        "real" => ClockMode::Real,
        "frozen" => ClockMode::Frozen(match body.at.as_deref() {
            Some(text) => parse_instant(text)
                .ok_or_else(|| ApiError::invalid_field("at", "must be an RFC 3339 instant"))?,
            None => state.clock.now(),
        }),
        "offset" => {
            let offset = body
                .offset
                .as_ref()
                .ok_or_else(|| ApiError::invalid_field("offset", "is required for mode offset"))?;
            ClockMode::Offset(
                parse_duration(offset).map_err(|reason| ApiError::invalid_field("offset", &reason))?,
            )
        }
        _ => {
            return Err(ApiError::invalid_field(
                "mode",
                "must be real, frozen or offset",
            ))
        }
    };
    lifecycle::catch_up(&state).await?;
    state.clock.set(mode)?;
    let applied = lifecycle::catch_up(&state).await?;
    Ok(Json::ok(view(&state, applied)))
}

/// The body of `POST /_emulator/clock/advance`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Advance {
    by: Value,
}

/// `POST /_emulator/clock/advance` with `{"by": 90}` or `{"by": "PT90S"}`: moves the clock
/// forward (a frozen clock stays frozen) and applies every step that falls due, in time
/// order, before answering. 400 for a negative or unreadable duration.
pub async fn advance(
    _admin: Admin,
    State(state): State<AppState>,
    request: Request,
) -> ApiResult<Json<ClockView>> {
    let value = read_control_json(request.into_body()).await?;
    let body: Advance = serde_json::from_value(value).map_err(|error| {
        ApiError::from(Problem::new(
            StatusCode::BAD_REQUEST,
            "invalid-body",
            format!("The body must be {{\"by\": seconds or an ISO 8601 duration}}: {error}."),
        ))
    })?;
    let by = parse_duration(&body.by).map_err(|reason| ApiError::invalid_field("by", &reason))?;
    // Steps due before the jump are applied at their own times first.
    lifecycle::catch_up(&state).await?;
    state.clock.advance(by)?;
    let applied = lifecycle::catch_up(&state).await?;
    Ok(Json::ok(view(&state, applied)))
}
