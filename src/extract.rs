//! Extractors. Each turns a part of the request into a typed value or rejects it with an
//! `ApiError`, so no framework rejection ever reaches a client.

use std::collections::HashMap;
use std::str::FromStr;

use axum::extract::{FromRef, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, StatusCode};
use chrono::{DateTime, SecondsFormat, Utc};

use crate::app::AppState;
use crate::domain::auth::{is_b64token, token_hash};
use crate::domain::time::{parse_instant, DATE_EXPECTATION};
use crate::error::{ApiError, BearerChallenge, Problem};
use crate::store::organizations;
use crate::store::tasks::TaskRef;
use crate::store::tokens::{self, TokenLookup};

/// The longest query string sdemu reads; longer ones get 414 URI Too Long.
pub const MAX_QUERY_BYTES: usize = 8 * 1024;
/// The most values one query parameter may repeat; more is a 400.
pub const MAX_VALUES_PER_PARAMETER: usize = 1_000;

/// The query string, parsed once: parameter names are matched case-insensitively (as the
/// real .NET service binds them), repeated keys keep every value in order, and parameters no
/// handler asks for are ignored.
#[derive(Debug, Default, Clone)]
pub struct QueryParams {
    values: HashMap<String, Vec<String>>,
}

impl QueryParams {
    pub fn parse(raw: Option<&str>) -> Result<Self, ApiError> {
        let raw = raw.unwrap_or_default();
        if raw.len() > MAX_QUERY_BYTES {
            return Err(Problem::new(
                StatusCode::URI_TOO_LONG,
                "query-too-long",
                format!(
                    "The query string is {} bytes long; sdemu reads at most {MAX_QUERY_BYTES} bytes.",
                    raw.len()
                ),
            )
            .with("limit", MAX_QUERY_BYTES)
            .into());
        }
        let mut values: HashMap<String, Vec<String>> = HashMap::new();
        for (name, value) in form_urlencoded::parse(raw.as_bytes()) {
            let entry = values.entry(name.to_lowercase()).or_default();
            entry.push(value.into_owned());
            if entry.len() > MAX_VALUES_PER_PARAMETER {
                return Err(Problem::new(
                    StatusCode::BAD_REQUEST,
                    "too-many-values",
                    format!(
                        "The query parameter '{name}' is repeated more than {MAX_VALUES_PER_PARAMETER} times."
                    ),
                )
                .with("parameter", name)
                .with("limit", MAX_VALUES_PER_PARAMETER)
                .into());
            }
        }
        Ok(Self { values })
    }

    /// Every non-empty value of `name`, in order. Empty values (`?taskStatus=`) are skipped,
    /// as an unset filter.
    pub fn raw_all<'a>(&'a self, name: &str) -> impl Iterator<Item = &'a str> {
        self.values
            .get(&name.to_lowercase())
            .into_iter()
            .flatten()
            .map(String::as_str)
            .filter(|value| !value.trim().is_empty())
    }

    /// The first non-empty value of a single-valued parameter; later repeats are ignored, as
    /// .NET model binding does.
    pub fn raw_first(&self, name: &str) -> Option<&str> {
        self.raw_all(name).next()
    }

    /// Every value of a repeatable integer parameter.
    pub fn integers(&self, name: &str) -> Result<Vec<i64>, ApiError> {
        self.raw_all(name)
            .map(|value| parse_integer(name, value))
            .collect()
    }

    /// A single integer parameter.
    pub fn integer(&self, name: &str) -> Result<Option<i64>, ApiError> {
        self.raw_first(name)
            .map(|value| parse_integer(name, value))
            .transpose()
    }

    /// A single date-time parameter.
    pub fn date(&self, name: &str) -> Result<Option<DateTime<Utc>>, ApiError> {
        self.raw_first(name)
            .map(|value| {
                parse_instant(value)
                    .ok_or_else(|| ApiError::invalid_parameter(name, value, DATE_EXPECTATION))
            })
            .transpose()
    }

    /// Every value of a repeatable string parameter.
    pub fn strings(&self, name: &str) -> Vec<String> {
        self.raw_all(name).map(str::to_owned).collect()
    }
}

fn parse_integer(name: &str, value: &str) -> Result<i64, ApiError> {
    i64::from_str(value.trim()).map_err(|_| ApiError::invalid_parameter(name, value, "an integer"))
}

