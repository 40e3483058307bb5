//! Every failure sdemu sends is an `ApiError`, and this file alone decides its status, headers
//! and body.
//!
//! Where the real API's answer is documented (400 with an empty body when a task list request
//! names neither date) sdemu matches it exactly. Everywhere else it sends an RFC 9457
//! `application/problem+json` body that names the offending parameter or field, because the
//! real error bodies are not documented and a precise message is what a test author needs.

use axum::{
    http::{header, HeaderName, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
};
use serde::Serialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

use crate::domain::sort::SortError;
use crate::response::{
    empty_response, internal_error_response, json_content_type, no_store_headers,
};

pub mod responses;

pub use crate::response::PROBLEM_CONTENT_TYPE;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// A status with an empty body (no content type, `Content-Length: 0`), for the cases where
    /// the real API is documented to answer without content.
    #[error("{0} with an empty body")]
    Empty(StatusCode),
    /// An RFC 9457 problem document.
    #[error("{}: {}", .0.status, .0.detail)]
    Problem(Box<Problem>),
    /// 401 with an empty body and a `WWW-Authenticate: Bearer` challenge (RFC 6750 §3): the
    /// request to an API route carried no valid bearer token.
    #[error("no valid bearer token: {0:?}")]
    Unauthorized(BearerChallenge),
    /// An error of the token endpoint, in the OAuth 2.0 shape (RFC 6749 §5.2).
    #[error("{}: {}", .0.error, .0.description)]
    OAuth(Box<OAuthError>),
    /// A bug or an unavailable database: answered without internals; the cause travels to
    /// the request log in an [`InternalCause`] response extension.
    #[error(transparent)]
    Internal(anyhow::Error),
}

pub use crate::response::InternalCause;

/// Why a request to an API route is not authenticated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BearerChallenge {
    /// No bearer token was sent (no `Authorization` header, or another scheme): the challenge
    /// is a bare `Bearer`, as RFC 6750 §3.1 asks.
    Missing,
    /// A token was sent but cannot be used; the text becomes `error_description` (it must not
    /// contain `"` or `\`).
    InvalidToken(String),
}

/// An OAuth 2.0 error response: `{"error": ..., "error_description": ...}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuthError {
    pub status: StatusCode,
    pub error: OAuthErrorCode,
    pub description: String,
    /// The client authenticated with HTTP Basic: a 401 must carry a matching challenge.
    pub basic_challenge: bool,
}

/// The RFC 6749 §5.2 error codes the token endpoint sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OAuthErrorCode {
    /// A missing, repeated or malformed parameter, or a body that is not a form.
    InvalidRequest,
    /// Unknown client id or wrong client secret.
    InvalidClient,
    /// A `grant_type` other than `client_credentials`.
    UnsupportedGrantType,
    /// A `scope` other than `WebAPI`.
    InvalidScope,
}

impl OAuthErrorCode {
    /// The code as the wire writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InvalidRequest => "invalid_request",
            Self::InvalidClient => "invalid_client",
            Self::UnsupportedGrantType => "unsupported_grant_type",
            Self::InvalidScope => "invalid_scope",
        }
    }
}

impl std::fmt::Display for OAuthErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The body of an OAuth 2.0 error response (RFC 6749 §5.2).
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = OAuthError)]
pub struct OAuthErrorBody<'a> {
    pub error: OAuthErrorCode,
    /// A sentence for the developer: what was wrong and what to send instead.
    pub error_description: &'a str,
}

impl OAuthError {
    /// 400 `invalid_request`: a missing, repeated or malformed parameter, or a wrong body.
    pub fn invalid_request(description: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            OAuthErrorCode::InvalidRequest,
            description,
        )
    }

    pub fn new(status: StatusCode, error: OAuthErrorCode, description: impl Into<String>) -> Self {
        Self {
            status,
            error,
            description: description.into(),
            basic_challenge: false,
        }
    }
}

impl From<OAuthError> for ApiError {
    fn from(error: OAuthError) -> Self {
        Self::OAuth(Box::new(error))
    }
}

/// The challenge of a 401 from the token endpoint to a client that used HTTP Basic.
pub const BASIC_CHALLENGE: &str = "Basic realm=\"sdemu\"";

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn empty_bad_request() -> Self {
        Self::Empty(StatusCode::BAD_REQUEST)
    }

    pub fn empty_not_found() -> Self {
        Self::Empty(StatusCode::NOT_FOUND)
    }

    /// A query parameter whose value cannot be used; names the parameter and the value.
    pub fn invalid_parameter(name: &str, value: &str, expected: &str) -> Self {
        Problem::new(
            StatusCode::BAD_REQUEST,
            "invalid-parameter",
            format!(
                "The query parameter '{name}' has the value '{value}', which is not {expected}."
            ),
        )
        .with("parameter", name)
        .with("value", value)
        .into()
    }
}

