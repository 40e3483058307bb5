//! The configuration: one clap struct whose `--help` is the reference (the README's table
//! is checked against it). Every option is also an `SDEMU_*` environment variable.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

use crate::domain::auth::ClientCredentials;
use crate::domain::demo::DemoSettings;
use crate::domain::journal::{DEFAULT_JOURNAL_BYTES, DEFAULT_JOURNAL_LIMIT};
use crate::domain::lifecycle::LifecycleSettings;

mod capture;
mod compare;
mod connections;
mod demo;
mod upstream;

pub use capture::{CaptureOptions, MAX_CAPTURE_RATE, MAX_WINDOW_DAYS};
pub use compare::CompareOptions;
pub use connections::{ConnectionOptions, MAX_CONNECTION_SECONDS};
pub use demo::{DemoOptions, MAX_DEMO_INTERVAL_SECONDS, MAX_DEMO_TASKS};
pub use upstream::{Secret, UpstreamOptions};

/// The longest lifecycle step: a day.
pub const MAX_STEP_SECONDS: u32 = 86_400;

/// The automatic reviewer's delay in demo mode when `--auto-review` is not given.
pub const DEMO_AUTO_REVIEW_SECONDS: u32 = 20;

/// The default `--stream-threshold`: a Task Status List answer of more tasks than this
/// (about 2 MB of JSON, a quarter of the response cache's budget, so never cached anyway) is
/// sent in chunks. Smaller answers are built whole in one statement,
/// which is the fastest way to answer them.
pub const DEFAULT_STREAM_THRESHOLD: u32 = 5_000;

/// The longest `--token-ttl`: one year, the longest a client secret can live.
pub const MAX_TOKEN_TTL_SECONDS: u32 = 31_536_000;

/// A local emulator of the SmartDocumentor cloud API.
///
/// Every option can also be set with the environment variable named beside it.
/// With no options, sdemu serves the built-in demo data from an in-memory database on
/// 127.0.0.1:8080.
#[derive(Debug, Clone, Parser)]
#[command(name = "sdemu", version, about, long_about = None)]
pub struct Config {
    #[command(subcommand)]
    pub command: Option<Command>,

    /// Address to listen on. Use 0.0.0.0 to accept connections from other hosts (containers).
    #[arg(long, env = "SDEMU_HOST", default_value = "127.0.0.1")]
    pub host: String,

    /// TCP port to listen on; 0 picks a free port and prints it.
    #[arg(long, env = "SDEMU_PORT", default_value_t = 8080)]
    pub port: u16,

    /// Write the address to reach sdemu from this machine (`127.0.0.1:PORT` when listening
    /// on every interface) to this file once it listens; `sdemu healthcheck` reads it, so it
    /// finds the port whatever --port was. The container image sets it.
    #[arg(long, env = "SDEMU_ADDRESS_FILE", value_name = "PATH")]
    pub address_file: Option<PathBuf>,

    /// Keep the data in this SQLite file instead of in memory. The file is created and
    /// seeded only when it holds no data yet, so restarts keep every change.
    #[arg(long, env = "SDEMU_DATABASE", value_name = "PATH")]
    pub database: Option<PathBuf>,

    /// Load this fixture file (JSON) instead of the built-in demo data set.
    #[arg(long, env = "SDEMU_FIXTURES", value_name = "FILE")]
    pub fixtures: Option<PathBuf>,

    /// Whether `/api/v1.0/external/...` requests need a bearer token from POST /connect/token.
    /// With `off`, requests without a valid token act for the default organization (a valid
    /// token is still honoured, so a client can act for another organization).
    #[arg(long, env = "SDEMU_AUTH", value_enum, default_value_t = AuthMode::On)]
    pub auth: AuthMode,

