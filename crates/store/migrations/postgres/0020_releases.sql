-- Releases shared by several cases (the `release:<id>` streams) and which case is in
-- which. Keep in step with ../sqlite: a test compares them.

CREATE TABLE releases (
    id          TEXT    NOT NULL PRIMARY KEY,
    project     TEXT    NOT NULL REFERENCES projects (slug),
    name        TEXT    NOT NULL,
    version     BIGINT  NOT NULL,
    created_at  BIGINT  NOT NULL,
    updated_at  BIGINT  NOT NULL,
    state       TEXT    NOT NULL
);
CREATE INDEX releases_project ON releases (project, created_at, id);

-- A case is in at most one release at a time.
CREATE TABLE release_cases (
    case_id     TEXT    NOT NULL PRIMARY KEY REFERENCES cases (id),
    release_id  TEXT    NOT NULL REFERENCES releases (id)
);
CREATE INDEX release_cases_release ON release_cases (release_id);
