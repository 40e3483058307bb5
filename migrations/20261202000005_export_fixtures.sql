-- Captured export payloads: a fixture's `exports` section gives a task the export payload
-- (Get Export Data, the webhook body) captured from the real service, which sdemu serves
-- as it is instead of building one. `body` is the JSON object as text (at most 1 MiB,
-- checked by domain::fixture before it is stored). Removed with its task.
CREATE TABLE export_payloads (
    task_id INTEGER PRIMARY KEY REFERENCES tasks (task_id) ON DELETE CASCADE,
    body    TEXT    NOT NULL
);

-- The real service's workspace setting "Delete document files after finishing review"
-- (`deleteFilesAfterReview` in the fixture): its exports' `originalFileUrl` is null. Kept
-- for the export; the Get Workspaces response does not show it.
ALTER TABLE workspaces ADD COLUMN delete_files_after_review INTEGER NOT NULL DEFAULT 0;
