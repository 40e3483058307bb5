//! `TestApp`: a fresh emulator per test (its own in-memory database and a manual clock), and
//! `ServedApp`: the real router over a real socket, as `main` serves it.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{header, HeaderValue, Request};
use axum::Router;
use chrono::{DateTime, TimeZone, Utc};
use clap::Parser;
use http_body_util::BodyExt;
use tower::ServiceExt;

use sdemu::app;
use sdemu::clock::{ManualClock, SystemClock};
use sdemu::config::Config;
use sdemu::startup::{self, FixtureSource};
use sdemu::state::AppState;

use super::fixtures::{SMALL_FIXTURE, TWO_ORGANIZATIONS};
use super::requests::TestResponse;

/// The options `sdemu` would get from this command line (environment ignored).
pub fn config(options: &[&str]) -> Config {
    Config::try_parse_from(std::iter::once("sdemu").chain(options.iter().copied()))
        .expect("options parse")
}

/// Default options, as if `sdemu` were started with none.
pub fn default_config() -> Config {
    config(&[])
}

/// Why start-up with `config` and `fixtures` fails (panics if it succeeds), with every cause.
pub async fn start_up_error(config: &Config, fixtures: FixtureSource) -> String {
    match startup::open(config, Arc::new(SystemClock), fixtures).await {
        Ok(_) => panic!("start-up succeeded"),
        Err(error) => format!("{error:#}"),
    }
}

pub struct TestApp {
    pub router: Router,
    pub state: AppState,
    /// The app's clock: tests move it instead of sleeping. It starts at 2026-11-01T12:00:00Z.
    pub clock: ManualClock,
    /// The default organization's access token and when it expires, issued on first use and
    /// again once the clock passes its expiry.
    default_token: tokio::sync::Mutex<Option<(String, DateTime<Utc>)>>,
}

/// Start-up.
impl TestApp {
    /// The emulator with the built-in demo data set (about 2,900 tasks of two organizations).
    pub async fn demo() -> Self {
        Self::start(default_config(), FixtureSource::Builtin).await
    }

    /// The demo data set with extra command-line options (`--admin-token`, ...).
    pub async fn with_options(options: &[&str]) -> Self {
        Self::start(config(options), FixtureSource::Builtin).await
    }

    /// `SMALL_FIXTURE`: one organization, five tasks, for filter and sort tests.
    pub async fn small() -> Self {
        Self::with_fixture(SMALL_FIXTURE).await
    }

    /// `TWO_ORGANIZATIONS`: the fixture of every test that needs a second organization.
    pub async fn two_organizations() -> Self {
        Self::two_organizations_with(&[]).await
    }

    /// `TWO_ORGANIZATIONS` with extra command-line options (`--auth off`, `--client`, ...).
    pub async fn two_organizations_with(options: &[&str]) -> Self {
        Self::with_fixture_and_options(TWO_ORGANIZATIONS, options).await
    }

    /// The emulator loaded with a fixture document given as JSON text.
    pub async fn with_fixture(json: &str) -> Self {
        Self::with_fixture_and_options(json, &[]).await
    }

    /// A fixture document given as JSON text, with extra command-line options.
    pub async fn with_fixture_and_options(json: &str, options: &[&str]) -> Self {
        let fixtures = FixtureSource::Inline {
            name: "test".into(),
            text: json.to_owned(),
        };
        Self::start(config(options), fixtures).await
    }

    pub async fn start(config: Config, fixtures: FixtureSource) -> Self {
        let clock = ManualClock::new(Utc.with_ymd_and_hms(2026, 11, 1, 12, 0, 0).unwrap());
        let state = startup::open(&config, Arc::new(clock.clone()), fixtures)
            .await
            .expect("the emulator starts");
        Self::from_state(state, clock)
    }

    /// A TestApp over an already opened state (for tests that alter the state first).
    pub fn from_state(state: AppState, clock: ManualClock) -> Self {
        Self {
            router: app::build_router(state.clone()),
            state,
            clock,
            default_token: tokio::sync::Mutex::new(None),
        }
    }
}

