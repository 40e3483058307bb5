//! POST /connect/token: the OAuth 2.0 client credentials grant, its errors, the tokens it
//! stores, and the `--client` option that adds clients.

use axum::http::{HeaderValue, StatusCode};
use chrono::Duration;
use serde_json::json;

use sdemu::clock::Clock;
use sdemu::startup::FixtureSource;

use crate::helpers::{
    basic, config, start_up_error, TestApp, ACME, DEMO, DOC_EXAMPLE_QUERY, DOC_EXAMPLE_TASK_IDS,
    EVERYTHING, FORM, JSON_UTF8, OTHER,
};

const INVALID_CLIENT: &str =
    "Client authentication failed: unknown client id or wrong client secret.";

// ---------------------------------------------------------------------------------------------
// Tokens issued
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn the_documented_token_request_returns_a_bearer_token_for_webapi_that_is_never_cached() {
    let app = TestApp::two_organizations().await;
    let response = app.post_token(&ACME.form()).await;
    response.assert_status(StatusCode::OK);
    assert_eq!(response.header("content-type"), Some(JSON_UTF8));
    assert_eq!(response.header("cache-control"), Some("no-store"));
    assert_eq!(response.header("pragma"), Some("no-cache"));
    let body = response.json();
    let token = body["access_token"].as_str().unwrap();
    assert_eq!(token.len(), 43);
    assert!(token
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
    assert_eq!(
        response.text(),
        format!(
            r#"{{"access_token":"{token}","expires_in":3600,"token_type":"Bearer","scope":"WebAPI"}}"#
        )
    );
}

#[tokio::test]
async fn the_token_then_the_documented_curl_request_returns_the_documented_tasks() {
    let app = TestApp::demo().await;
    let token = app.token(&DEMO).await;
    let response = app.status_list_as(&token, DOC_EXAMPLE_QUERY).await;
    response.assert_status(StatusCode::OK);
    assert_eq!(response.task_ids(), DOC_EXAMPLE_TASK_IDS);
}

#[tokio::test]
async fn every_token_request_gets_a_new_token() {
    let app = TestApp::two_organizations().await;
    let first = app.token(&ACME).await;
    let second = app.token(&ACME).await;
    assert_ne!(first, second);
    assert_eq!(app.status_list_as(&first, EVERYTHING).await.status, 200);
    assert_eq!(app.status_list_as(&second, EVERYTHING).await.status, 200);
}

#[tokio::test]
async fn http_basic_client_credentials_are_accepted_instead_of_body_credentials() {
    let app = TestApp::two_organizations().await;
    let response = app
        .post_token_with_authorization(
            &basic("acme:acme-secret"),
            "grant_type=client_credentials&scope=WebAPI",
        )
        .await;
    response.assert_status(StatusCode::OK);
    let token = response.json()["access_token"].as_str().unwrap().to_owned();
    assert_eq!(
        app.status_list_as(&token, EVERYTHING).await.task_ids(),
        vec![10, 11]
    );
}

#[tokio::test]
async fn http_basic_credentials_are_form_decoded_as_rfc_6749_asks() {
    let app = TestApp::two_organizations_with(&["--client", "a b:p%&+"]).await;
    app.post_token_with_authorization(&basic("a+b:p%25%26%2B"), "grant_type=client_credentials")
        .await
        .assert_status(StatusCode::OK);
}

#[tokio::test]
async fn a_body_client_id_equal_to_the_basic_one_is_tolerated() {
    let app = TestApp::two_organizations().await;
    app.post_token_with_authorization(
        &basic("acme:acme-secret"),
        "grant_type=client_credentials&client_id=acme",
    )
    .await
    .assert_status(StatusCode::OK);
}

#[tokio::test]
async fn an_omitted_scope_is_granted_webapi() {
    let app = TestApp::two_organizations().await;
    let response = app
        .post_token("grant_type=client_credentials&client_id=acme&client_secret=acme-secret")
        .await;
    response.assert_status(StatusCode::OK);
    assert_eq!(response.json()["scope"], "WebAPI");
}

#[tokio::test]
async fn form_parameter_names_match_case_insensitively() {
    let app = TestApp::two_organizations().await;
    app.post_token(
        "Grant_Type=client_credentials&SCOPE=WebAPI&Client_Id=acme&client_secret=acme-secret",
    )
    .await
    .assert_status(StatusCode::OK);
}

#[tokio::test]
async fn only_a_hash_of_each_token_is_stored() {
    let app = TestApp::two_organizations().await;
    let token = app.token(&ACME).await;
    let stored: Vec<String> = sqlx::query_scalar("SELECT token_hash FROM access_tokens")
        .fetch_all(&app.state.db)
        .await
        .unwrap();
    assert_eq!(stored, vec![sdemu::domain::auth::token_hash(&token)]);
    assert!(!stored[0].contains(&token));
}

#[tokio::test]
async fn expired_tokens_are_purged_when_a_token_is_issued() {
    let app = TestApp::two_organizations().await;
    app.token(&ACME).await;
    app.token(&OTHER).await;
    app.clock.advance(Duration::hours(2));
    app.token(&ACME).await;
    assert_eq!(app.count_rows("access_tokens").await, 1);
}

#[tokio::test]
async fn a_client_keeps_at_most_10000_live_tokens_and_loses_its_oldest_first() {
    let app = TestApp::two_organizations().await;
    let oldest = app.token(&ACME).await;
    app.clock.advance(Duration::seconds(1));
    let other = app.token(&OTHER).await;
    // 9,999 more live tokens of the same client, written directly: 10,000 with `oldest`, all
    // expiring after it.
    let now = app.clock.now().timestamp_millis();
    sqlx::query(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 9999) \
         INSERT INTO access_tokens (token_hash, tenant_id, client_id, issued_at, expires_at) \
         SELECT printf('filler-%d', i), 1, 'acme', ?, ? + 3600000 FROM n",
    )
    .bind(now)
    .bind(now)
    .execute(&app.state.db)
    .await
    .unwrap();
    app.status_list_as(&oldest, EVERYTHING)
        .await
        .assert_status(StatusCode::OK);
    app.clock.advance(Duration::seconds(1));
    let newest = app.token(&ACME).await;
    assert_eq!(
        app.count_rows("access_tokens WHERE client_id = 'acme'")
            .await,
        10_000
    );
    let gone = app.status_list_as(&oldest, EVERYTHING).await;
    gone.assert_status(StatusCode::UNAUTHORIZED);
    for token in [&newest, &other] {
        app.status_list_as(token, EVERYTHING)
            .await
            .assert_status(StatusCode::OK);
    }
}

