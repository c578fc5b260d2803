-- The queue and the case lists (issue 12 item 3): what changed, who waits on whom, the
-- filters and the search. Keep in step with ../postgres: a test compares them (the search
-- index, FTS5 here and a tsvector there, is the one deliberate difference).

-- Listing columns drawn from the case's fold; reprojecting (PROJECTION_VERSION 12) fills
-- them for existing cases.
ALTER TABLE cases ADD COLUMN activity_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE cases ADD COLUMN activity_seq INTEGER NOT NULL DEFAULT 0;
ALTER TABLE cases ADD COLUMN activity_by INTEGER;
ALTER TABLE cases ADD COLUMN waiting_on TEXT;
ALTER TABLE cases ADD COLUMN component TEXT;
ALTER TABLE cases ADD COLUMN severity TEXT;
ALTER TABLE cases ADD COLUMN track TEXT;

CREATE INDEX cases_activity ON cases (project, activity_at, id);

-- How far each member has read each case: the `seq` of the newest event their case page
-- showed. Not an event: reading changes nothing about the case.
CREATE TABLE case_reads (
    user_id  INTEGER NOT NULL,
    case_id  TEXT    NOT NULL REFERENCES cases (id),
    seq      INTEGER NOT NULL,
    PRIMARY KEY (user_id, case_id)
);

-- Full-text search over title, description and advisory summary. `case_id` is indexed
-- too, so a row is found (and replaced) through the index, not by a scan.
CREATE VIRTUAL TABLE case_search USING fts5 (
    case_id,
    body,
    tokenize = 'unicode61 remove_diacritics 2'
);
