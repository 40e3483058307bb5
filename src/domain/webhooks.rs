//! Webhook export configurations and what a delivery sends: the four documented kinds, their
//! options, the validation of a configuration (every problem names its field), and which
//! addresses a delivery may go to. What a delivery carries is `domain::export`.

use std::net::IpAddr;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::ToSchema;

/// The longest URL a configuration may hold.
pub const MAX_URL_LENGTH: usize = 2048;
/// The longest documented link expiry: a week.
pub const MAX_LINK_EXPIRY_HOURS: i64 = 168;
/// How many configurations sdemu keeps in all.
pub const MAX_WEBHOOKS: usize = 1000;

/// The documented webhook export kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub enum WebhookKind {
    /// Webhook (Text Documents): Invoices, Receipts, Custom and Layout workspaces.
    TextDocuments,
    /// Webhook (Transcripts).
    Transcripts,
    /// Url To File (Transcripts): a link to a `.docx`.
    UrlToFileTranscripts,
    /// Url to File (Anonymization): a link to a PDF, JPEG or PNG.
    UrlToFileAnonymization,
}

impl WebhookKind {
    pub const ALL: [(&'static str, Self); 4] = [
        ("textDocuments", Self::TextDocuments),
        ("transcripts", Self::Transcripts),
        ("urlToFileTranscripts", Self::UrlToFileTranscripts),
        ("urlToFileAnonymization", Self::UrlToFileAnonymization),
    ];

    pub fn name(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(_, kind)| *kind == self)
            .map_or("textDocuments", |(name, _)| name)
    }

    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL
            .iter()
            .find(|(known, _)| *known == name)
            .map(|(_, kind)| *kind)
    }

    /// The options this kind takes.
    fn options(self) -> &'static [&'static str] {
        match self {
            Self::TextDocuments => &[],
            Self::Transcripts => &["simplifiedExport"],
            Self::UrlToFileTranscripts => &[
                "timestamps",
                "speakers",
                "mergeParagraphs",
                "linkExpiryHours",
            ],
            Self::UrlToFileAnonymization => &["fileFormat", "linkExpiryHours"],
        }
    }
}

/// A configuration's options; only those of its kind are present (with their defaults
/// filled in: flags `false`, `linkExpiryHours` 168, `fileFormat` `PDF`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct WebhookOptions {
    /// Transcripts: send only key data (paragraphs, speakers).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub simplified_export: Option<bool>,
    /// Url To File (Transcripts): include timestamps.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timestamps: Option<bool>,
    /// Url To File (Transcripts): include speakers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub speakers: Option<bool>,
    /// Url To File (Transcripts): merge paragraphs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub merge_paragraphs: Option<bool>,
    /// Url To File kinds: how long the file link lives, 1 to 168 hours.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 1, maximum = 168)]
    pub link_expiry_hours: Option<i64>,
    /// Url to File (Anonymization): `PDF`, `JPEG` or `PNG`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file_format: Option<String>,
}

/// A configuration before it has an id: what `PUT` and `POST /_emulator/webhooks` accept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct WebhookSpec {
    pub workspace_id: i64,
    /// An `http://` URL whose host is a loopback or private address (or resolves to one).
    pub url: String,
    pub kind: WebhookKind,
    #[serde(default)]
    pub options: WebhookOptions,
}

/// A stored configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Webhook {
    pub id: i64,
    pub workspace_id: i64,
    pub url: String,
    pub kind: WebhookKind,
    pub options: WebhookOptions,
}

/// What is wrong with a configuration: the field (a JSON path such as `webhooks[1].url`) and
/// why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidField {
    pub field: String,
    pub message: String,
}

fn invalid(field: &str, message: impl Into<String>) -> InvalidField {
    InvalidField {
        field: field.to_owned(),
        message: message.into(),
    }
}

fn join(at: &str, name: &str) -> String {
    if at.is_empty() {
        name.to_owned()
    } else {
        format!("{at}.{name}")
    }
}

