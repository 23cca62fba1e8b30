-- Who may use the pages and the API. Tokens people hold (setup links, sessions, sign-in links)
-- are stored only as their SHA-256, so a copy of the database signs nobody in.

-- The one-time setup link `serve` prints while no installation exists. Not keyed by
-- installation: it exists before there is one.
CREATE TABLE setup_tokens (
    token_hash  TEXT PRIMARY KEY,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL
);

-- The installation's admins, by Intercom admin id; every other teammate of the workspace is a
-- teammate. `granted_by` is NULL for the installing teammate.
CREATE TABLE installation_admins (
    installation_id    TEXT NOT NULL REFERENCES installations (id) ON DELETE CASCADE,
    intercom_admin_id  TEXT NOT NULL,
    granted_by         TEXT,
    granted_at         BIGINT NOT NULL,
    PRIMARY KEY (installation_id, intercom_admin_id)
);

-- Signed-in browsers: the cookie's token hashed, the teammate, idle (last_seen_at) and absolute
-- (expires_at) expiry. The role is read from installation_admins on each request, so a revoked
-- admin loses it at once.
CREATE TABLE sessions (
    token_hash         TEXT PRIMARY KEY,
    installation_id    TEXT NOT NULL REFERENCES installations (id) ON DELETE CASCADE,
    intercom_admin_id  TEXT NOT NULL,
    name               TEXT NOT NULL,
    email              TEXT,
    created_at         BIGINT NOT NULL,
    last_seen_at       BIGINT NOT NULL,
    expires_at         BIGINT NOT NULL
);
CREATE INDEX sessions_expiry ON sessions (expires_at);
CREATE INDEX sessions_teammate ON sessions (installation_id, intercom_admin_id);

-- One-time sign-in links an admin made for a teammate: single use, until expires_at.
CREATE TABLE sign_in_links (
    token_hash         TEXT PRIMARY KEY,
    installation_id    TEXT NOT NULL REFERENCES installations (id) ON DELETE CASCADE,
    intercom_admin_id  TEXT NOT NULL,
    created_by         TEXT NOT NULL,
    created_at         BIGINT NOT NULL,
    expires_at         BIGINT NOT NULL
);

-- Intercom OAuth flows in flight (setup, signing in, adding or reconnecting a workspace). The
-- browser that started one holds a cookie whose hash is `binding_hash`: only it can finish it.
CREATE TABLE intercom_flows (
    state              TEXT PRIMARY KEY,
    purpose            TEXT NOT NULL CHECK (purpose IN ('setup', 'sign_in', 'add_installation', 'reconnect')),
    installation_id    TEXT REFERENCES installations (id) ON DELETE CASCADE,
    setup_token_hash   TEXT,
    started_by         TEXT,
    binding_hash       TEXT NOT NULL,
    next_path          TEXT,
    created_at         BIGINT NOT NULL
);

-- What admins did (connect, reconnect, switch, settings saved, roles, sign-in links), newest last.
CREATE TABLE audit_log (
    id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    installation_id  TEXT NOT NULL REFERENCES installations (id) ON DELETE CASCADE,
    at               BIGINT NOT NULL,
    actor_id         TEXT NOT NULL,
    actor_name       TEXT NOT NULL,
    action           TEXT NOT NULL,
    detail           TEXT NOT NULL
);
CREATE INDEX audit_log_recent ON audit_log (installation_id, id);
