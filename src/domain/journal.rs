//! The request journal: what clients sent to the emulated API, for tests to assert on.
//!
//! A bounded ring buffer (`--journal-limit`, default 10,000): when it is full the oldest
//! entry is dropped, so memory stays flat however long sdemu runs. Credentials never enter
//! it: `Authorization` and `Proxy-Authorization` keep only their scheme
//! (`Bearer [redacted]`), `Cookie` is `[redacted]`. Bodies are not recorded. The handlers
//! that read and clear it are `emulator::journal`; the middleware that fills it is
//! `emulator::intercept`.

use std::collections::VecDeque;
use std::sync::Mutex;

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

use crate::domain::faults::{path_matches, FaultMark};

pub const REDACTED: &str = "[redacted]";

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
    /// long values clipped as the path.
    #[schema(value_type = std::collections::BTreeMap<String, String>)]
    pub headers: Map<String, Value>,
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
    pub headers: Map<String, Value>,
    pub status: Option<u16>,
    pub duration_ms: f64,
    pub fault: Option<FaultMark>,
}

#[derive(Default)]
struct Inner {
    entries: VecDeque<JournalEntry>,
    next_id: u64,
    /// Entries dropped because the journal was full, since the last clear.
    evicted: u64,
}

pub struct Journal {
    limit: usize,
    inner: Mutex<Inner>,
}

impl Journal {
    pub fn new(limit: usize) -> Self {
        Self {
            limit,
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
        while inner.entries.len() >= self.limit {
            inner.entries.pop_front();
            inner.evicted += 1;
        }
        inner.entries.push_back(JournalEntry {
            id,
            time: entry.time,
            method: entry.method,
            path: entry.path,
            query: entry.query,
            headers: entry.headers,
            status: entry.status,
            duration_ms: entry.duration_ms,
            fault: entry.fault,
        });
    }

    pub fn clear(&self) {
        let mut inner = self.lock();
        inner.entries.clear();
        inner.evicted = 0;
    }

    /// The entries `filter` selects, newest first, and how many entries are held and were
    /// evicted.
    pub fn select(&self, filter: &Filter) -> (Vec<JournalEntry>, usize, u64) {
        let inner = self.lock();
        let selected = inner
            .entries
            .iter()
            .rev()
            .filter(|entry| filter.accepts(entry))
            .take(filter.limit.unwrap_or(usize::MAX))
            .cloned()
            .collect();
        (selected, inner.entries.len(), inner.evicted)
    }
}

/// The most bytes the journal keeps of one header value, of the query string and of the
/// path, so that an entry stays small whatever a client sends and the journal's memory is
/// bounded by its entry limit.
pub const MAX_RECORDED_BYTES: usize = 2_048;

/// `text`, or its first `MAX_RECORDED_BYTES` bytes (on a character boundary) followed by a
/// note of how much was left out.
pub fn clipped(text: &str) -> String {
    if text.len() <= MAX_RECORDED_BYTES {
        return text.to_owned();
    }
    let mut end = MAX_RECORDED_BYTES;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…[{} more bytes]", &text[..end], text.len() - end)
}

/// The headers of a request as the journal keeps them, credentials redacted, long values
/// clipped: names in lower case, repeated headers joined with `, `. `headers` yields a
/// `(name, value)` pair per value, the values of one name next to each other.
pub fn redacted_headers<'a>(
    headers: impl IntoIterator<Item = (&'a str, &'a [u8])>,
) -> Map<String, Value> {
    let mut map = Map::new();
    for (name, value) in headers {
        let name = name.to_ascii_lowercase();
        let text = String::from_utf8_lossy(value).into_owned();
        let kept = if name == "authorization" || name == "proxy-authorization" {
            match text.split_once(' ') {
                Some((scheme, _)) => format!("{scheme} {REDACTED}"),
                None => REDACTED.to_owned(),
            }
        } else if name == "cookie" {
            REDACTED.to_owned()
        } else {
            clipped(&text)
        };
        match map.get_mut(&name) {
            Some(Value::String(joined)) => {
                joined.push_str(", ");
                joined.push_str(&kept);
            }
            _ => {
                map.insert(name, Value::String(kept));
            }
        }
    }
    map
}

/// The filters of `GET /_emulator/requests`: `method` (any case), `path` (exact, or a prefix
/// when it ends with `*`), `since` / `until` (inclusive times), `limit` (the newest N of
/// what matches).
#[derive(Debug, Default)]
pub struct Filter {
    pub method: Option<String>,
    pub path: Option<String>,
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    pub limit: Option<usize>,
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
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_are_kept_in_order_with_repeats_joined_and_credentials_redacted() {
        let long = "x".repeat(MAX_RECORDED_BYTES + 3);
        let headers = [
            ("Accept", b"application/json".as_slice()),
            ("x-trace", b"one".as_slice()),
            ("x-trace", b"two".as_slice()),
            ("authorization", b"Bearer secret-token".as_slice()),
            ("proxy-authorization", b"opaque".as_slice()),
            ("cookie", b"session=1".as_slice()),
            ("x-long", long.as_bytes()),
        ];
        let map = redacted_headers(headers);
        let kept: Vec<(&str, &str)> = map
            .iter()
            .map(|(name, value)| (name.as_str(), value.as_str().unwrap()))
            .collect();
        let clipped_long = format!("{}…[3 more bytes]", "x".repeat(MAX_RECORDED_BYTES));
        assert_eq!(
            kept,
            [
                ("accept", "application/json"),
                ("x-trace", "one, two"),
                ("authorization", "Bearer [redacted]"),
                ("proxy-authorization", "[redacted]"),
                ("cookie", "[redacted]"),
                ("x-long", clipped_long.as_str()),
            ]
        );
    }
}
