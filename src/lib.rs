//! sdemu: a local emulator of the SmartDocumentor cloud API.
//!
//! A tour for a new reader. Start at `app::build_router`: every request passes its layers
//! (request id, log line, CORS, journal and faults), then meets `extract` (query, body and
//! bearer token, each rejected with an `ApiError`), a handler in `routes` (or `emulator` for
//! the control plane), and the SQL in `store`. `domain` holds the rules that are neither HTTP
//! nor SQL; `main.rs` only reads `config`, starts `telemetry` and serves.

/// `AppState`, `build_router` (the one place layers are stacked) and `serve`.
pub mod app;
/// The injectable clock, so tests control time instead of sleeping.
pub mod clock;
/// Command-line options and `SDEMU_*` environment variables: the configuration reference.
pub mod config;
/// SQLite pool options and migrations.
pub mod db;
/// Wire formats and rules that are not HTTP or SQL: times, sorting, the fixture document.
pub mod domain;
/// The control plane under `/_emulator/`: health, reset, seed, state, journal, faults.
pub mod emulator;
/// `ApiError`: the status, headers and body of every failure sdemu sends.
pub mod error;
/// Extractors that turn requests into typed values or reject them with `ApiError`.
pub mod extract;
/// `sdemu healthcheck`: the container health probe.
pub mod healthcheck;
/// The OpenAPI 3.1 description, generated from the handlers and wire types; `sdemu openapi`.
pub mod openapi;
/// The HTTP handlers, one file per API resource.
pub mod routes;
/// The SQL for each resource, with dynamic filters built from bound parameters only.
pub mod store;
/// Logging: the subscriber (pretty or JSON), set up once, and the one-line-per-request log.
pub mod telemetry;
