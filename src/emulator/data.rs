//! The data a test works against: reset to the start-up state, seed a fixture document,
//! read the whole state back as one.

use std::collections::HashMap;

use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use serde::Serialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

use crate::demo;
use crate::domain::fixture::{
    self, Catalogues, Dataset, FixtureDocument, FixtureForm, FixtureProblem, SECTIONS,
};
use crate::error::responses::{AdminTokenRequired, ControlPlaneBodyTooLarge, QueryTooLong};
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::body::read_control_json_text;
use crate::extract::Admin;
use crate::extract::QueryParams;
use crate::response::Json;
use crate::state::AppState;
use crate::store;
use crate::store::dataset::StartupTasks;

/// How many of each thing is loaded, per fixture section: the answer of reset and seed.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Counts {
    pub organizations: usize,
    /// Catalogue additions only.
    pub task_statuses: usize,
    /// Catalogue additions only.
    pub integration_statuses: usize,
    pub workspaces: usize,
    pub batches: usize,
    pub tasks: usize,
    /// Webhook export configurations.
    pub webhooks: usize,
    /// Captured export payloads.
    pub exports: usize,
    /// Speaker lists (workspaces' and tasks' own).
    pub speakers: usize,
    /// Invited users (organizations' and workspaces').
    pub users: usize,
    /// How the seed was applied (seed only).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub mode: Option<SeedMode>,
}

impl Counts {
    fn of(dataset: &Dataset) -> Self {
        Self {
            organizations: dataset.organizations.len(),
            task_statuses: dataset.task_statuses.len(),
            integration_statuses: dataset.integration_statuses.len(),
            workspaces: dataset.workspaces.len(),
            batches: dataset.batches.len(),
            tasks: dataset.tasks.len(),
            webhooks: dataset.webhooks.len(),
            exports: dataset.exports.len(),
            speakers: dataset.speakers.len(),
            users: dataset.users.len(),
            mode: None,
        }
    }
}

/// Back to the start-up state
///
/// Reloads the start-up fixtures (organizations, catalogues, workspaces, batches, tasks,
/// webhook export configurations and captured export payloads: those added since are removed),
/// sets the clock back to how it started, restarts demo mode's generator (from the clock's
/// reading, counter at zero), empties the journal and the delivery journal, and restores the start-up fault rules, counters afresh.
/// Issued access tokens stay valid.
#[utoipa::path(
    post,
    path = "/_emulator/reset",
    operation_id = "reset",
    tag = "Emulator",
    security((), ("adminToken" = [])),
    responses(
        (status = 200, description = "What is now loaded", body = Counts),
        (status = 401, response = AdminTokenRequired),
    )
)]
pub async fn reset(_admin: Admin, State(state): State<AppState>) -> ApiResult<Json<Counts>> {
    // The clock first, so that the data and the demo generator are restarted together, in
    // one transaction, at the reset clock's reading.
    state.clock.reset();
    // On the writers' runtime, as every long write: its turn is not stretched by the
    // HTTP tasks queued on the server's runtime.
    let writer = state.clone();
    state
        .run_write(async move {
            let mut tx = writer.begin_write().await?;
            store::dataset::restore_startup(&mut tx, &writer.startup_dataset, writer.startup_tasks)
                .await?;
            demo::restart(&mut tx, &writer, writer.clock.now().timestamp()).await?;
            tx.commit().await
        })
        .await?;
    state.emulator.deliveries.clear();
    state.emulator.journal.clear();
    state.emulator.faults.restore();
    let mut counts = Counts::of(&state.startup_dataset);
    if let StartupTasks::InDatabase { count } = state.startup_tasks {
        counts.tasks = count;
    }
    Ok(Json::ok(counts))
}

/// How `POST /_emulator/seed` applies its document (`?mode=`, any case).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
#[schema(default = json!(SeedMode::Replace))]
pub enum SeedMode {
    /// Swap the whole data set for the document (the default).
    Replace,
    /// Add the document to what is loaded; anything that clashes is an error.
    Merge,
}

