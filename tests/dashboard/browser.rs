//! The browser side of the dashboard's tests: chromedriver on a free port, a headless
//! Chromium session (or a skip, or a failure when `SDEMU_BROWSER_TESTS=required`), and
//! helpers that read and act on the page, waiting for it by polling its DOM with a bound.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{json, Map, Value};

/// How long the page may take to show what the test waits for.
pub const PAGE_TIMEOUT: Duration = Duration::from_secs(20);

/// chromedriver, running on a free port, stopped when dropped.
pub struct Driver {
    child: Child,
    url: String,
    _profile: tempfile::TempDir,
    _turn: tokio::sync::MutexGuard<'static, ()>,
}

/// One browser at a time: the tests measure the page, and three Chromiums at once on a
/// loaded machine measure the machine.
static TURN: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `SDEMU_CHROMEDRIVER` when set, else `chromedriver` on the `PATH` or where Debian puts it.
fn chromedriver_path() -> Option<PathBuf> {
    if let Some(named) = std::env::var_os("SDEMU_CHROMEDRIVER") {
        return Some(PathBuf::from(named)).filter(|path| path.is_file());
    }
    let on_path = std::env::var_os("PATH")
        .map(|paths| std::env::split_paths(&paths).collect::<Vec<_>>())
        .unwrap_or_default();
    on_path
        .into_iter()
        .chain([
            PathBuf::from("/usr/bin"),
            PathBuf::from("/usr/lib/chromium"),
        ])
        .map(|directory| directory.join("chromedriver"))
        .find(|candidate| candidate.is_file())
}

/// chromedriver and a fresh browser session, or `None` (after saying so) when chromedriver
/// is not installed and the browser tests are not required.
pub async fn browser(test: &str) -> Option<(Driver, Client)> {
    let Some(chromedriver) = chromedriver_path() else {
        let required = std::env::var("SDEMU_BROWSER_TESTS").is_ok_and(|v| v == "required");
        assert!(
            !required,
            "SDEMU_BROWSER_TESTS=required but chromedriver is not installed \
             (apt-get install chromium chromium-driver)"
        );
        println!("{test} skipped: install chromium chromium-driver to run the browser tests");
        return None;
    };
    let turn = TURN.lock().await;
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(chromedriver)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver starts");
    let profile = tempfile::tempdir().unwrap();
    let driver = Driver {
        child,
        url: format!("http://127.0.0.1:{port}"),
        _profile: profile,
        _turn: turn,
    };
    let mut options = json!({
        "args": [
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--disable-dev-shm-usage", "--window-size=1280,800",
            format!("--user-data-dir={}", driver._profile.path().display()),
        ],
    });
    if Path::new("/usr/bin/chromium").is_file() {
        options["binary"] = json!("/usr/bin/chromium");
    }
    let mut capabilities = Map::new();
    capabilities.insert("goog:chromeOptions".to_owned(), options);
    // chromedriver needs a moment to listen: retry the session, boundedly.
    let started = Instant::now();
    let client = loop {
        match ClientBuilder::new(HttpConnector::new())
            .capabilities(capabilities.clone())
            .connect(&driver.url)
            .await
        {
            Ok(client) => break client,
            Err(error) if started.elapsed() < PAGE_TIMEOUT => {
                let _ = error;
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(error) => panic!("no WebDriver session: {error}"),
        }
    };
    Some((driver, client))
}

/// What `script` (a function body, `arguments[0]` the argument) returns.
pub async fn run(client: &Client, script: &str, argument: Value) -> Value {
    client.execute(script, vec![argument]).await.unwrap()
}

/// The text of the first element `selector` matches, or `null`.
pub async fn text_of(client: &Client, selector: &str) -> Value {
    run(
        client,
        "const e = document.querySelector(arguments[0]); return e ? e.textContent : null;",
        json!(selector),
    )
    .await
}

/// Polls the page until `check` holds, failing after `PAGE_TIMEOUT` with `what` and the
/// page's message line.
pub async fn wait_until<F, Fut>(client: &Client, what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let started = Instant::now();
    while !check().await {
        if started.elapsed() > PAGE_TIMEOUT {
            let message = text_of(client, "#message").await;
            let shot = Path::new(env!("CARGO_TARGET_TMPDIR")).join("dashboard-failure.png");
            if let Ok(png) = client.screenshot().await {
                let _ = std::fs::write(&shot, png);
            }
            panic!(
                "the page never showed {what} (message line: {message}; screenshot: {})",
                shot.display()
            );
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Waits until the element `selector` matches has text containing `expected`.
pub async fn wait_for_text(client: &Client, selector: &str, expected: &str) {
    wait_until(client, &format!("{expected:?} in {selector}"), || async {
        text_of(client, selector)
            .await
            .as_str()
            .is_some_and(|text| text.contains(expected))
    })
    .await;
}

pub async fn is_hidden(client: &Client, selector: &str) -> bool {
    run(
        client,
        "return document.querySelector(arguments[0]).hidden;",
        json!(selector),
    )
    .await
        == json!(true)
}

pub async fn type_into(client: &Client, selector: &str, text: &str) {
    let field = client.find(Locator::Css(selector)).await.unwrap();
    field.clear().await.unwrap();
    field.send_keys(text).await.unwrap();
}

/// Clicks the element `selector` matches. The page redraws its tables while it polls, so an
/// element found a moment ago may be gone: find it again and retry, boundedly.
pub async fn click(client: &Client, selector: &str) {
    let started = Instant::now();
    loop {
        let attempt = match client.find(Locator::Css(selector)).await {
            Ok(element) => element.click().await,
            Err(error) => Err(error),
        };
        match attempt {
            Ok(()) => return,
            Err(error)
                if (error.is_stale_element_reference() || error.is_no_such_element())
                    && started.elapsed() < PAGE_TIMEOUT =>
            {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Err(error) => panic!("could not click {selector}: {error}"),
        }
    }
}
