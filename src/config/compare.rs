//! The options of `sdemu compare`: the service and the sdemu to compare, their credentials,
//! the dates the catalogue of requests covers, and the output. Secrets come only from flags or
//! `SDEMU_*` variables.

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use clap::Args;

use super::capture::{parse_date, MAX_CAPTURE_RATE};
use super::upstream::{parse_upstream, Secret, UpstreamOptions};

/// `sdemu compare`'s options.
#[derive(Debug, Clone, Args)]
pub struct CompareOptions {
    /// The real service and its API client.
    #[command(flatten)]
    pub upstream: UpstreamOptions,

    /// The sdemu to compare with the upstream, e.g. http://127.0.0.1:8080. Needed unless
    /// --fixtures is given.
    #[arg(
        long,
        env = "SDEMU_COMPARE_LOCAL",
        value_name = "URL",
        value_parser = parse_upstream,
        required_unless_present = "fixtures",
        conflicts_with = "fixtures"
    )]
    pub local: Option<String>,

    /// Instead of --local: start an sdemu of our own serving this fixture file (a capture),
    /// on a free loopback port, for the comparison only. Its client secret is then by default
    /// the capture's placeholder.
    #[arg(long, env = "SDEMU_COMPARE_FIXTURES", value_name = "FILE")]
    pub fixtures: Option<PathBuf>,

    /// The local sdemu's client id. Default: --client-id.
    #[arg(long, env = "SDEMU_COMPARE_LOCAL_CLIENT_ID", value_name = "ID")]
    pub local_client_id: Option<String>,

    /// The local sdemu's client secret. Default: --client-secret (with --fixtures: the
    /// capture's placeholder secret).
    #[arg(
        long,
        env = "SDEMU_COMPARE_LOCAL_CLIENT_SECRET",
        value_name = "SECRET",
        hide_env_values = true
    )]
    pub local_client_secret: Option<Secret>,

    /// The date range of the catalogue's task list requests, from (RFC 3339 or a date).
    /// Default: 365 days before --to.
    #[arg(long, env = "SDEMU_COMPARE_FROM", value_name = "DATE", value_parser = parse_date)]
    pub from: Option<DateTime<Utc>>,

    /// The date range of the catalogue's task list requests, to. Default: now.
    #[arg(long, env = "SDEMU_COMPARE_TO", value_name = "DATE", value_parser = parse_date)]
    pub to: Option<DateTime<Utc>>,

    /// At most this many requests per second to each side, from 1 to 100.
    #[arg(
        long,
        env = "SDEMU_COMPARE_RATE",
        value_name = "N",
        default_value_t = 5,
        value_parser = clap::value_parser!(u32).range(1..=i64::from(MAX_CAPTURE_RATE))
    )]
    pub rate: u32,

    /// Also send the write catalogue (Create Batch, Create Task, External Integration Status,
    /// Reprocess Task, their error cases and reads of what they wrote) to both sides,
    /// compared by shape only. This creates a real batch and task on the upstream account.
    /// Without it, nothing that writes is ever sent.
    #[arg(long, env = "SDEMU_COMPARE_ALLOW_WRITES")]
    pub allow_writes: bool,

    /// Print the report as JSON instead of a table.
    #[arg(long, env = "SDEMU_COMPARE_JSON")]
    pub json: bool,
}
