//! The control plane's admin token (`--admin-token`): the `Admin` extractor.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderValue, StatusCode};

use crate::config::AdminToken;
use crate::domain::auth::secrets_match;
use crate::error::{ApiError, Problem};
use crate::extract::authorization::{authorization, Authorization};
use crate::state::AppState;

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
        let Some(expected) = state.emulator.admin_token().map(AdminToken::expose) else {
            return Ok(Admin);
        };
        let detail = match authorization(&parts.headers, "Bearer") {
            Authorization::Credentials(Some(token)) if !token.is_empty() => {
                if secrets_match(token, expected) {
                    return Ok(Admin);
                }
                "The admin token is not the one sdemu was started with (--admin-token)."
            }
            Authorization::Repeated => {
                "The request has more than one Authorization header; send the admin token once."
            }
            _ => "The control plane needs 'Authorization: Bearer <admin token>' (sdemu was started with --admin-token).",
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
