//! HTTP handlers, one file per API resource. Each handler names the documentation page it
//! emulates and says where sdemu decides something the page leaves open.

use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::openapi::schema::ArrayBuilder;
use utoipa::openapi::Ref;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;

use crate::app::AppState;
use crate::error::ApiResult;
use crate::extract::PageRequest;

pub mod batches;
pub mod params;
pub mod tasks;
pub mod token;
pub mod workspaces;

/// The content type of every JSON success response, as the real (ASP.NET) service sends it.
pub const JSON_CONTENT_TYPE: &str = "application/json; charset=utf-8";

/// Every emulated route of the SmartDocumentor API, each with its OpenAPI operation.
pub fn api_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(token::router())
        .merge(tasks::router())
        .merge(workspaces::router())
        .merge(batches::router())
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

/// The envelope of the paginated endpoints, as the Get Batch Paginated example shows it
/// (`hasNextPage` completes the cut-off example). A page past the end has no items and true
/// totals.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Page<T> {
    #[schema(schema_with = references_to::<T>)]
    pub items: Vec<T>,
    pub page_number: i64,
    pub total_pages: i64,
    pub total_count: i64,
    pub has_previous_page: bool,
    pub has_next_page: bool,
}

/// An array of references to `T`'s schema (utoipa would copy `T`'s schema in place).
fn references_to<T: ToSchema>() -> ArrayBuilder {
    ArrayBuilder::new().items(Ref::from_schema_name(T::name()))
}

impl<T> Page<T> {
    pub fn new(items: Vec<T>, request: PageRequest, total_count: i64) -> Self {
        let total_pages = (total_count + request.size - 1) / request.size;
        Self {
            items,
            page_number: request.number,
            total_pages,
            total_count,
            has_previous_page: request.number > 1,
            has_next_page: request.number < total_pages,
        }
    }
}
