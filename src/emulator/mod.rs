//! The control plane under `/_emulator/`: what a test suite uses to steer sdemu.
//!
//! The prefix can never collide with an emulated path (the real API lives under `/api/` and
//! `/connect/`). Control-plane requests are neither journaled nor subject to faults; every
//! other request (the emulated API and unknown paths) goes through [`intercept`](crate::emulator::intercept), which
//! injects faults and records it in the request journal.
//!
//! | Route | Module |
//! | --- | --- |
//! | `GET /_emulator/health`, `GET /_emulator/ready` | [`health`](crate::emulator::health) (never need the admin token) |
//! | `POST /_emulator/reset`, `POST /_emulator/seed`, `GET /_emulator/state` | [`data`](crate::emulator::data) |
//! | `GET`/`DELETE /_emulator/requests` | [`journal`](crate::emulator::journal) |
//! | `GET`/`PUT`/`POST`/`DELETE /_emulator/faults` | [`faults`](crate::emulator::faults) |
//! | `GET`/`PUT /_emulator/clock`, `POST /_emulator/clock/advance` | [`clock`] |
//! | `GET /_emulator/organizations`, `GET /_emulator/tasks` | [`task_list`](crate::emulator::task_list) |
//! | `GET /_emulator/ui`, `.../app.js`, `.../style.css` (no admin token: they hold no data) | [`ui`](crate::emulator::ui) |
//! | `GET /_emulator/tasks/{taskId}`, `POST .../status`, `.../advance`, `.../reprocess`, `.../review/{start|finish}` | [`tasks`] |
//! | `GET`/`PUT`/`POST /_emulator/webhooks`, `DELETE .../{webhookId}`, `GET .../deliveries` | [`webhooks`] |
//! | `GET /_emulator/files/{token}/{fileName}` (no admin token), `DELETE /_emulator/files/{token}` | [`files`](crate::emulator::files) |

use std::cell::OnceCell;
use std::time::Instant;

use axum::extract::{Request, State};
use axum::http::{StatusCode, Uri};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::domain::faults::Outcome;
use crate::domain::journal::{clipped, redacted_headers, redacted_query, NewEntry};
use crate::error::Problem;
use crate::extract::{Admin, QueryParams};
use crate::state::AppState;

pub mod clock;
pub mod data;
pub mod faults;
pub mod files;
mod guard;
pub mod health;
pub mod journal;
pub mod task_list;
pub mod tasks;
pub mod ui;
pub mod webhooks;

pub use crate::domain::control_plane::{is_control_plane, PREFIX};
pub use guard::guard;

/// Every control-plane path, as the 404 for an unknown one lists them. `openapi.json` is
/// served by the `openapi` module (it describes routes and control plane alike) under the
/// same prefix.
pub const ROUTES: [&str; 19] = [
    "/_emulator/health",
    "/_emulator/ready",
    "/_emulator/reset",
    "/_emulator/seed",
    "/_emulator/state",
    "/_emulator/requests",
    "/_emulator/faults",
    "/_emulator/openapi.json",
    "/_emulator/clock",
    "/_emulator/clock/advance",
    "/_emulator/organizations",
    "/_emulator/tasks",
    "/_emulator/tasks/{taskId}",
    "/_emulator/ui",
    "/_emulator/webhooks",
    "/_emulator/webhooks/{webhookId}",
    "/_emulator/webhooks/deliveries",
    "/_emulator/files/{token}",
    "/_emulator/files/{token}/{fileName}",
];

/// Every control-plane route, each with its OpenAPI operation, and the catch-all for unknown
/// control-plane paths (not an operation).
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(health::health))
        .routes(routes!(health::ready))
        .routes(routes!(data::reset))
        .routes(routes!(data::seed))
        .routes(routes!(data::state))
        .routes(routes!(journal::list, journal::clear))
        .routes(routes!(
            faults::list,
            faults::replace,
            faults::append,
            faults::clear
        ))
        .routes(routes!(clock::get, clock::put))
        .routes(routes!(clock::advance))
        .routes(routes!(task_list::organizations))
        .routes(routes!(task_list::tasks))
        .routes(routes!(tasks::show))
        .routes(routes!(tasks::force_status))
        .routes(routes!(tasks::advance))
        .routes(routes!(tasks::reprocess))
        .routes(routes!(tasks::review))
        .routes(routes!(webhooks::list, webhooks::replace, webhooks::add))
        .routes(routes!(webhooks::remove))
        .routes(routes!(webhooks::deliveries))
        .routes(routes!(files::download_file))
        .routes(routes!(files::delete_file))
        .routes(routes!(ui::page))
        .routes(routes!(ui::script))
        .routes(routes!(ui::style))
        .route("/_emulator/{*rest}", any(unknown_route))
}

/// An unknown control-plane path: a problem body naming the known routes, so that a typo in
/// a test's set-up is obvious.
async fn unknown_route(_admin: Admin, uri: Uri) -> Response {
    Problem::new(
        StatusCode::NOT_FOUND,
        "unknown-control-route",
        format!("{} is not a control-plane route.", uri.path()),
    )
    .with("routes", ROUTES)
    .into_response()
}

/// The middleware every non-control-plane request passes through: it applies the first
/// fault rule that fires (a delay, a canned response or a dropped connection), runs the
/// request otherwise, and records the exchange in the journal.
pub async fn intercept(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if is_control_plane(request.uri().path()) {
        return next.run(request).await;
    }
    let started = Instant::now();
    let time = state.clock.now();
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let raw_query = request.uri().query().map(str::to_owned);
    let headers = redacted_headers(
        request
            .headers()
            .iter()
            .map(|(name, value)| (name.as_str(), value.as_bytes())),
    );
    // Parsed only if a rule names a query parameter (most requests meet no such rule). A
    // query string too long to parse matches no such rule.
    let query = OnceCell::new();
    let injected = state
        .emulator
        .faults
        .decide(method.as_str(), &path, |name, value| {
            query
                .get_or_init(|| QueryParams::parse(raw_query.as_deref()).unwrap_or_default())
                .raw_all(name)
                .any(|given| given == value)
        });
    let mut outcome = Outcome::Pass;
    if let Some(injected) = &injected {
        if let Some(delay) = injected.delay {
            tokio::time::sleep(delay).await;
        }
        outcome = injected.outcome.clone();
    }
    let response = match outcome {
        Outcome::Pass => next.run(request).await,
        Outcome::Respond(canned) => faults::canned_response(&canned),
        Outcome::Drop => faults::dropped_connection(),
    };
    let status = match injected.as_ref().map(|i| &i.outcome) {
        Some(Outcome::Drop) => None,
        _ => Some(response.status().as_u16()),
    };
    state.emulator.journal.record(NewEntry {
        time,
        method: method.to_string(),
        path: clipped(&path),
        query: raw_query.as_deref().map(redacted_query),
        headers,
        status,
        duration_ms: started.elapsed().as_secs_f64() * 1000.0,
        fault: injected.map(|i| i.mark),
    });
    response
}
