//! HTTP handlers of the emulated SmartDocumentor API, one file per API resource. Each
//! handler names the documentation page it emulates and says where sdemu decides something
//! the page leaves open, and carries its OpenAPI operation (`#[utoipa::path]`).

use utoipa_axum::router::OpenApiRouter;

use crate::state::AppState;

pub mod batches;
pub mod export;
pub mod params;
pub mod speakers;
pub mod tasks;
pub mod token;
pub mod users;
pub mod workspaces;

/// Every emulated route of the SmartDocumentor API, each with its OpenAPI operation.
pub fn api_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(token::router())
        .merge(tasks::router())
        .merge(workspaces::router())
        .merge(batches::router())
        .merge(export::router())
        .merge(speakers::router())
        .merge(users::router())
}
