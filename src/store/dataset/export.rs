//! `GET /_emulator/state`: everything a data set can hold, read back as a fixture document.

use sqlx::SqliteConnection;

use super::super::batches::{batch_select, BatchRow};
use super::super::tasks::{task_select, FullTaskRow};
use crate::domain::fixture::{
    BatchRecord, CatalogueRecord, ExportRecord, FixtureDocument, JsonText, OrganizationRecord,
    SpeakerListRecord, SpeakerRecord, TaskRecord, UserRecord, WebhookRecord, WorkspaceRecord,
};
use crate::domain::time::{BatchTime, TaskTime};

/// Everything a dataset can hold, read back as a fixture document (every section, every
/// field explicit, rows in id order), so that loading it reproduces the same data. Run it
/// inside a transaction for a consistent picture.
pub async fn export(conn: &mut SqliteConnection) -> sqlx::Result<FixtureDocument> {
    let mut document = export_without_tasks(conn).await?;
    document.tasks = tasks(conn).await?;
    Ok(document)
}

/// [`export`] with an empty `tasks` section: all a merging seed's document is checked
/// against when it adds no tasks, export payloads or speaker lists (the sections checked
/// against the tasks), read in a fraction of the time.
pub async fn export_without_tasks(conn: &mut SqliteConnection) -> sqlx::Result<FixtureDocument> {
    let organizations = sqlx::query_as!(
        OrganizationRecord,
        r#"SELECT tenant_id AS "tenant_id!", name, client_id, client_secret,
             is_default AS "is_default: bool"
           FROM organizations ORDER BY tenant_id"#,
    )
    .fetch_all(&mut *conn)
    .await?;
    let task_statuses = sqlx::query_as!(
        CatalogueRecord,
        r#"SELECT code AS "value!", name FROM task_statuses WHERE builtin = 0 ORDER BY code"#,
    )
    .fetch_all(&mut *conn)
    .await?;
    let integration_statuses = sqlx::query_as!(
        CatalogueRecord,
        r#"SELECT code AS "value!", name FROM integration_statuses
           WHERE builtin = 0 ORDER BY code"#,
    )
    .fetch_all(&mut *conn)
    .await?;

    let workspaces = super::super::workspaces::all(&mut *conn)
        .await?
        .into_iter()
        .map(|workspace| WorkspaceRecord {
            workspace_id: workspace.workspace_id,
            tenant_id: Some(workspace.tenant_id),
            workspace_name: workspace.workspace_name,
            workspace_description: workspace.workspace_description,
            is_default: workspace.is_default,
            task_type: workspace.task_type,
            workspace_type: workspace.workspace_type,
            template_type: workspace.template_type,
            workspace_template_name: workspace.workspace_template_name,
            delete_files_after_review: workspace.delete_files_after_review,
        })
        .collect();

    let batches = batch_select!(sqlx::query_as!(BatchRow,) + "ORDER BY b.batch_id")
        .fetch_all(&mut *conn)
        .await?
        .into_iter()
        .map(|row| BatchRecord {
            batch_id: row.batch_id,
            workspace_id: row.workspace_id,
            display_name: row.display_name,
            description: row.description,
            created_on: BatchTime(row.created_on_ticks).to_wire(),
            total_tasks: None,
            total_tasks_in_history: row.total_tasks_in_history,
        })
        .collect();

    let webhooks = super::super::webhooks::all(&mut *conn)
        .await?
        .into_iter()
        .map(|webhook| WebhookRecord {
            webhook_id: Some(webhook.id),
            workspace_id: webhook.workspace_id,
            url: webhook.url,
            kind: webhook.kind.name().to_owned(),
            options: match serde_json::to_value(webhook.options) {
                Ok(serde_json::Value::Object(options)) => options,
                _ => serde_json::Map::new(),
            },
        })
        .collect();

    let exports = super::super::exports::all(&mut *conn)
        .await?
        .into_iter()
        .map(|(task_id, payload)| ExportRecord { task_id, payload })
        .collect();

    let speakers = super::super::speakers::all(&mut *conn)
        .await?
        .into_iter()
        .map(|list| SpeakerListRecord {
            workspace_id: list.workspace_id,
            task_id: list.task_id,
            speakers: list
                .speakers
                .into_iter()
                .map(|speaker| SpeakerRecord {
                    speaker_id: speaker.speaker_id,
                    speaker_name: speaker.speaker_name,
                    speaker_prefix: speaker.speaker_prefix,
                    speaker_suffix: speaker.speaker_suffix,
                    is_default: speaker.is_default,
                })
                .collect(),
        })
        .collect();

    let users = super::super::users::all(&mut *conn)
        .await?
        .into_iter()
        .map(|entry| UserRecord {
            tenant_id: entry.tenant_id,
            workspace_id: entry.workspace_id,
            email: entry.user.email,
            role_name: entry.user.role_name,
        })
        .collect();

    Ok(FixtureDocument {
        organizations,
        task_statuses,
        integration_statuses,
        workspaces,
        batches,
        tasks: Vec::new(),
        webhooks,
        exports,
        speakers,
        users,
    })
}

/// Every task as a fixture record, in id order.
async fn tasks(conn: &mut SqliteConnection) -> sqlx::Result<Vec<TaskRecord>> {
    let rows = task_select!(full sqlx::query_as!(FullTaskRow,) + "ORDER BY t.task_id")
        .fetch_all(&mut *conn)
        .await?;
    let tasks = rows
        .into_iter()
        .map(|row| TaskRecord {
            task_id: row.task_id,
            workspace_id: row.workspace_id,
            batch_id: row.batch_id,
            task_number: row.task_number,
            external_id: row.external_id.map(Into::into),
            display_name: row.display_name.into(),
            description: row.description.map(Into::into),
            created_on: TaskTime(row.created_on).to_wire().into(),
            task_status: row.task_status,
            integration_status: row.integration_status,
            task_status_text: Some(row.task_status_text.into()),
            integration_status_text: Some(row.integration_status_text.into()),
            total_pages: row.total_pages,
            restart_count: row.restart_count,
            pre_processing_started_on: row
                .pre_processing_started_on
                .map(|t| TaskTime(t).to_wire().into()),
            external_integration_status: Some(row.external_integration_status.into()),
            priority: Some(row.priority),
            context: row.context.map(JsonText::from_stored),
            task_assignment: row.task_assignment.map(JsonText::from_stored),
            custom_form_values: row.custom_form_values.map(JsonText::from_stored),
        })
        .collect();
    Ok(tasks)
}
