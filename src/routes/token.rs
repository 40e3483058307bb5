//! The token endpoint: OAuth 2.0 client credentials (RFC 6749 §4.4).

use std::collections::HashMap;

use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use base64::Engine;
use serde::Serialize;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::openapi::RefOr;
use utoipa::{PartialSchema, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::domain::auth::{new_token, secrets_match, token_hash, GRANT_TYPE, SCOPE};
use crate::error::{ApiResult, OAuthError, OAuthErrorBody, OAuthErrorCode};
use crate::extract::authorization::{authorization, Authorization};
use crate::extract::body::{read_bounded, BodyError, MAX_TOKEN_REQUEST_BYTES};
use crate::response::{no_store_headers, Json, NoStoreHeaders};
use crate::state::AppState;
use crate::store::{organizations, tokens};

const FORM_CONTENT_TYPE: &str = "application/x-www-form-urlencoded";

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(token))
}

/// The success body, fields in the documented order.
#[derive(Serialize, ToSchema)]
#[schema(as = TokenResponse)]
pub struct AccessTokenResponse {
    /// The bearer token for `Authorization: Bearer <token>`.
    access_token: String,
    /// Seconds until the token expires (`--token-ttl`).
    expires_in: i64,
    #[schema(schema_with = token_type_schema)]
    token_type: &'static str,
    #[schema(schema_with = scope_schema)]
    scope: &'static str,
}

/// One allowed string value.
fn only(value: &str) -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some([value]))
}

fn token_type_schema() -> ObjectBuilder {
    only("Bearer")
}

fn scope_schema() -> ObjectBuilder {
    only(SCOPE)
}

