//! `sdemu capture` and `sdemu compare` run as a user would, against sdemus serving the demo
//! organization: what the compare tests share.
#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Output};

const SDEMU: &str = env!("CARGO_BIN_EXE_sdemu");

/// The demo organization's credentials.
pub const DEMO_CLIENT: &str = "sdemu-demo";
pub const DEMO_SECRET: &str = "sdemu-demo-secret";

/// Runs `sdemu compare` of `upstream` (the demo organization's credentials) and `local`.
pub fn compare(upstream: &str, local: &str, extra: &[&str]) -> Output {
    compare_with(upstream, &["--local", local], extra)
}

/// Runs `sdemu compare` of `upstream` and the sdemu `local` names (`--local URL` or
/// `--fixtures FILE`).
pub fn compare_with(upstream: &str, local: &[&str], extra: &[&str]) -> Output {
    Command::new(SDEMU)
        .args(["compare", "--upstream", upstream])
        .args(local)
        .args(["--client-id", DEMO_CLIENT, "--rate", "100"])
        .args(["--from", "2021-01-01", "--to", "2027-01-01"])
        .args(extra)
        .env("SDEMU_UPSTREAM_CLIENT_SECRET", DEMO_SECRET)
        .output()
        .expect("sdemu compare runs")
}

/// Captures the demo organization of the sdemu at `base` into `out`.
pub fn capture_demo(base: &str, out: &Path) {
    let captured = Command::new(SDEMU)
        .args(["capture", "--upstream", base, "--client-id", DEMO_CLIENT])
        .args(["--client-secret", DEMO_SECRET, "--rate", "100"])
        .args(["--from", "2021-01-01", "--to", "2027-01-01"])
        .args(["--window-days", "366", "--out"])
        .arg(out)
        .output()
        .expect("sdemu capture runs");
    assert!(captured.status.success(), "{}", text(&captured.stderr));
}

/// Output bytes as text, for messages and checks.
pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}
