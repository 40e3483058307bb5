-- The file links export payloads hand out (originalFileUrl, exportedFileUrl): a random
-- token, the task and the file it names, and when it expires by the emulator's clock.
-- The file itself is made when it is downloaded, from the task (domain::export::files).
-- No foreign key to tasks: a link outlives its task, so that it can answer 404 (file
-- deleted) rather than look like a link that was never issued. `deleted` = 1 once
-- `DELETE /_emulator/files/{token}`, a reset or a seed removed the file.
CREATE TABLE file_links (
    token      TEXT    PRIMARY KEY,
    task_id    INTEGER NOT NULL,
    purpose    TEXT    NOT NULL CHECK (purpose IN ('original', 'exported')),
    format     TEXT    NOT NULL,
    options    TEXT    NOT NULL DEFAULT '{}',
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    deleted    INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1))
);
CREATE INDEX file_links_by_task ON file_links (task_id, created_at);
