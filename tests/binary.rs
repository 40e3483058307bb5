//! The real `sdemu` binary: it starts, reports ready to `sdemu healthcheck`, and on SIGTERM
//! finishes cleanly with exit status 0.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

const SDEMU: &str = env!("CARGO_BIN_EXE_sdemu");

fn healthcheck(url: &str) -> bool {
    Command::new(SDEMU)
        .args(["healthcheck", "--url", url])
        .status()
        .expect("sdemu healthcheck runs")
        .success()
}

#[test]
#[cfg(unix)]
fn the_binary_serves_until_sigterm_then_exits_0() {
    let mut child = Command::new(SDEMU)
        .args(["--port", "0", "--log-format", "json"])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("sdemu starts");

    // The first line says where it listens: "sdemu listening on http://127.0.0.1:PORT".
    let stdout = child.stdout.take().unwrap();
    let (lines, received) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = lines.send(line);
        }
    });
    let first = received
        .recv_timeout(Duration::from_secs(30))
        .expect("sdemu prints its address");
    let base = first
        .strip_prefix("sdemu listening on ")
        .unwrap_or_else(|| panic!("unexpected first line: {first}"))
        .to_owned();

    assert!(healthcheck(&format!("{base}/_emulator/ready")));

    let terminated = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(terminated.success());
    let mut status = None;
    for _ in 0..100 {
        if let Some(exit) = child.try_wait().unwrap() {
            status = Some(exit);
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let status = status.unwrap_or_else(|| {
        let _ = child.kill();
        panic!("sdemu did not stop within 10 s of SIGTERM")
    });
    assert!(status.success(), "exit status {status}");

    // Nothing answers any more, and the healthcheck says so with a failing status.
    assert!(!healthcheck(&format!("{base}/_emulator/ready")));
}

#[test]
fn a_bad_fixture_file_stops_start_up_with_a_message_naming_it() {
    let directory = tempfile::tempdir().unwrap();
    let path = directory.path().join("broken.json");
    std::fs::write(&path, r#"[{"taskId": 1}]"#).unwrap();
    let output = Command::new(SDEMU)
        .args(["--port", "0", "--fixtures", path.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("broken.json"), "{stderr}");
    assert!(stderr.contains("tasks[0] (taskId 1)"), "{stderr}");
    assert!(stderr.contains("missing field"), "{stderr}");
}
