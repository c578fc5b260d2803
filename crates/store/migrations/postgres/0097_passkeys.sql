-- Passkeys (issue 11, item 1): WebAuthn credentials, each a second factor and a way to
-- sign in by itself (the authenticator verifies the person). `user_handle` is the
-- account's random WebAuthn user id, the same on each of its passkeys; `static_state`
-- holds the public key and `dynamic_state` the signature counter and backup flags, in
-- the encoding of the `webauthn_rp` crate.
CREATE TABLE passkeys (
    id             BIGSERIAL PRIMARY KEY,
    user_id        BIGINT  NOT NULL REFERENCES users (id),
    credential_id  BYTEA   NOT NULL UNIQUE,
    user_handle    BYTEA   NOT NULL,
    static_state   BYTEA   NOT NULL,
    dynamic_state  BYTEA   NOT NULL,
    name           TEXT    NOT NULL,
    created_at     BIGINT  NOT NULL,
    last_used_at   BIGINT
);
CREATE INDEX passkeys_user ON passkeys (user_id);

-- Each WebAuthn challenge is answered once: the challenge travels signed with the page
-- (no row is written for a page view), and is kept here when used, until it expires.
CREATE TABLE used_challenges (
    challenge   BYTEA   NOT NULL PRIMARY KEY,
    expires_at  BIGINT  NOT NULL
);
