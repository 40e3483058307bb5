//! Demo mode at work (`--demo`): the generator that creates a new task in the default
//! organization's workspaces every `--demo-interval` seconds of the emulator's clock, now and
//! then in a new batch, and keeps the organization within `--demo-max-tasks`.
//!
//! It runs inside `lifecycle::catch_up`, in its write transaction, so demo tasks appear with
//! the lifecycle's guarantees: before any answer, at the time of their slot (`createdOn` is
//! the slot, not the moment it was noticed), with their runs started then (cause `created`)
//! and their due steps applied by the same catch-up. Tasks and batches are created through
//! the store paths of Create Task and Create Batch. The rules (slots, draws, names) are in
//! `domain::demo`; the generator's state is a row of the database, written in the same
//! transaction as the tasks it creates.

use chrono::DateTime;
use sqlx::SqliteConnection;

use crate::domain::demo::{DemoDocument, DemoSettings, WorkspaceKind};
use crate::domain::time::{to_ticks, BatchTime, TaskTime};
use crate::state::AppState;
use crate::store::batches::{self, NewBatch};
use crate::store::demo::{self as store, GeneratorState};
use crate::store::tasks::{self, CreateError, NewTask, QueuedRun};
use crate::store::workspaces;

/// Whether a demo slot is due by `now`: cheap (one row read, no write lock), and false
/// without `--demo`.
pub async fn is_due(state: &AppState, now: i64) -> sqlx::Result<bool> {
    if !state.demo.enabled {
        return Ok(false);
    }
    Ok(store::last_slot_at(&state.db)
        .await?
        .is_some_and(|last| state.demo.next_slot_at(last) <= now))
}

/// Starts the generator afresh at `now`: counter 0, no batch (reset), inside the caller's
/// transaction.
pub async fn restart(conn: &mut SqliteConnection, state: &AppState, now: i64) -> sqlx::Result<()> {
    if !state.demo.enabled {
        return Ok(());
    }
    let fresh = GeneratorState {
        last_slot_at: now,
        counter: 0,
        batch_id: None,
        batch_cycle: None,
    };
    store::save(conn, &fresh).await
}

/// A workspace demo tasks go to.
struct DemoWorkspace {
    workspace_id: i64,
    tenant_id: i64,
    kind: WorkspaceKind,
}

/// Creates every demo task whose slot is due by `now`, each at its slot time, then removes
/// the organization's oldest tasks beyond the cap. Returns the time of the last task created,
/// if any. Slots are counted even when the default organization has no workspace (nothing
/// is created for them).
pub async fn generate(
    conn: &mut SqliteConnection,
    state: &AppState,
    now: i64,
) -> sqlx::Result<Option<i64>> {
    let settings = &state.demo;
    if !settings.enabled {
        return Ok(None);
    }
    let Some(mut generator) = store::load(conn).await? else {
        return Ok(None);
    };
    let due = settings.due_slots(generator.last_slot_at, generator.counter, now);
    if due.counter == generator.counter {
        return Ok(None);
    }
    let demo_workspaces: Vec<DemoWorkspace> = workspaces::of_default_organization(conn)
        .await?
        .into_iter()
        .map(|w| DemoWorkspace {
            workspace_id: w.workspace_id,
            tenant_id: w.tenant_id,
            kind: WorkspaceKind::of(&w.workspace_name, w.workspace_template_name.as_deref()),
        })
        .collect();
    let kinds: Vec<WorkspaceKind> = demo_workspaces.iter().map(|w| w.kind).collect();
    let mut latest = None;
    for slot in &due.slots {
        let batch = match DemoSettings::batch_cycle(slot.index) {
            Some(cycle) => {
                batch_for(
                    conn,
                    settings,
                    &mut generator,
                    &demo_workspaces,
                    &kinds,
                    cycle,
                    slot.at,
                )
                .await?
            }
            None => None,
        };
        let (workspace, batch_id) = match batch {
            Some((index, batch_id)) => (&demo_workspaces[index], Some(batch_id)),
            None => match settings.workspace_for_task(slot.index, &kinds) {
                Some(index) => (&demo_workspaces[index], None),
                None => continue,
            },
        };
        let document = settings.document(slot.index, slot.at, workspace.kind);
        let run = QueuedRun::new(&state.lifecycle, slot.at, "created");
        if create_task(conn, workspace, batch_id, document, &run).await? {
            latest = Some(slot.at);
        }
    }
    generator.last_slot_at = due.last_slot_at;
    generator.counter = due.counter;
    store::save(conn, &generator).await?;
    if let (Some(workspace), Some(_)) = (demo_workspaces.first(), latest) {
        store::trim(conn, workspace.tenant_id, settings.max_tasks).await?;
    }
    Ok(latest)
}

