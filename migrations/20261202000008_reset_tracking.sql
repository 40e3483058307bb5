-- What has changed since the start-up data set was loaded or POST /_emulator/reset last
-- restored it, so that a reset rewrites only that. A full rewrite of the demo data held the
-- single writer for ~100 ms (every write behind it waited), and it grew with the data set;
-- a reset now costs what the test before it changed.
--
-- Tasks by id: inserted, updated or deleted. The smaller tables a data set fills are
-- named as a whole (both catalogues as 'catalogues'), and rewritten whole when anything in
-- them changed. The name 'everything' asks for a full rewrite: a seed that replaced the
-- data set, or a database file that already held data at start-up. While it is there, tasks
-- are not recorded one by one (loading a data set would otherwise record every task only to
-- forget them all).
CREATE TABLE reset_changed_tasks (task_id INTEGER PRIMARY KEY);
CREATE TABLE reset_changed_tables (name TEXT PRIMARY KEY) WITHOUT ROWID;

CREATE TRIGGER tasks_reset_after_insert AFTER INSERT ON tasks
WHEN NOT EXISTS (SELECT 1 FROM reset_changed_tables WHERE name = 'everything')
BEGIN
    INSERT OR IGNORE INTO reset_changed_tasks (task_id) VALUES (NEW.task_id);
END;

CREATE TRIGGER tasks_reset_after_update AFTER UPDATE ON tasks
WHEN NOT EXISTS (SELECT 1 FROM reset_changed_tables WHERE name = 'everything')
BEGIN
    INSERT OR IGNORE INTO reset_changed_tasks (task_id) VALUES (OLD.task_id);
END;

CREATE TRIGGER tasks_reset_after_delete AFTER DELETE ON tasks
WHEN NOT EXISTS (SELECT 1 FROM reset_changed_tables WHERE name = 'everything')
BEGIN
    INSERT OR IGNORE INTO reset_changed_tasks (task_id) VALUES (OLD.task_id);
END;

CREATE TRIGGER organizations_reset_after_insert AFTER INSERT ON organizations
BEGIN INSERT OR IGNORE INTO reset_changed_tables (name) VALUES ('organizations'); END;
CREATE TRIGGER organizations_reset_after_update AFTER UPDATE ON organizations
BEGIN INSERT OR IGNORE INTO reset_changed_tables (name) VALUES ('organizations'); END;
CREATE TRIGGER organizations_reset_after_delete AFTER DELETE ON organizations
BEGIN INSERT OR IGNORE INTO reset_changed_tables (name) VALUES ('organizations'); END;

CREATE TRIGGER workspaces_reset_after_insert AFTER INSERT ON workspaces
BEGIN INSERT OR IGNORE INTO reset_changed_tables (name) VALUES ('workspaces'); END;
CREATE TRIGGER workspaces_reset_after_update AFTER UPDATE ON workspaces
BEGIN INSERT OR IGNORE INTO reset_changed_tables (name) VALUES ('workspaces'); END;
CREATE TRIGGER workspaces_reset_after_delete AFTER DELETE ON workspaces
BEGIN INSERT OR IGNORE INTO reset_changed_tables (name) VALUES ('workspaces'); END;

CREATE TRIGGER batches_reset_after_insert AFTER INSERT ON batches
BEGIN INSERT OR IGNORE INTO reset_changed_tables (name) VALUES ('batches'); END;
CREATE TRIGGER batches_reset_after_update AFTER UPDATE ON batches
BEGIN INSERT OR IGNORE INTO reset_changed_tables (name) VALUES ('batches'); END;
CREATE TRIGGER batches_reset_after_delete AFTER DELETE ON batches
BEGIN INSERT OR IGNORE INTO reset_changed_tables (name) VALUES ('batches'); END;

CREATE TRIGGER task_statuses_reset_after_insert AFTER INSERT ON task_statuses
BEGIN INSERT OR IGNORE INTO reset_changed_tables (name) VALUES ('catalogues'); END;
CREATE TRIGGER task_statuses_reset_after_update AFTER UPDATE ON task_statuses
BEGIN INSERT OR IGNORE INTO reset_changed_tables (name) VALUES ('catalogues'); END;
CREATE TRIGGER task_statuses_reset_after_delete AFTER DELETE ON task_statuses
BEGIN INSERT OR IGNORE INTO reset_changed_tables (name) VALUES ('catalogues'); END;

CREATE TRIGGER integration_statuses_reset_after_insert AFTER INSERT ON integration_statuses
BEGIN INSERT OR IGNORE INTO reset_changed_tables (name) VALUES ('catalogues'); END;
CREATE TRIGGER integration_statuses_reset_after_update AFTER UPDATE ON integration_statuses
BEGIN INSERT OR IGNORE INTO reset_changed_tables (name) VALUES ('catalogues'); END;
CREATE TRIGGER integration_statuses_reset_after_delete AFTER DELETE ON integration_statuses
BEGIN INSERT OR IGNORE INTO reset_changed_tables (name) VALUES ('catalogues'); END;

-- A database that already holds data when this migration runs: its contents are not known
-- to match any start-up data set.
INSERT INTO reset_changed_tables (name)
SELECT 'everything' WHERE EXISTS (SELECT 1 FROM organizations);
