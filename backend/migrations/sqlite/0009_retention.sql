-- Retention: old ledger rows and webhook receipts are deleted in batches by time, which these
-- indexes make cheap on both databases.
CREATE INDEX sync_ledger_at ON sync_ledger (at);
CREATE INDEX webhook_receipts_received ON webhook_receipts (received_at);