/// Checks one configuration (`at` is its path in the document, empty for a lone one). A URL
/// whose host is an address literal is checked here; a host name is resolved (and checked)
/// by the caller.
pub fn parse_spec(
    value: &Value,
    at: &str,
    allow_public: bool,
) -> Result<WebhookSpec, InvalidField> {
    let whole = if at.is_empty() { "body" } else { at };
    let object = value
        .as_object()
        .ok_or_else(|| invalid(whole, "A webhook configuration is a JSON object."))?;
    for key in object.keys() {
        if !["workspaceId", "url", "kind", "options"].contains(&key.as_str()) {
            return Err(invalid(&join(at, key), "Unknown field."));
        }
    }
    let field = join(at, "workspaceId");
    let workspace_id = object
        .get("workspaceId")
        .ok_or_else(|| invalid(&field, "Required."))?
        .as_i64()
        .ok_or_else(|| invalid(&field, "Must be an integer."))?;
    let field = join(at, "url");
    let url = object
        .get("url")
        .ok_or_else(|| invalid(&field, "Required."))?
        .as_str()
        .ok_or_else(|| invalid(&field, "Must be a string."))?;
    check_url(url, allow_public).map_err(|message| invalid(&field, message))?;
    let field = join(at, "kind");
    let names = WebhookKind::ALL.map(|(name, _)| name).join(", ");
    let kind = object
        .get("kind")
        .ok_or_else(|| invalid(&field, format!("Required: one of {names}.")))?
        .as_str()
        .and_then(WebhookKind::from_name)
        .ok_or_else(|| invalid(&field, format!("Must be one of {names}.")))?;
    let options = match object.get("options") {
        None | Some(Value::Null) => &Map::new(),
        Some(Value::Object(options)) => options,
        Some(_) => return Err(invalid(&join(at, "options"), "Must be an object.")),
    };
    Ok(WebhookSpec {
        workspace_id,
        url: url.to_owned(),
        kind,
        options: parse_options(options, kind, &join(at, "options"))?,
    })
}

/// Checks the options of a configuration of `kind` (`at` is their path, `options` for a
/// lone configuration) and fills in the defaults; the first problem otherwise.
pub fn parse_options(
    options: &Map<String, Value>,
    kind: WebhookKind,
    at: &str,
) -> Result<WebhookOptions, InvalidField> {
    let allowed = kind.options();
    for key in options.keys() {
        if !allowed.contains(&key.as_str()) {
            return Err(invalid(
                &join(at, key),
                format!(
                    "Not an option of kind {} (its options: {}).",
                    kind.name(),
                    if allowed.is_empty() {
                        "none".to_owned()
                    } else {
                        allowed.join(", ")
                    }
                ),
            ));
        }
    }
    let flag = |name: &str| -> Result<Option<bool>, InvalidField> {
        if !allowed.contains(&name) {
            return Ok(None);
        }
        match options.get(name) {
            None | Some(Value::Null) => Ok(Some(false)),
            Some(Value::Bool(value)) => Ok(Some(*value)),
            Some(_) => Err(invalid(&join(at, name), "Must be true or false.")),
        }
    };
    let mut parsed = WebhookOptions {
        simplified_export: flag("simplifiedExport")?,
        timestamps: flag("timestamps")?,
        speakers: flag("speakers")?,
        merge_paragraphs: flag("mergeParagraphs")?,
        ..WebhookOptions::default()
    };
    if allowed.contains(&"linkExpiryHours") {
        let field = join(at, "linkExpiryHours");
        parsed.link_expiry_hours = Some(match options.get("linkExpiryHours") {
            None | Some(Value::Null) => MAX_LINK_EXPIRY_HOURS,
            Some(value) => value
                .as_i64()
                .filter(|hours| (1..=MAX_LINK_EXPIRY_HOURS).contains(hours))
                .ok_or_else(|| {
                    invalid(
                        &field,
                        format!("Must be an integer from 1 to {MAX_LINK_EXPIRY_HOURS}."),
                    )
                })?,
        });
    }
    if allowed.contains(&"fileFormat") {
        let field = join(at, "fileFormat");
        parsed.file_format = Some(match options.get("fileFormat") {
            None | Some(Value::Null) => "PDF".to_owned(),
            Some(value) => value
                .as_str()
                .map(str::to_ascii_uppercase)
                .filter(|format| ["PDF", "JPEG", "PNG"].contains(&format.as_str()))
                .ok_or_else(|| invalid(&field, "Must be PDF, JPEG or PNG."))?,
        });
    }
    Ok(parsed)
}

