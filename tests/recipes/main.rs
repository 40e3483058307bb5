//! The recipes in `recipes/` (docker compose, Testcontainers for Java, .NET, Python and
//! Node.js, GitHub Actions) and `sdemu completions`, checked as far as a machine without a
//! Docker engine allows: every file parsed, each checked against what the Dockerfile and the
//! real binary offer (port, probe, paths, variables), the commands they run run against the
//! real binary, and the README reproducing or linking each one.

#[path = "../support/mod.rs"]
mod support;

mod completions;
mod compose;
mod github_actions;
mod testcontainers;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

pub const SDEMU: &str = env!("CARGO_BIN_EXE_sdemu");

pub fn repository() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The text of `recipes/{name}`.
pub fn recipe(name: &str) -> String {
    let path = repository().join("recipes").join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

/// `recipes/{name}` parsed as YAML.
pub fn yaml_recipe(name: &str) -> serde_norway::Value {
    serde_norway::from_str(&recipe(name)).unwrap_or_else(|error| panic!("{name}: {error}"))
}

pub fn readme() -> &'static str {
    include_str!("../../README.md")
}

pub fn dockerfile() -> &'static str {
    include_str!("../../Dockerfile")
}

/// The one port the Dockerfile EXPOSEs.
pub fn exposed_port() -> u16 {
    let ports: Vec<u16> = dockerfile()
        .lines()
        .filter_map(|line| line.strip_prefix("EXPOSE "))
        .map(|port| port.trim().parse().expect("EXPOSE names a port"))
        .collect();
    assert_eq!(ports.len(), 1, "the Dockerfile exposes one port: {ports:?}");
    ports[0]
}

/// The JSON array after `CMD` in the Dockerfile's HEALTHCHECK.
pub fn dockerfile_healthcheck() -> Vec<String> {
    let (_, command) = dockerfile()
        .split_once("HEALTHCHECK")
        .and_then(|(_, rest)| rest.split_once("CMD "))
        .expect("the Dockerfile has a HEALTHCHECK ... CMD");
    let array = command.lines().next().unwrap();
    serde_json::from_str(array).expect("the HEALTHCHECK command is a JSON array")
}

/// What `sdemu --help` prints.
pub fn help() -> String {
    let output = Command::new(SDEMU).arg("--help").output().unwrap();
    assert!(output.status.success());
    String::from_utf8(output.stdout).unwrap()
}

/// Every `SDEMU_*` name in `text` (a bare `SDEMU_*`, meaning all of them, left out).
pub fn sdemu_variables(text: &str) -> Vec<String> {
    let mut names: Vec<String> = text
        .match_indices("SDEMU_")
        .map(|(start, _)| {
            text[start..]
                .chars()
                .take_while(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == '_')
                .collect()
        })
        .filter(|name: &String| name.len() > "SDEMU_".len())
        .collect();
    names.sort();
    names.dedup();
    names
}

/// Fails naming every `SDEMU_*` name in recipe `name` that `sdemu --help` does not list.
pub fn assert_variables_exist(name: &str) {
    let help = help();
    let unknown: Vec<String> = sdemu_variables(&recipe(name))
        .into_iter()
        .filter(|variable| {
            !help.contains(&format!("[env: {variable}]"))
                && !help.contains(&format!("[env: {variable}="))
        })
        .collect();
    assert!(
        unknown.is_empty(),
        "{name} names variables sdemu --help does not list: {unknown:?}"
    );
}

/// Whether `program` runs here (`program --version`); the checks that need a tool the
/// machine lacks say so and pass.
pub fn available(program: &str) -> bool {
    let found = Command::new(program)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success());
    if !found {
        eprintln!("{program} is not installed: that check is skipped");
    }
    found
}

/// The real binary on a free loopback port, configured by `variables` only (any `SDEMU_*`
/// of the test's own environment removed); stopped when dropped.
pub struct Running {
    child: Child,
    pub base: String,
}

impl Running {
    pub fn start(variables: &[(String, String)]) -> Self {
        let mut command = Command::new(SDEMU);
        for (name, _) in std::env::vars().filter(|(name, _)| name.starts_with("SDEMU_")) {
            command.env_remove(name);
        }
        let mut child = command
            .envs(variables.iter().map(|(name, value)| (name, value)))
            .args(["--port", "0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("sdemu starts");
        let lines = support::stdout_lines(&mut child);
        let base = support::listening_url(&lines);
        Self { child, base }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Fails unless the README holds recipe `name` exactly as the file reads.
pub fn assert_readme_reproduces(name: &str) {
    assert!(
        readme().contains(&recipe(name)),
        "the README's copy of recipes/{name} differs from the file"
    );
    assert!(
        readme().contains(&format!("(recipes/{name})")),
        "the README links recipes/{name}"
    );
}

/// A temporary copy of `text` named `file_name`, for tools that read files.
pub fn temporary_file(directory: &tempfile::TempDir, file_name: &str, text: &str) -> PathBuf {
    let path = directory.path().join(file_name);
    std::fs::write(&path, text).unwrap();
    path
}
