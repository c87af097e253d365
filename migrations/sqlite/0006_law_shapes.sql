-- The law as it is written (docs/deadlines.md): an obligation's kind of
-- deadline, whether a law-enforcement delay holds it, and the secondary
-- rolled date; an incident's facts beyond its clock events (counts of
-- affected residents and enrollment, a delay's agency and whether the
-- request was written, whether it was filed as a historical record).
ALTER TABLE obligations ADD COLUMN due_kind TEXT NOT NULL DEFAULT 'fixed';
ALTER TABLE obligations ADD COLUMN on_hold INTEGER NOT NULL DEFAULT 0;
ALTER TABLE obligations ADD COLUMN rolled_due_at TEXT;
ALTER TABLE incidents ADD COLUMN facts TEXT NOT NULL DEFAULT '{}';
