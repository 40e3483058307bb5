//! Serving the router on a listener: sdemu's own accept loop over hyper's HTTP/1 connection,
//! so that every connection has time limits, their number is capped, and shutdown closes
//! what is not working at once.
//!
//! Each connection is watched through one [`Activity`]: the socket reports the first byte of a
//! request, the service reports when a request starts, when its body is complete and when its
//! answer is ready. From that, a connection is in one of four phases, each with its limit:
//!
//! | Phase | Limit | At shutdown |
//! | --- | --- | --- |
//! | idle (waiting for a request) | `--idle-timeout`: closed | closed at once |
//! | reading a request's head | `--header-timeout`: closed | closed at once |
//! | reading a request's body | `--body-timeout`: the handler gets an error, answers 408 | closed at once |
//! | handling (body read or not needed) | none (fault delays may be long) | the grace period |
//!
//! Beyond `--max-connections` open connections, new ones are not accepted: they wait in the
//! system's backlog until one closes (which the limits above guarantee).

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::Body;
use axum::http::{header, HeaderValue, Request};
use axum::Router;
use http_body::{Body as HttpBody, Frame, SizeHint};
use hyper::body::{Bytes, Incoming};
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, Notify, Semaphore};
use tokio::task::JoinSet;
use tokio::time::{sleep, sleep_until, Instant, Sleep};
use tower::ServiceExt;

use crate::config::Config;
use crate::extract::body::BodyTimedOut;

/// How the server treats connections: the time limits, the cap, the shutdown grace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServeOptions {
    /// After shutdown begins, how long requests being handled may take to finish.
    pub grace: Duration,
    /// How long a client has to send a request's head (line and headers), from its first byte.
    pub header_timeout: Duration,
    /// How long a client has to send a request's whole body, from the end of its head.
    pub body_timeout: Duration,
    /// How long a connection may wait for its next request (or its first).
    pub idle_timeout: Duration,
    /// The most connections open at once.
    pub max_connections: usize,
}

impl ServeOptions {
    /// The options `--shutdown-timeout`, `--header-timeout`, `--body-timeout`,
    /// `--idle-timeout` and `--max-connections` give.
    pub fn from_config(config: &Config) -> Self {
        let limits = &config.connections;
        Self {
            grace: Duration::from_secs(config.shutdown_timeout),
            header_timeout: Duration::from_secs(limits.header_timeout),
            body_timeout: Duration::from_secs(limits.body_timeout),
            idle_timeout: Duration::from_secs(limits.idle_timeout),
            max_connections: limits.max_connections,
        }
    }
}

/// Serves `router` on `listener` until `shutdown` completes; then stops accepting, closes
/// idle connections and those still sending a request at once, and lets requests being
/// handled finish for at most `options.grace`. Returns once the server has stopped.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
    options: ServeOptions,
) -> std::io::Result<()> {
    let (stop, stopping) = watch::channel(false);
    let slots = Arc::new(Semaphore::new(options.max_connections.max(1)));
    let mut connections = JoinSet::new();
    tokio::pin!(shutdown);
    loop {
        // A free slot first: beyond the cap, connections wait in the backlog, unaccepted.
        let slot = tokio::select! {
            () = &mut shutdown => break,
            Some(_) = connections.join_next() => continue,
            slot = slots.clone().acquire_owned() => slot.expect("the semaphore is never closed"),
        };
        let accepted = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => accepted,
        };
        let (stream, _) = match accepted {
            Ok(accepted) => accepted,
            Err(error) => {
                // Out of file descriptors, or a connection reset before it was accepted: wait
                // a little (connections close meanwhile) instead of spinning.
                tracing::warn!(%error, "cannot accept a connection");
                drop(slot);
                tokio::select! {
                    () = &mut shutdown => break,
                    () = sleep(Duration::from_millis(100)) => continue,
                }
            }
        };
        let _ = stream.set_nodelay(true);
        let router = router.clone();
        let stopping = stopping.clone();
        connections.spawn(async move {
            serve_connection(stream, router, options, stopping).await;
            drop(slot);
        });
    }
    drop(listener);
    let _ = stop.send(true);
    let finished = async { while connections.join_next().await.is_some() {} };
    if tokio::time::timeout(options.grace, finished).await.is_err() {
        tracing::warn!(
            seconds = options.grace.as_secs_f64(),
            "requests still in flight after the shutdown timeout; stopping anyway"
        );
    }
    // Dropping the set aborts what is left.
    Ok(())
}

