-- Notices about an account's privileges (issue 11 item 6): a new API token, a second
-- factor set up or removed, a project role given or taken. One row per account told,
-- written in the transaction of the event that calls for it; `notice` is the
-- `core::account_notice::AccountNotice` as JSON (never a secret).
CREATE TABLE account_notifications (
    id          INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    user_id     INTEGER NOT NULL REFERENCES users (id),
    notice      TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    read_at     INTEGER
);
CREATE INDEX account_notifications_of_user ON account_notifications (user_id, id);
