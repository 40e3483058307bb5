//! Fault injection: rules that make the emulated API answer badly on purpose, so that a
//! client's retry, timeout and error handling can be tested.
//!
//! ```json
//! {"rules": [
//!   {"name": "busy", "match": {"method": "GET", "path": "/api/*", "query": {"workspaceId": "2"}},
//!    "respond": {"status": 503, "headers": {"Retry-After": "5"}, "body": {"error": "busy"}},
//!    "delay": {"minMs": 10, "maxMs": 50}, "nth": 2, "times": 1, "probability": 0.5}
//! ]}
//! ```
//!
//! A rule matches a request by method (any when absent, any case), path (exact, or a prefix
//! when it ends with `*`) and query parameters (names in any case, values exact). Its action
//! is `respond` (a canned status, headers and body), `delay` (fixed `ms` or random
//! `minMs`..=`maxMs`, before a canned response or before the real answer), or `drop` (close
//! the connection without an answer). Its schedule: only the `nth` matching request, at most
//! `times` times, with `probability` (drawn from a generator seeded by `--fault-seed` and the
//! rule's position, so a run is reproducible).
//!
//! Every rule counts every request it matches; the first rule in the list that fires is the
//! one applied.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{header, HeaderName, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::domain::fixture::FixtureProblem;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::body::read_control_json;
use crate::extract::Admin;
use crate::extract::QueryParams;
use crate::response::{empty_response, Json, JSON_CONTENT_TYPE};
use crate::state::AppState;

/// The longest delay one rule may add.
pub const MAX_DELAY_MS: u64 = 60_000;
/// The most rules held at once.
pub const MAX_RULES: usize = 1_000;

