-- Work for the outside world, queued in the same transaction as the events that ask
-- for it (core::effect), and carried out by the server's outbox worker.
CREATE TABLE outbox (
    id               INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    case_id          TEXT    NOT NULL REFERENCES cases (id),
    effect           TEXT    NOT NULL,
    created_at       INTEGER NOT NULL,
    attempts         INTEGER NOT NULL,
    next_attempt_at  INTEGER NOT NULL,
    last_error       TEXT,
    done_at          INTEGER
);
CREATE INDEX outbox_due ON outbox (done_at, next_attempt_at);
