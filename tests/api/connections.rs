//! Hostile clients over real sockets: slow heads, stalled bodies, idle keep-alives and too
//! many connections are cut off by the documented limits (set short here) while a normal
//! client is served; shutdown closes what is not working at once; an early answer to an
//! unread body says `Connection: close`.

use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use sdemu::app::{self, ServeOptions};

use crate::helpers::{config, ServedApp};

/// One second for every time limit, so that each test takes a few seconds at most.
fn short_limits() -> ServeOptions {
    ServeOptions {
        grace: Duration::from_secs(5),
        header_timeout: Duration::from_secs(1),
        body_timeout: Duration::from_secs(1),
        idle_timeout: Duration::from_secs(1),
        max_connections: 64,
    }
}

async fn served(options: ServeOptions) -> ServedApp {
    served_with(options, &[]).await
}

/// The demo data with these command-line options, served with `options`.
async fn served_with(options: ServeOptions, command_line: &[&str]) -> ServedApp {
    let router = app::build_router(ServedApp::open(&config(command_line)).await);
    ServedApp::serve_with(router, options).await
}

/// What the server sends on `stream` until it closes the connection (within 5 s), and when
/// it closed.
async fn read_until_closed(stream: &mut TcpStream) -> (String, Instant) {
    let mut received = Vec::new();
    let mut buffer = [0u8; 4096];
    let read = async {
        loop {
            match stream.read(&mut buffer).await {
                Ok(0) | Err(_) => break,
                Ok(n) => received.extend_from_slice(&buffer[..n]),
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(5), read)
        .await
        .expect("the server closes the connection in time");
    (
        String::from_utf8_lossy(&received).into_owned(),
        Instant::now(),
    )
}

/// One complete response to a request on `stream`, read by its `Content-Length`.
async fn read_response(stream: &mut TcpStream) -> String {
    let mut received = Vec::new();
    let mut buffer = [0u8; 4096];
    loop {
        let n = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut buffer))
            .await
            .expect("an answer in time")
            .expect("the connection is open");
        assert!(n > 0, "closed before a whole answer: {received:?}");
        received.extend_from_slice(&buffer[..n]);
        let text = String::from_utf8_lossy(&received).into_owned();
        if let Some(head_end) = text.find("\r\n\r\n") {
            let length: usize = text[..head_end]
                .lines()
                .find_map(|line| {
                    let (name, value) = line.split_once(':')?;
                    name.eq_ignore_ascii_case("content-length")
                        .then(|| value.trim().parse().unwrap())
                })
                .unwrap_or(0);
            if received.len() >= head_end + 4 + length {
                return text;
            }
        }
    }
}

