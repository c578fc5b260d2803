-- Kept in step with ../sqlite/0093: there, the FTS5 search index stops keeping a copy
-- of the text it indexes. PostgreSQL's tsvector index never kept one: nothing changes.
SELECT 1;
