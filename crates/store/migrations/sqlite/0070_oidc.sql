-- Single sign-on (issue 11). A sign-in started at an OpenID provider: its `state` is
-- kept only as its SHA-256, and used once. The nonce and the PKCE verifier stay here,
-- never in the browser.
CREATE TABLE oidc_logins (
    state_hash     BLOB    NOT NULL PRIMARY KEY,
    provider       TEXT    NOT NULL,
    nonce          TEXT    NOT NULL,
    pkce_verifier  TEXT    NOT NULL,
    next           TEXT    NOT NULL,
    expires_at     INTEGER NOT NULL
);
-- Which account a provider's subject signs in to: bound at the first sign-in by the
-- verified e-mail address (an `identity_linked` event), by the subject after that.
CREATE TABLE oidc_identities (
    provider    TEXT    NOT NULL,
    subject     TEXT    NOT NULL,
    user_id     INTEGER NOT NULL REFERENCES users (id),
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (provider, subject)
);
CREATE UNIQUE INDEX oidc_identities_user ON oidc_identities (user_id, provider);
