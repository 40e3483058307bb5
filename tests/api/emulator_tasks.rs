//! Per-task control of the lifecycle: force a status, run the next step now, play the
//! reviewer, and the refusals that change nothing.

use axum::http::StatusCode;
use serde_json::{json, Value};

use crate::helpers::TestApp;

async fn frozen() -> TestApp {
    TestApp::two_organizations_with(&["--clock", "frozen", "--failure-rate", "0"]).await
}

#[tokio::test]
async fn forcing_a_status_sets_it_now_and_schedules_what_follows_it() {
    let app = frozen().await;
    let id = app.create_task_for("https://files.example.com/a.pdf").await;
    let forced = app
        .control(
            "POST",
            &format!("tasks/{id}/status"),
            Some(&json!({"taskStatus": 34, "integrationStatus": 1})),
        )
        .await
        .assert_json(StatusCode::OK);
    assert_eq!(forced["taskStatus"], 34);
    assert_eq!(forced["taskStatusText"], "PreProcessingSuccessful");
    assert_eq!(
        forced["nextStep"],
        json!({"taskStatus": 3, "dueAt": "2026-11-01T12:00:02Z"})
    );
    assert_eq!(forced["history"][1]["cause"], "forced");
    let task = app
        .task_status(&format!("taskId={id}"))
        .await
        .assert_json(StatusCode::OK);
    assert_eq!(task["taskStatus"], 34);
    let pages = task["totalPages"].as_i64().unwrap();
    assert!((1..=12).contains(&pages), "arriving in 34 finds the pages");

    // A failure has nothing after it.
    let failed = app
        .control("POST", "tasks/10/status", Some(&json!({"taskStatus": 33})))
        .await
        .assert_json(StatusCode::OK);
    assert_eq!(failed["nextStep"], Value::Null);
    assert_eq!(
        failed["history"],
        json!([{"at": "2026-11-01T12:00:00Z", "fromStatus": 3, "toStatus": 33, "cause": "forced"}])
    );
}

#[tokio::test]
async fn an_uncatalogued_status_or_unknown_task_is_refused_and_nothing_changes() {
    let app = frozen().await;
    let cases = [
        (
            "tasks/10/status",
            json!({"taskStatus": 999}),
            StatusCode::BAD_REQUEST,
            Some("taskStatus"),
        ),
        (
            "tasks/10/status",
            json!({"taskStatus": 30, "integrationStatus": 77}),
            StatusCode::BAD_REQUEST,
            Some("integrationStatus"),
        ),
        (
            "tasks/10/status",
            json!({"status": 30}),
            StatusCode::BAD_REQUEST,
            None,
        ),
        (
            "tasks/10/status",
            json!({"taskStatus": "30"}),
            StatusCode::BAD_REQUEST,
            None,
        ),
        (
            "tasks/999/status",
            json!({"taskStatus": 30}),
            StatusCode::NOT_FOUND,
            None,
        ),
        (
            "tasks/abc/status",
            json!({"taskStatus": 30}),
            StatusCode::BAD_REQUEST,
            None,
        ),
    ];
    for (path, body, status, field) in cases {
        let problem = app
            .control("POST", path, Some(&body))
            .await
            .assert_problem(status, None);
        if let Some(field) = field {
            assert_eq!(problem["field"], field, "{path} {body}");
        }
    }
    let task = app.task_lifecycle(10).await;
    assert_eq!(task["taskStatus"], 3);
    assert_eq!(task["integrationStatus"], 1);
    assert_eq!(task["history"], json!([]));
}

