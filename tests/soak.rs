//! The soak: the real binary with a `--database` file and the demo data, 64 clients at once
//! for `SDEMU_SOAK_SECONDS` (20 by default; CI runs 60), a mixed workload of lists, pages,
//! single tasks, creates, reprocesses, tokens, resets and seeds. No 5xx, no connection
//! error, `database is locked` never logged, memory under a ceiling and (in runs longer than
//! the 30 s warm-up) flat after the warm-up. It prints
//! each kind's p50/p99 and the memory it saw, for the README. `SDEMU_BIN` runs it against
//! another build (e.g. `target/release/sdemu`).

#![cfg(target_os = "linux")]

mod support;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const SDEMU: &str = env!("CARGO_BIN_EXE_sdemu");
const CLIENTS: usize = 64;
const LIST: &str = "/api/v1.0/external/sdtask/statuslist?startDate=2025-06-01T00:00:00Z&endDate=2025-10-31T23:59:59Z&workspaceId=1";
const PAGE: &str = "/api/v1.0/external/sdtask/statuslistpaginated?startDate=2022-01-01T00:00:00Z&endDate=2026-12-31T00:00:00Z&pageNumber=3&pageSize=50";

/// How long memory may grow before it must stay flat: in a debug build, SQLite's page
/// caches, the journal (2,000 entries by default, filled in seconds) and the allocator's arenas fill
/// for about this long (measured: 26 → 63 MiB in 10 s, 92 MiB at 30 s, 101 MiB at 60 s).
/// A run of 20 s checks only the ceiling; CI's 60 s run checks flatness too.
const WARM_UP_SECONDS: usize = 30;
/// Resident memory the process never passes, at any time of any run (debug build).
const MEMORY_CEILING_MIB: u64 = 256;

fn seconds() -> u64 {
    std::env::var("SDEMU_SOAK_SECONDS")
        .ok()
        .and_then(|text| text.parse().ok())
        .unwrap_or(20)
}

/// Resident memory of `pid` in KiB.
fn resident_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

/// The binary under test: this build's, or `SDEMU_BIN` (a release build, to measure).
fn binary() -> String {
    std::env::var("SDEMU_BIN").unwrap_or_else(|_| SDEMU.to_owned())
}

fn start(database: &std::path::Path) -> (Child, String, Arc<Mutex<Vec<String>>>) {
    let mut child = Command::new(binary())
        .args(["--port", "0", "--log-format", "json", "--database"])
        .arg(database)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("sdemu starts");
    let logs = Arc::new(Mutex::new(Vec::new()));
    let stderr = child.stderr.take().unwrap();
    let kept = logs.clone();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            kept.lock().unwrap().push(line);
        }
    });
    let base = support::listening_url(&support::stdout_lines(&mut child));
    (child, base, logs)
}

/// What one kind of request saw.
#[derive(Default)]
struct Kind {
    latencies: Vec<Duration>,
    failures: Vec<String>,
}

#[derive(Default)]
struct Results {
    kinds: std::collections::BTreeMap<&'static str, Kind>,
}

impl Results {
    fn record(&mut self, kind: &'static str, took: Duration, failure: Option<String>) {
        let entry = self.kinds.entry(kind).or_default();
        entry.latencies.push(took);
        entry.failures.extend(failure);
    }
}

async fn token(client: &reqwest::Client, base: &str) -> Result<String, String> {
    let response = client
        .post(format!("{base}/connect/token"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("scope", "WebAPI"),
            ("client_id", "sdemu-demo"),
            ("client_secret", "sdemu-demo-secret"),
        ])
        .send()
        .await
        .map_err(|error| format!("connection: {error}"))?;
    let body: serde_json::Value = response.json().await.map_err(|error| error.to_string())?;
    body["access_token"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| format!("no token: {body}"))
}

