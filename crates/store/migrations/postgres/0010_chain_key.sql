-- Which key the event chain is linked with (`ChainKey::id`): a database is never read,
-- nor appended to, with another. `database_id` names this database in its checkpoints,
-- so databases that share a checkpoint directory never read each other's.
CREATE TABLE chain_key (
    only_row     BIGINT  NOT NULL PRIMARY KEY CHECK (only_row = 1),
    key_id       TEXT    NOT NULL,
    database_id  TEXT    NOT NULL
);
