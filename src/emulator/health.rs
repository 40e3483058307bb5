//! Liveness and readiness, for container health checks and test harnesses waiting for
//! start-up. Neither needs the admin token.

use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::ToSchema;

use crate::response::Json;
use crate::state::AppState;
use crate::store;

/// The answer of `GET /_emulator/health`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Health {
    /// Always `ok`: the process serves HTTP.
    #[schema(schema_with = health_status)]
    pub status: &'static str,
    /// sdemu's version.
    pub version: &'static str,
    /// Seconds since start-up, by sdemu's clock (never negative).
    pub uptime_seconds: i64,
}

/// The answer of `GET /_emulator/ready`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Readiness {
    /// `ready`, or `not-ready` (with status 503).
    #[schema(schema_with = readiness_status)]
    pub status: &'static str,
}

/// The values a `status` member takes.
fn one_of(values: &[&str]) -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(values.iter().copied()))
}

fn health_status() -> ObjectBuilder {
    one_of(&["ok"])
}

fn readiness_status() -> ObjectBuilder {
    one_of(&["ready", "not-ready"])
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
