-- sdemu's initial schema: the organizations (tenants) that own workspaces, the two status
-- catalogues, workspaces, batches and tasks.
--
-- Times are stored as integers so that SQL can filter and sort them cheaply:
--   * task times in whole Unix seconds (the API shows tasks with whole seconds);
--   * batch times in 100-nanosecond ticks since the Unix epoch (the API shows batches
--     with seven fractional digits, .NET style).

-- One row per SmartDocumentor organization. Each has exactly one client id and secret.
CREATE TABLE organizations (
    tenant_id     INTEGER PRIMARY KEY,
    name          TEXT    NOT NULL,
    client_id     TEXT    NOT NULL UNIQUE,
    client_secret TEXT    NOT NULL,
    is_default    INTEGER NOT NULL DEFAULT 0 CHECK (is_default IN (0, 1))
);

-- Code-to-name catalogues. Rows with builtin = 1 are the documented values and are never
-- removed; fixtures may add rows (builtin = 0) for codes the documentation does not list.
CREATE TABLE task_statuses (
    code    INTEGER PRIMARY KEY,
    name    TEXT    NOT NULL,
    builtin INTEGER NOT NULL DEFAULT 0 CHECK (builtin IN (0, 1))
);

CREATE TABLE integration_statuses (
    code    INTEGER PRIMARY KEY,
    name    TEXT    NOT NULL,
    builtin INTEGER NOT NULL DEFAULT 0 CHECK (builtin IN (0, 1))
);

-- The documented TaskStatus values (Mappings page and the Task Status List example).
INSERT INTO task_statuses (code, name, builtin) VALUES
    (3,  'ToReview', 1),
    (4,  'InReview', 1),
    (19, 'Deleting', 1),
    (20, 'Deleted', 1),
    (30, 'QueuedForPreProcessing', 1),
    (31, 'PreProcessingInProgress', 1),
    (32, 'PreProcessingFailed', 1),
    (33, 'PreProcessingDownloadFailed', 1),
    (34, 'PreProcessingSuccessful', 1),
    (35, 'PreProcessingGetPagesFailed', 1);

-- The only documented IntegrationStatus value (from the Task Status List example).
INSERT INTO integration_statuses (code, name, builtin) VALUES
    (1, 'Never', 1);

CREATE TABLE workspaces (
    workspace_id            INTEGER PRIMARY KEY,
    tenant_id               INTEGER NOT NULL REFERENCES organizations (tenant_id),
    workspace_name          TEXT    NOT NULL,
    workspace_description   TEXT,
    is_default              INTEGER NOT NULL DEFAULT 0 CHECK (is_default IN (0, 1)),
    task_type               INTEGER NOT NULL,
    workspace_type          INTEGER NOT NULL,
    template_type           INTEGER NOT NULL,
    workspace_template_name TEXT
);
CREATE INDEX workspaces_by_tenant ON workspaces (tenant_id, workspace_id);

CREATE TABLE batches (
    batch_id               INTEGER PRIMARY KEY,
    workspace_id           INTEGER NOT NULL REFERENCES workspaces (workspace_id),
    display_name           TEXT    NOT NULL,
    description            TEXT,
    created_on_ticks       INTEGER NOT NULL,
    total_tasks_in_history INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX batches_by_workspace ON batches (workspace_id, created_on_ticks, batch_id);

-- tenant_id repeats the owning workspace's tenant so that every query can filter by the
-- caller's organization first, through an index, without a join.
CREATE TABLE tasks (
    task_id                     INTEGER PRIMARY KEY,
    tenant_id                   INTEGER NOT NULL REFERENCES organizations (tenant_id),
    workspace_id                INTEGER NOT NULL REFERENCES workspaces (workspace_id),
    batch_id                    INTEGER REFERENCES batches (batch_id),
    task_number                 INTEGER,
    external_id                 TEXT,
    display_name                TEXT    NOT NULL,
    description                 TEXT,
    created_on                  INTEGER NOT NULL,
    task_status                 INTEGER NOT NULL REFERENCES task_statuses (code),
    integration_status          INTEGER NOT NULL REFERENCES integration_statuses (code),
    total_pages                 INTEGER NOT NULL DEFAULT 0,
    -- NULL until the task is reprocessed: the API omits restartCount until then.
    restart_count               INTEGER,
    pre_processing_started_on   INTEGER,
    external_integration_status TEXT    NOT NULL DEFAULT 'never',
    priority                    INTEGER NOT NULL DEFAULT 1,
    -- The CreateTaskRequest context object, as JSON text, when the task was created by a client.
    context                     TEXT
);

-- The default sort (createdOn, then taskId) and the date range filter.
CREATE INDEX tasks_by_tenant_created ON tasks (tenant_id, created_on, task_id);
-- The repeatable filters.
CREATE INDEX tasks_by_tenant_status ON tasks (tenant_id, task_status, created_on);
CREATE INDEX tasks_by_tenant_integration ON tasks (tenant_id, integration_status, created_on);
CREATE INDEX tasks_by_tenant_workspace ON tasks (tenant_id, workspace_id, created_on);
CREATE INDEX tasks_by_tenant_external_integration ON tasks (tenant_id, external_integration_status, created_on);
CREATE INDEX tasks_by_batch ON tasks (batch_id);
-- External ids are unique within an organization.
CREATE UNIQUE INDEX tasks_external_id_unique ON tasks (tenant_id, external_id) WHERE external_id IS NOT NULL;
