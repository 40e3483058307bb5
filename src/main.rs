use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use clap::Parser;
use tokio::net::TcpListener;

use sdemu::app::{self, FixtureSource};
use sdemu::clock::SystemClock;
use sdemu::config::{Command, Config};
use sdemu::{healthcheck, telemetry};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let config = Config::parse();
    if let Some(Command::Healthcheck { url }) = &config.command {
        let url = url
            .clone()
            .unwrap_or_else(|| healthcheck::default_url(config.port));
        return match healthcheck::check(&url).await {
            Ok(()) => Ok(()),
            Err(error) => {
                eprintln!("unhealthy: {error:#}");
                std::process::exit(1);
            }
        };
    }
    telemetry::init(config.log_format);

    let state = app::open(
        &config,
        Arc::new(SystemClock),
        FixtureSource::from_config(&config),
    )
    .await?;
    let listener = TcpListener::bind((config.host.as_str(), config.port))
        .await
        .with_context(|| format!("cannot listen on {}:{}", config.host, config.port))?;
    let address = listener.local_addr()?;
    println!("sdemu listening on http://{address}");
    println!(
        "try: curl 'http://{address}/api/v1.0/external/sdtask/statuslist?startDate=2022-03-16T16%3A59%3A55Z&endDate=2022-04-05T16%3A59%3A55Z'"
    );

    let db = state.db.clone();
    app::serve(
        listener,
        app::build_router(state),
        shutdown_signal(),
        Duration::from_secs(config.shutdown_timeout),
    )
    .await?;
    db.close().await;
    tracing::info!("stopped");
    Ok(())
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
