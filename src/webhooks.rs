//! Webhook delivery at work: when a task's review finishes and its workspace has webhook
//! configurations, `lifecycle` marks its export pending (in its write transaction);
//! the caller queues it in the outbox; the worker ([`run_worker`](crate::webhooks::run_worker)) then POSTs each
//! configuration's payload with no transaction open, records every attempt in the delivery
//! journal, and applies the outcome in a new transaction: every configuration answered 2xx,
//! the task is archived (Task History); otherwise it goes back to ToReview with the failure
//! kept on it. No retries: the documented answer to a failure is a person reviewing again.
//! Control-plane calls wait for their tasks' deliveries; API requests and the ticker do not.
//!
//! Only `http://` destinations, and by default only loopback and private addresses: the
//! host is resolved again at every delivery and the connection goes to the address that
//! was checked. Logs name the configuration and the task, never the URL or a body.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Bytes;
use hyper::Request;
use hyper_util::rt::TokioIo;
use serde_json::Value;
use tokio::net::TcpStream;
use tokio::sync::Semaphore;

use crate::domain::deliveries::{clip, Delivery};
use crate::domain::export::{payload, ExportSource};
use crate::domain::lifecycle::{ARCHIVED, IN_REVIEW, TO_REVIEW};
use crate::domain::task::TaskStatus;
use crate::domain::webhooks::{check_url, is_private, refused, Webhook};
use crate::file_links;
use crate::outbox::OutboxReceiver;
use crate::state::AppState;
use crate::store;

/// The most of a receiver's body sdemu reads (it keeps 4 KiB of it).
const MAX_READ_BYTES: usize = 1024 * 1024;

/// Checks a configured URL: its form, and that its host resolves to an address deliveries
/// may go to. The message says what is wrong.
pub async fn check_destination(url: &str, allow_public: bool) -> Result<(), String> {
    check_url(url, allow_public)?;
    destination(url, allow_public).await.map(|_| ())
}

/// The address a delivery to `url` connects to: the first its host resolves to that is
/// allowed.
async fn destination(url: &str, allow_public: bool) -> Result<SocketAddr, String> {
    let parsed = url::Url::parse(url).map_err(|error| format!("Not a URL: {error}."))?;
    let host = match parsed.host() {
        Some(url::Host::Domain(name)) => name.to_owned(),
        Some(url::Host::Ipv4(address)) => address.to_string(),
        Some(url::Host::Ipv6(address)) => address.to_string(),
        None => return Err("The URL has no host.".to_owned()),
    };
    let port = parsed.port_or_known_default().unwrap_or(80);
    let addresses: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), port))
        .await
        .map_err(|error| format!("Cannot resolve {host}: {error}."))?
        .collect();
    let first = addresses
        .first()
        .ok_or_else(|| format!("{host} resolves to no address."))?;
    addresses
        .iter()
        .find(|address| allow_public || is_private(address.ip()))
        .copied()
        .ok_or_else(|| refused(first.ip()))
}

/// Aborts the connection task when the attempt ends (or times out).
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// One POST: the receiver's status and (clipped) body, or why there was none.
async fn post(url: &str, body: Vec<u8>, allow_public: bool) -> Result<(u16, String), String> {
    let address = destination(url, allow_public).await?;
    let parsed = url::Url::parse(url).map_err(|error| error.to_string())?;
    let authority = match parsed.port() {
        Some(port) => format!("{}:{port}", parsed.host_str().unwrap_or_default()),
        None => parsed.host_str().unwrap_or_default().to_owned(),
    };
    let path = &parsed[url::Position::BeforePath..url::Position::AfterQuery];
    let stream = TcpStream::connect(address)
        .await
        .map_err(|error| format!("Cannot connect to {address}: {error}."))?;
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|error| format!("HTTP handshake failed: {error}."))?;
    let _connection = AbortOnDrop(tokio::spawn(async move {
        let _ = connection.await;
    }));
    let length = body.len();
    let request = Request::post(if path.is_empty() { "/" } else { path })
        .header(hyper::header::HOST, authority)
        .header(
            hyper::header::CONTENT_TYPE,
            "application/json; charset=utf-8",
        )
        .header(hyper::header::CONTENT_LENGTH, length)
        .header(
            hyper::header::USER_AGENT,
            concat!("sdemu/", env!("CARGO_PKG_VERSION")),
        )
        .body(Full::new(Bytes::from(body)))
        .map_err(|error| format!("Cannot build the request: {error}."))?;
    let response = sender
        .send_request(request)
        .await
        .map_err(|error| format!("The request failed: {error}."))?;
    let status = response.status().as_u16();
    let bytes = Limited::new(response.into_body(), MAX_READ_BYTES)
        .collect()
        .await
        .map_err(|error| format!("Reading the answer failed: {error}."))?
        .to_bytes();
    Ok((status, clip(&String::from_utf8_lossy(&bytes))))
}

/// Delivers `body` to one configuration and records the attempt.
async fn attempt(state: &AppState, webhook: &Webhook, task_id: i64, body: Value) -> Delivery {
    let time = state.clock.now();
    let started = Instant::now();
    let seconds = state.config.webhook_timeout;
    let bytes = serde_json::to_vec(&body).unwrap_or_default();
    let outcome = tokio::time::timeout(
        Duration::from_secs(seconds),
        post(&webhook.url, bytes, state.config.webhook_allow_public),
    )
    .await
    .unwrap_or_else(|_| Err(format!("No answer within {seconds} s (timeout).")));
    let (status, response_body, error) = match outcome {
        Ok((status, text)) => (Some(status), Some(text), None),
        Err(error) => (None, None, Some(error)),
    };
    tracing::info!(
        webhook = webhook.id,
        task = task_id,
        status,
        failed = error.is_some(),
        "webhook delivery"
    );
    state.emulator.deliveries.record(Delivery {
        id: 0,
        time,
        webhook_id: webhook.id,
        task_id,
        url: webhook.url.clone(),
        request_body: body,
        status,
        response_body,
        duration_ms: started.elapsed().as_secs_f64() * 1000.0,
        error,
    })
}

