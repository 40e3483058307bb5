//! Pagination of the `...paginated` endpoints: the page a client asks for and the envelope
//! it gets back.

use serde::Serialize;
use utoipa::openapi::schema::ArrayBuilder;
use utoipa::openapi::Ref;
use utoipa::ToSchema;

/// The default `pageSize` of the paginated endpoints, as documented.
pub const DEFAULT_PAGE_SIZE: i64 = 10;
/// The largest `pageSize` sdemu serves (the documentation gives no maximum).
pub const MAX_PAGE_SIZE: i64 = 1_000;

/// `pageNumber` (from 1, default 1) and `pageSize` (1 to `MAX_PAGE_SIZE`, default 10).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PageRequest {
    pub number: i64,
    pub size: i64,
}

impl PageRequest {
    /// Rows to skip; saturates, so an absurd page number is simply past the end.
    pub fn offset(self) -> i64 {
        (self.number - 1).saturating_mul(self.size)
    }
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

impl Page<()> {
    /// This envelope's JSON with `items` (a JSON array, already written) as its items: the
    /// bytes `serde_json` writes for a `Page<T>` whose items serialise to `items`.
    pub fn with_json_items(&self, items: &[u8]) -> Vec<u8> {
        // `items` is the first field, so the envelope without items starts with
        // `{"items":[]` and the rest is its other fields.
        let envelope = serde_json::to_vec(self).unwrap_or_default();
        let rest = envelope.get(r#"{"items":[]"#.len()..).unwrap_or_default();
        let mut out = Vec::with_capacity(items.len() + envelope.len());
        out.extend_from_slice(br#"{"items":"#);
        out.extend_from_slice(items);
        out.extend_from_slice(rest);
        out
    }
}
