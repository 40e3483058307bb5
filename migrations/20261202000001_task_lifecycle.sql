-- The processing lifecycle. A task with a pending step has `next_step_at` (Unix seconds, by
-- the emulator's clock) and `next_status`; `planned_outcome` is the status its current
-- pre-processing run ends in (34, or a failure 32/33/35), drawn from --seed when the run
-- starts. Tasks loaded from fixtures keep their status and have no pending step.
ALTER TABLE tasks ADD COLUMN next_status INTEGER;
ALTER TABLE tasks ADD COLUMN next_step_at INTEGER;
ALTER TABLE tasks ADD COLUMN planned_outcome INTEGER;

-- Only tasks with a pending step are indexed: finding what is due is one index probe.
CREATE INDEX tasks_by_next_step ON tasks (next_step_at, task_id) WHERE next_step_at IS NOT NULL;

-- Every status change sdemu makes to a task (created, reprocessed, a lifecycle step, forced
-- or reviewed through the control plane), for GET /_emulator/tasks/{taskId}.
CREATE TABLE task_transitions (
    transition_id INTEGER PRIMARY KEY,
    task_id       INTEGER NOT NULL REFERENCES tasks (task_id) ON DELETE CASCADE,
    at            INTEGER NOT NULL,
    from_status   INTEGER,
    to_status     INTEGER NOT NULL,
    cause         TEXT    NOT NULL
);
CREATE INDEX task_transitions_by_task ON task_transitions (task_id, transition_id);
