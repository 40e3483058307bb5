-- The start-up row of every start-up task that changed since the data set was loaded or
-- POST /_emulator/reset last restored it, saved just before its first change (update or
-- delete), so that a reset puts these rows back and sdemu keeps no copy of the start-up
-- tasks in memory (at a million tasks that copy was ~450 MB). A task inserted since
-- start-up is in reset_changed_tasks from its insert, so its rows are never saved here.
-- While 'everything' is marked nothing is saved: a replacing seed saves the start-up tasks
-- itself before it marks it (store/dataset/reset.rs).
CREATE TABLE reset_startup_tasks (
    task_id                     INTEGER PRIMARY KEY,
    tenant_id                   INTEGER NOT NULL,
    workspace_id                INTEGER NOT NULL,
    batch_id                    INTEGER,
    task_number                 INTEGER,
    external_id                 TEXT,
    display_name                TEXT    NOT NULL,
    description                 TEXT,
    created_on                  INTEGER NOT NULL,
    task_status                 INTEGER NOT NULL,
    integration_status          INTEGER NOT NULL,
    total_pages                 INTEGER NOT NULL,
    restart_count               INTEGER,
    pre_processing_started_on   INTEGER,
    external_integration_status TEXT    NOT NULL,
    priority                    INTEGER NOT NULL,
    context                     TEXT,
    task_assignment             TEXT,
    custom_form_values          TEXT,
    next_status                 INTEGER,
    next_step_at                INTEGER,
    planned_outcome             INTEGER,
    wire_json                   TEXT
);

CREATE TRIGGER tasks_reset_save_startup_before_update BEFORE UPDATE ON tasks
WHEN NOT EXISTS (SELECT 1 FROM reset_changed_tables WHERE name = 'everything')
    AND NOT EXISTS (SELECT 1 FROM reset_changed_tasks WHERE task_id = OLD.task_id)
BEGIN
    INSERT OR IGNORE INTO reset_startup_tasks
    SELECT * FROM tasks WHERE task_id = OLD.task_id;
END;

CREATE TRIGGER tasks_reset_save_startup_before_delete BEFORE DELETE ON tasks
WHEN NOT EXISTS (SELECT 1 FROM reset_changed_tables WHERE name = 'everything')
    AND NOT EXISTS (SELECT 1 FROM reset_changed_tasks WHERE task_id = OLD.task_id)
BEGIN
    INSERT OR IGNORE INTO reset_startup_tasks
    SELECT * FROM tasks WHERE task_id = OLD.task_id;
END;
