//! Caches of what is computed from the data, kept for as long as the data has not changed:
//! the bytes of the task reads' answers, and the two reads every API request makes before
//! its own (its bearer token, and the earliest lifecycle step due).
//!
//! A value is stored with the [`DataVersion`] read *before* the data was read, and served
//! only while the version is still that one: every committed write transaction (a reset, a
//! seed, a created or reprocessed task, a lifecycle step, a webhook outcome, demo mode's
//! generator, an issued token, anything else) moves the version on, so a cached value is
//! never older than the data. Response keys name the organization, the endpoint and the
//! parsed (normalised) query, so the same question asked in other words shares one entry
//! and organizations never share one; an answer is also kept under its query string as
//! sent ([`SpelledQuery`]), so that a repeated request is answered before its query is
//! parsed. Only when the version is exact (the in-memory database, see [`DataVersion`]) is
//! anything cached ([`VersionedCache::is_on`]). Each cache has a budget; it is emptied,
//! not evicted entry by entry, when it is full or the data has changed. A Task Status List
//! answer sent in chunks (past `--stream-threshold`) is never whole in memory, so it is
//! never kept: only answers built whole are.

use std::borrow::Borrow;
use std::collections::hash_map::Entry;
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;

use axum::body::Bytes;

use crate::db::DataVersion;
use crate::store::tokens::TokenRow;

mod task_answer_key;

pub use task_answer_key::{SpelledQuery, TaskAnswerKey, TaskEndpoint};

/// The most bytes of answers the response cache holds: a repeated list of ~1,300 tasks (a
/// quarter of it) is still kept, while answers that are never asked again (every query
/// different) stay at most 2 MiB of the peak memory under load (8 MiB measured ~6 MiB more).
pub const RESPONSE_BUDGET_BYTES: usize = 2 * 1024 * 1024;

/// The most tokens the token cache holds.
const TOKEN_BUDGET: usize = 10_000;

/// The data-versioned caches of the state.
pub struct Caches {
    /// Task read answers by organization, endpoint and normalised query.
    pub responses: VersionedCache<TaskAnswerKey, Bytes>,
    /// Bearer tokens by hash: what `store::tokens::find` read.
    pub tokens: VersionedCache<String, Option<TokenRow>>,
    /// The earliest pending lifecycle step (one key).
    pub earliest_due: VersionedCache<(), Option<i64>>,
}

impl Caches {
    pub fn new(version: DataVersion) -> Self {
        Self {
            responses: VersionedCache::new(version.clone(), RESPONSE_BUDGET_BYTES, |key, body| {
                key.bytes() + body.len()
            }),
            tokens: VersionedCache::new(version.clone(), TOKEN_BUDGET, |_, _| 1),
            earliest_due: VersionedCache::new(version, 1, |_, _| 1),
        }
    }
}

/// Values by key, all computed at one data version, at most `budget` in weight; one value
/// weighs at most a quarter of the budget (a larger one is not kept).
pub struct VersionedCache<K, V> {
    version: DataVersion,
    budget: usize,
    weigh: fn(&K, &V) -> usize,
    inner: Mutex<Entries<K, V>>,
}

/// The keys are hashed with foldhash, seeded per map: SipHash cost more than the rest of a
/// cached answer's look-up, and the keys are the callers' own queries.
struct Entries<K, V> {
    version: u64,
    weight: usize,
    by_key: HashMap<K, V, foldhash::fast::RandomState>,
}

impl<K, V> Entries<K, V> {
    fn at(version: u64) -> Self {
        Self {
            version,
            weight: 0,
            by_key: HashMap::default(),
        }
    }
}

/// What a caller reads before computing a value: the version the value will be valid for,
/// if it may be cached at all.
#[derive(Debug, Clone, Copy)]
#[must_use]
pub struct Ticket(Option<u64>);

impl<K: Hash + Eq, V: Clone> VersionedCache<K, V> {
    pub fn new(version: DataVersion, budget: usize, weigh: fn(&K, &V) -> usize) -> Self {
        Self {
            version,
            budget,
            weigh,
            inner: Mutex::new(Entries::at(0)),
        }
    }

    /// Whether anything is ever kept (only while the data version is exact).
    pub fn is_on(&self) -> bool {
        self.version.is_exact()
    }

