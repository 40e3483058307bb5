//! The task a request names in its query string (`taskId` and/or `externalId`).

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use crate::error::ApiError;
use crate::extract::QueryParams;
use crate::store::tasks::TaskRef;

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
