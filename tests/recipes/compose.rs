//! `recipes/docker-compose.yml` and `recipes/sdemu.env.example`: the image built from this
//! repository, published as the README says, healthy by the binary's own probe, the admin
//! token from the env file; and that env file, given to the real binary, locks the control
//! plane with its token.

use serde_norway::Value;

use crate::{
    assert_readme_reproduces, assert_variables_exist, dockerfile_healthcheck, exposed_port, readme,
    recipe, repository, yaml_recipe, Running,
};

fn sdemu_service() -> Value {
    let compose = yaml_recipe("docker-compose.yml");
    let services = compose["services"].as_mapping().expect("a services map");
    assert_eq!(services.len(), 1, "sdemu is the only service");
    compose["services"]["sdemu"].clone()
}

/// `KEY=VALUE` lines of the env file, comments and blank lines left out.
fn env_file_variables() -> Vec<(String, String)> {
    recipe("sdemu.env.example")
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(|line| {
            let (name, value) = line.split_once('=').expect("KEY=VALUE");
            (name.to_owned(), value.to_owned())
        })
        .collect()
}

#[test]
fn the_compose_service_is_built_from_this_repository_and_published_on_loopback() {
    let service = sdemu_service();
    // Relative to the compose file: the repository's root, where the Dockerfile is.
    let context = service["build"]["context"].as_str().unwrap();
    assert!(repository()
        .join("recipes")
        .join(context)
        .join("Dockerfile")
        .is_file());
    assert_eq!(service["image"].as_str(), Some("sdemu:latest"));
    let publish = format!("127.0.0.1:8080:{}", exposed_port());
    assert_eq!(service["ports"][0].as_str(), Some(publish.as_str()));
    assert_eq!(service["ports"].as_sequence().unwrap().len(), 1);
    // The README's own docker run publishes it the same way.
    assert!(readme().contains(&format!("docker run --rm -p {publish}")));
}

#[test]
fn the_compose_healthcheck_runs_the_binarys_own_probe_as_the_image_does() {
    let healthcheck = &sdemu_service()["healthcheck"];
    let test: Vec<&str> = healthcheck["test"]
        .as_sequence()
        .expect("the healthcheck test is an exec array (the image has no shell)")
        .iter()
        .map(|part| part.as_str().unwrap())
        .collect();
    assert_eq!(test, ["CMD", "/usr/local/bin/sdemu", "healthcheck"]);
    assert_eq!(test[1..], dockerfile_healthcheck()[..]);
    for key in ["interval", "timeout", "retries", "start_period"] {
        assert!(!healthcheck[key].is_null(), "healthcheck.{key}");
    }
}

#[test]
fn the_admin_token_comes_from_the_env_file_which_git_ignores() {
    let service = sdemu_service();
    assert_eq!(service["env_file"][0].as_str(), Some("sdemu.env"));
    assert!(
        service["environment"].is_null(),
        "settings belong in the env file"
    );
    let variables = env_file_variables();
    assert!(variables
        .iter()
        .any(|(name, value)| name == "SDEMU_ADMIN_TOKEN" && !value.is_empty()));
    let gitignore = std::fs::read_to_string(repository().join(".gitignore")).unwrap();
    assert!(gitignore.lines().any(|line| line == "recipes/sdemu.env"));
    let dockerignore = std::fs::read_to_string(repository().join(".dockerignore")).unwrap();
    assert!(dockerignore.lines().any(|line| line == "recipes/sdemu.env"));
    assert_variables_exist("sdemu.env.example");
    assert_variables_exist("docker-compose.yml");
}

#[test]
fn the_readme_reproduces_the_compose_file_and_the_env_file() {
    assert_readme_reproduces("docker-compose.yml");
    assert_readme_reproduces("sdemu.env.example");
}

#[tokio::test]
async fn the_env_file_configures_the_binary_and_its_token_locks_the_control_plane() {
    let variables = env_file_variables();
    let token = &variables
        .iter()
        .find(|(name, _)| name == "SDEMU_ADMIN_TOKEN")
        .unwrap()
        .1;
    let sdemu = Running::start(&variables);
    let client = reqwest::Client::new();

    let ready = client
        .get(format!("{}/_emulator/ready", sdemu.base))
        .send()
        .await
        .unwrap();
    assert_eq!(ready.status(), 200);
    assert_eq!(ready.text().await.unwrap(), r#"{"status":"ready"}"#);

    let reset = format!("{}/_emulator/reset", sdemu.base);
    let refused = client.post(&reset).send().await.unwrap();
    assert_eq!(refused.status(), 401);
    assert_eq!(
        refused.headers()["www-authenticate"],
        r#"Bearer realm="sdemu-control-plane""#
    );

    // The reset every Testcontainers snippet sends before each test.
    let reset = client
        .post(&reset)
        .bearer_auth(token)
        .header("Content-Type", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(reset.status(), 200);
    let counts: serde_json::Value = reset.json().await.unwrap();
    assert_eq!(counts["tasks"], 2904, "{counts}");
}
