-- The Intercom contact a conversation's Task was last written for, and whether its WhoId is a
-- Lead or a Contact: while the conversation's person is the same and unlinked, a close
-- rewrites the Task on that record without searching Salesforce again.
ALTER TABLE conversation_tasks ADD COLUMN contact_id TEXT;
ALTER TABLE conversation_tasks ADD COLUMN who_object TEXT;