    /// Lifetime of the access tokens POST /connect/token issues, in seconds (its
    /// `expires_in`), from 1 to 31536000 (a year).
    #[arg(
        long,
        env = "SDEMU_TOKEN_TTL",
        value_name = "SECONDS",
        default_value_t = 3600,
        value_parser = clap::value_parser!(u32).range(1..=i64::from(MAX_TOKEN_TTL_SECONDS))
    )]
    pub token_ttl: u32,

    /// Add an organization with this client id and secret, its own tenant id and an empty
    /// default workspace. Repeatable; the environment variable takes a comma-separated list
    /// (so neither part can contain a comma; the id cannot contain ':').
    #[arg(
        long = "client",
        env = "SDEMU_CLIENTS",
        value_name = "ID:SECRET",
        value_delimiter = ',',
        value_parser = parse_client,
        hide_env_values = true
    )]
    pub clients: Vec<ClientCredentials>,
    /// Require `Authorization: Bearer TOKEN` on every `/_emulator/` route except health,
    /// ready and openapi.json. Without it the control plane is open to anyone who can reach
    /// the port, except that on a non-loopback --host sdemu generates a token and prints it.
    #[arg(
        long,
        env = "SDEMU_ADMIN_TOKEN",
        value_name = "TOKEN",
        hide_env_values = true
    )]
    pub admin_token: Option<AdminToken>,

    /// Leave the control plane open when --host is not a loopback address and no
    /// --admin-token is given. Without it sdemu then generates an admin token and prints it.
    #[arg(long, env = "SDEMU_OPEN_CONTROL_PLANE")]
    pub open_control_plane: bool,

    /// How many requests the request journal keeps (the oldest are dropped first); 0 turns
    /// the journal off.
    #[arg(
        long,
        env = "SDEMU_JOURNAL_LIMIT",
        value_name = "N",
        default_value_t = DEFAULT_JOURNAL_LIMIT
    )]
    pub journal_limit: usize,

    /// The most bytes of recorded text (paths, queries, headers) the request journal keeps;
    /// beyond it the oldest entries are dropped. At least 65536.
    #[arg(
        long,
        env = "SDEMU_JOURNAL_BYTES",
        value_name = "BYTES",
        default_value_t = DEFAULT_JOURNAL_BYTES,
        value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(65_536..)
    )]
    pub journal_bytes: usize,

    /// A Task Status List answer of more tasks than this is read and sent in chunks of at
    /// most 1,000 tasks (chunked transfer encoding) instead of being built whole, so that
    /// memory stays bounded however large the answer; 1 to 1000000.
    #[arg(
        long,
        env = "SDEMU_STREAM_THRESHOLD",
        value_name = "TASKS",
        default_value_t = DEFAULT_STREAM_THRESHOLD,
        value_parser = clap::value_parser!(u32).range(1..=1_000_000)
    )]
    pub stream_threshold: u32,

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

    /// Allow browser pages from this origin (repeatable, or comma-separated in the
    /// environment); `*` allows any origin. Without it no CORS headers are sent.
    #[arg(
        long = "cors-origin",
        env = "SDEMU_CORS_ORIGINS",
        value_name = "ORIGIN",
        value_delimiter = ','
    )]
    pub cors_origins: Vec<String>,

    /// Whether created and reprocessed tasks move through the processing lifecycle by
    /// themselves (queued, pre-processing, ready for review). Tasks loaded from fixtures keep
    /// the status they were given either way.
    #[arg(long, env = "SDEMU_LIFECYCLE", value_enum, default_value_t = Switch::On)]
    pub lifecycle: Switch,

    /// Seconds a task waits in QueuedForPreProcessing (30) before pre-processing starts.
    #[arg(long, env = "SDEMU_QUEUED_SECONDS", value_name = "SECONDS", default_value_t = 3,
          value_parser = clap::value_parser!(u32).range(0..=i64::from(MAX_STEP_SECONDS)))]
    pub queued_seconds: u32,

    /// Seconds pre-processing (31) takes before it succeeds (34) or fails (32, 33, 35).
    #[arg(long, env = "SDEMU_PROCESSING_SECONDS", value_name = "SECONDS", default_value_t = 8,
          value_parser = clap::value_parser!(u32).range(0..=i64::from(MAX_STEP_SECONDS)))]
    pub processing_seconds: u32,

    /// Seconds a task stays PreProcessingSuccessful (34) before it is ToReview (3).
    #[arg(long, env = "SDEMU_HANDOFF_SECONDS", value_name = "SECONDS", default_value_t = 2,
          value_parser = clap::value_parser!(u32).range(0..=i64::from(MAX_STEP_SECONDS)))]
    pub handoff_seconds: u32,

    /// The share of pre-processing runs that fail, from 0 to 1.
    #[arg(long, env = "SDEMU_FAILURE_RATE", value_name = "SHARE", default_value_t = 0.1,
          value_parser = parse_share)]
    pub failure_rate: f64,

    /// Turn on the automatic reviewer: it starts each review this many seconds after a task
    /// is ToReview and finishes it as long again. Off by default (with --demo: 20).
    #[arg(long, env = "SDEMU_AUTO_REVIEW", value_name = "SECONDS",
          value_parser = clap::value_parser!(u32).range(0..=i64::from(MAX_STEP_SECONDS)))]
    pub auto_review: Option<u32>,

    /// Seed of every random choice of the lifecycle and demo mode (which tasks fail and how,
    /// page counts, demo tasks), so that runs are reproducible.
    #[arg(long, env = "SDEMU_SEED", value_name = "SEED", default_value_t = 42)]
    pub seed: u64,

    /// How the emulator's clock starts: `real` time, or `frozen` at the start-up instant
    /// (then it moves only through POST /_emulator/clock/advance).
    #[arg(long, env = "SDEMU_CLOCK", value_enum, default_value_t = StartClock::Real)]
    pub clock: StartClock,

    /// On SIGTERM or Ctrl-C, how many seconds in-flight requests get to finish.
    #[arg(
        long,
        env = "SDEMU_SHUTDOWN_TIMEOUT",
        value_name = "SECONDS",
        default_value_t = 10
    )]
    pub shutdown_timeout: u64,

    /// Seconds a webhook delivery may take (connecting, sending and the whole answer)
    /// before it counts as failed, from 1 to 300.
    #[arg(
        long,
        env = "SDEMU_WEBHOOK_TIMEOUT",
        value_name = "SECONDS",
        default_value_t = 10,
        value_parser = clap::value_parser!(u64).range(1..=300)
    )]
    pub webhook_timeout: u64,

    /// Let webhooks go to public addresses too (by default only to loopback and private
    /// ones, so that sdemu never becomes an open relay).
    #[arg(long, env = "SDEMU_WEBHOOK_ALLOW_PUBLIC")]
    pub webhook_allow_public: bool,

    /// The address clients reach sdemu at, which file links (`originalFileUrl`,
    /// `exportedFileUrl`) start with. Default: `http://localhost:<port>`. Set it when sdemu
    /// runs in a container or behind a proxy, e.g. `http://sdemu:8080`.
    #[arg(long, env = "SDEMU_PUBLIC_URL", value_name = "URL", value_parser = parse_public_url)]
    pub public_url: Option<String>,

    /// Days an `originalFileUrl` link stays valid, by the emulator's clock (the real
    /// service's default is 180), from 1 to 3650.
    #[arg(
        long,
        env = "SDEMU_ORIGINAL_LINK_DAYS",
        value_name = "DAYS",
        default_value_t = 180,
        value_parser = clap::value_parser!(u32).range(1..=3650)
    )]
    pub original_link_days: u32,

    /// Compress answers of 1 KiB or more for clients that ask (`Accept-Encoding`: gzip or
    /// br, at their fastest level). Off by default: on one machine compressing costs more
    /// time than it saves.
    #[arg(long, env = "SDEMU_COMPRESSION", value_enum, default_value_t = Switch::Off)]
    pub compression: Switch,

    #[command(flatten)]
    pub connections: ConnectionOptions,

    #[command(flatten)]
    pub demo: DemoOptions,
}