/// The batch of `cycle` (an index into `workspaces`, and its id): the generator's current
/// batch when it was opened for this cycle and still exists, else a new one created at `at`.
async fn batch_for(
    conn: &mut SqliteConnection,
    settings: &DemoSettings,
    generator: &mut GeneratorState,
    workspaces: &[DemoWorkspace],
    kinds: &[WorkspaceKind],
    cycle: i64,
    at: i64,
) -> sqlx::Result<Option<(usize, i64)>> {
    let Some(first) = workspaces.first() else {
        return Ok(None);
    };
    if let (Some(batch_id), Some(current)) = (generator.batch_id, generator.batch_cycle) {
        if current == cycle {
            if let Some(batch) = batches::find(&mut *conn, first.tenant_id, batch_id).await? {
                if let Some(index) = workspaces
                    .iter()
                    .position(|w| w.workspace_id == batch.workspace_id)
                {
                    return Ok(Some((index, batch_id)));
                }
            }
        }
    }
    let Some(index) = settings.workspace_for_batch(cycle, kinds) else {
        return Ok(None);
    };
    let workspace = &workspaces[index];
    let named = settings.batch(cycle, at, workspace.kind);
    let created_on = DateTime::from_timestamp(at, 0).map_or(0, to_ticks);
    let new_batch = NewBatch {
        tenant_id: workspace.tenant_id,
        workspace_id: workspace.workspace_id,
        display_name: &named.display_name,
        description: named.description.as_deref(),
        created_on: BatchTime(created_on),
    };
    let created = batches::create_in(conn, &new_batch).await?;
    generator.batch_id = created.as_ref().map(|batch| batch.batch_id);
    generator.batch_cycle = Some(cycle);
    Ok(created.map(|batch| (index, batch.batch_id)))
}

/// Creates one demo task, queued with its run started, through Create Task's store path,
/// and says whether it was. An external id another task of the organization already has is
/// dropped (the task is created without one); a task that cannot be created at all (its
/// workspace or batch removed meanwhile) is skipped.
async fn create_task(
    conn: &mut SqliteConnection,
    workspace: &DemoWorkspace,
    batch_id: Option<i64>,
    document: DemoDocument,
    run: &QueuedRun,
) -> sqlx::Result<bool> {
    let mut context = serde_json::Map::new();
    context.insert("url".into(), document.url.into());
    if let Some(language) = document.transcript_language {
        context.insert("transcriptLanguage".into(), language.into());
    }
    let mut task = NewTask {
        tenant_id: workspace.tenant_id,
        workspace_id: workspace.workspace_id,
        batch_id,
        external_id: document.external_id,
        display_name: Some(document.display_name),
        description: document.description,
        priority: 1,
        created_on: TaskTime(run.at),
        context: serde_json::Value::Object(context).to_string(),
        task_assignment: None,
        custom_form_values: None,
    };
    loop {
        match tasks::create_queued(conn, &task, run).await {
            Ok(_) => return Ok(true),
            Err(CreateError::DuplicateExternalId) if task.external_id.is_some() => {
                task.external_id = None;
            }
            Err(CreateError::Database(error)) => return Err(error),
            Err(_) => return Ok(false),
        }
    }
}
