//! Extractors and request readers. Each turns a part of the request into a typed value or
//! rejects it with an `ApiError`, so no framework rejection ever reaches a client.
//!
//! | Module | Reads |
//! | --- | --- |
//! | [`query`](crate::extract::query) | the query string (case-insensitive names, repeated keys, limits) |
//! | [`authorization`](crate::extract::authorization) | the one `Authorization` header parser behind every scheme |
//! | [`bearer`](crate::extract::bearer) | the caller's organization from its bearer token (`Caller`) |
//! | [`admin`](crate::extract::admin) | the control plane's admin token (`Admin`) |
//! | [`body`](crate::extract::body) | bounded request bodies and JSON bodies (`JsonBody`) |
//! | [`page`](crate::extract::page) | `pageNumber` / `pageSize` |
//! | [`path`](crate::extract::path) | typed path parameters (`PathParam`) |
//! | [`task`](crate::extract::task) | the task named by `taskId` / `externalId` (`TaskSelector`) |

pub mod admin;
pub mod authorization;
pub mod bearer;
pub mod body;
pub mod page;
pub mod path;
pub mod query;
pub mod query_doc;
pub mod task;

pub use admin::Admin;
pub use bearer::Caller;
pub use body::JsonBody;
pub use page::page_request;
pub use path::PathParam;
pub use query::QueryParams;
pub use task::TaskSelector;
