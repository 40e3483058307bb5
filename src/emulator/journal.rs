//! The journal's HTTP side: `GET /_emulator/requests` (read it, filtered) and
//! `DELETE /_emulator/requests` (empty it). The journal itself is [`crate::domain::journal`].

use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;
use utoipa::openapi::path::{Parameter, ParameterBuilder, ParameterIn};
use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, Schema, SchemaFormat, Type};
use utoipa::openapi::Required;
use utoipa::{IntoParams, ToSchema};

use crate::domain::journal::{Filter, JournalEntry, MAX_PAGE};
use crate::error::responses::{AdminTokenRequired, QueryTooLong};
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::Admin;
use crate::extract::QueryParams;
use crate::response::Json;
use crate::state::AppState;

/// The filters of `GET /_emulator/requests`, read from its query string.
fn parse_filter(query: &QueryParams) -> ApiResult<Filter> {
    let limit = match query.integer("limit")? {
        None => MAX_PAGE,
        Some(limit) if (1..=MAX_PAGE as i64).contains(&limit) => {
            usize::try_from(limit).unwrap_or(MAX_PAGE)
        }
        Some(limit) => {
            return Err(ApiError::invalid_parameter(
                "limit",
                &limit.to_string(),
                "an integer from 1 to 1000",
            ))
        }
    };
    let before_id = match query.integer("beforeId")? {
        None => None,
        Some(id) => Some(u64::try_from(id).map_err(|_| {
            ApiError::invalid_parameter("beforeId", &id.to_string(), "an entry id (1 or more)")
        })?),
    };
    Ok(Filter {
        method: query.raw_first("method").map(str::to_owned),
        path: query.raw_first("path").map(str::to_owned),
        since: query.date("since")?,
        until: query.date("until")?,
        before_id,
        limit,
    })
}

/// The query parameters `parse_filter` reads, for the description.
struct FilterParams;

impl FilterParams {
    fn parameter(name: &str, description: &str, schema: ObjectBuilder) -> Parameter {
        ParameterBuilder::new()
            .name(name)
            .parameter_in(ParameterIn::Query)
            .required(Required::False)
            .description(Some(description))
            .schema(Some(Schema::from(schema)))
            .build()
    }
}

impl IntoParams for FilterParams {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        let text = || ObjectBuilder::new().schema_type(Type::String);
        let time = || text().format(Some(SchemaFormat::KnownFormat(KnownFormat::DateTime)));
        vec![
            Self::parameter("method", "An HTTP method, in any case.", text()),
            Self::parameter("path", "Exact path, or a prefix ending with `*`.", text()),
            Self::parameter("since", "Entries at or after this time.", time()),
            Self::parameter("until", "Entries at or before this time.", time()),
            Self::parameter(
                "limit",
                "The newest N matching entries, 1 to 1000 (default 1000).",
                ObjectBuilder::new()
                    .schema_type(Type::Integer)
                    .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64)))
                    .minimum(Some(1))
                    .maximum(Some(MAX_PAGE as f64)),
            ),
            Self::parameter(
                "beforeId",
                "Only entries older than this one (the `id` of the last entry of a page: the next page).",
                ObjectBuilder::new()
                    .schema_type(Type::Integer)
                    .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64)))
                    .minimum(Some(0)),
            ),
        ]
    }
}

/// The request journal
///
/// Requests to the emulated API (and to unknown paths), newest first. Authorization values
/// are redacted. Filters: `method` (any case), `path` (exact, or a prefix when it ends with
/// `*`), `since` / `until` (inclusive times), `limit` (the newest N of what matches).
#[utoipa::path(
    get,
    path = "/_emulator/requests",
    operation_id = "listRequests",
    tag = "Emulator",
    security((), ("adminToken" = [])),
    params(FilterParams),
    responses(
        (status = 200, description = "The selected entries", body = JournalPage),
        (status = 400, description = "A bad filter", content_type = "application/problem+json", body = Problem),
        (status = 401, response = AdminTokenRequired),
        (status = 414, response = QueryTooLong),
    )
)]
pub async fn list(
    _admin: Admin,
    State(state): State<AppState>,
    query: QueryParams,
) -> ApiResult<Json<JournalPage>> {
    let filter = parse_filter(&query)?;
    let journal = &state.emulator.journal;
    let selection = journal.select(&filter);
    Ok(Json::ok(JournalPage {
        requests: selection.entries,
        more: selection.more,
        held: selection.held,
        held_bytes: selection.held_bytes,
        evicted: selection.evicted,
        limit: journal.limit(),
        max_bytes: journal.max_bytes(),
    }))
}

/// The answer of `GET /_emulator/requests`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = Journal)]
pub struct JournalPage {
    /// The matching entries, newest first (at most `limit` of the query, 1,000).
    pub requests: Vec<JournalEntry>,
    /// Whether older entries match too: ask again with `beforeId` set to the last `id`.
    pub more: bool,
    /// How many entries the journal holds now.
    pub held: usize,
    /// What they cost in the byte budget (`maxBytes`).
    pub held_bytes: usize,
    /// How many entries were dropped because the journal was full.
    pub evicted: u64,
    /// `--journal-limit`: the most entries the journal keeps (0: the journal is off).
    pub limit: usize,
    /// `--journal-bytes`: the most bytes of recorded text the journal keeps.
    pub max_bytes: usize,
}

/// Empty the journal
///
/// Empties the journal (the entry ids keep counting).
#[utoipa::path(
    delete,
    path = "/_emulator/requests",
    operation_id = "clearRequests",
    tag = "Emulator",
    security((), ("adminToken" = [])),
    responses(
        (status = 204, description = "Emptied; no body"),
        (status = 401, response = AdminTokenRequired),
    )
)]
pub async fn clear(_admin: Admin, State(state): State<AppState>) -> StatusCode {
    state.emulator.journal.clear();
    StatusCode::NO_CONTENT
}
