//! The error responses `ApiError` writes, as the OpenAPI description lists them: one reusable
//! response object per shape, named in handlers' `#[utoipa::path(responses(...))]` as
//! `(status = 401, response = Unauthorized)`.
//!
//! The documented empty answers (400 when a required parameter choice is missing, 404, 401)
//! have no body at all, and are described without `content`: a generated client then returns
//! the status without trying to parse a body. A 400 that is either empty or a problem body is
//! described without content too, for the same reason, and so is the 414 (the HTTP server
//! refuses a very long request line with an empty 414 before sdemu sees it). The README
//! explains the choice.

use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::response::{Response, ResponseBuilder};
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::{ContentBuilder, Ref, RefOr};
use utoipa::ToResponse;

use super::PROBLEM_CONTENT_TYPE;
use crate::domain::limits::{MAX_BODY_BYTES, MAX_CONTROL_BODY_BYTES, MAX_QUERY_BYTES};

/// A response whose body is a problem document.
pub fn problem(description: &str) -> ResponseBuilder {
    ResponseBuilder::new().description(description).content(
        PROBLEM_CONTENT_TYPE,
        ContentBuilder::new()
            .schema(Some(Ref::from_schema_name("Problem")))
            .build(),
    )
}

/// A `WWW-Authenticate` response header, described.
pub fn www_authenticate(description: &str) -> utoipa::openapi::header::Header {
    HeaderBuilder::new()
        .schema(ObjectBuilder::new().schema_type(Type::String))
        .description(Some(description))
        .build()
}

fn named(name: &'static str, response: ResponseBuilder) -> (&'static str, RefOr<Response>) {
    (name, RefOr::T(response.build()))
}

/// 400 with no body when the documented choice of parameters is missing, else a problem
/// body naming the parameter.
pub struct BadRequestEmptyOrProblem;

impl<'r> ToResponse<'r> for BadRequestEmptyOrProblem {
    fn response() -> (&'r str, RefOr<Response>) {
        named(
            "BadRequestEmptyOrProblem",
            ResponseBuilder::new().description(
                "No body at all (no content type, `Content-Length: 0`) when the required choice \
                 of parameters is missing, as documented; otherwise an \
                 `application/problem+json` body (the `Problem` schema) naming the parameter. \
                 Described without content so that generated clients do not parse the empty \
                 form.",
            ),
        )
    }
}

/// 400 with a problem body naming the parameter or field.
pub struct Problem400;

impl<'r> ToResponse<'r> for Problem400 {
    fn response() -> (&'r str, RefOr<Response>) {
        named(
            "Problem400",
            problem("A problem body naming the parameter or field."),
        )
    }
}

/// 401 of an API route: no body, a `WWW-Authenticate: Bearer` challenge.
pub struct Unauthorized;

impl<'r> ToResponse<'r> for Unauthorized {
    fn response() -> (&'r str, RefOr<Response>) {
        named(
            "Unauthorized",
            ResponseBuilder::new()
                .description(
                    "Missing, malformed, unknown or expired bearer token; no body at all \
                     (`Content-Length: 0`).",
                )
                .header(
                    "WWW-Authenticate",
                    www_authenticate(
                        "`Bearer`, or `Bearer error=\"invalid_token\", error_description=\"...\"` \
                         when a token was sent (RFC 6750 §3).",
                    ),
                ),
        )
    }
}

/// 404 with no body: no such item in the caller's organization.
pub struct NotFoundEmpty;

impl<'r> ToResponse<'r> for NotFoundEmpty {
    fn response() -> (&'r str, RefOr<Response>) {
        named(
            "NotFoundEmpty",
            ResponseBuilder::new().description(
                "No such item in the caller's organization; no body at all \
                 (`Content-Length: 0`).",
            ),
        )
    }
}

/// 414: the query string is longer than sdemu reads.
pub struct QueryTooLong;

impl<'r> ToResponse<'r> for QueryTooLong {
    fn response() -> (&'r str, RefOr<Response>) {
        named(
            "QueryTooLong",
            ResponseBuilder::new().description(format!(
                "The query string is over {MAX_QUERY_BYTES} bytes (8 KiB): an \
                 `application/problem+json` body (the `Problem` schema) whose `limit` member says \
                 so. A request line too long for the HTTP server itself (about 64 KiB) is \
                 refused before sdemu reads it, with no body at all; so this response is \
                 described without content, as `BadRequestEmptyOrProblem`."
            )),
        )
    }
}

/// 413: a JSON body of the emulated API is over its limit.
pub struct PayloadTooLarge;

impl<'r> ToResponse<'r> for PayloadTooLarge {
    fn response() -> (&'r str, RefOr<Response>) {
        named(
            "PayloadTooLarge",
            problem(&format!(
                "The body is over {MAX_BODY_BYTES} bytes (1 MiB); the problem's `limit` member \
                 says so."
            )),
        )
    }
}

/// 413: a body sent to the control plane is over its limit.
pub struct ControlPlaneBodyTooLarge;

impl<'r> ToResponse<'r> for ControlPlaneBodyTooLarge {
    fn response() -> (&'r str, RefOr<Response>) {
        named(
            "ControlPlaneBodyTooLarge",
            problem(&format!(
                "The body is over {MAX_CONTROL_BODY_BYTES} bytes (16 MiB); the problem's `limit` \
                 member says so."
            )),
        )
    }
}

/// 404 of the control plane's per-task routes: no task of any organization has this id.
pub struct UnknownTask;

impl<'r> ToResponse<'r> for UnknownTask {
    fn response() -> (&'r str, RefOr<Response>) {
        named("UnknownTask", problem("No task has this id."))
    }
}

/// 409 of a per-task control: the task's status does not allow the step; nothing changed.
pub struct StepRefused;

impl<'r> ToResponse<'r> for StepRefused {
    fn response() -> (&'r str, RefOr<Response>) {
        named(
            "StepRefused",
            problem("The task's status does not allow this step; nothing changed."),
        )
    }
}

/// 409: the `externalId` of a new task is taken.
pub struct Conflict;

impl<'r> ToResponse<'r> for Conflict {
    fn response() -> (&'r str, RefOr<Response>) {
        named(
            "Conflict",
            problem("The externalId is already used in this organization."),
        )
    }
}

/// 401 of the control plane: `--admin-token` is set and the request does not carry it.
pub struct AdminTokenRequired;

impl<'r> ToResponse<'r> for AdminTokenRequired {
    fn response() -> (&'r str, RefOr<Response>) {
        named(
            "AdminTokenRequired",
            problem(
                "sdemu was started with --admin-token and the request does not carry it as \
                 `Authorization: Bearer <token>`.",
            )
            .header(
                "WWW-Authenticate",
                www_authenticate("`Bearer realm=\"sdemu-control-plane\"`"),
            ),
        )
    }
}
