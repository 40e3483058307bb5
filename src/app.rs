//! The application: its state, its router (the one place layers are stacked) and `serve`.

use std::collections::HashMap;
use std::future::{Future, IntoFuture};
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use anyhow::Context;
use axum::extract::{DefaultBodyLimit, FromRef};
use axum::http::{header, HeaderName, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{middleware, Router};
use sqlx::SqlitePool;
use tokio::net::TcpListener;
use tower::{ServiceBuilder, ServiceExt};
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};

use crate::clock::Clock;
use crate::config::Config;
use crate::domain::auth::{self, AuthSettings};
use crate::domain::faults::{self, FaultRule};
use crate::domain::fixture::{self, Dataset};
use crate::emulator::{self, Emulator};
use crate::error::empty_response;
use crate::extract::MAX_BODY_BYTES;
use crate::{db, routes, store, telemetry};

/// The built-in demo data set, compiled into the binary so that `sdemu` needs no files.
pub const BUILTIN_FIXTURE: &str = include_str!("../fixtures/demo.json");

/// Everything a handler can reach. Cloned per request; every field is cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub db: SqlitePool,
    /// The options sdemu was started with.
    pub config: Arc<Config>,
    pub clock: Arc<dyn Clock>,
    /// The validated fixture sdemu started with, plus the `--client` organizations.
    pub startup_dataset: Arc<Dataset>,
    /// `--auth` and `--token-ttl`.
    pub auth: AuthSettings,
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
    let mut dataset = fixture::load(&text, &catalogues)
        .map_err(|errors| anyhow::anyhow!("{} is not valid: {errors}", fixtures.describe()))?;
    auth::add_clients(&mut dataset, &config.clients)
        .map_err(|error| anyhow::anyhow!("{error} in {}", fixtures.describe()))?;
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
        for client in &config.clients {
            if store::organizations::find_by_client_id(&db, &client.client_id)
                .await?
                .is_none()
            {
                tracing::warn!(
                    client_id = %client.client_id,
                    "--client is not in the existing database (it was seeded without it); \
                     start with a new database file to add it"
                );
            }
        }
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
        config: Arc::new(config.clone()),
        clock,
        startup_dataset: Arc::new(dataset),
        auth: AuthSettings::from_config(config),
        emulator: Arc::new(emulator),
    })
}

/// Reads the start-up fault rules (`--faults`); a bad file stops start-up with every problem
/// listed.
fn load_fault_file(path: &std::path::Path) -> anyhow::Result<Vec<FaultRule>> {
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
    let cors = cors_layer(&state.config.cors_origins);
    let request_id = HeaderName::from_static("x-request-id");
    let router = routes::api_router()
        .route("/_emulator/openapi.json", get(openapi_description))
        .merge(emulator::router())
        .fallback(unmatched)
        // Request bodies over 1 MiB are refused; `JsonBody` turns that into a 413 problem.
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        // Journal and fault injection for everything but the control plane itself.
        .layer(middleware::from_fn_with_state(
            state.clone(),
            emulator::intercept,
        ))
        .layer(
            // Listed outermost first: every request gets an id (the client's `x-request-id`,
            // or a new UUID), is logged with it, and the id is echoed on the response.
            ServiceBuilder::new()
                .layer(SetRequestIdLayer::new(request_id.clone(), MakeRequestUuid))
                .layer(axum::middleware::from_fn(telemetry::log_request))
                .layer(PropagateRequestIdLayer::new(request_id))
                .option_layer(cors),
        )
        .with_state(state);
    // The path is made canonical before routing, so this wraps the whole router.
    Router::new().fallback_service(router.map_request(canonical_api_path))
}

/// The emulated API's paths by their lower-case form, from the OpenAPI description (which a
/// test keeps equal to the router's routes).
fn api_paths() -> &'static HashMap<String, String> {
    static PATHS: OnceLock<HashMap<String, String>> = OnceLock::new();
    PATHS.get_or_init(|| {
        let description: serde_json::Value =
            serde_json::from_str(OPENAPI_DESCRIPTION).expect("src/openapi.json is JSON");
        description["paths"]
            .as_object()
            .into_iter()
            .flat_map(|paths| paths.keys())
            .filter(|path| !path.starts_with("/_emulator/"))
            .map(|path| (path.to_ascii_lowercase(), path.clone()))
            .collect()
    })
}

