//! Liveness and readiness, for container health checks and test harnesses waiting for
//! start-up. Neither needs the admin token.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

use crate::app::AppState;
use crate::error::ApiResult;
use crate::routes::json_ok;

/// The answer of `GET /_emulator/health`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Health {
    pub status: HealthStatus,
    /// sdemu's version.
    pub version: &'static str,
    /// How long sdemu has run, by its clock.
    pub uptime_seconds: i64,
}

#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum HealthStatus {
    Ok,
}

/// The answer of `GET /_emulator/ready`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Readiness {
    pub status: ReadyStatus,
}

/// `ready` (200) or `not-ready` (503).
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ReadyStatus {
    Ready,
    NotReady,
}

/// Liveness
///
/// 200 while the process serves HTTP, with its version and how long it has run (by sdemu's
/// clock). Never needs the admin token.
#[utoipa::path(
    get,
    path = "/_emulator/health",
    operation_id = "getHealth",
    tag = "Emulator",
    responses((status = 200, description = "sdemu is serving", body = Health))
)]
pub async fn health(State(state): State<AppState>) -> ApiResult<Response> {
    let uptime = (state.clock.now() - state.emulator.started_at)
        .num_seconds()
        .max(0);
    json_ok(&Health {
        status: HealthStatus::Ok,
        version: env!("CARGO_PKG_VERSION"),
        uptime_seconds: uptime,
    })
}

/// Readiness
///
/// 200 `{"status":"ready"}` once migrations are applied and the fixtures loaded, and while
/// the database answers; 503 `{"status":"not-ready"}` otherwise. Never needs the admin token.
#[utoipa::path(
    get,
    path = "/_emulator/ready",
    operation_id = "getReady",
    tag = "Emulator",
    responses(
        (status = 200, description = "Ready: `{\"status\":\"ready\"}`", body = Readiness),
        (status = 503, description = "Not ready: `{\"status\":\"not-ready\"}`", body = Readiness),
    )
)]
pub async fn ready(State(state): State<AppState>) -> ApiResult<Response> {
    let database_answers = sqlx::query("SELECT 1").execute(&state.db).await.is_ok();
    if state.emulator.is_ready() && database_answers {
        json_ok(&Readiness {
            status: ReadyStatus::Ready,
        })
    } else {
        let mut response = json_ok(&Readiness {
            status: ReadyStatus::NotReady,
        })?;
        *response.status_mut() = StatusCode::SERVICE_UNAVAILABLE;
        Ok(response.into_response())
    }
}
