-- In-app notifications (issue 8): one row per member and case event that tells them
-- something (a clock's reminder or escalation), written in the event's transaction.
-- What it says is the event's; who may still see the case is checked when it is read.
CREATE TABLE notifications (
    id          BIGSERIAL PRIMARY KEY,
    user_id     BIGINT  NOT NULL REFERENCES users (id),
    case_id     TEXT    NOT NULL REFERENCES cases (id),
    seq         BIGINT  NOT NULL,
    kind        TEXT    NOT NULL,
    clock       TEXT    NOT NULL,
    due_at      BIGINT  NOT NULL,
    created_at  BIGINT  NOT NULL,
    read_at     BIGINT,
    UNIQUE (user_id, case_id, seq)
);
CREATE INDEX notifications_of_user ON notifications (user_id, id);
