-- Each task's object as the API writes it (the Task Status List, Task Status and the
-- paginated list's items), kept current by triggers on every write that changes a field of
-- it, so that the lists concatenate stored text instead of building JSON per row per
-- request. `task_wire` is the one place the object's fields, order and formats are written:
-- the documented order, explicit nulls, no `restartCount` until reprocessed, times as
-- `2022-03-28T14:28:56Z`. tests/api/fast_path.rs compares it with serde's bytes.
CREATE VIEW task_wire AS
SELECT
    t.task_id,
    CASE WHEN t.restart_count IS NULL THEN json_object(
        'taskId', t.task_id, 'workspaceId', t.workspace_id, 'batchId', t.batch_id,
        'taskNumber', t.task_number, 'externalId', t.external_id,
        'displayName', t.display_name, 'description', t.description,
        'createdOn', strftime('%Y-%m-%dT%H:%M:%SZ', t.created_on, 'unixepoch'),
        'taskStatus', t.task_status, 'integrationStatus', t.integration_status,
        'taskStatusText', ts.name, 'integrationStatusText', ist.name,
        'totalPages', t.total_pages,
        'preProcessingStartedOn',
        strftime('%Y-%m-%dT%H:%M:%SZ', t.pre_processing_started_on, 'unixepoch'))
    ELSE json_object(
        'taskId', t.task_id, 'workspaceId', t.workspace_id, 'batchId', t.batch_id,
        'taskNumber', t.task_number, 'externalId', t.external_id,
        'displayName', t.display_name, 'description', t.description,
        'createdOn', strftime('%Y-%m-%dT%H:%M:%SZ', t.created_on, 'unixepoch'),
        'taskStatus', t.task_status, 'integrationStatus', t.integration_status,
        'taskStatusText', ts.name, 'integrationStatusText', ist.name,
        'totalPages', t.total_pages, 'restartCount', t.restart_count,
        'preProcessingStartedOn',
        strftime('%Y-%m-%dT%H:%M:%SZ', t.pre_processing_started_on, 'unixepoch'))
    END AS object
FROM tasks t
JOIN task_statuses ts ON ts.code = t.task_status
JOIN integration_statuses ist ON ist.code = t.integration_status;

-- NULL only between a row's INSERT and its trigger, inside one statement.
ALTER TABLE tasks ADD COLUMN wire_json TEXT;

UPDATE tasks SET wire_json = (SELECT object FROM task_wire w WHERE w.task_id = tasks.task_id);

-- Loading a data set writes the object itself (serde's, the reference this view is tested
-- against), so the trigger runs only for an insert that leaves it NULL (Create Task).
CREATE TRIGGER tasks_wire_json_after_insert AFTER INSERT ON tasks
WHEN NEW.wire_json IS NULL
BEGIN
    UPDATE tasks SET wire_json = (SELECT object FROM task_wire WHERE task_id = NEW.task_id)
    WHERE task_id = NEW.task_id;
END;

-- Only the columns the object shows: the lifecycle's bookkeeping columns change often and
-- must not pay for it.
CREATE TRIGGER tasks_wire_json_after_update
AFTER UPDATE OF task_id, workspace_id, batch_id, task_number, external_id, display_name,
    description, created_on, task_status, integration_status, total_pages, restart_count,
    pre_processing_started_on
ON tasks
BEGIN
    UPDATE tasks SET wire_json = (SELECT object FROM task_wire WHERE task_id = NEW.task_id)
    WHERE task_id = NEW.task_id;
END;

-- A catalogue entry's name is part of every object with its code.
CREATE TRIGGER task_statuses_wire_json_after_update AFTER UPDATE OF name ON task_statuses
BEGIN
    UPDATE tasks SET wire_json = (SELECT object FROM task_wire w WHERE w.task_id = tasks.task_id)
    WHERE task_status = NEW.code;
END;

CREATE TRIGGER integration_statuses_wire_json_after_update
AFTER UPDATE OF name ON integration_statuses
BEGIN
    UPDATE tasks SET wire_json = (SELECT object FROM task_wire w WHERE w.task_id = tasks.task_id)
    WHERE integration_status = NEW.code;
END;
