//! The real `sdemu` binary: it starts, reports ready to `sdemu healthcheck`, and on SIGTERM
//! finishes cleanly with exit status 0.

mod support;

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

const SDEMU: &str = env!("CARGO_BIN_EXE_sdemu");

/// Runs `sdemu healthcheck --url {url}`: whether it passed, and what it wrote to stderr
/// (captured, so that `cargo test` shows no stray `unhealthy: ...` lines).
fn healthcheck(url: &str) -> (bool, String) {
    let output = Command::new(SDEMU)
        .args(["healthcheck", "--url", url])
        .output()
        .expect("sdemu healthcheck runs");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
#[cfg(unix)]
fn the_binary_serves_until_sigterm_then_exits_0_and_closes_the_database_cleanly() {
    let directory = tempfile::tempdir().unwrap();
    let database = directory.path().join("sdemu.db");
    let mut child = Command::new(SDEMU)
        .args(["--port", "0", "--log-format", "json", "--database"])
        .arg(&database)
        .env("RUST_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("sdemu starts");
    let stderr = child.stderr.take().unwrap();
    let logs = std::thread::spawn(move || {
        BufReader::new(stderr)
            .lines()
            .map_while(Result::ok)
            .collect::<Vec<String>>()
    });

    // The first line says where it listens: "sdemu listening on http://127.0.0.1:PORT".
    let received = support::stdout_lines(&mut child);
    let base = support::listening_url(&received);

    // The rest of the start-up lines: the demo credentials and ready-to-paste requests,
    // among them the documentation's example against this address.
    let banner: Vec<String> = (0..3)
        .map(|_| received.recv_timeout(Duration::from_secs(5)).unwrap())
        .collect();
    assert_eq!(
        banner[0],
        "default organization: client id sdemu-demo / client secret sdemu-demo-secret"
    );
    assert!(
        banner[1].starts_with(&format!("get a token: curl {base}/connect/token ")),
        "{banner:?}"
    );
    assert_eq!(
        banner[2],
        format!(
            "then: curl '{base}/api/v1.0/external/sdtask/statuslist?startDate=2022-03-16T16%3A59%3A55Z&endDate=2022-04-05T16%3A59%3A55Z' --header 'Authorization: Bearer <access_token>'"
        )
    );

    assert_eq!(
        healthcheck(&format!("{base}/_emulator/ready")),
        (true, String::new())
    );
    // Without a token the list is a 401: the healthcheck fails saying so, and the request is
    // logged.
    let list = format!("{base}/api/v1.0/external/sdtask/statuslist?startDate=2022-01-01");
    assert_eq!(
        healthcheck(&list),
        (false, format!("unhealthy: {list} answered 401\n"))
    );

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
    let (healthy, stderr) = healthcheck(&format!("{base}/_emulator/ready"));
    assert!(!healthy);
    let address = base.strip_prefix("http://").unwrap();
    assert!(
        stderr.starts_with(&format!("unhealthy: cannot connect to {address}")),
        "{stderr}"
    );

    // The database was closed cleanly: SQLite removes the write-ahead log on the last close.
    assert!(database.exists());
    assert!(!directory.path().join("sdemu.db-wal").exists());

    // --log-format json: every log line (on stderr) is JSON, one of them the 401 request.
    let logs = logs.join().unwrap();
    let entries: Vec<serde_json::Value> = logs
        .iter()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|_| panic!("not JSON: {line}")))
        .collect();
    assert!(
        entries.iter().any(|entry| entry["message"] == "request"
            && entry["status"] == 401
            && entry["span"]["route"] == "/api/v1.0/external/sdtask/statuslist"),
        "{logs:?}"
    );
    assert!(entries.iter().any(|entry| entry["message"] == "stopped"));
}

