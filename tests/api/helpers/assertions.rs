//! Assertions on responses. Each is `#[track_caller]`, so a failure points at the test line,
//! and each message names the request (and the table case, see `TestResponse::case`).

use axum::http::StatusCode;
use serde_json::{json, Value};

use super::requests::TestResponse;

/// The content type of every JSON body the emulated API sends.
pub const JSON_UTF8: &str = "application/json; charset=utf-8";

impl TestResponse {
    /// Asserts the status, showing the body when it differs.
    #[track_caller]
    pub fn assert_status(&self, status: StatusCode) {
        assert_eq!(
            self.status,
            status,
            "{} answered: {}",
            self.context(),
            self.text()
        );
    }

    /// Asserts the status and a JSON body (`application/json; charset=utf-8`); returns it.
    #[track_caller]
    pub fn assert_json(&self, status: StatusCode) -> Value {
        self.assert_status(status);
        assert_eq!(
            self.header("content-type"),
            Some(JSON_UTF8),
            "{}",
            self.context()
        );
        self.json()
    }

    /// Asserts an `application/problem+json` body with this status, naming `parameter`
    /// when given; returns the problem.
    #[track_caller]
    pub fn assert_problem(&self, status: StatusCode, parameter: Option<&str>) -> Value {
        self.assert_status(status);
        let context = self.context();
        assert_eq!(
            self.header("content-type"),
            Some("application/problem+json"),
            "{context}"
        );
        let problem = self.json();
        assert_eq!(problem["status"], status.as_u16(), "{context}: {problem}");
        assert!(
            problem["type"]
                .as_str()
                .is_some_and(|kind| kind.starts_with("urn:sdemu:problem:")),
            "{context}: {problem}"
        );
        assert!(
            problem["detail"]
                .as_str()
                .is_some_and(|detail| !detail.is_empty()),
            "{context}: {problem}"
        );
        if let Some(parameter) = parameter {
            assert_eq!(problem["parameter"], parameter, "{context}: {problem}");
        }
        problem
    }

    /// Asserts a response with no body at all: no content type, `Content-Length: 0`.
    #[track_caller]
    pub fn assert_empty(&self, status: StatusCode) {
        self.assert_status(status);
        let context = self.context();
        assert!(self.body.is_empty(), "{context}: {}", self.text());
        assert_eq!(self.header("content-type"), None, "{context}");
        assert_eq!(self.header("content-length"), Some("0"), "{context}");
    }

    /// Asserts the 401 of an API route: an empty body and this `WWW-Authenticate` challenge.
    #[track_caller]
    pub fn assert_unauthorized(&self, challenge: &str) {
        self.assert_empty(StatusCode::UNAUTHORIZED);
        assert_eq!(
            self.header("www-authenticate"),
            Some(challenge),
            "{}",
            self.context()
        );
    }

    /// Asserts an OAuth 2.0 error of the token endpoint (RFC 6749 §5.2): a JSON body that is
    /// never cached; returns its status and `error` code.
    #[track_caller]
    pub fn oauth_error(&self) -> (StatusCode, String) {
        let context = self.context();
        assert_eq!(self.header("content-type"), Some(JSON_UTF8), "{context}");
        assert_eq!(self.header("cache-control"), Some("no-store"), "{context}");
        let error = self.json()["error"]
            .as_str()
            .unwrap_or_else(|| panic!("{context}: no error code in {}", self.text()))
            .to_owned();
        (self.status, error)
    }

    /// Asserts the whole OAuth 2.0 error: status, body, never cached, and a Basic challenge
    /// exactly when one is expected.
    #[track_caller]
    pub fn assert_oauth_error(
        &self,
        status: StatusCode,
        error: &str,
        description: &str,
        basic_challenge: bool,
    ) {
        self.assert_status(status);
        self.oauth_error();
        let context = self.context();
        assert_eq!(self.header("pragma"), Some("no-cache"), "{context}");
        assert_eq!(
            self.json(),
            json!({"error": error, "error_description": description}),
            "{context}"
        );
        assert_eq!(
            self.header("www-authenticate"),
            basic_challenge.then_some("Basic realm=\"sdemu\""),
            "{context}"
        );
    }
}

/// The description of the 401 for a well-formed token sdemu does not know.
pub const UNKNOWN_TOKEN: &str =
    "The access token is unknown: never issued here, revoked, or its organization is gone.";

/// The `WWW-Authenticate` challenge of a 401 for an unusable bearer token.
pub fn invalid_token(description: &str) -> String {
    format!("Bearer error=\"invalid_token\", error_description=\"{description}\"")
}

/// Asserts the paginated envelope's members, in the documented order.
#[track_caller]
pub fn assert_page_envelope(page: &Value) {
    let keys: Vec<&str> = page
        .as_object()
        .unwrap_or_else(|| panic!("not a JSON object: {page}"))
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "items",
            "pageNumber",
            "totalPages",
            "totalCount",
            "hasPreviousPage",
            "hasNextPage"
        ]
    );
}
