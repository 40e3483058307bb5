//! The fast path stores exactly what the usual load stores, or nothing.

use std::sync::Arc;

use serde_json::{json, Map, Value};
use sqlx::SqlitePool;

use super::*;
use crate::config::Config;
use crate::domain::fixture;
use crate::startup::{FixtureSource, BUILTIN_FIXTURE};
use crate::store::dataset::StartupTasks;
use crate::{db, store};

fn clients() -> Vec<ClientCredentials> {
    vec![ClientCredentials {
        client_id: "extra".into(),
        client_secret: "extra-secret".into(),
    }]
}

async fn empty_database() -> (SqlitePool, Catalogues) {
    let pool = db::open(None).await.unwrap();
    let catalogues = store::dataset::builtin_catalogues(&pool).await.unwrap();
    (pool, catalogues)
}

/// What a load left: the state export, the reset bookkeeping and SQLite's own check.
async fn stored(pool: &SqlitePool) -> (Value, Vec<String>, i64, String) {
    let mut conn = pool.acquire().await.unwrap();
    let export = store::dataset::export(&mut conn).await.unwrap();
    let changed = sqlx::query_scalar("SELECT name FROM reset_changed_tables ORDER BY name")
        .fetch_all(&mut *conn)
        .await
        .unwrap();
    let saved = sqlx::query_scalar("SELECT COUNT(*) FROM reset_startup_tasks")
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    let integrity = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    (
        serde_json::to_value(export).unwrap(),
        changed,
        saved,
        integrity,
    )
}

/// `text` loaded the usual way: the data set and what was stored.
async fn usual(text: &str, indexes: TaskIndexes) -> (Dataset, (Value, Vec<String>, i64, String)) {
    let (pool, catalogues) = empty_database().await;
    let mut dataset = fixture::load(text, &catalogues, false).unwrap();
    auth::add_clients(&mut dataset, &clients()).unwrap();
    store::dataset::load_startup(&pool, &dataset, indexes)
        .await
        .unwrap();
    (dataset, stored(&pool).await)
}

/// `text` loaded as it is read; with what was stored.
async fn streamed(text: &str, indexes: TaskIndexes) -> (Option<Loaded>, SqlitePool) {
    let (pool, catalogues) = empty_database().await;
    let loaded = load(
        &pool,
        StreamSource::Text(text.into()),
        catalogues,
        clients(),
        false,
        indexes,
    )
    .await;
    (loaded, pool)
}

/// Both ways, both index strategies: the same data set and the same database.
async fn assert_same_as_usual(text: &str) {
    for indexes in [TaskIndexes::AfterTheTasks, TaskIndexes::AsTasksGoIn] {
        let (dataset, expected) = usual(text, indexes).await;
        let (loaded, pool) = streamed(text, indexes).await;
        let loaded = loaded.expect("a good document is loaded as it is read");
        assert_eq!(loaded.tasks, dataset.tasks.len());
        assert!(loaded.dataset.tasks.is_empty(), "no task is kept in memory");
        assert_eq!(
            loaded.dataset,
            Dataset {
                tasks: Vec::new(),
                ..dataset
            }
        );
        let found = stored(&pool).await;
        assert_eq!(found.3, "ok");
        assert_eq!(found, expected);
    }
}

/// The demo document's sections, in the order given (those not named are left out).
fn demo_in_order(order: &[&str]) -> String {
    let demo: Map<String, Value> = serde_json::from_str(BUILTIN_FIXTURE).unwrap();
    let reordered: Map<String, Value> = order
        .iter()
        .map(|name| ((*name).to_owned(), demo[*name].clone()))
        .collect();
    Value::Object(reordered).to_string()
}

#[tokio::test]
async fn the_demo_fixture_loaded_as_it_is_read_stores_what_the_usual_load_stores() {
    assert_same_as_usual(BUILTIN_FIXTURE).await;
}

