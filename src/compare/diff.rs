//! The structural diff of two JSON bodies, each difference named by its JSON path
//! (`$[3].taskStatusText`): values, fields on one side only, `null` against absent, types,
//! the order of an object's fields, and array lengths (elements compared one by one).

use serde_json::{Map, Value};

/// One difference between the upstream's answer and the local one.
#[derive(Debug, Clone, PartialEq)]
pub struct Difference {
    /// Where: `status`, `header content-type`, `body`, or a JSON path (`$[0].taskId`).
    pub at: String,
    /// What kind: `status`, `header`, `body`, `value`, `type`, `missing`, `null-vs-absent`,
    /// `field-order`, `array-length`.
    pub kind: &'static str,
    /// What the upstream had there (`None`: nothing).
    pub upstream: Option<Value>,
    /// What the local sdemu had there (`None`: nothing).
    pub local: Option<Value>,
}

impl Difference {
    pub fn new(
        at: impl Into<String>,
        kind: &'static str,
        upstream: Option<Value>,
        local: Option<Value>,
    ) -> Self {
        Self {
            at: at.into(),
            kind,
            upstream,
            local,
        }
    }
}

/// Every difference between `upstream` and `local`, paths starting at `$`.
pub fn json(upstream: &Value, local: &Value) -> Vec<Difference> {
    let mut found = Vec::new();
    walk("$", upstream, local, &mut found);
    found
}

/// The name of a JSON value's type.
pub fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn walk(path: &str, upstream: &Value, local: &Value, found: &mut Vec<Difference>) {
    match (upstream, local) {
        (Value::Object(upstream), Value::Object(local)) => objects(path, upstream, local, found),
        (Value::Array(upstream), Value::Array(local)) => {
            if upstream.len() != local.len() {
                found.push(Difference::new(
                    path,
                    "array-length",
                    Some(upstream.len().into()),
                    Some(local.len().into()),
                ));
            }
            for (index, (upstream, local)) in upstream.iter().zip(local).enumerate() {
                walk(&format!("{path}[{index}]"), upstream, local, found);
            }
        }
        (upstream, local) if type_name(upstream) != type_name(local) => {
            found.push(Difference::new(
                path,
                "type",
                Some(upstream.clone()),
                Some(local.clone()),
            ));
        }
        (upstream, local) if !same_scalar(upstream, local) => {
            found.push(Difference::new(
                path,
                "value",
                Some(upstream.clone()),
                Some(local.clone()),
            ));
        }
        _ => {}
    }
}

/// Two scalars of one type are the same; numbers by value (`1` and `1.0` agree, as any JSON
/// reader would take them).
fn same_scalar(upstream: &Value, local: &Value) -> bool {
    match (upstream, local) {
        (Value::Number(a), Value::Number(b)) => {
            a == b || (a.as_f64().is_some() && a.as_f64() == b.as_f64())
        }
        _ => upstream == local,
    }
}

fn objects(
    path: &str,
    upstream: &Map<String, Value>,
    local: &Map<String, Value>,
    found: &mut Vec<Difference>,
) {
    for (key, value) in upstream {
        let at = member(path, key);
        match local.get(key) {
            Some(other) => walk(&at, value, other, found),
            None => found.push(absent(at, Some(value.clone()), None)),
        }
    }
    for (key, value) in local {
        if !upstream.contains_key(key) {
            found.push(absent(member(path, key), None, Some(value.clone())));
        }
    }
    // The order of the fields both sides have.
    let order = |map: &Map<String, Value>, other: &Map<String, Value>| -> Vec<Value> {
        map.keys()
            .filter(|key| other.contains_key(*key))
            .map(|key| Value::String(key.clone()))
            .collect()
    };
    let (upstream_order, local_order) = (order(upstream, local), order(local, upstream));
    if upstream_order != local_order {
        found.push(Difference::new(
            path,
            "field-order",
            Some(Value::Array(upstream_order)),
            Some(Value::Array(local_order)),
        ));
    }
}

/// A field one side lacks: `null-vs-absent` when the other side has it as `null`.
fn absent(at: String, upstream: Option<Value>, local: Option<Value>) -> Difference {
    let kind = if upstream.as_ref().or(local.as_ref()) == Some(&Value::Null) {
        "null-vs-absent"
    } else {
        "missing"
    };
    Difference::new(at, kind, upstream, local)
}

