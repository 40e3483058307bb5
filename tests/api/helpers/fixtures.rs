//! The fixture documents the tests share, their clients, and the documentation's example.

/// The documentation's example query: four tasks of the demo data set's default organization.
pub const DOC_EXAMPLE_QUERY: &str =
    "startDate=2022-03-16T16%3A59%3A55Z&endDate=2022-04-05T16%3A59%3A55Z";
/// The `taskId`s of the documentation's example response, in `createdOn` order.
pub const DOC_EXAMPLE_TASK_IDS: [i64; 4] = [47, 49, 50, 51];
/// A query every task of every fixture matches.
pub const EVERYTHING: &str = "startDate=2000-01-01";

/// The credentials of an organization's API client.
pub struct Client {
    pub id: &'static str,
    pub secret: &'static str,
}

impl Client {
    /// The documented token request body for this client.
    pub fn form(&self) -> String {
        format!(
            "grant_type=client_credentials&scope=WebAPI&client_id={}&client_secret={}",
            self.id, self.secret
        )
    }
}

/// The demo data set's default organization (Northwind Traders: workspaces 1-3).
pub const DEMO: Client = Client {
    id: "sdemu-demo",
    secret: "sdemu-demo-secret",
};
/// The demo data set's second organization (Contoso Legal: workspaces 4-5).
pub const CONTOSO: Client = Client {
    id: "sdemu-contoso",
    secret: "sdemu-contoso-secret",
};
/// `TWO_ORGANIZATIONS`'s default organization (tenant 1).
pub const ACME: Client = Client {
    id: "acme",
    secret: "acme-secret",
};
/// `TWO_ORGANIZATIONS`'s other organization (tenant 2).
pub const OTHER: Client = Client {
    id: "other",
    secret: "other-secret",
};

/// A small fixture with controlled times and statuses, for filter and sort tests.
///
/// | taskId | ws | createdOn            | status | pages | restarts | externalId |
/// | 1      | 1  | 2024-01-01T00:00:00Z | 3      | 5     | -        | A-1        |
/// | 2      | 1  | 2024-01-02T00:00:00Z | 4      | 2     | 2        | -          |
/// | 3      | 2  | 2024-01-02T00:00:00Z | 30     | 9     | -        | A-3        |
/// | 4      | 2  | 2024-01-03T12:30:00Z | 3      | 2     | 1        | -          |
/// | 5      | 3  | 2024-02-01T00:00:00Z | 36     | 0     | -        | -          |
pub const SMALL_FIXTURE: &str = r#"{
  "taskStatuses": [{"value": 36, "name": "Processed"}],
  "workspaces": [
    {"workspaceId": 1, "workspaceName": "Invoices", "isDefault": true},
    {"workspaceId": 2, "workspaceName": "Receipts"},
    {"workspaceId": 3, "workspaceName": "Transcripts"}
  ],
  "tasks": [
    {"taskId": 1, "workspaceId": 1, "externalId": "A-1", "displayName": "b.pdf", "createdOn": "2024-01-01T00:00:00Z", "taskStatus": 3, "integrationStatus": 1, "totalPages": 5, "preProcessingStartedOn": "2024-01-01T00:00:05Z"},
    {"taskId": 2, "workspaceId": 1, "displayName": "a.pdf", "description": "second", "createdOn": "2024-01-02T00:00:00Z", "taskStatus": 4, "integrationStatus": 1, "totalPages": 2, "restartCount": 2, "preProcessingStartedOn": "2024-01-05T00:00:00Z"},
    {"taskId": 3, "workspaceId": 2, "externalId": "A-3", "displayName": "c.pdf", "createdOn": "2024-01-02T00:00:00Z", "taskStatus": 30, "integrationStatus": 1, "totalPages": 9},
    {"taskId": 4, "workspaceId": 2, "displayName": "e.pdf", "createdOn": "2024-01-03T12:30:00Z", "taskStatus": 3, "integrationStatus": 1, "totalPages": 2, "restartCount": 1},
    {"taskId": 5, "workspaceId": 3, "displayName": "d.mp3", "createdOn": "2024-02-01T00:00:00Z", "taskStatus": 36, "integrationStatus": 1, "totalPages": 0, "externalIntegrationStatus": "exported"}
  ]
}"#;

/// Two organizations: the one fixture of every test that needs a second organization
/// (`TestApp::two_organizations`). Acme (tenant 1, client `ACME`) is the default, the caller
/// of `TestApp::request`; Other (tenant 2, client `OTHER`) owns workspace 3, batch 2 and
/// tasks 20 and 21. Task 21 has the externalId X-10 that Acme's task 10 has too.
///
/// | taskId | tenant | ws | batch | createdOn            | externalId |
/// | 10     | 1      | 1  | 1     | 2024-01-01T00:00:00Z | X-10       |
/// | 11     | 1      | 2  | -     | 2024-01-02T00:00:00Z | -          |
/// | 20     | 2      | 3  | 2     | 2024-01-01T00:00:00Z | X-20       |
/// | 21     | 2      | 3  | -     | 2024-01-03T00:00:00Z | X-10       |
pub const TWO_ORGANIZATIONS: &str = r#"{
  "organizations": [
    {"tenantId": 1, "name": "Acme", "clientId": "acme", "clientSecret": "acme-secret", "isDefault": true},
    {"tenantId": 2, "name": "Other", "clientId": "other", "clientSecret": "other-secret"}
  ],
  "workspaces": [
    {"workspaceId": 1, "tenantId": 1, "workspaceName": "Invoices", "workspaceDescription": "AP", "isDefault": true,
     "taskType": 1, "workspaceType": 1, "templateType": 1, "workspaceTemplateName": "Invoices (Universal)"},
    {"workspaceId": 2, "tenantId": 1, "workspaceName": "Receipts", "taskType": 1, "workspaceType": 1, "templateType": 2},
    {"workspaceId": 3, "tenantId": 2, "workspaceName": "Contracts", "isDefault": true, "taskType": 1, "workspaceType": 3, "templateType": 4}
  ],
  "batches": [
    {"batchId": 1, "workspaceId": 1, "displayName": "March", "description": "Scans", "createdOn": "2023-08-08T08:55:29.7831583Z", "totalTasksInHistory": 4},
    {"batchId": 2, "workspaceId": 3, "displayName": "Other's", "createdOn": "2023-08-09T08:55:29.0000001Z"}
  ],
  "tasks": [
    {"taskId": 10, "workspaceId": 1, "batchId": 1, "taskNumber": 7, "externalId": "X-10", "displayName": "a.pdf", "createdOn": "2024-01-01T00:00:00Z", "taskStatus": 3, "integrationStatus": 1, "totalPages": 2},
    {"taskId": 11, "workspaceId": 2, "displayName": "b.pdf", "createdOn": "2024-01-02T00:00:00Z", "taskStatus": 4, "integrationStatus": 1, "totalPages": 1},
    {"taskId": 20, "workspaceId": 3, "batchId": 2, "externalId": "X-20", "displayName": "c.pdf", "createdOn": "2024-01-01T00:00:00Z", "taskStatus": 3, "integrationStatus": 1},
    {"taskId": 21, "workspaceId": 3, "externalId": "X-10", "displayName": "d.pdf", "createdOn": "2024-01-03T00:00:00Z", "taskStatus": 3, "integrationStatus": 1}
  ]
}"#;