// ---------------------------------------------------------------------------------------------
// Rules, as written by users.
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FaultRule {
    /// A label for the journal and for humans.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(rename = "match")]
    pub matcher: RequestMatch,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub respond: Option<CannedResponse>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delay: Option<Delay>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub drop: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nth: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub times: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probability: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RequestMatch {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    pub path: String,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub query: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CannedResponse {
    pub status: u16,
    /// A string is sent as it is (`text/plain; charset=utf-8`); any other JSON value is sent
    /// as JSON (`application/json; charset=utf-8`); absent or `null` is an empty body. A
    /// `Content-Type` in `headers` wins.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<Value>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Delay {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ms: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_ms: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_ms: Option<u64>,
}

/// Whether `path` is `pattern`, or starts with it when `pattern` ends with `*`.
pub fn path_matches(pattern: &str, path: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => path.starts_with(prefix),
        None => path == pattern,
    }
}

impl RequestMatch {
    fn matches(&self, method: &Method, path: &str, query: &QueryParams) -> bool {
        self.method
            .as_deref()
            .is_none_or(|m| m.eq_ignore_ascii_case(method.as_str()))
            && path_matches(&self.path, path)
            && self
                .query
                .iter()
                .all(|(name, value)| query.raw_all(name).any(|given| given == value))
    }
}

impl CannedResponse {
    pub fn to_response(&self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
        let (content_type, body) = match &self.body {
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
        for (name, value) in &self.headers {
            if let (Ok(name), Ok(value)) = (
                HeaderName::from_bytes(name.as_bytes()),
                HeaderValue::from_str(value),
            ) {
                response.headers_mut().insert(name, value);
            }
        }
        response
    }
}

impl Delay {
    fn draw(&self, rng: &mut StdRng) -> Duration {
        let ms = match (self.ms, self.min_ms, self.max_ms) {
            (Some(ms), _, _) => ms,
            (None, Some(min), Some(max)) if min < max => rng.gen_range(min..=max),
            (None, Some(min), _) => min,
            (None, None, _) => 0,
        };
        Duration::from_millis(ms)
    }
}

// ---------------------------------------------------------------------------------------------
// Parsing and validation.
// ---------------------------------------------------------------------------------------------

/// Reads a rule list: a JSON array of rules, or `{"rules": [...]}` (what `GET` returns; its
/// `stats` member is ignored). Every problem is reported, each naming the rule and the field.
pub fn parse_rules(value: Value) -> Result<Vec<FaultRule>, Vec<FixtureProblem>> {
    let mut problems = Vec::new();
    let items = match value {
        Value::Array(items) => items,
        Value::Object(mut object) => {
            for key in object.keys() {
                if key != "rules" && key != "stats" {
                    problems.push(problem(
                        "document",
                        Some(key),
                        "unknown member; expected rules",
                    ));
                }
            }
            match object.remove("rules") {
                Some(Value::Array(items)) => items,
                _ => {
                    problems.push(problem(
                        "document",
                        Some("rules"),
                        "must be an array of rules",
                    ));
                    Vec::new()
                }
            }
        }
        _ => {
            return Err(vec![problem(
                "document",
                None,
                "must be an array of rules or an object with a rules array",
            )])
        }
    };
    if items.len() > MAX_RULES {
        problems.push(problem(
            "document",
            Some("rules"),
            &format!("at most {MAX_RULES} rules are allowed"),
        ));
    }
    let mut rules = Vec::with_capacity(items.len());
    for (index, item) in items.into_iter().enumerate() {
        let label = format!("rules[{index}]");
        match parse_rule(item, &label) {
            Ok(rule) => rules.push(rule),
            Err(more) => problems.extend(more),
        }
    }
    if problems.is_empty() {
        Ok(rules)
    } else {
        Err(problems)
    }
}

/// Reads and validates one rule; `label` names it in problems.
pub fn parse_rule(item: Value, label: &str) -> Result<FaultRule, Vec<FixtureProblem>> {
    let rule: FaultRule = serde_path_to_error::deserialize(item).map_err(|error| {
        let path = error.path().to_string();
        let field = (path != ".").then_some(path);
        vec![problem(
            label,
            field.as_deref(),
            &error.into_inner().to_string(),
        )]
    })?;
    let problems = validate(&rule, label);
    if problems.is_empty() {
        Ok(rule)
    } else {
        Err(problems)
    }
}

fn problem(item: &str, field: Option<&str>, message: &str) -> FixtureProblem {
    FixtureProblem {
        item: item.to_owned(),
        field: field.map(str::to_owned),
        message: message.to_owned(),
    }
}

fn validate(rule: &FaultRule, item: &str) -> Vec<FixtureProblem> {
    let mut problems = Vec::new();
    let mut add = |field: &str, message: &str| problems.push(problem(item, Some(field), message));

    if let Some(method) = &rule.matcher.method {
        if Method::from_bytes(method.as_bytes()).is_err() {
            add("match.method", "is not an HTTP method");
        }
    }
    let path = &rule.matcher.path;
    if !path.starts_with('/') {
        add("match.path", "must start with /");
    }
    if path.trim_end_matches('*').contains('*') || path.ends_with("**") {
        add(
            "match.path",
            "may contain * only as its last character (a prefix)",
        );
    }
    if super::is_control_plane(path.trim_end_matches('*')) {
        add(
            "match.path",
            "the control plane (/_emulator/) is never subject to faults",
        );
    }
    for name in rule.matcher.query.keys() {
        if name.trim().is_empty() {
            add("match.query", "parameter names must not be empty");
        }
    }

    if rule.respond.is_none() && rule.delay.is_none() && !rule.drop {
        add("respond", "a rule needs an action: respond, delay or drop");
    }
    if rule.respond.is_some() && rule.drop {
        add("drop", "a rule cannot both respond and drop the connection");
    }
    if let Some(respond) = &rule.respond {
        if !(200..=599).contains(&respond.status) {
            add("respond.status", "must be an HTTP status from 200 to 599");
        }
        for (name, value) in &respond.headers {
            let field = format!("respond.headers.{name}");
            if HeaderName::from_bytes(name.as_bytes()).is_err() {
                add(&field, "is not a valid header name");
            } else if HeaderValue::from_str(value).is_err() {
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
    problems
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

// ---------------------------------------------------------------------------------------------
// The rules in force.
// ---------------------------------------------------------------------------------------------

/// What a rule did when it fired, as the journal shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FaultMark {
    /// The rule's position in the list.
    pub rule: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `respond`, `drop` or `delay` (a delay before the real answer).
    pub action: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delay_ms: Option<u64>,
}

#[derive(Debug, Clone)]
pub enum Outcome {
    Pass,
    Respond(CannedResponse),
    Drop,
}

/// The fault chosen for one request.
pub struct Injected {
    pub delay: Option<Duration>,
    pub outcome: Outcome,
    pub mark: FaultMark,
}

#[derive(Debug, Clone, Copy, Serialize)]
pub struct RuleStats {
    pub matched: u64,
    pub fired: u64,
}

struct Active {
    rule: FaultRule,
    rng: StdRng,
    stats: RuleStats,
}

pub struct Faults {
    seed: u64,
    startup: Vec<FaultRule>,
    active: Mutex<Vec<Active>>,
}

impl Faults {
    /// The rules given at start-up (`--faults`), which reset restores.
    pub fn new(seed: u64, startup: Vec<FaultRule>) -> Self {
        let faults = Self {
            seed,
            startup,
            active: Mutex::new(Vec::new()),
        };
        faults.restore();
        faults
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Active>> {
        self.active
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn activate(&self, index: usize, rule: FaultRule) -> Active {
        // Each rule has its own generator, so its draws do not depend on other rules.
        let stream = (index as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        Active {
            rule,
            rng: StdRng::seed_from_u64(self.seed ^ stream),
            stats: RuleStats {
                matched: 0,
                fired: 0,
            },
        }
    }

    /// Replaces every rule; counters and generators start afresh.
    pub fn replace(&self, rules: Vec<FaultRule>) {
        let active = rules
            .into_iter()
            .enumerate()
            .map(|(index, rule)| self.activate(index, rule))
            .collect();
        *self.lock() = active;
    }

    /// Adds a rule at the end, unless the list is full; the others keep their counters.
    pub fn append(&self, rule: FaultRule) -> bool {
        let mut active = self.lock();
        if active.len() >= MAX_RULES {
            return false;
        }
        let index = active.len();
        let added = self.activate(index, rule);
        active.push(added);
        true
    }

    /// Back to the start-up rules, counters and generators afresh.
    pub fn restore(&self) {
        self.replace(self.startup.clone());
    }

    pub fn snapshot(&self) -> (Vec<FaultRule>, Vec<RuleStats>) {
        self.lock()
            .iter()
            .map(|active| (active.rule.clone(), active.stats))
            .unzip()
    }

    /// Counts the request against every rule it matches and returns the fault of the first
    /// rule that fires, if any.
    pub fn decide(&self, method: &Method, path: &str, query: &QueryParams) -> Option<Injected> {
        let mut active = self.lock();
        let mut chosen = None;
        for (index, entry) in active.iter_mut().enumerate() {
            if !entry.rule.matcher.matches(method, path, query) {
                continue;
            }
            entry.stats.matched += 1;
            if chosen.is_some() {
                continue;
            }
            let rule = &entry.rule;
            if rule.nth.is_some_and(|nth| entry.stats.matched != nth)
                || rule.times.is_some_and(|times| entry.stats.fired >= times)
            {
                continue;
            }
            if let Some(probability) = rule.probability {
                if entry.rng.gen::<f64>() >= probability {
                    continue;
                }
            }
            entry.stats.fired += 1;
            let delay = rule.delay.as_ref().map(|delay| delay.draw(&mut entry.rng));
            let (outcome, action) = if rule.drop {
                (Outcome::Drop, "drop")
            } else if let Some(respond) = &rule.respond {
                (Outcome::Respond(respond.clone()), "respond")
            } else {
                (Outcome::Pass, "delay")
            };
            chosen = Some(Injected {
                delay,
                outcome,
                mark: FaultMark {
                    rule: index,
                    name: rule.name.clone(),
                    action,
                    delay_ms: delay.map(|d| d.as_millis() as u64),
                },
            });
        }
        chosen
    }
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

// ---------------------------------------------------------------------------------------------
// Handlers.
// ---------------------------------------------------------------------------------------------

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
        return Err(invalid_rules(vec![problem(
            "document",
            Some("rules"),
            &format!("at most {MAX_RULES} rules are allowed"),
        )]));
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
