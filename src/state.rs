//! `AppState`: everything a handler can reach, built once at start-up and cloned per
//! request. It sits in the HTTP toolkit layer so that extractors, routes and the control
//! plane can all name it without importing the app that assembles it.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use axum::extract::FromRef;
use chrono::{DateTime, Utc};
use sqlx::SqlitePool;

use crate::clock::EmulatorClock;
use crate::config::{AdminToken, AuthMode, Config};
use crate::domain::deliveries::Deliveries;
use crate::domain::demo::DemoSettings;
use crate::domain::faults::Faults;
use crate::domain::fixture::Dataset;
use crate::domain::journal::Journal;
use crate::domain::lifecycle::LifecycleSettings;
use crate::outbox::Outbox;
use crate::response::cache::Caches;
use crate::store::dataset::StartupTasks;
use crate::store::writer::{WriteGate, WriteTurn, WriteTx};

/// Everything a handler can reach, behind one `Arc`: extractors and middleware clone it
/// several times per request, so a clone is one reference count, not one per field
/// (measured: dropping the field-by-field clones was 5% of a cached request's time).
/// Fields are read through `Deref` (`state.db`).
#[derive(Clone)]
pub struct AppState(Arc<SharedState>);

impl AppState {
    pub fn new(shared: SharedState) -> Self {
        Self(Arc::new(shared))
    }
}

impl std::ops::Deref for AppState {
    type Target = SharedState;

    fn deref(&self) -> &SharedState {
        &self.0
    }
}

/// The fields of [`AppState`].
#[derive(Clone)]
pub struct SharedState {
    pub db: SqlitePool,
    /// The options sdemu was started with.
    pub config: Arc<Config>,
    /// The emulator's one clock (real, frozen or offset); every time sdemu reads comes
    /// from it.
    pub clock: Arc<EmulatorClock>,
    /// `--lifecycle`, the step durations, the failure rate, the automatic reviewer, `--seed`.
    pub lifecycle: LifecycleSettings,
    /// `--demo`, its interval and cap, `--seed`.
    pub demo: DemoSettings,
    /// The validated fixture sdemu started with, plus the `--client` organizations; its
    /// tasks only when `startup_tasks` says they are in memory.
    pub startup_dataset: Arc<Dataset>,
    /// Where `POST /_emulator/reset` finds the start-up tasks.
    pub startup_tasks: StartupTasks,
    /// `--auth` and `--token-ttl`.
    pub auth: AuthSettings,
    /// The control plane's state: readiness, request journal, fault rules, admin token.
    pub emulator: Arc<Emulator>,
    /// What is computed from the data (task read answers, token lookups, the earliest
    /// lifecycle step), kept while the data does not change.
    pub caches: Arc<Caches>,
    /// The queue of webhook exports to deliver, read by the delivery worker.
    pub outbox: Arc<Outbox>,
    /// The writers' queue: every write passes it, one at a time, in arrival order.
    pub writes: WriteGate,
}

impl AppState {
    /// A write transaction (`BEGIN IMMEDIATE`), begun in this caller's turn.
    pub async fn begin_write(&self) -> sqlx::Result<WriteTx> {
        self.writes.begin().await
    }

    /// Runs `job`, a write, on the writers' runtime (`WriteGate::run`), and waits for it.
    pub async fn run_write<F>(&self, job: F) -> F::Output
    where
        F: std::future::Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.writes.run(job).await
    }

    /// This caller's turn to write, for a store function that opens its own transaction.
    pub async fn write_turn(&self) -> WriteTurn {
        self.writes.turn().await
    }
}

impl FromRef<AppState> for SqlitePool {
    fn from_ref(state: &AppState) -> Self {
        state.db.clone()
    }
}

/// How the API routes authenticate, from `--auth` and `--token-ttl`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuthSettings {
    /// Whether API requests need a valid bearer token (`--auth on`).
    pub required: bool,
    /// The lifetime of issued tokens (`expires_in`).
    pub token_ttl: chrono::Duration,
}

impl AuthSettings {
    pub fn from_config(config: &Config) -> Self {
        Self {
            required: config.auth == AuthMode::On,
            token_ttl: chrono::Duration::seconds(i64::from(config.token_ttl)),
        }
    }
}

/// The control plane's own state, shared by every request: readiness, the admin token, the
/// request journal and the fault rules.
pub struct Emulator {
    /// When sdemu started, by `AppState::clock`.
    pub started_at: DateTime<Utc>,
    ready: AtomicBool,
    admin_token: Option<AdminToken>,
    pub journal: Journal,
    pub faults: Faults,
    /// The webhook delivery journal.
    pub deliveries: Deliveries,
    /// Held while a seed is parsed and loaded: one at a time, so that parallel seeds cannot
    /// multiply the memory a large document needs.
    pub seeding: tokio::sync::Mutex<()>,
}

impl Emulator {
    pub fn new(
        started_at: DateTime<Utc>,
        admin_token: Option<AdminToken>,
        journal: Journal,
        faults: Faults,
    ) -> Self {
        Self {
            started_at,
            ready: AtomicBool::new(false),
            admin_token,
            journal,
            faults,
            deliveries: Deliveries::default(),
            seeding: tokio::sync::Mutex::new(()),
        }
    }

    /// The token `--admin-token` set, which the protected control-plane routes require.
    pub fn admin_token(&self) -> Option<&AdminToken> {
        self.admin_token.as_ref()
    }

    /// Marks start-up as finished (migrations applied, fixtures loaded).
    pub fn set_ready(&self) {
        self.ready.store(true, Ordering::SeqCst);
    }

    pub fn is_ready(&self) -> bool {
        self.ready.load(Ordering::SeqCst)
    }
}