// ---------------------------------------------------------------------------------------------
// OAuth 2.0 errors
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn failed_client_authentication_is_invalid_client_with_a_challenge_only_for_http_basic() {
    let app = TestApp::two_organizations().await;
    // (case, Authorization header, form body, status, Basic challenge)
    let cases = [
        (
            "a wrong secret in the body",
            None,
            "grant_type=client_credentials&scope=WebAPI&client_id=acme&client_secret=wrong",
            StatusCode::BAD_REQUEST,
            false,
        ),
        (
            "an unknown client id gets the same answer as a wrong secret",
            None,
            "grant_type=client_credentials&scope=WebAPI&client_id=nobody&client_secret=acme-secret",
            StatusCode::BAD_REQUEST,
            false,
        ),
        (
            "another organization's secret is a wrong secret",
            None,
            "grant_type=client_credentials&client_id=acme&client_secret=other-secret",
            StatusCode::BAD_REQUEST,
            false,
        ),
        (
            "a wrong secret in HTTP Basic is a 401 with a Basic challenge",
            Some(basic("acme:wrong")),
            "grant_type=client_credentials",
            StatusCode::UNAUTHORIZED,
            true,
        ),
        (
            "an unknown client id in HTTP Basic is a 401 with a Basic challenge",
            Some(basic("nobody:acme-secret")),
            "grant_type=client_credentials",
            StatusCode::UNAUTHORIZED,
            true,
        ),
    ];
    for (case, authorization, form, status, challenge) in cases {
        let response = match authorization {
            Some(authorization) => {
                app.post_token_with_authorization(&authorization, form)
                    .await
            }
            None => app.post_token(form).await,
        };
        response
            .case(case)
            .assert_oauth_error(status, "invalid_client", INVALID_CLIENT, challenge);
    }
}

