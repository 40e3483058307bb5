//! The OpenAPI description is served, and it matches the router exactly: every described
//! operation is routed, and every route in the sources is described.

use std::collections::BTreeSet;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use serde_json::Value;

use sdemu::app::{Unmatched, OPENAPI_DESCRIPTION};

use crate::helpers::TestApp;

const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

fn described_operations() -> BTreeSet<(String, String)> {
    let description: Value = serde_json::from_str(OPENAPI_DESCRIPTION).unwrap();
    let mut operations = BTreeSet::new();
    for (path, item) in description["paths"].as_object().unwrap() {
        for method in METHODS {
            if item.get(method).is_some() {
                operations.insert((method.to_owned(), path.clone()));
            }
        }
    }
    operations
}

/// Every `.route("path", get(..).post(..))` call in `src/`, as (method, path) pairs.
fn routed_operations() -> BTreeSet<(String, String)> {
    let mut operations = BTreeSet::new();
    let mut pending = vec![std::path::PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/src"
    ))];
    while let Some(path) = pending.pop() {
        if path.is_dir() {
            pending.extend(std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()));
            continue;
        }
        if path.extension().is_none_or(|extension| extension != "rs") {
            continue;
        }
        let source = std::fs::read_to_string(&path).unwrap();
        for (start, _) in source.match_indices(".route(") {
            let call = balanced_call(&source[start + ".route".len()..]);
            let route = call.split('"').nth(1).unwrap_or_default().to_owned();
            for method in METHODS {
                let needle = format!("{method}(");
                let routed = call.match_indices(&needle).any(|(at, _)| {
                    at > 0 && {
                        let before = call.as_bytes()[at - 1];
                        !(before.is_ascii_alphanumeric() || before == b'_')
                    }
                });
                if routed {
                    operations.insert((method.to_owned(), route.clone()));
                }
            }
        }
    }
    operations
}

/// The text of a parenthesised call, from its `(` to the matching `)`.
fn balanced_call(text: &str) -> &str {
    let mut depth = 0;
    for (index, character) in text.char_indices() {
        match character {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    return &text[..=index];
                }
            }
            _ => {}
        }
    }
    text
}

#[test]
fn every_route_in_the_sources_is_described_and_every_description_is_routed_in_the_sources() {
    let described = described_operations();
    let routed = routed_operations();
    let undocumented: Vec<_> = routed.difference(&described).collect();
    let unrouted: Vec<_> = described.difference(&routed).collect();
    assert!(
        undocumented.is_empty(),
        "routed but not described: {undocumented:?}"
    );
    assert!(
        unrouted.is_empty(),
        "described but not routed: {unrouted:?}"
    );
}

#[tokio::test]
async fn every_described_operation_reaches_a_handler_of_the_real_router() {
    let app = TestApp::demo().await;
    for (method, path) in described_operations() {
        let uri = path.replace(['{', '}'], "");
        let request = Request::builder()
            .method(Method::from_bytes(method.to_uppercase().as_bytes()).unwrap())
            .uri(&uri)
            .body(Body::empty())
            .unwrap();
        let response = app.router.clone().oneshot_raw(request).await;
        assert_ne!(
            response.status(),
            StatusCode::METHOD_NOT_ALLOWED,
            "{method} {path}"
        );
        assert!(
            response.extensions().get::<Unmatched>().is_none(),
            "{method} {path} reached no route"
        );
    }
}

#[tokio::test]
async fn the_description_is_served_as_json() {
    let app = TestApp::demo().await;
    let response = app.get("/_emulator/openapi.json").await;
    response.assert_status(StatusCode::OK);
    assert_eq!(response.header("content-type"), Some("application/json"));
    assert_eq!(response.json()["openapi"], "3.1.0");
}

trait OneshotRaw {
    async fn oneshot_raw(self, request: Request<Body>) -> axum::response::Response;
}

impl OneshotRaw for axum::Router {
    async fn oneshot_raw(self, request: Request<Body>) -> axum::response::Response {
        use tower::ServiceExt;
        self.oneshot(request).await.unwrap()
    }
}
