//! Liveness and readiness, for container health checks and test harnesses waiting for
//! start-up. Neither needs the admin token.

use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;

use crate::response::Json;
use crate::state::AppState;
use crate::store;

/// The answer of `GET /_emulator/health`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Health {
    /// Always `ok`: the process serves HTTP.
    pub status: &'static str,
    /// sdemu's version.
    pub version: &'static str,
    /// Seconds since start-up, by sdemu's clock (never negative).
    pub uptime_seconds: i64,
}

/// The answer of `GET /_emulator/ready`.
#[derive(Debug, Serialize)]
pub struct Readiness {
    /// `ready`, or `not-ready` (with status 503).
    pub status: &'static str,
}

/// `GET /_emulator/health`: 200 while the process serves HTTP, with its version and how long
/// it has run (by sdemu's clock).
pub async fn health(State(state): State<AppState>) -> Json<Health> {
    let uptime = (state.clock.now() - state.emulator.started_at)
        .num_seconds()
        .max(0);
    Json::ok(Health {
        status: "ok",
        version: env!("CARGO_PKG_VERSION"),
        uptime_seconds: uptime,
    })
}

/// `GET /_emulator/ready`: 200 `{"status":"ready"}` once migrations are applied and the
/// fixtures loaded, and while the database answers; 503 `{"status":"not-ready"}` otherwise.
pub async fn ready(State(state): State<AppState>) -> Json<Readiness> {
    if state.emulator.is_ready() && store::database_answers(&state.db).await {
        Json::ok(Readiness { status: "ready" })
    } else {
        Json::with_status(
            StatusCode::SERVICE_UNAVAILABLE,
            Readiness {
                status: "not-ready",
            },
        )
    }
}
