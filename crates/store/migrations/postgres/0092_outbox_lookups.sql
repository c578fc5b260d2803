-- Two lookups that read every open job, and so slowed intake as the database grew
-- (each case keeps a clock timer open for days):
-- * a case's own open timer, replanned at each of its changes (`replan_clock_timer`),
--   went down `outbox_open_kind` by kind alone and read every case's timer;
CREATE INDEX outbox_case_open ON outbox (case_id, kind) WHERE done_at IS NULL;
-- * the worker's next-due question (`next_job_due`) took a MIN over every open job; it
--   now asks `outbox_open_kind` per kind, and this index for the earliest lease still
--   held (few jobs are held at any time).
CREATE INDEX outbox_leased ON outbox (leased_until) WHERE done_at IS NULL AND leased_until IS NOT NULL;
