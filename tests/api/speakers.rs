//! Transcript speakers: workspace speakers (PUT, GET) and task speakers (GET, POST, PUT,
//! DELETE), their rules, isolation, and the transcript export they speak in.

use axum::http::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{TestApp, OTHER, TASK_SPEAKERS, WORKSPACE_SPEAKERS};

fn ana() -> Value {
    json!({"speakerId": "s1", "speakerName": "Ana Sousa", "speakerPrefix": null, "speakerSuffix": null})
}

fn bruno() -> Value {
    json!({"speakerId": "s2", "speakerName": "Bruno Costa", "speakerPrefix": "Dr.", "speakerSuffix": "PhD"})
}

/// A workspace speaker as a task's speaker.
fn of_task(speaker: Value, is_default: bool) -> Value {
    let mut speaker = speaker;
    speaker["isDefault"] = json!(is_default);
    speaker
}

#[tokio::test]
async fn workspace_speakers_are_put_and_read_back_in_their_order() {
    let app = TestApp::people().await;
    let body = json!({"speakers": [
        {"speakerId": "90edf137-ea2a-4b59-bf51-45446299d47e", "speakerName": "Carla", "speakerSuffix": "CEO"},
        {"speakerId": "b", "speakerName": "David", "speakerPrefix": "  "}
    ]});
    let expected = json!({"speakers": [
        {"speakerId": "90edf137-ea2a-4b59-bf51-45446299d47e", "speakerName": "Carla", "speakerPrefix": null, "speakerSuffix": "CEO"},
        {"speakerId": "b", "speakerName": "David", "speakerPrefix": null, "speakerSuffix": null}
    ]});
    let put = app.put_workspace_speakers(3, &body).await;
    assert_eq!(put.assert_json(StatusCode::OK), expected);
    let got = app.workspace_speakers(3).await;
    assert_eq!(got.assert_json(StatusCode::OK), expected);
    assert_eq!(
        got.text(),
        r#"{"speakers":[{"speakerId":"90edf137-ea2a-4b59-bf51-45446299d47e","speakerName":"Carla","speakerPrefix":null,"speakerSuffix":"CEO"},{"speakerId":"b","speakerName":"David","speakerPrefix":null,"speakerSuffix":null}]}"#
    );
    // An empty list removes them; a workspace without speakers answers an empty list.
    let cleared = app
        .put_workspace_speakers(3, &json!({"speakers": []}))
        .await;
    assert_eq!(cleared.assert_json(StatusCode::OK), json!({"speakers": []}));
    assert_eq!(
        app.workspace_speakers(3).await.assert_json(StatusCode::OK),
        json!({"speakers": []})
    );
}

#[tokio::test]
async fn a_task_without_speakers_of_its_own_has_its_workspaces_none_default() {
    let app = TestApp::people().await;
    let response = app.task_speakers(20, 2).await;
    assert_eq!(
        response.assert_json(StatusCode::OK),
        json!({"speakers": [of_task(ana(), false), of_task(bruno(), false)]})
    );
    // Until it has its own, a task follows its workspace's changes.
    let carla = json!({"speakerId": "c", "speakerName": "Carla"});
    app.put_workspace_speakers(2, &json!({"speakers": [carla]}))
        .await
        .assert_status(StatusCode::OK);
    let speakers = app.task_speakers(20, 2).await.assert_json(StatusCode::OK);
    assert_eq!(speakers["speakers"][0]["speakerId"], "c");
}

