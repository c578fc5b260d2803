-- Files at rest (issue 11, item 3, in part): each project's data key, kept only wrapped
-- under the master key named by `master` (a key file outside the database), and which
-- attachments are sealed with it (those stored before stay as they were).
CREATE TABLE data_keys (
    project  TEXT  NOT NULL PRIMARY KEY,
    master   TEXT  NOT NULL,
    wrapped  BYTEA NOT NULL
);
ALTER TABLE attachments ADD COLUMN sealed BOOLEAN NOT NULL DEFAULT FALSE;
