//! Task speakers in what a transcript exports: Get Export Data (Transcript), the
//! Transcripts webhook (full and simplified) and the Url To File (Transcripts) document.

use axum::http::StatusCode;
use serde_json::json;

use crate::helpers::TestApp;
use crate::helpers::{receiver, Answer};

#[tokio::test]
async fn the_transcript_export_is_spoken_by_the_tasks_speakers() {
    let app = TestApp::people().await;
    let export = app
        .get_export_data("Transcript/22")
        .await
        .assert_json(StatusCode::OK);
    assert_eq!(
        export["speakers"],
        json!([{"speakerId": "s1", "speakerName": "Ana Sousa"},
               {"speakerId": "s2", "speakerName": "Bruno Costa", "speakerPrefix": "Dr.", "speakerSuffix": "PhD"}])
    );
    for paragraph in export["paragraphs"].as_array().unwrap() {
        assert!(
            ["s1", "s2"].contains(&paragraph["speakerId"].as_str().unwrap()),
            "{paragraph}"
        );
    }
    // The task's own list, once it has one.
    app.delete_task_speaker(22, 2, "s1")
        .await
        .assert_status(StatusCode::OK);
    let export = app
        .get_export_data("Transcript/22")
        .await
        .assert_json(StatusCode::OK);
    assert_eq!(export["speakers"].as_array().unwrap().len(), 1);
    for paragraph in export["paragraphs"].as_array().unwrap() {
        assert_eq!(paragraph["speakerId"], "s2");
    }
}

#[tokio::test]
async fn the_transcripts_webhook_carries_the_tasks_speakers() {
    let app = TestApp::people().await;
    let (url, got) = receiver(Answer::Status(200, "")).await;
    for (path, options) in [
        ("/full", json!({})),
        ("/simple", json!({"simplifiedExport": true})),
    ] {
        let config = json!({"workspaceId": 2, "url": format!("{url}{path}"),
                            "kind": "transcripts", "options": options});
        app.control("POST", "webhooks", Some(&config))
            .await
            .assert_status(StatusCode::CREATED);
    }
    let bruno = json!({"speakerId": "s2", "speakerName": "Bruno Costa",
                       "speakerPrefix": "Dr.", "speakerSuffix": "PhD", "isDefault": true});
    app.put_task_speaker(20, 2, &bruno)
        .await
        .assert_status(StatusCode::OK);
    app.control("POST", "tasks/20/review/finish", None)
        .await
        .assert_status(StatusCode::OK);
    let got = got.lock().unwrap().clone();
    assert_eq!(got.len(), 2, "{got:?}");
    for received in got {
        let body = &received.body;
        assert_eq!(
            body["speakers"],
            json!([{"speakerId": "s1", "speakerName": "Ana Sousa"},
                   {"speakerId": "s2", "speakerName": "Bruno Costa", "speakerPrefix": "Dr.", "speakerSuffix": "PhD"}]),
            "{body}"
        );
        for paragraph in body["paragraphs"].as_array().unwrap() {
            assert!(
                ["s1", "s2"].contains(&paragraph["speakerId"].as_str().unwrap()),
                "{paragraph}"
            );
        }
    }
}

#[tokio::test]
async fn the_transcript_document_names_the_tasks_speakers_with_prefix_and_suffix() {
    use std::io::Read;
    let app = TestApp::people().await;
    let (url, got) = receiver(Answer::Status(200, "")).await;
    let config = json!({"workspaceId": 2, "url": format!("{url}/docx"),
                        "kind": "urlToFileTranscripts", "options": {"speakers": true}});
    app.control("POST", "webhooks", Some(&config))
        .await
        .assert_status(StatusCode::CREATED);
    // Only Bruno is left to speak.
    app.delete_task_speaker(20, 2, "s1")
        .await
        .assert_status(StatusCode::OK);
    app.control("POST", "tasks/20/review/finish", None)
        .await
        .assert_status(StatusCode::OK);
    let link = got.lock().unwrap()[0].body["exportedFileUrl"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = &link[link.find("/_emulator/").unwrap()..];
    let response = app.get(path).await;
    response.assert_status(StatusCode::OK);
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(response.body.to_vec())).unwrap();
    let mut document = String::new();
    archive
        .by_name("word/document.xml")
        .unwrap()
        .read_to_string(&mut document)
        .unwrap();
    assert!(document.contains("Dr. Bruno Costa PhD: "), "{document}");
    for made_up in [
        "Ana Sousa",
        "Carla Mendes",
        "David Ferreira",
        "Elisa Rocha",
        "Filipe Lopes",
    ] {
        assert!(!document.contains(made_up), "{made_up}: {document}");
    }
}
