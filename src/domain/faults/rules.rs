//! Fault rules as users write them (`PUT`/`POST /_emulator/faults`, `--faults`): the rule
//! model, and reading a rule list with every problem reported, each naming the rule and the
//! field. Methods, header names and values are checked by the rules of HTTP itself, so that
//! every accepted canned response can be sent as written.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::ToSchema;

use crate::domain::control_plane::is_control_plane;
use crate::domain::problems::{FixtureProblem, Problems};

/// The longest delay one rule may add.
pub const MAX_DELAY_MS: u64 = 60_000;
/// The most rules held at once.
pub const MAX_RULES: usize = 1_000;
/// The statuses a canned response may have.
pub const CANNED_STATUSES: std::ops::RangeInclusive<u16> = 200..=599;

/// A fault rule: which requests it matches, what it does (respond, delay, drop) and when
/// (nth, times, probability).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FaultRule {
    /// A label for the journal and for humans.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub name: Option<String>,
    #[serde(rename = "match")]
    pub matcher: RequestMatch,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub respond: Option<CannedResponse>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub delay: Option<Delay>,
    /// Close the connection without an answer.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub drop: bool,
    /// Fire only on the nth matching request (1 is the first).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false, minimum = 1)]
    pub nth: Option<u64>,
    /// Fire at most this many times.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false, minimum = 1)]
    pub times: Option<u64>,
    /// Fire with this probability, drawn from a generator seeded by --fault-seed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false, minimum = 0, maximum = 1)]
    pub probability: Option<f64>,
}

/// Which requests a rule matches.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RequestMatch {
    /// Any method when absent; any case.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub method: Option<String>,
    /// Exact path, or a prefix ending with `*`; never under /_emulator/.
    pub path: String,
    /// Query parameters the request must carry: names in any case, values exact.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub query: BTreeMap<String, String>,
}

/// A canned response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CannedResponse {
    #[schema(schema_with = canned_status_schema)]
    pub status: u16,
    /// A string is sent as it is (`text/plain; charset=utf-8`); any other JSON value is sent
    /// as JSON (`application/json; charset=utf-8`); absent or `null` is an empty body. A
    /// `Content-Type` in `headers` wins.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<Value>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, String>,
}

fn canned_status_schema() -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::Integer)
        .minimum(Some(*CANNED_STATUSES.start()))
        .maximum(Some(*CANNED_STATUSES.end()))
}

/// A delay before the canned or the real answer: a fixed `ms`, or a random delay from
/// `minMs` to `maxMs`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Delay {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(schema_with = delay_schema)]
    pub ms: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(schema_with = delay_schema)]
    pub min_ms: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(schema_with = delay_schema)]
    pub max_ms: Option<u64>,
}

/// Milliseconds, at most `MAX_DELAY_MS`.
fn delay_schema() -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::Integer)
        .minimum(Some(0))
        .maximum(Some(MAX_DELAY_MS))
}

/// Whether `path` is `pattern`, or starts with it when `pattern` ends with `*`.
pub fn path_matches(pattern: &str, path: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => path.starts_with(prefix),
        None => path == pattern,
    }
}

// ---------------------------------------------------------------------------------------------
// Parsing and validation.
// ---------------------------------------------------------------------------------------------

/// Reads a rule list: a JSON array of rules, or `{"rules": [...]}` (what `GET` returns; its
/// `stats` member is ignored). Every problem is reported, each naming the rule and the field.
pub fn parse_rules(value: Value) -> Result<Vec<FaultRule>, Vec<FixtureProblem>> {
    let mut problems = Problems::default();
    let items = match value {
        Value::Array(items) => items,
        Value::Object(mut object) => {
            for key in object.keys() {
                if key != "rules" && key != "stats" {
                    problems.add("document", Some(key), "unknown member; expected rules");
                }
            }
            match object.remove("rules") {
                Some(Value::Array(items)) => items,
                _ => {
                    problems.add("document", Some("rules"), "must be an array of rules");
                    Vec::new()
                }
            }
        }
        _ => {
            return Err(vec![FixtureProblem::new(
                "document",
                None,
                "must be an array of rules or an object with a rules array",
            )])
        }
    };
    if items.len() > MAX_RULES {
        problems.0.push(too_many_rules());
    }
    let mut rules = Vec::with_capacity(items.len());
    for (index, item) in items.into_iter().enumerate() {
        let label = format!("rules[{index}]");
        match parse_rule(item, &label) {
            Ok(rule) => rules.push(rule),
            Err(more) => problems.0.extend(more),
        }
    }
    problems.into_result(rules)
}