async fn client_loop(
    id: usize,
    base: String,
    until: Instant,
    results: Arc<Mutex<Results>>,
) -> Result<(), String> {
    let client = reqwest::Client::new();
    let mut bearer = token(&client, &base).await?;
    let mut created: Vec<i64> = Vec::new();
    let mut step = id;
    while Instant::now() < until {
        step += 1;
        // One client resets and one seeds, every 25th request; the rest is the API.
        let rare = step.is_multiple_of(25);
        let (kind, request) = match step % 40 {
            _ if rare && id == 0 => ("reset", client.post(format!("{base}/_emulator/reset"))),
            _ if rare && id == 1 => (
                "seed",
                client
                    .post(format!("{base}/_emulator/seed?mode=merge"))
                    .json(&serde_json::json!({"taskStatuses": [{"value": 77, "name": "Soaked"}]})),
            ),
            2 => {
                bearer = token(&client, &base).await?;
                continue;
            }
            3..=8 => (
                "create",
                client
                    .post(format!("{base}/api/v1.0/external/sdtask/process"))
                    .json(&serde_json::json!({"context": {"url": format!("https://example.com/soak-{id}-{step}.pdf")}})),
            ),
            9..=11 if !created.is_empty() => (
                "reprocess",
                client.patch(format!(
                    "{base}/api/v1.0/external/sdtask/restartprocessing?taskId={}",
                    created[step % created.len()]
                )),
            ),
            12..=19 => ("page", client.get(format!("{base}{PAGE}"))),
            20..=27 => (
                "single",
                client.get(format!(
                    "{base}/api/v1.0/external/sdtask/status?taskId={}",
                    1 + step % 2000
                )),
            ),
            _ => ("list", client.get(format!("{base}{LIST}"))),
        };
        let started = Instant::now();
        let outcome = request.bearer_auth(&bearer).send().await;
        let took = started.elapsed();
        let failure = match outcome {
            Err(error) => Some(format!("{kind}: connection error: {error}")),
            Ok(response) => {
                let status = response.status();
                let body = response.bytes().await.map_err(|error| error.to_string())?;
                if status.is_server_error() {
                    Some(format!(
                        "{kind}: {status} {}",
                        String::from_utf8_lossy(&body)
                    ))
                } else {
                    if kind == "create" && status.is_success() {
                        let task: serde_json::Value = serde_json::from_slice(&body).unwrap();
                        created.push(task["taskId"].as_i64().unwrap());
                    }
                    None
                }
            }
        };
        results.lock().unwrap().record(kind, took, failure);
    }
    Ok(())
}

fn percentile(sorted: &[Duration], fraction: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let index = ((sorted.len() as f64 * fraction).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[index].as_secs_f64() * 1000.0
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sixty_four_clients_get_no_5xx_no_lock_errors_and_memory_stays_flat() {
    let directory = tempfile::tempdir().unwrap();
    let (mut child, base, logs) = start(&directory.path().join("sdemu.db"));
    let pid = child.id();
    let total = Duration::from_secs(seconds());
    let until = Instant::now() + total;
    let results = Arc::new(Mutex::new(Results::default()));
    let clients: Vec<_> = (0..CLIENTS)
        .map(|id| tokio::spawn(client_loop(id, base.clone(), until, results.clone())))
        .collect();
    // Resident memory every second while the clients run.
    let mut samples = Vec::new();
    let mut every_second = tokio::time::interval(Duration::from_secs(1));
    while Instant::now() < until {
        every_second.tick().await;
        samples.push(resident_kib(pid));
    }
    for client in clients {
        client.await.unwrap().expect("the client ran");
    }
    eprintln!(
        "soak: resident memory each second (MiB): {:?}",
        samples.iter().map(|kib| kib / 1024).collect::<Vec<_>>()
    );
    let highest = samples.iter().copied().max().unwrap_or(0);
    let (warm_up, steady) = samples.split_at(WARM_UP_SECONDS.min(samples.len()));
    let warm = warm_up.iter().copied().max().unwrap_or(0);
    let peak = steady.iter().copied().max();
    let end = resident_kib(pid);
    child.kill().unwrap();
    child.wait().unwrap();

    let results = results.lock().unwrap();
    let mut requests = 0;
    let mut failures = Vec::new();
    for (kind, seen) in &results.kinds {
        let mut sorted = seen.latencies.clone();
        sorted.sort();
        requests += sorted.len();
        eprintln!(
            "soak {kind:>9}: {:>6} requests, p50 {:>7.1} ms, p99 {:>7.1} ms, max {:>7.1} ms",
            sorted.len(),
            percentile(&sorted, 0.5),
            percentile(&sorted, 0.99),
            percentile(&sorted, 1.0),
        );
        failures.extend(seen.failures.iter().cloned());
    }
    eprintln!(
        "soak: {requests} requests in {} s; memory: highest in the warm-up ({WARM_UP_SECONDS} s) {} MiB, after it {}, at the end {} MiB",
        total.as_secs(),
        warm / 1024,
        peak.map_or("(run longer to see)".to_owned(), |kib| format!("{} MiB", kib / 1024)),
        end / 1024
    );
    assert!(
        failures.is_empty(),
        "{} failures: {:?}",
        failures.len(),
        &failures[..failures.len().min(5)]
    );
    let logs = logs.lock().unwrap();
    let locked: Vec<&String> = logs
        .iter()
        .filter(|line| line.contains("database is locked"))
        .collect();
    assert!(locked.is_empty(), "{locked:?}");
    assert!(
        highest <= MEMORY_CEILING_MIB * 1024,
        "resident memory reached {highest} KiB, above {MEMORY_CEILING_MIB} MiB"
    );
    if let Some(peak) = peak {
        assert!(
            // What may still grow after the warm-up is bounded: SQLite's page cache (2 MiB
            // for each of the 8 pooled connections) as the database grows, and allocator slack.
            peak <= warm + 24 * 1024,
            "memory grew after the warm-up: {warm} KiB in it, {peak} KiB after it"
        );
    }
}
