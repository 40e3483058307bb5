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
use utoipa::openapi::schema::{
    AdditionalProperties, ArrayBuilder, ObjectBuilder, OneOfBuilder, Schema,
};
use utoipa::openapi::{Ref, RefOr};
use utoipa::{PartialSchema, ToSchema};

use crate::domain::faults::rules::too_many_rules;
use crate::domain::faults::{
    parse_rule, parse_rules, CannedResponse, FaultRule, Faults, RuleStats, MAX_RULES,
};
use crate::domain::problems::FixtureProblem;
use crate::error::responses::{AdminTokenRequired, ControlPlaneBodyTooLarge};
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
/// same order, their counters. `PUT` accepts it back (`stats` is then ignored).
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = FaultList)]
pub struct RuleList {
    #[schema(schema_with = rule_array)]
    pub rules: Vec<FaultRule>,
    pub stats: Vec<RuleStats>,
}

/// At most `MAX_RULES` rules.
fn rule_array() -> ArrayBuilder {
    ArrayBuilder::new()
        .items(Ref::from_schema_name(FaultRule::name()))
        .max_items(Some(MAX_RULES))
}

/// The body of `PUT /_emulator/faults` (`parse_rules`), for the description: a bare array of
/// rules, or the object `GET` returns (its `stats` is ignored).
pub struct RulesDocument;

impl PartialSchema for RulesDocument {
    fn schema() -> RefOr<Schema> {
        OneOfBuilder::new()
            .item(rule_array())
            .item(
                ObjectBuilder::new()
                    .property("rules", rule_array())
                    .required("rules")
                    .property(
                        "stats",
                        ArrayBuilder::new()
                            .items(Ref::from_schema_name(RuleStats::name()))
                            .description(Some("Ignored.")),
                    )
                    .additional_properties(Some(AdditionalProperties::FreeForm(false))),
            )
            .description(Some("A bare array of rules, or `{\"rules\": [...]}`."))
            .into()
    }
}

impl ToSchema for RulesDocument {
    fn name() -> std::borrow::Cow<'static, str> {
        "FaultRules".into()
    }

    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        for (name, schema) in [
            (FaultRule::name(), FaultRule::schema()),
            (RuleStats::name(), RuleStats::schema()),
        ] {
            schemas.push((name.into_owned(), schema));
        }
        FaultRule::schemas(schemas);
    }
}

fn rule_list(faults: &Faults) -> RuleList {
    let (rules, stats) = faults.snapshot();
    RuleList { rules, stats }
}

/// The fault rules in force
///
/// The rules and, per rule in the same order, how many requests matched and how many times
/// it fired.
#[utoipa::path(
    get,
    path = "/_emulator/faults",
    operation_id = "listFaults",
    tag = "Emulator",
    security((), ("adminToken" = [])),
    responses(
        (status = 200, description = "The rules in force", body = RuleList),
        (status = 401, response = AdminTokenRequired),
    )
)]
pub async fn list(_admin: Admin, State(state): State<AppState>) -> Json<RuleList> {
    Json::ok(rule_list(&state.emulator.faults))
}

/// Replace every fault rule
///
/// A bare array of rules or `{"rules": [...]}`; counters and generators restart. `400` with
/// every problem listed leaves the rules unchanged.
#[utoipa::path(
    put,
    path = "/_emulator/faults",
    operation_id = "replaceFaults",
    tag = "Emulator",
    security((), ("adminToken" = [])),
    request_body = RulesDocument,
    responses(
        (status = 200, description = "The rules now in force", body = RuleList),
        (status = 400, description = "Every problem of the rules, by field, in `errors`; or a \
            body that is not JSON", content_type = "application/problem+json", body = Problem),
        (status = 401, response = AdminTokenRequired),
        (status = 413, response = ControlPlaneBodyTooLarge),
    )
)]
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

/// Append one fault rule
///
/// Adds one rule (the body) at the end of the list; the others keep their counters.
#[utoipa::path(
    post,
    path = "/_emulator/faults",
    operation_id = "appendFault",
    tag = "Emulator",
    security((), ("adminToken" = [])),
    request_body = FaultRule,
    responses(
        (status = 201, description = "Added; the whole list", body = RuleList),
        (status = 400, description = "Every problem of the rule, by field, in `errors`; a body \
            that is not JSON; or the list is full", content_type = "application/problem+json", body = Problem),
        (status = 401, response = AdminTokenRequired),
        (status = 413, response = ControlPlaneBodyTooLarge),
    )
)]
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

/// Remove every fault rule
///
/// Removes every rule (reset brings back the start-up ones).
#[utoipa::path(
    delete,
    path = "/_emulator/faults",
    operation_id = "clearFaults",
    tag = "Emulator",
    security((), ("adminToken" = [])),
    responses(
        (status = 204, description = "Removed; no body"),
        (status = 401, response = AdminTokenRequired),
    )
)]
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
