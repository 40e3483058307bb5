-- The Task Status List reads one index range per workspace and status a request names
-- (store::tasks::push_ordered merges them in order), so that a list filtered on both reads
-- only the tasks it answers with, however many tasks the organization holds. Without it,
-- such a range was the workspace's whole date range, with the statuses checked row by row.
CREATE INDEX tasks_by_tenant_workspace_status ON tasks (tenant_id, workspace_id, task_status, created_on);
