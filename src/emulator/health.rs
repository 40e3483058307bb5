//! Liveness and readiness, for container health checks and test harnesses waiting for
//! start-up. Neither needs the admin token.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::app::AppState;
use crate::error::ApiResult;
use crate::routes::json_ok;

/// `GET /_emulator/health`: 200 while the process serves HTTP, with its version and how long
/// it has run (by sdemu's clock).
pub async fn health(State(state): State<AppState>) -> ApiResult<Response> {
    let uptime = (state.clock.now() - state.emulator.started_at)
        .num_seconds()
        .max(0);
    json_ok(&json!({
        "status": "ok",
        "version": env!("CARGO_PKG_VERSION"),
        "uptimeSeconds": uptime,
    }))
}

/// `GET /_emulator/ready`: 200 `{"status":"ready"}` once migrations are applied and the
/// fixtures loaded, and while the database answers; 503 `{"status":"not-ready"}` otherwise.
pub async fn ready(State(state): State<AppState>) -> ApiResult<Response> {
    let database_answers = sqlx::query("SELECT 1").execute(&state.db).await.is_ok();
    if state.emulator.is_ready() && database_answers {
        json_ok(&json!({ "status": "ready" }))
    } else {
        let mut response = json_ok(&json!({ "status": "not-ready" }))?;
        *response.status_mut() = StatusCode::SERVICE_UNAVAILABLE;
        Ok(response.into_response())
    }
}