/// Load a fixture document
///
/// Loads a fixture document (the `--fixtures` format). `replace` (the default) swaps the
/// whole data set for the document, its webhook configurations replacing all; `merge` adds
/// it to what is loaded, and anything that clashes (a taken id, a taken `webhookId`, an
/// external id already used, a second default) is an error. The
/// document is validated in full first (for merge, together with the current state) and
/// applied in one transaction: on any problem, `400` with every problem listed in `errors`
/// and nothing changed.
#[utoipa::path(
    post,
    path = "/_emulator/seed",
    operation_id = "seed",
    tag = "Emulator",
    security((), ("adminToken" = [])),
    params(
        ("mode" = Option<SeedMode>, Query, description = "`replace` (the default) or `merge`, in any case."),
    ),
    request_body = FixtureForm,
    responses(
        (status = 200, description = "What is now loaded, and the mode", body = Counts),
        (status = 400, description = "Every problem of the document (item, field, message) in \
            `errors`, a body that is not JSON, or a bad mode", content_type = "application/problem+json", body = Problem),
        (status = 401, response = AdminTokenRequired),
        (status = 413, response = ControlPlaneBodyTooLarge),
        (status = 414, response = QueryTooLong),
        (status = 503, description = "Another seed is being loaded (`Retry-After: 1`)", content_type = "application/problem+json", body = Problem),
    )
)]
pub async fn seed(
    _admin: Admin,
    State(state): State<AppState>,
    query: QueryParams,
    request: Request,
) -> ApiResult<Json<Counts>> {
    let mode = match query.raw_first("mode") {
        None => SeedMode::Replace,
        Some(mode) if mode.eq_ignore_ascii_case("replace") => SeedMode::Replace,
        Some(mode) if mode.eq_ignore_ascii_case("merge") => SeedMode::Merge,
        Some(mode) => {
            return Err(ApiError::invalid_parameter(
                "mode",
                mode,
                "replace or merge",
            ))
        }
    };
    // One seed at a time, taken before the body is read: parallel seeds would each hold a
    // parsed document (several times its size) at once.
    let Ok(_seeding) = state.emulator.seeding.try_lock() else {
        return Err(Problem::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "seed-in-progress",
            "Another seed is being loaded; send this one again when it has finished.",
        )
        .with_header(header::RETRY_AFTER, HeaderValue::from_static("1"))
        .into());
    };
    let text = read_control_json_text(request.into_body()).await?;
    let catalogues = store::dataset::builtin_catalogues(&state.db).await?;
    let allow_public = state.config.webhook_allow_public;
    // Parsed here; written in a turn on the writers' runtime (`AppState::run_write`), so the
    // turn is not stretched by the HTTP tasks queued on the server's runtime.
    let writer = state.clone();
    let counts = match mode {
        SeedMode::Replace => {
            // Read item by item from the text: no tree of the whole document.
            let dataset = fixture::load(&text, &catalogues, allow_public)
                .map_err(|e| invalid_fixture(e.0))?;
            state
                .run_write(async move {
                    let _turn = writer.write_turn().await;
                    store::dataset::replace(&writer.db, &dataset).await?;
                    ApiResult::Ok(Counts::of(&dataset))
                })
                .await?
        }
        SeedMode::Merge => {
            let document: serde_json::Value =
                serde_json::from_str(&text).map_err(anyhow::Error::from)?;
            state
                .run_write(merge(writer, document, catalogues, allow_public))
                .await?
        }
    };
    Ok(Json::ok(Counts {
        mode: Some(mode),
        ..counts
    }))
}

/// A merging seed's write: the document united with what is held, validated as a whole, and
/// its own items written, in one write transaction.
async fn merge(
    state: AppState,
    document: Value,
    catalogues: Catalogues,
    allow_public: bool,
) -> ApiResult<Counts> {
    let with_tasks = adds_task_sections(&document);
    // Write-locked from the start: a deferred transaction that read the state and then wrote
    // would fail (SQLITE_BUSY_SNAPSHOT, a 500) whenever another request wrote in between;
    // this one waits for it instead (busy timeout).
    let mut tx = state.begin_write().await?;
    let current = if with_tasks {
        store::dataset::export(&mut tx).await?
    } else {
        store::dataset::export_without_tasks(&mut tx).await?
    };
    let current = serde_json::to_value(current).map_err(anyhow::Error::from)?;
    let (union, origins) = union_of(current, document);
    let dataset = fixture::load_value(union, &catalogues, allow_public)
        .map_err(|e| invalid_fixture(relabel(e.0, &origins)))?;
    // What is held is stored already (lifecycle, history and export states included): only
    // the document's own items are written.
    store::dataset::insert(&mut tx, &added_by_merge(&dataset, &origins)).await?;
    let mut counts = Counts::of(&dataset);
    if !with_tasks {
        counts.tasks = store::dataset::task_count(&mut tx).await?;
    }
    tx.commit().await?;
    Ok(counts)
}

/// Whether a merging seed's document adds to the sections checked against the tasks held
/// (tasks, export payloads, speaker lists); a bare array is a list of tasks.
fn adds_task_sections(document: &Value) -> bool {
    match document {
        Value::Object(sections) => ["tasks", "exports", "speakers"]
            .iter()
            .any(|name| sections.contains_key(*name)),
        _ => true,
    }
}

