-- Listings filtered and paged in SQL (keyset on an immutable sort key), and the version
-- of the projections' shape. Keep in step with ../postgres: a test compares them.

-- When the case was disclosed: the advisories listing's sort key. Filled by reprojecting
-- the cases from their events, which opening the store does because the version below
-- starts at 0 (no row).
ALTER TABLE cases ADD COLUMN disclosed_at INTEGER;

CREATE INDEX cases_listing ON cases (project, received_at, id);
CREATE INDEX cases_queue ON cases (stage, received_at, id);
CREATE INDEX cases_public ON cases (project, disclosed_at, id);
CREATE INDEX case_people_user_case ON case_people (user_id, case_id);

-- `projection_version`: the `embargo_core::PROJECTION_VERSION` the projections were built
-- with; opening the store with another rebuilds them from the events.
CREATE TABLE store_meta (
    name   TEXT    NOT NULL PRIMARY KEY,
    value  INTEGER NOT NULL
);
