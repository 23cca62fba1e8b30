-- Per-installation settings: one JSON document per kind (identity, mappings, cases..), checked by
-- the shared rules before it is saved.
CREATE TABLE settings (
    installation_id  TEXT NOT NULL REFERENCES installations (id) ON DELETE CASCADE,
    kind             TEXT NOT NULL,
    body             TEXT NOT NULL,
    updated_at       BIGINT NOT NULL,
    PRIMARY KEY (installation_id, kind)
);

-- Identity links, one-to-one: an Intercom contact and the Salesforce Contact or Lead it is.
CREATE TABLE person_links (
    installation_id      TEXT NOT NULL REFERENCES installations (id) ON DELETE CASCADE,
    intercom_contact_id  TEXT NOT NULL,
    salesforce_object    TEXT NOT NULL CHECK (salesforce_object IN ('Contact', 'Lead')),
    salesforce_id        TEXT NOT NULL,
    linked_at            BIGINT NOT NULL,
    PRIMARY KEY (installation_id, intercom_contact_id),
    UNIQUE (installation_id, salesforce_id)
);

-- OAuth web-server flows in flight: the state sent to Salesforce, and the PKCE verifier (sealed).
CREATE TABLE oauth_flows (
    state            TEXT PRIMARY KEY,
    installation_id  TEXT NOT NULL REFERENCES installations (id) ON DELETE CASCADE,
    code_verifier    BYTEA NOT NULL,
    redirect_uri     TEXT NOT NULL,
    created_at       BIGINT NOT NULL
);
