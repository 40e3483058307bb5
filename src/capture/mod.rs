//! `sdemu capture`: reads an account of a SmartDocumentor service (its workspaces, batches and
//! the Task Status List over a date range, in time windows) and writes a fixture document
//! that `sdemu --fixtures FILE` loads as it is.
//!
//! | Module | Its job |
//! | --- | --- |
//! | `client` | the upstream, politely: token, rate, `Retry-After`, errors naming the request |
//! | `windows` | the date range cut into time windows |
//! | `document` | the fixture document from what was read; catalogue additions; no secret |
//! | `anonymize` | `--anonymize`'s keyed hashes |

mod anonymize;
pub(crate) mod client;
mod document;
mod windows;

use std::collections::{BTreeSet, HashSet};
use std::io::Write;
use std::path::Path;

use anyhow::{bail, Context};
use chrono::{Duration, Utc};
use serde_json::Value;

pub use self::document::{CAPTURED_ORGANIZATION_NAME, PLACEHOLDER_CLIENT_SECRET};

use self::anonymize::Anonymizer;
use self::client::{array, Upstream};
use self::document::Captured;
use self::windows::{query_instant, windows};
use crate::config::CaptureOptions;
use crate::domain::fixture;

const TOKEN_PATH: &str = "/connect/token";
const WORKSPACES_PATH: &str = "/api/v1.0/external/sdworkspace/CurrentWorkspaces";
const STATUS_LIST_PATH: &str = "/api/v1.0/external/sdtask/statuslist";
const BATCH_PAGE_PATH: &str = "/api/v1.0/external/sdbatch/paginated";
const BATCH_PATH: &str = "/api/v1.0/external/sdbatch";

/// Batches asked for per page.
const BATCH_PAGE_SIZE: u32 = 100;

/// The default range when `--from` is not given: this many days before `--to`.
const DEFAULT_RANGE_DAYS: i64 = 365;

/// Runs a capture: reads the upstream, checks the document as `--fixtures` would, and
/// replaces `--out` with it at once. Progress goes to stderr.
pub async fn run(options: &CaptureOptions) -> anyhow::Result<()> {
    let to = options.to.unwrap_or_else(Utc::now);
    let from = options
        .from
        .unwrap_or(to - Duration::days(DEFAULT_RANGE_DAYS));
    if from > to {
        bail!(
            "--from ({}) is after --to ({})",
            query_instant(from),
            query_instant(to)
        );
    }
    // The documented catalogue, from the schema itself, to tell which codes need additions.
    let pool = crate::db::open(None).await?;
    let builtin = crate::store::dataset::builtin_catalogues(&pool).await?;
    pool.close().await;

    let mut upstream = Upstream::new(
        &options.upstream.url,
        &options.upstream.client_id,
        options.upstream.client_secret.expose(),
        options.rate,
    )?;
    eprintln!(
        "capture: taking a token from {}{TOKEN_PATH}",
        options.upstream.url
    );
    upstream
        .sign_in()
        .await
        .context("the upstream refused the client credentials (--client-id, --client-secret)")?;

    let workspaces = read_workspaces(&mut upstream, &options.workspaces).await?;
    eprintln!("capture: {} workspaces", workspaces.len());
    let workspace_filter: String = options
        .workspaces
        .iter()
        .map(|id| format!("&workspaceId={id}"))
        .collect();
    let mut batches = read_batches(&mut upstream, &workspace_filter).await?;
    eprintln!("capture: {} batches", batches.len());
    let tasks = read_tasks(&mut upstream, options, from, to, &workspace_filter).await?;
    batches.extend(missing_batches(&mut upstream, &batches, &tasks).await?);

    let anonymizer = match (options.anonymize, &options.anonymize_key) {
        (false, _) => None,
        (true, Some(key)) => Some(Anonymizer::new(key.expose())),
        (true, None) => bail!("--anonymize needs --anonymize-key"),
    };
    let (workspace_count, batch_count, task_count) = (workspaces.len(), batches.len(), tasks.len());
    let built = document::build(
        Captured {
            client_id: options.upstream.client_id.clone(),
            workspaces,
            batches,
            tasks,
        },
        &builtin,
        anonymizer.as_ref(),
    )?;
    for note in &built.notes {
        eprintln!("capture: note: {note}");
    }
    let additions = built.document["taskStatuses"]
        .as_array()
        .map_or(0, Vec::len)
        + built.document["integrationStatuses"]
            .as_array()
            .map_or(0, Vec::len);
    let mut text = serde_json::to_string_pretty(&built.document)?;
    text.push('\n');
    // What sdemu would say about the file, said now, before it replaces anything.
    fixture::load(&text, &builtin, true)
        .map_err(|errors| anyhow::anyhow!("the capture would not load as a fixture: {errors}"))?;
    write_atomically(&options.out, text.as_bytes())?;
    eprintln!(
        "capture: wrote {}: {workspace_count} workspaces, {batch_count} batches, {task_count} \
         tasks, {additions} catalogue additions; its organization's client secret is the \
         placeholder '{PLACEHOLDER_CLIENT_SECRET}'",
        options.out.display()
    );
    Ok(())
}

