//! `sdemu compare`: sends the same catalogue of read-only requests to a SmartDocumentor
//! service (the upstream) and to an sdemu (local), and reports, per request, where status,
//! the headers that matter and the body differ.
//!
//! | Module | Its job |
//! | --- | --- |
//! | `catalogue` | the requests, fitted to the account's workspaces, tasks and dates |
//! | `diff` | the structural JSON diff, by JSON path |
//! | `report` | one request's answers compared; the table and the JSON report |
//! | `local` | `--fixtures`: an sdemu of our own serving a capture, stopped at the end |
//!
//! The HTTP session (token, rate, `Retry-After`) is `capture`'s.

mod catalogue;
mod diff;
mod local;
mod report;

use anyhow::{bail, Context};
use chrono::{Duration, Utc};

pub use self::diff::{json as diff_json, Difference};

use self::catalogue::{range_query, Auth, BAD_TOKEN, STATUS_LIST_PATH, WORKSPACES_PATH};
use self::local::OwnSdemu;
use crate::capture::client::{array, Bearer, Upstream};
use crate::capture::PLACEHOLDER_CLIENT_SECRET;
use crate::config::{CompareOptions, Secret};

/// The default range when `--from` is not given: this many days before `--to`.
const DEFAULT_RANGE_DAYS: i64 = 365;

/// Runs a comparison and prints its report to stdout: `Ok(true)` when any request's answers
/// differ. An error when either side cannot be reached or refuses its credentials.
pub async fn run(options: &CompareOptions) -> anyhow::Result<bool> {
    let to = options.to.unwrap_or_else(Utc::now);
    let from = options
        .from
        .unwrap_or(to - Duration::days(DEFAULT_RANGE_DAYS));
    if from > to {
        bail!("--from is after --to");
    }
    let mut upstream = Upstream::new(
        &options.upstream,
        &options.client_id,
        options.client_secret.expose(),
        options.rate,
    )?
    .labelled("compare");
    // Either --local, or our own sdemu serving --fixtures (stopped when this returns).
    let own = match &options.fixtures {
        Some(fixtures) if options.local.is_none() => Some(OwnSdemu::start(fixtures)?),
        _ => None,
    };
    let local_base = match (&own, &options.local) {
        (Some(own), _) => own.base.clone(),
        (None, Some(local)) => local.clone(),
        (None, None) => bail!("give --local or --fixtures"),
    };
    let default_secret = if own.is_some() {
        PLACEHOLDER_CLIENT_SECRET
    } else {
        options.client_secret.expose()
    };
    let local_secret = options
        .local_client_secret
        .as_ref()
        .map_or(default_secret, Secret::expose);
    let mut local = Upstream::new(
        &local_base,
        options
            .local_client_id
            .as_deref()
            .unwrap_or(&options.client_id),
        local_secret,
        options.rate,
    )?
    .labelled("compare");
    upstream.sign_in().await.context(
        "cannot take a token from the upstream (--upstream, --client-id, --client-secret)",
    )?;
    local.sign_in().await.context(
        "cannot take a token from the local sdemu (--local, --local-client-id, \
         --local-client-secret; by default the upstream's credentials)",
    )?;

    // What the account holds, to fit the catalogue to it.
    let workspaces = array(
        upstream.get(WORKSPACES_PATH).await?,
        &format!("GET {WORKSPACES_PATH}"),
    )?;
    let list = format!("{STATUS_LIST_PATH}?{}", range_query(from, to));
    let tasks = array(upstream.get(&list).await?, &format!("GET {list}"))?;
    let requests = catalogue::build(from, to, &workspaces, &tasks);
    eprintln!(
        "compare: {} requests to {} and {}",
        requests.len(),
        upstream.base(),
        local.base()
    );

    let mut outcomes = Vec::new();
    for request in requests {
        let bearer = || match request.auth {
            Auth::Valid => Bearer::Session,
            Auth::Bad => Bearer::Given(BAD_TOKEN),
            Auth::Without => Bearer::Without,
        };
        let theirs = upstream.raw_get(&request.path, bearer()).await?;
        let ours = local.raw_get(&request.path, bearer()).await?;
        outcomes.push(report::outcome(request, &theirs, &ours));
    }
    if options.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&report::json(&outcomes))?
        );
    } else {
        print!("{}", report::table(&outcomes));
    }
    Ok(outcomes.iter().any(|outcome| outcome.total > 0))
}
