//! Logging: the tracing subscriber (pretty or JSON, on stderr), installed once, and the
//! middleware that writes one line per request.

use std::io::IsTerminal;
use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::middleware::Next;
use axum::response::Response;
use tracing::Instrument;
use tracing_subscriber::{fmt, prelude::*, EnvFilter};

use crate::config::LogFormat;
use crate::error::InternalCause;

/// How many log lines may wait for a slow reader of stderr (a pipe to a container runtime,
/// a CI runner) before a request that logs waits for it in turn; no line is ever dropped.
/// A request's line is 200-350 bytes, so well under 1 MiB.
pub const LOG_BUFFER_LINES: usize = 2_048;

/// Keeps the log writer's thread running; dropping it writes out the lines still waiting
/// (hold it until sdemu stops).
pub type LogGuard = tracing_appender::non_blocking::WorkerGuard;

/// Installs the global tracing subscriber. `RUST_LOG` overrides the default level (`info`).
/// Logs go to stderr, so that stdout carries only the start-up lines meant for people and a
/// log collector reading `--log-format json` sees nothing but JSON.
///
/// Lines are written by a thread of their own, in order, as many at once as are waiting.
/// Written one per request straight to a pipe (one `write` and a wake-up of the reader
/// each), they cost cached answers up to a sixth of their throughput (1.07-1.18x as many
/// answered a second this way), and a reader that fell a pipe's 64 KiB behind stalled every
/// request.
pub fn init(format: LogFormat) -> LogGuard {
    let (writer, guard) = tracing_appender::non_blocking::NonBlockingBuilder::default()
        .buffered_lines_limit(LOG_BUFFER_LINES)
        .lossy(false)
        .thread_name("sdemu-log")
        .finish(std::io::BufWriter::new(std::io::stderr()));
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_http=info"));
    let registry = tracing_subscriber::registry().with(filter);
    match format {
        LogFormat::Pretty => registry
            .with(
                fmt::layer()
                    .compact()
                    .with_ansi(colours_wanted(
                        std::io::stderr().is_terminal(),
                        std::env::var_os("NO_COLOR").as_deref(),
                    ))
                    .with_writer(writer),
            )
            .init(),
        LogFormat::Json => registry
            .with(fmt::layer().json().flatten_event(true).with_writer(writer))
            .init(),
    }
    guard
}

/// Whether log lines carry ANSI colours: only on a terminal, and never when `NO_COLOR` is
/// set to anything but the empty string (<https://no-color.org>), so that logs written to a
/// pipe, a file or a container's log carry no escape codes.
pub fn colours_wanted(terminal: bool, no_color: Option<&std::ffi::OsStr>) -> bool {
    terminal && no_color.is_none_or(std::ffi::OsStr::is_empty)
}

/// Logs one line per request: method, matched route (not the raw path, so lines group
/// well and no query value is written), status, duration and request id. Headers and bodies
/// are never logged, so secrets and tokens cannot leak. Health checks log at debug level.
/// The cause of a 500 (an [`InternalCause`] extension) is logged here, once, in the
/// request's span.
pub async fn log_request(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |path| path.as_str().to_owned());
    let request_id = request
        .headers()
        .get("x-request-id")
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let span = tracing::info_span!("request", %method, %route, %request_id);
    let response = next.run(request).instrument(span.clone()).await;
    let status = response.status().as_u16();
    let duration_ms = started.elapsed().as_secs_f64() * 1000.0;
    let _entered = span.enter();
    if let Some(InternalCause(cause)) = response.extensions().get::<InternalCause>() {
        tracing::error!(error = ?cause, "internal error");
    }
    if route.starts_with("/_emulator/health") || route.starts_with("/_emulator/ready") {
        tracing::debug!(status, duration_ms, "request");
    } else {
        tracing::info!(status, duration_ms, "request");
    }
    response
}

#[cfg(test)]
mod tests {
    use std::ffi::OsStr;

    use super::colours_wanted;

    #[test]
    fn colours_only_on_a_terminal_and_never_with_no_color() {
        assert!(colours_wanted(true, None));
        assert!(colours_wanted(true, Some(OsStr::new(""))));
        assert!(!colours_wanted(true, Some(OsStr::new("1"))));
        assert!(!colours_wanted(false, None));
    }
}
