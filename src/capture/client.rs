//! The upstream, politely: a bearer token from its `/connect/token`, at most `--rate`
//! requests per second, `429`/`503` retried after their `Retry-After`, and every failure an
//! error naming the request and the status. `sdemu compare` uses the same session and its
//! `raw` answers (any status, headers, bytes).

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

/// An answer as it came: status, headers and body bytes, whatever the status.
pub struct RawAnswer {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: Vec<u8>,
}

/// A request body and its content type.
pub struct Body<'a> {
    pub content_type: &'a str,
    pub bytes: &'a [u8],
}

/// Which bearer token a raw request carries.
pub enum Bearer<'a> {
    /// The session's token (from `sign_in`).
    Session,
    /// This one (a deliberately wrong token).
    Given(&'a str),
    /// None at all.
    Without,
}

/// A session with the upstream.
pub struct Upstream {
    /// Names the command in progress lines ("capture", "compare").
    label: &'static str,
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
            label: "capture",
            base: base.to_owned(),
            client_id: client_id.to_owned(),
            client_secret: client_secret.to_owned(),
            http,
            interval: Duration::from_secs(1) / rate.max(1),
            last_sent: None,
            token: None,
        })
    }

    /// The same session, naming `label` in its progress lines.
    pub fn labelled(mut self, label: &'static str) -> Self {
        self.label = label;
        self
    }

    /// The base URL, without a trailing slash.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// Takes a token with the client credentials grant.
    pub async fn sign_in(&mut self) -> anyhow::Result<()> {
        let url = format!("{}/connect/token", self.base);
        let form = form_urlencoded::Serializer::new(String::new())
            .append_pair("grant_type", "client_credentials")
            .append_pair("client_id", &self.client_id)
            .append_pair("client_secret", &self.client_secret)
            .finish();
        let form = Body {
            content_type: "application/x-www-form-urlencoded",
            bytes: form.as_bytes(),
        };
        let body = self
            .send(Method::POST, &url, Some(form), Bearer::Without)
            .await?;
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
        match self.send(Method::GET, &url, None, Bearer::Session).await {
            Err(error) if is_unauthorized(&error) => {
                eprintln!("{}: GET {url} answered 401; taking a new token", self.label);
                self.sign_in().await?;
                self.send(Method::GET, &url, None, Bearer::Session).await
            }
            other => other,
        }
    }

    /// Sends `method` to `path_and_query` (starting with `/`) with `body` and `bearer`, and
    /// returns the answer whatever its status (after the retries of `429` and `503`); an
    /// error only when no answer came.
    pub async fn raw(
        &mut self,
        method: Method,
        path_and_query: &str,
        body: Option<Body<'_>>,
        bearer: Bearer<'_>,
    ) -> anyhow::Result<RawAnswer> {
        let url = format!("{}{path_and_query}", self.base);
        self.exchange(method, &url, body.as_ref(), &bearer)
            .await
            .map(|(answer, _)| answer)
    }

    /// Sends one request and reads its JSON answer; an error status is an error.
    async fn send(
        &mut self,
        method: Method,
        url: &str,
        body: Option<Body<'_>>,
        bearer: Bearer<'_>,
    ) -> anyhow::Result<Value> {
        let (answer, attempt) = self
            .exchange(method.clone(), url, body.as_ref(), &bearer)
            .await?;
        let RawAnswer {
            status,
            body: bytes,
            ..
        } = answer;
        if status.is_success() {
            return serde_json::from_slice(&bytes).with_context(|| {
                format!("{method} {url} answered {status} with a body that is not JSON")
            });
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
        Err(anyhow::Error::new(UpstreamError {
            status,
            message: format!(
                "{method} {url} answered {status}{tries}{}{excerpt}",
                if excerpt.is_empty() { "" } else { ": " }
            ),
        }))
    }

    /// Sends one request, retrying `429` and `503` after their `Retry-After`: the last answer
    /// and how many attempts it took.
    async fn exchange(
        &mut self,
        method: Method,
        url: &str,
        body: Option<&Body<'_>>,
        bearer: &Bearer<'_>,
    ) -> anyhow::Result<(RawAnswer, u32)> {
        let mut attempt = 1;
        loop {
            self.wait_for_turn().await;
            let mut request = self.http.request(method.clone(), url);
            if let Some(body) = body {
                request = request
                    .header("content-type", body.content_type)
                    .body(body.bytes.to_vec());
            }
            let token = match bearer {
                Bearer::Session => self.token.as_deref(),
                Bearer::Given(token) => Some(*token),
                Bearer::Without => None,
            };
            if let Some(token) = token {
                request = request.bearer_auth(token);
            }
            let response = request
                .send()
                .await
                .with_context(|| format!("{method} {url} failed"))?;
            let status = response.status();
            let headers = response.headers().clone();
            let retry_after = headers
                .get(reqwest::header::RETRY_AFTER)
                .and_then(|value| value.to_str().ok())
                .map(str::to_owned);
            let bytes = response
                .bytes()
                .await
                .with_context(|| format!("{method} {url}: the answer could not be read"))?;
            let retryable = matches!(
                status,
                StatusCode::TOO_MANY_REQUESTS | StatusCode::SERVICE_UNAVAILABLE
            );
            if retryable && attempt < MAX_ATTEMPTS {
                let wait = retry_wait(retry_after.as_deref(), attempt);
                eprintln!(
                    "{}: {method} {url} answered {status} (Retry-After: {}); retrying in \
                     {} s (attempt {} of {MAX_ATTEMPTS})",
                    self.label,
                    retry_after.as_deref().unwrap_or("none"),
                    wait.as_secs_f64(),
                    attempt + 1
                );
                tokio::time::sleep(wait).await;
                attempt += 1;
                continue;
            }
            let answer = RawAnswer {
                status,
                headers,
                body: bytes.to_vec(),
            };
            return Ok((answer, attempt));
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
