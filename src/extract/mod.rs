//! Extractors and request readers. Each turns a part of the request into a typed value or
//! rejects it with an `ApiError`, so no framework rejection ever reaches a client.
//!
//! | Module | Reads |
//! | --- | --- |
//! | [`query`] | the query string (case-insensitive names, repeated keys, limits) |
//! | [`authorization`] | the one `Authorization` header parser behind every scheme |
//! | [`bearer`] | the caller's organization from its bearer token (`Caller`) |
//! | [`admin`] | the control plane's admin token (`Admin`) |
//! | [`body`] | bounded request bodies and JSON bodies (`JsonBody`) |
//! | [`page`] | `pageNumber` / `pageSize` |
//! | [`task`] | the task named by `taskId` / `externalId` (`TaskSelector`) |

pub mod admin;
pub mod authorization;
pub mod bearer;
pub mod body;
pub mod page;
pub mod query;
pub mod task;

pub use admin::Admin;
pub use bearer::Caller;
pub use body::JsonBody;
pub use page::page_request;
pub use query::QueryParams;
pub use task::TaskSelector;
