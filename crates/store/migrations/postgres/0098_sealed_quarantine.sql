-- Quarantined mail at rest (issue 11, item 3): with keys, its sender and subject are
-- sealed text (`~1:…`, read as they are when not) and its raw message is sealed bytes,
-- marked here, under its project's data key (or the instance's, for mail that named no
-- project).
ALTER TABLE quarantine ADD COLUMN sealed BOOLEAN NOT NULL DEFAULT FALSE;
