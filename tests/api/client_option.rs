//! The `--client` option: more OAuth clients, each an organization of its own.

use axum::http::StatusCode;
use serde_json::json;

use sdemu::startup::FixtureSource;

use crate::helpers::{config, start_up_error, TestApp, EVERYTHING};

// ---------------------------------------------------------------------------------------------
// --client: more clients, each an organization of its own
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn a_client_option_adds_an_organization_with_its_own_empty_default_workspace() {
    let app =
        TestApp::two_organizations_with(&["--client", "ci:ci-secret", "--client", "qa:qa:secret"])
            .await;
    let organizations = &app.state.startup_dataset.organizations;
    let ci = organizations.iter().find(|o| o.client_id == "ci").unwrap();
    let qa = organizations.iter().find(|o| o.client_id == "qa").unwrap();
    assert_eq!((ci.tenant_id, qa.tenant_id), (3, 4));
    assert_eq!(qa.client_secret, "qa:secret");
    assert!(!ci.is_default);
    let workspaces: Vec<(i64, i64, bool)> = sqlx::query_as(
        "SELECT workspace_id, tenant_id, is_default FROM workspaces WHERE tenant_id >= 3 ORDER BY workspace_id",
    )
    .fetch_all(&app.state.db)
    .await
    .unwrap();
    assert_eq!(workspaces, vec![(4, 3, true), (5, 4, true)]);

    let token = app.token_for("ci", "ci-secret").await;
    let response = app.status_list_as(&token, EVERYTHING).await;
    assert_eq!(response.assert_json(StatusCode::OK), json!([]));
}

#[tokio::test]
async fn several_clients_can_be_given_in_one_comma_separated_value() {
    let config = config(&["--client", "a:1,b:2"]);
    let ids: Vec<&str> = config
        .clients
        .iter()
        .map(|c| c.client_id.as_str())
        .collect();
    assert_eq!(ids, vec!["a", "b"]);
    assert!(!format!("{config:?}").contains(":1"));
}

#[tokio::test]
async fn a_malformed_client_option_is_refused() {
    for bad in ["no-colon", ":secret", "id:"] {
        assert!(
            <sdemu::config::Config as clap::Parser>::try_parse_from(["sdemu", "--client", bad])
                .is_err(),
            "{bad}"
        );
    }
}

#[tokio::test]
async fn a_client_whose_id_an_organization_already_uses_stops_start_up_naming_it() {
    let error = start_up_error(
        &config(&["--client", "sdemu-contoso:other"]),
        FixtureSource::Builtin,
    )
    .await;
    assert!(error.contains("'sdemu-contoso'"), "{error}");
    assert!(error.contains("already exists"), "{error}");
    let error = start_up_error(
        &config(&["--client", "x:1", "--client", "x:2"]),
        FixtureSource::Builtin,
    )
    .await;
    assert!(error.contains("'x'"), "{error}");
}