/// Checks a URL's form: `http://`, a host, at most `MAX_URL_LENGTH` characters, and, when
/// the host is an address literal, an address deliveries may go to.
pub fn check_url(text: &str, allow_public: bool) -> Result<(), String> {
    if text.len() > MAX_URL_LENGTH {
        return Err(format!("Longer than {MAX_URL_LENGTH} characters."));
    }
    let url = url::Url::parse(text).map_err(|error| format!("Not a URL: {error}."))?;
    if url.scheme() != "http" {
        return Err("Must be an http:// URL (sdemu does not deliver over TLS).".to_owned());
    }
    let address = match url.host() {
        None => return Err("The URL has no host.".to_owned()),
        Some(url::Host::Ipv4(address)) => IpAddr::V4(address),
        Some(url::Host::Ipv6(address)) => IpAddr::V6(address),
        Some(url::Host::Domain(_)) => return Ok(()),
    };
    if allow_public || is_private(address) {
        Ok(())
    } else {
        Err(refused(address))
    }
}

/// The message of a destination refused because it is public.
pub fn refused(address: IpAddr) -> String {
    format!(
        "{address} is not a loopback or private address; deliveries go only to those unless \
         sdemu runs with --webhook-allow-public."
    )
}

/// Whether deliveries may go to `address` by default: loopback or private (RFC 1918, IPv6
/// unique local). Link-local is refused: it holds cloud metadata services (169.254.169.254),
/// the classic target of a server made to send requests for someone else.
pub fn is_private(address: IpAddr) -> bool {
    match address {
        IpAddr::V4(v4) => v4.is_loopback() || v4.is_private(),
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_private(IpAddr::V4(v4));
            }
            let first = v6.segments()[0];
            v6.is_loopback() || (first & 0xfe00) == 0xfc00
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn loopback_and_private_addresses_are_allowed_and_public_ones_are_not() {
        for allowed in [
            "127.0.0.1",
            "10.1.2.3",
            "192.168.0.9",
            "172.16.0.1",
            "::1",
            "fd00::1",
            "::ffff:127.0.0.1",
        ] {
            assert!(is_private(allowed.parse().unwrap()), "{allowed}");
        }
        for public in [
            "8.8.8.8",
            "1.1.1.1",
            "2001:4860::8888",
            "::ffff:8.8.8.8",
            "169.254.169.254",
            "fe80::1",
        ] {
            assert!(!is_private(public.parse().unwrap()), "{public}");
        }
    }

    #[test]
    fn options_of_another_kind_are_refused_by_name() {
        let error = parse_spec(
            &json!({"workspaceId": 1, "url": "http://127.0.0.1:9/x", "kind": "transcripts",
                    "options": {"fileFormat": "PNG"}}),
            "",
            false,
        )
        .unwrap_err();
        assert_eq!(error.field, "options.fileFormat");
    }

    #[test]
    fn defaults_are_filled_in_for_the_kind() {
        let spec = parse_spec(
            &json!({"workspaceId": 1, "url": "http://localhost/x", "kind": "urlToFileAnonymization"}),
            "",
            false,
        )
        .unwrap();
        assert_eq!(spec.options.file_format.as_deref(), Some("PDF"));
        assert_eq!(spec.options.link_expiry_hours, Some(168));
        assert_eq!(spec.options.timestamps, None);
    }
}
