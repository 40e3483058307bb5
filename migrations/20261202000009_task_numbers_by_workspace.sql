-- Create Task numbers a new task one past its workspace's highest `taskNumber`. Without an
-- index that was a scan of every task on each create (1.1 ms of the 1.2 ms a create's INSERT
-- took with the demo data, and growing with the data set), made while holding the single
-- writer; with it, one index probe.
CREATE INDEX tasks_by_workspace_number ON tasks (workspace_id, task_number);
