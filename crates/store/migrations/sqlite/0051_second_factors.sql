-- Second factors (issue 11, item 1): an authenticator app's TOTP secret per account,
-- confirmed once the owner typed a code from it; `last_step` is the newest time step
-- used, so a code is never accepted twice. Recovery codes are kept as SHA-256 hashes
-- and deleted when used.
CREATE TABLE second_factors (
    user_id     INTEGER NOT NULL PRIMARY KEY REFERENCES users (id),
    secret      BLOB    NOT NULL,
    confirmed   BOOLEAN NOT NULL,
    last_step   INTEGER NOT NULL,
    created_at  INTEGER NOT NULL
);

CREATE TABLE recovery_codes (
    user_id    INTEGER NOT NULL REFERENCES users (id),
    code_hash  BLOB    NOT NULL,
    PRIMARY KEY (user_id, code_hash)
);
