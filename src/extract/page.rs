//! `pageNumber` and `pageSize` of the paginated endpoints.

use crate::domain::page::{PageRequest, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE};
use crate::error::ApiError;
use crate::extract::QueryParams;

/// `pageNumber` (from 1, default 1) and `pageSize` (1 to `MAX_PAGE_SIZE`, default 10); a value
/// out of range is a 400 problem naming the parameter.
pub fn page_request(query: &QueryParams) -> Result<PageRequest, ApiError> {
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
    Ok(PageRequest { number, size })
}
