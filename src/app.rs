//! The application: the router (the one place layers are stacked) and `serve`.

use std::collections::HashMap;
use std::sync::OnceLock;
use std::time::Duration;

use axum::extract::DefaultBodyLimit;
use axum::http::{header, HeaderName, HeaderValue, Method, StatusCode};
use axum::response::Response;
use axum::{middleware, Router};
use tower::{ServiceBuilder, ServiceExt};
use tower_http::compression::predicate::{And, DefaultPredicate, Predicate, SizeAbove};
use tower_http::compression::{CompressionLayer, CompressionLevel};
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::request_id::{PropagateRequestIdLayer, SetRequestIdLayer};

use crate::config::Switch;
use crate::extract::body::MAX_BODY_BYTES;
use crate::response::empty_response;
use crate::state::AppState;
use crate::{emulator, lifecycle};
use crate::{openapi, telemetry};

mod request_id;
mod serve;

use request_id::MakeRandomRequestId;

pub use serve::{serve, ServeOptions};

/// The whole HTTP surface. `main` and the tests both serve exactly this.
pub fn build_router(state: AppState) -> Router {
    let cors = cors_layer(&state.config.cors_origins);
    let compression = compression_layer(state.config.compression);
    let request_id = HeaderName::from_static("x-request-id");
    // Every described route, registered together with its operation.
    let (described, _) = openapi::routes().split_for_parts();
    let router = described
        .fallback(unmatched)
        // Request bodies over 1 MiB are refused; `JsonBody` turns that into a 413 problem.
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        // Lifecycle steps that are due are applied before any API request is handled.
        .layer(middleware::from_fn_with_state(
            state.clone(),
            lifecycle::catch_up_first,
        ))
        // Journal and fault injection for everything but the control plane itself.
        .layer(middleware::from_fn_with_state(
            state.clone(),
            emulator::intercept,
        ))
        .layer(
            // Listed outermost first: every request gets an id (the client's `x-request-id`,
            // or a new UUID), is logged with it, and the id is echoed on the response.
            ServiceBuilder::new()
                .layer(SetRequestIdLayer::new(
                    request_id.clone(),
                    MakeRandomRequestId,
                ))
                .layer(axum::middleware::from_fn(telemetry::log_request))
                .layer(PropagateRequestIdLayer::new(request_id))
                .option_layer(cors),
        )
        .with_state(state.clone());
    // The path is made canonical before routing, so this wraps the whole router; web pages
    // are kept off the control plane before anything else (CORS preflights included).
    let app = Router::new()
        .fallback_service(router.map_request(canonical_api_path))
        .layer(middleware::from_fn_with_state(state, emulator::guard));
    // Outermost, so the journal, the fault rules and the log see what the handler wrote.
    match compression {
        Some(compression) => app.layer(compression),
        None => app,
    }
}

/// The emulated API's paths by their lower-case form, from the OpenAPI description: the
/// routes registered with their operations, so every API route is here.
fn api_paths() -> &'static HashMap<String, String> {
    static PATHS: OnceLock<HashMap<String, String>> = OnceLock::new();
    PATHS.get_or_init(|| {
        openapi::description()
            .paths
            .paths
            .keys()
            .filter(|path| !emulator::is_control_plane(path))
            .map(|path| (path.to_ascii_lowercase(), path.clone()))
            .collect()
    })
}

/// The emulated API's paths with parameters (`.../GetExportData/{taskid}`), split into
/// segments, from the OpenAPI description.
fn api_templates() -> &'static [Vec<String>] {
    static TEMPLATES: OnceLock<Vec<Vec<String>>> = OnceLock::new();
    TEMPLATES.get_or_init(|| {
        openapi::description()
            .paths
            .paths
            .keys()
            .filter(|path| !emulator::is_control_plane(path) && path.contains('{'))
            .map(|path| path.split('/').map(str::to_owned).collect())
            .collect()
    })
}

