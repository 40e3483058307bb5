-- Demo mode's generator (--demo), kept with the data so that one transaction creates the
-- demo tasks that fall due and moves the generator on: a reader sees both or neither.
-- `last_slot_at` is the time (Unix seconds, by the emulator's clock) of the last slot it
-- filled, or when it started; `counter` is how many slots it has counted, the index every
-- draw of a demo task is made from. `batch_id` and `batch_cycle` are the batch its current
-- run of tasks goes into, if any (not a foreign key: a seed may remove the batch, and the
-- generator then opens a new one). One row at most.
CREATE TABLE demo_generator (
    id           INTEGER PRIMARY KEY CHECK (id = 1),
    last_slot_at INTEGER NOT NULL,
    counter      INTEGER NOT NULL,
    batch_id     INTEGER,
    batch_cycle  INTEGER
);
