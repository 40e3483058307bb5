//! The control plane under `/_emulator/`: what a test suite uses to steer sdemu.
//!
//! The prefix can never collide with an emulated path (the real API lives under `/api/` and
//! `/connect/`). Control-plane requests are neither journaled nor subject to faults; every
//! other request (the emulated API and unknown paths) goes through [`intercept`], which
//! injects faults and records it in the request journal.
//!
//! | Route | Module |
//! | --- | --- |
//! | `GET /_emulator/health`, `GET /_emulator/ready` | [`health`] (never need the admin token) |
//! | `POST /_emulator/reset`, `POST /_emulator/seed`, `GET /_emulator/state` | [`data`] |
//! | `GET`/`DELETE /_emulator/requests` | [`journal`] |
//! | `GET`/`PUT`/`POST`/`DELETE /_emulator/faults` | [`faults`] |

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use crate::domain::auth::secrets_match;
use axum::body::Body;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderValue, StatusCode, Uri};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use axum::Router;
use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::app::AppState;
use crate::config::AdminToken;
use crate::domain::faults::{Faults, Outcome};
use crate::domain::journal::{clipped, redacted_headers, Journal, NewEntry};
use crate::error::{ApiError, Problem};
use crate::extract::QueryParams;

pub mod data;
pub mod faults;
pub mod health;
pub mod journal;

pub use crate::domain::control_plane::{is_control_plane, PREFIX};

/// The largest request body the control plane reads (a seed document); larger is `413`.
pub const MAX_BODY_BYTES: usize = 16 * 1024 * 1024;

/// The control plane's own state, shared by every request.
pub struct Emulator {
    /// When sdemu started, by `state.clock`.
    pub started_at: DateTime<Utc>,
    ready: AtomicBool,
    admin_token: Option<AdminToken>,
    pub journal: Journal,
    pub faults: Faults,
}

impl Emulator {
    pub fn new(
        started_at: DateTime<Utc>,
        admin_token: Option<AdminToken>,
        journal_limit: usize,
        faults: Faults,
    ) -> Self {
        Self {
            started_at,
            ready: AtomicBool::new(false),
            admin_token,
            journal: Journal::new(journal_limit),
            faults,
        }
    }

    /// Marks start-up as finished (migrations applied, fixtures loaded).
    pub fn set_ready(&self) {
        self.ready.store(true, Ordering::SeqCst);
    }

    pub fn is_ready(&self) -> bool {
        self.ready.load(Ordering::SeqCst)
    }
}

/// Every control-plane route.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/_emulator/health", get(health::health))
        .route("/_emulator/ready", get(health::ready))
        .route("/_emulator/reset", post(data::reset))
        .route("/_emulator/seed", post(data::seed))
        .route("/_emulator/state", get(data::state))
        .route(
            "/_emulator/requests",
            get(journal::list).delete(journal::clear),
        )
        .route(
            "/_emulator/faults",
            get(faults::list)
                .put(faults::replace)
                .post(faults::append)
                .delete(faults::clear),
        )
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
    .with(
        "routes",
        [
            "/_emulator/health",
            "/_emulator/ready",
            "/_emulator/reset",
            "/_emulator/seed",
            "/_emulator/state",
            "/_emulator/requests",
            "/_emulator/faults",
        ],
    )
    .into_response()
}

/// Proof that a request may use the protected control plane: with `--admin-token` set, the
/// request carries `Authorization: Bearer <token>` (compared in constant time); without it,
/// every request may. Otherwise `401` with `WWW-Authenticate` and a problem body.
#[derive(Debug, Clone, Copy)]
pub struct Admin;

impl FromRequestParts<AppState> for Admin {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let Some(expected) = state.emulator.admin_token.as_ref().map(AdminToken::expose) else {
            return Ok(Admin);
        };
        let given = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, token)| token.trim());
        let detail = match given {
            Some(token) if secrets_match(token, expected) => return Ok(Admin),
            Some(_) => "The admin token is not the one sdemu was started with (--admin-token).",
            None => "The control plane needs 'Authorization: Bearer <admin token>' (sdemu was started with --admin-token).",
        };
        Err(
            Problem::new(StatusCode::UNAUTHORIZED, "admin-token-required", detail)
                .with_header(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("Bearer realm=\"sdemu-control-plane\""),
                )
                .into(),
        )
    }
}

/// Reads a control-plane request body as JSON: at most [`MAX_BODY_BYTES`] (`413` beyond),
/// and `400` naming the position when it is not JSON. The content type is not checked.
pub async fn read_json(body: Body) -> Result<Value, ApiError> {
    let bytes = axum::body::to_bytes(body, MAX_BODY_BYTES)
        .await
        .map_err(|_| {
            ApiError::from(
                Problem::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "body-too-large",
                    format!("The request body is larger than {MAX_BODY_BYTES} bytes."),
                )
                .with("limit", MAX_BODY_BYTES),
            )
        })?;
    serde_json::from_slice(&bytes).map_err(|error| {
        Problem::new(
            StatusCode::BAD_REQUEST,
            "invalid-json",
            format!("The request body is not valid JSON: {error}."),
        )
        .into()
    })
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
    // A query string too long to parse matches no rule that names a query parameter.
    let query = QueryParams::parse(raw_query.as_deref()).unwrap_or_default();

    let injected = state
        .emulator
        .faults
        .decide(method.as_str(), &path, |name, value| {
            query.raw_all(name).any(|given| given == value)
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
        query: raw_query.as_deref().map(clipped),
        headers,
        status,
        duration_ms: started.elapsed().as_secs_f64() * 1000.0,
        fault: injected.map(|i| i.mark),
    });
    response
}
