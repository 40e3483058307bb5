//! The application: its state, its router (the one place layers are stacked) and `serve`.

use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use axum::extract::{FromRef, MatchedPath};
use axum::http::{Request, StatusCode};
use axum::{middleware, Router};
use sqlx::SqlitePool;
use tokio::net::TcpListener;
use tower_http::trace::TraceLayer;

use crate::clock::Clock;
use crate::config::Config;
use crate::domain::fixture::{self, Dataset};
use crate::emulator::{self, faults, Emulator};
use crate::error::empty_response;
use crate::{db, routes, store};

/// The built-in demo data set, compiled into the binary so that `sdemu` needs no files.
pub const BUILTIN_FIXTURE: &str = include_str!("../fixtures/demo.json");

/// Everything a handler can reach. Cloned per request; every field is cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub db: SqlitePool,
    pub clock: Arc<dyn Clock>,
    /// The validated fixture sdemu started with.
    pub startup_dataset: Arc<Dataset>,
    /// The control plane's state: readiness, request journal, fault rules, admin token.
    pub emulator: Arc<Emulator>,
}

impl FromRef<AppState> for SqlitePool {
    fn from_ref(state: &AppState) -> Self {
        state.db.clone()
    }
}

/// Where the start-up data comes from.
#[derive(Debug, Clone)]
pub enum FixtureSource {
    /// The demo data set compiled into the binary.
    Builtin,
    /// A fixture file given with `--fixtures`.
    File(PathBuf),
    /// Fixture text held in memory (tests), with a name for error messages.
    Inline { name: String, text: String },
}

impl FixtureSource {
    pub fn from_config(config: &Config) -> Self {
        config
            .fixtures
            .clone()
            .map_or(Self::Builtin, FixtureSource::File)
    }

    fn describe(&self) -> String {
        match self {
            Self::Builtin => "the built-in demo data set".into(),
            Self::File(path) => format!("fixture file {}", path.display()),
            Self::Inline { name, .. } => format!("fixture {name}"),
        }
    }

    fn read(&self) -> anyhow::Result<String> {
        match self {
            Self::Builtin => Ok(BUILTIN_FIXTURE.to_owned()),
            Self::File(path) => std::fs::read_to_string(path)
                .with_context(|| format!("cannot read fixture file {}", path.display())),
            Self::Inline { text, .. } => Ok(text.clone()),
        }
    }
}

/// Opens the database, applies migrations, validates the fixtures and, when the database is
/// empty, loads them. A bad fixture stops start-up with every problem listed and nothing
/// loaded.
pub async fn open(
    config: &Config,
    clock: Arc<dyn Clock>,
    fixtures: FixtureSource,
) -> anyhow::Result<AppState> {
    let started_at = clock.now();
    let startup_faults = match &config.faults {
        Some(path) => load_fault_file(path)?,
        None => Vec::new(),
    };
    let db = db::open(config.database.as_deref()).await?;
    let catalogues = store::dataset::builtin_catalogues(&db).await?;
    let text = fixtures.read()?;
    let dataset = fixture::load(&text, &catalogues)
        .map_err(|errors| anyhow::anyhow!("{} is not valid: {errors}", fixtures.describe()))?;
    if store::dataset::is_empty(&db).await? {
        store::dataset::replace(&db, &dataset)
            .await
            .with_context(|| format!("cannot load {}", fixtures.describe()))?;
        tracing::info!(
            tasks = dataset.tasks.len(),
            source = %fixtures.describe(),
            "fixtures loaded"
        );
    } else {
        tracing::info!("the database already holds data; fixtures not loaded");
    }
    let emulator = Emulator::new(
        started_at,
        config.admin_token.clone(),
        config.journal_limit,
        faults::Faults::new(config.fault_seed, startup_faults),
    );
    // Migrations are applied and the fixtures loaded: /_emulator/ready may say so.
    emulator.set_ready();
    Ok(AppState {
        db,
        clock,
        startup_dataset: Arc::new(dataset),
        emulator: Arc::new(emulator),
    })
}

/// Reads the start-up fault rules (`--faults`); a bad file stops start-up with every problem
/// listed.
fn load_fault_file(path: &std::path::Path) -> anyhow::Result<Vec<faults::FaultRule>> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read fault rules file {}", path.display()))?;
    let value: serde_json::Value = serde_json::from_str(&text)
        .with_context(|| format!("fault rules file {} is not valid JSON", path.display()))?;
    faults::parse_rules(value).map_err(|problems| {
        let list: Vec<String> = problems
            .iter()
            .map(|problem| format!("\n  - {problem}"))
            .collect();
        anyhow::anyhow!(
            "fault rules file {} is not valid: {} problem(s):{}",
            path.display(),
            problems.len(),
            list.concat()
        )
    })
}

/// The whole HTTP surface. `main` and the tests both serve exactly this.
pub fn build_router(state: AppState) -> Router {
    routes::api_router()
        .merge(emulator::router())
        .fallback(|| async { empty_response(StatusCode::NOT_FOUND) })
        // Journal and fault injection for everything but the control plane itself.
        .layer(middleware::from_fn_with_state(
            state.clone(),
            emulator::intercept,
        ))
        .layer(
            // One span per request, named by the matched route so that logs group well.
            TraceLayer::new_for_http().make_span_with(|request: &Request<_>| {
                let route = request
                    .extensions()
                    .get::<MatchedPath>()
                    .map_or("unmatched", MatchedPath::as_str);
                tracing::info_span!("request", method = %request.method(), route)
            }),
        )
        .with_state(state)
}

/// Serves `router` on `listener` until `shutdown` completes, then lets in-flight requests
/// finish.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router)
        .with_graceful_shutdown(shutdown)
        .await
}
