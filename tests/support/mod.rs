//! What the tests that run the real binary share: reading its output as it comes.

pub mod demo_cli;
pub mod sdemu;

use std::io::{BufRead, BufReader};
use std::process::Child;
use std::sync::mpsc::Receiver;
use std::time::Duration;

/// The lines the child writes to its (piped) stdout, read on a thread as they come.
pub fn stdout_lines(child: &mut Child) -> Receiver<String> {
    let stdout = child.stdout.take().expect("stdout is piped");
    let (lines, received) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = lines.send(line);
        }
    });
    received
}

/// The base URL sdemu's first line gives: "sdemu listening on http://127.0.0.1:PORT".
pub fn listening_url(lines: &Receiver<String>) -> String {
    let first = lines
        .recv_timeout(Duration::from_secs(30))
        .expect("sdemu prints its address");
    first
        .strip_prefix("sdemu listening on ")
        .unwrap_or_else(|| panic!("unexpected first line: {first}"))
        .to_owned()
}