#[tokio::test]
async fn advancing_a_task_runs_its_next_step_now_and_only_that_task() {
    let app = frozen().await;
    let first = app.create_task_for("https://files.example.com/a.pdf").await;
    let second = app.create_task_for("https://files.example.com/b.pdf").await;
    let advanced = app
        .control("POST", &format!("tasks/{first}/advance"), None)
        .await
        .assert_json(StatusCode::OK);
    assert_eq!(advanced["taskStatus"], 31);
    assert_eq!(advanced["history"][1]["cause"], "advanced");
    assert_eq!(advanced["history"][1]["at"], "2026-11-01T12:00:00Z");
    assert_eq!(
        advanced["nextStep"]["dueAt"], "2026-11-01T12:00:08Z",
        "the next step counts from now"
    );
    assert_eq!(app.task_lifecycle(second).await["taskStatus"], 30);

    let problem = app
        .control("POST", "tasks/10/advance", None)
        .await
        .assert_problem(StatusCode::CONFLICT, None);
    assert_eq!(problem["type"], "urn:sdemu:problem:no-next-step");
    assert_eq!(problem["taskStatus"], 3);
}

#[tokio::test]
async fn the_control_plane_plays_the_reviewer_from_to_review_to_task_history() {
    let app = frozen().await;
    let started = app
        .control("POST", "tasks/10/review/start", None)
        .await
        .assert_json(StatusCode::OK);
    assert_eq!(started["taskStatus"], 4);
    assert_eq!(started["taskStatusText"], "InReview");
    let finished = app
        .control("POST", "tasks/10/review/finish", None)
        .await
        .assert_json(StatusCode::OK);
    assert_eq!(finished["taskStatus"], 20);
    let causes: Vec<&str> = finished["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| entry["cause"].as_str().unwrap())
        .collect();
    assert_eq!(causes, ["review", "review"]);
    // Finishing straight from ToReview is allowed too.
    app.control("POST", "tasks/20/review/finish", None)
        .await
        .assert_json(StatusCode::OK);

    let id = app.create_task_for("https://files.example.com/a.pdf").await;
    for step in ["start", "finish"] {
        let problem = app
            .control("POST", &format!("tasks/{id}/review/{step}"), None)
            .await
            .assert_problem(StatusCode::CONFLICT, None);
        assert_eq!(problem["type"], "urn:sdemu:problem:not-reviewable");
        assert_eq!(problem["taskStatus"], 30);
    }
    app.control("POST", "tasks/11/review/start", None)
        .await
        .assert_problem(StatusCode::CONFLICT, None);
    let unknown_step = app
        .control("POST", "tasks/10/review/approve", None)
        .await
        .assert_problem(StatusCode::BAD_REQUEST, None);
    assert_eq!(unknown_step["type"], "urn:sdemu:problem:invalid-path");
}

#[tokio::test]
async fn reprocessing_from_the_control_plane_restarts_any_organizations_task_but_not_one_in_task_history(
) {
    let app = frozen().await;
    // Task 20 is the other organization's: no token of theirs is needed here.
    let reprocessed = app
        .control("POST", "tasks/20/reprocess", None)
        .await
        .assert_json(StatusCode::OK);
    assert_eq!(reprocessed["taskStatus"], 30);
    assert_eq!(reprocessed["restartCount"], 1);
    assert_eq!(
        reprocessed["nextStep"],
        json!({"taskStatus": 31, "dueAt": "2026-11-01T12:00:03Z"})
    );
    let last = reprocessed["history"].as_array().unwrap().last().unwrap();
    assert_eq!(last["cause"], "reprocessed");
    assert_eq!(last["toStatus"], 30);

    app.control("POST", "tasks/20/status", Some(&json!({"taskStatus": 20})))
        .await
        .assert_json(StatusCode::OK);
    let problem = app
        .control("POST", "tasks/20/reprocess", None)
        .await
        .assert_problem(StatusCode::CONFLICT, None);
    assert_eq!(problem["type"], "urn:sdemu:problem:task-deleted");
    assert_eq!(problem["taskStatus"], 20);
    assert_eq!(
        app.task_lifecycle(20).await["restartCount"],
        1,
        "nothing changed"
    );
    app.control("POST", "tasks/999/reprocess", None)
        .await
        .assert_problem(StatusCode::NOT_FOUND, None);
}
