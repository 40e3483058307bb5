//! The speakers and users endpoints, as requests that read like API calls, and the fixture
//! their tests share.

use axum::body::Body;
use axum::http::Request;
use serde_json::Value;

use super::app::TestApp;
use super::requests::TestResponse;

pub const WORKSPACE_SPEAKERS: &str = "/api/v1.0/external/transcripts/speakers/workspaces";
pub const TASK_SPEAKERS: &str = "/api/v1.0/external/transcripts/speakers/tasks";

/// Two organizations with transcripts workspaces (`TestApp::people`). Acme (tenant 1,
/// client `ACME`, the default caller) has workspace 1 (Invoices: not transcripts), 2
/// (Meetings, two speakers) and 3 (Interviews, none); Other (tenant 2, client `OTHER`) has
/// workspace 4 (Calls). Task 22 is archived (its export exists).
///
/// | taskId | tenant | ws | own speakers |
/// | 10     | 1      | 1  | -            |
/// | 20, 21 | 1      | 2  | - (the workspace's) |
/// | 22     | 1      | 2  | - (archived) |
/// | 30     | 1      | 3  | -            |
/// | 40     | 2      | 4  | `o1` (default) |
pub const PEOPLE: &str = r#"{
  "organizations": [
    {"tenantId": 1, "name": "Acme", "clientId": "acme", "clientSecret": "acme-secret", "isDefault": true},
    {"tenantId": 2, "name": "Other", "clientId": "other", "clientSecret": "other-secret"}
  ],
  "workspaces": [
    {"workspaceId": 1, "tenantId": 1, "workspaceName": "Invoices", "isDefault": true, "workspaceTemplateName": "Invoices (Universal)"},
    {"workspaceId": 2, "tenantId": 1, "workspaceName": "Meetings", "workspaceTemplateName": "Transcripts"},
    {"workspaceId": 3, "tenantId": 1, "workspaceName": "Interviews", "workspaceTemplateName": "transcripts"},
    {"workspaceId": 4, "tenantId": 2, "workspaceName": "Calls", "isDefault": true, "workspaceTemplateName": "Transcripts"}
  ],
  "tasks": [
    {"taskId": 10, "workspaceId": 1, "displayName": "a.pdf", "createdOn": "2024-01-01T00:00:00Z", "taskStatus": 3, "integrationStatus": 1},
    {"taskId": 20, "workspaceId": 2, "displayName": "m1.mp3", "createdOn": "2024-01-01T00:00:00Z", "taskStatus": 3, "integrationStatus": 1},
    {"taskId": 21, "workspaceId": 2, "displayName": "m2.mp3", "createdOn": "2024-01-02T00:00:00Z", "taskStatus": 3, "integrationStatus": 1},
    {"taskId": 22, "workspaceId": 2, "displayName": "m3.mp3", "createdOn": "2024-01-03T00:00:00Z", "taskStatus": 20, "integrationStatus": 1},
    {"taskId": 30, "workspaceId": 3, "displayName": "i1.mp3", "createdOn": "2024-01-01T00:00:00Z", "taskStatus": 3, "integrationStatus": 1},
    {"taskId": 40, "workspaceId": 4, "displayName": "c1.mp3", "createdOn": "2024-01-01T00:00:00Z", "taskStatus": 3, "integrationStatus": 1}
  ],
  "speakers": [
    {"workspaceId": 2, "speakers": [
      {"speakerId": "s1", "speakerName": "Ana Sousa"},
      {"speakerId": "s2", "speakerName": "Bruno Costa", "speakerPrefix": "Dr.", "speakerSuffix": "PhD"}
    ]},
    {"workspaceId": 4, "taskId": 40, "speakers": [{"speakerId": "o1", "speakerName": "Olga", "isDefault": true}]}
  ],
  "users": [
    {"email": "admin@acme.example", "roleName": "Administrator"},
    {"workspaceId": 4, "email": "olga@other.example", "roleName": "Reviewer"}
  ]
}"#;