/// Reads and validates one rule; `label` names it in problems.
pub fn parse_rule(item: Value, label: &str) -> Result<FaultRule, Vec<FixtureProblem>> {
    let rule: FaultRule = serde_path_to_error::deserialize(item).map_err(|error| {
        let path = error.path().to_string();
        let field = (path != ".").then_some(path);
        vec![FixtureProblem::new(
            label,
            field.as_deref(),
            error.into_inner().to_string(),
        )]
    })?;
    let mut problems = Problems::default();
    check_match(&rule.matcher, label, &mut problems);
    check_action(&rule, label, &mut problems);
    check_schedule(&rule, label, &mut problems);
    problems.into_result(rule)
}

/// The problem of a list that would hold more than [`MAX_RULES`] rules.
pub fn too_many_rules() -> FixtureProblem {
    FixtureProblem::new(
        "document",
        Some("rules"),
        format!("at most {MAX_RULES} rules are allowed"),
    )
}

/// Whether `text` is an HTTP token (RFC 9110): what a method and a header name are made of.
fn is_token(text: &str) -> bool {
    !text.is_empty()
        && text
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&byte))
}

/// Whether `method` is a valid HTTP method (a token).
pub fn is_method(method: &str) -> bool {
    is_token(method)
}

/// Whether `name` is a valid HTTP header name (a token of at most 65,535 bytes).
pub fn is_header_name(name: &str) -> bool {
    is_token(name) && name.len() <= 65_535
}

/// Whether `value` is a valid HTTP header value: no control characters but tab.
pub fn is_header_value(value: &str) -> bool {
    value
        .bytes()
        .all(|byte| (byte >= 0x20 && byte != 0x7f) || byte == b'\t')
}

fn check_match(matcher: &RequestMatch, item: &str, problems: &mut Problems) {
    let mut add = |field: &str, message: &str| problems.add(item, Some(field), message);
    if let Some(method) = &matcher.method {
        if !is_method(method) {
            add("match.method", "is not an HTTP method");
        }
    }
    let path = &matcher.path;
    if !path.starts_with('/') {
        add("match.path", "must start with /");
    }
    if path.trim_end_matches('*').contains('*') || path.ends_with("**") {
        add(
            "match.path",
            "may contain * only as its last character (a prefix)",
        );
    }
    if is_control_plane(path.trim_end_matches('*')) {
        add(
            "match.path",
            "the control plane (/_emulator/) is never subject to faults",
        );
    }
    for name in matcher.query.keys() {
        if name.trim().is_empty() {
            add("match.query", "parameter names must not be empty");
        }
    }
}

fn check_action(rule: &FaultRule, item: &str, problems: &mut Problems) {
    let mut add = |field: &str, message: &str| problems.add(item, Some(field), message);
    if rule.respond.is_none() && rule.delay.is_none() && !rule.drop {
        add("respond", "a rule needs an action: respond, delay or drop");
    }
    if rule.respond.is_some() && rule.drop {
        add("drop", "a rule cannot both respond and drop the connection");
    }
    if let Some(respond) = &rule.respond {
        if !CANNED_STATUSES.contains(&respond.status) {
            add(
                "respond.status",
                &format!(
                    "must be an HTTP status from {} to {}",
                    CANNED_STATUSES.start(),
                    CANNED_STATUSES.end()
                ),
            );
        }
        for (name, value) in &respond.headers {
            let field = format!("respond.headers.{name}");
            if !is_header_name(name) {
                add(&field, "is not a valid header name");
            } else if !is_header_value(value) {
                add(&field, "is not a valid header value");
            }
        }
    }
    if let Some(delay) = &rule.delay {
        match (delay.ms, delay.min_ms, delay.max_ms) {
            (Some(ms), None, None) => {
                if ms > MAX_DELAY_MS {
                    add("delay.ms", &format!("must be at most {MAX_DELAY_MS}"));
                }
            }
            (None, Some(min), Some(max)) => {
                if min > max {
                    add("delay.minMs", "must not be greater than maxMs");
                }
                if max > MAX_DELAY_MS {
                    add("delay.maxMs", &format!("must be at most {MAX_DELAY_MS}"));
                }
            }
            _ => add(
                "delay",
                "give either ms (a fixed delay) or both minMs and maxMs (a random delay)",
            ),
        }
    }
}

fn check_schedule(rule: &FaultRule, item: &str, problems: &mut Problems) {
    let mut add = |field: &str, message: &str| problems.add(item, Some(field), message);
    if rule.nth == Some(0) {
        add("nth", "must be 1 or more (1 is the first matching request)");
    }
    if rule.times == Some(0) {
        add("times", "must be 1 or more");
    }
    if let Some(probability) = rule.probability {
        if !(0.0..=1.0).contains(&probability) {
            add("probability", "must be from 0 to 1");
        }
    }
}
