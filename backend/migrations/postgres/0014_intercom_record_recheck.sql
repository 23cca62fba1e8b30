-- Intercom's updated_at counts seconds: two states of a record in one second tie. A
-- notification tying the stored state with another body is not dropped as old: the record is
-- marked, and its job reads Intercom's current state before syncing (either delivery may be
-- the older one).
ALTER TABLE intercom_records ADD COLUMN recheck BOOLEAN NOT NULL DEFAULT FALSE;