/// `$.name`, or `$["odd name"]` when the name is not a plain identifier.
fn member(path: &str, key: &str) -> String {
    let plain = key
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if plain {
        format!("{path}.{key}")
    } else {
        format!("{path}[{}]", Value::String(key.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn kinds(upstream: Value, local: Value) -> Vec<(String, &'static str)> {
        json(&upstream, &local)
            .into_iter()
            .map(|difference| (difference.at, difference.kind))
            .collect()
    }

    #[test]
    fn equal_documents_have_no_difference() {
        let document = json!([{"taskId": 1, "batchId": null, "names": ["a", "b"]}]);
        assert!(json(&document, &document).is_empty());
        assert!(json(&json!({"n": 1}), &json!({"n": 1.0})).is_empty());
    }

    #[test]
    fn a_changed_value_is_named_by_its_path() {
        let found = json(
            &json!([{"taskId": 1}, {"taskId": 2, "taskStatusText": "ToReview"}]),
            &json!([{"taskId": 1}, {"taskId": 2, "taskStatusText": "InReview"}]),
        );
        assert_eq!(
            found,
            [Difference::new(
                "$[1].taskStatusText",
                "value",
                Some(json!("ToReview")),
                Some(json!("InReview"))
            )]
        );
    }

    #[test]
    fn a_field_on_one_side_only_is_missing() {
        assert_eq!(
            kinds(json!({"a": 1, "b": 2}), json!({"a": 1, "c": 3})),
            [("$.b".to_owned(), "missing"), ("$.c".to_owned(), "missing")]
        );
        let found = json(&json!({"a": 1, "b": 2}), &json!({"a": 1}));
        assert_eq!(found[0].upstream, Some(json!(2)));
        assert_eq!(found[0].local, None);
    }

    #[test]
    fn null_against_absent_is_its_own_kind() {
        assert_eq!(
            kinds(json!({"batchId": null}), json!({})),
            [("$.batchId".to_owned(), "null-vs-absent")]
        );
        assert_eq!(
            kinds(json!({}), json!({"batchId": null})),
            [("$.batchId".to_owned(), "null-vs-absent")]
        );
    }

    #[test]
    fn a_type_change_is_reported_once_not_descended() {
        assert_eq!(
            kinds(
                json!({"id": 1, "x": {"a": 1}}),
                json!({"id": "1", "x": [1]})
            ),
            [("$.id".to_owned(), "type"), ("$.x".to_owned(), "type")]
        );
        assert_eq!(
            kinds(json!({"a": null}), json!({"a": 0})),
            [("$.a".to_owned(), "type")]
        );
    }

    #[test]
    fn field_order_is_compared_over_the_fields_both_have() {
        let found = json(
            &json!({"taskId": 1, "workspaceId": 2, "extra": 3}),
            &json!({"workspaceId": 2, "taskId": 1}),
        );
        assert_eq!(
            found.iter().map(|d| d.kind).collect::<Vec<_>>(),
            ["missing", "field-order"]
        );
        assert_eq!(found[1].at, "$");
        assert_eq!(found[1].upstream, Some(json!(["taskId", "workspaceId"])));
        assert_eq!(found[1].local, Some(json!(["workspaceId", "taskId"])));
        // A missing field alone does not change the order of the others.
        assert_eq!(
            kinds(json!({"a": 1, "b": 2, "c": 3}), json!({"a": 1, "c": 3})),
            [("$.b".to_owned(), "missing")]
        );
    }

    #[test]
    fn arrays_report_their_lengths_and_compare_the_common_elements() {
        let found = json(&json!([1, 2, 3]), &json!([1, 5]));
        assert_eq!(
            found,
            [
                Difference::new("$", "array-length", Some(json!(3)), Some(json!(2))),
                Difference::new("$[1]", "value", Some(json!(2)), Some(json!(5))),
            ]
        );
    }

    #[test]
    fn odd_field_names_are_quoted() {
        assert_eq!(
            kinds(json!({"a b": 1}), json!({"a b": 2})),
            [("$[\"a b\"]".to_owned(), "value")]
        );
    }
}
