//! The options of `sdemu capture`: which account to read, over which dates, how politely,
//! and where to write the fixture. Secrets come only from flags or `SDEMU_*` variables.

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use clap::Args;

use crate::domain::time::{parse_instant, DATE_EXPECTATION};

/// The most requests per second `--rate` allows.
pub const MAX_CAPTURE_RATE: u32 = 100;

/// The longest time window `--window-days` allows.
pub const MAX_WINDOW_DAYS: u32 = 366;

/// `sdemu capture`'s options.
#[derive(Debug, Clone, Args)]
pub struct CaptureOptions {
    /// The service to read, e.g. http://127.0.0.1:8080 (only http:// URLs: this build has no
    /// TLS client).
    #[arg(long, env = "SDEMU_UPSTREAM", value_name = "URL", value_parser = parse_upstream)]
    pub upstream: String,

    /// The upstream API client's id.
    #[arg(long, env = "SDEMU_UPSTREAM_CLIENT_ID", value_name = "ID")]
    pub client_id: String,

    /// The upstream API client's secret. Sent only to the upstream's /connect/token; never
    /// written to the capture.
    #[arg(
        long,
        env = "SDEMU_UPSTREAM_CLIENT_SECRET",
        value_name = "SECRET",
        hide_env_values = true
    )]
    pub client_secret: Secret,

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

/// A secret option (the client secret, the anonymisation key). Its `Debug` output hides the
/// value, so printing the options can never leak it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(<hidden>)")
    }
}

impl std::str::FromStr for Secret {
    type Err = &'static str;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        if text.is_empty() {
            Err("must not be empty")
        } else {
            Ok(Self(text.to_owned()))
        }
    }
}

/// `--upstream`: an absolute http:// URL, kept without a trailing slash.
pub(super) fn parse_upstream(text: &str) -> Result<String, String> {
    let url = url::Url::parse(text).map_err(|error| format!("not a URL: {error}"))?;
    if url.scheme() == "https" {
        return Err(
            "https:// is not supported by this build (no TLS client); reach the service \
             through a local TLS-terminating proxy and give its http:// URL"
                .to_owned(),
        );
    }
    if url.scheme() != "http" || !url.has_host() {
        return Err("must be an http:// URL with a host".to_owned());
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err("must not have a query or a fragment".to_owned());
    }
    Ok(text.trim_end_matches('/').to_owned())
}

/// `--from` / `--to`: the forms the API accepts for its dates.
pub(super) fn parse_date(text: &str) -> Result<DateTime<Utc>, String> {
    parse_instant(text).ok_or_else(|| format!("expected {DATE_EXPECTATION}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_upstream_must_be_an_http_url_without_query() {
        assert_eq!(
            parse_upstream("http://127.0.0.1:8080/").unwrap(),
            "http://127.0.0.1:8080"
        );
        assert!(parse_upstream("https://api.example.com")
            .unwrap_err()
            .contains("https:// is not supported"));
        assert!(parse_upstream("ftp://x").is_err());
        assert!(parse_upstream("http://x/?a=1").is_err());
        assert!(parse_upstream("not a url").is_err());
    }

    #[test]
    fn secrets_are_hidden_from_debug_output() {
        let secret: Secret = "s3cret".parse().unwrap();
        assert_eq!(format!("{secret:?}"), "Secret(<hidden>)");
        assert_eq!(secret.expose(), "s3cret");
        assert!("".parse::<Secret>().is_err());
    }

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
