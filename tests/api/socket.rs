//! One smoke test over a real socket: what `main` does, on a free port.

use crate::helpers::{default_config, ServedApp};

#[tokio::test]
async fn the_documented_token_step_and_curl_example_work_over_a_real_socket() {
    let served = ServedApp::start(&default_config()).await;
    let address = served.address;

    let client = reqwest::Client::new();
    // The documented token request, with the demo organization's credentials.
    let token_response = client
        .post(format!("http://{address}/connect/token"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("grant_type=client_credentials&scope=WebAPI&client_id=sdemu-demo&client_secret=sdemu-demo-secret")
        .send()
        .await
        .unwrap();
    assert_eq!(token_response.status(), 200);
    assert_eq!(token_response.headers()["cache-control"], "no-store");
    let token: serde_json::Value = token_response.json().await.unwrap();
    let bearer = format!("Bearer {}", token["access_token"].as_str().unwrap());

    let base = format!("http://{address}/api/v1.0/external/sdtask/statuslist");
    let response = client
        .get(format!(
            "{base}?startDate=2022-03-16T16%3A59%3A55Z&endDate=2022-04-05T16%3A59%3A55Z"
        ))
        .header("authorization", &bearer)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "application/json; charset=utf-8"
    );
    let tasks: serde_json::Value = response.json().await.unwrap();
    let ids: Vec<i64> = tasks
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["taskId"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, vec![47, 49, 50, 51]);

    let anonymous = client.get(&base).send().await.unwrap();
    assert_eq!(anonymous.status(), 401);
    assert_eq!(anonymous.headers()["www-authenticate"], "Bearer");

    let empty = client
        .get(&base)
        .header("authorization", &bearer)
        .send()
        .await
        .unwrap();
    assert_eq!(empty.status(), 400);
    assert_eq!(empty.headers()["content-length"], "0");
    assert!(empty.headers().get("content-type").is_none());
    assert!(empty.bytes().await.unwrap().is_empty());

    served.shut_down().await;
}
