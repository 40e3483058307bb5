//! The load benchmark's ceiling: an axum server that answers every GET with bytes it holds in
//! memory, with the content type sdemu sends, and nothing else (no database, no auth, no
//! middleware). `benches/load/run.py` records sdemu's answer to each measured query into a
//! directory and starts this with it, so both servers send the same bytes; the ratio of
//! sdemu's throughput to this one's says how close sdemu comes to what the HTTP stack
//! itself allows on the same machine.
//!
//! Usage: `load-baseline <port> <dir>`: `GET /<name>?<anything>` answers `<dir>/<name>`.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Router;

type Bodies = Arc<HashMap<String, Bytes>>;

async fn answer(State(bodies): State<Bodies>, request: Request) -> Response {
    let name = request.uri().path().trim_start_matches('/');
    match bodies.get(name) {
        Some(bytes) => (
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json; charset=utf-8"),
            )],
            bytes.clone(),
        )
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let (Some(port), Some(dir)) = (args.next(), args.next()) else {
        eprintln!("usage: load-baseline <port> <dir>");
        std::process::exit(2);
    };
    let mut bodies = HashMap::new();
    for entry in std::fs::read_dir(&dir)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        bodies.insert(name, Bytes::from(std::fs::read(entry.path())?));
    }
    let app = Router::new().fallback(answer).with_state(Arc::new(bodies));
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port.parse().unwrap_or(0))).await?;
    println!(
        "load-baseline listening on http://{}",
        listener.local_addr()?
    );
    axum::serve(listener, app).await
}