#[tokio::test]
async fn a_grant_type_other_than_client_credentials_is_unsupported_grant_type() {
    let app = TestApp::two_organizations().await;
    app.post_token("grant_type=password&scope=WebAPI&client_id=acme&client_secret=acme-secret")
        .await
        .assert_oauth_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "The grant type 'password' is not supported; use client_credentials.",
            false,
        );
}

#[tokio::test]
async fn a_scope_other_than_webapi_is_invalid_scope() {
    let app = TestApp::two_organizations().await;
    for scope in ["openid", "WebAPI%20openid", "webapi"] {
        let response = app
            .post_token(&format!(
                "grant_type=client_credentials&scope={scope}&client_id=acme&client_secret=acme-secret"
            ))
            .await;
        let scope = scope.replace("%20", " ");
        response.case(&scope).assert_oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_scope",
            &format!("The scope '{scope}' cannot be granted; the only scope is WebAPI."),
            false,
        );
    }
}

#[tokio::test]
async fn missing_fields_are_invalid_request_naming_the_field() {
    let app = TestApp::two_organizations().await;
    let cases = [
        (
            "no grant_type",
            "scope=WebAPI&client_id=acme&client_secret=acme-secret",
            "The grant_type parameter is required.",
        ),
        (
            "no client_id",
            "grant_type=client_credentials&scope=WebAPI&client_secret=acme-secret",
            "The client_id parameter is required (or HTTP Basic client credentials).",
        ),
        (
            "no client_secret",
            "grant_type=client_credentials&scope=WebAPI&client_id=acme",
            "The client_secret parameter is required.",
        ),
        (
            // A parameter without a value counts as omitted (RFC 6749 §3.2).
            "an empty client_secret",
            "grant_type=client_credentials&client_id=acme&client_secret=",
            "The client_secret parameter is required.",
        ),
        ("an empty body", "", "The grant_type parameter is required."),
    ];
    for (case, form, description) in cases {
        app.post_token(form).await.case(case).assert_oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            description,
            false,
        );
    }
}

#[tokio::test]
async fn a_repeated_parameter_is_invalid_request() {
    let app = TestApp::two_organizations().await;
    app.post_token(&format!("{}&scope=WebAPI", ACME.form()))
        .await
        .assert_oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "The scope parameter is repeated.",
            false,
        );
}

#[tokio::test]
async fn a_body_that_is_not_form_encoded_is_invalid_request() {
    let app = TestApp::two_organizations().await;
    let description = "The request body must be application/x-www-form-urlencoded.";
    let form = ACME.form();
    for content_type in [
        Some("application/json"),
        Some("multipart/form-data; boundary=x"),
        None,
    ] {
        app.post_token_raw(content_type, None, form.as_bytes())
            .await
            .case(format!("content type {content_type:?}"))
            .assert_oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                description,
                false,
            );
    }
    // Parameters of the media type are fine.
    app.post_token_raw(
        Some("Application/X-WWW-Form-Urlencoded; charset=UTF-8"),
        None,
        form.as_bytes(),
    )
    .await
    .assert_status(StatusCode::OK);
}

#[tokio::test]
async fn a_body_over_8_kib_is_invalid_request() {
    let app = TestApp::two_organizations().await;
    let padding = "x".repeat(8 * 1024);
    app.post_token(&format!("{}&padding={padding}", ACME.form()))
        .await
        .assert_oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "The request body is unreadable or larger than 8192 bytes.",
            false,
        );
}

#[tokio::test]
async fn basic_and_body_credentials_together_are_invalid_request() {
    let app = TestApp::two_organizations().await;
    let authorization = basic("acme:acme-secret");
    for (case, form) in [
        ("both client_id and client_secret", ACME.form()),
        (
            "a client_secret",
            "grant_type=client_credentials&client_secret=acme-secret".to_owned(),
        ),
        (
            "another client_id",
            "grant_type=client_credentials&client_id=other".to_owned(),
        ),
    ] {
        app.post_token_with_authorization(&authorization, &form)
            .await
            .case(case)
            .assert_oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "The client credentials are both in the Authorization header and in the body; use one.",
                false,
            );
    }
}

