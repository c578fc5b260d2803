-- The queue and the case lists (issue 12 item 3): what changed, who waits on whom, the
-- filters and the search. Keep in step with ../sqlite: a test compares them (the search
-- index, a tsvector here and FTS5 there, is the one deliberate difference).

-- Listing columns drawn from the case's fold; reprojecting (PROJECTION_VERSION 12) fills
-- them for existing cases.
ALTER TABLE cases ADD COLUMN activity_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE cases ADD COLUMN activity_seq BIGINT NOT NULL DEFAULT 0;
ALTER TABLE cases ADD COLUMN activity_by BIGINT;
ALTER TABLE cases ADD COLUMN waiting_on TEXT;
ALTER TABLE cases ADD COLUMN component TEXT;
ALTER TABLE cases ADD COLUMN severity TEXT;
ALTER TABLE cases ADD COLUMN track TEXT;

CREATE INDEX cases_activity ON cases (project, activity_at, id);

-- How far each member has read each case: the `seq` of the newest event their case page
-- showed. Not an event: reading changes nothing about the case.
CREATE TABLE case_reads (
    user_id  BIGINT  NOT NULL,
    case_id  TEXT    NOT NULL REFERENCES cases (id),
    seq      BIGINT  NOT NULL,
    PRIMARY KEY (user_id, case_id)
);

-- Full-text search over title, description and advisory summary ('simple': no stemming,
-- as SQLite's unicode61, so both backends find the same cases).
CREATE TABLE case_search (
    case_id  TEXT     NOT NULL PRIMARY KEY,
    doc      TSVECTOR NOT NULL
);
CREATE INDEX case_search_doc ON case_search USING GIN (doc);