impl From<SortError> for ApiError {
    /// The `sort` parameter names no sortable property: a 400 problem listing the allowed ones.
    fn from(error: SortError) -> Self {
        Problem::new(
            StatusCode::BAD_REQUEST,
            "invalid-parameter",
            format!(
                "The query parameter 'sort' has the value '{}', which is not a sortable property. \
                 Use one of: {}; add ' desc' or a leading '-' to sort descending.",
                error.value,
                error.allowed.join(", ")
            ),
        )
        .with("parameter", "sort")
        .with("value", &error.value)
        .with("allowed", &error.allowed)
        .into()
    }
}

impl ApiError {
    /// A request body over `limit` bytes: 413, naming the limit.
    pub fn body_too_large(limit: usize) -> Self {
        Problem::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body-too-large",
            format!("The request body is larger than {limit} bytes."),
        )
        .with("limit", limit)
        .into()
    }

    /// A field of a JSON request body that cannot be used; names the field and says why.
    pub fn invalid_field(field: &str, reason: &str) -> Self {
        Problem::new(
            StatusCode::BAD_REQUEST,
            "invalid-field",
            format!("The field '{field}' {reason}."),
        )
        .with("field", field)
        .into()
    }
}

impl From<Problem> for ApiError {
    fn from(problem: Problem) -> Self {
        Self::Problem(Box::new(problem))
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(error: sqlx::Error) -> Self {
        Self::Internal(error.into())
    }
}

impl From<anyhow::Error> for ApiError {
    fn from(error: anyhow::Error) -> Self {
        Self::Internal(error)
    }
}

/// An RFC 9457 problem document. `kind` becomes the `type` member, a stable
/// `urn:sdemu:problem:<kind>` that tests can match on; extra members carry the details
/// (the parameter's name, the rejected value, the allowed values, ...).
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(
    description = "RFC 9457 problem details. Extension members name the parameter, the value, \
        the field, the limit or the allowed values; a fixture or fault rule problem lists every \
        problem in `errors`."
)]
pub struct Problem {
    /// `urn:sdemu:problem:<kind>`, stable: tests can match on it.
    #[serde(rename = "type")]
    #[schema(examples("urn:sdemu:problem:invalid-parameter"))]
    pub kind: String,
    /// The status's reason phrase.
    #[schema(examples("Bad Request"))]
    pub title: String,
    pub status: u16,
    /// What was wrong, in a sentence.
    pub detail: String,
    #[serde(flatten)]
    pub extensions: Map<String, Value>,
    /// Headers sent with the problem (a `WWW-Authenticate` challenge, ...).
    #[serde(skip)]
    pub headers: Vec<(HeaderName, HeaderValue)>,
}

impl Problem {
    pub fn new(status: StatusCode, kind: &str, detail: impl Into<String>) -> Self {
        Self {
            kind: format!("urn:sdemu:problem:{kind}"),
            title: status.canonical_reason().unwrap_or("Error").to_owned(),
            status: status.as_u16(),
            detail: detail.into(),
            extensions: Map::new(),
            headers: Vec::new(),
        }
    }

    /// Adds an extension member. Values that cannot be represented as JSON are skipped,
    /// which cannot happen for the plain strings, numbers and lists sdemu passes.
    pub fn with(mut self, key: &str, value: impl Serialize) -> Self {
        if let Ok(value) = serde_json::to_value(value) {
            self.extensions.insert(key.to_owned(), value);
        }
        self
    }

    /// Adds a header to the response that carries this problem.
    pub fn with_header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.headers.push((name, value));
        self
    }

    pub fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = self.status_code();
        let body = serde_json::to_vec(&self).unwrap_or_default();
        let mut response = (
            status,
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static(PROBLEM_CONTENT_TYPE),
            )],
            body,
        )
            .into_response();
        response.headers_mut().extend(self.headers);
        response
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match self {
            ApiError::Empty(status) => empty_response(status),
            ApiError::Problem(problem) => problem.into_response(),
            ApiError::Unauthorized(challenge) => {
                let value = match challenge {
                    BearerChallenge::Missing => "Bearer".to_owned(),
                    BearerChallenge::InvalidToken(description) => format!(
                        "Bearer error=\"invalid_token\", error_description=\"{description}\""
                    ),
                };
                let mut response = empty_response(StatusCode::UNAUTHORIZED);
                if let Ok(value) = HeaderValue::from_str(&value) {
                    response
                        .headers_mut()
                        .insert(header::WWW_AUTHENTICATE, value);
                }
                response
            }
            ApiError::OAuth(error) => oauth_error_response(&error),
            ApiError::Internal(error) => internal_error_response(error),
        }
    }
}

/// The JSON body and headers of an OAuth 2.0 error (RFC 6749 §5.2), never cached.
fn oauth_error_response(error: &OAuthError) -> Response {
    let body = serde_json::to_string(&OAuthErrorBody {
        error: error.error,
        error_description: &error.description,
    })
    .unwrap_or_default();
    let mut response = (
        error.status,
        [json_content_type()],
        no_store_headers(),
        body,
    )
        .into_response();
    if error.basic_challenge && error.status == StatusCode::UNAUTHORIZED {
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static(BASIC_CHALLENGE),
        );
    }
    response
}