/// One connection, watched until it ends, times out, or shutdown closes it.
async fn serve_connection(
    stream: TcpStream,
    router: Router,
    options: ServeOptions,
    mut stopping: watch::Receiver<bool>,
) {
    let activity = Arc::new(Activity::new());
    let io = TokioIo::new(Watched {
        inner: stream,
        activity: activity.clone(),
    });
    let service = {
        let activity = activity.clone();
        hyper::service::service_fn(move |request: Request<Incoming>| {
            handle(
                router.clone(),
                activity.clone(),
                options.body_timeout,
                request,
            )
        })
    };
    let connection = hyper::server::conn::http1::Builder::new()
        .keep_alive(true)
        .serve_connection(io, service);
    tokio::pin!(connection);
    let mut shutting_down = false;
    loop {
        let phase = activity.phase();
        if shutting_down && phase.closes_at_shutdown() {
            return;
        }
        let deadline = phase.deadline(&options);
        let changed = activity.changed.notified();
        tokio::select! {
            result = connection.as_mut() => {
                if let Err(error) = result {
                    tracing::debug!(%error, "connection ended with an error");
                }
                return;
            }
            Ok(()) = stopping.changed(), if !shutting_down => {
                shutting_down = true;
                // Answers from now on say `Connection: close`.
                connection.as_mut().graceful_shutdown();
            }
            () = sleep_until(deadline.unwrap_or_else(Instant::now)), if deadline.is_some() => {
                if activity.phase() == phase {
                    tracing::debug!(phase = phase.name(), "connection closed: its time is up");
                    return;
                }
            }
            () = changed => {}
        }
    }
}

/// One request: its body watched (complete or not, within the body timeout), and
/// `Connection: close` on the answer when the body was not read to its end, so that the
/// client does not send its next request on a connection the server is about to close.
async fn handle(
    router: Router,
    activity: Arc<Activity>,
    body_timeout: Duration,
    request: Request<Incoming>,
) -> Result<axum::response::Response, Infallible> {
    let complete = Arc::new(AtomicBool::new(request.body().is_end_stream()));
    let _request = activity.request_started(!complete.load(Ordering::Relaxed));
    let request = request.map(|inner| {
        Body::new(WatchedBody {
            inner,
            deadline: Box::pin(sleep(body_timeout)),
            complete: complete.clone(),
            activity: activity.clone(),
            reading: true,
        })
    });
    let mut response = router.oneshot(request).await?;
    if !complete.load(Ordering::Relaxed) {
        response
            .headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
    Ok(response)
}

/// What a connection is doing, as far as its limits are concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Waiting for a request, since this instant.
    Idle(Instant),
    /// Reading a request's head, since its first byte.
    ReadingHead(Instant),
    /// A handler is reading a request's body (its own deadline applies).
    ReadingBody,
    /// A handler is at work.
    Handling,
}

impl Phase {
    fn deadline(self, options: &ServeOptions) -> Option<Instant> {
        match self {
            Phase::Idle(since) => Some(since + options.idle_timeout),
            Phase::ReadingHead(since) => Some(since + options.header_timeout),
            Phase::ReadingBody | Phase::Handling => None,
        }
    }

    fn closes_at_shutdown(self) -> bool {
        !matches!(self, Phase::Handling)
    }

    fn name(self) -> &'static str {
        match self {
            Phase::Idle(_) => "idle",
            Phase::ReadingHead(_) => "reading a request head",
            Phase::ReadingBody => "reading a request body",
            Phase::Handling => "handling",
        }
    }
}

/// One connection's activity, shared by its socket, its requests and its supervisor.
struct Activity {
    state: Mutex<ActivityState>,
    /// Woken on every change of phase.
    changed: Notify,
}

