//! The request journal: what clients sent to the emulated API, for tests to assert on.
//!
//! A bounded ring buffer: at most `--journal-limit` entries (default 2,000) and
//! `--journal-bytes` of recorded text (default 32 MiB); when either is passed the oldest
//! entries are dropped, so memory stays flat however long sdemu runs and whatever clients
//! send. One entry is small by construction: path, query, header names and values are
//! clipped, at most [`MAX_HEADERS`](crate::domain::journal::MAX_HEADERS) headers and
//! [`MAX_HEADER_BYTES`](crate::domain::journal::MAX_HEADER_BYTES) of them are kept.
//! Credentials never enter it: `Authorization` and `Proxy-Authorization` keep only their
//! scheme (`Bearer [redacted]`); cookies, API keys and any header or query parameter whose
//! name says it carries a secret are `[redacted]`. Bodies are not recorded. The handlers
//! that read and clear it are `emulator::journal`; the middleware that fills it is
//! `emulator::intercept`.

use std::collections::VecDeque;
use std::sync::Mutex;

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::value::RawValue;
use utoipa::ToSchema;

use crate::domain::faults::{path_matches, FaultMark};

mod redact;

pub use redact::{
    clipped, redacted_headers, redacted_query, RecordedHeaders, MAX_HEADERS, MAX_HEADER_BYTES,
    MAX_HEADER_NAME_BYTES, MAX_RECORDED_BYTES, REDACTED,
};

/// One recorded request, as `GET /_emulator/requests` shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct JournalEntry {
    /// Increases by one per recorded request; never reused, not even after a clear.
    pub id: u64,
    /// When the request arrived, by sdemu's clock.
    #[schema(value_type = String, format = DateTime)]
    pub time: DateTime<Utc>,
    pub method: String,
    /// Long paths are clipped (`…[N more bytes]`).
    pub path: String,
    /// The raw query string, or `null` when there is none; clipped as the path.
    #[schema(required = true)]
    pub query: Option<String>,
    /// Header names in lower case; repeated headers joined with `, `; credentials redacted,
    /// long names and values clipped.
    ///
    /// Kept as the JSON text of that object, written once when recorded: one allocation
    /// instead of two per header plus a map (a full journal of 10,000 entries under load
    /// measured 23 MiB as maps).
    #[schema(value_type = std::collections::BTreeMap<String, String>)]
    pub headers: Box<RawValue>,
    /// How many headers were left out (beyond 64, or 16 KiB in all); absent when none.
    #[serde(skip_serializing_if = "is_zero")]
    #[schema(nullable = false)]
    pub omitted_headers: usize,
    /// `null` when the connection was dropped by a fault.
    #[schema(required = true)]
    pub status: Option<u16>,
    /// Until the response head was ready (injected delays included).
    pub duration_ms: f64,
    /// The fault rule that fired, or `null`.
    #[schema(required = true)]
    pub fault: Option<FaultMark>,
}

/// An entry before it gets its id.
pub struct NewEntry {
    pub time: DateTime<Utc>,
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    pub headers: RecordedHeaders,
    pub status: Option<u16>,
    pub duration_ms: f64,
    pub fault: Option<FaultMark>,
}

fn is_zero(count: &usize) -> bool {
    *count == 0
}

/// What one entry costs in the byte budget: its recorded text plus a fixed overhead for the
/// rest (id, time, status, the allocations themselves).
fn cost(entry: &JournalEntry) -> usize {
    const OVERHEAD: usize = 256;
    OVERHEAD
        + entry.method.len()
        + entry.path.len()
        + entry.query.as_ref().map_or(0, String::len)
        + entry.headers.get().len()
}

#[derive(Default)]
struct Inner {
    entries: VecDeque<JournalEntry>,
    /// The summed `cost` of `entries`.
    bytes: usize,
    next_id: u64,
    /// Entries dropped because the journal was full, since the last clear.
    evicted: u64,
}

pub struct Journal {
    limit: usize,
    max_bytes: usize,
    inner: Mutex<Inner>,
}

impl Journal {
    /// A journal of at most `limit` entries and `max_bytes` of recorded text.
    pub fn new(limit: usize, max_bytes: usize) -> Self {
        Self {
            limit,
            max_bytes,
            inner: Mutex::new(Inner {
                next_id: 1,
                ..Inner::default()
            }),
        }
    }

