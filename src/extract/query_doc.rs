//! How the query parameters that `QueryParams` reads are described in the OpenAPI
//! document: the builders the API's and the control plane's parameter sets share. There is
//! no typed query struct to derive them from (names match in any case, repeated keys are
//! kept), so each set builds its parameters from these, with the limits the extractors
//! enforce.

use serde_json::json;
use utoipa::openapi::path::{Parameter, ParameterBuilder, ParameterIn, ParameterStyle};
use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Schema, Type};
use utoipa::openapi::{RefOr, Required};

use super::query::MAX_VALUES_PER_PARAMETER;
use crate::domain::time::DATE_EXPECTATION;

/// An optional query parameter.
pub fn query(name: &str, description: &str, schema: impl Into<Schema>) -> Parameter {
    ParameterBuilder::new()
        .name(name)
        .parameter_in(ParameterIn::Query)
        .required(Required::False)
        .description(Some(description))
        .schema(Some(schema.into()))
        .build()
}

/// A repeatable query parameter (`?name=1&name=2`): at most `MAX_VALUES_PER_PARAMETER`
/// values, which are alternatives.
pub fn repeated(name: &str, description: &str, item: impl Into<Schema>) -> Parameter {
    let mut parameter = query(
        name,
        description,
        ArrayBuilder::new()
            .items(RefOr::T(item.into()))
            .max_items(Some(MAX_VALUES_PER_PARAMETER)),
    );
    parameter.style = Some(ParameterStyle::Form);
    parameter.explode = Some(true);
    parameter
}

pub fn integer() -> ObjectBuilder {
    ObjectBuilder::new().schema_type(Type::Integer).format(Some(
        utoipa::openapi::SchemaFormat::KnownFormat(utoipa::openapi::KnownFormat::Int64),
    ))
}

pub fn date(name: &str, description: &str) -> Parameter {
    query(
        name,
        description,
        ObjectBuilder::new()
            .schema_type(Type::String)
            .description(Some(date_format()))
            .examples([json!("2022-03-16T16:59:55Z")]),
    )
}

/// How a date parameter is written, from the parser's own error text.
fn date_format() -> String {
    let mut text = DATE_EXPECTATION.to_owned();
    if let Some(first) = text.get_mut(..1) {
        first.make_ascii_uppercase();
    }
    text
}
