-- A reminder step asks whether a later step of its obligation is also due
-- (`later_reminders_due`): the obligation's index gains the step order, as
-- on SQLite (where the planner otherwise read every step of a burst due at
-- one instant through jobs_scheduled).
DROP INDEX jobs_obligation;
CREATE INDEX jobs_obligation ON jobs (obligation_id, state, step_order);
