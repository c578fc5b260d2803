-- Embargo's foundation schema (PostgreSQL). Keep in step with ../sqlite: a test compares them.
-- Times are UTC microseconds since the Unix epoch.

CREATE TABLE projects (
    slug        TEXT    NOT NULL PRIMARY KEY,
    name        TEXT    NOT NULL,
    version     BIGINT  NOT NULL,
    created_at  BIGINT  NOT NULL,
    state       TEXT    NOT NULL
);

CREATE TABLE users (
    id              BIGINT  NOT NULL PRIMARY KEY,
    email           TEXT    NOT NULL UNIQUE,
    name            TEXT    NOT NULL,
    instance_admin  BOOLEAN NOT NULL,
    password_hash   TEXT,
    created_at      BIGINT  NOT NULL
);

CREATE TABLE memberships (
    project  TEXT    NOT NULL REFERENCES projects (slug),
    user_id  BIGINT  NOT NULL REFERENCES users (id),
    role     TEXT    NOT NULL,
    PRIMARY KEY (project, user_id)
);
CREATE INDEX memberships_user ON memberships (user_id);

CREATE TABLE api_tokens (
    id            BIGINT  NOT NULL PRIMARY KEY,
    user_id       BIGINT  NOT NULL REFERENCES users (id),
    name          TEXT    NOT NULL,
    token_hash    BYTEA   NOT NULL UNIQUE,
    created_at    BIGINT  NOT NULL,
    last_used_at  BIGINT,
    revoked_at    BIGINT
);

CREATE TABLE sessions (
    token_hash  BYTEA   NOT NULL PRIMARY KEY,
    user_id     BIGINT  NOT NULL REFERENCES users (id),
    csrf_token  TEXT    NOT NULL,
    created_at  BIGINT  NOT NULL,
    expires_at  BIGINT  NOT NULL
);

CREATE TABLE setup_tokens (
    token_hash  BYTEA   NOT NULL PRIMARY KEY,
    expires_at  BIGINT  NOT NULL
);

-- One-time links to set a password (invitations, resets).
CREATE TABLE password_tokens (
    token_hash  BYTEA   NOT NULL PRIMARY KEY,
    user_id     BIGINT  NOT NULL REFERENCES users (id),
    expires_at  BIGINT  NOT NULL
);

CREATE TABLE cases (
    id                   TEXT    NOT NULL PRIMARY KEY,
    project              TEXT    NOT NULL REFERENCES projects (slug),
    stage                TEXT    NOT NULL,
    title                TEXT    NOT NULL,
    version              BIGINT  NOT NULL,
    received_at          BIGINT  NOT NULL,
    updated_at           BIGINT  NOT NULL,
    tracking_token_hash  BYTEA   NOT NULL UNIQUE,
    state                TEXT    NOT NULL
);
CREATE INDEX cases_project_stage ON cases (project, stage, received_at);

-- Who works on a case (coordinator, collaborators): the `Involved` listing scope.
CREATE TABLE case_people (
    case_id   TEXT    NOT NULL REFERENCES cases (id),
    user_id   BIGINT  NOT NULL,
    relation  TEXT    NOT NULL,
    PRIMARY KEY (case_id, user_id, relation)
);
CREATE INDEX case_people_user ON case_people (user_id);

-- Every change, append-only, hash-chained per stream ("case:ID", "project:SLUG", "accounts").
CREATE TABLE events (
    stream     TEXT    NOT NULL,
    seq        BIGINT  NOT NULL,
    kind       TEXT    NOT NULL,
    at         BIGINT  NOT NULL,
    body       TEXT    NOT NULL,
    prev_hash  BYTEA,
    hash       BYTEA   NOT NULL,
    PRIMARY KEY (stream, seq)
);

CREATE TABLE attachments (
    id       TEXT    NOT NULL PRIMARY KEY,
    case_id  TEXT    NOT NULL REFERENCES cases (id),
    size     BIGINT  NOT NULL,
    sha256   TEXT    NOT NULL,
    content  BYTEA   NOT NULL
);
CREATE INDEX attachments_case ON attachments (case_id);
