-- Work for the outside world, queued in the same transaction as the events that ask
-- for it (core::effect), and carried out by the server's outbox worker.
CREATE TABLE outbox (
    id               BIGSERIAL PRIMARY KEY,
    case_id          TEXT    NOT NULL REFERENCES cases (id),
    effect           TEXT    NOT NULL,
    created_at       BIGINT  NOT NULL,
    attempts         BIGINT  NOT NULL,
    next_attempt_at  BIGINT  NOT NULL,
    last_error       TEXT,
    done_at          BIGINT
);
CREATE INDEX outbox_due ON outbox (done_at, next_attempt_at);
