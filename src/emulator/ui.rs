//! The dashboard at `/_emulator/ui`: one HTML page, its script and its style sheet, compiled
//! into the binary (it must work offline). The page holds no data, so it is served without
//! the admin token; everything it shows it reads, with the token the user typed in (kept in
//! the tab's session storage, never in a URL), from the documented control-plane routes.

use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use crate::state::AppState;

/// The page's address.
pub const PAGE: &str = "/_emulator/ui";
/// Its script and style sheet.
pub const SCRIPT: &str = "/_emulator/ui/app.js";
pub const STYLE: &str = "/_emulator/ui/style.css";

const INDEX_HTML: &str = include_str!("ui/index.html");
const APP_JS: &str = include_str!("ui/app.js");
const STYLE_CSS: &str = include_str!("ui/style.css");

/// Only the page's own script and style, and requests to its own origin: no inline script,
/// no framing, no form posting elsewhere.
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
    style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; \
    form-action 'none'; frame-ancestors 'none'";

/// The three routes of the dashboard (not API operations, so not in the description).
pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            PAGE,
            get(|| async { asset("text/html; charset=utf-8", INDEX_HTML) }),
        )
        .route(
            SCRIPT,
            get(|| async { asset("text/javascript; charset=utf-8", APP_JS) }),
        )
        .route(
            STYLE,
            get(|| async { asset("text/css; charset=utf-8", STYLE_CSS) }),
        )
}

/// An asset with its type and the headers that keep it fresh (`no-cache`: revalidated, so a
/// new binary's page is never mixed with an old script) and confined.
fn asset(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "no-cache"),
            (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (header::REFERRER_POLICY, "no-referrer"),
            (header::X_FRAME_OPTIONS, "DENY"),
        ],
        body,
    )
        .into_response()
}