/// Requests are logged by a thread of their own, up to `LOG_BUFFER_LINES` (2,048) lines ahead
/// of a slow reader: with stderr a pipe nobody reads (full after 64 KiB, about 330 lines),
/// 1,500 logged requests on one connection are all still answered.
#[test]
fn a_log_reader_that_falls_behind_does_not_hold_up_requests() {
    let mut child = Command::new(SDEMU)
        .args(["--port", "0"])
        .env("RUST_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("sdemu starts");
    // Kept open and never read, so that the pipe fills up.
    let _unread_logs = child.stderr.take();
    let received = support::stdout_lines(&mut child);
    let address = support::listening_url(&received)
        .strip_prefix("http://")
        .unwrap()
        .to_owned();
    let (answered, all_answered) = mpsc::channel();
    std::thread::spawn(move || {
        let mut stream = TcpStream::connect(address).unwrap();
        let mut answers = BufReader::new(stream.try_clone().unwrap());
        for _ in 0..1_500 {
            // Without a token: a 401 with an empty body, logged like any request.
            stream
                .write_all(
                    b"GET /api/v1.0/external/sdtask/statuslist?startDate=2022-01-01 HTTP/1.1\r\n\
                      Host: sdemu\r\n\r\n",
                )
                .unwrap();
            let mut line = String::new();
            answers.read_line(&mut line).unwrap();
            assert!(line.starts_with("HTTP/1.1 401"), "{line}");
            while line != "\r\n" {
                line.clear();
                answers.read_line(&mut line).unwrap();
            }
        }
        answered.send(()).unwrap();
    });
    let outcome = all_answered.recv_timeout(Duration::from_secs(60));
    let _ = child.kill();
    let _ = child.wait();
    assert!(
        outcome.is_ok(),
        "1,500 logged requests were not all answered while nobody read the logs"
    );
}

/// Sends SIGTERM to `child` and waits (10 s at most) for it to exit 0.
#[cfg(unix)]
fn terminate(child: &mut std::process::Child) {
    let terminated = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(terminated.success());
    for _ in 0..100 {
        if let Some(exit) = child.try_wait().unwrap() {
            assert!(exit.success(), "exit status {exit}");
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let _ = child.kill();
    panic!("sdemu did not stop within 10 s of SIGTERM");
}

#[test]
#[cfg(unix)]
fn in_a_container_set_up_the_healthcheck_finds_the_port_and_logs_carry_no_colours() {
    // As the image runs it: every interface, the address file set, a port the image's
    // SDEMU_PORT does not name; logs to a pipe (pretty format), no admin token given.
    let directory = tempfile::tempdir().unwrap();
    let address_file = directory.path().join("sdemu.address");
    let mut child = Command::new(SDEMU)
        .args(["--host", "0.0.0.0", "--port", "0"])
        .env("SDEMU_ADDRESS_FILE", &address_file)
        .env_remove("NO_COLOR")
        .env("RUST_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("sdemu starts");
    let stderr = child.stderr.take().unwrap();
    let logs = std::thread::spawn(move || {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut BufReader::new(stderr), &mut text).unwrap();
        text
    });
    let stdout = child.stdout.take().unwrap();
    let (lines, received) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = lines.send(line);
        }
    });
    let next = || received.recv_timeout(Duration::from_secs(30)).unwrap();
    let listening = next();
    let port = listening
        .strip_prefix("sdemu listening on http://0.0.0.0:")
        .unwrap_or_else(|| panic!("unexpected first line: {listening}"))
        .to_owned();
    // The address to use from this machine, and the generated admin token.
    let from_host = next();
    assert!(
        from_host.starts_with(&format!("from this machine: http://127.0.0.1:{port} ")),
        "{from_host}"
    );
    let token_line = next();
    assert!(
        token_line.starts_with("control plane: admin token "),
        "{token_line}"
    );
    let token = token_line.split_whitespace().nth(4).unwrap().to_owned();
    assert_eq!(
        std::fs::read_to_string(&address_file).unwrap(),
        format!("127.0.0.1:{port}\n")
    );

    // `sdemu healthcheck` as the HEALTHCHECK runs it: no --url, the image's SDEMU_PORT.
    let probe = |file: &std::path::Path| {
        Command::new(SDEMU)
            .arg("healthcheck")
            .env("SDEMU_ADDRESS_FILE", file)
            .env("SDEMU_PORT", "1")
            .output()
            .unwrap()
    };
    assert!(probe(&address_file).status.success());
    assert!(!probe(&directory.path().join("missing")).status.success());

    // The generated token opens the control plane; without it, 401.
    let state = format!("http://127.0.0.1:{port}/_emulator/state");
    let (open, _) = healthcheck(&state);
    assert!(!open);
    let authorized = tokio::runtime::Runtime::new().unwrap().block_on(async {
        reqwest::Client::new()
            .get(&state)
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .status()
    });
    assert_eq!(authorized, 200);

    terminate(&mut child);
    assert!(!address_file.exists(), "removed at shutdown");
    let logs = logs.join().unwrap();
    assert!(logs.contains("INFO"), "{logs}");
    assert!(
        !logs.contains('\x1b'),
        "no ANSI escape codes in piped logs: {logs:?}"
    );
    assert!(!logs.contains(&token), "the admin token is never logged");
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

/// The `--data` arguments of the README's token request, joined as curl joins them.
fn readme_token_form() -> String {
    let readme = include_str!("../README.md");
    let block = readme
        .split("```sh\ncurl http://127.0.0.1:8080/connect/token")
        .nth(1)
        .expect("the README's quick start has the token request")
        .split("```")
        .next()
        .unwrap();
    let words: Vec<&str> = block.split_whitespace().collect();
    let data: Vec<&str> = words
        .windows(2)
        .filter(|pair| pair[0] == "--data")
        .map(|pair| pair[1])
        .collect();
    assert_eq!(data.len(), 4, "{block}");
    data.join("&")
}

/// The URL of the README's copy of the documentation's curl example.
fn readme_example_url() -> String {
    let readme = include_str!("../README.md");
    let start = readme
        .find("curl --location '")
        .expect("the README has the documentation's example")
        + "curl --location '".len();
    let rest = &readme[start..];
    rest[..rest.find('\'').unwrap()].to_owned()
}

#[tokio::test]
async fn the_readme_token_step_works_as_written_and_sdemu_variables_configure_clients() {
    let mut child = Command::new(SDEMU)
        .env("SDEMU_PORT", "0")
        .env("SDEMU_CLIENTS", "ci:ci-secret-value,qa:qa-secret-value")
        .env("SDEMU_TOKEN_TTL", "60")
        .env("SDEMU_AUTH", "on")
        .env("RUST_LOG", "trace")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("sdemu starts");
    let (lines, received) = mpsc::channel();
    for reader in [
        Box::new(child.stdout.take().unwrap()) as Box<dyn std::io::Read + Send>,
        Box::new(child.stderr.take().unwrap()),
    ] {
        let lines = lines.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(reader).lines().map_while(Result::ok) {
                let _ = lines.send(line);
            }
        });
    }
    let mut output = Vec::new();
    let base = loop {
        let line = received
            .recv_timeout(Duration::from_secs(30))
            .expect("sdemu prints its address");
        output.push(line.clone());
        if let Some(base) = line.strip_prefix("sdemu listening on ") {
            break base.to_owned();
        }
    };

    let client = reqwest::Client::new();
    let token_request = |form: String| {
        client
            .post(format!("{base}/connect/token"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form)
            .send()
    };
    let response = token_request(readme_token_form()).await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["cache-control"].to_str().unwrap(),
        "no-store"
    );
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["expires_in"], 60, "{body}");
    let token = body["access_token"].as_str().unwrap().to_owned();

    let url = readme_example_url().replace("http://127.0.0.1:8080", &base);
    let list = |token: String| {
        client
            .get(&url)
            .header("authorization", format!("Bearer {token}"))
            .send()
    };
    let tasks: serde_json::Value = list(token.clone()).await.unwrap().json().await.unwrap();
    let ids: Vec<i64> = tasks
        .as_array()
        .unwrap()
        .iter()
        .map(|task| task["taskId"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, vec![47, 49, 50, 51]);
    let anonymous = client.get(&url).send().await.unwrap();
    assert_eq!(anonymous.status(), 401);

    // SDEMU_CLIENTS added both organizations, each with no task in the example's range.
    for (id, secret) in [("ci", "ci-secret-value"), ("qa", "qa-secret-value")] {
        let response = token_request(format!(
            "grant_type=client_credentials&client_id={id}&client_secret={secret}"
        ))
        .await
        .unwrap();
        assert_eq!(response.status(), 200, "{id}");
        let body: serde_json::Value = response.json().await.unwrap();
        let token = body["access_token"].as_str().unwrap().to_owned();
        let tasks: serde_json::Value = list(token).await.unwrap().json().await.unwrap();
        assert_eq!(tasks, serde_json::json!([]), "{id}");
    }

    child.kill().unwrap();
    child.wait().unwrap();
    drop(lines);
    output.extend(received.iter());
    let output = output.join("\n");
    assert!(
        output.contains("client secret sdemu-demo-secret"),
        "{output}"
    );
    assert!(!output.contains("secret-value"), "{output}");
    assert!(!output.contains(&token), "{output}");
}

