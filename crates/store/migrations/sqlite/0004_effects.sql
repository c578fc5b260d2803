-- The outbox opens to every stream: a job names its subject (a case, a project or an
-- account; `case_id` only for cases, so that a case's jobs go with it), its effect kind
-- and payload (core::effect::Effect as JSON), when it is due, and the lease a worker
-- holds on it while working it. Timers are jobs too: "wake this subject at T" is a row
-- due at T.
--
-- SQLite cannot drop a NOT NULL in place, so the table is rebuilt; the daily watch of
-- a reserved CVE ID, its own effect before, becomes a timer.
CREATE TABLE outbox_next (
    id            INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    subject_kind  TEXT    NOT NULL,
    subject_id    TEXT    NOT NULL,
    case_id       TEXT    REFERENCES cases (id),
    kind          TEXT    NOT NULL,
    payload       TEXT    NOT NULL,
    created_at    INTEGER NOT NULL,
    due_at        INTEGER NOT NULL,
    attempts      INTEGER NOT NULL,
    last_error    TEXT,
    leased_until  INTEGER,
    done_at       INTEGER
);
INSERT INTO outbox_next (id, subject_kind, subject_id, case_id, kind, payload, created_at,
                         due_at, attempts, last_error, leased_until, done_at)
SELECT id, 'case', case_id, case_id,
       CASE json_extract(effect, '$.kind')
           WHEN 'watch-cve-id' THEN 'wake'
           ELSE json_extract(effect, '$.kind') END,
       CASE json_extract(effect, '$.kind')
           WHEN 'watch-cve-id' THEN json_object('kind', 'wake', 'reason',
               json_object('kind', 'watch-cve-id', 'id', json_extract(effect, '$.id')))
           ELSE effect END,
       created_at, next_attempt_at, attempts, last_error, NULL, done_at
FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_next RENAME TO outbox;
-- Workers look for the earliest open job; done ones are history.
CREATE INDEX outbox_open ON outbox (due_at) WHERE done_at IS NULL;
CREATE INDEX outbox_subject ON outbox (subject_kind, subject_id);