    pub fn limit(&self) -> usize {
        self.limit
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panic while holding the lock leaves a consistent deque; keep using it.
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub fn record(&self, entry: NewEntry) {
        if self.limit == 0 {
            return;
        }
        let mut inner = self.lock();
        let id = inner.next_id;
        inner.next_id += 1;
        let entry = JournalEntry {
            id,
            time: entry.time,
            method: entry.method,
            path: entry.path,
            query: entry.query,
            headers: entry.headers.text,
            omitted_headers: entry.headers.omitted,
            status: entry.status,
            duration_ms: entry.duration_ms,
            fault: entry.fault,
        };
        let added = cost(&entry);
        while !inner.entries.is_empty()
            && (inner.entries.len() >= self.limit || inner.bytes + added > self.max_bytes)
        {
            if let Some(oldest) = inner.entries.pop_front() {
                inner.bytes -= cost(&oldest);
                inner.evicted += 1;
            }
        }
        inner.bytes += added;
        inner.entries.push_back(entry);
    }

    pub fn clear(&self) {
        let mut inner = self.lock();
        inner.entries.clear();
        inner.bytes = 0;
        inner.evicted = 0;
    }

    /// The entries `filter` selects, newest first (at most `filter.limit`), whether more
    /// matched beyond them, and how many entries are held and were evicted.
    pub fn select(&self, filter: &Filter) -> Selection {
        let inner = self.lock();
        let mut matching = inner
            .entries
            .iter()
            .rev()
            .filter(|entry| filter.accepts(entry));
        let entries = matching.by_ref().take(filter.limit).cloned().collect();
        Selection {
            entries,
            more: matching.next().is_some(),
            held: inner.entries.len(),
            held_bytes: inner.bytes,
            evicted: inner.evicted,
        }
    }

    /// `--journal-bytes`: the byte budget.
    pub fn max_bytes(&self) -> usize {
        self.max_bytes
    }
}

/// What [`Journal::select`] found.
pub struct Selection {
    /// The newest matching entries, newest first.
    pub entries: Vec<JournalEntry>,
    /// Whether older entries matched too (ask again with `beforeId`).
    pub more: bool,
    pub held: usize,
    /// What the held entries cost in the byte budget.
    pub held_bytes: usize,
    pub evicted: u64,
}

/// The default of `--journal-limit`: 2,000 entries, about 2 MiB of memory for requests like
/// the Task Status List's (a full journal of 10,000 was ~10 MiB of the peak under load).
pub const DEFAULT_JOURNAL_LIMIT: usize = 2_000;

/// The default of `--journal-bytes`: 32 MiB.
pub const DEFAULT_JOURNAL_BYTES: usize = 32 * 1024 * 1024;

/// The most entries one `GET /_emulator/requests` answers (and its default `limit`).
pub const MAX_PAGE: usize = 1_000;

/// The filters of `GET /_emulator/requests`: `method` (any case), `path` (exact, or a prefix
/// when it ends with `*`), `since` / `until` (inclusive times), `before_id` (entries older
/// than that one: the next page), `limit` (the newest N of what matches, at most
/// [`MAX_PAGE`]).
#[derive(Debug)]
pub struct Filter {
    pub method: Option<String>,
    pub path: Option<String>,
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    pub before_id: Option<u64>,
    pub limit: usize,
}

impl Default for Filter {
    fn default() -> Self {
        Self {
            method: None,
            path: None,
            since: None,
            until: None,
            before_id: None,
            limit: MAX_PAGE,
        }
    }
}

impl Filter {
    /// Whether `entry` passes every filter given.
    pub fn accepts(&self, entry: &JournalEntry) -> bool {
        self.method
            .as_deref()
            .is_none_or(|method| method.eq_ignore_ascii_case(&entry.method))
            && self
                .path
                .as_deref()
                .is_none_or(|pattern| path_matches(pattern, &entry.path))
            && self.since.is_none_or(|since| entry.time >= since)
            && self.until.is_none_or(|until| entry.time <= until)
            && self.before_id.is_none_or(|before| entry.id < before)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(path: &str) -> NewEntry {
        NewEntry {
            time: DateTime::<Utc>::UNIX_EPOCH,
            method: "GET".into(),
            path: path.into(),
            query: None,
            headers: RecordedHeaders::default(),
            status: Some(200),
            duration_ms: 0.0,
            fault: None,
        }
    }

    #[test]
    fn the_byte_budget_drops_the_oldest_entries_first() {
        let journal = Journal::new(10_000, 100_000);
        let long = "/".to_owned() + &"p".repeat(MAX_RECORDED_BYTES - 1);
        for _ in 0..1_000 {
            journal.record(entry(&long));
        }
        let all = journal.select(&Filter::default());
        assert!(all.held_bytes <= 100_000, "{}", all.held_bytes);
        assert!(all.held < 1_000 && all.held > 10, "{}", all.held);
        assert_eq!(all.evicted, 1_000 - all.held as u64);
        assert_eq!(all.entries[0].id, 1_000, "the newest is kept");
    }

    #[test]
    fn a_page_holds_at_most_limit_entries_and_says_whether_more_match() {
        let journal = Journal::new(10_000, DEFAULT_JOURNAL_BYTES);
        for _ in 0..1_500 {
            journal.record(entry("/a"));
        }
        let first = journal.select(&Filter::default());
        assert_eq!(first.entries.len(), MAX_PAGE);
        assert!(first.more);
        let last_id = first.entries.last().unwrap().id;
        let second = journal.select(&Filter {
            before_id: Some(last_id),
            ..Filter::default()
        });
        assert_eq!(second.entries.len(), 500);
        assert_eq!(second.entries[0].id, last_id - 1);
        assert!(!second.more);
    }
}