/// The body each configuration receives for `task`, with the file links it carries
/// issued (one `originalFileUrl` for all of them; an `exportedFileUrl` for each Url To
/// File configuration). `captured` is the fixture's payload for the task, if any. Holds no
/// connection while it issues links (they take a write turn).
async fn payloads(
    state: &AppState,
    task: &TaskStatus,
    webhooks: &[Webhook],
    captured: Option<&Value>,
    speakers: &[crate::domain::speakers::TaskSpeaker],
) -> sqlx::Result<Vec<Value>> {
    let original = file_links::original(state, task).await?;
    let mut bodies = Vec::with_capacity(webhooks.len());
    for webhook in webhooks {
        let exported = file_links::exported(state, task, webhook).await?;
        let source = ExportSource {
            task,
            original_file_url: original.as_deref(),
            exported_file_url: exported.as_deref(),
            captured,
            speakers,
        };
        bodies.push(payload(webhook, source));
    }
    Ok(bodies)
}

/// How many tasks' deliveries the worker runs at once: a receiver that never answers holds
/// one of them for the timeout, not the whole queue.
pub const MAX_CONCURRENT_DELIVERIES: usize = 4;

/// The delivery worker: takes tasks from the outbox and delivers each one's exports (at most
/// [`MAX_CONCURRENT_DELIVERIES`] tasks at a time), then wakes whoever waits for it. Runs
/// until the outbox is dropped.
pub async fn run_worker(state: AppState, mut receiver: OutboxReceiver) {
    let slots = Arc::new(Semaphore::new(MAX_CONCURRENT_DELIVERIES));
    while let Some(task_id) = receiver.recv().await {
        let Ok(slot) = slots.clone().acquire_owned().await else {
            return;
        };
        let state = state.clone();
        tokio::spawn(async move {
            if let Err(error) = deliver_one(&state, task_id).await {
                tracing::warn!(task = task_id, error = %error, "webhook delivery failed; the export stays pending");
            }
            state.outbox.done(task_id);
            drop(slot);
        });
    }
}

/// Queues the exports of `task_ids` (marked pending by the caller's committed transaction)
/// and waits until they are delivered and their outcomes applied: the control plane answers
/// after the receivers have.
pub async fn deliver_and_wait(state: &AppState, task_ids: &[i64]) {
    if !task_ids.is_empty() {
        state.outbox.deliver_and_wait(task_ids).await;
    }
}

/// Queues the exports of `task_ids` without waiting (API requests and the ticker on the
/// real clock: a slow receiver never holds a client of the API).
pub fn deliver_later(state: &AppState, task_ids: &[i64]) {
    if !task_ids.is_empty() {
        state.outbox.offer(task_ids);
    }
}

/// Queues every pending export not already queued: those a previous run of sdemu left
/// pending, and those a full queue turned away. Called by the ticker.
pub async fn offer_pending(state: &AppState) -> sqlx::Result<()> {
    let pending = store::webhooks::pending(&state.db).await?;
    deliver_later(state, &pending);
    Ok(())
}

/// Delivers one task's export to every configuration of its workspace, then applies the
/// outcome in one transaction. Nothing when the export is no longer pending (already
/// delivered). Never holds a transaction while it waits for a receiver.
async fn deliver_one(state: &AppState, task_id: i64) -> sqlx::Result<()> {
    let mut conn = state.db.acquire().await?;
    if !store::webhooks::is_pending(&mut conn, task_id).await? {
        return Ok(());
    }
    let Some(task) = store::tasks::find_by_id(&mut conn, task_id).await? else {
        return Ok(());
    };
    let webhooks = store::webhooks::for_workspace(&mut conn, task.workspace_id).await?;
    let captured = store::exports::captured(&mut conn, task_id).await?;
    let speakers = store::speakers::for_export(&mut conn, task_id).await?;
    drop(conn);
    let bodies = payloads(state, &task, &webhooks, captured.as_ref(), &speakers).await?;
    let mut failure = None;
    for (webhook, body) in webhooks.iter().zip(bodies) {
        let delivery = attempt(state, webhook, task_id, body).await;
        if !delivery.succeeded() && failure.is_none() {
            failure = Some(delivery.failure());
        }
    }
    let at = state.clock.now().timestamp();
    let mut tx = state.begin_write().await?;
    if !store::webhooks::is_pending(&mut tx, task_id).await? {
        return Ok(());
    }
    store::webhooks::finish(&mut tx, task_id, failure.as_deref()).await?;
    if let Some(task) = store::lifecycle::find(&mut tx, task_id).await? {
        // A task forced elsewhere while its deliveries were out keeps its new status.
        if task.task_status == IN_REVIEW {
            let (to_status, cause) = match failure {
                None => (ARCHIVED, "exported"),
                Some(_) => (TO_REVIEW, "export-failed"),
            };
            let change = task.change_to(&state.lifecycle, to_status, at);
            store::lifecycle::apply(&mut tx, &change, Some(IN_REVIEW), cause).await?;
        }
    }
    tx.commit().await?;
    if let Some(at) = chrono::DateTime::from_timestamp(at, 0) {
        state.clock.mark_applied(at);
    }
    Ok(())
}
