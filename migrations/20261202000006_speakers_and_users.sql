-- Transcript speakers and invited users (the documentation's Speakers and Invite Users
-- pages).
--
-- A workspace's speakers are its list, in the order given (`position`). A task has its own
-- list only once a client changed it (or a fixture gave it one): `task_speaker_lists` marks
-- that, so that a task whose every speaker was deleted has none, while a task without a
-- row shows its workspace's speakers. No foreign key to workspaces (as webhooks): the
-- speakers are cleared and loaded with the rest of the data set, and a merge seed rewrites
-- the workspaces table under them. A task's list goes with its task.
CREATE TABLE workspace_speakers (
    workspace_id   INTEGER NOT NULL,
    position       INTEGER NOT NULL,
    speaker_id     TEXT    NOT NULL,
    speaker_name   TEXT    NOT NULL,
    speaker_prefix TEXT,
    speaker_suffix TEXT,
    PRIMARY KEY (workspace_id, speaker_id)
);

CREATE TABLE task_speaker_lists (
    task_id INTEGER PRIMARY KEY REFERENCES tasks (task_id) ON DELETE CASCADE
);

CREATE TABLE task_speakers (
    task_id        INTEGER NOT NULL REFERENCES task_speaker_lists (task_id) ON DELETE CASCADE,
    position       INTEGER NOT NULL,
    speaker_id     TEXT    NOT NULL,
    speaker_name   TEXT    NOT NULL,
    speaker_prefix TEXT,
    speaker_suffix TEXT,
    is_default     INTEGER NOT NULL DEFAULT 0 CHECK (is_default IN (0, 1)),
    PRIMARY KEY (task_id, speaker_id)
);

-- Users invited to an organization (`users`) and to a workspace (`workspace_users`), each
-- with the role they were invited with. No email is sent. An email is unique in its
-- organization and in its workspace, whatever its case. Neither table has a foreign key,
-- for the reason the speakers have none; both are cleared and loaded with the data set.
CREATE TABLE users (
    tenant_id INTEGER NOT NULL,
    email     TEXT    NOT NULL COLLATE NOCASE,
    role_name TEXT    NOT NULL,
    PRIMARY KEY (tenant_id, email)
);

CREATE TABLE workspace_users (
    workspace_id INTEGER NOT NULL,
    email        TEXT    NOT NULL COLLATE NOCASE,
    role_name    TEXT    NOT NULL,
    PRIMARY KEY (workspace_id, email)
);
