-- Intake queues a new case's jobs before it inserts the case, so that the case's row is
-- written once, naming its clock timer, instead of inserted and then updated (an update
-- writes the row again with an entry in each of the table's indexes: about a sixth of
-- PostgreSQL intake; docs/performance.md, "A case written once"). That transaction
-- defers the outbox's reference to the case to its commit
-- (`Dialect::DEFER_OUTBOX_CASE`); every other one still checks it at once. SQLite keeps
-- inserting and then updating: its deferred check would scan the outbox for each case,
-- and its update of a row just written is cheap. No change there.
ALTER TABLE outbox ALTER CONSTRAINT outbox_case_id_fkey DEFERRABLE INITIALLY IMMEDIATE;
