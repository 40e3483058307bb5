//! The lifecycle at work: applying every step that falls due, in time order, starting a
//! run when a task is created or reprocessed, and the per-task controls of the control plane
//! (force a status, run the next step now, review). The rules come from
//! `domain::lifecycle`, the SQL from `store::lifecycle`; this module holds them together
//! with the emulator's clock.
//!
//! Due steps are applied lazily, before every API request and control-plane read, and by a
//! background ticker on the real clock, so a read never sees a step that is due but not
//! applied. All of one catch-up happens in one write transaction: a reader sees the state
//! before it or after it, never a mix.

use std::time::Duration;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sqlx::SqliteConnection;

use crate::demo;
use crate::domain::control_plane::is_control_plane;
use crate::error::ApiError;
use crate::response::cache::cached;
use crate::webhooks;

use crate::domain::lifecycle::{LifecycleSettings, ARCHIVED};
use crate::state::AppState;
use crate::store::lifecycle::{self as store, DueStep, LifecycleRow};
use crate::store::tasks::{self, CreateError, CreatedTask, NewTask, QueuedRun, TaskRef};
use crate::store::webhooks as store_webhooks;
use crate::store::writer::WriteTx;

/// Applies every step due by the emulator's clock, in time order (ties by task id), and
/// returns how many. Cheap when nothing is due: one index probe, no write lock.
///
/// In demo mode the demo tasks whose slots are due are created first, at their slot times,
/// in the same transaction: their own due steps are then applied with everyone else's.
///
/// Then the webhook exports those steps made pending (the automatic reviewer's finished
/// reviews) are delivered by the worker, and this waits for their outcomes, so the control
/// plane's answer shows the task archived or back in ToReview.
pub async fn catch_up(state: &AppState) -> sqlx::Result<usize> {
    let (applied, exports) = apply_due_steps(state).await?;
    webhooks::deliver_and_wait(state, &exports).await;
    Ok(applied)
}

/// [`catch_up`] for API requests and the ticker: the exports made pending are queued for
/// the worker, not waited for, so a slow receiver never holds a client of the API.
pub async fn catch_up_in_background(state: &AppState) -> sqlx::Result<usize> {
    let (applied, exports) = apply_due_steps(state).await?;
    webhooks::deliver_later(state, &exports);
    Ok(applied)
}

/// Applies the due steps in one transaction; returns how many, and the tasks whose export
/// became pending (the caller delivers them once the transaction is committed).
async fn apply_due_steps(state: &AppState) -> sqlx::Result<(usize, Vec<i64>)> {
    let now = state.clock.now().timestamp();
    // Cached while the data does not change (`response::cache`): most requests then ask
    // the database nothing here.
    let earliest = cached(&state.caches.earliest_due, &(), || {
        store::earliest_due(&state.db)
    })
    .await?;
    let step_due = earliest.is_some_and(|earliest| earliest <= now);
    if !step_due && !demo::is_due(state, now).await? {
        return Ok((0, Vec::new()));
    }
    // Write-locked from the start, so two catch-ups never apply the same step twice (or
    // create the same demo task twice): the second waits, then finds it done.
    let writer = state.clone();
    state
        .run_write(async move { apply_steps_due_by(&writer, now).await })
        .await
}

/// [`apply_due_steps`]' write, on the writers' runtime.
async fn apply_steps_due_by(state: &AppState, now: i64) -> sqlx::Result<(usize, Vec<i64>)> {
    let mut tx = state.begin_write().await?;
    let mut applied = 0;
    let mut exports = Vec::new();
    let mut latest = demo::generate(&mut tx, state, now).await?;
    loop {
        let round = store::next_due_round(&mut tx, now).await?;
        if round.is_empty() {
            break;
        }
        for step in round {
            latest = latest.max(Some(step.next_step_at));
            exports.extend(apply_due(&mut tx, &state.lifecycle, &step).await?);
            applied += 1;
        }
    }
    tx.commit().await?;
    if let Some(at) = latest.and_then(|at| chrono::DateTime::from_timestamp(at, 0)) {
        state.clock.mark_applied(at);
    }
    Ok((applied, exports))
}

/// The middleware in front of the emulated API: every step due by now is applied before the
/// request is handled, so no answer shows a task behind the clock.
pub async fn catch_up_first(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    if !is_control_plane(request.uri().path()) {
        if let Err(error) = catch_up_in_background(&state).await {
            return ApiError::from(error).into_response();
        }
    }
    next.run(request).await
}

/// Applies one due step at its own due time and schedules the one after it; returns the
/// task's id when the step finished a review whose webhooks are now to be delivered.
async fn apply_due(
    conn: &mut SqliteConnection,
    settings: &LifecycleSettings,
    step: &DueStep,
) -> sqlx::Result<Option<i64>> {
    let change = settings.change_to(
        step.task_id,
        step.restart_count,
        step.planned_outcome,
        step.document_url.as_deref(),
        step.next_status,
        step.next_step_at,
    );
    if step.next_status == ARCHIVED && store_webhooks::task_has_webhooks(conn, step.task_id).await?
    {
        // The automatic reviewer finished the review: the task stays InReview until its
        // webhooks are delivered (after this transaction).
        store_webhooks::mark_pending(conn, step.task_id).await?;
        return Ok(Some(step.task_id));
    }
    store::apply(conn, &change, Some(step.task_status), "lifecycle").await?;
    Ok(None)
}

