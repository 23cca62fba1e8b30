-- When the job behind a ledger row was queued: the sync-health page's delay percentiles.
ALTER TABLE sync_ledger ADD COLUMN queued_at INTEGER;
-- The counters and the time filter read an installation's rows since a moment.
CREATE INDEX sync_ledger_installation_at ON sync_ledger (installation_id, at);