    /// The value cached for `key` at the current data version, or a ticket to store the
    /// value about to be computed (taken before the data is read).
    pub fn get<Q>(&self, key: &Q) -> Result<V, Ticket>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        if !self.version.is_exact() {
            return Err(Ticket(None));
        }
        let version = self.version.current();
        let entries = self.lock();
        if entries.version == version {
            if let Some(value) = entries.by_key.get(key) {
                return Ok(value.clone());
            }
        }
        Err(Ticket(Some(version)))
    }

    /// Keeps `value` for `key` at the ticket's version, unless the data has changed since
    /// the ticket was taken (then the value may already be out of date).
    pub fn put(&self, ticket: Ticket, key: K, value: V) {
        let Ticket(Some(version)) = ticket else {
            return;
        };
        let weight = (self.weigh)(&key, &value);
        if weight > self.budget.max(4) / 4 || self.version.current() != version {
            return;
        }
        let mut entries = self.lock();
        if entries.version > version {
            return;
        }
        if entries.version < version || entries.weight + weight > self.budget {
            *entries = Entries::at(version);
        }
        let entries = &mut *entries;
        match entries.by_key.entry(key) {
            Entry::Occupied(mut slot) => {
                entries.weight -= (self.weigh)(slot.key(), slot.get());
                slot.insert(value);
            }
            Entry::Vacant(slot) => {
                slot.insert(value);
            }
        }
        entries.weight += weight;
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Entries<K, V>> {
        // The entries are plain data, consistent after every statement: a panic elsewhere
        // cannot leave them half-changed.
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// The value cached for `key`, or the one `compute` reads (kept while the data does not
/// change).
pub async fn cached<K, Q, V, F, Fut, E>(
    cache: &VersionedCache<K, V>,
    key: &Q,
    compute: F,
) -> Result<V, E>
where
    K: Hash + Eq + Borrow<Q>,
    Q: Hash + Eq + ToOwned<Owned = K> + ?Sized,
    V: Clone,
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = Result<V, E>>,
{
    match cache.get(key) {
        Ok(value) => Ok(value),
        Err(ticket) => {
            let value = compute().await?;
            cache.put(ticket, key.to_owned(), value.clone());
            Ok(value)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn cache() -> (sqlx::SqlitePool, VersionedCache<String, u32>) {
        let (pool, version) = crate::db::open_versioned(None).await.unwrap();
        (pool, VersionedCache::new(version, 8, |_, _| 1))
    }

    async fn write(pool: &sqlx::SqlitePool, id: i64) {
        sqlx::query(
            "INSERT INTO organizations (tenant_id, name, client_id, client_secret) \
             VALUES (?, 'a', ?, 's')",
        )
        .bind(id)
        .bind(id.to_string())
        .execute(pool)
        .await
        .unwrap();
    }

    #[tokio::test]
    async fn a_value_is_served_until_the_data_changes() {
        let (pool, cache) = cache().await;
        let ticket = cache.get("k").unwrap_err();
        cache.put(ticket, "k".into(), 1);
        assert_eq!(cache.get("k").ok(), Some(1));
        write(&pool, 1).await;
        assert!(cache.get("k").is_err());
    }

    #[tokio::test]
    async fn a_value_computed_while_the_data_changed_is_not_kept() {
        let (pool, cache) = cache().await;
        let ticket = cache.get("k").unwrap_err();
        write(&pool, 1).await;
        cache.put(ticket, "k".into(), 1);
        assert!(cache.get("k").is_err());
    }

    #[tokio::test]
    async fn a_full_cache_starts_again_and_an_oversized_value_is_not_kept() {
        let (_pool, cache) = cache().await;
        for key in 0..9 {
            let ticket = cache.get(&key.to_string()).unwrap_err();
            cache.put(ticket, key.to_string(), key);
        }
        assert!(cache.get("0").is_err(), "emptied when the ninth came");
        assert_eq!(cache.get("8").ok(), Some(8));
        let big: VersionedCache<String, u32> =
            VersionedCache::new(cache.version.clone(), 8, |_, value: &u32| *value as usize);
        let ticket = big.get("k").unwrap_err();
        big.put(ticket, "k".into(), 3);
        assert!(big.get("k").is_err(), "more than a quarter of the budget");
    }

    #[tokio::test]
    async fn small_answers_under_long_keys_stay_within_the_budget() {
        let (_pool, version) = crate::db::open_versioned(None).await.unwrap();
        let caches = Caches::new(version);
        let long = "x".repeat(8 * 1024);
        for n in 0..2_000 {
            let key = TaskAnswerKey::Spelled(SpelledQuery {
                endpoint: TaskEndpoint::List,
                tenant_id: 1,
                query: format!("{n}{long}"),
            });
            let ticket = caches.responses.get(&key).unwrap_err();
            caches.responses.put(ticket, key, Bytes::from_static(b"[]"));
        }
        // Kept again under the same key, an answer replaces the first (counted once).
        let again = TaskAnswerKey::Spelled(SpelledQuery {
            endpoint: TaskEndpoint::List,
            tenant_id: 1,
            query: "again".to_owned(),
        });
        for body in [&b"[1]"[..], &b"[1,2]"[..]] {
            // As a request that looked before the first was kept.
            let ticket = Ticket(Some(caches.responses.version.current()));
            caches
                .responses
                .put(ticket, again.clone(), Bytes::from(body));
        }
        assert_eq!(
            caches.responses.get(&again).ok(),
            Some(Bytes::from_static(b"[1,2]"))
        );
        let entries = caches.responses.lock();
        let held: usize = entries
            .by_key
            .iter()
            .map(|(key, body)| key.bytes() + body.len())
            .sum();
        assert_eq!(held, entries.weight);
        assert!(
            entries.weight <= RESPONSE_BUDGET_BYTES,
            "{}",
            entries.weight
        );
        // 2,000 keys of 8 KiB would be 16 MiB.
        assert!(entries.by_key.len() < 260, "{}", entries.by_key.len());
    }
}
