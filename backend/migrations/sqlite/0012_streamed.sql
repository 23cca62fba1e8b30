-- What the change stream handed on, kept so the first sweep after a restart leaves it to the
-- stream instead of reading the recent past again: since when the stream has missed nothing
-- (up to the stored replay id, from which it resumes), and each record's latest change handed
-- on, for as long as a sweep may look back at it.
ALTER TABLE salesforce_cursors ADD COLUMN streamed_since INTEGER;
CREATE TABLE salesforce_streamed (
    installation_id  TEXT NOT NULL REFERENCES installations (id) ON DELETE CASCADE,
    record_id        TEXT NOT NULL,
    committed_at     INTEGER NOT NULL,
    PRIMARY KEY (installation_id, record_id)
);
CREATE INDEX salesforce_streamed_by_time ON salesforce_streamed (installation_id, committed_at);