#[tokio::test]
async fn sections_in_an_unusual_order_store_what_the_usual_load_stores() {
    // What refers to the tasks before them, the parents in another order (batches before
    // their workspaces), empty catalogues.
    let text = demo_in_order(&[
        "users",
        "speakers",
        "integrationStatuses",
        "batches",
        "taskStatuses",
        "workspaces",
        "organizations",
        "webhooks",
        "tasks",
        "exports",
    ]);
    assert_same_as_usual(&text).await;
}

/// A generated document: catalogue additions its tasks use, batches it does not declare
/// (implied by the tasks), an export, a webhook and a user after the tasks.
fn generated(tasks: usize) -> String {
    let tasks: Vec<Value> = (1..=tasks)
        .map(|id| {
            json!({"taskId": id, "workspaceId": id % 2 + 1, "batchId": (id % 3 == 0).then_some(id % 2 + 10),
                   "externalId": format!("ext-{id}"), "displayName": format!("task {id}.pdf"),
                   "createdOn": format!("2024-01-{:02}T10:00:00Z", id % 28 + 1),
                   "taskStatus": if id % 5 == 0 { 77 } else { 20 }, "integrationStatus": 1,
                   "context": {"n": id}})
        })
        .collect();
    json!({
        "workspaces": [{"workspaceId": 1, "workspaceName": "One"},
                       {"workspaceId": 2, "workspaceName": "Two", "workspaceTemplateName": "Transcripts"}],
        "taskStatuses": [{"value": 77, "name": "Seventy-seven"}],
        "exports": [{"taskId": 3, "payload": {"taskId": 3}}],
        "tasks": tasks,
        "speakers": [{"workspaceId": 2, "taskId": 5, "speakers": [{"speakerId": "a", "speakerName": "Ana"}]}],
        "webhooks": [{"workspaceId": 1, "url": "http://127.0.0.1:9/hook", "kind": "textDocuments"}],
        "users": [{"email": "ana@example.com", "roleName": "Reviewer", "workspaceId": 2}]
    })
    .to_string()
}

#[tokio::test]
async fn a_generated_document_with_implied_batches_stores_what_the_usual_load_stores() {
    // More tasks than a batch, so that several batches go through the channel.
    assert_same_as_usual(&generated(TASKS_PER_BATCH * 2 + 7)).await;
}

#[tokio::test]
async fn the_tasks_are_in_the_database_only() {
    let count = TASKS_PER_BATCH + 1;
    let (loaded, pool) = streamed(&generated(count), TaskIndexes::AfterTheTasks).await;
    let loaded = loaded.unwrap();
    assert!(loaded.dataset.tasks.is_empty());
    assert_eq!(loaded.tasks, count);
    let mut conn = pool.acquire().await.unwrap();
    assert_eq!(store::dataset::task_count(&mut conn).await.unwrap(), count);
}

/// Whether the database holds nothing at all.
async fn assert_nothing_stored(pool: &SqlitePool) {
    assert!(store::dataset::is_empty(pool).await.unwrap());
    let mut conn = pool.acquire().await.unwrap();
    assert_eq!(store::dataset::task_count(&mut conn).await.unwrap(), 0);
    let batches: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM batches")
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    assert_eq!(batches, 0);
}

async fn start_up_error(text: &str) -> String {
    let config: Config = clap::Parser::try_parse_from(["sdemu"]).unwrap();
    let source = FixtureSource::Inline {
        name: "test".into(),
        text: text.into(),
    };
    let clock = Arc::new(crate::clock::SystemClock);
    match crate::startup::open(&config, clock, source).await {
        Ok(_) => panic!("a bad fixture starts: {text:.200}"),
        Err(error) => format!("{error:#}"),
    }
}

