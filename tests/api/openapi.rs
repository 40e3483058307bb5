//! The OpenAPI description is generated from the code: it is served, `sdemu openapi` prints
//! the same document, it matches the router exactly, and it says what the issue asked of it
//! (a relative server, the fixture document as a `oneOf`, the security of each operation,
//! every documented limit, the empty answers without content).

use std::collections::BTreeSet;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use serde_json::{json, Value};

use sdemu::app::Unmatched;

use crate::helpers::{
    described_operations, description, operation, parameter, response, schema, TestApp, METHODS,
};

/// Every `.route("path", ...)` call in `src/`: routes registered without an operation.
fn plain_routes() -> BTreeSet<String> {
    let mut routes = BTreeSet::new();
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
            let route = source[start..].split('"').nth(1).unwrap_or_default();
            routes.insert(route.to_owned());
        }
    }
    routes
}

async fn send(app: &TestApp, method: &str, uri: &str) -> axum::response::Response {
    let request = Request::builder()
        .method(Method::from_bytes(method.to_uppercase().as_bytes()).unwrap())
        .uri(uri)
        .body(Body::empty())
        .unwrap();
    tower::ServiceExt::oneshot(app.router.clone(), request)
        .await
        .unwrap()
}

#[test]
fn every_route_but_the_control_plane_catch_all_is_registered_with_its_operation() {
    // `routes!(handler)` registers a handler and its `#[utoipa::path]` operation together, so
    // a plain `.route(...)` is the only way to add a route the description does not know.
    assert_eq!(
        plain_routes(),
        BTreeSet::from(["/_emulator/{*rest}".to_owned()])
    );
}

#[tokio::test]
async fn the_routes_of_the_router_and_the_operations_of_the_description_are_the_same_set() {
    let app = TestApp::demo().await;
    let described = described_operations();
    let paths: BTreeSet<&String> = described.iter().map(|(_, path)| path).collect();
    for path in paths {
        for method in METHODS {
            let response = send(&app, method, path).await;
            assert!(
                response.extensions().get::<Unmatched>().is_none(),
                "{method} {path} reached no route"
            );
            let routed = response.status() != StatusCode::METHOD_NOT_ALLOWED;
            let is_described = described.contains(&(method.to_owned(), path.clone()));
            assert_eq!(
                routed, is_described,
                "{method} {path}: routed {routed}, described {is_described}"
            );
        }
    }
}

#[tokio::test]
async fn the_case_insensitive_path_table_knows_every_described_api_path() {
    let app = TestApp::demo().await;
    for (method, path) in described_operations() {
        if path.starts_with("/_emulator/") {
            continue;
        }
        let shouted = format!("{}/", path.to_uppercase());
        let response = send(&app, &method, &shouted).await;
        assert!(
            response.extensions().get::<Unmatched>().is_none(),
            "{method} {shouted} reached no route"
        );
        assert_ne!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    }
}

#[tokio::test]
async fn the_served_description_is_what_sdemu_openapi_prints() {
    let printed = std::process::Command::new(env!("CARGO_BIN_EXE_sdemu"))
        .arg("openapi")
        .output()
        .expect("sdemu openapi runs");
    assert!(printed.status.success());
    assert!(printed.stderr.is_empty(), "{printed:?}");

    let app = TestApp::demo().await;
    let served = app.get("/_emulator/openapi.json").await;
    assert_eq!(served.status, StatusCode::OK);
    assert_eq!(served.header("content-type"), Some("application/json"));
    assert_eq!(
        String::from_utf8(served.body).unwrap(),
        String::from_utf8(printed.stdout).unwrap()
    );
}

#[test]
fn the_description_is_openapi_3_1_with_a_relative_server() {
    let description = description();
    assert_eq!(description["openapi"], "3.1.0");
    assert_eq!(description["info"]["version"], env!("CARGO_PKG_VERSION"));
    let servers = description["servers"].as_array().unwrap();
    assert_eq!(servers.len(), 1);
    assert_eq!(servers[0]["url"], "/");
}

