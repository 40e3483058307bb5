//! HTTP handlers, one file per API resource. Each handler names the documentation page it
//! emulates and says where sdemu decides something the page leaves open.

use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::Router;
use serde::Serialize;

use crate::app::AppState;
use crate::error::ApiResult;

pub mod tasks;
pub mod token;

/// The content type of every JSON success response, as the real (ASP.NET) service sends it.
pub const JSON_CONTENT_TYPE: &str = "application/json; charset=utf-8";

/// Every emulated route of the SmartDocumentor API.
pub fn api_router() -> Router<AppState> {
    Router::new().merge(tasks::router()).merge(token::router())
}

/// A 200 response with `value` as its JSON body.
pub fn json_ok<T: Serialize>(value: &T) -> ApiResult<Response> {
    let body = serde_json::to_vec(value).map_err(anyhow::Error::from)?;
    Ok((
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static(JSON_CONTENT_TYPE),
        )],
        body,
    )
        .into_response())
}
