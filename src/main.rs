use std::sync::Arc;

use anyhow::Context;
use clap::Parser;
use tokio::net::TcpListener;

use sdemu::app::{self, FixtureSource};
use sdemu::clock::SystemClock;
use sdemu::config::Config;
use sdemu::telemetry;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let config = Config::parse();
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
    if config.admin_token.is_none() {
        tracing::warn!(
            "the control plane (/_emulator/) is open to anyone who can reach this port; \
             start with --admin-token to protect it"
        );
    }
    println!(
        "try: curl 'http://{address}/api/v1.0/external/sdtask/statuslist?startDate=2022-03-16T16%3A59%3A55Z&endDate=2022-04-05T16%3A59%3A55Z'"
    );

    app::serve(listener, app::build_router(state), shutdown_signal()).await?;
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
