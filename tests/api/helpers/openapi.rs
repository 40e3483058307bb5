//! Reading sdemu's generated OpenAPI description: its operations, responses, schemas and
//! parameters, `$ref`s followed.

use std::collections::BTreeSet;

use serde_json::Value;

pub const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

pub fn description() -> Value {
    serde_json::from_str(sdemu::openapi::json()).expect("the description is JSON")
}

pub fn described_operations() -> BTreeSet<(String, String)> {
    let description = description();
    let mut operations = BTreeSet::new();
    for (path, item) in description["paths"].as_object().unwrap() {
        for method in METHODS {
            if item.get(method).is_some() {
                operations.insert((method.to_owned(), path.clone()));
            }
        }
    }
    operations
}

/// The operation `method path`.
pub fn operation(method: &str, path: &str) -> Value {
    let description = description();
    let operation = description["paths"][path][method].clone();
    assert!(operation.is_object(), "{method} {path} is not described");
    operation
}

/// Follows `$ref`s within the description.
fn resolve(description: &Value, node: &Value) -> Value {
    let mut node = node.clone();
    while let Some(reference) = node.get("$ref").and_then(Value::as_str) {
        let pointer = reference.strip_prefix('#').expect("a local reference");
        node = description
            .pointer(pointer)
            .unwrap_or_else(|| panic!("{reference} resolves"))
            .clone();
    }
    node
}

/// The response `status` of `method path`, references followed.
pub fn response(method: &str, path: &str, status: u16) -> Value {
    let description = description();
    let response = &operation(method, path)["responses"][status.to_string()];
    assert!(
        response.is_object(),
        "{method} {path} does not describe {status}"
    );
    resolve(&description, response)
}

pub fn schema(name: &str) -> Value {
    let description = description();
    let schema = description["components"]["schemas"][name].clone();
    assert!(schema.is_object(), "no schema {name}");
    schema
}

/// The query parameter `name` of `method path`.
pub fn parameter(method: &str, path: &str, name: &str) -> Value {
    operation(method, path)["parameters"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|parameter| parameter["name"] == name)
        .unwrap_or_else(|| panic!("{method} {path} has no parameter {name}"))
        .clone()
}
