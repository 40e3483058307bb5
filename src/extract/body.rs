//! Request bodies: one bounded reader used by every handler that reads a body (the JSON
//! bodies of the API, the control plane's documents and the token endpoint's form), and the
//! `JsonBody` extractor built on it.

use axum::body::{Body, Bytes};
use axum::http::{header, HeaderMap, StatusCode};
use http_body_util::{BodyExt, LengthLimitError, Limited};
use serde_json::Value;

use crate::error::{ApiError, Problem};

pub use crate::domain::limits::{MAX_BODY_BYTES, MAX_CONTROL_BODY_BYTES, MAX_TOKEN_REQUEST_BYTES};

/// Why a body could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyError {
    /// The body is longer than the limit given.
    TooLarge { limit: usize },
    /// The client did not send the whole body within the body timeout (`--body-timeout`).
    TimedOut,
    /// The connection failed or the body was malformed on the wire.
    Unreadable,
}

/// The error a request body yields once its time (`--body-timeout`) is up: the server's
/// connection handling puts it in the body, `read_bounded` turns it into a 408.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the request body did not arrive within the body timeout")]
pub struct BodyTimedOut;

impl From<BodyError> for ApiError {
    /// 413 naming the limit, 408 for a body that came too slowly, or 400 for a body that
    /// could not be read.
    fn from(error: BodyError) -> Self {
        match error {
            BodyError::TooLarge { limit } => ApiError::body_too_large(limit),
            BodyError::TimedOut => Problem::new(
                StatusCode::REQUEST_TIMEOUT,
                "body-timeout",
                "The request body did not arrive in time.",
            )
            .into(),
            BodyError::Unreadable => Problem::new(
                StatusCode::BAD_REQUEST,
                "invalid-body",
                "The request body could not be read.",
            )
            .into(),
        }
    }
}

/// Reads the whole body, refusing it as soon as it passes `limit` bytes (or at once when its
/// declared length does), so that a large body is never held in memory.
pub async fn read_bounded(body: Body, limit: usize) -> Result<Bytes, BodyError> {
    // A `Content-Length` over the limit is refused before a byte is read (the client may be
    // waiting for `100 Continue`, or the body may never come).
    if usize::try_from(http_body::Body::size_hint(&body).lower()).map_or(true, |n| n > limit) {
        return Err(BodyError::TooLarge { limit });
    }
    match Limited::new(body, limit).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(error) if error.downcast_ref::<LengthLimitError>().is_some() => {
            Err(BodyError::TooLarge { limit })
        }
        Err(error) if is_timeout(error.as_ref()) => Err(BodyError::TimedOut),
        Err(_) => Err(BodyError::Unreadable),
    }
}

/// Whether `error`, or an error it wraps (axum's body wraps the connection's), is
/// [`BodyTimedOut`].
fn is_timeout(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut current = Some(error);
    while let Some(error) = current {
        if error.is::<BodyTimedOut>() {
            return true;
        }
        current = error.source();
    }
    false
}

/// Reads a control-plane request body as JSON: at most [`MAX_CONTROL_BODY_BYTES`] (`413`
/// beyond), and `400` naming the position when it is not JSON. The content type was
/// checked before (`emulator::guard`: `application/json`, so that no page can send one
/// without a preflight).
pub async fn read_control_json(body: Body) -> Result<Value, ApiError> {
    let bytes = read_bounded(body, MAX_CONTROL_BODY_BYTES).await?;
    serde_json::from_slice(&bytes).map_err(invalid_json)
}

/// `read_control_json` as checked JSON text, for a large document read item by item (a
/// seed): its syntax is checked without building a tree.
pub async fn read_control_json_text(body: Body) -> Result<String, ApiError> {
    let bytes = read_bounded(body, MAX_CONTROL_BODY_BYTES).await?;
    let text = String::from_utf8(bytes.to_vec()).map_err(|error| {
        invalid_json(serde_json::Error::io(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            error,
        )))
    })?;
    serde_json::from_str::<&serde_json::value::RawValue>(&text).map_err(invalid_json)?;
    Ok(text)
}

fn invalid_json(error: serde_json::Error) -> ApiError {
    Problem::new(
        StatusCode::BAD_REQUEST,
        "invalid-json",
        format!("The request body is not valid JSON: {error}."),
    )
    .into()
}

/// Reads a control-plane request body as JSON and maps it onto `T`, with the same problems
/// as `JsonBody`: an `invalid-body` problem whose `field` member names where a value does
/// not fit.
pub async fn read_control_body<T: serde::de::DeserializeOwned>(body: Body) -> Result<T, ApiError> {
    let value = read_control_json(body).await?;
    serde_path_to_error::deserialize(value).map_err(|error| body_shape_problem(&error).into())
}

