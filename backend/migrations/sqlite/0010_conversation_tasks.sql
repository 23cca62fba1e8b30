-- Conversations as Salesforce Tasks: each conversation's Task, once Salesforce answered its
-- create, and whether a create was sent (its answer may have been lost: the Task is then
-- looked up by its Subject before another create). who_id and what_id are the person and
-- account the Task was last written with.
CREATE TABLE conversation_tasks (
    installation_id  TEXT NOT NULL REFERENCES installations (id) ON DELETE CASCADE,
    conversation_id  TEXT NOT NULL,
    task_id          TEXT,
    who_id           TEXT,
    what_id          TEXT,
    create_sent_at   INTEGER,
    updated_at       INTEGER NOT NULL,
    PRIMARY KEY (installation_id, conversation_id)
);
