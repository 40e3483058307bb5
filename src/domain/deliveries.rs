//! The webhook delivery journal: every attempt sdemu made to deliver an export, newest
//! first, for tests to assert on. Bounded like the request journal (the oldest attempt is
//! dropped first) and emptied by reset; the receiver's body is clipped to
//! `MAX_RESPONSE_BYTES`.

use std::collections::VecDeque;
use std::sync::Mutex;

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

/// How much of a receiver's body is kept (in the journal and on the task).
pub const MAX_RESPONSE_BYTES: usize = 4_096;
/// How many attempts the journal keeps.
pub const DELIVERY_LIMIT: usize = 1_000;

/// One delivery attempt, as `GET /_emulator/webhooks/deliveries` shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Delivery {
    /// Increases by one per attempt; never reused, not even after a reset.
    pub id: u64,
    /// When the attempt started, by sdemu's clock.
    #[schema(value_type = String, format = DateTime)]
    pub time: DateTime<Utc>,
    /// The configuration it was made for.
    pub webhook_id: i64,
    pub task_id: i64,
    pub url: String,
    /// The JSON body sent.
    #[schema(value_type = Object)]
    pub request_body: Value,
    /// The receiver's status, or `null` when there was no answer.
    #[schema(required = true)]
    pub status: Option<u16>,
    /// The receiver's body (clipped to 4 KiB), or `null` when there was no answer.
    #[schema(required = true)]
    pub response_body: Option<String>,
    /// Until the receiver's whole answer arrived (or the attempt failed), in real time.
    pub duration_ms: f64,
    /// Why there was no answer (refused address, connection error, timeout), or `null`.
    #[schema(required = true)]
    pub error: Option<String>,
}

impl Delivery {
    /// Whether the receiver accepted the export (answered 2xx).
    pub fn succeeded(&self) -> bool {
        self.status
            .is_some_and(|status| (200..300).contains(&status))
    }

    /// What a failed attempt leaves on the task: the receiver's non-empty body, or why it
    /// failed.
    pub fn failure(&self) -> String {
        match (&self.error, self.status, self.response_body.as_deref()) {
            (Some(error), _, _) => error.clone(),
            (None, _, Some(body)) if !body.is_empty() => body.to_owned(),
            (None, Some(status), _) => {
                format!("The receiver answered {status} with an empty body.")
            }
            (None, None, _) => "No answer.".to_owned(),
        }
    }
}

/// `text` cut to at most `MAX_RESPONSE_BYTES` bytes, on a character boundary.
pub fn clip(text: &str) -> String {
    if text.len() <= MAX_RESPONSE_BYTES {
        return text.to_owned();
    }
    let mut end = MAX_RESPONSE_BYTES;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].to_owned()
}

#[derive(Default)]
struct Inner {
    entries: VecDeque<Delivery>,
    next_id: u64,
}

/// The bounded journal of attempts.
#[derive(Default)]
pub struct Deliveries {
    inner: Mutex<Inner>,
}

impl Deliveries {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Records an attempt (its `id` is assigned here) and returns it.
    pub fn record(&self, mut delivery: Delivery) -> Delivery {
        let mut inner = self.lock();
        inner.next_id += 1;
        delivery.id = inner.next_id;
        while inner.entries.len() >= DELIVERY_LIMIT {
            inner.entries.pop_front();
        }
        inner.entries.push_back(delivery.clone());
        delivery
    }

    /// Every attempt held, newest first.
    pub fn list(&self) -> Vec<Delivery> {
        self.lock().entries.iter().rev().cloned().collect()
    }

    pub fn clear(&self) {
        self.lock().entries.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_bodies_are_clipped_on_a_character_boundary() {
        let text = "é".repeat(MAX_RESPONSE_BYTES);
        let clipped = clip(&text);
        assert!(clipped.len() <= MAX_RESPONSE_BYTES);
        assert!(text.starts_with(&clipped));
    }
}