#[tokio::test]
async fn post_takes_one_speaker_or_a_wrapped_list_after_the_workspaces() {
    let app = TestApp::people().await;
    let single = json!({"speakerId": "s3", "speakerName": "Carla", "isDefault": true});
    let response = app.post_task_speaker(20, 2, &single).await;
    let carla = json!({"speakerId": "s3", "speakerName": "Carla", "speakerPrefix": null,
                       "speakerSuffix": null, "isDefault": true});
    assert_eq!(
        response.assert_json(StatusCode::OK),
        json!({"speakers": [of_task(ana(), false), of_task(bruno(), false), carla]})
    );
    let wrapped = json!({"speakers": [{"speakerId": "x", "speakerName": "Xavier"},
                                      {"speakerId": "y", "speakerName": "Yara"}]});
    let response = app.post_task_speaker(21, 2, &wrapped).await;
    let ids: Vec<Value> = response.assert_json(StatusCode::OK)["speakers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["speakerId"].clone())
        .collect();
    assert_eq!(ids, [json!("s1"), json!("s2"), json!("x"), json!("y")]);
    // Now that task 20 has its own list, the workspace's changes no longer reach it.
    app.put_workspace_speakers(2, &json!({"speakers": []}))
        .await
        .assert_status(StatusCode::OK);
    let speakers = app.task_speakers(20, 2).await.assert_json(StatusCode::OK);
    assert_eq!(speakers["speakers"].as_array().unwrap().len(), 3);
}

#[tokio::test]
async fn a_speaker_id_the_list_has_already_is_refused_naming_it() {
    let app = TestApp::people().await;
    let cases = [
        (
            json!({"speakerId": "s1", "speakerName": "Again"}),
            "speakerId",
        ),
        (
            json!({"speakers": [{"speakerId": "n", "speakerName": "N"}, {"speakerId": "s2", "speakerName": "B"}]}),
            "speakers[1].speakerId",
        ),
        (
            json!({"speakers": [{"speakerId": "n", "speakerName": "N"}, {"speakerId": "n", "speakerName": "M"}]}),
            "speakers[1].speakerId",
        ),
    ];
    for (body, field) in cases {
        let response = app.post_task_speaker(20, 2, &body).await.case(&body);
        let problem = response.assert_problem(StatusCode::BAD_REQUEST, None);
        assert_eq!(problem["type"], "urn:sdemu:problem:duplicate-speaker");
        assert_eq!(problem["field"], field, "{problem}");
    }
    let put = json!({"speakers": [{"speakerId": "a", "speakerName": "A"}, {"speakerId": "a", "speakerName": "B"}]});
    let problem = app
        .put_workspace_speakers(3, &put)
        .await
        .assert_problem(StatusCode::BAD_REQUEST, None);
    assert_eq!(problem["speakerId"], "a");
    // Nothing was stored.
    let speakers = app.task_speakers(20, 2).await.assert_json(StatusCode::OK);
    assert_eq!(speakers["speakers"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn a_task_has_at_most_one_default_speaker() {
    let app = TestApp::people().await;
    let two = json!({"speakers": [
        {"speakerId": "a", "speakerName": "A", "isDefault": true},
        {"speakerId": "b", "speakerName": "B", "isDefault": true}]});
    let problem = app
        .post_task_speaker(30, 3, &two)
        .await
        .assert_problem(StatusCode::BAD_REQUEST, None);
    assert_eq!(
        problem["type"],
        "urn:sdemu:problem:several-default-speakers"
    );
    assert_eq!(problem["speakerIds"], json!(["a", "b"]));
    // Task 40 has a default speaker: a second one is refused by POST and by PUT.
    let token = app.token(&OTHER).await;
    let uri = format!("{TASK_SPEAKERS}/40/4");
    let second = json!({"speakerId": "o2", "speakerName": "Oscar", "isDefault": true});
    app.send_as(&token, "POST", &uri, Some(&second))
        .await
        .assert_problem(StatusCode::BAD_REQUEST, None);
    let plain = json!({"speakerId": "o2", "speakerName": "Oscar"});
    app.send_as(&token, "POST", &uri, Some(&plain))
        .await
        .assert_status(StatusCode::OK);
    app.send_as(&token, "PUT", &uri, Some(&second))
        .await
        .assert_problem(StatusCode::BAD_REQUEST, None);
    // Moving the default in one request is allowed.
    let moved = json!({"speakers": [
        {"speakerId": "o1", "speakerName": "Olga", "isDefault": false},
        {"speakerId": "o2", "speakerName": "Oscar", "isDefault": true}]});
    let body = app
        .send_as(&token, "PUT", &uri, Some(&moved))
        .await
        .assert_json(StatusCode::OK);
    assert_eq!(body["speakers"][0]["isDefault"], false);
    assert_eq!(body["speakers"][1]["isDefault"], true);
}

#[tokio::test]
async fn put_changes_the_named_speaker_and_an_unknown_one_is_not_found() {
    let app = TestApp::people().await;
    let renamed = json!({"speakerId": "s2", "speakerName": "Bruno C.", "isDefault": true});
    let body = app
        .put_task_speaker(20, 2, &renamed)
        .await
        .assert_json(StatusCode::OK);
    assert_eq!(
        body,
        json!({"speakers": [of_task(ana(), false),
            {"speakerId": "s2", "speakerName": "Bruno C.", "speakerPrefix": null,
             "speakerSuffix": null, "isDefault": true}]})
    );
    // The workspace keeps its speakers.
    let workspace = app.workspace_speakers(2).await.assert_json(StatusCode::OK);
    assert_eq!(workspace["speakers"][1], bruno());
    let unknown = json!({"speakerId": "zz", "speakerName": "Nobody"});
    app.put_task_speaker(20, 2, &unknown)
        .await
        .assert_empty(StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn delete_removes_a_speaker_and_a_task_may_end_with_none() {
    let app = TestApp::people().await;
    let body = app
        .delete_task_speaker(20, 2, "s1")
        .await
        .assert_json(StatusCode::OK);
    assert_eq!(body, json!({"speakers": [of_task(bruno(), false)]}));
    app.delete_task_speaker(20, 2, "s1")
        .await
        .assert_empty(StatusCode::NOT_FOUND);
    let body = app
        .delete_task_speaker(20, 2, "s2")
        .await
        .assert_json(StatusCode::OK);
    assert_eq!(body, json!({"speakers": []}));
    // No speakers of its own is not "its workspace's".
    let body = app.task_speakers(20, 2).await.assert_json(StatusCode::OK);
    assert_eq!(body, json!({"speakers": []}));
    // The workspace and its other tasks keep theirs.
    let body = app.task_speakers(21, 2).await.assert_json(StatusCode::OK);
    assert_eq!(body["speakers"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn a_workspace_that_holds_no_transcripts_is_a_problem_naming_it() {
    let app = TestApp::people().await;
    let speaker = json!({"speakerId": "a", "speakerName": "A"});
    let responses = [
        app.workspace_speakers(1).await,
        app.put_workspace_speakers(1, &json!({"speakers": [speaker]}))
            .await,
        app.task_speakers(10, 1).await,
        app.post_task_speaker(10, 1, &speaker).await,
        app.put_task_speaker(10, 1, &speaker).await,
        app.delete_task_speaker(10, 1, "a").await,
    ];
    for response in responses {
        let problem = response.assert_problem(StatusCode::BAD_REQUEST, None);
        assert_eq!(
            problem["type"],
            "urn:sdemu:problem:not-a-transcripts-workspace"
        );
        assert_eq!(problem["workspaceId"], 1);
    }
}

#[tokio::test]
async fn a_task_named_with_another_workspace_is_not_found() {
    let app = TestApp::people().await;
    let speaker = json!({"speakerId": "a", "speakerName": "A"});
    // Task 30 is in workspace 3, task 20 in workspace 2: both transcripts workspaces.
    app.task_speakers(30, 2)
        .await
        .assert_empty(StatusCode::NOT_FOUND);
    app.task_speakers(20, 3)
        .await
        .assert_empty(StatusCode::NOT_FOUND);
    app.post_task_speaker(30, 2, &speaker)
        .await
        .assert_empty(StatusCode::NOT_FOUND);
    app.delete_task_speaker(20, 3, "s1")
        .await
        .assert_empty(StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn another_organizations_ids_answer_exactly_as_unknown_ones() {
    let app = TestApp::people().await;
    let speaker = json!({"speakerId": "a", "speakerName": "A"});
    let list = json!({"speakers": [speaker]});
    // Workspace 4 and task 40 are Other's; 999 exists nowhere.
    for (foreign, unknown) in [
        (
            format!("{WORKSPACE_SPEAKERS}/4"),
            format!("{WORKSPACE_SPEAKERS}/999"),
        ),
        (
            format!("{TASK_SPEAKERS}/40/4"),
            format!("{TASK_SPEAKERS}/999/999"),
        ),
        (
            format!("{TASK_SPEAKERS}/40/4"),
            format!("{TASK_SPEAKERS}/999/2"),
        ),
    ] {
        for (method, body) in [
            ("GET", None),
            ("PUT", Some(&list)),
            ("POST", Some(&speaker)),
        ] {
            if method == "POST" && foreign.starts_with(WORKSPACE_SPEAKERS) {
                continue;
            }
            let foreign = app.send(method, &foreign, body, &[]).await;
            let unknown = app.send(method, &unknown, body, &[]).await;
            foreign.assert_empty(StatusCode::NOT_FOUND);
            unknown.assert_empty(StatusCode::NOT_FOUND);
        }
    }
    app.delete_task_speaker(40, 4, "o1")
        .await
        .assert_empty(StatusCode::NOT_FOUND);
    // Other itself sees its task's speakers, untouched.
    let token = app.token(&OTHER).await;
    let own = app
        .send_as(&token, "GET", &format!("{TASK_SPEAKERS}/40/4"), None)
        .await
        .assert_json(StatusCode::OK);
    assert_eq!(own["speakers"][0]["speakerId"], "o1");
    assert_eq!(own["speakers"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn a_speaker_that_cannot_be_used_is_a_problem_naming_its_field() {
    let app = TestApp::people().await;
    let long = "x".repeat(65);
    let cases = [
        (json!({"speakerName": "A"}), "speakerId"),
        (
            json!({"speakerId": "a", "speakerName": "  "}),
            "speakerName",
        ),
        (json!({"speakerId": long, "speakerName": "A"}), "speakerId"),
        (json!({"speakerId": "a", "speakerName": 5}), "speakerName"),
        (
            json!({"speakerId": "a", "speakerName": "A", "isDefault": "yes"}),
            "isDefault",
        ),
        (
            json!({"speakers": [{"speakerId": "a"}]}),
            "speakers[0].speakerName",
        ),
        (json!({"speakers": "a"}), "speakers"),
        (json!({"speakers": []}), "speakers"),
    ];
    for (body, field) in cases {
        let response = app.post_task_speaker(20, 2, &body).await.case(&body);
        let problem = response.assert_problem(StatusCode::BAD_REQUEST, None);
        assert_eq!(problem["field"], field, "{body}: {problem}");
    }
    for body in [json!({}), json!({"speakers": [{"speakerName": "A"}]})] {
        let response = app.put_workspace_speakers(2, &body).await.case(&body);
        response.assert_problem(StatusCode::BAD_REQUEST, None);
    }
    let response = app
        .send_raw(
            "PUT",
            &format!("{WORKSPACE_SPEAKERS}/2"),
            Some("text/plain"),
            b"{}".to_vec(),
        )
        .await;
    response.assert_problem(StatusCode::BAD_REQUEST, None);
    let response = app.get(&format!("{TASK_SPEAKERS}/abc/2")).await;
    response.assert_problem(StatusCode::BAD_REQUEST, None);
}

#[tokio::test]
async fn every_speaker_operation_needs_a_bearer_token() {
    let app = TestApp::people().await;
    for (method, uri) in [
        ("GET", format!("{WORKSPACE_SPEAKERS}/2")),
        ("PUT", format!("{WORKSPACE_SPEAKERS}/2")),
        ("GET", format!("{TASK_SPEAKERS}/20/2")),
        ("POST", format!("{TASK_SPEAKERS}/20/2")),
        ("PUT", format!("{TASK_SPEAKERS}/20/2")),
        ("DELETE", format!("{TASK_SPEAKERS}/20/2/s1")),
    ] {
        let request = axum::http::Request::builder()
            .method(method)
            .uri(&uri)
            .header("content-type", "application/json")
            .body(axum::body::Body::from("{}"))
            .unwrap();
        app.request_anonymous(request)
            .await
            .case(&uri)
            .assert_unauthorized("Bearer");
    }
}