impl<S: Send + Sync> FromRequestParts<S> for QueryParams {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Self::parse(parts.uri.query())
    }
}

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
                match tokens::lookup(&state.db, &hash, state.clock.now()).await? {
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
    let mut values = headers.get_all(header::AUTHORIZATION).iter();
    let Some(value) = values.next() else {
        return PresentedToken::Missing;
    };
    if values.next().is_some() {
        return PresentedToken::Malformed("The request has more than one Authorization header.");
    }
    let bytes = value.as_bytes();
    let scheme_end = bytes.iter().position(|&b| b == b' ').unwrap_or(bytes.len());
    if !bytes[..scheme_end].eq_ignore_ascii_case(b"Bearer") {
        return PresentedToken::Missing;
    }
    let token = std::str::from_utf8(&bytes[scheme_end..]).map(|rest| rest.trim_matches(' '));
    match token {
        Ok("") => PresentedToken::Malformed("The Authorization header has no token after Bearer."),
        Ok(token) if is_b64token(token) => PresentedToken::Token(token),
        _ => PresentedToken::Malformed(
            "The bearer token is malformed: at most 1024 characters of A-Z a-z 0-9 - . _ ~ + / then optional =.",
        ),
    }
}

/// The largest request body sdemu reads; larger ones get a 413 problem body.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// A JSON request body. Axum's `Json` rejections (wrong content type, malformed JSON, a body
/// over `MAX_BODY_BYTES`) become problem bodies: 413 for a body that is too large, 400 for
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

    async fn from_request(request: axum::extract::Request, state: &S) -> Result<Self, ApiError> {
        let value = match axum::Json::<serde_json::Value>::from_request(request, state).await {
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
    if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
        return Problem::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body-too-large",
            format!("The request body is larger than {MAX_BODY_BYTES} bytes."),
        )
        .with("limit", MAX_BODY_BYTES);
    }
    let (kind, detail) = match rejection {
        JsonRejection::MissingJsonContentType(_) => (
            "unsupported-content-type",
            "The request body must be JSON, sent with 'Content-Type: application/json'.".to_owned(),
        ),
        JsonRejection::JsonSyntaxError(error) => ("malformed-json", error.body_text()),
        JsonRejection::JsonDataError(error) => ("invalid-body", error.body_text()),
        other => ("invalid-body", other.body_text()),
    };
    Problem::new(StatusCode::BAD_REQUEST, kind, detail)
}

/// The default `pageSize` of the paginated endpoints, as documented.
pub const DEFAULT_PAGE_SIZE: i64 = 10;
/// The largest `pageSize` sdemu serves (the documentation gives no maximum).
pub const MAX_PAGE_SIZE: i64 = 1_000;

/// `pageNumber` (from 1, default 1) and `pageSize` (1 to `MAX_PAGE_SIZE`, default 10).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    pub number: i64,
    pub size: i64,
}

impl PageRequest {
    pub fn from_query(query: &QueryParams) -> Result<Self, ApiError> {
        let number = query.integer("pageNumber")?.unwrap_or(1);
        if number < 1 {
            return Err(ApiError::invalid_parameter(
                "pageNumber",
                &number.to_string(),
                "a page number of 1 or more",
            ));
        }
        let size = query.integer("pageSize")?.unwrap_or(DEFAULT_PAGE_SIZE);
        if !(1..=MAX_PAGE_SIZE).contains(&size) {
            return Err(ApiError::invalid_parameter(
                "pageSize",
                &size.to_string(),
                &format!("a page size from 1 to {MAX_PAGE_SIZE}"),
            ));
        }
        Ok(Self { number, size })
    }

    /// Rows to skip; saturates, so an absurd page number is simply past the end.
    pub fn offset(self) -> i64 {
        (self.number - 1).saturating_mul(self.size)
    }
}

/// The task a request names with `taskId` and/or `externalId` in its query string. Read before
/// any body, so a request naming no task is answered 400 with an empty body whatever it sends;
/// a `taskId` that is not an integer is a 400 problem body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskSelector(pub TaskRef);

impl TaskSelector {
    pub fn from_query(query: &QueryParams) -> Result<Self, ApiError> {
        let external_id = query.raw_first("externalId").map(str::to_owned);
        if query.raw_first("taskId").is_none() && external_id.is_none() {
            return Err(ApiError::empty_bad_request());
        }
        Ok(Self(TaskRef {
            task_id: query.integer("taskId")?,
            external_id,
        }))
    }
}

impl<S: Send + Sync> FromRequestParts<S> for TaskSelector {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Self::from_query(&QueryParams::parse(parts.uri.query())?)
    }
}
