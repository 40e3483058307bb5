//! The lowest layer: rules and wire types that are neither HTTP nor SQL. Nothing here imports
//! axum or sqlx, so every rule can be tested as plain Rust and every layer above can use it.

/// Client credentials, access tokens and the organizations `--client` adds.
pub mod auth;
/// The fixture document (`--fixtures`, the demo data) and its validation into a `Dataset`.
pub mod fixture;
/// The documented length limits of task and batch text fields.
pub mod limits;
/// Pagination: the page asked for and the envelope sent back.
pub mod page;
/// The `sort` query parameter: property names and directions.
pub mod sort;
/// Date-times as the API reads them in queries and writes them in responses.
pub mod time;
