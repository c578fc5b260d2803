-- Embargo's foundation schema (SQLite). Keep in step with ../postgres: a test compares them.
-- Times are UTC microseconds since the Unix epoch.

CREATE TABLE projects (
    slug        TEXT    NOT NULL PRIMARY KEY,
    name        TEXT    NOT NULL,
    version     INTEGER NOT NULL,
    created_at  INTEGER NOT NULL,
    state       TEXT    NOT NULL
);

CREATE TABLE users (
    id              INTEGER NOT NULL PRIMARY KEY,
    email           TEXT    NOT NULL UNIQUE,
    name            TEXT    NOT NULL,
    instance_admin  BOOLEAN NOT NULL,
    password_hash   TEXT,
    created_at      INTEGER NOT NULL
);

CREATE TABLE memberships (
    project  TEXT    NOT NULL REFERENCES projects (slug),
    user_id  INTEGER NOT NULL REFERENCES users (id),
    role     TEXT    NOT NULL,
    PRIMARY KEY (project, user_id)
);
CREATE INDEX memberships_user ON memberships (user_id);

CREATE TABLE api_tokens (
    id            INTEGER NOT NULL PRIMARY KEY,
    user_id       INTEGER NOT NULL REFERENCES users (id),
    name          TEXT    NOT NULL,
    token_hash    BLOB    NOT NULL UNIQUE,
    created_at    INTEGER NOT NULL,
    last_used_at  INTEGER,
    revoked_at    INTEGER
);

CREATE TABLE sessions (
    token_hash  BLOB    NOT NULL PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users (id),
    csrf_token  TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL
);

CREATE TABLE setup_tokens (
    token_hash  BLOB    NOT NULL PRIMARY KEY,
    expires_at  INTEGER NOT NULL
);

-- One-time links to set a password (invitations, resets).
CREATE TABLE password_tokens (
    token_hash  BLOB    NOT NULL PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users (id),
    expires_at  INTEGER NOT NULL
);

CREATE TABLE cases (
    id                   TEXT    NOT NULL PRIMARY KEY,
    project              TEXT    NOT NULL REFERENCES projects (slug),
    stage                TEXT    NOT NULL,
    title                TEXT    NOT NULL,
    version              INTEGER NOT NULL,
    received_at          INTEGER NOT NULL,
    updated_at           INTEGER NOT NULL,
    tracking_token_hash  BLOB    NOT NULL UNIQUE,
    state                TEXT    NOT NULL
);
CREATE INDEX cases_project_stage ON cases (project, stage, received_at);

-- Who works on a case (coordinator, collaborators): the `Involved` listing scope.
CREATE TABLE case_people (
    case_id   TEXT    NOT NULL REFERENCES cases (id),
    user_id   INTEGER NOT NULL,
    relation  TEXT    NOT NULL,
    PRIMARY KEY (case_id, user_id, relation)
);
CREATE INDEX case_people_user ON case_people (user_id);

-- Every change, append-only, hash-chained per stream ("case:ID", "project:SLUG", "accounts").
CREATE TABLE events (
    stream     TEXT    NOT NULL,
    seq        INTEGER NOT NULL,
    kind       TEXT    NOT NULL,
    at         INTEGER NOT NULL,
    body       TEXT    NOT NULL,
    prev_hash  BLOB,
    hash       BLOB    NOT NULL,
    PRIMARY KEY (stream, seq)
);

CREATE TABLE attachments (
    id       TEXT    NOT NULL PRIMARY KEY,
    case_id  TEXT    NOT NULL REFERENCES cases (id),
    size     INTEGER NOT NULL,
    sha256   TEXT    NOT NULL,
    content  BLOB    NOT NULL
);
CREATE INDEX attachments_case ON attachments (case_id);