/// Get Workspaces, only those of `--workspace` when it is given (each must be the account's).
async fn read_workspaces(upstream: &mut Upstream, wanted: &[i64]) -> anyhow::Result<Vec<Value>> {
    let all = array(
        upstream.get(WORKSPACES_PATH).await?,
        &format!("GET {WORKSPACES_PATH}"),
    )?;
    if wanted.is_empty() {
        return Ok(all);
    }
    let id = |workspace: &Value| workspace.get("workspaceId").and_then(Value::as_i64);
    let known: BTreeSet<i64> = all.iter().filter_map(id).collect();
    if let Some(unknown) = wanted.iter().find(|wanted| !known.contains(wanted)) {
        let known: Vec<String> = known.iter().map(i64::to_string).collect();
        bail!(
            "workspace {unknown} is not one of the account's workspaces ({})",
            known.join(", ")
        );
    }
    Ok(all
        .into_iter()
        .filter(|workspace| id(workspace).is_some_and(|id| wanted.contains(&id)))
        .collect())
}

/// Every batch (of the chosen workspaces), page by page: a task in the range may belong to a
/// batch created before it.
async fn read_batches(
    upstream: &mut Upstream,
    workspace_filter: &str,
) -> anyhow::Result<Vec<Value>> {
    let mut batches = Vec::new();
    for page in 1.. {
        let path = format!(
            "{BATCH_PAGE_PATH}?pageNumber={page}&pageSize={BATCH_PAGE_SIZE}{workspace_filter}"
        );
        let answer = upstream.get(&path).await?;
        let items = array(answer["items"].clone(), &format!("GET {path}: items"))?;
        let done = items.is_empty() || answer["hasNextPage"] != Value::Bool(true);
        batches.extend(items);
        if done {
            break;
        }
    }
    Ok(batches)
}

/// The Task Status List over `[from, to]`, one request per window, each task kept once.
async fn read_tasks(
    upstream: &mut Upstream,
    options: &CaptureOptions,
    from: chrono::DateTime<Utc>,
    to: chrono::DateTime<Utc>,
    workspace_filter: &str,
) -> anyhow::Result<Vec<Value>> {
    let cut = windows(from, to, options.window_days);
    let mut seen = HashSet::new();
    let mut tasks = Vec::new();
    for (index, (start, end)) in cut.iter().enumerate() {
        let query = form_urlencoded::Serializer::new(String::new())
            .append_pair("startDate", &query_instant(*start))
            .append_pair("endDate", &query_instant(*end))
            .finish();
        let path = format!("{STATUS_LIST_PATH}?{query}{workspace_filter}");
        let items = array(upstream.get(&path).await?, &format!("GET {path}"))?;
        let count = items.len();
        for task in items {
            let id = task.get("taskId").and_then(Value::as_i64);
            if id.is_none_or(|id| seen.insert(id)) {
                tasks.push(task);
            }
        }
        eprintln!(
            "capture: tasks {} to {} (window {} of {}): {count}, {} in all",
            query_instant(*start),
            query_instant(*end),
            index + 1,
            cut.len(),
            tasks.len()
        );
    }
    Ok(tasks)
}

/// The batches tasks name that the list did not have (created meanwhile), by Get Batch.
async fn missing_batches(
    upstream: &mut Upstream,
    batches: &[Value],
    tasks: &[Value],
) -> anyhow::Result<Vec<Value>> {
    let listed: HashSet<i64> = batches
        .iter()
        .filter_map(|batch| batch.get("batchId").and_then(Value::as_i64))
        .collect();
    let named: BTreeSet<i64> = tasks
        .iter()
        .filter_map(|task| task.get("batchId").and_then(Value::as_i64))
        .filter(|id| !listed.contains(id))
        .collect();
    let mut found = Vec::new();
    for id in named {
        found.push(upstream.get(&format!("{BATCH_PATH}?batchId={id}")).await?);
    }
    Ok(found)
}

/// Writes `bytes` to a temporary file beside `path`, then renames it over `path`: a failed
/// or interrupted capture leaves the previous file as it was.
fn write_atomically(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let name = path
        .file_name()
        .with_context(|| format!("--out {} names no file", path.display()))?;
    let mut temporary_name = std::ffi::OsString::from(".");
    temporary_name.push(name);
    temporary_name.push(format!(".{}.partial", std::process::id()));
    let temporary = path.with_file_name(temporary_name);
    let written = (|| -> std::io::Result<()> {
        let mut file = std::fs::File::create(&temporary)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&temporary, path)
    })();
    if let Err(error) = written {
        let _ = std::fs::remove_file(&temporary);
        return Err(error).with_context(|| format!("cannot write {}", path.display()));
    }
    Ok(())
}
