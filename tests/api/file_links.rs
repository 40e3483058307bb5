//! File links: the files behind `exportedFileUrl` and `originalFileUrl` are valid documents
//! of the promised format, served until the link expires by the emulator's clock (403),
//! and 404 once deleted; downloads need no admin token.

use std::io::Read;

use axum::http::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{add_webhook, frozen, receiver, task_to_review, Answer};
use crate::helpers::{TestApp, TestResponse};

/// The path of a link (what follows its host), which the test router is asked for.
fn path_of(url: &str) -> String {
    match url.split_once("://") {
        Some((_, rest)) => format!("/{}", rest.split_once('/').unwrap().1),
        None => url.to_owned(),
    }
}

async fn download(app: &TestApp, url: &str) -> TestResponse {
    app.request_anonymous(
        axum::http::Request::get(path_of(url))
            .body(axum::body::Body::empty())
            .unwrap(),
    )
    .await
}

/// The `<Code>` of a storage error, asserting it is XML.
fn storage_code(response: &TestResponse) -> String {
    assert_eq!(response.header("content-type"), Some("application/xml"));
    let text = String::from_utf8_lossy(&response.body);
    assert!(text.starts_with("<?xml"), "{text}");
    text.split("<Code>")
        .nth(1)
        .unwrap()
        .split("</Code>")
        .next()
        .unwrap()
        .to_owned()
}

/// Finishes the review of a task with one configuration of `kind` and `options`, and
/// returns the task id and the body its receiver got.
async fn exported(app: &TestApp, kind: &str, options: Value) -> (i64, Value) {
    let (base, got) = receiver(Answer::Status(200, "")).await;
    let (id, workspace) = task_to_review(app).await;
    add_webhook(
        app,
        json!({"workspaceId": workspace, "url": format!("{base}/hook"), "kind": kind,
               "options": options}),
    )
    .await;
    app.control("POST", &format!("tasks/{id}/review/finish"), None)
        .await
        .assert_status(StatusCode::OK);
    let body = got.lock().unwrap()[0].body.clone();
    (id, body)
}

/// The text of a `.docx`'s main part.
fn docx_text(bytes: &[u8]) -> String {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a zip package");
    for part in ["[Content_Types].xml", "_rels/.rels"] {
        assert!(archive.by_name(part).is_ok(), "{part}");
    }
    let mut document = String::new();
    archive
        .by_name("word/document.xml")
        .unwrap()
        .read_to_string(&mut document)
        .unwrap();
    document
}

