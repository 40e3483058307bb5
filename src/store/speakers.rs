//! Transcript speakers in SQLite: a workspace's list, a task's own list (once it has one),
//! and the lookups that scope both to the caller's organization.

use sqlx::{QueryBuilder, Sqlite, SqliteConnection};

use crate::domain::fixture::SpeakerList;
use crate::domain::speakers::{effective, TaskSpeaker, WorkspaceSpeaker};

/// The organization's workspace `workspace_id`: its `workspaceTemplateName`, or `None`
/// when the organization has no such workspace.
pub async fn workspace_template(
    conn: &mut SqliteConnection,
    tenant_id: i64,
    workspace_id: i64,
) -> sqlx::Result<Option<Option<String>>> {
    let row = sqlx::query!(
        "SELECT workspace_template_name FROM workspaces WHERE tenant_id = ? AND workspace_id = ?",
        tenant_id,
        workspace_id,
    )
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|row| row.workspace_template_name))
}

/// The workspace of the organization's task `task_id`, or `None` when the organization has
/// no such task.
pub async fn task_workspace(
    conn: &mut SqliteConnection,
    tenant_id: i64,
    task_id: i64,
) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar!(
        "SELECT workspace_id FROM tasks WHERE tenant_id = ? AND task_id = ?",
        tenant_id,
        task_id,
    )
    .fetch_optional(conn)
    .await
}

/// A workspace's speakers, in their order.
pub async fn of_workspace(
    conn: &mut SqliteConnection,
    workspace_id: i64,
) -> sqlx::Result<Vec<WorkspaceSpeaker>> {
    sqlx::query_as!(
        WorkspaceSpeaker,
        "SELECT speaker_id, speaker_name, speaker_prefix, speaker_suffix
           FROM workspace_speakers WHERE workspace_id = ? ORDER BY position",
        workspace_id,
    )
    .fetch_all(conn)
    .await
}

/// Replaces a workspace's speakers with `speakers` (checked by the caller).
pub async fn replace_workspace(
    conn: &mut SqliteConnection,
    workspace_id: i64,
    speakers: &[WorkspaceSpeaker],
) -> sqlx::Result<()> {
    sqlx::query!(
        "DELETE FROM workspace_speakers WHERE workspace_id = ?",
        workspace_id
    )
    .execute(&mut *conn)
    .await?;
    if speakers.is_empty() {
        return Ok(());
    }
    QueryBuilder::<Sqlite>::new(
        "INSERT INTO workspace_speakers (workspace_id, position, speaker_id, speaker_name, \
         speaker_prefix, speaker_suffix) ",
    )
    .push_values(speakers.iter().enumerate(), |mut row, (position, s)| {
        row.push_bind(workspace_id)
            .push_bind(position as i64)
            .push_bind(&s.speaker_id)
            .push_bind(&s.speaker_name)
            .push_bind(&s.speaker_prefix)
            .push_bind(&s.speaker_suffix);
    })
    .build()
    .execute(conn)
    .await?;
    Ok(())
}

/// A task's own speakers, in their order, or `None` when it has no list of its own.
pub async fn own_of_task(
    conn: &mut SqliteConnection,
    task_id: i64,
) -> sqlx::Result<Option<Vec<TaskSpeaker>>> {
    let has_list = sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM task_speaker_lists WHERE task_id = ?) AS "has!: bool""#,
        task_id,
    )
    .fetch_one(&mut *conn)
    .await?;
    if !has_list {
        return Ok(None);
    }
    let speakers = sqlx::query_as!(
        TaskSpeaker,
        r#"SELECT speaker_id, speaker_name, speaker_prefix, speaker_suffix,
             is_default AS "is_default: bool"
           FROM task_speakers WHERE task_id = ? ORDER BY position"#,
        task_id,
    )
    .fetch_all(conn)
    .await?;
    Ok(Some(speakers))
}

/// A task's speakers: its own list, or its workspace's when it has none.
pub async fn of_task(
    conn: &mut SqliteConnection,
    task_id: i64,
    workspace_id: i64,
) -> sqlx::Result<Vec<TaskSpeaker>> {
    let own = own_of_task(&mut *conn, task_id).await?;
    let workspace = match own {
        Some(_) => Vec::new(),
        None => of_workspace(&mut *conn, workspace_id).await?,
    };
    Ok(effective(own, workspace))
}