/// Client Credentials Access Token
///
/// Emulates <https://docs.smartdocumentor.net/technical/api-reference/post-client-credentials-access-token>:
/// the OAuth 2.0 client credentials grant (RFC 6749 §4.4). The client's id and secret go in
/// the form body or in an HTTP Basic `Authorization` header (each part form-urlencoded), never
/// both. The endpoint itself needs no authentication.
///
/// Fidelity: the documentation names only `invalid_client`; every other failure follows
/// RFC 6749 §5.2. Checked in this order: `invalid_request` (a request that cannot be read:
/// its form, its headers, a missing field), then `invalid_client`, then
/// `unsupported_grant_type`, then `invalid_scope`. An omitted `scope` is granted `WebAPI`.
#[utoipa::path(
    post,
    path = "/connect/token",
    operation_id = "issueToken",
    tag = "Authentication",
    request_body(content = TokenForm, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, description = "A bearer token", body = AccessTokenResponse, headers(
            ("Cache-Control" = String, description = "`no-store`"),
            ("Pragma" = String, description = "`no-cache`"),
        )),
        (status = 400, description = "`invalid_request`, `invalid_client` (credentials in the \
            body), `unsupported_grant_type` or `invalid_scope`", body = OAuthErrorBody, headers(
            ("Cache-Control" = String, description = "`no-store`"),
        )),
        (status = 401, description = "`invalid_client` when the client authenticated with HTTP \
            Basic", body = OAuthErrorBody, headers(
            ("WWW-Authenticate" = String, description = "`Basic realm=\"sdemu\"`"),
            ("Cache-Control" = String, description = "`no-store`"),
        )),
    )
)]
async fn token(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<(NoStoreHeaders, Json<AccessTokenResponse>)> {
    let basic = basic_credentials(&headers)?;
    check_content_type(&headers)?;
    let bytes = match read_bounded(body, MAX_TOKEN_REQUEST_BYTES).await {
        Ok(bytes) => bytes,
        // A body that did not arrive in time is the server's 408, as on every route.
        Err(BodyError::TimedOut) => return Err(BodyError::TimedOut.into()),
        Err(_) => {
            return Err(OAuthError::invalid_request(format!(
                "The request body is unreadable or larger than {MAX_TOKEN_REQUEST_BYTES} bytes."
            ))
            .into())
        }
    };
    let form = TokenForm::parse(&bytes)?;

    let grant_type = form
        .get("grant_type")
        .ok_or_else(|| OAuthError::invalid_request("The grant_type parameter is required."))?;
    let (client_id, client_secret) = client_credentials(basic.as_ref(), &form)?;

    let client = organizations::find_by_client_id(&state.db, client_id).await?;
    let authenticated = match &client {
        Some(client) => secrets_match(client_secret, &client.client_secret),
        None => {
            // The same work as for a known client, so that timing tells nothing either way.
            let _ = secrets_match(client_secret, "");
            false
        }
    };
    let Some(client) = client.filter(|_| authenticated) else {
        tracing::info!(client_id, "token request refused: invalid_client");
        let status = if basic.is_some() {
            StatusCode::UNAUTHORIZED
        } else {
            StatusCode::BAD_REQUEST
        };
        let mut error = OAuthError::new(
            status,
            OAuthErrorCode::InvalidClient,
            "Client authentication failed: unknown client id or wrong client secret.",
        );
        error.basic_challenge = basic.is_some();
        return Err(error.into());
    };

    if grant_type != GRANT_TYPE {
        return Err(OAuthError::new(
            StatusCode::BAD_REQUEST,
            OAuthErrorCode::UnsupportedGrantType,
            format!("The grant type '{grant_type}' is not supported; use {GRANT_TYPE}."),
        )
        .into());
    }
    if let Some(scope) = form.get("scope") {
        if scope.split(' ').any(|requested| requested != SCOPE) {
            return Err(OAuthError::new(
                StatusCode::BAD_REQUEST,
                OAuthErrorCode::InvalidScope,
                format!("The scope '{scope}' cannot be granted; the only scope is {SCOPE}."),
            )
            .into());
        }
    }

    let access_token = new_token()?;
    let issued_at = state.clock.now();
    let expires_at = issued_at + state.auth.token_ttl;
    let (hash, tenant_id, client_id) = (
        token_hash(&access_token),
        client.tenant_id,
        client.client_id.clone(),
    );
    let writer = state.clone();
    state
        .run_write(async move {
            let mut tx = writer.begin_write().await?;
            tokens::issue(&mut tx, &hash, tenant_id, &client_id, issued_at, expires_at).await?;
            tx.commit().await
        })
        .await?;
    tracing::info!(client_id = %client.client_id, "access token issued");

    let body = AccessTokenResponse {
        access_token,
        expires_in: state.auth.token_ttl.num_seconds(),
        token_type: "Bearer",
        scope: SCOPE,
    };
    Ok((no_store_headers(), Json::ok(body)))
}

/// Client credentials from an HTTP Basic `Authorization` header (RFC 6749 §2.3.1: each part
/// form-urlencoded, then `id:secret` in base64), or `None` without that header.
fn basic_credentials(headers: &HeaderMap) -> Result<Option<(String, String)>, OAuthError> {
    let encoded = match authorization(headers, "Basic") {
        Authorization::Absent => return Ok(None),
        Authorization::Repeated => {
            return Err(OAuthError::invalid_request(
                "The request has more than one Authorization header.",
            ))
        }
        Authorization::OtherScheme => return Err(OAuthError::invalid_request(
            "The Authorization header must use the Basic scheme; or send client_id and client_secret in the body.",
        )),
        Authorization::Credentials(encoded) => encoded,
    };
    let malformed = || {
        OAuthError::invalid_request(
            "The Basic credentials are not base64 of client_id:client_secret.",
        )
    };
    let encoded = encoded.ok_or_else(malformed)?;
    let lenient = GeneralPurpose::new(
        &alphabet::STANDARD,
        GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
    );
    let decoded = lenient.decode(encoded).map_err(|_| malformed())?;
    let decoded = String::from_utf8(decoded).map_err(|_| malformed())?;
    let (id, secret) = decoded.split_once(':').ok_or_else(malformed)?;
    let (id, secret) = (form_decode(id), form_decode(secret));
    if id.is_empty() || secret.is_empty() {
        return Err(OAuthError::invalid_request(
            "The Basic credentials need both a client id and a client secret.",
        ));
    }
    Ok(Some((id, secret)))
}

/// Undoes application/x-www-form-urlencoded encoding of one value (`+` is a space).
fn form_decode(value: &str) -> String {
    percent_encoding::percent_decode_str(&value.replace('+', " "))
        .decode_utf8_lossy()
        .into_owned()
}

fn check_content_type(headers: &HeaderMap) -> Result<(), OAuthError> {
    let media_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .map(str::trim);
    match media_type {
        Some(media_type) if media_type.eq_ignore_ascii_case(FORM_CONTENT_TYPE) => Ok(()),
        _ => Err(OAuthError::invalid_request(format!(
            "The request body must be {FORM_CONTENT_TYPE}."
        ))),
    }
}

/// The form parameters. Names match case-insensitively (as ASP.NET reads forms), a parameter
/// without a value counts as omitted, and a repeated one is an error (RFC 6749 §3.2).
struct TokenForm {
    values: HashMap<String, String>,
}

/// The form as the description shows it (`TokenRequest`): the parameters `TokenForm` reads.
impl PartialSchema for TokenForm {
    fn schema() -> RefOr<Schema> {
        let text = || ObjectBuilder::new().schema_type(Type::String);
        ObjectBuilder::new()
            .description(Some(format!(
                "Parameter names match in any case; an empty value counts as omitted; a \
                 repeated parameter is invalid_request. At most {MAX_TOKEN_REQUEST_BYTES} bytes."
            )))
            .property("grant_type", only(GRANT_TYPE))
            .required("grant_type")
            .property(
                "scope",
                only(SCOPE).description(Some("Granted `WebAPI` when omitted.")),
            )
            .property(
                "client_id",
                text().description(Some("Required unless sent with HTTP Basic.")),
            )
            .property(
                "client_secret",
                text().description(Some("Required unless sent with HTTP Basic.")),
            )
            .into()
    }
}

impl ToSchema for TokenForm {
    fn name() -> std::borrow::Cow<'static, str> {
        "TokenRequest".into()
    }
}