#[tokio::test]
async fn a_transcript_docx_is_served_until_its_link_expires_by_the_clock() {
    let app = frozen(&[]).await;
    let (id, body) = exported(
        &app,
        "urlToFileTranscripts",
        json!({"timestamps": true, "speakers": true, "linkExpiryHours": 24}),
    )
    .await;
    let url = body["exportedFileUrl"].as_str().unwrap();
    assert!(
        url.starts_with("http://localhost:8080/_emulator/files/"),
        "{url}"
    );
    // The query says when the link expires: 24 hours after the review finished.
    let finished = app.state.clock.now();
    let expiry = (finished + chrono::Duration::hours(24))
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        .replace(':', "%3A");
    assert!(url.ends_with(&format!("?se={expiry}&sp=r")), "{url}");

    let response = download(&app, url).await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(
        response.header("content-type"),
        Some("application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    );
    assert_eq!(
        response.header("content-disposition"),
        Some(format!("attachment; filename=\"task-{id}-exported.docx\"").as_str())
    );
    let document = docx_text(&response.body);
    assert!(document.contains("report.pdf"), "the title: {document}");
    // Timestamps and speakers, as the configuration asked.
    assert!(document.contains("[00:00:00] "), "{document}");
    assert!(document.contains(": "), "{document}");

    app.advance_clock(json!(24 * 3600 - 1)).await;
    assert_eq!(download(&app, url).await.status, StatusCode::OK);
    app.advance_clock(json!(1)).await;
    let expired = download(&app, url).await;
    assert_eq!(expired.status, StatusCode::FORBIDDEN);
    assert_eq!(storage_code(&expired), "AuthenticationFailed");
}

#[tokio::test]
async fn anonymization_files_are_a_pdf_of_every_page_a_jpeg_and_a_png() {
    for (format, content_type) in [
        ("PDF", "application/pdf"),
        ("JPEG", "image/jpeg"),
        ("PNG", "image/png"),
    ] {
        let app = frozen(&[]).await;
        let (_, body) = exported(
            &app,
            "urlToFileAnonymization",
            json!({"fileFormat": format}),
        )
        .await;
        let response = download(&app, body["exportedFileUrl"].as_str().unwrap()).await;
        assert_eq!(response.status, StatusCode::OK, "{format}");
        assert_eq!(response.header("content-type"), Some(content_type));
        match format {
            "PDF" => {
                let pdf = lopdf::Document::load_mem(&response.body).expect("a PDF");
                assert_eq!(
                    pdf.get_pages().len() as i64,
                    body["totalPages"].as_i64().unwrap(),
                    "one page per page of the task"
                );
            }
            "JPEG" => {
                let mut decoder = jpeg_decoder::Decoder::new(response.body.as_slice());
                decoder.decode().expect("a JPEG");
                let info = decoder.info().unwrap();
                assert_eq!((info.width, info.height), (240, 320));
            }
            _ => {
                let decoder = png::Decoder::new(std::io::Cursor::new(response.body.clone()));
                let reader = decoder.read_info().expect("a PNG");
                assert_eq!((reader.info().width, reader.info().height), (240, 320));
            }
        }
    }
}

#[tokio::test]
async fn an_original_file_is_404_once_deleted_and_a_link_never_issued_is_403() {
    let app = frozen(&[]).await;
    let (id, _) = task_to_review(&app).await;
    app.control("POST", &format!("tasks/{id}/review/finish"), None)
        .await
        .assert_status(StatusCode::OK);
    let export = app
        .get_export_data(&id.to_string())
        .await
        .assert_json(StatusCode::OK);
    let url = export["originalFileUrl"].as_str().unwrap();
    let response = download(&app, url).await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(response.header("content-type"), Some("application/pdf"));
    assert!(response.body.starts_with(b"%PDF-"));

    let token = path_of(url).split('/').nth(3).unwrap().to_owned();
    let deleted = app.control("DELETE", &format!("files/{token}"), None).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    assert!(deleted.body.is_empty());
    let gone = download(&app, url).await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
    assert_eq!(storage_code(&gone), "BlobNotFound");
    // Get Export Data then hands out a new link.
    let again = app
        .get_export_data(&id.to_string())
        .await
        .assert_json(StatusCode::OK);
    assert_ne!(again["originalFileUrl"], export["originalFileUrl"]);
    assert_eq!(
        download(&app, again["originalFileUrl"].as_str().unwrap())
            .await
            .status,
        StatusCode::OK
    );

    let forged = url.replace(&token, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
    let refused = download(&app, &forged).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(storage_code(&refused), "AuthenticationFailed");
    let unknown = app.control("DELETE", "files/nope", None).await;
    let problem = unknown.assert_problem(StatusCode::NOT_FOUND, None);
    assert_eq!(problem["type"], "urn:sdemu:problem:unknown-file-link");
}

#[tokio::test]
async fn downloads_need_no_admin_token_and_deleting_a_file_does() {
    let app = TestApp::with_options(&["--admin-token", "s3cret"]).await;
    let download = download(&app, "/_emulator/files/unknown/task-1-original.pdf").await;
    assert_eq!(download.status, StatusCode::FORBIDDEN);
    assert_eq!(storage_code(&download), "AuthenticationFailed");
    app.control("DELETE", "files/unknown", None)
        .await
        .assert_problem(StatusCode::UNAUTHORIZED, None);
}

#[tokio::test]
async fn a_reset_deletes_every_file() {
    let app = frozen(&[]).await;
    let (_, body) = exported(&app, "urlToFileAnonymization", json!({})).await;
    let url = body["exportedFileUrl"].as_str().unwrap().to_owned();
    assert_eq!(download(&app, &url).await.status, StatusCode::OK);
    app.control("POST", "reset", None)
        .await
        .assert_status(StatusCode::OK);
    let gone = download(&app, &url).await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
    assert_eq!(storage_code(&gone), "BlobNotFound");
}
