-- One Intercom workspace paired with one Salesforce org. Every later table is keyed by installation.
-- Timestamps are unix milliseconds (UTC) so both databases compare them the same way.
-- Secret columns hold XChaCha20-Poly1305 ciphertexts (nonce || sealed), never plaintext.
CREATE TABLE installations (
    id                          TEXT PRIMARY KEY,
    name                        TEXT NOT NULL,
    created_at                  INTEGER NOT NULL,
    updated_at                  INTEGER NOT NULL,

    salesforce_environment      TEXT NOT NULL CHECK (salesforce_environment IN ('production', 'sandbox')),
    salesforce_login_url        TEXT NOT NULL,
    salesforce_instance_url     TEXT,
    salesforce_org_id           TEXT,
    salesforce_user_id          TEXT,
    salesforce_client_id        TEXT,
    salesforce_client_secret    BLOB,
    salesforce_access_token     BLOB,
    salesforce_refresh_token    BLOB,
    salesforce_state            TEXT NOT NULL DEFAULT 'not_connected'
                                CHECK (salesforce_state IN ('not_connected', 'connected', 'error')),
    salesforce_last_contact_at  INTEGER,
    salesforce_last_error       TEXT,

    intercom_workspace_id       TEXT,
    intercom_api_base_url       TEXT NOT NULL,
    intercom_access_token       BLOB,
    intercom_client_secret      BLOB,
    intercom_state              TEXT NOT NULL DEFAULT 'not_connected'
                                CHECK (intercom_state IN ('not_connected', 'connected', 'error')),
    intercom_last_contact_at    INTEGER,
    intercom_last_error         TEXT
);

-- The durable job queue. A finished job is deleted; a job that failed too often is parked for a person.
CREATE TABLE jobs (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    installation_id  TEXT NOT NULL REFERENCES installations (id) ON DELETE CASCADE,
    kind             TEXT NOT NULL,
    payload          TEXT NOT NULL,
    dedup_key        TEXT,
    state            TEXT NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'running', 'parked')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    max_attempts     INTEGER NOT NULL,
    run_at           INTEGER NOT NULL,
    lease_owner      TEXT,
    lease_until      INTEGER,
    last_error       TEXT,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL
);

-- At most one waiting job per dedup key: a second enqueue of the same work is absorbed.
CREATE UNIQUE INDEX jobs_dedup_waiting ON jobs (installation_id, kind, dedup_key)
    WHERE dedup_key IS NOT NULL AND state = 'queued';
CREATE INDEX jobs_due ON jobs (state, run_at, id);
