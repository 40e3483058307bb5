//! The shapes of successful responses: the JSON content type the real (ASP.NET) service
//! sends, a typed JSON body (so a handler's signature says what it sends), the empty
//! response the documentation uses for several answers, and the no-store headers of token
//! responses.

use std::sync::Arc;

use axum::http::{header, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

pub mod cache;

/// The content type of every JSON success response, as the real (ASP.NET) service sends it.
pub const JSON_CONTENT_TYPE: &str = "application/json; charset=utf-8";

/// A JSON response body of type `T`, sent with [`JSON_CONTENT_TYPE`] and status 200 unless
/// built with [`Json::with_status`].
#[derive(Debug, Clone)]
pub struct Json<T> {
    pub status: StatusCode,
    pub body: T,
}

impl<T> Json<T> {
    pub fn ok(body: T) -> Self {
        Self {
            status: StatusCode::OK,
            body,
        }
    }

    pub fn with_status(status: StatusCode, body: T) -> Self {
        Self { status, body }
    }
}

impl<T: Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        match serde_json::to_vec(&self.body) {
            Ok(bytes) => (self.status, [json_content_type()], bytes).into_response(),
            // Every body sdemu sends is plain data; a failure here is a bug, answered as 500
            // (with its cause for the request log) rather than a panic.
            Err(error) => internal_error_response(error.into()),
        }
    }
}

/// A 200 answer whose body is JSON already written (by SQLite, or kept by the response
/// cache): the same status, headers and bytes as [`Json`] sends.
pub fn json_bytes(body: impl Into<axum::body::Bytes>) -> Response {
    (StatusCode::OK, [json_content_type()], body.into()).into_response()
}

/// A 200 answer whose JSON body is sent as `pieces` come (chunked transfer encoding, no
/// `Content-Length`), with the same status and headers as [`json_bytes`]. The body is
/// pulled: the next piece is asked for only once the connection has taken the previous
/// one, so a slow client holds one piece in memory, not the answer. A piece that fails
/// ends the body there and the connection is closed without the chunked terminator (the
/// status was sent already), which every HTTP client reports as an incomplete answer.
pub fn json_stream<S, E>(pieces: S) -> Response
where
    S: futures_util::Stream<Item = Result<Vec<u8>, E>> + Send + 'static,
    E: Into<axum::BoxError> + 'static,
{
    (
        StatusCode::OK,
        [json_content_type()],
        axum::body::Body::from_stream(pieces),
    )
        .into_response()
}

/// The content type of problem bodies (RFC 9457).
pub const PROBLEM_CONTENT_TYPE: &str = "application/problem+json";

/// The cause of a 500, attached to the response so that the request-logging layer logs it
/// once, with the request's span (route, request id), instead of the error logging itself
/// wherever it is turned into a response.
#[derive(Debug, Clone)]
pub struct InternalCause(pub Arc<anyhow::Error>);

/// The one answer to a bug or an unavailable database: a fixed problem body without
/// internals, with the cause attached for the request log.
pub fn internal_error_response(cause: anyhow::Error) -> Response {
    const BODY: &str = r#"{"type":"urn:sdemu:problem:internal","title":"Internal Server Error","status":500,"detail":"sdemu failed to answer this request; its log has the cause."}"#;
    let mut response = (
        StatusCode::INTERNAL_SERVER_ERROR,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static(PROBLEM_CONTENT_TYPE),
        )],
        BODY,
    )
        .into_response();
    response
        .extensions_mut()
        .insert(InternalCause(Arc::new(cause)));
    response
}

/// The `Content-Type` header of JSON success responses.
pub fn json_content_type() -> (HeaderName, HeaderValue) {
    (
        header::CONTENT_TYPE,
        HeaderValue::from_static(JSON_CONTENT_TYPE),
    )
}

/// A response with no body at all: no content type and an explicit `Content-Length: 0`.
pub fn empty_response(status: StatusCode) -> Response {
    (
        status,
        [(header::CONTENT_LENGTH, HeaderValue::from_static("0"))],
    )
        .into_response()
}

/// The headers [`no_store_headers`] returns.
pub type NoStoreHeaders = [(HeaderName, HeaderValue); 2];

/// `Cache-Control: no-store` and `Pragma: no-cache`, which RFC 6749 §5.1 requires on every
/// token endpoint response, successful or not.
pub fn no_store_headers() -> NoStoreHeaders {
    [
        (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        (header::PRAGMA, HeaderValue::from_static("no-cache")),
    ]
}
