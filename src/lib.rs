//! sdemu: a local emulator of the SmartDocumentor cloud API.
//!
//! A tour for a new reader, in the order a request travels:

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
/// The HTTP handlers, one file per API resource.
pub mod routes;
/// The SQL for each resource, with dynamic filters built from bound parameters only.
pub mod store;
/// Logging set-up (pretty or JSON), done once at start-up.
pub mod telemetry;
