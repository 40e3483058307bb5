//! sdemu: a local emulator of the SmartDocumentor cloud API.
//!
//! A tour for a new reader, following one request. `main.rs` reads `config`, starts
//! `telemetry` and calls `startup::open`, which opens the database (`db`), loads the fixtures
//! into it (`store`) and builds the `state::AppState`. `app::build_router` stacks the layers
//! every request passes (request id, log line, CORS, the control plane's journal and faults,
//! then `lifecycle`'s catch-up of every step due by the emulator's `clock`) over the handlers: `routes` for the emulated API, `emulator` for the control plane under
//! `/_emulator/`. A handler reads its request through `extract` (query, body, bearer token,
//! each rejected with an `error::ApiError`), asks `store` for the data, and answers through
//! `response`. `domain` holds the rules and wire types that are neither HTTP nor SQL.
//!
//! Layers point one way, lowest first: `domain`/`clock` ← `config` ← `store`/`db` ← the HTTP
//! toolkit and services (`state`, `error`, `response`, `extract`, `telemetry`, `lifecycle`,
//! `demo`, `outbox`, `file_links`, `webhooks`) ← `routes`/`emulator` ←
//! `openapi`/`startup`/`app` ← `main`, `healthcheck`, `capture`, `compare`, `completions`. `ARCHITECTURE.md` explains them; `tests/architecture.rs`
//! keeps them.

/// The router (the one place layers are stacked) and `serve`: connections with time limits,
/// a cap, and graceful shutdown.
pub mod app;
/// `sdemu capture`: an account of a real service read into a fixture file.
pub mod capture;
/// The injectable clock, so tests control time instead of sleeping.
pub mod clock;
/// `sdemu compare`: the same read-only requests (and, with `--allow-writes`, writes compared
/// by shape only) sent to a real service and to an sdemu, and every difference in status,
/// headers and body reported.
pub mod compare;
/// `sdemu completions`: shell completion scripts generated from the configuration.
pub mod completions;
/// Command-line options and `SDEMU_*` environment variables: the configuration reference.
pub mod config;
/// SQLite pool options and migrations.
pub mod db;
/// Demo mode at work: demo tasks created as their slots fall due, the cap kept.
pub mod demo;
/// Rules and wire types that are neither HTTP nor SQL: times, sorting, pages, fixtures, auth.
pub mod domain;
/// The control plane under `/_emulator/`: health, reset, seed, state, journal, faults, clock,
/// per-task controls, webhooks.
pub mod emulator;
/// `ApiError`: the status, headers and body of every failure sdemu sends.
pub mod error;
/// Extractors that turn requests into typed values or reject them with `ApiError`.
pub mod extract;
/// File links at work: the links export payloads carry, issued with their expiry.
pub mod file_links;
/// `sdemu healthcheck`: the container health probe.
pub mod healthcheck;
/// The lifecycle at work: due steps applied in time order, runs started, per-task controls.
pub mod lifecycle;
/// The OpenAPI 3.1 description, generated from the handlers and wire types; `sdemu openapi`.
pub mod openapi;
/// The webhook outbox: the bounded queue of exports to deliver and who waits for them.
pub mod outbox;
/// Success responses: the JSON content type, a typed JSON body, the empty response.
pub mod response;
/// The HTTP handlers of the emulated API, one file per API resource.
pub mod routes;
/// Start-up: database, migrations, fixtures and fault rules into an `AppState`.
pub mod startup;
/// `AppState` and the control plane's runtime state.
pub mod state;
/// The SQL for each resource, with dynamic filters built from bound parameters only.
pub mod store;
/// Logging: the subscriber (pretty or JSON), set up once, and the one-line-per-request log.
pub mod telemetry;
/// Webhook delivery: pending exports POSTed outside any transaction, outcomes applied after.
pub mod webhooks;
