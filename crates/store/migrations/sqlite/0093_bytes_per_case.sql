-- Bytes per case (issue 13, item 3): the search index keeps no copy of what it indexes.
-- With keys the indexed text is keyed tokens that nobody reads back, and without keys
-- the case's own row holds the words, so FTS5's copy of them (`case_search_content`,
-- 769 bytes a case at 20,000 seeded cases, more than the events) bought nothing.
--
-- A contentless table (`content = ''`) that can still delete its rows
-- (`contentless_delete = 1`, SQLite 3.43) answers with row numbers only, so
-- `case_search_rows` says which case each number is: a row for every case, made by the
-- trigger below as the case is stored. It names no foreign key and a case stored again
-- keeps its number: `reproject` puts back a case row that was lost, and its index row
-- is then found and replaced. Its number is an INTEGER PRIMARY KEY because
-- VACUUM may renumber a table's implicit rowids. Searches are words ANDed, never
-- phrases, so the index keeps which column a word is in but not where (`detail =
-- column`). (It keeps each row's length: `columnsize = 0` cannot go with
-- `contentless_delete`.)
--
-- The public listing reads disclosed cases only, so its index holds only those. No
-- statement finds outbox jobs by their subject (a project's job is found by its id and
-- the project's cases by theirs), so that index goes.
--
-- Reprojecting (PROJECTION_VERSION 16) refills the index. Keep in step with ../postgres,
-- whose search index is a tsvector beside the case id and does not change.
DROP TABLE case_search;

CREATE TABLE case_search_rows (
    row     INTEGER PRIMARY KEY,
    case_id TEXT    NOT NULL UNIQUE
);

INSERT INTO case_search_rows (case_id) SELECT id FROM cases ORDER BY received_at, id;

CREATE TRIGGER cases_search_row AFTER INSERT ON cases
BEGIN
    INSERT OR IGNORE INTO case_search_rows (case_id) VALUES (NEW.id);
END;

CREATE VIRTUAL TABLE case_search USING fts5 (
    body,
    content = '',
    contentless_delete = 1,
    detail = column,
    tokenize = 'unicode61 remove_diacritics 2'
);

DROP INDEX cases_public;
CREATE INDEX cases_public ON cases (project, disclosed_at, id) WHERE disclosed_at IS NOT NULL;

DROP INDEX outbox_subject;