#[tokio::test]
async fn a_malformed_or_foreign_authorization_header_on_the_token_endpoint_is_invalid_request() {
    let app = TestApp::two_organizations().await;
    let not_basic = "The Authorization header must use the Basic scheme; or send client_id and client_secret in the body.";
    let malformed = "The Basic credentials are not base64 of client_id:client_secret.";
    let no_colon = basic("acme");
    let empty_secret = basic("acme:");
    let cases = [
        ("Bearer abc", not_basic),
        ("Basic !!!", malformed),
        ("Basic", malformed),
        (no_colon.as_str(), malformed),
        (
            empty_secret.as_str(),
            "The Basic credentials need both a client id and a client secret.",
        ),
    ];
    for (authorization, description) in cases {
        app.post_token_with_authorization(authorization, "grant_type=client_credentials")
            .await
            .case(authorization)
            .assert_oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                description,
                false,
            );
    }
}

#[tokio::test]
async fn odd_basic_headers_on_the_token_endpoint_are_invalid_request() {
    let app = TestApp::two_organizations().await;
    let huge = format!("Basic {}", "QUFB".repeat(16 * 1024));
    for (case, value) in [
        (
            "non-UTF-8 credentials",
            HeaderValue::from_bytes(b"Basic \xff\xfe").unwrap(),
        ),
        (
            "a non-UTF-8 scheme",
            HeaderValue::from_bytes(b"B\xe1sic abc").unwrap(),
        ),
        (
            "base64 of non-UTF-8 bytes",
            HeaderValue::from_static("Basic //79"),
        ),
        (
            "64 KiB of credentials",
            HeaderValue::from_str(&huge).unwrap(),
        ),
    ] {
        let response = app
            .post_token_raw(Some(FORM), Some(value), b"grant_type=client_credentials")
            .await
            .case(case);
        assert_eq!(
            response.oauth_error(),
            (StatusCode::BAD_REQUEST, "invalid_request".to_owned()),
            "{case}"
        );
    }
}

#[tokio::test]
async fn odd_token_request_bodies_get_oauth_errors_never_a_500() {
    let app = TestApp::two_organizations().await;
    let invalid_request = (StatusCode::BAD_REQUEST, "invalid_request".to_owned());
    let invalid_client = (StatusCode::BAD_REQUEST, "invalid_client".to_owned());
    let cases: [(&[u8], _); 6] = [
        (b"&&&=&==", invalid_request.clone()),
        (b"%", invalid_request.clone()),
        // Invalid percent-encoding is kept literally, so it names no known client.
        (
            b"grant_type=client_credentials&client_id=acme%zz&client_secret=acme-secret",
            invalid_client.clone(),
        ),
        (
            b"grant_type=client_credentials&client_id=\xff\xfe&client_secret=\xc3",
            invalid_client.clone(),
        ),
        (
            b"grant_type=client_credentials&client_id=acme&client_secret=acme-secret&GRANT_TYPE=client_credentials",
            invalid_request.clone(),
        ),
        (b"\0\0\0", invalid_request.clone()),
    ];
    for (body, expected) in cases {
        let case = String::from_utf8_lossy(body);
        let response = app.post_token_raw(Some(FORM), None, body).await.case(&case);
        assert_eq!(response.oauth_error(), expected, "{case}");
    }
    // An unknown parameter with bad escapes does not spoil a good request.
    app.post_token_raw(
        Some(FORM),
        None,
        b"grant_type=client_credentials&client_id=acme&client_secret=acme-secret&x=%zz%",
    )
    .await
    .assert_status(StatusCode::OK);
}

#[tokio::test]
async fn the_token_endpoint_answers_only_post() {
    let app = TestApp::two_organizations().await;
    let response = app.get_anonymous("/connect/token").await;
    response.assert_status(StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(response.header("allow"), Some("POST"));
}

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