/// The speakers of task `task_id` (of any organization: the caller found the task), for
/// its export; none when the task is gone.
pub async fn for_export(
    conn: &mut SqliteConnection,
    task_id: i64,
) -> sqlx::Result<Vec<TaskSpeaker>> {
    let workspace_id =
        sqlx::query_scalar!("SELECT workspace_id FROM tasks WHERE task_id = ?", task_id)
            .fetch_optional(&mut *conn)
            .await?;
    match workspace_id {
        Some(workspace_id) => of_task(conn, task_id, workspace_id).await,
        None => Ok(Vec::new()),
    }
}

/// Gives a task its own list, `speakers` (checked by the caller), replacing any it had.
pub async fn replace_task(
    conn: &mut SqliteConnection,
    task_id: i64,
    speakers: &[TaskSpeaker],
) -> sqlx::Result<()> {
    sqlx::query!(
        "INSERT INTO task_speaker_lists (task_id) VALUES (?) ON CONFLICT DO NOTHING",
        task_id
    )
    .execute(&mut *conn)
    .await?;
    sqlx::query!("DELETE FROM task_speakers WHERE task_id = ?", task_id)
        .execute(&mut *conn)
        .await?;
    if speakers.is_empty() {
        return Ok(());
    }
    QueryBuilder::<Sqlite>::new(
        "INSERT INTO task_speakers (task_id, position, speaker_id, speaker_name, \
         speaker_prefix, speaker_suffix, is_default) ",
    )
    .push_values(speakers.iter().enumerate(), |mut row, (position, s)| {
        row.push_bind(task_id)
            .push_bind(position as i64)
            .push_bind(&s.speaker_id)
            .push_bind(&s.speaker_name)
            .push_bind(&s.speaker_prefix)
            .push_bind(&s.speaker_suffix)
            .push_bind(s.is_default);
    })
    .build()
    .execute(conn)
    .await?;
    Ok(())
}

/// Every speaker list, workspaces' first (by workspace), then tasks' (by task): the state's
/// `speakers` section.
pub async fn all(conn: &mut SqliteConnection) -> sqlx::Result<Vec<SpeakerList>> {
    let workspace_ids = sqlx::query_scalar!(
        "SELECT DISTINCT workspace_id FROM workspace_speakers ORDER BY workspace_id"
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut lists = Vec::new();
    for workspace_id in workspace_ids {
        let speakers = of_workspace(&mut *conn, workspace_id).await?;
        lists.push(SpeakerList {
            workspace_id,
            task_id: None,
            speakers: speakers
                .into_iter()
                .map(TaskSpeaker::from_workspace)
                .collect(),
        });
    }
    let tasks = sqlx::query!(
        r#"SELECT l.task_id AS "task_id!", t.workspace_id
           FROM task_speaker_lists l JOIN tasks t ON t.task_id = l.task_id
           ORDER BY l.task_id"#
    )
    .fetch_all(&mut *conn)
    .await?;
    for task in tasks {
        let speakers = own_of_task(&mut *conn, task.task_id)
            .await?
            .unwrap_or_default();
        lists.push(SpeakerList {
            workspace_id: task.workspace_id,
            task_id: Some(task.task_id),
            speakers,
        });
    }
    Ok(lists)
}

/// Stores checked speaker lists (their tasks must be stored already).
pub async fn insert(conn: &mut SqliteConnection, lists: &[SpeakerList]) -> sqlx::Result<()> {
    for list in lists {
        match list.task_id {
            Some(task_id) => replace_task(&mut *conn, task_id, &list.speakers).await?,
            None => {
                let speakers: Vec<WorkspaceSpeaker> = list
                    .speakers
                    .iter()
                    .map(|s| WorkspaceSpeaker {
                        speaker_id: s.speaker_id.clone(),
                        speaker_name: s.speaker_name.clone(),
                        speaker_prefix: s.speaker_prefix.clone(),
                        speaker_suffix: s.speaker_suffix.clone(),
                    })
                    .collect();
                replace_workspace(&mut *conn, list.workspace_id, &speakers).await?;
            }
        }
    }
    Ok(())
}

/// Deletes every speaker list.
pub async fn clear(conn: &mut SqliteConnection) -> sqlx::Result<()> {
    sqlx::query!("DELETE FROM workspace_speakers")
        .execute(&mut *conn)
        .await?;
    sqlx::query!("DELETE FROM task_speaker_lists")
        .execute(&mut *conn)
        .await?;
    Ok(())
}
