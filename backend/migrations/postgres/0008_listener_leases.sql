-- Which process listens to each installation's Salesforce org: one listener across all
-- processes. A holder renews its lease while it lives; when it stops renewing, another process
-- takes over once `expires_at` has passed and resumes from the stored cursors.
CREATE TABLE listener_leases (
    installation_id  TEXT PRIMARY KEY REFERENCES installations (id) ON DELETE CASCADE,
    holder           TEXT NOT NULL,
    expires_at       BIGINT NOT NULL,
    taken_at         BIGINT NOT NULL
);
