//! The `sdemu` binary: reads the configuration, then either runs a subcommand or starts
//! logging, opens the emulator (`startup::open`) and serves it until Ctrl-C or SIGTERM.

use std::io::Write;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use clap::Parser;
use tokio::net::TcpListener;

use sdemu::app;
use sdemu::clock::SystemClock;
use sdemu::config::{Command, Config};
use sdemu::startup::{self, FixtureSource};
use sdemu::{capture, compare, completions, healthcheck, lifecycle, openapi, store, telemetry};

/// How often due lifecycle steps are applied when nobody asks.
const LIFECYCLE_TICK: Duration = Duration::from_millis(500);

/// glibc's malloc gives each thread that allocates at the same time as another an arena of
/// its own, up to eight per core, and keeps each arena's freed pages: every SQLite
/// connection's thread held 3.6-4.2 MiB of its own under load. One arena cut the peak memory
/// under the Q1/Q2 load by about 6 MiB at the same throughput (README, Performance). glibc
/// reads `MALLOC_ARENA_MAX` only as the process starts, hence the restart; a value the user
/// set is kept.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const MALLOC_ARENA_MAX: &str = "MALLOC_ARENA_MAX";

fn main() -> anyhow::Result<()> {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    if std::env::var_os(MALLOC_ARENA_MAX).is_none() {
        restart_with_one_malloc_arena();
    }
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?
        .block_on(run())
}

/// Replaces this process (same id, arguments and environment) by a new run of the same
/// binary with `MALLOC_ARENA_MAX=1`. Returns only if that cannot be done, and then sdemu
/// runs as it is, with glibc's default arenas.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn restart_with_one_malloc_arena() {
    use std::os::unix::process::CommandExt;
    let Ok(binary) = std::env::current_exe() else {
        return;
    };
    let mut arguments = std::env::args_os();
    let mut command = std::process::Command::new(binary);
    if let Some(name) = arguments.next() {
        command.arg0(name);
    }
    let _failed = command.args(arguments).env(MALLOC_ARENA_MAX, "1").exec();
}

async fn run() -> anyhow::Result<()> {
    let mut config = Config::parse();
    if let Some(Command::Openapi) = &config.command {
        print!("{}", openapi::json());
        return Ok(());
    }
    if let Some(Command::Completions { shell }) = &config.command {
        std::io::stdout()
            .write_all(&completions::script(*shell))
            .context("cannot write the completion script")?;
        return Ok(());
    }
    if let Some(Command::Healthcheck { url }) = &config.command {
        let url = url.clone().unwrap_or_else(|| {
            healthcheck::target_url(config.address_file.as_deref(), config.port)
        });
        return match healthcheck::check(&url).await {
            Ok(()) => Ok(()),
            Err(error) => {
                eprintln!("unhealthy: {error:#}");
                std::process::exit(1);
            }
        };
    }
    if let Some(Command::Capture(options)) = &config.command {
        return match capture::run(options).await {
            Ok(()) => Ok(()),
            Err(error) => {
                eprintln!("capture failed: {error:#}");
                std::process::exit(1);
            }
        };
    }
    if let Some(Command::Compare(options)) = &config.command {
        // 0: no difference, 1: differences, 2: a side could not be reached or refused.
        let code = match compare::run(options).await {
            Ok(false) => 0,
            Ok(true) => 1,
            Err(error) => {
                eprintln!("compare failed: {error:#}");
                2
            }
        };
        std::process::exit(code);
    }
    // Held to the end of `run`, on every path out of it: dropping it writes out the log lines
    // still waiting (the last ones say why sdemu stopped).
    let _log_guard = telemetry::init(config.log_format);
    let generated_admin_token = startup::generate_admin_token(&mut config)?;

    let state = startup::open(
        &config,
        Arc::new(SystemClock),
        FixtureSource::from_config(&config),
    )
    .await?;
    let listener = TcpListener::bind((config.host.as_str(), config.port))
        .await
        .with_context(|| format!("cannot listen on {}:{}", config.host, config.port))?;
    let bound = listener.local_addr()?;
    // Bound to every interface (0.0.0.0, ::), the address to paste is loopback's.
    let address = if bound.ip().is_unspecified() {
        let loopback = if bound.is_ipv4() {
            IpAddr::V4(Ipv4Addr::LOCALHOST)
        } else {
            IpAddr::V6(Ipv6Addr::LOCALHOST)
        };
        SocketAddr::new(loopback, bound.port())
    } else {
        bound
    };
    if let Some(path) = &config.address_file {
        // Not fatal (a read-only container file system): the healthcheck then uses --port.
        if let Err(error) = std::fs::write(path, format!("{address}\n")) {
            tracing::warn!(%error, path = %path.display(), "cannot write the address file");
        }
    }
    println!("sdemu listening on http://{bound}");
    if bound != address {
        println!(
            "from this machine: http://{address} (in a container: the host port published \
             for {}, e.g. docker run -p 127.0.0.1:{}:{})",
            bound.port(),
            bound.port(),
            bound.port()
        );
    }
    if let Some(token) = &generated_admin_token {
        println!(
            "control plane: admin token {} (generated because sdemu listens beyond loopback \
             without --admin-token): send 'Authorization: Bearer <token>' to /_emulator/",
            token.expose()
        );
    } else if config.admin_token.is_none() {
        tracing::warn!(
            "the control plane (/_emulator/) is open to anyone who can reach this port; \
             start with --admin-token to protect it"
        );
    }
    let example = format!(
        "curl 'http://{address}/api/v1.0/external/sdtask/statuslist?startDate=2022-03-16T16%3A59%3A55Z&endDate=2022-04-05T16%3A59%3A55Z'"
    );
    // The default organization's credentials are printed so that the token step can be
    // pasted; other organizations' secrets are never printed or logged.
    if let Some(default) = store::organizations::default_organization(&state.db).await? {
        println!(
            "default organization: client id {} / client secret {}",
            default.client_id, default.client_secret
        );
        println!(
            "get a token: curl http://{address}/connect/token --data grant_type=client_credentials --data scope=WebAPI --data-urlencode {} --data-urlencode {}",
            shell_quote(&format!("client_id={}", default.client_id)),
            shell_quote(&format!("client_secret={}", default.client_secret)),
        );
    }
    if state.auth.required {
        println!("then: {example} --header 'Authorization: Bearer <access_token>'");
    } else {
        println!("authentication is off (--auth off); try: {example}");
    }

    let (db, writes) = (state.db.clone(), state.writes.clone());
    // On the real clock tasks move even when nobody asks; the ticker stops with the server.
    let (stop_ticker, ticker_stopped) = tokio::sync::oneshot::channel::<()>();
    let ticker = tokio::spawn(lifecycle::run_ticker(
        state.clone(),
        LIFECYCLE_TICK,
        async move {
            let _ = ticker_stopped.await;
        },
    ));
    app::serve(
        listener,
        app::build_router(state),
        shutdown_signal(),
        app::ServeOptions::from_config(&config),
    )
    .await?;
    let _ = stop_ticker.send(());
    let _ = ticker.await;
    writes.close().await;
    db.close().await;
    if let Some(path) = &config.address_file {
        // A stopped sdemu is not healthy; the file would only mislead.
        let _ = std::fs::remove_file(path);
    }
    tracing::info!("stopped");
    Ok(())
}

/// `text` as one single-quoted shell word.
fn shell_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

/// Completes on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
