//! The dashboard at `/_emulator/ui`: one HTML page, its script and its style sheet, compiled
//! into the binary (it must work offline). The page holds no data, so it is served without
//! the admin token; everything it shows it reads, with the token the user typed in (kept in
//! the tab's session storage, never in a URL), from the documented control-plane routes.

use axum::http::header;
use axum::response::{IntoResponse, Response};

const INDEX_HTML: &str = include_str!("ui/index.html");
const APP_JS: &str = include_str!("ui/app.js");
const STYLE_CSS: &str = include_str!("ui/style.css");

/// Only the page's own script and style, and requests to its own origin: no inline script,
/// no framing, no form posting elsewhere.
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
    style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; \
    form-action 'none'; frame-ancestors 'none'";

/// The dashboard
///
/// The dashboard's page (HTML). It holds no data and needs no admin token; its script reads
/// everything from the control plane, with the token the user types in.
#[utoipa::path(
    get,
    path = "/_emulator/ui",
    operation_id = "getDashboard",
    tag = "Emulator",
    responses((status = 200, description = "The page", content_type = "text/html; charset=utf-8", body = String))
)]
pub async fn page() -> Response {
    asset("text/html; charset=utf-8", INDEX_HTML)
}

/// The dashboard's script
#[utoipa::path(
    get,
    path = "/_emulator/ui/app.js",
    operation_id = "getDashboardScript",
    tag = "Emulator",
    responses((status = 200, description = "The script", content_type = "text/javascript; charset=utf-8", body = String))
)]
pub async fn script() -> Response {
    asset("text/javascript; charset=utf-8", APP_JS)
}

/// The dashboard's style sheet
#[utoipa::path(
    get,
    path = "/_emulator/ui/style.css",
    operation_id = "getDashboardStyle",
    tag = "Emulator",
    responses((status = 200, description = "The style sheet", content_type = "text/css; charset=utf-8", body = String))
)]
pub async fn style() -> Response {
    asset("text/css; charset=utf-8", STYLE_CSS)
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
