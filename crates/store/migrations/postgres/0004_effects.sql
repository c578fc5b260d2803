-- The outbox opens to every stream: a job names its subject (a case, a project or an
-- account; `case_id` only for cases, so that a case's jobs go with it), its effect kind
-- and payload (core::effect::Effect as JSON), when it is due, and the lease a worker
-- holds on it while working it. Timers are jobs too: "wake this subject at T" is a row
-- due at T. The daily watch of a reserved CVE ID, its own effect before, becomes a timer.
ALTER TABLE outbox RENAME COLUMN effect TO payload;
ALTER TABLE outbox RENAME COLUMN next_attempt_at TO due_at;
ALTER TABLE outbox ALTER COLUMN case_id DROP NOT NULL;
ALTER TABLE outbox ADD COLUMN subject_kind TEXT;
ALTER TABLE outbox ADD COLUMN subject_id TEXT;
ALTER TABLE outbox ADD COLUMN kind TEXT;
ALTER TABLE outbox ADD COLUMN leased_until BIGINT;
UPDATE outbox SET
    subject_kind = 'case',
    subject_id = case_id,
    kind = CASE payload::jsonb ->> 'kind'
               WHEN 'watch-cve-id' THEN 'wake'
               ELSE payload::jsonb ->> 'kind' END,
    payload = CASE payload::jsonb ->> 'kind'
               WHEN 'watch-cve-id' THEN jsonb_build_object('kind', 'wake', 'reason',
                   jsonb_build_object('kind', 'watch-cve-id', 'id', payload::jsonb ->> 'id'))::text
               ELSE payload END;
ALTER TABLE outbox ALTER COLUMN subject_kind SET NOT NULL;
ALTER TABLE outbox ALTER COLUMN subject_id SET NOT NULL;
ALTER TABLE outbox ALTER COLUMN kind SET NOT NULL;
DROP INDEX outbox_due;
-- Workers look for the earliest open job; done ones are history.
CREATE INDEX outbox_open ON outbox (due_at) WHERE done_at IS NULL;
CREATE INDEX outbox_subject ON outbox (subject_kind, subject_id);
