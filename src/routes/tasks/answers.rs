//! Where a task read looks for its answer before computing it: the response cache, first
//! under the query string exactly as sent, so that a repeated request is answered without
//! parsing its query (parsing and building the key were about a tenth of a cached answer's
//! time), then under the parsed question, so that the same question asked in other words
//! shares the answer. A computed answer is kept under both.
//!
//! An answer is only ever kept after its query was parsed and answered without error, so a
//! spelling found in the cache is one that parses to the question whose answer it holds.

use axum::body::Bytes;

use crate::domain::limits::MAX_QUERY_BYTES;
use crate::response::cache::{SpelledQuery, TaskAnswerKey, TaskEndpoint, Ticket};
use crate::state::AppState;

/// A task read whose answer was not found under its spelling: where to look once the query
/// is parsed, and to keep the answer once computed.
pub(super) struct Unanswered<'s> {
    state: &'s AppState,
    spelled: Option<SpelledQuery>,
    /// Taken before the data is read (by the first look-up that could take one).
    ticket: Option<Ticket>,
}

/// The answer kept for `endpoint`, the organization `tenant_id` and the query string `raw`
/// exactly as sent, or where to look next.
pub(super) fn by_spelling<'s>(
    state: &'s AppState,
    endpoint: TaskEndpoint,
    tenant_id: i64,
    raw: Option<&str>,
) -> Result<Bytes, Unanswered<'s>> {
    let raw = raw.unwrap_or_default();
    // A query string too long to be read is refused once parsed; it is never a key. Nor is
    // anything when nothing is cached (a database file): the key is not even built.
    if raw.len() > MAX_QUERY_BYTES || !state.caches.responses.is_on() {
        return Err(Unanswered {
            state,
            spelled: None,
            ticket: None,
        });
    }
    let key = TaskAnswerKey::Spelled(SpelledQuery {
        endpoint,
        tenant_id,
        query: raw.to_owned(),
    });
    let ticket = match state.caches.responses.get(&key) {
        Ok(body) => return Ok(body),
        Err(ticket) => ticket,
    };
    let spelled = match key {
        TaskAnswerKey::Spelled(spelled) => Some(spelled),
        _ => None,
    };
    Err(Unanswered {
        state,
        spelled,
        ticket: Some(ticket),
    })
}

impl Unanswered<'_> {
    /// The answer kept for the parsed question `key` (then kept under the spelling too).
    pub(super) fn by_question(&mut self, key: &TaskAnswerKey) -> Option<Bytes> {
        match self.state.caches.responses.get(key) {
            Ok(body) => {
                if let (Some(spelled), Some(ticket)) = (self.spelled.take(), self.ticket) {
                    self.state.caches.responses.put(
                        ticket,
                        TaskAnswerKey::Spelled(spelled),
                        body.clone(),
                    );
                }
                Some(body)
            }
            Err(ticket) => {
                self.ticket.get_or_insert(ticket);
                None
            }
        }
    }

    /// Keeps `body`, the answer to `key`, under the question and the spelling, unless the
    /// data changed since the first look-up (or the body is empty: no answer).
    pub(super) fn keep(self, key: TaskAnswerKey, body: &Bytes) {
        let Some(ticket) = self.ticket else {
            return;
        };
        if body.is_empty() {
            return;
        }
        let responses = &self.state.caches.responses;
        responses.put(ticket, key, body.clone());
        if let Some(spelled) = self.spelled {
            responses.put(ticket, TaskAnswerKey::Spelled(spelled), body.clone());
        }
    }
}
