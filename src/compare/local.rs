//! `--fixtures` without `--local`: an sdemu of our own, this binary serving the capture on a
//! free loopback port (lifecycle off, so the captured tasks stay as they were), stopped when
//! the comparison ends.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use anyhow::{anyhow, Context};

/// How long the sdemu may take to say where it listens.
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// A running sdemu, stopped when dropped.
pub struct OwnSdemu {
    child: Child,
    pub base: String,
}

impl OwnSdemu {
    /// Starts this binary with `--fixtures fixtures` and waits for its address.
    pub fn start(fixtures: &Path) -> anyhow::Result<Self> {
        let binary = std::env::current_exe().context("cannot find the sdemu binary")?;
        let mut command = Command::new(binary);
        command
            .args(["--host", "127.0.0.1", "--port", "0", "--lifecycle", "off"])
            .arg("--fixtures")
            .arg(fixtures)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        // Its configuration is the flags above, not the caller's SDEMU_* variables.
        for (name, _) in std::env::vars_os() {
            if name.to_string_lossy().starts_with("SDEMU_") {
                command.env_remove(name);
            }
        }
        let mut child = command.spawn().context("cannot start an sdemu")?;
        let stdout = child.stdout.take().expect("stdout is piped");
        let (sender, receiver) = std::sync::mpsc::channel();
        // The first line is the address; the rest is read and dropped, so that the sdemu never
        // writes to a closed pipe.
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            let mut first = String::new();
            let _ = reader.read_line(&mut first);
            let _ = sender.send(first);
            let _ = std::io::copy(&mut reader, &mut std::io::sink());
        });
        let mut own = Self {
            child,
            base: String::new(),
        };
        let first = receiver.recv_timeout(START_TIMEOUT).unwrap_or_default();
        match first.trim().strip_prefix("sdemu listening on ") {
            Some(base) => own.base = base.to_owned(),
            None => {
                let status = own.child.try_wait().ok().flatten();
                return Err(anyhow!(
                    "the sdemu serving --fixtures {} did not start{}",
                    fixtures.display(),
                    status.map_or(String::new(), |status| format!(" ({status})"))
                ));
            }
        }
        Ok(own)
    }
}

impl Drop for OwnSdemu {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