/// The `MALLOC_ARENA_MAX` the server process (same id as the one spawned) runs with, once it
/// listens, when started with `given` in its environment (or none).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn malloc_arena_max_of_a_running_sdemu(given: Option<&str>) -> Option<String> {
    let mut command = Command::new(SDEMU);
    command
        .args(["--port", "0"])
        .env_remove("MALLOC_ARENA_MAX")
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    if let Some(value) = given {
        command.env("MALLOC_ARENA_MAX", value);
    }
    let mut child = command.spawn().expect("sdemu starts");
    let received = support::stdout_lines(&mut child);
    support::listening_url(&received);
    let environment = std::fs::read(format!("/proc/{}/environ", child.id())).unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
    environment
        .split(|byte| *byte == 0)
        .filter_map(|entry| std::str::from_utf8(entry).ok())
        .find_map(|entry| entry.strip_prefix("MALLOC_ARENA_MAX="))
        .map(str::to_owned)
}

#[test]
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn the_server_runs_with_one_malloc_arena_unless_the_user_chose_a_number() {
    assert_eq!(
        malloc_arena_max_of_a_running_sdemu(None).as_deref(),
        Some("1")
    );
    assert_eq!(
        malloc_arena_max_of_a_running_sdemu(Some("4")).as_deref(),
        Some("4")
    );
}
