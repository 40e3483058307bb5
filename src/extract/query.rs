//! The query string, parsed once for every extractor and handler: parameter names match
//! case-insensitively, repeated keys keep every value, and the documented limits apply.

use std::collections::HashMap;
use std::str::FromStr;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};

use crate::domain::time::{parse_instant, DATE_EXPECTATION};
use crate::error::{ApiError, Problem};

pub use crate::domain::limits::{MAX_QUERY_BYTES, MAX_VALUES_PER_PARAMETER};

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
