-- The worker's next-due question (`next_job_due`) goes down indexes instead of reading
-- every open job: `outbox_open_kind` gives each kind's earliest free job, and this one
-- the earliest lease still held (few jobs are held at any time).
CREATE INDEX outbox_leased ON outbox (leased_until) WHERE done_at IS NULL AND leased_until IS NOT NULL;
