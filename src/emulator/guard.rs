//! What keeps web pages from driving the control plane. A page on another origin can make
//! a browser send a "simple" request (a `text/plain` POST, no preflight) with no CORS at
//! all, and with `--cors-origin '*'` it could read any answer. So, on every control-plane
//! route but `health`, `ready` and `openapi.json` (which expose nothing) and file-link
//! downloads (whose random token is their credential):
//!
//! - a request a page sent (its `Origin`, or `Sec-Fetch-Site: cross-site|same-site` when
//!   there is no `Origin`) is refused with `403` unless `--cors-origin` names that origin
//!   exactly: `*` does not cover the control plane;
//! - a request that changes state and has a body must say `Content-Type: application/json`
//!   (`415` otherwise), which no page can send without a preflight.
//!
//! Requests from programs (curl, test suites, SDKs) carry neither header and pass.
//!
//! sdemu's own dashboard (`/_emulator/ui`) is a page too: its requests name sdemu's own
//! origin, which passes when the `Host` it was reached by is an IP address or `localhost`.
//! A name that resolves to sdemu by DNS rebinding is never either, so a foreign page cannot
//! pass as sdemu's own; behind another name, `--cors-origin` names the dashboard's origin.

use axum::body::{Body, HttpBody};
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::domain::control_plane::is_control_plane;
use crate::error::Problem;
use crate::extract::body::is_json_content_type;
use crate::state::AppState;

/// Control-plane paths any page may read: they expose no data and change nothing.
const PUBLIC: [&str; 6] = [
    "/_emulator/health",
    "/_emulator/ready",
    "/_emulator/openapi.json",
    "/_emulator/ui",
    "/_emulator/ui/app.js",
    "/_emulator/ui/style.css",
];

/// File links (`GET /_emulator/files/{token}/{fileName}`): like storage links, any page may
/// download them; the link's random token is the credential.
const FILES: &str = "/_emulator/files/";

/// The middleware: passes everything outside the control plane, and control-plane requests
/// that no foreign page sent (and that are JSON when they change state with a body).
pub async fn guard(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let path = request.uri().path();
    let download =
        path.starts_with(FILES) && matches!(*request.method(), Method::GET | Method::HEAD);
    if !is_control_plane(path) || PUBLIC.contains(&path) || download {
        return next.run(request).await;
    }
    if let Some(detail) = foreign_page(request.headers(), &state.config.cors_origins) {
        return Problem::new(StatusCode::FORBIDDEN, "cross-origin-control", detail).into_response();
    }
    if changes_state(request.method())
        && has_body(request.body())
        && !is_json_content_type(request.headers())
    {
        return Problem::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported-content-type",
            "Control-plane requests with a body must send it with \
             'Content-Type: application/json'.",
        )
        .into_response();
    }
    next.run(request).await
}

/// Why the request is refused, when a web page sent it and `allowed` (the `--cors-origin`
/// list) does not name the page's origin exactly.
fn foreign_page(headers: &HeaderMap, allowed: &[String]) -> Option<String> {
    if let Some(origin) = headers.get(header::ORIGIN) {
        let origin = origin.to_str().unwrap_or("(unreadable)");
        if is_own_origin(origin, headers) {
            return None;
        }
        let named = allowed
            .iter()
            .any(|allowed| allowed != "*" && allowed.trim_end_matches('/') == origin);
        return (!named).then(|| {
            format!(
                "The control plane does not answer web pages from origin {origin}; start sdemu \
                 with --cors-origin {origin} to let that page use it ('*' does not cover the \
                 control plane)."
            )
        });
    }
    // Browsers send `Origin` on every request that is not a GET or HEAD; a cross-site GET
    // still says where it comes from.
    let site = headers
        .get("sec-fetch-site")
        .map(HeaderValue::as_bytes)
        .unwrap_or_default();
    matches!(site, b"cross-site" | b"same-site").then(|| {
        "The control plane does not answer web pages from another site (Sec-Fetch-Site).".to_owned()
    })
}

/// Whether `origin` is sdemu's own, reached by an address no DNS answer can stand for: the
/// `Host` of the request is an IP address or `localhost` (any port) and the page's origin
/// is `http://` that host.
fn is_own_origin(origin: &str, headers: &HeaderMap) -> bool {
    let Some(host) = headers.get(header::HOST).and_then(|h| h.to_str().ok()) else {
        return false;
    };
    if origin.strip_prefix("http://") != Some(host) {
        return false;
    }
    let name = match host.rsplit_once(':') {
        Some((name, port)) if !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()) => name,
        _ => host,
    };
    let name = name
        .strip_prefix('[')
        .and_then(|inner| inner.strip_suffix(']'))
        .unwrap_or(name);
    name.eq_ignore_ascii_case("localhost") || name.parse::<std::net::IpAddr>().is_ok()
}

fn changes_state(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Whether the request has a body: a non-zero declared length, or a length not known yet
/// (chunked).
fn has_body(body: &Body) -> bool {
    let hint = body.size_hint();
    hint.lower() > 0 || (hint.exact() != Some(0) && !body.is_end_stream())
}