/// ASP.NET Core, which serves the real API, matches route paths case-insensitively and
/// ignores one trailing slash, so `/API/v1.0/External/SDTask/StatusList/` reaches the task
/// list there; this rewrites such a path to the route's own spelling (the query is kept).
/// The control plane under `/_emulator/` stays exact.
fn canonical_api_path(mut request: axum::extract::Request) -> axum::extract::Request {
    let path = request.uri().path();
    let trimmed = path
        .strip_suffix('/')
        .filter(|rest| !rest.is_empty())
        .unwrap_or(path);
    let Some(canonical) = api_paths().get(&trimmed.to_ascii_lowercase()) else {
        return request;
    };
    if canonical == path {
        return request;
    }
    let path_and_query = match request.uri().query() {
        Some(query) => format!("{canonical}?{query}"),
        None => canonical.clone(),
    };
    let mut parts = request.uri().clone().into_parts();
    if let Ok(rewritten) = path_and_query.parse() {
        parts.path_and_query = Some(rewritten);
        if let Ok(uri) = axum::http::Uri::from_parts(parts) {
            *request.uri_mut() = uri;
        }
    }
    request
}

/// The OpenAPI 3.1 description of every route, kept in the repository as `src/openapi.json`.
pub const OPENAPI_DESCRIPTION: &str = include_str!("openapi.json");

async fn openapi_description() -> impl IntoResponse {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        OPENAPI_DESCRIPTION,
    )
}

/// Marks responses from the fallback (no route matched), so tests can tell them apart from
/// a handler's own empty 404.
#[derive(Debug, Clone, Copy)]
pub struct Unmatched;

async fn unmatched() -> Response {
    let mut response = empty_response(StatusCode::NOT_FOUND);
    response.extensions_mut().insert(Unmatched);
    response
}

/// CORS for browser front-ends, only when origins are configured: the real API is meant for
/// servers, so by default sdemu sends no CORS headers either.
fn cors_layer(origins: &[String]) -> Option<CorsLayer> {
    if origins.is_empty() {
        return None;
    }
    let allow_origin = if origins.iter().any(|origin| origin == "*") {
        AllowOrigin::any()
    } else {
        AllowOrigin::list(
            origins
                .iter()
                .filter_map(|origin| HeaderValue::from_str(origin.trim_end_matches('/')).ok()),
        )
    };
    Some(
        CorsLayer::new()
            .allow_origin(allow_origin)
            .allow_methods([
                Method::GET,
                Method::POST,
                Method::PUT,
                Method::PATCH,
                Method::DELETE,
            ])
            .allow_headers([
                header::AUTHORIZATION,
                header::CONTENT_TYPE,
                HeaderName::from_static("x-request-id"),
            ])
            .expose_headers([
                header::WWW_AUTHENTICATE,
                header::RETRY_AFTER,
                HeaderName::from_static("x-request-id"),
            ])
            .max_age(Duration::from_secs(600)),
    )
}

/// Serves `router` on `listener` until `shutdown` completes, then lets in-flight requests
/// finish for at most `grace`. Returns once the server has stopped.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
    grace: Duration,
) -> std::io::Result<()> {
    let (shutting_down, shutdown_started) = tokio::sync::oneshot::channel::<()>();
    let server = axum::serve(listener, router)
        .with_graceful_shutdown(async move {
            shutdown.await;
            let _ = shutting_down.send(());
        })
        .into_future();
    let grace_over = async move {
        if shutdown_started.await.is_ok() {
            tokio::time::sleep(grace).await;
        } else {
            std::future::pending::<()>().await;
        }
    };
    tokio::select! {
        result = server => result,
        () = grace_over => {
            tracing::warn!(seconds = grace.as_secs_f64(), "requests still in flight after the shutdown timeout; stopping anyway");
            Ok(())
        }
    }
}
