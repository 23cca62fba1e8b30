-- Installing from the pages: how the workspace was connected (a pasted private-app token or
-- the public app's OAuth), who installed it, one installation per workspace, and what a
-- Salesforce OAuth flow was started for.
ALTER TABLE installations ADD COLUMN intercom_connection TEXT NOT NULL DEFAULT 'token'
    CHECK (intercom_connection IN ('token', 'oauth'));
ALTER TABLE installations ADD COLUMN installer_admin_id TEXT;
CREATE UNIQUE INDEX installations_workspace ON installations (intercom_workspace_id);

-- The login host chosen (production, sandbox, My Domain) is kept only once the flow succeeds.
-- purpose: 'connect' (a first connection or a reconnect: the same org only), 'switch' (another
-- org, confirmed: links drop). The browser that started it holds the cookie hashed in binding_hash.
ALTER TABLE oauth_flows ADD COLUMN login_url TEXT;
ALTER TABLE oauth_flows ADD COLUMN environment TEXT;
ALTER TABLE oauth_flows ADD COLUMN purpose TEXT NOT NULL DEFAULT 'connect'
    CHECK (purpose IN ('connect', 'switch'));
ALTER TABLE oauth_flows ADD COLUMN binding_hash TEXT;
ALTER TABLE oauth_flows ADD COLUMN started_by TEXT;
ALTER TABLE oauth_flows ADD COLUMN next_path TEXT;
