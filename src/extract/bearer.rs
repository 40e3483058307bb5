//! Bearer authentication of the emulated API (RFC 6750): the `Caller` extractor.

use axum::extract::{FromRef, FromRequestParts};
use axum::http::request::Parts;
use axum::http::HeaderMap;
use chrono::SecondsFormat;

use crate::domain::auth::{is_b64token, token_hash};
use crate::error::{ApiError, BearerChallenge};
use crate::extract::authorization::{authorization, Authorization};
use crate::response::cache::cached;
use crate::state::AppState;
use crate::store::organizations;
use crate::store::tokens::{self, TokenLookup};

/// The organization a request acts for, from its `Authorization: Bearer` token (RFC 6750
/// §2.1). Handlers take it before any other extractor, so that authentication is checked
/// before the request itself.
///
/// With `--auth on`, a missing, malformed, unknown or expired token is a 401 with an empty
/// body and a `WWW-Authenticate: Bearer` challenge. With `--auth off`, a valid token is still
/// honoured and anything else acts for the default organization.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Caller {
    pub tenant_id: i64,
}

impl<S> FromRequestParts<S> for Caller
where
    S: Send + Sync,
    AppState: FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let state = AppState::from_ref(state);
        let refusal = match bearer_token(&parts.headers) {
            PresentedToken::Missing => BearerChallenge::Missing,
            PresentedToken::Malformed(reason) => BearerChallenge::InvalidToken(reason.into()),
            PresentedToken::Token(token) => {
                let hash = token_hash(token);
                let row = cached(&state.caches.tokens, &hash, || {
                    tokens::find(&state.db, &hash)
                })
                .await?;
                match tokens::classify(row, state.clock.now()) {
                    TokenLookup::Valid { tenant_id } => return Ok(Self { tenant_id }),
                    TokenLookup::Expired { expired_at } => BearerChallenge::InvalidToken(format!(
                        "The access token expired at {}.",
                        expired_at.to_rfc3339_opts(SecondsFormat::Secs, true)
                    )),
                    TokenLookup::Unknown => BearerChallenge::InvalidToken(
                        "The access token is unknown: never issued here, revoked, or its organization is gone."
                            .into(),
                    ),
                }
            }
        };
        if state.auth.required {
            tracing::debug!(?refusal, "request refused: no valid bearer token");
            return Err(ApiError::Unauthorized(refusal));
        }
        let organization = organizations::default_organization(&state.db)
            .await?
            .ok_or_else(|| anyhow::anyhow!("no default organization is loaded"))?;
        Ok(Self {
            tenant_id: organization.tenant_id,
        })
    }
}

/// What the `Authorization` header holds, as far as bearer authentication is concerned.
enum PresentedToken<'a> {
    /// No `Authorization` header, or one with another scheme (`Basic ...`).
    Missing,
    /// The Bearer scheme with something that cannot be a token; the reason, for the client.
    Malformed(&'static str),
    Token(&'a str),
}

fn bearer_token(headers: &HeaderMap) -> PresentedToken<'_> {
    match authorization(headers, "Bearer") {
        Authorization::Absent | Authorization::OtherScheme => PresentedToken::Missing,
        Authorization::Repeated => {
            PresentedToken::Malformed("The request has more than one Authorization header.")
        }
        Authorization::Credentials(Some("")) => {
            PresentedToken::Malformed("The Authorization header has no token after Bearer.")
        }
        Authorization::Credentials(Some(token)) if is_b64token(token) => {
            PresentedToken::Token(token)
        }
        Authorization::Credentials(_) => PresentedToken::Malformed(
            "The bearer token is malformed: at most 1024 characters of A-Z a-z 0-9 - . _ ~ + / then optional =.",
        ),
    }
}