/// Create Task's write: the task inserted, queued and its run started, in one turn at the
/// write gate and one round trip (see `store::tasks::create_queued`), on the writers'
/// runtime.
pub async fn create_task(state: &AppState, task: NewTask) -> Result<CreatedTask, CreateError> {
    let writer = state.clone();
    state
        .run_write(async move {
            let state = writer;
            let at = state.clock.now().timestamp();
            let mut tx = state.begin_write().await?;
            let run = QueuedRun::new(&state.lifecycle, at, "created");
            let created = tasks::create_queued(&mut tx, &task, &run).await?;
            tx.commit().await?;
            mark(&state, at);
            Ok(created)
        })
        .await
}

/// What Reprocess Task did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Restart {
    /// The task is back in the queue with a new run.
    Restarted,
    /// The organization has no such task.
    NotFound,
    /// The task is in Task History (Deleting or Deleted): its status, by code and name;
    /// nothing changed.
    InTaskHistory {
        task_status: i64,
        task_status_text: String,
    },
}

/// Reprocess Task's write: the task (of organization `tenant_id`) back in the queue with a
/// new run, unless it is in Task History, in one turn at the write gate on the writers'
/// runtime. The status is read and checked in the same transaction as the write, so a step
/// that archives the task just before (a review finished, a webhook outcome) is seen: the
/// task is then refused, not taken out of Task History, and the transition recorded leaves
/// the status the task really had.
pub async fn restart_task(
    state: &AppState,
    tenant_id: i64,
    task: TaskRef,
) -> sqlx::Result<Restart> {
    let writer = state.clone();
    state
        .run_write(async move {
            let state = writer;
            let at = state.clock.now().timestamp();
            let mut tx = state.begin_write().await?;
            let Some(current) = tasks::find(&mut *tx, tenant_id, &task).await? else {
                return Ok(Restart::NotFound);
            };
            if !crate::domain::lifecycle::can_reprocess(current.task_status) {
                return Ok(Restart::InTaskHistory {
                    task_status: current.task_status,
                    task_status_text: current.task_status_text,
                });
            }
            let run = QueuedRun::new(&state.lifecycle, at, "reprocessed");
            tasks::restart(&mut tx, current.task_id, current.task_status, &run).await?;
            tx.commit().await?;
            mark(&state, at);
            Ok(Restart::Restarted)
        })
        .await
}

fn mark(state: &AppState, at: i64) {
    if let Some(at) = chrono::DateTime::from_timestamp(at, 0) {
        state.clock.mark_applied(at);
    }
}

/// Why a per-task control was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ControlRefusal {
    /// No task has this id.
    UnknownTask,
    /// The code is not in the task status catalogue.
    UnknownTaskStatus(i64),
    /// The code is not in the integration status catalogue.
    UnknownIntegrationStatus(i64),
    /// The task has no next step (its status does not move by itself).
    NoNextStep { task_status: i64 },
    /// A review step asked of a task in another status.
    NotReviewable { task_status: i64 },
    /// Reprocessing asked of a task in Task History (Deleting or Deleted).
    InTaskHistory { task_status: i64 },
}

/// One per-task control in progress: due steps caught up, the write transaction open, the
/// task read. Every control then decides the status to move to, or refuses (and the
/// transaction is dropped, so nothing changes).
struct TaskControl {
    tx: WriteTx,
    task: LifecycleRow,
    at: i64,
}

impl TaskControl {
    async fn open(state: &AppState, task_id: i64) -> sqlx::Result<Result<Self, ControlRefusal>> {
        catch_up(state).await?;
        let at = state.clock.now().timestamp();
        let mut tx = state.begin_write().await?;
        Ok(match store::find(&mut tx, task_id).await? {
            Some(task) => Ok(Self { tx, task, at }),
            None => Err(ControlRefusal::UnknownTask),
        })
    }

    /// Moves the task to `to_status` now, records why, and commits.
    async fn finish(mut self, state: &AppState, to_status: i64, cause: &str) -> sqlx::Result<()> {
        let change = self.task.change_to(&state.lifecycle, to_status, self.at);
        store::apply(&mut self.tx, &change, Some(self.task.task_status), cause).await?;
        self.tx.commit().await?;
        mark(state, self.at);
        Ok(())
    }
}

/// Opens a `TaskControl`, or returns its refusal from the calling function.
macro_rules! open_or_refuse {
    ($state:expr, $task_id:expr) => {
        match TaskControl::open($state, $task_id).await? {
            Ok(control) => control,
            Err(refusal) => return Ok(Err(refusal)),
        }
    };
}

