//! A control plane web pages cannot drive: requests a page sent are refused unless
//! `--cors-origin` names its origin exactly, state-changing bodies must be JSON, and a
//! non-loopback listener without `--admin-token` gets a generated one.

use axum::body::Body;
use axum::http::{Request, StatusCode};

use sdemu::startup;

use crate::helpers::{config, description, TestApp};

/// A request to `path` with these headers and body.
fn request(method: &str, path: &str, headers: &[(&str, &str)], body: &str) -> Request<Body> {
    let mut builder = Request::builder().method(method).uri(path);
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    builder.body(Body::from(body.to_owned())).unwrap()
}

/// How many tasks the state holds now.
async fn task_count(app: &TestApp) -> usize {
    app.state_document().await["tasks"]
        .as_array()
        .unwrap()
        .len()
}

#[tokio::test]
async fn a_text_plain_seed_a_page_could_send_without_preflight_is_refused_with_415() {
    let app = TestApp::small().await;
    let response = app
        .request_anonymous(request(
            "POST",
            "/_emulator/seed?mode=replace",
            &[("content-type", "text/plain")],
            "[]",
        ))
        .await;
    let problem = response.assert_problem(StatusCode::UNSUPPORTED_MEDIA_TYPE, None);
    assert_eq!(
        problem["type"],
        "urn:sdemu:problem:unsupported-content-type"
    );
    // No content type at all is refused the same way; nothing was replaced.
    let untyped = app
        .request_anonymous(request("PUT", "/_emulator/faults", &[], "[]"))
        .await;
    untyped.assert_problem(StatusCode::UNSUPPORTED_MEDIA_TYPE, None);
    assert_eq!(task_count(&app).await, 5);
    // A bodiless POST from a program needs no content type.
    let reset = app
        .request_anonymous(request("POST", "/_emulator/reset", &[], ""))
        .await;
    assert_eq!(reset.status, StatusCode::OK, "{}", reset.text());
}

#[tokio::test]
async fn a_request_from_a_page_of_another_origin_is_refused_with_403() {
    let app = TestApp::small().await;
    for (method, path, headers) in [
        (
            "POST",
            "/_emulator/seed?mode=replace",
            vec![
                ("origin", "http://evil.example"),
                ("content-type", "application/json"),
            ],
        ),
        ("POST", "/_emulator/reset", vec![("origin", "null")]),
        (
            "POST",
            "/_emulator/reset",
            vec![("sec-fetch-site", "cross-site")],
        ),
        (
            "GET",
            "/_emulator/state",
            vec![("origin", "http://localhost:3000")],
        ),
    ] {
        let response = app
            .request_anonymous(request(method, path, &headers, "[]"))
            .await;
        let problem = response.assert_problem(StatusCode::FORBIDDEN, None);
        assert_eq!(problem["type"], "urn:sdemu:problem:cross-origin-control");
        assert!(response.header("access-control-allow-origin").is_none());
    }
    assert_eq!(task_count(&app).await, 5);
    // What exposes nothing stays readable from any page.
    for path in [
        "/_emulator/health",
        "/_emulator/ready",
        "/_emulator/openapi.json",
    ] {
        let response = app
            .request_anonymous(request(
                "GET",
                path,
                &[("origin", "http://evil.example")],
                "",
            ))
            .await;
        assert_eq!(response.status, StatusCode::OK, "{path}");
    }
    // A file link is downloaded from any page (its token is its credential): blob storage's
    // own answer for an unknown link, not the control plane's refusal.
    let download = app
        .request_anonymous(request(
            "GET",
            "/_emulator/files/unknown-token/invoice.pdf",
            &[
                ("origin", "http://evil.example"),
                ("sec-fetch-site", "cross-site"),
            ],
            "",
        ))
        .await;
    assert!(
        !download.text().contains("cross-origin-control"),
        "{}",
        download.text()
    );
}