#[test]
fn the_fixture_document_is_a_task_array_or_the_object_form() {
    let document = schema("FixtureDocument");
    assert!(document.get("type").is_none(), "{document}");
    assert_eq!(
        document["oneOf"],
        json!([
            {
                "type": "array",
                "items": {"$ref": "#/components/schemas/TaskRecord"},
                "description": document["oneOf"][0]["description"],
            },
            {
                "$ref": "#/components/schemas/FixtureSections",
                "description": document["oneOf"][1]["description"],
            },
        ])
    );
    let sections = schema("FixtureSections");
    assert_eq!(sections["type"], "object");
    assert_eq!(sections["additionalProperties"], false);
    let names: Vec<&String> = sections["properties"].as_object().unwrap().keys().collect();
    assert_eq!(
        names,
        [
            "organizations",
            "taskStatuses",
            "integrationStatuses",
            "workspaces",
            "batches",
            "tasks",
            "webhooks",
            "exports",
            "speakers",
            "users"
        ]
    );
    let seed = &operation("post", "/_emulator/seed")["requestBody"]["content"];
    assert_eq!(
        seed["application/json"]["schema"]["$ref"],
        "#/components/schemas/FixtureDocument"
    );
    // The state is always written in the object form.
    assert_eq!(
        response("get", "/_emulator/state", 200)["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/FixtureSections"
    );
}

#[test]
fn open_operations_have_no_security_requirement_and_the_api_needs_an_oauth2_token() {
    let description = description();
    assert!(
        description.get("security").is_none(),
        "no global requirement"
    );
    for (method, path) in [
        ("post", "/connect/token"),
        ("get", "/_emulator/health"),
        ("get", "/_emulator/ready"),
        ("get", "/_emulator/openapi.json"),
        ("get", "/_emulator/files/{token}/{fileName}"),
        ("get", "/_emulator/ui"),
        ("get", "/_emulator/ui/app.js"),
        ("get", "/_emulator/ui/style.css"),
    ] {
        let operation = operation(method, path);
        assert!(
            operation.get("security").is_none(),
            "{method} {path}: {}",
            operation["security"]
        );
    }
    for (method, path) in described_operations() {
        let security = &operation(&method, &path)["security"];
        if path.starts_with("/api/") {
            assert_eq!(
                security,
                &json!([{"oauth2": ["WebAPI"]}]),
                "{method} {path}"
            );
        } else if ![
            "/connect/token",
            "/_emulator/health",
            "/_emulator/ready",
            "/_emulator/files/{token}/{fileName}",
            "/_emulator/ui",
            "/_emulator/ui/app.js",
            "/_emulator/ui/style.css",
        ]
        .contains(&path.as_str())
            && path != "/_emulator/openapi.json"
        {
            // The admin token is needed only when sdemu was started with --admin-token.
            assert_eq!(
                security,
                &json!([{}, {"adminToken": []}]),
                "{method} {path}"
            );
        }
    }
    let schemes = &description["components"]["securitySchemes"];
    assert_eq!(schemes["oauth2"]["type"], "oauth2");
    assert_eq!(
        schemes["oauth2"]["flows"],
        json!({"clientCredentials": {
            "tokenUrl": "/connect/token",
            "scopes": {"WebAPI": schemes["oauth2"]["flows"]["clientCredentials"]["scopes"]["WebAPI"]},
        }})
    );
    assert_eq!(schemes["adminToken"]["type"], "http");
    assert_eq!(schemes["adminToken"]["scheme"], "bearer");
}

#[test]
fn the_length_limits_of_created_tasks_and_batches_are_described() {
    use sdemu::domain::limits::{
        MAX_DESCRIPTION_CHARS, MAX_DISPLAY_NAME_CHARS, MAX_EXTERNAL_ID_CHARS,
    };
    let task = &schema("CreateTaskRequest")["properties"];
    assert_eq!(task["displayName"]["maxLength"], MAX_DISPLAY_NAME_CHARS);
    assert_eq!(task["description"]["maxLength"], MAX_DESCRIPTION_CHARS);
    assert_eq!(task["externalId"]["maxLength"], MAX_EXTERNAL_ID_CHARS);
    assert_eq!(task["priority"]["minimum"], 1);
    assert_eq!(task["context"]["required"], json!(["url"]));
    let batch = &schema("CreateBatchRequest")["properties"];
    assert_eq!(batch["displayName"]["maxLength"], MAX_DISPLAY_NAME_CHARS);
    assert_eq!(batch["description"]["maxLength"], MAX_DESCRIPTION_CHARS);
    let status = &schema("PatchExternalIntegrationStatusRequest")["properties"];
    assert_eq!(
        status["externalIntegrationStatus"]["maxLength"],
        sdemu::domain::fixture::EXTERNAL_INTEGRATION_STATUS_MAX_CHARS
    );
    let filter = parameter(
        "get",
        "/api/v1.0/external/sdtask/statuslist",
        "externalIntegrationStatus",
    );
    assert_eq!(
        filter["schema"]["items"]["maxLength"],
        sdemu::domain::fixture::EXTERNAL_INTEGRATION_STATUS_MAX_CHARS
    );
}

#[test]
fn the_query_limits_are_described() {
    use sdemu::domain::page::MAX_PAGE_SIZE;
    use sdemu::extract::query::{MAX_QUERY_BYTES, MAX_VALUES_PER_PARAMETER};
    for path in [
        "/api/v1.0/external/sdtask/statuslistpaginated",
        "/api/v1.0/external/sdbatch/paginated",
    ] {
        let size = parameter("get", path, "pageSize")["schema"].clone();
        assert_eq!(size["minimum"], 1, "{path}");
        assert_eq!(size["maximum"], MAX_PAGE_SIZE, "{path}");
        assert_eq!(size["default"], 10, "{path}");
        assert_eq!(
            parameter("get", path, "pageNumber")["schema"]["minimum"],
            1,
            "{path}"
        );
        let workspaces = parameter("get", path, "workspaceId");
        assert_eq!(workspaces["schema"]["maxItems"], MAX_VALUES_PER_PARAMETER);
        assert_eq!(workspaces["explode"], true);
    }
    for name in [
        "taskStatus",
        "integrationStatus",
        "externalIntegrationStatus",
    ] {
        let repeated = parameter("get", "/api/v1.0/external/sdtask/statuslist", name);
        assert_eq!(
            repeated["schema"]["maxItems"], MAX_VALUES_PER_PARAMETER,
            "{name}"
        );
    }
    for (method, path) in described_operations() {
        let reads_the_query = operation(&method, &path)["parameters"]
            .as_array()
            .is_some_and(|parameters| !parameters.is_empty());
        if reads_the_query {
            let too_long = response(&method, &path, 414);
            assert!(
                too_long["description"]
                    .as_str()
                    .unwrap()
                    .contains(&MAX_QUERY_BYTES.to_string()),
                "{method} {path}"
            );
        }
    }
}

#[test]
fn the_body_limits_and_the_control_plane_limits_are_described() {
    for path in [
        "/api/v1.0/external/sdtask/process",
        "/api/v1.0/external/sdbatch",
    ] {
        let too_large = response("post", path, 413);
        assert!(too_large["description"]
            .as_str()
            .unwrap()
            .contains(&sdemu::extract::body::MAX_BODY_BYTES.to_string()));
    }
    for (method, path) in [
        ("post", "/_emulator/seed"),
        ("put", "/_emulator/faults"),
        ("post", "/_emulator/faults"),
    ] {
        let too_large = response(method, path, 413);
        assert!(too_large["description"]
            .as_str()
            .unwrap()
            .contains(&sdemu::extract::body::MAX_CONTROL_BODY_BYTES.to_string()));
    }
    assert_eq!(
        parameter("get", "/_emulator/requests", "limit")["schema"]["minimum"],
        1
    );
    assert_eq!(
        schema("FaultList")["properties"]["rules"]["maxItems"],
        sdemu::domain::faults::MAX_RULES
    );
    assert_eq!(
        schema("Delay")["properties"]["ms"]["maximum"],
        sdemu::domain::faults::MAX_DELAY_MS
    );
    let status = &schema("CannedResponse")["properties"]["status"];
    let statuses = sdemu::domain::faults::rules::CANNED_STATUSES;
    assert_eq!(status["minimum"], *statuses.start());
    assert_eq!(status["maximum"], *statuses.end());
}

/// What the description says of the response `method uri` gets: its status must be
/// described, and an empty body must be described without content.
async fn assert_described(app: &TestApp, method: &str, uri: &str, expected: StatusCode) {
    let path = uri.split('?').next().unwrap();
    let request = Request::builder()
        .method(Method::from_bytes(method.to_uppercase().as_bytes()).unwrap())
        .uri(uri)
        .body(Body::empty())
        .unwrap();
    let answer = app.request(request).await;
    assert_eq!(answer.status, expected, "{method} {uri}");
    let described = response(method, path, answer.status.as_u16());
    if answer.body.is_empty() {
        assert!(
            described.get("content").is_none(),
            "{method} {uri}: an empty {} is described with content {}",
            answer.status,
            described["content"]
        );
    } else {
        let content_type = answer.header("content-type").unwrap().split(';').next();
        assert!(
            described["content"].get(content_type.unwrap()).is_some(),
            "{method} {uri}: {content_type:?} is not described"
        );
    }
}

#[tokio::test]
async fn the_documented_empty_answers_are_described_without_content() {
    let app = TestApp::demo().await;
    for (method, uri, status) in [
        ("get", "/api/v1.0/external/sdtask/statuslist", 400),
        ("get", "/api/v1.0/external/sdtask/statuslistpaginated", 400),
        ("get", "/api/v1.0/external/sdtask/status", 400),
        ("patch", "/api/v1.0/external/sdtask/restartprocessing", 400),
        (
            "patch",
            "/api/v1.0/external/sdtask/externalIntegrationStatus",
            400,
        ),
        ("patch", "/api/v1.0/sdtask/externalIntegrationStatus", 400),
        ("get", "/api/v1.0/external/sdbatch", 400),
        ("get", "/api/v1.0/external/sdtask/status?taskId=999999", 404),
        (
            "patch",
            "/api/v1.0/external/sdtask/restartprocessing?taskId=999999",
            404,
        ),
        ("get", "/api/v1.0/external/sdbatch?batchId=999999", 404),
        (
            "patch",
            "/api/v1.0/external/sdtask/restartprocessing?taskId=4",
            200,
        ),
        // Demo task 1 is Deleted (20), in Task History.
        (
            "patch",
            "/api/v1.0/external/sdtask/restartprocessing?taskId=1",
            409,
        ),
        ("delete", "/_emulator/requests", 204),
        ("delete", "/_emulator/faults", 204),
    ] {
        let expected = StatusCode::from_u16(status).unwrap();
        assert_described(&app, method, uri, expected).await;
    }
    // Without a token: 401 with no body at all.
    let anonymous = app
        .request_anonymous(
            Request::get("/api/v1.0/external/sdworkspace/CurrentWorkspaces")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    anonymous.assert_empty(StatusCode::UNAUTHORIZED);
    let described = response(
        "get",
        "/api/v1.0/external/sdworkspace/CurrentWorkspaces",
        401,
    );
    assert!(described.get("content").is_none());
    assert!(described["headers"].get("WWW-Authenticate").is_some());
    // A 400 that may be empty or a problem says where the problem's schema is.
    let either = response("get", "/api/v1.0/external/sdtask/statuslist", 400);
    assert!(either["description"]
        .as_str()
        .unwrap()
        .contains("`Problem`"));
}

/// Every `$ref` in `node`, with where it stands.
fn references(node: &Value, at: &str, found: &mut Vec<(String, String)>) {
    match node {
        Value::Object(members) => {
            for (key, value) in members {
                if key == "$ref" {
                    if let Some(reference) = value.as_str() {
                        found.push((at.to_owned(), reference.to_owned()));
                    }
                } else {
                    references(value, &format!("{at}/{key}"), found);
                }
            }
        }
        Value::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                references(item, &format!("{at}/{index}"), found);
            }
        }
        _ => {}
    }
}

#[test]
fn every_reference_in_the_description_resolves() {
    let description = description();
    let mut found = Vec::new();
    references(&description, "", &mut found);
    assert!(found.len() > 50, "{} references", found.len());
    let dangling: Vec<String> = found
        .into_iter()
        .filter(|(_, reference)| {
            reference
                .strip_prefix('#')
                .is_none_or(|pointer| description.pointer(pointer).is_none())
        })
        .map(|(at, reference)| format!("{at}: {reference}"))
        .collect();
    assert!(dangling.is_empty(), "dangling references: {dangling:?}");
}
