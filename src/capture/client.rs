//! The upstream, politely: a bearer token from its `/connect/token`, at most `--rate`
//! requests per second, `429`/`503` retried after their `Retry-After`, and every failure an
//! error naming the request and the status.

use std::time::Duration;

use anyhow::{anyhow, bail, Context};
use reqwest::{Method, StatusCode};
use serde_json::Value;
use tokio::time::Instant;

/// How many times one request is sent at most (the first time and the retries).
pub const MAX_ATTEMPTS: u32 = 5;

/// The longest `Retry-After` waited for; a longer one is waited for this long.
pub const MAX_RETRY_WAIT: Duration = Duration::from_secs(120);

/// The most of an error body shown in an error message.
const BODY_EXCERPT_CHARS: usize = 300;

/// How long one request may take, from connecting to the whole answer.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(120);

/// A session with the upstream.
pub struct Upstream {
    base: String,
    client_id: String,
    client_secret: String,
    http: reqwest::Client,
    interval: Duration,
    last_sent: Option<Instant>,
    token: Option<String>,
}

impl Upstream {
    /// A session with `base` (no trailing slash) sending at most `rate` requests a second.
    pub fn new(
        base: &str,
        client_id: &str,
        client_secret: &str,
        rate: u32,
    ) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder()
            .timeout(REQUEST_TIMEOUT)
            .user_agent(concat!("sdemu-capture/", env!("CARGO_PKG_VERSION")))
            .build()
            .context("cannot build the HTTP client")?;
        Ok(Self {
            base: base.to_owned(),
            client_id: client_id.to_owned(),
            client_secret: client_secret.to_owned(),
            http,
            interval: Duration::from_secs(1) / rate.max(1),
            last_sent: None,
            token: None,
        })
    }

    /// Takes a token with the client credentials grant.
    pub async fn sign_in(&mut self) -> anyhow::Result<()> {
        let url = format!("{}/connect/token", self.base);
        let form = form_urlencoded::Serializer::new(String::new())
            .append_pair("grant_type", "client_credentials")
            .append_pair("client_id", &self.client_id)
            .append_pair("client_secret", &self.client_secret)
            .finish();
        let body = self.send(Method::POST, &url, Some(form)).await?;
        let token = body
            .get("access_token")
            .and_then(Value::as_str)
            .ok_or_else(|| anyhow!("POST {url} answered 200 without an access_token"))?;
        self.token = Some(token.to_owned());
        Ok(())
    }

    /// GETs `path_and_query` (starting with `/`) as JSON. A `401` (an expired token) signs in
    /// again once.
    pub async fn get(&mut self, path_and_query: &str) -> anyhow::Result<Value> {
        let url = format!("{}{path_and_query}", self.base);
        match self.send(Method::GET, &url, None).await {
            Err(error) if is_unauthorized(&error) => {
                eprintln!("capture: GET {url} answered 401; taking a new token");
                self.sign_in().await?;
                self.send(Method::GET, &url, None).await
            }
            other => other,
        }
    }

    /// Sends one request (retrying `429` and `503` after their `Retry-After`) and reads its
    /// JSON answer.
    async fn send(
        &mut self,
        method: Method,
        url: &str,
        form: Option<String>,
    ) -> anyhow::Result<Value> {
        let mut attempt = 1;
        loop {
            self.wait_for_turn().await;
            let mut request = self.http.request(method.clone(), url);
            if let Some(form) = &form {
                request = request
                    .header("content-type", "application/x-www-form-urlencoded")
                    .body(form.clone());
            } else if let Some(token) = &self.token {
                request = request.bearer_auth(token);
            }
            let response = request
                .send()
                .await
                .with_context(|| format!("{method} {url} failed"))?;
            let status = response.status();
            let retry_after = response
                .headers()
                .get(reqwest::header::RETRY_AFTER)
                .and_then(|value| value.to_str().ok())
                .map(str::to_owned);
            let bytes = response
                .bytes()
                .await
                .with_context(|| format!("{method} {url}: the answer could not be read"))?;
            if status.is_success() {
                return serde_json::from_slice(&bytes).with_context(|| {
                    format!("{method} {url} answered {status} with a body that is not JSON")
                });
            }
            let retryable = matches!(
                status,
                StatusCode::TOO_MANY_REQUESTS | StatusCode::SERVICE_UNAVAILABLE
            );
            if retryable && attempt < MAX_ATTEMPTS {
                let wait = retry_wait(retry_after.as_deref(), attempt);
                eprintln!(
                    "capture: {method} {url} answered {status} (Retry-After: {}); retrying in \
                     {} s (attempt {} of {MAX_ATTEMPTS})",
                    retry_after.as_deref().unwrap_or("none"),
                    wait.as_secs_f64(),
                    attempt + 1
                );
                tokio::time::sleep(wait).await;
                attempt += 1;
                continue;
            }
            let excerpt: String = String::from_utf8_lossy(&bytes)
                .chars()
                .take(BODY_EXCERPT_CHARS)
                .collect();
            let tries = if attempt > 1 {
                format!(" (after {attempt} attempts)")
            } else {
                String::new()
            };
            return Err(anyhow::Error::new(UpstreamError {
                status,
                message: format!(
                    "{method} {url} answered {status}{tries}{}{excerpt}",
                    if excerpt.is_empty() { "" } else { ": " }
                ),
            }));
        }
    }

    /// Sleeps until `--rate` allows the next request.
    async fn wait_for_turn(&mut self) {
        if let Some(last) = self.last_sent {
            tokio::time::sleep_until(last + self.interval).await;
        }
        self.last_sent = Some(Instant::now());
    }
}

