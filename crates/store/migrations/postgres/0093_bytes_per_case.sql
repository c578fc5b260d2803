-- Kept in step with ../sqlite/0093: there, the FTS5 search index stops keeping a copy
-- of the text it indexes (PostgreSQL's tsvector index never kept one; its tsvectors
-- are now stored without positions, which needs no change here).
--
-- The public listing reads disclosed cases only, so its index holds only those. No
-- statement finds outbox jobs by their subject (a project's job is found by its id and
-- the project's cases by theirs), so that index goes.
DROP INDEX cases_public;
CREATE INDEX cases_public ON cases (project, disclosed_at, id) WHERE disclosed_at IS NOT NULL;

DROP INDEX outbox_subject;
