use std::path::PathBuf;

use clap::{Parser, ValueEnum};

/// A local emulator of the SmartDocumentor cloud API.
///
/// Every option can also be set with the environment variable named beside it.
/// With no options, sdemu serves the built-in demo data from an in-memory database on
/// 127.0.0.1:8080.
#[derive(Debug, Clone, Parser)]
#[command(name = "sdemu", version, about, long_about = None)]
pub struct Config {
    /// Address to listen on. Use 0.0.0.0 to accept connections from other hosts (containers).
    #[arg(long, env = "SDEMU_HOST", default_value = "127.0.0.1")]
    pub host: String,

    /// TCP port to listen on; 0 picks a free port and prints it.
    #[arg(long, env = "SDEMU_PORT", default_value_t = 8080)]
    pub port: u16,

    /// Keep the data in this SQLite file instead of in memory. The file is created and
    /// seeded only when it holds no data yet, so restarts keep every change.
    #[arg(long, env = "SDEMU_DATABASE", value_name = "PATH")]
    pub database: Option<PathBuf>,

    /// Load this fixture file (JSON) instead of the built-in demo data set.
    #[arg(long, env = "SDEMU_FIXTURES", value_name = "FILE")]
    pub fixtures: Option<PathBuf>,

    /// Require `Authorization: Bearer TOKEN` on every `/_emulator/` route except health and
    /// ready. Without it the control plane is open to anyone who can reach the port.
    #[arg(long, env = "SDEMU_ADMIN_TOKEN", value_name = "TOKEN", hide_env_values = true,
          value_parser = clap::builder::NonEmptyStringValueParser::new())]
    pub admin_token: Option<String>,

    /// How many requests the request journal keeps (the oldest are dropped first); 0 turns
    /// the journal off.
    #[arg(
        long,
        env = "SDEMU_JOURNAL_LIMIT",
        value_name = "N",
        default_value_t = 10_000
    )]
    pub journal_limit: usize,

    /// Load fault injection rules (JSON, the format of `PUT /_emulator/faults`) at start-up;
    /// reset restores them.
    #[arg(long, env = "SDEMU_FAULTS", value_name = "FILE")]
    pub faults: Option<PathBuf>,

    /// Seed of the random numbers fault rules draw (probability, random delays), so that a
    /// run is reproducible.
    #[arg(
        long,
        env = "SDEMU_FAULT_SEED",
        value_name = "SEED",
        default_value_t = 42
    )]
    pub fault_seed: u64,

    /// Log line format.
    #[arg(long, env = "SDEMU_LOG_FORMAT", value_enum, default_value_t = LogFormat::Pretty)]
    pub log_format: LogFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines for a terminal.
    Pretty,
    /// One JSON object per line, for log collectors.
    Json,
}