/// Sending requests through the real router.
impl TestApp {
    /// Sends `request` as the default organization: a request to `/api/...` without an
    /// `Authorization` header gets the default organization's bearer token. Use
    /// `request_anonymous` to send a request exactly as it is.
    pub async fn request(&self, mut request: Request<Body>) -> TestResponse {
        if request
            .uri()
            .path()
            .to_ascii_lowercase()
            .starts_with("/api/")
            && !request.headers().contains_key(header::AUTHORIZATION)
        {
            let token = self.default_token().await;
            request.headers_mut().insert(
                header::AUTHORIZATION,
                HeaderValue::from_str(&format!("Bearer {token}")).unwrap(),
            );
        }
        self.request_anonymous(request).await
    }

    /// Sends `request` exactly as it is: no token is added.
    pub async fn request_anonymous(&self, request: Request<Body>) -> TestResponse {
        let sent = format!("{} {}", request.method(), request.uri());
        let response = self
            .router
            .clone()
            .oneshot(request)
            .await
            .expect("the router answers");
        let status = response.status();
        let headers = response.headers().clone();
        let body = response
            .into_body()
            .collect()
            .await
            .expect("the body is readable")
            .to_bytes()
            .to_vec();
        TestResponse::new(sent, status, headers, body)
    }

    async fn default_token(&self) -> String {
        let mut cached = self.default_token.lock().await;
        if let Some((token, expires_at)) = cached.as_ref() {
            if self.state.clock.now() < *expires_at {
                return token.clone();
            }
        }
        let default = sdemu::store::organizations::default_organization(&self.state.db)
            .await
            .unwrap()
            .expect("a default organization");
        // Issued through the store, not POST /connect/token, so that the request journal
        // holds only the requests a test sends itself.
        let token = sdemu::domain::auth::new_token().unwrap();
        // The emulator's clock (which the control plane may freeze or advance), as the
        // server reads it.
        let issued_at = self.state.clock.now();
        let expires_at = issued_at + self.state.auth.token_ttl;
        let mut tx = self.state.begin_write().await.unwrap();
        sdemu::store::tokens::issue(
            &mut tx,
            &sdemu::domain::auth::token_hash(&token),
            default.tenant_id,
            &default.client_id,
            issued_at,
            expires_at,
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        *cached = Some((token.clone(), expires_at));
        token
    }
}

/// Looking into the database behind the API.
impl TestApp {
    /// `SELECT COUNT(*) FROM {rows}`, where `rows` is a table and perhaps a `WHERE` clause.
    pub async fn count_rows(&self, rows: &str) -> i64 {
        sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {rows}"))
            .fetch_one(&self.state.db)
            .await
            .unwrap_or_else(|error| panic!("counting {rows}: {error}"))
    }
}

/// sdemu served over a real socket on a free port, as `main` serves it.
pub struct ServedApp {
    pub address: std::net::SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    server: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl ServedApp {
    /// The app opened with `config` and the demo data, on the wall clock.
    pub async fn open(config: &Config) -> AppState {
        startup::open(config, Arc::new(SystemClock), FixtureSource::Builtin)
            .await
            .expect("the emulator starts")
    }

    /// The real router for `config`, served with a 5 s shutdown grace period.
    pub async fn start(config: &Config) -> Self {
        let router = app::build_router(Self::open(config).await);
        Self::serve(router, std::time::Duration::from_secs(5)).await
    }

    /// Serves `router` (the real one, perhaps with test routes added) until `shut_down`,
    /// with the default connection limits and `grace` to finish at shutdown.
    pub async fn serve(router: Router, grace: std::time::Duration) -> Self {
        let options = app::ServeOptions {
            grace,
            ..app::ServeOptions::from_config(&default_config())
        };
        Self::serve_with(router, options).await
    }

    /// Serves `router` with these connection limits until `shut_down`.
    pub async fn serve_with(router: Router, options: app::ServeOptions) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(app::serve(
            listener,
            router,
            async {
                let _ = stopped.await;
            },
            options,
        ));
        Self {
            address,
            stop: Some(stop),
            server,
        }
    }

    /// `http://{address}{path}`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    /// Signals shutdown, as SIGTERM does in `main`.
    pub fn begin_shutdown(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }

    /// Signals shutdown and waits (at most 5 s) for the server to stop.
    pub async fn shut_down(mut self) {
        self.begin_shutdown();
        tokio::time::timeout(std::time::Duration::from_secs(5), self.server)
            .await
            .expect("the server stops in time")
            .unwrap()
            .unwrap();
    }
}
