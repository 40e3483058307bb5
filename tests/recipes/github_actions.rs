//! `recipes/github-actions.yml`: one job that builds the image from this repository, runs it,
//! waits until the binary's own probe passes, then runs the tests; the test step's commands
//! run as written against the real binary.

use std::process::Command;

use serde_norway::Value;

use crate::{
    assert_variables_exist, available, exposed_port, recipe, repository, yaml_recipe, Running,
};

fn job() -> Value {
    let workflow = yaml_recipe("github-actions.yml");
    let jobs = workflow["jobs"].as_mapping().expect("a jobs map");
    assert_eq!(jobs.len(), 1);
    workflow["jobs"]["integration"].clone()
}

/// The position of the first step `matches` accepts, and the step.
fn step(job: &Value, what: &str, matches: impl Fn(&Value) -> bool) -> (usize, Value) {
    job["steps"]
        .as_sequence()
        .expect("a steps list")
        .iter()
        .enumerate()
        .find(|(_, step)| matches(step))
        .map(|(index, step)| (index, step.clone()))
        .unwrap_or_else(|| panic!("no step {what}"))
}

fn runs(step: &Value, text: &str) -> bool {
    step["run"].as_str().is_some_and(|run| run.contains(text))
}

fn named(step: &Value, name: &str) -> bool {
    step["name"].as_str() == Some(name)
}

#[test]
fn the_job_builds_the_image_from_this_repository_then_runs_that_image() {
    let job = job();
    // A service container could only use an image pulled from a registry.
    assert!(job["services"].is_null());
    let text = recipe("github-actions.yml");
    assert!(!text.contains("image:") && !text.contains("ghcr.io") && !text.contains("your-org"));

    let (built_at, build) = step(&job, "building the image", |step| {
        step["uses"]
            .as_str()
            .is_some_and(|action| action.starts_with("docker/build-push-action@"))
    });
    let context = build["with"]["context"].as_str().unwrap();
    assert_eq!(context, ".");
    assert!(repository().join(context).join("Dockerfile").is_file());
    assert_eq!(build["with"]["load"].as_bool(), Some(true));
    assert!(build["with"]["push"].is_null() || build["with"]["push"].as_bool() == Some(false));
    let tag = build["with"]["tags"].as_str().unwrap();

    let (started_at, _) = step(&job, "running the image", |step| {
        runs(step, "docker run -d --name sdemu")
            && runs(step, &format!("-p 127.0.0.1:8080:{}", exposed_port()))
            && runs(step, "-e SDEMU_ADMIN_TOKEN")
            && step["run"].as_str().unwrap().trim_end().ends_with(tag)
    });
    assert!(built_at < started_at);
    let (checked_out_at, _) = step(&job, "checking out", |step| {
        step["uses"]
            .as_str()
            .is_some_and(|action| action.starts_with("actions/checkout@"))
    });
    assert!(checked_out_at < built_at);
}

#[test]
fn the_tests_wait_until_the_binarys_own_probe_passes() {
    let job = job();
    let (started_at, _) = step(&job, "running the image", |step| runs(step, "docker run"));
    let (ready_at, _) = step(&job, "waiting until ready", |step| {
        runs(step, "timeout ") && runs(step, "docker exec sdemu /usr/local/bin/sdemu healthcheck")
    });
    let (tests_at, _) = step(&job, "of tests", |step| named(step, "Integration tests"));
    assert!(started_at < ready_at && ready_at < tests_at);
    let (_, logs) = step(&job, "showing the log", |step| {
        runs(step, "docker logs sdemu")
    });
    assert_eq!(logs["if"].as_str(), Some("failure()"));
    assert_variables_exist("github-actions.yml");
    crate::assert_readme_reproduces("github-actions.yml");
}

#[test]
fn the_test_step_runs_as_written_against_the_real_binary() {
    if !available("curl") || !available("jq") || !available("bash") {
        return;
    }
    let job = job();
    let token = job["env"]["SDEMU_ADMIN_TOKEN"].as_str().unwrap().to_owned();
    let (_, tests) = step(&job, "of tests", |step| named(step, "Integration tests"));
    let script = tests["run"].as_str().unwrap();
    let sdemu = Running::start(&[("SDEMU_ADMIN_TOKEN".to_owned(), token.clone())]);
    // The shell GitHub runs `run:` with on Linux.
    let output = Command::new("bash")
        .args(["--noprofile", "--norc", "-eo", "pipefail", "-c", script])
        .env("SMARTDOCUMENTOR_URL", &sdemu.base)
        .env("SDEMU_ADMIN_TOKEN", &token)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    // The reset's counts, then jq's verdict on the documented example's task ids.
    assert!(stdout.contains(r#""tasks":2904"#), "{stdout}");
    assert!(stdout.trim_end().ends_with("true"), "{stdout}");
}
