//! The options of `sdemu capture`: which account to read, over which dates, how politely,
//! and where to write the fixture. Secrets come only from flags or `SDEMU_*` variables.

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use clap::Args;

use super::upstream::{Secret, UpstreamOptions};
use crate::domain::time::{parse_instant, DATE_EXPECTATION};

/// The most requests per second `--rate` allows.
pub const MAX_CAPTURE_RATE: u32 = 100;

/// The longest time window `--window-days` allows.
pub const MAX_WINDOW_DAYS: u32 = 366;

/// `sdemu capture`'s options.
#[derive(Debug, Clone, Args)]
pub struct CaptureOptions {
    /// The service to read and its API client.
    #[command(flatten)]
    pub upstream: UpstreamOptions,

    /// Tasks created at or after this instant (RFC 3339 or a date). Default: 365 days
    /// before --to.
    #[arg(long, env = "SDEMU_CAPTURE_FROM", value_name = "DATE", value_parser = parse_date)]
    pub from: Option<DateTime<Utc>>,

    /// Tasks created at or before this instant (RFC 3339 or a date). Default: now.
    #[arg(long, env = "SDEMU_CAPTURE_TO", value_name = "DATE", value_parser = parse_date)]
    pub to: Option<DateTime<Utc>>,

    /// Only this workspace (repeatable; comma-separated in the environment). Default: every
    /// workspace of the account.
    #[arg(
        long = "workspace",
        env = "SDEMU_CAPTURE_WORKSPACES",
        value_name = "N",
        value_delimiter = ','
    )]
    pub workspaces: Vec<i64>,

    /// Days of tasks asked for in one Task Status List request, from 1 to 366.
    #[arg(
        long,
        env = "SDEMU_CAPTURE_WINDOW_DAYS",
        value_name = "DAYS",
        default_value_t = 30,
        value_parser = clap::value_parser!(u32).range(1..=i64::from(MAX_WINDOW_DAYS))
    )]
    pub window_days: u32,

    /// Replace display names, descriptions and external ids (of workspaces, batches and
    /// tasks) and the client id by keyed hashes, the same value always by the same text, so
    /// that the capture can be shared. Needs --anonymize-key.
    #[arg(long, env = "SDEMU_CAPTURE_ANONYMIZE", requires = "anonymize_key")]
    pub anonymize: bool,

    /// The key of --anonymize's hashes: captures with the same key agree, and nobody without
    /// it can test guessed names against them. Choose one of your own (not the client
    /// secret: a shared capture would let anyone test guesses of it) and keep it.
    #[arg(
        long,
        env = "SDEMU_CAPTURE_ANONYMIZE_KEY",
        value_name = "KEY",
        hide_env_values = true
    )]
    pub anonymize_key: Option<Secret>,

    /// At most this many requests per second to the upstream, from 1 to 100.
    #[arg(
        long,
        env = "SDEMU_CAPTURE_RATE",
        value_name = "N",
        default_value_t = 5,
        value_parser = clap::value_parser!(u32).range(1..=i64::from(MAX_CAPTURE_RATE))
    )]
    pub rate: u32,

    /// The fixture file to write (replaced at the end, all at once).
    #[arg(long, env = "SDEMU_CAPTURE_OUT", value_name = "FILE")]
    pub out: PathBuf,
}

/// `--from` / `--to`: the forms the API accepts for its dates.
pub(super) fn parse_date(text: &str) -> Result<DateTime<Utc>, String> {
    parse_instant(text).ok_or_else(|| format!("expected {DATE_EXPECTATION}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_take_the_forms_the_api_accepts() {
        assert_eq!(
            parse_date("2022-03-16").unwrap().to_rfc3339(),
            "2022-03-16T00:00:00+00:00"
        );
        assert!(parse_date("2022-03-16T16:59:55Z").is_ok());
        assert!(parse_date("yesterday").is_err());
    }
}
