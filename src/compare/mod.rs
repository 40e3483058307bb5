//! `sdemu compare`: sends the same catalogue of read-only requests (and, with
//! `--allow-writes`, of writes) to a SmartDocumentor service (the upstream) and to an sdemu
//! (local), and reports, per request, where status, the headers that matter and the body
//! differ.
//!
//! | Module | Its job |
//! | --- | --- |
//! | `catalogue` | the read requests, fitted to the account's workspaces, tasks and dates |
//! | `writes` | the write requests (`--allow-writes`), compared by shape only; each side's ids |
//! | `diff` | the structural JSON diff, by JSON path |
//! | `report` | one request's answers compared; the table and the JSON report |
//! | `local` | `--fixtures`: an sdemu of our own serving a capture, stopped at the end |
//!
//! The HTTP session (token, rate, `Retry-After`) is `capture`'s.

mod catalogue;
mod diff;
mod local;
mod report;
mod writes;

use anyhow::{bail, Context};
use chrono::{Duration, Utc};

pub use self::diff::{json as diff_json, Difference};

use self::catalogue::{range_query, Auth, Request, BAD_TOKEN, STATUS_LIST_PATH, WORKSPACES_PATH};
use self::local::OwnSdemu;
use self::writes::Ids;
use crate::capture::client::{array, Bearer, Body, RawAnswer, Upstream};
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
        &options.upstream.url,
        &options.upstream.client_id,
        options.upstream.client_secret.expose(),
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
        options.upstream.client_secret.expose()
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
            .unwrap_or(&options.upstream.client_id),
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
    let mut requests = catalogue::build(from, to, &workspaces, &tasks);
    // The reads go first, so that what the writes create never shows in their answers.
    if options.allow_writes {
        let workspace = workspaces
            .iter()
            .find_map(|workspace| workspace.get("workspaceId").and_then(|id| id.as_i64()));
        let stamp = Utc::now().format("%Y%m%dT%H%M%SZ").to_string();
        requests.extend(writes::build(workspace, &stamp));
        eprintln!(
            "compare: --allow-writes: creating a batch and a task named \"sdemu compare {stamp}\" \
             on {} and on {}",
            upstream.base(),
            local.base()
        );
    }
    eprintln!(
        "compare: {} requests to {} and {}",
        requests.len(),
        upstream.base(),
        local.base()
    );

    let mut outcomes = Vec::new();
    let (mut upstream_ids, mut local_ids) = (Ids::default(), Ids::default());
    for request in requests {
        let theirs = send(&mut upstream, &request, &mut upstream_ids).await?;
        let ours = send(&mut local, &request, &mut local_ids).await?;
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

/// Sends `request` to one side, its placeholders resolved with that side's `ids`, and keeps
/// the id its answer gives when the request remembers one.
async fn send(side: &mut Upstream, request: &Request, ids: &mut Ids) -> anyhow::Result<RawAnswer> {
    let bearer = match request.auth {
        Auth::Valid => Bearer::Session,
        Auth::Bad => Bearer::Given(BAD_TOKEN),
        Auth::Without => Bearer::Without,
    };
    let body = request.body.as_deref().map(|body| ids.resolve(body));
    let body = body.as_ref().map(|body| Body {
        content_type: "application/json",
        bytes: body.as_bytes(),
    });
    let answer = side
        .raw(
            request.method.clone(),
            &ids.resolve(&request.path),
            body,
            bearer,
        )
        .await?;
    ids.remember(request, &answer);
    Ok(answer)
}