#[derive(Debug, Clone, Subcommand)]
pub enum Command {
    /// Exit 0 when a running sdemu answers 200 at /_emulator/ready, 1 otherwise (for
    /// container HEALTHCHECKs: no curl needed).
    Healthcheck {
        /// The URL to check; by default the ready endpoint at the address in --address-file
        /// when that file exists, else on 127.0.0.1 and --port.
        #[arg(long)]
        url: Option<String>,
    },
    /// Print the OpenAPI 3.1 description of every route (what GET /_emulator/openapi.json
    /// serves) to stdout, and exit.
    Openapi,
    /// Read an account of a SmartDocumentor service (workspaces, batches, the Task Status
    /// List over a date range, in time windows) and write it as a fixture file that
    /// `sdemu --fixtures FILE` loads as it is.
    Capture(Box<CaptureOptions>),
    /// Send the same catalogue of read-only requests (the documented example, each filter,
    /// sorts, date edges, error cases) to a SmartDocumentor service and to an sdemu, and
    /// report every difference in status, headers and body; with --allow-writes, also a
    /// catalogue of writes, compared by shape only. Exit status: 0 no difference, 1
    /// differences, 2 an error (a side unreachable, a token refused).
    Compare(Box<CompareOptions>),
    /// Print a completion script for SHELL to stdout, and exit: e.g.
    /// `sdemu completions bash > ~/.local/share/bash-completion/completions/sdemu`.
    Completions {
        /// The shell the script is for.
        #[arg(value_enum)]
        shell: CompletionShell,
    },
}

