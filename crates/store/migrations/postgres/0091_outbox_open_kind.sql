-- The worker's claim names the kinds it can do (`kind IN (...)`) when a way out is
-- missing (mail without SMTP): this index reaches those jobs by kind and due time
-- without walking past the ones left waiting, which pile up one per report.
CREATE INDEX outbox_open_kind ON outbox (kind, due_at, id) WHERE done_at IS NULL;
