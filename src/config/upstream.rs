//! The options `sdemu capture` and `sdemu compare` share: the SmartDocumentor service they
//! speak to and its API client. Secrets come only from flags or `SDEMU_*` variables.

use clap::Args;

/// The service and the client credentials to take a token with.
#[derive(Debug, Clone, Args)]
pub struct UpstreamOptions {
    /// The SmartDocumentor service, e.g. http://127.0.0.1:9000 (only http:// URLs: this
    /// build has no TLS client).
    #[arg(
        long = "upstream",
        env = "SDEMU_UPSTREAM",
        value_name = "URL",
        value_parser = parse_upstream
    )]
    pub url: String,

    /// The upstream API client's id.
    #[arg(long, env = "SDEMU_UPSTREAM_CLIENT_ID", value_name = "ID")]
    pub client_id: String,

    /// The upstream API client's secret. Sent only to the upstream's /connect/token; never
    /// printed, never written to a capture.
    #[arg(
        long,
        env = "SDEMU_UPSTREAM_CLIENT_SECRET",
        value_name = "SECRET",
        hide_env_values = true
    )]
    pub client_secret: Secret,
}

/// A secret option (the client secret, the anonymisation key). Its `Debug` output hides the
/// value, so printing the options can never leak it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(<hidden>)")
    }
}

impl std::str::FromStr for Secret {
    type Err = &'static str;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        if text.is_empty() {
            Err("must not be empty")
        } else {
            Ok(Self(text.to_owned()))
        }
    }
}

/// `--upstream`: an absolute http:// URL, kept without a trailing slash.
pub(super) fn parse_upstream(text: &str) -> Result<String, String> {
    let url = url::Url::parse(text).map_err(|error| format!("not a URL: {error}"))?;
    if url.scheme() == "https" {
        return Err(
            "https:// is not supported by this build (no TLS client); reach the service \
             through a local TLS-terminating proxy and give its http:// URL"
                .to_owned(),
        );
    }
    if url.scheme() != "http" || !url.has_host() {
        return Err("must be an http:// URL with a host".to_owned());
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err("must not have a query or a fragment".to_owned());
    }
    Ok(text.trim_end_matches('/').to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_upstream_must_be_an_http_url_without_query() {
        assert_eq!(
            parse_upstream("http://127.0.0.1:8080/").unwrap(),
            "http://127.0.0.1:8080"
        );
        assert!(parse_upstream("https://api.example.com")
            .unwrap_err()
            .contains("https:// is not supported"));
        assert!(parse_upstream("ftp://x").is_err());
        assert!(parse_upstream("http://x/?a=1").is_err());
        assert!(parse_upstream("not a url").is_err());
    }

    #[test]
    fn secrets_are_hidden_from_debug_output() {
        let secret: Secret = "s3cret".parse().unwrap();
        assert_eq!(format!("{secret:?}"), "Secret(<hidden>)");
        assert_eq!(secret.expose(), "s3cret");
        assert!("".parse::<Secret>().is_err());
    }
}