/// Forces a task into a catalogued status (and integration status): the step after it is
/// scheduled from now, as if the task had just arrived there. Nothing changes on refusal.
pub async fn force(
    state: &AppState,
    task_id: i64,
    task_status: i64,
    integration_status: Option<i64>,
) -> sqlx::Result<Result<(), ControlRefusal>> {
    let mut control = open_or_refuse!(state, task_id);
    if !store::is_task_status(&mut control.tx, task_status).await? {
        return Ok(Err(ControlRefusal::UnknownTaskStatus(task_status)));
    }
    if let Some(code) = integration_status {
        if !store::is_integration_status(&mut control.tx, code).await? {
            return Ok(Err(ControlRefusal::UnknownIntegrationStatus(code)));
        }
        store::set_integration_status(&mut control.tx, task_id, code).await?;
    }
    control.finish(state, task_status, "forced").await.map(Ok)
}

/// Runs a task's next step now (not at its due time) and schedules the one after it.
pub async fn advance_task(
    state: &AppState,
    task_id: i64,
) -> sqlx::Result<Result<(), ControlRefusal>> {
    let control = open_or_refuse!(state, task_id);
    let Some(next_status) = control.task.next_status else {
        return Ok(Err(ControlRefusal::NoNextStep {
            task_status: control.task.task_status,
        }));
    };
    control.finish(state, next_status, "advanced").await.map(Ok)
}

/// Reprocesses one task as Reprocess Task does (one more restart, back to the queue, a new
/// run), whatever its organization: the control plane's reprocess.
pub async fn reprocess(state: &AppState, task_id: i64) -> sqlx::Result<Result<(), ControlRefusal>> {
    let mut control = open_or_refuse!(state, task_id);
    let from_status = control.task.task_status;
    if !crate::domain::lifecycle::can_reprocess(from_status) {
        return Ok(Err(ControlRefusal::InTaskHistory {
            task_status: from_status,
        }));
    }
    let run = QueuedRun::new(&state.lifecycle, control.at, "reprocessed");
    tasks::restart(&mut control.tx, task_id, from_status, &run).await?;
    control.tx.commit().await?;
    mark(state, control.at);
    Ok(Ok(()))
}

/// The review steps a person takes: start (ToReview → InReview) and finish (ToReview or
/// InReview → Task History).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReviewStep {
    Start,
    Finish,
}

/// Plays the reviewer for one task.
pub async fn review(
    state: &AppState,
    task_id: i64,
    step: ReviewStep,
) -> sqlx::Result<Result<(), ControlRefusal>> {
    use crate::domain::lifecycle::{IN_REVIEW, TO_REVIEW};
    let mut control = open_or_refuse!(state, task_id);
    let to_status = match (step, control.task.task_status) {
        (ReviewStep::Start, TO_REVIEW) => IN_REVIEW,
        (ReviewStep::Finish, TO_REVIEW | IN_REVIEW) => ARCHIVED,
        (_, task_status) => return Ok(Err(ControlRefusal::NotReviewable { task_status })),
    };
    if to_status == ARCHIVED && store_webhooks::is_pending(&mut control.tx, task_id).await? {
        // Its deliveries are already out (another caller finished the review a moment
        // ago): wait for their outcome like that caller does.
        drop(control);
        webhooks::deliver_and_wait(state, &[task_id]).await;
        return Ok(Ok(()));
    }
    if to_status != ARCHIVED || !store_webhooks::task_has_webhooks(&mut control.tx, task_id).await?
    {
        return control.finish(state, to_status, "review").await.map(Ok);
    }
    // The workspace has webhooks: the task waits InReview, its export pending, until every
    // configuration has answered (delivered after this transaction, before this returns).
    if control.task.task_status == TO_REVIEW {
        let change = control
            .task
            .change_to(&state.lifecycle, IN_REVIEW, control.at);
        store::apply(&mut control.tx, &change, Some(TO_REVIEW), "review").await?;
    }
    store_webhooks::mark_pending(&mut control.tx, task_id).await?;
    control.tx.commit().await?;
    mark(state, control.at);
    webhooks::deliver_and_wait(state, &[task_id]).await;
    Ok(Ok(()))
}

/// Applies due steps every `interval` until `shutdown` completes, so that on the real clock
/// tasks move even when nobody asks (the automatic reviewer, and what later hangs off a
/// transition). Errors are logged and retried at the next tick.
pub async fn run_ticker(
    state: AppState,
    interval: Duration,
    shutdown: impl std::future::Future<Output = ()>,
) {
    let mut ticks = tokio::time::interval(interval);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            () = &mut shutdown => return,
            _ = ticks.tick() => {
                if let Err(error) = catch_up_in_background(&state).await {
                    tracing::warn!(error = %error, "lifecycle tick failed; retrying at the next one");
                }
                // Exports a previous run left pending, or a full queue turned away.
                if let Err(error) = webhooks::offer_pending(&state).await {
                    tracing::warn!(error = %error, "queuing the pending exports failed");
                }
            }
        }
    }
}
