-- Intercom -> Salesforce sync: webhook receipts, the latest known state of each Intercom record
-- (the outbox the sync jobs read), company links and the sync ledger.

-- One row per webhook notification taken in: a repeated delivery (same id) finds its row and
-- changes nothing.
CREATE TABLE webhook_receipts (
    installation_id  TEXT NOT NULL REFERENCES installations (id) ON DELETE CASCADE,
    notification_id  TEXT NOT NULL,
    topic            TEXT NOT NULL,
    received_at      INTEGER NOT NULL,
    PRIMARY KEY (installation_id, notification_id)
);

-- The newest state Intercom told us of each person and company (our JSON, not Intercom's), kept
-- only while newer than what is stored, so late deliveries never overwrite newer data.
-- `synced_body` is the state last written to Salesforce: what changed since is what to sync.
CREATE TABLE intercom_records (
    installation_id  TEXT NOT NULL REFERENCES installations (id) ON DELETE CASCADE,
    model            TEXT NOT NULL CHECK (model IN ('person', 'company')),
    intercom_id      TEXT NOT NULL,
    updated_at       INTEGER NOT NULL,
    deleted          INTEGER NOT NULL DEFAULT 0,
    created          INTEGER NOT NULL DEFAULT 0,
    body             TEXT NOT NULL,
    synced_body      TEXT,
    received_at      INTEGER NOT NULL,
    PRIMARY KEY (installation_id, model, intercom_id)
);

-- Identity links, one-to-one: an Intercom company and the Salesforce Account it is.
CREATE TABLE company_links (
    installation_id      TEXT NOT NULL REFERENCES installations (id) ON DELETE CASCADE,
    intercom_company_id  TEXT NOT NULL,
    salesforce_id        TEXT NOT NULL,
    linked_at            INTEGER NOT NULL,
    PRIMARY KEY (installation_id, intercom_company_id),
    UNIQUE (installation_id, salesforce_id)
);

-- One row per record change the sync made or refused: Salesforce's or Intercom's error verbatim.
CREATE TABLE sync_ledger (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    installation_id  TEXT NOT NULL REFERENCES installations (id) ON DELETE CASCADE,
    at               INTEGER NOT NULL,
    direction        TEXT NOT NULL CHECK (direction IN ('to_salesforce', 'to_intercom')),
    object           TEXT NOT NULL,
    intercom_id      TEXT,
    salesforce_id    TEXT,
    fields           TEXT NOT NULL,
    outcome          TEXT NOT NULL,
    detail           TEXT,
    error_code       TEXT,
    error_message    TEXT
);
CREATE INDEX sync_ledger_recent ON sync_ledger (installation_id, id);
