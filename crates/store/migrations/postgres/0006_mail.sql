-- Mail in (issue 9). Reply addresses: every mail to a reporter carries
-- `security+<secret>@…`; the secret is a capability like the tracking link, kept only
-- as its SHA-256, naming its case.
CREATE TABLE reply_secrets (
    secret_hash  BYTEA   NOT NULL PRIMARY KEY,
    case_id      TEXT    NOT NULL REFERENCES cases (id),
    created_at   BIGINT  NOT NULL
);
CREATE INDEX reply_secrets_case ON reply_secrets (case_id);
-- Mail that must not become a case by itself but must not be lost either: held for
-- the security team, who release it as a case or delete it with a reason. `project`
-- is NULL when no project could be told from the mail (instance admins review it).
-- A deleted message keeps its row (who, when, why) but not its bytes.
CREATE TABLE quarantine (
    id           BIGSERIAL PRIMARY KEY,
    project      TEXT    REFERENCES projects (slug),
    received_at  BIGINT  NOT NULL,
    reason       TEXT    NOT NULL,
    sender       TEXT,
    subject      TEXT,
    size         BIGINT  NOT NULL,
    raw          BYTEA,
    state        TEXT    NOT NULL,
    resolved_at  BIGINT,
    resolved_by  BIGINT  REFERENCES users (id),
    note         TEXT,
    case_id      TEXT    REFERENCES cases (id)
);
CREATE INDEX quarantine_project ON quarantine (project, id);
-- "Lost your tracking link?" finds a reporter's cases by address (lower case).
ALTER TABLE cases ADD COLUMN reporter_email TEXT;
CREATE INDEX cases_reporter_email ON cases (reporter_email);
UPDATE cases SET reporter_email = lower(state::jsonb #>> '{report,reporter,email}');
