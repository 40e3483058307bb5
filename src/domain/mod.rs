//! The lowest layer: rules and wire types that are neither HTTP nor SQL. Nothing here imports
//! axum or sqlx, so every rule can be tested as plain Rust and every layer above can use it.

/// Client credentials, access tokens and the organizations `--client` adds.
pub mod auth;
/// A batch as the API returns it.
pub mod batch;
/// The control plane's reserved path prefix.
pub mod control_plane;
/// The webhook delivery journal: every attempt, bounded, newest first.
pub mod deliveries;
/// Demo mode: when demo tasks are due, where they go, what they are called.
pub mod demo;
/// Durations the control plane reads: seconds or ISO 8601.
pub mod duration;
/// What a reviewed task exports: Get Export Data, the webhook payloads, the made-up
/// transcript and entities, and the files behind the file links.
pub mod export;
/// Fault rules (what users write) and the engine that applies them to requests.
pub mod faults;
/// The fixture document (`--fixtures`, the demo data) and its validation into a `Dataset`.
pub mod fixture;
/// The request journal: a bounded ring of what clients sent, credentials redacted.
pub mod journal;
/// The processing lifecycle: next steps, their durations, seeded outcomes.
pub mod lifecycle;
/// The documented length limits of task and batch text fields.
pub mod limits;
/// Pagination: the page asked for and the envelope sent back.
pub mod page;
/// The problem list of a user-written document (a fixture, fault rules): item, field, message.
pub mod problems;
/// The `sort` query parameter: property names and directions.
pub mod sort;
/// Transcript speakers: workspace and task speakers, their rules, transcripts workspaces.
pub mod speakers;
/// A task as the API returns it.
pub mod task;
/// Date-times as the API reads them in queries and writes them in responses.
pub mod time;
/// Invited users: the available roles, invitations and their rules (emails, roles).
pub mod users;
/// Webhook export configurations, their validation, payloads and allowed destinations.
pub mod webhooks;
