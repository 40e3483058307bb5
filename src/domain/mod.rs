/// Client credentials, access tokens and the organizations `--client` adds.
pub mod auth;
/// A batch as the API returns it.
pub mod batch;
/// The fixture document (`--fixtures`, the demo data) and its validation into a `Dataset`.
pub mod fixture;
/// The `sort` query parameter: property names and directions.
pub mod sort;
/// A task as the API returns it.
pub mod task;
/// Date-times as the API reads them in queries and writes them in responses.
pub mod time;
