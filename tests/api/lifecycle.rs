//! The processing lifecycle under a frozen clock: created and reprocessed tasks move through
//! pre-processing to review (or a failure), steps fall due in time order when the clock is
//! advanced, draws are reproducible by seed, and fixture tasks stay as they were.

use axum::http::StatusCode;
use serde_json::{json, Value};

use crate::helpers::TestApp;

/// A frozen clock and no failures: every run succeeds, at the default step durations
/// (3 s queued, 8 s pre-processing, 2 s hand-off).
const FROZEN_NO_FAILURES: &[&str] = &["--clock", "frozen", "--failure-rate", "0"];

async fn status_of(app: &TestApp, task_id: i64) -> Value {
    app.task_status(&format!("taskId={task_id}"))
        .await
        .assert_json(StatusCode::OK)
}

fn history_steps(lifecycle: &Value) -> Vec<(Option<i64>, i64, String)> {
    lifecycle["history"]
        .as_array()
        .expect("a history")
        .iter()
        .map(|entry| {
            (
                entry["fromStatus"].as_i64(),
                entry["toStatus"].as_i64().unwrap(),
                entry["cause"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn a_created_task_is_queued_then_pre_processed_then_ready_for_review_as_the_clock_advances() {
    let app = TestApp::two_organizations_with(FROZEN_NO_FAILURES).await;
    let id = app
        .create_task_for("https://files.example.com/invoice.pdf")
        .await;
    let created = status_of(&app, id).await;
    assert_eq!(created["taskStatus"], 30);
    assert_eq!(created["createdOn"], "2026-11-01T12:00:00Z");

    app.advance_clock(json!(2)).await;
    assert_eq!(status_of(&app, id).await["taskStatus"], 30, "not due yet");
    app.advance_clock(json!(1)).await;
    let started = status_of(&app, id).await;
    assert_eq!(started["taskStatus"], 31);
    assert_eq!(started["taskStatusText"], "PreProcessingInProgress");
    assert_eq!(started["preProcessingStartedOn"], "2026-11-01T12:00:03Z");
    assert_eq!(started["totalPages"], 0);

    app.advance_clock(json!("PT8S")).await;
    let successful = status_of(&app, id).await;
    assert_eq!(successful["taskStatus"], 34);
    let pages = successful["totalPages"].as_i64().unwrap();
    assert!((1..=12).contains(&pages), "{pages} pages");

    app.advance_clock(json!("PT2S")).await;
    let ready = status_of(&app, id).await;
    assert_eq!(ready["taskStatus"], 3);
    assert_eq!(ready["taskStatusText"], "ToReview");
    assert_eq!(ready["totalPages"], pages);

    let lifecycle = app.task_lifecycle(id).await;
    assert_eq!(lifecycle["nextStep"], Value::Null);
    assert_eq!(
        history_steps(&lifecycle),
        [
            (None, 30, "created".to_owned()),
            (Some(30), 31, "lifecycle".to_owned()),
            (Some(31), 34, "lifecycle".to_owned()),
            (Some(34), 3, "lifecycle".to_owned()),
        ]
    );
    let times: Vec<&str> = lifecycle["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| entry["at"].as_str().unwrap())
        .collect();
    assert_eq!(
        times,
        [
            "2026-11-01T12:00:00Z",
            "2026-11-01T12:00:03Z",
            "2026-11-01T12:00:11Z",
            "2026-11-01T12:00:13Z"
        ]
    );
}

#[tokio::test]
async fn one_advance_of_a_minute_applies_every_due_step_at_its_own_time_before_answering() {
    let app = TestApp::two_organizations_with(FROZEN_NO_FAILURES).await;
    let first = app.create_task_for("https://files.example.com/a.pdf").await;
    app.advance_clock(json!(5)).await;
    let second = app
        .create_task_for("https://files.example.com/scan.png")
        .await;

    let clock = app.advance_clock(json!("PT60S")).await;
    assert_eq!(clock["mode"], "frozen");
    assert_eq!(clock["now"], "2026-11-01T12:01:05.000Z");
    assert_eq!(clock["stepsApplied"], 5, "{clock}");
    assert_eq!(clock["appliedUntil"], "2026-11-01T12:00:18.000Z");

    let list = app
        .status_list("startDate=2026-11-01&taskStatus=3")
        .await
        .task_ids();
    assert_eq!(list, [first, second]);
    // An image has one page.
    assert_eq!(status_of(&app, second).await["totalPages"], 1);
    let history = app.task_lifecycle(second).await["history"].clone();
    assert_eq!(history[1]["at"], "2026-11-01T12:00:08Z");
    assert_eq!(history[3]["at"], "2026-11-01T12:00:18Z");
}

#[tokio::test]
async fn a_failed_run_ends_in_one_of_the_three_failures_and_reprocessing_runs_the_lifecycle_again()
{
    let app = TestApp::two_organizations_with(&["--clock", "frozen", "--failure-rate", "1"]).await;
    let ids: Vec<i64> = {
        let mut ids = Vec::new();
        for n in 0..12 {
            ids.push(
                app.create_task_for(&format!("https://files.example.com/{n}.pdf"))
                    .await,
            );
        }
        ids
    };
    app.advance_clock(json!(60)).await;
    let mut failures = Vec::new();
    for id in &ids {
        let task = status_of(&app, *id).await;
        failures.push(task["taskStatus"].as_i64().unwrap());
        assert_eq!(task["totalPages"], 0, "a failed run finds no pages");
        assert_eq!(app.task_lifecycle(*id).await["nextStep"], Value::Null);
    }
    let mut kinds = failures.clone();
    kinds.sort_unstable();
    kinds.dedup();
    assert_eq!(kinds, [32, 33, 35], "{failures:?}");

    let id = ids[0];
    app.restart_processing(&format!("taskId={id}"))
        .await
        .assert_empty(StatusCode::OK);
    let restarted = status_of(&app, id).await;
    assert_eq!(restarted["taskStatus"], 30);
    assert_eq!(restarted["restartCount"], 1);
    let lifecycle = app.task_lifecycle(id).await;
    assert_eq!(lifecycle["nextStep"]["taskStatus"], 31);
    assert_eq!(lifecycle["nextStep"]["dueAt"], "2026-11-01T12:01:03Z");
    app.advance_clock(json!(60)).await;
    let steps = history_steps(&app.task_lifecycle(id).await);
    assert_eq!(steps[3].2, "reprocessed");
    assert_eq!(steps[3].1, 30);
    assert_eq!(steps[4], (Some(30), 31, "lifecycle".to_owned()));
    assert!([32, 33, 35].contains(&steps[5].1), "{steps:?}");
}

#[tokio::test]
async fn a_task_still_being_processed_can_be_reprocessed_and_starts_again_from_the_queue() {
    let app = TestApp::two_organizations_with(FROZEN_NO_FAILURES).await;
    let id = app.create_task_for("https://files.example.com/a.pdf").await;
    app.advance_clock(json!(4)).await;
    assert_eq!(status_of(&app, id).await["taskStatus"], 31);
    app.restart_processing(&format!("taskId={id}"))
        .await
        .assert_empty(StatusCode::OK);
    let lifecycle = app.task_lifecycle(id).await;
    assert_eq!(lifecycle["taskStatus"], 30);
    assert_eq!(lifecycle["restartCount"], 1);
    assert_eq!(lifecycle["nextStep"]["dueAt"], "2026-11-01T12:00:07Z");
    app.advance_clock(json!(13)).await;
    assert_eq!(status_of(&app, id).await["taskStatus"], 3);
}

#[tokio::test]
async fn a_task_in_task_history_cannot_be_reprocessed_and_is_left_as_it_is() {
    let app = TestApp::two_organizations_with(FROZEN_NO_FAILURES).await;
    app.control("POST", "tasks/10/status", Some(&json!({"taskStatus": 20})))
        .await
        .assert_json(StatusCode::OK);
    let problem = app
        .restart_processing("taskId=10")
        .await
        .assert_problem(StatusCode::CONFLICT, None);
    assert_eq!(problem["type"], "urn:sdemu:problem:task-deleted");
    assert_eq!(problem["taskStatus"], 20);
    let task = status_of(&app, 10).await;
    assert_eq!(task["taskStatus"], 20);
    assert!(task.get("restartCount").is_none(), "{task}");
}

#[tokio::test]
async fn the_same_seed_gives_the_same_outcomes_run_after_run() {
    async fn outcomes(seed: &str) -> Vec<i64> {
        let app = TestApp::two_organizations_with(&[
            "--clock",
            "frozen",
            "--failure-rate",
            "0.5",
            "--seed",
            seed,
        ])
        .await;
        let mut ids = Vec::new();
        for n in 0..16 {
            ids.push(
                app.create_task_for(&format!("https://files.example.com/{n}.pdf"))
                    .await,
            );
        }
        app.advance_clock(json!(60)).await;
        let mut outcomes = Vec::new();
        for id in ids {
            let task = status_of(&app, id).await;
            outcomes.push(task["taskStatus"].as_i64().unwrap());
            outcomes.push(task["totalPages"].as_i64().unwrap());
        }
        outcomes
    }
    let first = outcomes("7").await;
    assert_eq!(first, outcomes("7").await);
    assert_ne!(first, outcomes("8").await);
    assert!(first.contains(&3) && first.iter().any(|s| [32, 33, 35].contains(s)));
}

/// A run's outcome is the seeded draw for the task and its restarts, drawn when
/// pre-processing starts: a created task's first run and its run after a reprocess.
#[tokio::test]
async fn each_run_ends_as_the_seeded_draw_for_its_task_and_restart_count() {
    let app =
        TestApp::two_organizations_with(&["--clock", "frozen", "--failure-rate", "0.5"]).await;
    // A successful run ends in ToReview once the hand-off is done; a failure stays.
    let expected = |id: i64, restarts: i64| match app.state.lifecycle.draw_outcome(id, restarts) {
        34 => 3,
        failure => failure,
    };
    let mut ids = Vec::new();
    for n in 0..12 {
        ids.push(
            app.create_task_for(&format!("https://files.example.com/{n}.pdf"))
                .await,
        );
    }
    app.advance_clock(json!(60)).await;
    for &id in &ids {
        assert_eq!(
            status_of(&app, id).await["taskStatus"],
            expected(id, 0),
            "task {id}"
        );
    }
    for &id in &ids {
        app.restart_processing(&format!("taskId={id}"))
            .await
            .assert_status(StatusCode::OK);
    }
    app.advance_clock(json!(60)).await;
    for &id in &ids {
        assert_eq!(
            status_of(&app, id).await["taskStatus"],
            expected(id, 1),
            "task {id}"
        );
    }
    let firsts: Vec<i64> = ids.iter().map(|&id| expected(id, 0)).collect();
    assert!(firsts.contains(&3) && firsts.iter().any(|status| *status != 3));
}

#[tokio::test]
async fn with_the_lifecycle_off_a_created_task_stays_queued() {
    let app = TestApp::two_organizations_with(&["--clock", "frozen", "--lifecycle", "off"]).await;
    let id = app.create_task_for("https://files.example.com/a.pdf").await;
    app.advance_clock(json!("P1D")).await;
    assert_eq!(status_of(&app, id).await["taskStatus"], 30);
    let lifecycle = app.task_lifecycle(id).await;
    assert_eq!(lifecycle["nextStep"], Value::Null);
    assert_eq!(
        history_steps(&lifecycle),
        [(None, 30, "created".to_owned())]
    );
}

#[tokio::test]
async fn tasks_loaded_from_fixtures_keep_the_status_they_were_given() {
    let app = TestApp::with_options(&["--clock", "frozen"]).await;
    let before = app
        .status_list("startDate=2022-01-01&endDate=2026-12-31&workspaceId=1")
        .await
        .json();
    app.advance_clock(json!("P30D")).await;
    let after = app
        .status_list("startDate=2022-01-01&endDate=2026-12-31&workspaceId=1")
        .await
        .json();
    assert_eq!(before, after);
    let queued = app
        .task_lifecycle(before[0]["taskId"].as_i64().unwrap())
        .await;
    assert_eq!(queued["history"], json!([]));
}

#[tokio::test]
async fn the_automatic_reviewer_starts_and_finishes_reviews_after_its_delay() {
    let app = TestApp::two_organizations_with(&[
        "--clock",
        "frozen",
        "--failure-rate",
        "0",
        "--auto-review",
        "20",
    ])
    .await;
    let id = app.create_task_for("https://files.example.com/a.pdf").await;
    app.advance_clock(json!(13)).await;
    assert_eq!(status_of(&app, id).await["taskStatus"], 3);
    app.advance_clock(json!(20)).await;
    assert_eq!(status_of(&app, id).await["taskStatus"], 4);
    app.advance_clock(json!(20)).await;
    let archived = status_of(&app, id).await;
    assert_eq!(archived["taskStatus"], 20);
    assert_eq!(archived["taskStatusText"], "Deleted");
    // Fixture tasks in ToReview are left to people.
    assert_eq!(status_of(&app, 10).await["taskStatus"], 3);
}

#[tokio::test]
async fn on_the_real_clock_tasks_move_without_anyone_advancing_it() {
    use std::sync::Arc;

    use sdemu::clock::{ManualClock, SystemClock};
    use sdemu::startup::{self, FixtureSource};

    // Steps of zero seconds: on the wall clock every step is due as soon as the task exists.
    let config = crate::helpers::config(&[
        "--queued-seconds",
        "0",
        "--processing-seconds",
        "0",
        "--handoff-seconds",
        "0",
        "--failure-rate",
        "0",
    ]);
    let fixtures = FixtureSource::Inline {
        name: "two organizations".into(),
        text: crate::helpers::TWO_ORGANIZATIONS.into(),
    };
    let state = startup::open(&config, Arc::new(SystemClock), fixtures)
        .await
        .expect("the emulator starts");
    let app = TestApp::from_state(state, ManualClock::new(chrono::Utc::now()));
    let id = app.create_task_for("https://files.example.com/a.pdf").await;
    let task = status_of(&app, id).await;
    assert_eq!(task["taskStatus"], 3, "{task}");
    let clock = app
        .control("GET", "clock", None)
        .await
        .assert_json(StatusCode::OK);
    assert_eq!(clock["mode"], "real");
    assert_eq!(history_steps(&app.task_lifecycle(id).await).len(), 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_readers_never_see_a_half_applied_advance_and_never_fail() {
    let app = std::sync::Arc::new(TestApp::two_organizations_with(FROZEN_NO_FAILURES).await);
    // Tasks created at one instant share every step time: at any moment they must all be
    // in the same status, in every answer.
    let mut ids = Vec::new();
    for n in 0..20 {
        ids.push(
            app.create_task_for(&format!("https://files.example.com/{n}.pdf"))
                .await,
        );
    }
    let readers: Vec<_> = (0..4)
        .map(|_| {
            let app = app.clone();
            tokio::spawn(async move {
                let mut seen = Vec::new();
                for _ in 0..40 {
                    let list = app
                        .status_list("startDate=2026-11-01&workspaceId=1")
                        .await
                        .assert_json(StatusCode::OK);
                    let mut statuses: Vec<i64> = list
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|task| task["taskStatus"].as_i64().unwrap())
                        .collect();
                    statuses.dedup();
                    assert_eq!(statuses.len(), 1, "one answer mixes states: {statuses:?}");
                    seen.push(statuses[0]);
                    tokio::task::yield_now().await;
                }
                seen
            })
        })
        .collect();
    for _ in 0..14 {
        app.advance_clock(json!(1)).await;
        tokio::task::yield_now().await;
    }
    for reader in readers {
        let seen = reader.await.expect("a reader never panics");
        // Each reader sees statuses only move forward along the lifecycle.
        let order = [30, 31, 34, 3];
        let positions: Vec<usize> = seen
            .iter()
            .map(|status| order.iter().position(|s| s == status).unwrap())
            .collect();
        assert!(
            positions.windows(2).all(|pair| pair[0] <= pair[1]),
            "{seen:?}"
        );
    }
    for id in ids {
        assert_eq!(status_of(&app, id).await["taskStatus"], 3);
    }
}

#[tokio::test]
async fn a_merge_seed_keeps_tasks_in_progress_moving_and_their_history() {
    let app = TestApp::two_organizations_with(FROZEN_NO_FAILURES).await;
    let id = app.create_task_for("https://files.example.com/a.pdf").await;
    app.advance_clock(json!(4)).await;
    let seed = json!([{"taskId": 500, "workspaceId": 1, "displayName": "seeded.pdf",
        "createdOn": "2024-01-01T00:00:00Z", "taskStatus": 3, "integrationStatus": 1}]);
    app.control("POST", "seed?mode=merge", Some(&seed))
        .await
        .assert_json(StatusCode::OK);
    let lifecycle = app.task_lifecycle(id).await;
    assert_eq!(lifecycle["taskStatus"], 31);
    assert_eq!(
        lifecycle["nextStep"],
        json!({"taskStatus": 34, "dueAt": "2026-11-01T12:00:11Z"})
    );
    assert_eq!(history_steps(&lifecycle).len(), 2);
    app.advance_clock(json!(60)).await;
    assert_eq!(status_of(&app, id).await["taskStatus"], 3);
}

/// Nothing asks sdemu anything here, so only the ticker can apply the steps. Its first tick
/// is immediate (the interval is an hour, so there is no second): the test waits for that
/// one tick's effect, then stops the ticker, which must end.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_ticker_applies_due_steps_when_nobody_asks_and_stops_on_shutdown() {
    let app = TestApp::two_organizations_with(&["--failure-rate", "0"]).await;
    let id = app.create_task_for("https://files.example.com/a.pdf").await;
    app.clock.advance(chrono::Duration::seconds(13));
    let stored_status = || {
        let db = app.state.db.clone();
        async move {
            let mut conn = db.acquire().await.unwrap();
            sdemu::store::tasks::find_by_id(&mut conn, id)
                .await
                .unwrap()
                .unwrap()
                .task_status
        }
    };
    assert_eq!(
        stored_status().await,
        30,
        "nothing applied before the ticker runs"
    );
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let ticker = tokio::spawn(sdemu::lifecycle::run_ticker(
        app.state.clone(),
        std::time::Duration::from_secs(3600),
        async {
            let _ = stopped.await;
        },
    ));
    let applied = tokio::time::timeout(std::time::Duration::from_secs(10), async {
        while stored_status().await != 3 {
            tokio::task::yield_now().await;
        }
    })
    .await;
    let _ = stop.send(());
    tokio::time::timeout(std::time::Duration::from_secs(10), ticker)
        .await
        .expect("the ticker ends on shutdown")
        .unwrap();
    assert!(applied.is_ok(), "the ticker applied the due steps");
    assert_eq!(stored_status().await, 3);
}
