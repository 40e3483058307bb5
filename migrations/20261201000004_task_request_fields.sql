-- The parts of a CreateTaskRequest that sdemu keeps but never interprets, stored as JSON text
-- so that a later export endpoint can return them: the review assignment and the custom form
-- values. NULL for fixture tasks and for requests that omit them.
ALTER TABLE tasks ADD COLUMN task_assignment TEXT;
ALTER TABLE tasks ADD COLUMN custom_form_values TEXT;
