//! HTTP handlers of the emulated SmartDocumentor API, one file per API resource. Each
//! handler names the documentation page it emulates and says where sdemu decides something
//! the page leaves open.

use axum::Router;

use crate::state::AppState;

pub mod batches;
pub mod tasks;
pub mod token;
pub mod workspaces;

/// Every emulated route of the SmartDocumentor API.
pub fn api_router() -> Router<AppState> {
    Router::new()
        .merge(tasks::router())
        .merge(workspaces::router())
        .merge(batches::router())
        .merge(token::router())
}
