//! A bearer token's lifetime: expiry and `--token-ttl`, tokens across resets and restarts.

use axum::http::StatusCode;
use chrono::Duration;

use sdemu::config::Config;

use crate::helpers::{config, invalid_token, TestApp, ACME, EVERYTHING, OTHER, UNKNOWN_TOKEN};

// ---------------------------------------------------------------------------------------------
// Expiry and `--token-ttl`; tokens across resets and restarts
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn a_token_works_until_its_lifetime_is_over_then_is_401_expired() {
    let app = TestApp::two_organizations().await;
    let token = app.token(&ACME).await;
    app.clock.advance(Duration::seconds(3599));
    app.status_list_as(&token, EVERYTHING)
        .await
        .assert_status(StatusCode::OK);
    app.clock.advance(Duration::seconds(1));
    // The test clock starts at 2026-11-01T12:00:00Z.
    app.status_list_as(&token, EVERYTHING)
        .await
        .assert_unauthorized(&invalid_token(
            "The access token expired at 2026-11-01T13:00:00Z.",
        ));
}

#[tokio::test]
async fn token_ttl_sets_expires_in_and_the_lifetime() {
    let app = TestApp::two_organizations_with(&["--token-ttl", "60"]).await;
    let response = app.post_token(&ACME.form()).await;
    assert_eq!(response.json()["expires_in"], 60);
    let token = response.json()["access_token"].as_str().unwrap().to_owned();
    app.clock.advance(Duration::seconds(59));
    assert_eq!(app.status_list_as(&token, EVERYTHING).await.status, 200);
    app.clock.advance(Duration::seconds(1));
    assert_eq!(app.status_list_as(&token, EVERYTHING).await.status, 401);
}

#[tokio::test]
async fn token_ttl_must_be_between_one_second_and_a_year() {
    for bad in ["0", "31536001", "-5", "an hour"] {
        assert!(
            <Config as clap::Parser>::try_parse_from(["sdemu", "--token-ttl", bad]).is_err(),
            "{bad}"
        );
    }
    assert_eq!(config(&["--token-ttl", "31536000"]).token_ttl, 31_536_000);
}

#[tokio::test]
async fn tokens_survive_a_reset_that_restores_their_organization() {
    let app = TestApp::two_organizations().await;
    let token = app.token(&OTHER).await;
    let before = app.status_list_as(&token, EVERYTHING).await.task_ids();
    // A replacing seed of the whole state deletes every organization and inserts it again.
    let state = app.state_document().await;
    app.control("POST", "seed?mode=replace", Some(&state))
        .await
        .assert_status(StatusCode::OK);
    let after = app.status_list_as(&token, EVERYTHING).await;
    after.assert_status(StatusCode::OK);
    assert_eq!(after.task_ids(), before);
}

#[tokio::test]
async fn a_token_of_an_organization_that_no_longer_exists_is_401() {
    let app = TestApp::two_organizations().await;
    let token = app.token(&OTHER).await;
    let mut without_other = (*app.state.startup_dataset).clone();
    without_other.organizations.retain(|o| o.tenant_id != 2);
    without_other.workspaces.retain(|w| w.tenant_id != 2);
    let kept: std::collections::HashSet<i64> = without_other
        .workspaces
        .iter()
        .map(|w| w.workspace_id)
        .collect();
    without_other
        .batches
        .retain(|b| kept.contains(&b.workspace_id));
    without_other.tasks.retain(|t| t.tenant_id != 2);
    sdemu::store::dataset::replace(&app.state.db, &without_other)
        .await
        .unwrap();
    app.status_list_as(&token, EVERYTHING)
        .await
        .assert_unauthorized(&invalid_token(UNKNOWN_TOKEN));
}

#[tokio::test]
async fn with_a_database_file_tokens_survive_a_restart_until_they_expire() {
    let directory = tempfile::tempdir().unwrap();
    let path = directory.path().join("sdemu.db");
    let path = path.to_str().unwrap();

    let first = TestApp::two_organizations_with(&["--database", path]).await;
    let token = first.token(&OTHER).await;
    let expected = first.status_list_as(&token, EVERYTHING).await.task_ids();
    first.state.db.close().await;

    let second = TestApp::two_organizations_with(&["--database", path]).await;
    let response = second.status_list_as(&token, EVERYTHING).await;
    response.assert_status(StatusCode::OK);
    assert_eq!(response.task_ids(), expected);
    second.clock.advance(Duration::hours(1));
    second
        .status_list_as(&token, EVERYTHING)
        .await
        .assert_status(StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_fresh_in_memory_emulator_knows_no_token_of_another() {
    let first = TestApp::two_organizations().await;
    let token = first.token(&ACME).await;
    let second = TestApp::two_organizations().await;
    second
        .status_list_as(&token, EVERYTHING)
        .await
        .assert_unauthorized(&invalid_token(UNKNOWN_TOKEN));
}