/// The shells `sdemu completions` writes scripts for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CompletionShell {
    Bash,
    Zsh,
    Fish,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AuthMode {
    /// Every API request needs a valid bearer token.
    On,
    /// No token needed: the default organization is served (demos).
    Off,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Switch {
    On,
    Off,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StartClock {
    /// The real time.
    Real,
    /// Stopped at the start-up instant.
    Frozen,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines for a terminal.
    Pretty,
    /// One JSON object per line, for log collectors.
    Json,
}

/// The control plane's token. Its `Debug` output hides the value, so printing the
/// configuration can never leak it.
#[derive(Clone, PartialEq, Eq)]
pub struct AdminToken(String);

impl AdminToken {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for AdminToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AdminToken(<hidden>)")
    }
}

impl std::str::FromStr for AdminToken {
    type Err = &'static str;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        if text.is_empty() {
            Err("the admin token must not be empty")
        } else {
            Ok(Self(text.to_owned()))
        }
    }
}

/// `--client ID:SECRET`, split at the first colon: the id cannot contain one, the secret can.
fn parse_client(text: &str) -> Result<ClientCredentials, String> {
    let Some((client_id, client_secret)) = text.split_once(':') else {
        return Err("expected CLIENT_ID:CLIENT_SECRET".into());
    };
    if client_id.trim().is_empty() {
        return Err("the client id before ':' is empty".into());
    }
    if client_secret.is_empty() {
        return Err(format!("the secret of client '{client_id}' is empty"));
    }
    Ok(ClientCredentials {
        client_id: client_id.to_owned(),
        client_secret: client_secret.to_owned(),
    })
}

/// A whole number from `min` to `max`.
fn whole_number(min: u32, max: u32) -> clap::builder::RangedI64ValueParser<u32> {
    clap::value_parser!(u32).range(i64::from(min)..=i64::from(max))
}

/// A share from 0 to 1 (`--failure-rate`).
fn parse_share(text: &str) -> Result<f64, String> {
    let share: f64 = text
        .trim()
        .parse()
        .map_err(|_| format!("'{text}' is not a number"))?;
    if (0.0..=1.0).contains(&share) {
        Ok(share)
    } else {
        Err(format!("{share} is not a share from 0 to 1"))
    }
}

impl Config {
    /// Whether `--host` accepts connections from other hosts: anything but a loopback
    /// address or `localhost`.
    pub fn listens_beyond_loopback(&self) -> bool {
        match self.host.parse::<std::net::IpAddr>() {
            Ok(address) => !address.is_loopback(),
            Err(_) => !self.host.eq_ignore_ascii_case("localhost"),
        }
    }

    /// What file links start with: `--public-url`, or `http://localhost:<port>`.
    pub fn link_base(&self) -> String {
        self.public_url
            .clone()
            .unwrap_or_else(|| format!("http://localhost:{}", self.port))
    }

    /// The lifecycle's settings from the options.
    pub fn lifecycle_settings(&self) -> LifecycleSettings {
        LifecycleSettings {
            enabled: self.lifecycle == Switch::On,
            queued_seconds: i64::from(self.queued_seconds),
            processing_seconds: i64::from(self.processing_seconds),
            handoff_seconds: i64::from(self.handoff_seconds),
            failure_rate: self.failure_rate,
            auto_review_seconds: self
                .auto_review
                .or(self.demo.enabled.then_some(DEMO_AUTO_REVIEW_SECONDS))
                .map(i64::from),
            seed: self.seed,
        }
    }

    /// Demo mode's settings from the options.
    pub fn demo_settings(&self) -> DemoSettings {
        self.demo.settings(self.seed)
    }
}

/// `--public-url`: an absolute `http://` or `https://` URL, kept without a trailing slash.
fn parse_public_url(text: &str) -> Result<String, String> {
    let url = url::Url::parse(text).map_err(|error| format!("not a URL: {error}"))?;
    if !matches!(url.scheme(), "http" | "https") || !url.has_host() {
        return Err("must be an http:// or https:// URL with a host".to_owned());
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err("must not have a query or a fragment".to_owned());
    }
    Ok(text.trim_end_matches('/').to_owned())
}

#[cfg(test)]
mod tests;
