-- Which key the event chain is linked with (`ChainKey::id`): a database is never read,
-- nor appended to, with another.
CREATE TABLE chain_key (
    only_row  INTEGER NOT NULL PRIMARY KEY CHECK (only_row = 1),
    key_id    TEXT    NOT NULL
);
