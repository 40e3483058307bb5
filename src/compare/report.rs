//! One request's two answers compared (status, the headers that matter, the body; a
//! shape-only request without its `value` differences), and the report of every request: a
//! table for people, JSON with `--json`.

use serde_json::{json, Value};

use super::catalogue::Request;
use super::diff::{self, type_name, Difference};
use crate::capture::client::RawAnswer;

/// The headers compared: present on one side only, or with another value, is a difference.
pub const HEADERS: &[&str] = &["content-type", "www-authenticate"];

/// The most differences listed for one request; the rest are counted.
pub const MAX_LISTED: usize = 20;

/// What one request found.
pub struct Outcome {
    pub request: Request,
    pub upstream_status: u16,
    pub local_status: u16,
    /// The first `MAX_LISTED` differences.
    pub differences: Vec<Difference>,
    /// How many there were in all.
    pub total: usize,
    /// A shape-only request's `value` differences, not counted in `total`.
    pub values_ignored: usize,
}

/// Compares the upstream's answer to `request` with the local one.
pub fn outcome(request: Request, upstream: &RawAnswer, local: &RawAnswer) -> Outcome {
    let mut found = Vec::new();
    if upstream.status != local.status {
        found.push(Difference::new(
            "status",
            "status",
            Some(upstream.status.as_u16().into()),
            Some(local.status.as_u16().into()),
        ));
    }
    for name in HEADERS {
        let value = |answer: &RawAnswer| {
            answer
                .headers
                .get(*name)
                .map(|value| Value::String(String::from_utf8_lossy(value.as_bytes()).into()))
        };
        let (theirs, ours) = (value(upstream), value(local));
        if theirs != ours {
            found.push(Difference::new(
                format!("header {name}"),
                "header",
                theirs,
                ours,
            ));
        }
    }
    found.extend(bodies(&upstream.body, &local.body));
    let before = found.len();
    if request.shape_only {
        found.retain(|difference| difference.kind != "value");
    }
    let values_ignored = before - found.len();
    let total = found.len();
    found.truncate(MAX_LISTED);
    Outcome {
        upstream_status: upstream.status.as_u16(),
        local_status: local.status.as_u16(),
        request,
        differences: found,
        total,
        values_ignored,
    }
}

/// Empty against non-empty, JSON against not, then the structural diff; bodies that are
/// not JSON are compared byte for byte.
fn bodies(upstream: &[u8], local: &[u8]) -> Vec<Difference> {
    let describe = |body: &[u8]| -> Value {
        if body.is_empty() {
            "empty".into()
        } else {
            match serde_json::from_slice::<Value>(body) {
                Ok(value) => format!("JSON {}", type_name(&value)).into(),
                Err(_) => format!("{} bytes, not JSON", body.len()).into(),
            }
        }
    };
    if upstream.is_empty() != local.is_empty() {
        return vec![Difference::new(
            "body",
            "body",
            Some(describe(upstream)),
            Some(describe(local)),
        )];
    }
    match (
        serde_json::from_slice::<Value>(upstream),
        serde_json::from_slice::<Value>(local),
    ) {
        (Ok(theirs), Ok(ours)) => diff::json(&theirs, &ours),
        _ if upstream == local => Vec::new(),
        _ => vec![Difference::new(
            "body",
            "body",
            Some(describe(upstream)),
            Some(describe(local)),
        )],
    }
}

/// The report as a table: one line per request, its differences indented below it.
pub fn table(outcomes: &[Outcome]) -> String {
    let width = outcomes
        .iter()
        .map(|outcome| outcome.request.name.len())
        .max()
        .unwrap_or(0);
    let mut text = String::new();
    for outcome in outcomes {
        let mut verdict = match outcome.total {
            0 => "OK".to_owned(),
            1 => "1 difference".to_owned(),
            n => format!("{n} differences"),
        };
        if outcome.request.shape_only {
            verdict.push_str(" (shape only)");
        }
        text.push_str(&format!(
            "{:width$}  {:>3} {:>3}  {verdict}\n",
            outcome.request.name, outcome.upstream_status, outcome.local_status
        ));
        for difference in &outcome.differences {
            text.push_str(&format!(
                "    {} ({}): upstream {}, local {}\n",
                difference.at,
                difference.kind,
                shown(difference.upstream.as_ref()),
                shown(difference.local.as_ref())
            ));
        }
        if outcome.total > outcome.differences.len() {
            text.push_str(&format!(
                "    ... and {} more\n",
                outcome.total - outcome.differences.len()
            ));
        }
    }
    let differing = outcomes.iter().filter(|outcome| outcome.total > 0).count();
    let plural = if outcomes.len() == 1 { "" } else { "s" };
    text.push_str(&format!(
        "{} request{plural}, {differing} with differences",
        outcomes.len()
    ));
    let by_shape = outcomes.iter().filter(|o| o.request.shape_only).count();
    if by_shape > 0 {
        text.push_str(&format!(", {by_shape} compared by shape only"));
    }
    text.push('\n');
    text
}

fn shown(value: Option<&Value>) -> String {
    match value {
        None => "absent".to_owned(),
        Some(value) => {
            let text = value.to_string();
            if text.chars().count() > 80 {
                format!("{}...", text.chars().take(77).collect::<String>())
            } else {
                text
            }
        }
    }
}

