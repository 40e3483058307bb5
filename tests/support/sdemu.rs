//! A running sdemu on loopback for the tests of `sdemu capture` and `sdemu compare`: started
//! from a fixture file (or the demo data), with a token, a GET, a JSON write and the control
//! plane.
#![allow(dead_code)]

use std::path::Path;
use std::process::{Child, Command, Stdio};

use serde_json::Value;

const SDEMU: &str = env!("CARGO_BIN_EXE_sdemu");

/// A running sdemu, stopped when dropped.
pub struct Sdemu {
    child: Child,
    pub base: String,
}

impl Sdemu {
    /// An sdemu serving `fixtures`, or the built-in demo data.
    pub fn start(fixtures: Option<&Path>) -> Self {
        let mut command = Command::new(SDEMU);
        command.args(["--lifecycle", "off"]);
        if let Some(fixtures) = fixtures {
            command.arg("--fixtures").arg(fixtures);
        }
        Self::spawn(command)
    }

    /// An sdemu on the demo data with these options (`--port 0` added).
    pub fn start_with(options: &[&str]) -> Self {
        let mut command = Command::new(SDEMU);
        command.args(options);
        Self::spawn(command)
    }

    fn spawn(mut command: Command) -> Self {
        let mut child = command
            .args(["--port", "0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("sdemu starts");
        let lines = super::stdout_lines(&mut child);
        let base = super::listening_url(&lines);
        Self { child, base }
    }

    pub async fn token(&self, client_id: &str, secret: &str) -> String {
        let answer: Value = reqwest::Client::new()
            .post(format!("{}/connect/token", self.base))
            .form(&[
                ("grant_type", "client_credentials"),
                ("client_id", client_id),
                ("client_secret", secret),
            ])
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        answer["access_token"].as_str().unwrap().to_owned()
    }

    /// Status, content type and body bytes of a GET.
    pub async fn get(&self, token: &str, path: &str) -> (u16, String, Vec<u8>) {
        let response = reqwest::Client::new()
            .get(format!("{}{path}", self.base))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        let content_type = response.headers()["content-type"]
            .to_str()
            .unwrap()
            .to_owned();
        (
            status,
            content_type,
            response.bytes().await.unwrap().to_vec(),
        )
    }

    /// Status and JSON body (`null` when empty) of `method` with a JSON `body`.
    pub async fn send_json(
        &self,
        token: &str,
        method: reqwest::Method,
        path: &str,
        body: &Value,
    ) -> (u16, Value) {
        let response = reqwest::Client::new()
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        let bytes = response.bytes().await.unwrap();
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).unwrap()
        };
        (status, body)
    }

    pub async fn control(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut request =
            reqwest::Client::new().request(method, format!("{}/_emulator/{path}", self.base));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        assert!(response.status().is_success(), "{}", response.status());
        response.json().await.unwrap_or(Value::Null)
    }
}

impl Drop for Sdemu {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
