//! POST /connect/token's OAuth 2.0 errors (RFC 6749 section 5.2): what each bad request gets,
//! never a 500.

use axum::http::{HeaderValue, StatusCode};

use crate::helpers::{basic, TestApp, ACME, FORM};

const INVALID_CLIENT: &str =
    "Client authentication failed: unknown client id or wrong client secret.";

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
