-- Second factors (issue 11, item 1): an authenticator app's TOTP secret per account,
-- confirmed once the owner typed a code from it; `last_step` is the newest time step
-- used, so a code is never accepted twice. Recovery codes are kept as SHA-256 hashes
-- and deleted when used.
CREATE TABLE second_factors (
    user_id     BIGINT NOT NULL PRIMARY KEY REFERENCES users (id),
    secret      BYTEA    NOT NULL,
    confirmed   BOOLEAN NOT NULL,
    last_step   BIGINT NOT NULL,
    created_at  BIGINT NOT NULL
);

CREATE TABLE recovery_codes (
    user_id    BIGINT NOT NULL REFERENCES users (id),
    code_hash  BYTEA    NOT NULL,
    PRIMARY KEY (user_id, code_hash)
);