#[tokio::test]
async fn a_bad_document_stores_nothing_and_start_up_lists_the_problems_of_the_usual_load() {
    let (_, catalogues) = empty_database().await;
    let mut generated_bad = generated(TASKS_PER_BATCH + 5);
    // A problem in the last batch, after the first went in; one after the tasks.
    generated_bad = generated_bad.replace(r#""taskId":2053,"#, r#""taskId":1,"#);
    let bad_export =
        generated(10).replace(r#""exports":[{"taskId":3"#, r#""exports":[{"taskId":99"#);
    let truncated = &BUILTIN_FIXTURE[..BUILTIN_FIXTURE.len() / 2];
    let unknown_status = BUILTIN_FIXTURE.replacen(r#""taskStatus": 20"#, r#""taskStatus": 999"#, 1);
    let bad_workspace = generated(3).replace(
        r#""workspaceName":"One""#,
        r#""workspaceName":"One","tenantId":5"#,
    );
    // Framing the cutter checks itself: a missing comma, a trailing comma, trailing text.
    let no_comma = generated(3).replace(r#"}},{"taskId":2"#, r#"}} {"taskId":2"#);
    let trailing_comma = generated(3).replace(r#"}}],"speakers""#, r#"}},],"speakers""#);
    let trailing_text = generated(3) + " x";
    for text in [
        no_comma.as_str(),
        trailing_comma.as_str(),
        trailing_text.as_str(),
        generated_bad.as_str(),
        bad_export.as_str(),
        truncated,
        unknown_status.as_str(),
        bad_workspace.as_str(),
        r#"{"tasks": [{"taskId": 1}], "bogus": []}"#,
        "[] []",
    ] {
        let expected = fixture::load(text, &catalogues, false).expect_err(text);
        let (loaded, pool) = streamed(text, TaskIndexes::AfterTheTasks).await;
        assert!(loaded.is_none(), "{text:.200}");
        assert_nothing_stored(&pool).await;
        assert_eq!(
            start_up_error(text).await,
            format!("fixture test is not valid: {expected}")
        );
    }
}

#[tokio::test]
async fn a_good_document_it_cannot_read_as_it_comes_is_loaded_the_usual_way() {
    // Tasks before the workspaces they name; a captured task list.
    let tasks_first = demo_in_order(&["tasks", "organizations", "workspaces", "batches"]);
    let captured = r#"[{"taskId": 1, "workspaceId": 4, "displayName": "a.pdf",
        "createdOn": "2024-01-01T00:00:00Z", "taskStatus": 20, "integrationStatus": 1}]"#;
    for text in [tasks_first.as_str(), captured] {
        let (loaded, pool) = streamed(text, TaskIndexes::AfterTheTasks).await;
        assert!(loaded.is_none());
        assert_nothing_stored(&pool).await;
        let config: Config = clap::Parser::try_parse_from(["sdemu"]).unwrap();
        let source = FixtureSource::Inline {
            name: "test".into(),
            text: text.into(),
        };
        let state = crate::startup::open(&config, Arc::new(crate::clock::SystemClock), source)
            .await
            .unwrap();
        let mut conn = state.db.acquire().await.unwrap();
        let expected = fixture::load(
            text,
            &store::dataset::builtin_catalogues(&state.db).await.unwrap(),
            false,
        )
        .unwrap();
        assert_eq!(
            store::dataset::task_count(&mut conn).await.unwrap(),
            expected.tasks.len()
        );
        assert!(state.startup_dataset.tasks.is_empty());
        assert_eq!(
            state.startup_tasks,
            StartupTasks::InDatabase {
                count: expected.tasks.len()
            }
        );
    }
}

#[tokio::test]
async fn a_fixture_file_is_loaded_as_it_is_read_like_its_text() {
    let text = generated(TASKS_PER_BATCH + 3);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("fixture.json");
    std::fs::write(&path, &text).unwrap();
    let (dataset, expected) = usual(&text, TaskIndexes::AsTasksGoIn).await;
    let (pool, catalogues) = empty_database().await;
    let loaded = load(
        &pool,
        StreamSource::File(path),
        catalogues,
        clients(),
        false,
        TaskIndexes::AsTasksGoIn,
    )
    .await
    .expect("a good file is loaded as it is read");
    assert_eq!(
        loaded.dataset,
        Dataset {
            tasks: Vec::new(),
            ..dataset
        }
    );
    assert_eq!(stored(&pool).await, expected);
}
