//! The OpenAPI 3.1 description of every route, generated from the code.
//!
//! Nothing here is written by hand twice: each handler carries its operation
//! (`#[utoipa::path]`: summary and description from its doc comment, parameters, responses),
//! each wire type its schema (`#[derive(ToSchema)]` beside `#[derive(Serialize)]`), and the
//! routers of `routes` and `emulator` register handler and operation together
//! (`utoipa_axum::routes!`), so a route cannot exist without its description. This module adds
//! what belongs to no handler (title, server, tags, security schemes), serves the document at
//! `GET /_emulator/openapi.json`, and `sdemu openapi` prints the same text.

use std::sync::LazyLock;

use axum::http::{header, HeaderValue};
use axum::response::IntoResponse;
use utoipa::openapi::security::{
    ClientCredentials, Flow, HttpAuthScheme, HttpBuilder, OAuth2, Scopes, SecurityScheme,
};
use utoipa::openapi::OpenApi as Description;
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::domain::auth::SCOPE;
use crate::error::responses::{
    AdminTokenRequired, BadRequestEmptyOrProblem, Conflict, ControlPlaneBodyTooLarge,
    NotFoundEmpty, PayloadTooLarge, Problem400, QueryTooLong, StepRefused, Unauthorized,
    UnknownTask,
};
use crate::error::Problem;
use crate::state::AppState;

/// The name of the emulated API's security scheme: OAuth 2.0 client credentials.
pub const OAUTH2_SCHEME: &str = "oauth2";
/// The name of the control plane's security scheme: the `--admin-token` as a bearer token.
pub const ADMIN_TOKEN_SCHEME: &str = "adminToken";
/// Where clients get an access token (the token endpoint's route).
pub const TOKEN_URL: &str = "/connect/token";

/// What no handler says: the title, the relative server, the tags and the security schemes.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "sdemu — SmartDocumentor API emulator",
        description = "The SmartDocumentor external API as sdemu emulates it, and sdemu's own \
            control plane under /_emulator/. See the README's fidelity notes for every decision \
            the public documentation leaves open."
    ),
    servers((
        url = "/",
        description = "The sdemu that serves this document (relative: whatever address it \
            listens on)"
    )),
    tags(
        (name = "Authentication", description = "OAuth 2.0 client credentials"),
        (name = "Tasks", description = "The task status list and what a client does with a task"),
        (name = "Workspaces", description = "The organization's workspaces"),
        (name = "Batches", description = "Batches of tasks"),
        (name = "Export", description = "What a reviewed task exports (Get Export Data)"),
        (name = "Speakers", description = "Transcript speakers of workspaces and tasks"),
        (name = "Users", description = "Roles, invited users of the organization and its workspaces"),
        (name = "Emulator", description = "sdemu's control plane: health, data, journal, faults"),
    ),
    components(
        schemas(Problem),
        responses(
            BadRequestEmptyOrProblem,
            Problem400,
            Unauthorized,
            NotFoundEmpty,
            QueryTooLong,
            PayloadTooLarge,
            Conflict,
            AdminTokenRequired,
            ControlPlaneBodyTooLarge,
            UnknownTask,
            StepRefused,
        )
    ),
    modifiers(&SecuritySchemes)
)]
struct Base;

/// The two security schemes: OAuth 2.0 client credentials for the emulated API, a bearer
/// token for the control plane. Operations that need neither (the token endpoint, health,
/// ready, this description) name no requirement at all.
struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut Description) {
        let components = openapi.components.get_or_insert_with(Default::default);
        let client_credentials = ClientCredentials::new(
            TOKEN_URL,
            Scopes::from_iter([(SCOPE, "The SmartDocumentor external API (the only scope)")]),
        );
        components.add_security_scheme(
            OAUTH2_SCHEME,
            SecurityScheme::OAuth2(OAuth2::with_description(
                [Flow::ClientCredentials(client_credentials)],
                "An access token from POST /connect/token (client credentials grant), sent as \
                 `Authorization: Bearer <token>`. Not needed when sdemu runs with --auth off.",
            )),
        );
        components.add_security_scheme(
            ADMIN_TOKEN_SCHEME,
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "The --admin-token, when sdemu was started with one; without it the \
                         control plane is open.",
                    ))
                    .build(),
            ),
        );
    }
}

/// Every described route: the emulated API, the control plane and this description, each
/// registered with its operation.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(Base::openapi())
        .merge(crate::routes::api_router())
        .merge(crate::emulator::router())
        .routes(routes!(openapi_json))
}

/// The description, built once.
pub fn description() -> &'static Description {
    static DESCRIPTION: LazyLock<Description> = LazyLock::new(|| {
        let mut description = routes().into_openapi();
        describe_the_guard(&mut description);
        description
    });
    &DESCRIPTION
}

/// Adds the answers of `emulator::guard` to every control-plane operation it guards: `403`
/// for a request a web page sent, and `415` for a state-changing body that is not JSON.
fn describe_the_guard(description: &mut Description) {
    use utoipa::openapi::{ContentBuilder, HttpMethod, Ref, ResponseBuilder};
    let problem = |text: &str| {
        ResponseBuilder::new()
            .description(text)
            .content(
                "application/problem+json",
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("Problem")))
                    .build(),
            )
            .build()
    };
    for (path, item) in description.paths.paths.iter_mut() {
        let guarded = crate::emulator::is_control_plane(path)
            && !matches!(
                path.as_str(),
                "/_emulator/health" | "/_emulator/ready" | "/_emulator/openapi.json"
            );
        if !guarded {
            continue;
        }
        let operations = [
            (HttpMethod::Get, &mut item.get),
            (HttpMethod::Put, &mut item.put),
            (HttpMethod::Post, &mut item.post),
            (HttpMethod::Delete, &mut item.delete),
            (HttpMethod::Patch, &mut item.patch),
        ];
        for (method, operation) in operations {
            let Some(operation) = operation else { continue };
            if method == HttpMethod::Get && path.starts_with("/_emulator/files/") {
                continue;
            }
            let responses = &mut operation.responses.responses;
            responses.entry("403".into()).or_insert_with(|| {
                problem("A web page sent it from an origin --cors-origin does not name exactly")
                    .into()
            });
            if operation.request_body.is_some() {
                responses
                    .entry("415".into())
                    .or_insert_with(|| problem("The body is not sent as application/json").into());
            }
        }
    }
}

/// The description as the JSON text that `GET /_emulator/openapi.json` serves and
/// `sdemu openapi` prints (two-space indentation, a final newline).
pub fn json() -> &'static str {
    static JSON: LazyLock<String> = LazyLock::new(|| {
        let mut text = description()
            .to_pretty_json()
            .expect("the OpenAPI description serializes to JSON");
        text.push('\n');
        text
    });
    &JSON
}

/// This description
///
/// The OpenAPI 3.1 description of every emulated endpoint and of the control plane,
/// generated from sdemu's code (`sdemu openapi` prints the same document). Needs no token,
/// not even with --admin-token.
#[utoipa::path(
    get,
    path = "/_emulator/openapi.json",
    operation_id = "getOpenApiDescription",
    tag = "Emulator",
    responses(
        (status = 200, description = "The OpenAPI 3.1 document", content_type = "application/json", body = Object),
    )
)]
async fn openapi_json() -> impl IntoResponse {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        json(),
    )
}
