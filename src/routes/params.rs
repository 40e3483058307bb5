//! The query parameters of the emulated API, as the OpenAPI description lists them.
//!
//! The handlers read their query through `QueryParams` (names in any case, repeated keys
//! kept), so there is no typed query struct to derive the description from; each set below
//! describes what one extractor or filter reads, with the limits taken from the constants
//! that enforce them. Handlers name the sets in `#[utoipa::path(params(...))]`.

use serde_json::json;
use utoipa::openapi::path::{Parameter, ParameterIn};
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::IntoParams;

use crate::domain::fixture::EXTERNAL_INTEGRATION_STATUS_MAX_CHARS;
use crate::domain::page::{DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE};
use crate::domain::sort::{BatchSortKey, SortKey, TaskSortKey};
use crate::extract::query_doc::{date, integer, query, repeated};

fn sort<K: SortKey + PartialEq>(what: &str) -> Parameter {
    let keys: Vec<&str> = K::ALL.iter().map(|(name, _)| *name).collect();
    let default = K::ALL
        .iter()
        .find(|(_, key)| *key == K::DEFAULT)
        .map(|(name, _)| *name);
    query(
        "sort",
        &format!(
            "A {what} property, case-insensitive: {}. Descending with a leading `-` or a \
             ` desc` suffix; ties are broken by the id.",
            keys.join(", ")
        ),
        ObjectBuilder::new()
            .schema_type(Type::String)
            .default(default.map(|name| json!(name))),
    )
}

fn workspace_ids() -> Parameter {
    repeated(
        "workspaceId",
        "Repeatable; values are alternatives.",
        integer(),
    )
}

/// The filters of the task list endpoints (`task_filter`) and their `sort`.
pub struct TaskListParams;

impl IntoParams for TaskListParams {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        vec![
            date(
                "startDate",
                "Keep tasks created at or after this time. At least one of startDate and \
                 endDate is required (else 400 with an empty body).",
            ),
            date(
                "endDate",
                "Keep tasks created at or before this time. At least one of startDate and \
                 endDate is required (else 400 with an empty body).",
            ),
            repeated(
                "taskStatus",
                "Repeatable; values are alternatives.",
                integer(),
            ),
            repeated(
                "integrationStatus",
                "Repeatable; values are alternatives.",
                integer(),
            ),
            workspace_ids(),
            repeated(
                "externalIntegrationStatus",
                "Repeatable; exact, case-sensitive match.",
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .max_length(Some(EXTERNAL_INTEGRATION_STATUS_MAX_CHARS)),
            ),
            sort::<TaskSortKey>("task"),
        ]
    }
}

/// The filters of Get Batch Paginated and its `sort`.
pub struct BatchListParams;

impl IntoParams for BatchListParams {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        vec![
            date(
                "startDate",
                "Keep batches created at or after this time. Optional.",
            ),
            date(
                "endDate",
                "Keep batches created at or before this time. Optional.",
            ),
            workspace_ids(),
            sort::<BatchSortKey>("batch"),
        ]
    }
}

/// `pageNumber` and `pageSize` (`PageRequest`).
pub struct PageParams;

impl IntoParams for PageParams {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        vec![
            query(
                "pageNumber",
                "Page to return, from 1. A page past the end has no items and true totals.",
                integer().minimum(Some(1)).default(Some(json!(1))),
            ),
            query(
                "pageSize",
                &format!("Items per page, from 1 to {MAX_PAGE_SIZE}."),
                integer()
                    .minimum(Some(1))
                    .maximum(Some(MAX_PAGE_SIZE))
                    .default(Some(json!(DEFAULT_PAGE_SIZE))),
            ),
        ]
    }
}

/// `taskId` and `externalId` (`TaskSelector`).
pub struct TaskSelectorParams;

impl IntoParams for TaskSelectorParams {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        vec![
            query(
                "taskId",
                "The task's id. At least one of taskId and externalId is required (else 400 \
                 with an empty body); both must name the same task (else 404).",
                integer(),
            ),
            query(
                "externalId",
                "The task's External ID.",
                ObjectBuilder::new().schema_type(Type::String),
            ),
        ]
    }
}

/// `batchId` of Get Batch.
pub struct BatchIdParam;

impl IntoParams for BatchIdParam {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        vec![query(
            "batchId",
            "The batch's id. Required (else 400 with an empty body).",
            integer(),
        )]
    }
}
