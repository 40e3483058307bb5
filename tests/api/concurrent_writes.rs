//! Writes that decide on what they read, while other writes happen: the decision is taken on
//! the data as it is when the write runs, not as it was when the request arrived.

use std::time::Duration;

use axum::http::StatusCode;

use crate::helpers::{first_delivery, silent_receiver_review, TestApp};

/// Reprocess Task refuses a task in Task History. A task archived while the request waited
/// for its turn to write (a review finished, a webhook outcome) is refused too, not taken out
/// of Task History: the status is read in the write itself.
#[tokio::test]
async fn a_task_archived_while_reprocess_waits_for_its_turn_is_refused_and_stays_archived() {
    let app = TestApp::two_organizations().await;
    // Task 10 is ToReview (and the test's token is issued now: issuing one writes too).
    let task = app
        .task_status("taskId=10")
        .await
        .assert_json(StatusCode::OK);
    assert_eq!(task["taskStatus"], 3);
    let turn = app.state.write_turn().await;
    let mut reprocess = Box::pin(app.restart_processing("taskId=10"));
    // Whatever it reads first, the request cannot write while the turn is held. (A bound on
    // real time, not a test of time: with the status read before the turn, 200 ms are ample
    // for that read, and the correct code never finishes here whatever the machine's speed.)
    assert!(
        tokio::time::timeout(Duration::from_millis(200), &mut reprocess)
            .await
            .is_err(),
        "Reprocess Task waits for its turn to write"
    );
    // Meanwhile task 10 (ToReview) is archived, as a finished review would.
    sqlx::query("UPDATE tasks SET task_status = 20 WHERE task_id = 10")
        .execute(&app.state.db)
        .await
        .unwrap();
    drop(turn);

    let refused = reprocess.await;
    refused.assert_status(StatusCode::CONFLICT);
    let problem = refused.json();
    assert_eq!(problem["taskStatus"], 20, "{problem}");
    assert_eq!(
        problem["detail"],
        "The task is Deleted (20): a task in Task History cannot be reprocessed."
    );
    let task = app
        .task_status("taskId=10")
        .await
        .assert_json(StatusCode::OK);
    assert_eq!(task["taskStatus"], 20);
    assert!(task.get("restartCount").is_none(), "{task}");
    let lifecycle = app.task_lifecycle(10).await;
    assert_eq!(lifecycle["restartCount"], 0, "{lifecycle}");
    assert_eq!(
        lifecycle["history"],
        serde_json::json!([]),
        "no transition recorded"
    );
}

/// Reprocessing a task whose review's webhook deliveries are still out abandons its export:
/// Get Export Data answers 409 for it from then on, and the deliveries' outcome (here a
/// timeout) changes nothing when it comes: the task stays in its new run.
#[tokio::test]
async fn reprocessing_a_task_whose_deliveries_are_out_abandons_its_export() {
    let (app, got, id) = silent_receiver_review("textDocuments").await;
    let during = async {
        first_delivery(&got).await;
        app.get_export_data(&id.to_string())
            .await
            .assert_json(StatusCode::OK);
        app.restart_processing(&format!("taskId={id}"))
            .await
            .assert_status(StatusCode::OK);
        let problem = app
            .get_export_data(&id.to_string())
            .await
            .assert_problem(StatusCode::CONFLICT, None);
        assert_eq!(problem["taskStatus"], 30, "{problem}");
    };
    let path = format!("tasks/{id}/review/finish");
    let finish = app.control("POST", &path, None);
    let (view, ()) = tokio::join!(finish, during);
    let view = view.assert_json(StatusCode::OK);
    assert_eq!(view["taskStatus"], 30, "{view}");
    assert_eq!(view["restartCount"], 1, "{view}");
    assert_eq!(view["exportPending"], false, "{view}");
    app.get_export_data(&id.to_string())
        .await
        .assert_problem(StatusCode::CONFLICT, None);
}
