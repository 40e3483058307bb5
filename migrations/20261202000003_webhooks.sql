-- Webhook export configurations: a workspace may have several. `kind` is
-- textDocuments, transcripts, urlToFileTranscripts or urlToFileAnonymization; `options` is
-- the kind's options as JSON text (validated by domain::webhooks before it is stored).
-- No foreign key to workspaces: configurations are cleared and loaded with the rest of the
-- data set (start-up, reset, seed), and a merge seed rewrites the workspaces table under
-- them.
CREATE TABLE webhooks (
    webhook_id   INTEGER PRIMARY KEY,
    workspace_id INTEGER NOT NULL,
    url          TEXT    NOT NULL,
    kind         TEXT    NOT NULL,
    options      TEXT    NOT NULL DEFAULT '{}'
);
CREATE INDEX webhooks_by_workspace ON webhooks (workspace_id, webhook_id);

-- A task's export: `pending` = 1 from the moment its review finished (in a write
-- transaction) until its deliveries' outcomes are applied (in another one, after the HTTP
-- calls); `last_error` is what the last failed delivery left on the task (the receiver's
-- non-empty body, or why there was no answer).
CREATE TABLE task_exports (
    task_id    INTEGER PRIMARY KEY REFERENCES tasks (task_id) ON DELETE CASCADE,
    pending    INTEGER NOT NULL DEFAULT 0,
    last_error TEXT
);
CREATE INDEX task_exports_pending ON task_exports (task_id) WHERE pending = 1;
