-- Where each installation's Salesforce change feed stands: the last replay id of the stream and
-- the reconciling sweep's cursors (JSON), so a restart resumes instead of starting over.
CREATE TABLE salesforce_cursors (
    installation_id  TEXT PRIMARY KEY REFERENCES installations (id) ON DELETE CASCADE,
    replay_id        BIGINT,
    sweep            TEXT,
    swept_at         BIGINT,
    updated_at       BIGINT NOT NULL
);