/// `path` in the spelling of the templated API path it matches case-insensitively (a
/// parameter matches any non-empty segment and keeps the request's value), if any.
fn templated_path(path: &str) -> Option<String> {
    let segments: Vec<&str> = path.split('/').collect();
    api_templates().iter().find_map(|template| {
        if template.len() != segments.len() {
            return None;
        }
        template
            .iter()
            .zip(&segments)
            .map(|(spelled, given)| {
                if spelled.starts_with('{') {
                    (!given.is_empty()).then(|| (*given).to_owned())
                } else {
                    spelled.eq_ignore_ascii_case(given).then(|| spelled.clone())
                }
            })
            .collect::<Option<Vec<_>>>()
            .map(|joined| joined.join("/"))
    })
}

/// ASP.NET Core, which serves the real API, matches route paths case-insensitively and
/// ignores one trailing slash, so `/API/v1.0/External/SDTask/StatusList/` reaches the task
/// list there; this rewrites such a path to the route's own spelling (the query is kept).
/// The control plane under `/_emulator/` stays exact.
fn canonical_api_path(mut request: axum::extract::Request) -> axum::extract::Request {
    let path = request.uri().path();
    let trimmed = path
        .strip_suffix('/')
        .filter(|rest| !rest.is_empty())
        .unwrap_or(path);
    let Some(canonical) = api_paths()
        .get(&trimmed.to_ascii_lowercase())
        .cloned()
        .or_else(|| templated_path(trimmed))
    else {
        return request;
    };
    let canonical = &canonical;
    if canonical == path {
        return request;
    }
    let path_and_query = match request.uri().query() {
        Some(query) => format!("{canonical}?{query}"),
        None => canonical.clone(),
    };
    let mut parts = request.uri().clone().into_parts();
    if let Ok(rewritten) = path_and_query.parse() {
        parts.path_and_query = Some(rewritten);
        if let Ok(uri) = axum::http::Uri::from_parts(parts) {
            *request.uri_mut() = uri;
        }
    }
    request
}

/// Marks responses from the fallback (no route matched), so tests can tell them apart from
/// a handler's own empty 404.
#[derive(Debug, Clone, Copy)]
pub struct Unmatched;

async fn unmatched() -> Response {
    let mut response = empty_response(StatusCode::NOT_FOUND);
    response.extensions_mut().insert(Unmatched);
    response
}

/// The smallest answer `--compression on` compresses: below it the headers outweigh the gain.
pub const MIN_COMPRESSED_BYTES: u16 = 1024;

/// What is compressed: tower-http's default exclusions (images, gRPC, event streams) and
/// answers of at least [`MIN_COMPRESSED_BYTES`].
type WorthCompressing = And<DefaultPredicate, SizeAbove>;

/// Compression for clients that ask, only with `--compression on` (without it, no `Vary`
/// header either, as before).
fn compression_layer(switch: Switch) -> Option<CompressionLayer<WorthCompressing>> {
    (switch == Switch::On).then(|| {
        CompressionLayer::new()
            .gzip(true)
            .br(true)
            .quality(CompressionLevel::Fastest)
            .compress_when(DefaultPredicate::new().and(SizeAbove::new(MIN_COMPRESSED_BYTES)))
    })
}

/// CORS for browser front-ends, only when origins are configured: the real API is meant for
/// servers, so by default sdemu sends no CORS headers either.
fn cors_layer(origins: &[String]) -> Option<CorsLayer> {
    if origins.is_empty() {
        return None;
    }
    let allow_origin = if origins.iter().any(|origin| origin == "*") {
        AllowOrigin::any()
    } else {
        AllowOrigin::list(
            origins
                .iter()
                .filter_map(|origin| HeaderValue::from_str(origin.trim_end_matches('/')).ok()),
        )
    };
    Some(
        CorsLayer::new()
            .allow_origin(allow_origin)
            .allow_methods([
                Method::GET,
                Method::POST,
                Method::PUT,
                Method::PATCH,
                Method::DELETE,
            ])
            .allow_headers([
                header::AUTHORIZATION,
                header::CONTENT_TYPE,
                HeaderName::from_static("x-request-id"),
            ])
            .expose_headers([
                header::WWW_AUTHENTICATE,
                header::RETRY_AFTER,
                HeaderName::from_static("x-request-id"),
            ])
            .max_age(Duration::from_secs(600)),
    )
}
