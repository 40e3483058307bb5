//! The emulator's clock through the control plane: read, set (real, frozen, offset),
//! advance, refusals, reset, and that tokens and new tasks read it.

use axum::http::StatusCode;
use serde_json::json;

use crate::helpers::TestApp;

#[tokio::test]
async fn the_clock_starts_real_and_follows_the_base_clock() {
    let app = TestApp::two_organizations().await;
    let clock = app
        .control("GET", "clock", None)
        .await
        .assert_json(StatusCode::OK);
    assert_eq!(
        clock,
        json!({"mode": "real", "now": "2026-11-01T12:00:00.000Z", "appliedUntil": null, "stepsApplied": 0})
    );
}

#[tokio::test]
async fn a_frozen_clock_stays_put_until_advanced_and_new_tasks_read_it() {
    let app = TestApp::two_organizations().await;
    let frozen = app
        .set_clock(json!({"mode": "frozen", "at": "2030-05-06T07:08:09Z"}))
        .await
        .assert_json(StatusCode::OK);
    assert_eq!(frozen["mode"], "frozen");
    assert_eq!(frozen["now"], "2030-05-06T07:08:09.000Z");
    app.clock.advance(chrono::Duration::hours(5));
    let moved = app.advance_clock(json!("PT1M30S")).await;
    assert_eq!(moved["now"], "2030-05-06T07:09:39.000Z");
    let id = app.create_task_for("https://files.example.com/a.pdf").await;
    let task = app
        .task_status(&format!("taskId={id}"))
        .await
        .assert_json(StatusCode::OK);
    assert_eq!(task["createdOn"], "2030-05-06T07:09:39Z");
    // The journal and the uptime read the same clock.
    let newest = app.journal("limit=1").await;
    assert_eq!(newest[0]["time"], "2030-05-06T07:09:39Z");
    let health = app
        .control("GET", "health", None)
        .await
        .assert_json(StatusCode::OK);
    assert!(
        health["uptimeSeconds"].as_i64().unwrap() > 3 * 365 * 86_400,
        "{health}"
    );
}

#[tokio::test]
async fn an_offset_clock_runs_with_real_time_shifted_either_way() {
    let app = TestApp::two_organizations().await;
    let behind = app
        .set_clock(json!({"mode": "offset", "offset": "-PT1H"}))
        .await
        .assert_json(StatusCode::OK);
    assert_eq!(behind["mode"], "offset");
    assert_eq!(behind["offsetSeconds"], -3600.0);
    assert_eq!(behind["now"], "2026-11-01T11:00:00.000Z");
    app.clock.advance(chrono::Duration::seconds(10));
    let ahead = app
        .set_clock(json!({"mode": "offset", "offset": 86400}))
        .await
        .assert_json(StatusCode::OK);
    assert_eq!(ahead["now"], "2026-11-02T12:00:10.000Z");
    // Advancing a real or offset clock adds to its offset.
    let real = app
        .set_clock(json!({"mode": "real"}))
        .await
        .assert_json(StatusCode::OK);
    assert_eq!(real["now"], "2026-11-01T12:00:10.000Z");
    let advanced = app.advance_clock(json!(50)).await;
    assert_eq!(advanced["mode"], "offset");
    assert_eq!(advanced["offsetSeconds"], 50.0);
}

#[tokio::test]
async fn the_clock_cannot_go_back_before_an_applied_event_and_nothing_changes() {
    let app = TestApp::two_organizations_with(&["--clock", "frozen", "--failure-rate", "0"]).await;
    app.create_task_for("https://files.example.com/a.pdf").await;
    app.advance_clock(json!(30)).await;
    let problem = app
        .set_clock(json!({"mode": "frozen", "at": "2026-11-01T12:00:05Z"}))
        .await
        .assert_problem(StatusCode::CONFLICT, None);
    assert_eq!(problem["type"], "urn:sdemu:problem:clock-refused");
    assert_eq!(
        problem["detail"],
        "The clock cannot go back to 2026-11-01T12:00:05.000Z: an event was already applied at 2026-11-01T12:00:13.000Z."
    );
    assert_eq!(problem["appliedUntil"], "2026-11-01T12:00:13.000Z");
    let clock = app
        .control("GET", "clock", None)
        .await
        .assert_json(StatusCode::OK);
    assert_eq!(clock["now"], "2026-11-01T12:00:30.000Z");
    // Back to exactly the last applied event is allowed.
    app.set_clock(json!({"mode": "frozen", "at": "2026-11-01T12:00:13Z"}))
        .await
        .assert_json(StatusCode::OK);
}

#[tokio::test]
async fn bad_clock_requests_are_400_problems_naming_the_field_and_change_nothing() {
    let app = TestApp::two_organizations_with(&["--clock", "frozen"]).await;
    let cases = [
        ("PUT", "clock", json!({"mode": "sideways"}), Some("mode")),
        (
            "PUT",
            "clock",
            json!({"mode": "frozen", "at": "yesterday"}),
            Some("at"),
        ),
        ("PUT", "clock", json!({"mode": "offset"}), Some("offset")),
        (
            "PUT",
            "clock",
            json!({"mode": "offset", "offset": "P1M"}),
            Some("offset"),
        ),
        ("PUT", "clock", json!({"mode": "real", "speed": 2}), None),
        ("POST", "clock/advance", json!({"by": -5}), None),
        ("POST", "clock/advance", json!({"by": "PT5X"}), Some("by")),
        ("POST", "clock/advance", json!({"by": true}), Some("by")),
        ("POST", "clock/advance", json!({}), None),
        ("POST", "clock/advance", json!([]), None),
    ];
    for (method, path, body, field) in cases {
        let response = app.control(method, path, Some(&body)).await;
        let problem = response.assert_problem(StatusCode::BAD_REQUEST, None);
        if let Some(field) = field {
            assert_eq!(problem["field"], field, "{method} {path} {body}");
        }
    }
    let clock = app
        .control("GET", "clock", None)
        .await
        .assert_json(StatusCode::OK);
    assert_eq!(clock["now"], "2026-11-01T12:00:00.000Z");
    assert_eq!(clock["mode"], "frozen");
}

#[tokio::test]
async fn reset_puts_the_clock_back_to_how_sdemu_started() {
    let app = TestApp::two_organizations().await;
    app.advance_clock(json!("P2D")).await;
    app.control("POST", "reset", None)
        .await
        .assert_json(StatusCode::OK);
    let clock = app
        .control("GET", "clock", None)
        .await
        .assert_json(StatusCode::OK);
    assert_eq!(clock["mode"], "real");
    assert_eq!(clock["now"], "2026-11-01T12:00:00.000Z");
    assert_eq!(clock["appliedUntil"], serde_json::Value::Null);
}

#[tokio::test]
async fn access_tokens_expire_by_the_emulators_clock() {
    let app = TestApp::two_organizations_with(&["--clock", "frozen", "--token-ttl", "60"]).await;
    let token = app.token_for("acme", "acme-secret").await;
    let workspaces = || {
        axum::http::Request::get("/api/v1.0/external/sdworkspace/CurrentWorkspaces")
            .body(axum::body::Body::empty())
            .unwrap()
    };
    app.advance_clock(json!(59)).await;
    app.request_as(&token, workspaces())
        .await
        .assert_status(StatusCode::OK);
    app.advance_clock(json!(1)).await;
    app.request_as(&token, workspaces())
        .await
        .assert_unauthorized(&crate::helpers::invalid_token(
            "The access token expired at 2026-11-01T12:01:00Z.",
        ));
}