/// A request the upstream answered with an error status: the message names the request,
/// the status and the start of the body; the status lets callers tell a `401`.
#[derive(Debug)]
struct UpstreamError {
    status: StatusCode,
    message: String,
}

impl std::fmt::Display for UpstreamError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for UpstreamError {}

fn is_unauthorized(error: &anyhow::Error) -> bool {
    error
        .downcast_ref::<UpstreamError>()
        .is_some_and(|error| error.status == StatusCode::UNAUTHORIZED)
}

/// How long to wait before attempt `attempt + 1`: the `Retry-After` (seconds or an HTTP
/// date), else 1, 2, 4... seconds; never more than `MAX_RETRY_WAIT`.
pub fn retry_wait(retry_after: Option<&str>, attempt: u32) -> Duration {
    let given = retry_after.and_then(|text| {
        let text = text.trim();
        if let Ok(seconds) = text.parse::<u64>() {
            return Some(Duration::from_secs(seconds));
        }
        chrono::DateTime::parse_from_rfc2822(text).ok().map(|at| {
            (at.with_timezone(&chrono::Utc) - chrono::Utc::now())
                .to_std()
                .unwrap_or_default()
        })
    });
    given
        .unwrap_or_else(|| Duration::from_secs(1 << (attempt - 1).min(6)))
        .min(MAX_RETRY_WAIT)
}

/// Fails unless `value` is a JSON array, naming what was asked.
pub fn array(value: Value, what: &str) -> anyhow::Result<Vec<Value>> {
    match value {
        Value::Array(items) => Ok(items),
        _ => bail!("{what}: expected a JSON array"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_in_seconds_is_honoured_and_capped() {
        assert_eq!(retry_wait(Some("3"), 1), Duration::from_secs(3));
        assert_eq!(retry_wait(Some(" 0 "), 1), Duration::ZERO);
        assert_eq!(retry_wait(Some("100000"), 1), MAX_RETRY_WAIT);
    }

    #[test]
    fn without_retry_after_the_wait_doubles() {
        assert_eq!(retry_wait(None, 1), Duration::from_secs(1));
        assert_eq!(retry_wait(Some("soon"), 3), Duration::from_secs(4));
    }

    #[test]
    fn a_retry_after_date_in_the_past_waits_nothing() {
        assert_eq!(
            retry_wait(Some("Wed, 21 Oct 2015 07:28:00 GMT"), 1),
            Duration::ZERO
        );
    }
}