impl TestApp {
    /// `PEOPLE`: the fixture of the speakers and users tests.
    pub async fn people() -> Self {
        Self::with_fixture(PEOPLE).await
    }

    /// `method uri` with an optional JSON body, as the organization of `token`.
    pub async fn send_as(
        &self,
        token: &str,
        method: &str,
        uri: &str,
        body: Option<&Value>,
    ) -> TestResponse {
        let mut builder = Request::builder().method(method).uri(uri);
        let body = match body {
            Some(value) => {
                builder = builder.header("content-type", "application/json");
                Body::from(serde_json::to_vec(value).unwrap())
            }
            None => Body::empty(),
        };
        self.request_as(token, builder.body(body).unwrap()).await
    }

    /// `GET .../speakers/workspaces/{workspace_id}`.
    pub async fn workspace_speakers(&self, workspace_id: i64) -> TestResponse {
        self.get(&format!("{WORKSPACE_SPEAKERS}/{workspace_id}"))
            .await
    }

    /// `PUT .../speakers/workspaces/{workspace_id}` with `body`.
    pub async fn put_workspace_speakers(&self, workspace_id: i64, body: &Value) -> TestResponse {
        let uri = format!("{WORKSPACE_SPEAKERS}/{workspace_id}");
        self.send("PUT", &uri, Some(body), &[]).await
    }

    /// `GET .../speakers/tasks/{task_id}/{workspace_id}`.
    pub async fn task_speakers(&self, task_id: i64, workspace_id: i64) -> TestResponse {
        self.get(&format!("{TASK_SPEAKERS}/{task_id}/{workspace_id}"))
            .await
    }

    /// `POST .../speakers/tasks/{task_id}/{workspace_id}` with `body`.
    pub async fn post_task_speaker(&self, task_id: i64, ws: i64, body: &Value) -> TestResponse {
        let uri = format!("{TASK_SPEAKERS}/{task_id}/{ws}");
        self.send("POST", &uri, Some(body), &[]).await
    }

    /// `PUT .../speakers/tasks/{task_id}/{workspace_id}` with `body`.
    pub async fn put_task_speaker(&self, task_id: i64, ws: i64, body: &Value) -> TestResponse {
        let uri = format!("{TASK_SPEAKERS}/{task_id}/{ws}");
        self.send("PUT", &uri, Some(body), &[]).await
    }

    /// `DELETE .../speakers/tasks/{task_id}/{workspace_id}/{speaker_id}`.
    pub async fn delete_task_speaker(&self, task_id: i64, ws: i64, speaker: &str) -> TestResponse {
        let uri = format!("{TASK_SPEAKERS}/{task_id}/{ws}/{speaker}");
        self.send("DELETE", &uri, None, &[]).await
    }

    /// `GET /api/v1.0/external/tenant/availableroles`.
    pub async fn available_roles(&self) -> TestResponse {
        self.get("/api/v1.0/external/tenant/availableroles").await
    }

    /// `POST /api/v1.0/external/tenant/inviteusers` with `body`.
    pub async fn invite_tenant_users(&self, body: &Value) -> TestResponse {
        let uri = "/api/v1.0/external/tenant/inviteusers";
        self.send("POST", uri, Some(body), &[]).await
    }

    /// `POST /api/v1.0/external/sdworkspace/inviteusers` with `body`.
    pub async fn invite_workspace_users(&self, body: &Value) -> TestResponse {
        let uri = "/api/v1.0/external/sdworkspace/inviteusers";
        self.send("POST", uri, Some(body), &[]).await
    }

    /// `GET /api/v1.0/external/tenant/allusers`.
    pub async fn tenant_users(&self) -> TestResponse {
        self.get("/api/v1.0/external/tenant/allusers").await
    }

    /// `GET /api/v1.0/external/sdworkspace/allusers/{workspace_id}`.
    pub async fn workspace_users(&self, workspace_id: i64) -> TestResponse {
        self.get(&format!(
            "/api/v1.0/external/sdworkspace/allusers/{workspace_id}"
        ))
        .await
    }
}