/// The whole state as a fixture document
///
/// Everything loaded, as a fixture document in the object form with every section
/// (catalogue additions only; webhook configurations with their `webhookId`; captured export
/// payloads). Seeding what this returns (`mode=replace`) reproduces the same
/// state.
#[utoipa::path(
    get,
    path = "/_emulator/state",
    operation_id = "getState",
    tag = "Emulator",
    security((), ("adminToken" = [])),
    responses(
        (status = 200, description = "The state", body = FixtureDocument),
        (status = 401, response = AdminTokenRequired),
    )
)]
pub async fn state(
    _admin: Admin,
    State(state): State<AppState>,
) -> ApiResult<Json<FixtureDocument>> {
    let mut tx = state.db.begin().await?;
    let document = store::dataset::export(&mut tx).await?;
    tx.commit().await?;
    Ok(Json::ok(document))
}

fn invalid_fixture(problems: Vec<FixtureProblem>) -> ApiError {
    Problem::new(
        StatusCode::BAD_REQUEST,
        "invalid-fixture",
        format!(
            "The fixture document has {} problem(s); nothing was changed.",
            problems.len()
        ),
    )
    .with("errors", problems)
    .into()
}

/// Where the items of one section of a merged document came from: the first `held` are the
/// current state's, the rest are the seed document's items at `seed_positions`.
#[derive(Debug, Default)]
struct Origins {
    held: usize,
    seed_positions: Vec<usize>,
}

/// The current state (an exported document) followed by a seed document, section by
/// section, and where each item came from. Catalogue entries the seed restates exactly are
/// dropped, so that fixtures needing the same addition can be merged one after another.
/// Whatever is not a section array is kept as it is for validation to report.
fn union_of(current: Value, seed: Value) -> (Value, HashMap<String, Origins>) {
    let Value::Object(mut union) = current else {
        return (seed, HashMap::new());
    };
    let mut origins: HashMap<String, Origins> = SECTIONS
        .iter()
        .map(|name| {
            let held = union
                .get(*name)
                .and_then(Value::as_array)
                .map_or(0, Vec::len);
            (
                (*name).to_owned(),
                Origins {
                    held,
                    seed_positions: Vec::new(),
                },
            )
        })
        .collect();
    let seed = match seed {
        Value::Array(tasks) => Map::from_iter([("tasks".to_owned(), Value::Array(tasks))]),
        Value::Object(sections) => sections,
        other => return (other, HashMap::new()),
    };
    for (name, value) in seed {
        match (union.get_mut(&name), value) {
            (Some(Value::Array(held)), Value::Array(added)) => {
                let catalogue = name == "taskStatuses" || name == "integrationStatuses";
                let positions = &mut origins.entry(name.clone()).or_default().seed_positions;
                for (position, item) in added.into_iter().enumerate() {
                    if !(catalogue && held.contains(&item)) {
                        held.push(item);
                        positions.push(position);
                    }
                }
            }
            (_, value) => {
                union.insert(name, value);
            }
        }
    }
    (Value::Object(union), origins)
}

/// The items a merge adds: each section of the validated union without the items the
/// current state held (validation keeps every section in document order).
fn added_by_merge(union: &Dataset, origins: &HashMap<String, Origins>) -> Dataset {
    fn after_held<T: Clone>(
        items: &[T],
        origins: &HashMap<String, Origins>,
        section: &str,
    ) -> Vec<T> {
        let held = origins.get(section).map_or(0, |origin| origin.held);
        items.get(held..).unwrap_or_default().to_vec()
    }
    Dataset {
        organizations: after_held(&union.organizations, origins, "organizations"),
        task_statuses: after_held(&union.task_statuses, origins, "taskStatuses"),
        integration_statuses: after_held(
            &union.integration_statuses,
            origins,
            "integrationStatuses",
        ),
        workspaces: after_held(&union.workspaces, origins, "workspaces"),
        batches: after_held(&union.batches, origins, "batches"),
        tasks: after_held(&union.tasks, origins, "tasks"),
        webhooks: after_held(&union.webhooks, origins, "webhooks"),
        exports: after_held(&union.exports, origins, "exports"),
        speakers: after_held(&union.speakers, origins, "speakers"),
        users: after_held(&union.users, origins, "users"),
    }
}

/// Problems of a merged document name items by their position in the union; point them at
/// the seed document (`tasks[0]`) or at the current state (`current tasks[12]`) instead.
fn relabel(
    problems: Vec<FixtureProblem>,
    origins: &HashMap<String, Origins>,
) -> Vec<FixtureProblem> {
    problems
        .into_iter()
        .map(|mut problem| {
            for (section, origin) in origins {
                let Some(rest) = problem.item.strip_prefix(&format!("{section}[")) else {
                    continue;
                };
                let Some((index, tail)) = rest.split_once(']') else {
                    continue;
                };
                let Ok(index) = index.parse::<usize>() else {
                    continue;
                };
                problem.item = match index.checked_sub(origin.held) {
                    None => format!("current {section}[{index}]{tail}"),
                    Some(added) => {
                        let position = origin.seed_positions.get(added).copied().unwrap_or(added);
                        format!("{section}[{position}]{tail}")
                    }
                };
                break;
            }
            problem
        })
        .collect()
}
