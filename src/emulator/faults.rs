//! The fault rules' HTTP side: the `/_emulator/faults` handlers, the `400` problem of a bad
//! rule list, and turning a fault into what the client sees (a canned response, or a
//! connection closed with no answer). The rules and the engine live in
//! [`crate::domain::faults`].

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{header, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::Value;

use crate::domain::faults::rules::too_many_rules;
use crate::domain::faults::{
    parse_rule, parse_rules, CannedResponse, FaultRule, Faults, RuleStats,
};
use crate::domain::problems::FixtureProblem;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::body::read_control_json;
use crate::extract::Admin;
use crate::response::{empty_response, Json, JSON_CONTENT_TYPE};
use crate::state::AppState;

/// The response a `respond` rule sends: its status, headers and body.
pub fn canned_response(canned: &CannedResponse) -> Response {
    let status = StatusCode::from_u16(canned.status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
    let (content_type, body) = match &canned.body {
        None | Some(Value::Null) => (None, Vec::new()),
        Some(Value::String(text)) => (Some("text/plain; charset=utf-8"), text.clone().into()),
        Some(value) => (
            Some(JSON_CONTENT_TYPE),
            serde_json::to_vec(value).unwrap_or_default(),
        ),
    };
    let mut response = if body.is_empty() {
        empty_response(status)
    } else {
        let mut response = (status, body).into_response();
        if let Some(content_type) = content_type {
            response
                .headers_mut()
                .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
        }
        response
    };
    // Validated when the rule was accepted; anything invalid is skipped.
    for (name, value) in &canned.headers {
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        ) {
            response.headers_mut().insert(name, value);
        }
    }
    response
}

/// A response whose body fails before its first byte: hyper then closes the connection
/// without writing the (still buffered) response head, so the client sees the connection
/// close with no answer at all.
pub fn dropped_connection() -> Response {
    Response::new(Body::new(FailingBody))
}

struct FailingBody;

impl http_body::Body for FailingBody {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        self: std::pin::Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        std::task::Poll::Ready(Some(Err(std::io::Error::new(
            std::io::ErrorKind::ConnectionAborted,
            "connection dropped by a fault rule",
        ))))
    }
}

/// A `400` problem listing every problem of a rule list.
pub fn invalid_rules(problems: Vec<FixtureProblem>) -> ApiError {
    Problem::new(
        StatusCode::BAD_REQUEST,
        "invalid-fault-rules",
        format!(
            "The fault rules have {} problem(s); the rules in force were not changed.",
            problems.len()
        ),
    )
    .with("errors", problems)
    .into()
}

/// The answer of every `/_emulator/faults` call but `DELETE`: the rules in force and, in the
/// same order, their counters.
#[derive(Debug, Serialize)]
pub struct RuleList {
    pub rules: Vec<FaultRule>,
    pub stats: Vec<RuleStats>,
}

fn rule_list(faults: &Faults) -> RuleList {
    let (rules, stats) = faults.snapshot();
    RuleList { rules, stats }
}

/// `GET /_emulator/faults`: the rules in force and, in the same order, how many requests
/// each matched and how many times it fired.
pub async fn list(_admin: Admin, State(state): State<AppState>) -> Json<RuleList> {
    Json::ok(rule_list(&state.emulator.faults))
}

/// `PUT /_emulator/faults`: replaces every rule (counters start afresh). The body is a rule
/// array or `{"rules": [...]}`; `400` with every problem listed leaves the rules unchanged.
pub async fn replace(
    _admin: Admin,
    State(state): State<AppState>,
    request: Request,
) -> ApiResult<Json<RuleList>> {
    let value = read_control_json(request.into_body()).await?;
    let rules = parse_rules(value).map_err(invalid_rules)?;
    state.emulator.faults.replace(rules);
    Ok(Json::ok(rule_list(&state.emulator.faults)))
}

/// `POST /_emulator/faults`: adds one rule (the body) at the end of the list; `201` with the
/// whole list.
pub async fn append(
    _admin: Admin,
    State(state): State<AppState>,
    request: Request,
) -> ApiResult<Json<RuleList>> {
    let value = read_control_json(request.into_body()).await?;
    let index = state.emulator.faults.snapshot().0.len();
    let rule = parse_rule(value, &format!("rules[{index}]")).map_err(invalid_rules)?;
    if !state.emulator.faults.append(rule) {
        return Err(invalid_rules(vec![too_many_rules()]));
    }
    Ok(Json::with_status(
        StatusCode::CREATED,
        rule_list(&state.emulator.faults),
    ))
}

/// `DELETE /_emulator/faults`: removes every rule (reset brings back the start-up ones);
/// `204` with no body.
pub async fn clear(_admin: Admin, State(state): State<AppState>) -> StatusCode {
    state.emulator.faults.replace(Vec::new());
    StatusCode::NO_CONTENT
}

#[cfg(test)]
mod tests {
    use axum::http::{HeaderName, HeaderValue, Method};

    use crate::domain::faults::rules::{is_header_name, is_header_value, is_method};

    /// Rules are checked without HTTP types; they must accept exactly what the HTTP types
    /// that send a canned response accept.
    #[test]
    fn rule_checks_accept_what_the_http_types_accept() {
        let mut samples = vec![String::new(), "a".repeat(65_535), "a".repeat(65_536)];
        samples.extend(
            (0..=0x2ff_u32)
                .chain([0x2028, 0xfeff, 0x1f600])
                .filter_map(char::from_u32)
                .flat_map(|c| [c.to_string(), format!("Ab{c}9")]),
        );
        for text in &samples {
            assert_eq!(
                is_method(text),
                Method::from_bytes(text.as_bytes()).is_ok(),
                "method {text:?}"
            );
            assert_eq!(
                is_header_name(text),
                HeaderName::from_bytes(text.as_bytes()).is_ok(),
                "header name {text:?}"
            );
            assert_eq!(
                is_header_value(text),
                HeaderValue::from_str(text).is_ok(),
                "header value {text:?}"
            );
        }
    }
}
