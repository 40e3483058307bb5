//! The journal's HTTP side: `GET /_emulator/requests` (read it, filtered) and
//! `DELETE /_emulator/requests` (empty it). The journal itself is [`crate::domain::journal`].

use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;

use crate::domain::journal::{Filter, JournalEntry};
use crate::error::{ApiError, ApiResult};
use crate::extract::Admin;
use crate::extract::QueryParams;
use crate::response::Json;
use crate::state::AppState;

/// The filters of `GET /_emulator/requests`, read from its query string.
fn parse_filter(query: &QueryParams) -> ApiResult<Filter> {
    let limit = match query.integer("limit")? {
        None => None,
        Some(limit) if limit >= 1 => Some(usize::try_from(limit).unwrap_or(usize::MAX)),
        Some(limit) => {
            return Err(ApiError::invalid_parameter(
                "limit",
                &limit.to_string(),
                "a positive integer",
            ))
        }
    };
    Ok(Filter {
        method: query.raw_first("method").map(str::to_owned),
        path: query.raw_first("path").map(str::to_owned),
        since: query.date("since")?,
        until: query.date("until")?,
        limit,
    })
}

/// `GET /_emulator/requests`: the journal, newest first. Filters: `method` (any case),
/// `path` (exact, or a prefix when it ends with `*`), `since` / `until` (inclusive times),
/// `limit` (the newest N of what matches).
pub async fn list(
    _admin: Admin,
    State(state): State<AppState>,
    query: QueryParams,
) -> ApiResult<Json<JournalPage>> {
    let filter = parse_filter(&query)?;
    let journal = &state.emulator.journal;
    let (requests, held, evicted) = journal.select(&filter);
    Ok(Json::ok(JournalPage {
        requests,
        held,
        evicted,
        limit: journal.limit(),
    }))
}

/// The answer of `GET /_emulator/requests`.
#[derive(Debug, Serialize)]
pub struct JournalPage {
    /// The matching entries, newest first.
    pub requests: Vec<JournalEntry>,
    /// How many entries the journal holds now.
    pub held: usize,
    /// How many entries were dropped because the journal was full.
    pub evicted: u64,
    /// `--journal-limit`.
    pub limit: usize,
}

/// `DELETE /_emulator/requests`: empties the journal; `204` with no body.
pub async fn clear(_admin: Admin, State(state): State<AppState>) -> StatusCode {
    state.emulator.journal.clear();
    StatusCode::NO_CONTENT
}