/// A JSON request body of the emulated API. A wrong content type, malformed JSON or a body
/// over [`MAX_BODY_BYTES`] are problem bodies: 413 for a body that is too large, 400 for
/// everything else. The JSON is then mapped onto `T` through `serde_path_to_error`, so a value
/// of the wrong type is an `invalid-body` problem whose `field` member names where it is
/// (`context`, `taskAssignment`, ...). A body that is not a JSON object is an `invalid-body`
/// problem without `field`. Unknown fields are ignored, as ASP.NET does.
#[derive(Debug, Clone)]
pub struct JsonBody<T>(pub T);

impl<S, T> axum::extract::FromRequest<S> for JsonBody<T>
where
    S: Send + Sync,
    T: serde::de::DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request(request: axum::extract::Request, _state: &S) -> Result<Self, ApiError> {
        // The content type is checked before the body is read, so a wrong one is reported
        // whatever the body's size.
        if !is_json_content_type(request.headers()) {
            return Err(Problem::new(
                StatusCode::BAD_REQUEST,
                "unsupported-content-type",
                "The request body must be JSON, sent with 'Content-Type: application/json'.",
            )
            .into());
        }
        let bytes = read_bounded(request.into_body(), MAX_BODY_BYTES).await?;
        let value = match axum::Json::<Value>::from_bytes(&bytes) {
            Ok(axum::Json(value)) => value,
            Err(rejection) => return Err(json_rejection_problem(&rejection).into()),
        };
        // Every request body of the API is an object; serde would also read a struct from an
        // array, field by field in declaration order, which no client means.
        if !value.is_object() {
            return Err(Problem::new(
                StatusCode::BAD_REQUEST,
                "invalid-body",
                "The request body must be a JSON object.",
            )
            .into());
        }
        serde_path_to_error::deserialize(value)
            .map(Self)
            .map_err(|error| body_shape_problem(&error).into())
    }
}

/// Maps a JSON value (a `JsonBody<Value>` a handler reads in more than one shape) onto `T`,
/// with `JsonBody`'s `invalid-body` problem naming the field where a value does not fit.
pub fn from_json_value<T: serde::de::DeserializeOwned>(value: Value) -> Result<T, ApiError> {
    serde_path_to_error::deserialize(value).map_err(|error| body_shape_problem(&error).into())
}

/// `application/json`, or any `application/*+json`, with or without parameters: what axum's
/// own `Json` extractor accepts.
pub fn is_json_content_type(headers: &HeaderMap) -> bool {
    let Some(media_type) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .map(|value| value.trim().to_ascii_lowercase())
    else {
        return false;
    };
    let Some(("application", subtype)) = media_type.split_once('/') else {
        return false;
    };
    subtype == "json" || subtype.ends_with("+json")
}

/// A JSON object whose values do not fit the request type: names the field.
fn body_shape_problem(error: &serde_path_to_error::Error<serde_json::Error>) -> Problem {
    let path = error.path().to_string();
    let inner = error.inner();
    if path == "." {
        return Problem::new(
            StatusCode::BAD_REQUEST,
            "invalid-body",
            format!("The request body cannot be used: {inner}."),
        );
    }
    Problem::new(
        StatusCode::BAD_REQUEST,
        "invalid-body",
        format!("The field '{path}' of the request body cannot be used: {inner}."),
    )
    .with("field", path)
}

fn json_rejection_problem(rejection: &axum::extract::rejection::JsonRejection) -> Problem {
    use axum::extract::rejection::JsonRejection;
    let (kind, detail) = match rejection {
        JsonRejection::JsonSyntaxError(error) => ("malformed-json", error.body_text()),
        other => ("invalid-body", other.body_text()),
    };
    Problem::new(StatusCode::BAD_REQUEST, kind, detail)
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    #[test]
    fn json_media_types_are_recognised_as_axum_does() {
        for (content_type, accepted) in [
            ("application/json", true),
            ("Application/JSON; charset=utf-8", true),
            ("application/problem+json", true),
            ("application/jsonx", false),
            ("text/json", false),
            ("application/x-www-form-urlencoded", false),
        ] {
            let mut headers = HeaderMap::new();
            headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
            assert_eq!(is_json_content_type(&headers), accepted, "{content_type}");
        }
        assert!(!is_json_content_type(&HeaderMap::new()));
    }

    #[tokio::test]
    async fn a_body_over_the_limit_is_refused_with_the_limit() {
        let body = Body::from(vec![b'x'; 11]);
        assert_eq!(
            read_bounded(body, 10).await,
            Err(BodyError::TooLarge { limit: 10 })
        );
        let body = Body::from(vec![b'x'; 10]);
        assert_eq!(read_bounded(body, 10).await.unwrap().len(), 10);
    }
}