struct ActivityState {
    /// Requests handed to the router whose answer is not ready yet.
    in_flight: usize,
    /// Request bodies not read to their end and not dropped yet.
    reading_bodies: usize,
    /// When the connection last became idle.
    idle_since: Instant,
    /// The first byte read since then, if any.
    first_byte: Option<Instant>,
}

impl Activity {
    fn new() -> Self {
        Self {
            state: Mutex::new(ActivityState {
                in_flight: 0,
                reading_bodies: 0,
                idle_since: Instant::now(),
                first_byte: None,
            }),
            changed: Notify::new(),
        }
    }

    fn update<T>(&self, change: impl FnOnce(&mut ActivityState) -> T) -> T {
        let result = change(&mut self.state.lock().unwrap_or_else(PoisonError::into_inner));
        self.changed.notify_one();
        result
    }

    fn phase(&self) -> Phase {
        let state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        match (state.in_flight, state.reading_bodies, state.first_byte) {
            (0, _, None) => Phase::Idle(state.idle_since),
            (0, _, Some(first)) => Phase::ReadingHead(first),
            (_, 0, _) => Phase::Handling,
            _ => Phase::ReadingBody,
        }
    }

    /// Bytes arrived: when nothing is in flight, a request's head has begun.
    fn bytes_read(&self) {
        let state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let begins_head = state.in_flight == 0 && state.first_byte.is_none();
        drop(state);
        if begins_head {
            self.update(|state| state.first_byte = Some(Instant::now()));
        }
    }

    /// A request's head was read; the guard marks its answer ready when dropped.
    fn request_started(self: &Arc<Self>, has_body: bool) -> InFlight {
        self.update(|state| {
            state.in_flight += 1;
            state.reading_bodies += usize::from(has_body);
        });
        InFlight(self.clone())
    }

    fn body_done(&self) {
        self.update(|state| state.reading_bodies = state.reading_bodies.saturating_sub(1));
    }
}

/// A request being handled; dropped when its answer is ready (or the handler was cancelled).
struct InFlight(Arc<Activity>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.update(|state| {
            state.in_flight = state.in_flight.saturating_sub(1);
            if state.in_flight == 0 {
                state.idle_since = Instant::now();
                state.first_byte = None;
            }
        });
    }
}

/// The socket, reporting the bytes it reads to the connection's [`Activity`].
struct Watched {
    inner: TcpStream,
    activity: Arc<Activity>,
}

impl AsyncRead for Watched {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        if buf.filled().len() > before {
            self.activity.bytes_read();
        }
        polled
    }
}

impl AsyncWrite for Watched {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}

/// A request body with a deadline for its whole length, reporting when it is complete.
struct WatchedBody {
    inner: Incoming,
    deadline: Pin<Box<Sleep>>,
    complete: Arc<AtomicBool>,
    activity: Arc<Activity>,
    /// Still counted in the activity's `reading_bodies`.
    reading: bool,
}

impl WatchedBody {
    fn stop_reading(&mut self) {
        if std::mem::replace(&mut self.reading, false) {
            self.activity.body_done();
        }
    }
}

impl HttpBody for WatchedBody {
    type Data = Bytes;
    type Error = axum::BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let this = &mut *self;
        if this.complete.load(Ordering::Relaxed) {
            return Poll::Ready(None);
        }
        match Pin::new(&mut this.inner).poll_frame(cx) {
            Poll::Ready(None) => {
                this.complete.store(true, Ordering::Relaxed);
                this.stop_reading();
                Poll::Ready(None)
            }
            Poll::Ready(Some(frame)) => {
                if this.inner.is_end_stream() {
                    this.complete.store(true, Ordering::Relaxed);
                    this.stop_reading();
                }
                Poll::Ready(Some(frame.map_err(Into::into)))
            }
            Poll::Pending => match this.deadline.as_mut().poll(cx) {
                Poll::Ready(()) => {
                    this.stop_reading();
                    Poll::Ready(Some(Err(BodyTimedOut.into())))
                }
                Poll::Pending => Poll::Pending,
            },
        }
    }

    fn is_end_stream(&self) -> bool {
        self.complete.load(Ordering::Relaxed) || self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

impl Drop for WatchedBody {
    fn drop(&mut self) {
        self.stop_reading();
    }
}
