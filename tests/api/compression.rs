//! `--compression`: answers compressed for clients that ask, only when switched on, and the
//! same bytes once decompressed.

use std::io::Read;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};

use crate::helpers::{TestApp, STATUS_LIST};

/// The whole demo list of the default organization: tens of KiB, well over the 1 KiB floor.
const WHOLE_LIST: &str = "/api/v1.0/external/sdtask/statuslist?startDate=2000-01-01";
/// No task matches: `[]`, under the floor.
const EMPTY_LIST: &str = "/api/v1.0/external/sdtask/statuslist?startDate=2099-01-01";

fn get(path: &str, accept_encoding: Option<&str>) -> Request<Body> {
    let mut request = Request::get(path);
    if let Some(encodings) = accept_encoding {
        request = request.header(header::ACCEPT_ENCODING, encodings);
    }
    request.body(Body::empty()).unwrap()
}

fn gunzip(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_end(&mut out)
        .unwrap();
    out
}

fn unbrotli(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    brotli_decompressor::Decompressor::new(bytes, 4096)
        .read_to_end(&mut out)
        .unwrap();
    out
}

#[tokio::test]
async fn by_default_nothing_is_compressed_and_no_vary_header_is_added() {
    let app = TestApp::demo().await;
    let plain = app.request(get(WHOLE_LIST, None)).await;
    let asked = app
        .request(get(WHOLE_LIST, Some("gzip, deflate, br")))
        .await;
    asked.assert_status(StatusCode::OK);
    assert!(asked.headers.get(header::CONTENT_ENCODING).is_none());
    assert!(asked.headers.get(header::VARY).is_none());
    assert_eq!(asked.body, plain.body);
    assert!(serde_json::from_slice::<serde_json::Value>(&asked.body).is_ok());
}

#[tokio::test]
async fn with_compression_on_gzip_and_br_carry_the_same_bytes_as_the_plain_answer() {
    let app = TestApp::with_options(&["--compression", "on"]).await;
    let plain = app.request(get(WHOLE_LIST, None)).await;
    plain.assert_status(StatusCode::OK);
    assert!(plain.headers.get(header::CONTENT_ENCODING).is_none());
    assert!(plain.body.len() > 4096, "{} bytes", plain.body.len());

    for (asked, encoding, decode) in [
        ("gzip", "gzip", gunzip as fn(&[u8]) -> Vec<u8>),
        ("br", "br", unbrotli),
        ("gzip;q=0.5, br", "br", unbrotli),
    ] {
        let compressed = app.request(get(WHOLE_LIST, Some(asked))).await;
        compressed.assert_status(StatusCode::OK);
        assert_eq!(
            compressed.headers[header::CONTENT_ENCODING],
            encoding,
            "{asked}"
        );
        assert_eq!(compressed.headers[header::VARY], "accept-encoding");
        assert_eq!(
            compressed.headers[header::CONTENT_TYPE],
            "application/json; charset=utf-8"
        );
        assert!(compressed.headers.get(header::CONTENT_LENGTH).is_none());
        assert!(
            compressed.body.len() * 4 < plain.body.len(),
            "{asked}: {} of {} bytes",
            compressed.body.len(),
            plain.body.len()
        );
        assert_eq!(decode(&compressed.body), plain.body, "{asked}");
    }
}

#[tokio::test]
async fn with_compression_on_small_answers_and_clients_that_do_not_ask_get_plain_bytes() {
    let app = TestApp::with_options(&["--compression", "on"]).await;
    let empty = app.request(get(EMPTY_LIST, Some("gzip"))).await;
    empty.assert_status(StatusCode::OK);
    assert_eq!(empty.body, b"[]");
    assert!(empty.headers.get(header::CONTENT_ENCODING).is_none());

    let identity = app.request(get(WHOLE_LIST, Some("identity"))).await;
    assert!(identity.headers.get(header::CONTENT_ENCODING).is_none());
    assert!(identity.body.starts_with(b"[{\"taskId\":"));

    // Not a list: the 400 for a missing date stays empty and plain.
    let bad = app.request(get(STATUS_LIST, Some("gzip"))).await;
    bad.assert_empty(StatusCode::BAD_REQUEST);
    assert!(bad.headers.get(header::CONTENT_ENCODING).is_none());
}