/// The report as JSON: `{"requests": [...], "differing": n, "shapeOnly": n}`.
pub fn json(outcomes: &[Outcome]) -> Value {
    let requests: Vec<Value> = outcomes
        .iter()
        .map(|outcome| {
            let differences: Vec<Value> = outcome
                .differences
                .iter()
                .map(|difference| {
                    // A side that has nothing there has no key (`null` is a value).
                    let mut entry = json!({"at": difference.at, "kind": difference.kind});
                    for (side, value) in [
                        ("upstream", &difference.upstream),
                        ("local", &difference.local),
                    ] {
                        if let Some(value) = value {
                            entry[side] = value.clone();
                        }
                    }
                    entry
                })
                .collect();
            json!({
                "name": outcome.request.name,
                "method": outcome.request.method.as_str(),
                "path": outcome.request.path,
                "shapeOnly": outcome.request.shape_only,
                "status": {"upstream": outcome.upstream_status, "local": outcome.local_status},
                "same": outcome.total == 0,
                "differenceCount": outcome.total,
                "valuesIgnored": outcome.values_ignored,
                "differences": differences,
            })
        })
        .collect();
    let differing = outcomes.iter().filter(|outcome| outcome.total > 0).count();
    let by_shape = outcomes.iter().filter(|o| o.request.shape_only).count();
    json!({"requests": requests, "differing": differing, "shapeOnly": by_shape})
}

#[cfg(test)]
mod tests {
    use reqwest::header::{HeaderMap, HeaderValue};
    use reqwest::StatusCode;

    use super::*;
    use crate::compare::catalogue::Auth;

    fn answer(status: u16, content_type: Option<&str>, body: &str) -> RawAnswer {
        let mut headers = HeaderMap::new();
        if let Some(content_type) = content_type {
            headers.insert("content-type", HeaderValue::from_str(content_type).unwrap());
        }
        RawAnswer {
            status: StatusCode::from_u16(status).unwrap(),
            headers,
            body: body.as_bytes().to_vec(),
        }
    }

    fn request() -> Request {
        Request::get("a request", "/x".to_owned(), Auth::Valid)
    }

    #[test]
    fn an_empty_body_against_a_json_one_is_one_body_difference() {
        let found = outcome(
            request(),
            &answer(400, None, ""),
            &answer(400, Some("application/problem+json"), "{\"title\":\"x\"}"),
        );
        let at: Vec<&str> = found.differences.iter().map(|d| d.at.as_str()).collect();
        assert_eq!(at, ["header content-type", "body"]);
        assert_eq!(found.differences[0].upstream, None);
        assert_eq!(found.differences[1].upstream, Some("empty".into()));
        assert_eq!(found.differences[1].local, Some("JSON object".into()));
    }

    #[test]
    fn a_shape_only_request_counts_every_difference_but_values() {
        let mut shape_only = request();
        shape_only.shape_only = true;
        let found = outcome(
            shape_only,
            &answer(
                200,
                None,
                r#"{"taskId": 7, "name": "a", "batchId": 1, "n": 1}"#,
            ),
            &answer(
                201,
                None,
                r#"{"taskId": 9, "name": "b", "batchId": null, "n": "1"}"#,
            ),
        );
        let kinds: Vec<&str> = found.differences.iter().map(|d| d.kind).collect();
        assert_eq!(kinds, ["status", "type", "type"]);
        assert_eq!((found.total, found.values_ignored), (3, 2));
        let printed = table(&[found]);
        assert!(
            printed.starts_with("a request  200 201  3 differences (shape only)\n"),
            "{printed}"
        );
        assert!(
            printed.ends_with("1 request, 1 with differences, 1 compared by shape only\n"),
            "{printed}"
        );
    }

    #[test]
    fn bodies_that_are_not_json_compare_byte_for_byte() {
        let same = outcome(
            request(),
            &answer(200, None, "<xml/>"),
            &answer(200, None, "<xml/>"),
        );
        assert_eq!(same.total, 0);
        let other = outcome(
            request(),
            &answer(200, None, "<xml/>"),
            &answer(200, None, "<xml />"),
        );
        assert_eq!(other.differences[0].kind, "body");
    }

    #[test]
    fn at_most_twenty_differences_are_listed_and_the_rest_counted() {
        let many: Vec<String> = (0..25).map(|n| n.to_string()).collect();
        let fewer: Vec<String> = (0..25).map(|n| format!("{n}x")).collect();
        let found = outcome(
            request(),
            &answer(200, None, &serde_json::to_string(&many).unwrap()),
            &answer(200, None, &serde_json::to_string(&fewer).unwrap()),
        );
        assert_eq!((found.total, found.differences.len()), (25, MAX_LISTED));
        let printed = table(&[found]);
        assert!(
            printed.starts_with("a request  200 200  25 differences\n    $[0] (value): upstream \"0\", local \"0x\"\n"),
            "{printed}"
        );
        assert!(printed.contains("    ... and 5 more\n"), "{printed}");
        assert!(
            printed.ends_with("1 request, 1 with differences\n"),
            "{printed}"
        );
    }
}
