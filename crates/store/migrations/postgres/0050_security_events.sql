-- Security events (issue 11, item 8): sign-ins, refusals, rate limiting, role grants,
-- with the route, the client address and the account; never a token or a password.
-- Bounded: each insert deletes what is older than the newest N rows.
CREATE TABLE security_events (
    id       BIGSERIAL PRIMARY KEY,
    at       BIGINT  NOT NULL,
    kind     TEXT    NOT NULL,
    route    TEXT    NOT NULL,
    client   TEXT    NOT NULL,
    account  BIGINT,
    detail   TEXT    NOT NULL
);