impl TokenForm {
    fn parse(body: &[u8]) -> Result<Self, OAuthError> {
        let mut values = HashMap::new();
        for (name, value) in form_urlencoded::parse(body) {
            if value.is_empty() {
                continue;
            }
            let name = name.to_lowercase();
            if values.insert(name.clone(), value.into_owned()).is_some() {
                return Err(OAuthError::invalid_request(format!(
                    "The {name} parameter is repeated."
                )));
            }
        }
        Ok(Self { values })
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.values.get(name).map(String::as_str)
    }
}

/// The client's id and secret: from the Basic header or from the body, never both (a body
/// `client_id` equal to the Basic one is tolerated, as some clients send it anyway).
fn client_credentials<'a>(
    basic: Option<&'a (String, String)>,
    form: &'a TokenForm,
) -> Result<(&'a str, &'a str), OAuthError> {
    let body_id = form.get("client_id");
    let body_secret = form.get("client_secret");
    match basic {
        Some((id, secret)) => {
            if body_secret.is_some() || body_id.is_some_and(|body_id| body_id != id) {
                return Err(OAuthError::invalid_request(
                    "The client credentials are both in the Authorization header and in the body; use one.",
                ));
            }
            Ok((id, secret))
        }
        None => {
            let id = body_id.ok_or_else(|| {
                OAuthError::invalid_request(
                    "The client_id parameter is required (or HTTP Basic client credentials).",
                )
            })?;
            let secret = body_secret.ok_or_else(|| {
                OAuthError::invalid_request("The client_secret parameter is required.")
            })?;
            Ok((id, secret))
        }
    }
}
