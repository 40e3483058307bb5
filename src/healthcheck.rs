//! `sdemu healthcheck`: a tiny HTTP client for container health checks, so the runtime image
//! needs no curl.

use std::time::Duration;

use anyhow::{bail, Context};
use http_body_util::Empty;
use hyper::body::Bytes;
use hyper::Request;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

/// How long the whole check may take before it counts as failed.
const TIMEOUT: Duration = Duration::from_secs(3);

/// The ready endpoint of an sdemu listening on `port` of this host.
pub fn default_url(port: u16) -> String {
    format!("http://127.0.0.1:{port}/_emulator/ready")
}

/// The URL `sdemu healthcheck` checks without `--url`: the ready endpoint at the address
/// sdemu wrote to `address_file` (`--address-file`) when it can be read, else on this host's
/// `port` (`--port`).
pub fn target_url(address_file: Option<&std::path::Path>, port: u16) -> String {
    address_file
        .and_then(|path| std::fs::read_to_string(path).ok())
        .map(|address| address.trim().to_owned())
        .filter(|address| !address.is_empty())
        .map_or_else(
            || default_url(port),
            |address| format!("http://{address}/_emulator/ready"),
        )
}

/// Succeeds when `url` answers 200.
pub async fn check(url: &str) -> anyhow::Result<()> {
    tokio::time::timeout(TIMEOUT, get_status(url))
        .await
        .context("no answer in time")?
        .and_then(|status| {
            if status == 200 {
                Ok(())
            } else {
                bail!("{url} answered {status}")
            }
        })
}

async fn get_status(url: &str) -> anyhow::Result<u16> {
    let uri: hyper::Uri = url.parse().with_context(|| format!("bad URL {url}"))?;
    if uri.scheme_str() != Some("http") {
        bail!("only http:// URLs can be checked");
    }
    let host = uri.host().context("the URL has no host")?.to_owned();
    let port = uri.port_u16().unwrap_or(80);
    let stream = TcpStream::connect((host.as_str(), port))
        .await
        .with_context(|| format!("cannot connect to {host}:{port}"))?;
    let (mut sender, connection) =
        hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(connection);
    let path = uri.path_and_query().map_or("/", |p| p.as_str());
    let request = Request::get(path)
        .header(hyper::header::HOST, format!("{host}:{port}"))
        .body(Empty::<Bytes>::new())?;
    let response = sender.send_request(request).await?;
    Ok(response.status().as_u16())
}