/// A normal client's request on a new connection answers 200.
async fn assert_normal_client_served(served: &ServedApp) {
    let response = reqwest::get(served.url("/_emulator/health")).await.unwrap();
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn a_slow_request_head_is_cut_off_by_the_header_timeout() {
    let served = served(short_limits()).await;
    let mut slow = TcpStream::connect(served.address).await.unwrap();
    let started = Instant::now();
    slow.write_all(b"GET /_emulator/health HTTP/1.1\r\nHost: sdemu\r\n")
        .await
        .unwrap();
    // One more header line now and then, never the blank line that ends the head.
    let dripping = tokio::spawn(async move {
        for n in 0..20 {
            tokio::time::sleep(Duration::from_millis(200)).await;
            if slow
                .write_all(format!("X-Drip-{n}: 1\r\n").as_bytes())
                .await
                .is_err()
            {
                break;
            }
        }
        read_until_closed(&mut slow).await
    });
    assert_normal_client_served(&served).await;
    let (received, closed_at) = dripping.await.unwrap();
    let open_for = closed_at - started;
    assert!(received.is_empty(), "no answer to half a head: {received}");
    assert!(
        open_for >= Duration::from_millis(900) && open_for < Duration::from_secs(3),
        "closed after {open_for:?}"
    );
    served.shut_down().await;
}

#[tokio::test]
async fn a_stalled_body_is_answered_408_with_connection_close() {
    // Without authentication, Create Task reads its body without a token.
    let served = served_with(short_limits(), &["--auth", "off"]).await;
    for (path, content_type) in [
        ("/_emulator/seed", "application/json"),
        ("/connect/token", "application/x-www-form-urlencoded"),
        ("/api/v1.0/external/sdtask/process", "application/json"),
    ] {
        let mut stalled = TcpStream::connect(served.address).await.unwrap();
        let started = Instant::now();
        stalled
            .write_all(
                format!(
                    "POST {path} HTTP/1.1\r\nHost: sdemu\r\nContent-Type: {content_type}\r\n\
                     Content-Length: 100\r\n\r\n{{\"organ"
                )
                .as_bytes(),
            )
            .await
            .unwrap();
        assert_normal_client_served(&served).await;
        let (received, closed_at) = read_until_closed(&mut stalled).await;
        let open_for = closed_at - started;
        assert!(received.starts_with("HTTP/1.1 408 "), "{path}: {received}");
        assert!(
            received
                .to_ascii_lowercase()
                .contains("connection: close\r\n"),
            "{path}: {received}"
        );
        assert!(received.contains("body-timeout"), "{path}: {received}");
        assert!(
            open_for >= Duration::from_millis(900) && open_for < Duration::from_secs(3),
            "{path}: closed after {open_for:?}"
        );
    }
    served.shut_down().await;
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed_by_the_idle_timeout() {
    let served = served(short_limits()).await;
    let mut idle = TcpStream::connect(served.address).await.unwrap();
    // Served twice on one connection: keep-alive works...
    for _ in 0..2 {
        idle.write_all(b"GET /_emulator/health HTTP/1.1\r\nHost: sdemu\r\n\r\n")
            .await
            .unwrap();
        let response = read_response(&mut idle).await;
        assert!(response.starts_with("HTTP/1.1 200 "), "{response}");
    }
    // ...and after a second of silence the server closes it.
    let answered = Instant::now();
    assert_normal_client_served(&served).await;
    let (received, closed_at) = read_until_closed(&mut idle).await;
    assert!(received.is_empty(), "{received}");
    let idle_for = closed_at - answered;
    assert!(
        idle_for >= Duration::from_millis(900) && idle_for < Duration::from_secs(3),
        "closed after {idle_for:?}"
    );
    // A connection that never sends anything is idle too.
    let mut silent = TcpStream::connect(served.address).await.unwrap();
    let (received, _) = read_until_closed(&mut silent).await;
    assert!(received.is_empty(), "{received}");
    served.shut_down().await;
}

#[tokio::test]
async fn beyond_the_connection_cap_new_clients_wait_until_one_closes() {
    let options = ServeOptions {
        max_connections: 2,
        idle_timeout: Duration::from_secs(60),
        ..short_limits()
    };
    let served = served(options).await;
    let first = TcpStream::connect(served.address).await.unwrap();
    let _second = TcpStream::connect(served.address).await.unwrap();
    // Give the server the time to accept both.
    tokio::time::sleep(Duration::from_millis(100)).await;
    let waiting = tokio::spawn(reqwest::get(served.url("/_emulator/health")));
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!waiting.is_finished(), "a third client is not served yet");
    drop(first);
    let response = tokio::time::timeout(Duration::from_secs(3), waiting)
        .await
        .expect("served once a slot is free")
        .unwrap()
        .unwrap();
    assert_eq!(response.status(), 200);
    served.shut_down().await;
}

#[tokio::test]
async fn shutdown_closes_idle_and_half_sent_connections_at_once() {
    let options = ServeOptions {
        grace: Duration::from_secs(30),
        header_timeout: Duration::from_secs(60),
        body_timeout: Duration::from_secs(60),
        idle_timeout: Duration::from_secs(60),
        max_connections: 64,
    };
    let mut served = served(options).await;
    let mut silent = TcpStream::connect(served.address).await.unwrap();
    let mut half_head = TcpStream::connect(served.address).await.unwrap();
    half_head
        .write_all(b"GET /_emulator/health HTTP/1.1\r\nHost: sd")
        .await
        .unwrap();
    let mut half_body = TcpStream::connect(served.address).await.unwrap();
    half_body
        .write_all(
            b"POST /_emulator/seed HTTP/1.1\r\nHost: sdemu\r\nContent-Type: application/json\r\n\
              Content-Length: 100\r\n\r\n{",
        )
        .await
        .unwrap();
    let mut kept_alive = TcpStream::connect(served.address).await.unwrap();
    kept_alive
        .write_all(b"GET /_emulator/health HTTP/1.1\r\nHost: sdemu\r\n\r\n")
        .await
        .unwrap();
    read_response(&mut kept_alive).await;
    tokio::time::sleep(Duration::from_millis(200)).await;

    let started = Instant::now();
    served.begin_shutdown();
    for stream in [&mut silent, &mut half_head, &mut kept_alive] {
        let (received, _) = read_until_closed(stream).await;
        assert!(received.is_empty(), "{received}");
    }
    // The half-sent body's handler sees the connection go and answers nothing useful.
    read_until_closed(&mut half_body).await;
    served.shut_down().await;
    let took = started.elapsed();
    assert!(took < Duration::from_secs(2), "shutdown took {took:?}");
}

#[tokio::test]
async fn an_early_answer_to_an_unread_body_says_connection_close() {
    // Too large by its Content-Length: 413 before a byte of the body is read.
    let open = served_with(short_limits(), &["--auth", "off"]).await;
    let mut too_large = TcpStream::connect(open.address).await.unwrap();
    too_large
        .write_all(
            b"POST /api/v1.0/external/sdtask/process HTTP/1.1\r\nHost: sdemu\r\n\
              Content-Type: application/json\r\nContent-Length: 5000000\r\n\r\n",
        )
        .await
        .unwrap();
    let (received, _) = read_until_closed(&mut too_large).await;
    assert!(received.starts_with("HTTP/1.1 413 "), "{received}");
    assert!(
        received
            .to_ascii_lowercase()
            .contains("connection: close\r\n"),
        "{received}"
    );
    open.shut_down().await;

    let served = served(short_limits()).await;
    // A chunked body and `Expect: 100-continue` on a route that answers 401 before reading.
    for framing in [
        "Transfer-Encoding: chunked",
        "Content-Length: 2\r\nExpect: 100-continue",
    ] {
        let mut early = TcpStream::connect(served.address).await.unwrap();
        early
            .write_all(
                format!(
                    "POST /api/v1.0/external/sdtask/process HTTP/1.1\r\nHost: sdemu\r\n\
                     Content-Type: application/json\r\n{framing}\r\n\r\n"
                )
                .as_bytes(),
            )
            .await
            .unwrap();
        let response = read_response(&mut early).await;
        assert!(
            response.starts_with("HTTP/1.1 401 "),
            "{framing}: {response}"
        );
        let lower = response.to_ascii_lowercase();
        assert!(
            lower.contains("connection: close\r\n"),
            "{framing}: {response}"
        );
        assert!(!lower.contains("100 continue"), "{framing}: {response}");
    }

    // A body that was read in full keeps the connection open for the next request.
    let mut kept = TcpStream::connect(served.address).await.unwrap();
    for _ in 0..2 {
        kept.write_all(
            b"POST /connect/token HTTP/1.1\r\nHost: sdemu\r\n\
              Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 3\r\n\r\na=b",
        )
        .await
        .unwrap();
        let response = read_response(&mut kept).await;
        assert!(response.starts_with("HTTP/1.1 400 "), "{response}");
        assert!(
            !response.to_ascii_lowercase().contains("connection: close"),
            "{response}"
        );
    }
    served.shut_down().await;
}
