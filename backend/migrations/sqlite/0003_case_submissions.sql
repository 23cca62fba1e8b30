-- Cases filed from the inbox, one row per form instance: the id is claimed here before
-- Salesforce is called, so a double click, a retry or a reload files one case.
-- state: 'filing' (claimed, the create is under way), 'filed' (outcome holds the answer as JSON),
-- 'unknown' (Salesforce's answer was lost: the case may exist, so the form is never sent again).
-- A definite refusal deletes the row, so the corrected form can be sent under the same id.
CREATE TABLE case_submissions (
    installation_id   TEXT NOT NULL REFERENCES installations (id) ON DELETE CASCADE,
    form_instance_id  TEXT NOT NULL,
    conversation_id   TEXT NOT NULL,
    state             TEXT NOT NULL CHECK (state IN ('filing', 'filed', 'unknown')),
    outcome           TEXT,
    claimed_at        INTEGER NOT NULL,
    finished_at       INTEGER,
    PRIMARY KEY (installation_id, form_instance_id)
);