#[tokio::test]
async fn a_wildcard_cors_origin_does_not_open_the_control_plane_to_pages() {
    let app = TestApp::with_options(&["--cors-origin", "*"]).await;
    let state = app
        .request_anonymous(request(
            "GET",
            "/_emulator/state",
            &[("origin", "http://page.example")],
            "",
        ))
        .await;
    state.assert_problem(StatusCode::FORBIDDEN, None);
    assert!(state.header("access-control-allow-origin").is_none());
    assert!(!state.text().contains("sdemu-demo-secret"));
    // The preflight a page would need before a JSON seed fails too.
    let preflight = app
        .request_anonymous(request(
            "OPTIONS",
            "/_emulator/seed",
            &[
                ("origin", "http://page.example"),
                ("access-control-request-method", "POST"),
                ("access-control-request-headers", "content-type"),
            ],
            "",
        ))
        .await;
    assert_eq!(preflight.status, StatusCode::FORBIDDEN);
    assert!(preflight.header("access-control-allow-origin").is_none());
    // The emulated API is still open to every page.
    let api = app
        .request(request(
            "GET",
            "/api/v1.0/external/sdtask/statuslist?startDate=2022-03-16",
            &[("origin", "http://page.example")],
            "",
        ))
        .await;
    assert_eq!(api.header("access-control-allow-origin"), Some("*"));
}

#[tokio::test]
async fn an_origin_named_exactly_may_drive_the_control_plane() {
    let app = TestApp::with_options(&["--cors-origin", "http://localhost:3000"]).await;
    let origin = [("origin", "http://localhost:3000")];
    let state = app
        .request_anonymous(request("GET", "/_emulator/state", &origin, ""))
        .await;
    assert_eq!(state.status, StatusCode::OK);
    assert_eq!(
        state.header("access-control-allow-origin"),
        Some("http://localhost:3000")
    );
    // The snapshot round trip, from that page: state back in as a JSON seed.
    let seeded = app
        .request_anonymous(request(
            "POST",
            "/_emulator/seed?mode=replace",
            &[
                ("origin", "http://localhost:3000"),
                ("content-type", "application/json"),
            ],
            &state.text(),
        ))
        .await;
    assert_eq!(seeded.status, StatusCode::OK, "{}", seeded.text());
    assert_eq!(app.state_document().await, state.json());
}

#[tokio::test]
async fn a_non_loopback_listener_without_an_admin_token_gets_a_generated_one() {
    for (command_line, generated) in [
        (&["--host", "0.0.0.0"][..], true),
        (&["--host", "::"][..], true),
        (&["--host", "192.168.1.20"][..], true),
        (&["--host", "127.0.0.1"][..], false),
        (&["--host", "localhost"][..], false),
        (&["--host", "::1"][..], false),
        (&["--host", "0.0.0.0", "--open-control-plane"][..], false),
        (&["--host", "0.0.0.0", "--admin-token", "mine"][..], false),
    ] {
        let mut options = config(command_line);
        let token = startup::generate_admin_token(&mut options).unwrap();
        assert_eq!(token.is_some(), generated, "{command_line:?}");
        if let Some(token) = token {
            assert!(token.expose().len() >= 32, "{command_line:?}");
            assert_eq!(options.admin_token, Some(token));
        }
    }
    // Two starts, two tokens.
    let first = startup::generate_admin_token(&mut config(&["--host", "0.0.0.0"])).unwrap();
    let second = startup::generate_admin_token(&mut config(&["--host", "0.0.0.0"])).unwrap();
    assert_ne!(first, second);

    // The generated token protects the control plane like a given one.
    let mut options = config(&["--host", "0.0.0.0"]);
    let token = startup::generate_admin_token(&mut options)
        .unwrap()
        .unwrap();
    let app = TestApp::start(options, sdemu::startup::FixtureSource::Builtin).await;
    let open = app.control("GET", "state", None).await;
    open.assert_problem(StatusCode::UNAUTHORIZED, None);
    let bearer = format!("Bearer {}", token.expose());
    let allowed = app
        .send(
            "GET",
            "/_emulator/state",
            None,
            &[("authorization", &bearer)],
        )
        .await;
    assert_eq!(allowed.status, StatusCode::OK);
}

#[test]
fn the_guards_answers_are_in_the_api_description() {
    let description = description();
    let responses =
        |method: &str, path: &str| description["paths"][path][method]["responses"].clone();
    let seed = responses("post", "/_emulator/seed");
    assert_eq!(
        seed["403"]["content"]["application/problem+json"]["schema"]["$ref"],
        "#/components/schemas/Problem"
    );
    assert!(seed.get("415").is_some());
    assert!(responses("get", "/_emulator/state").get("403").is_some());
    assert!(responses("get", "/_emulator/state").get("415").is_none());
    assert!(responses("get", "/_emulator/health").get("403").is_none());
}
