-- Access tokens issued by POST /connect/token (client credentials grant).
--
-- Only a SHA-256 hash of each token is stored, so the database file alone cannot be used to
-- call the API. A token is valid while `expires_at` is in the future and an organization with
-- the same tenant id AND client id still exists: the lookup joins `organizations`.
--
-- Deliberately no foreign key to `organizations`: resetting the data set (the emulator's
-- control plane) deletes and reloads organizations, and tokens already issued must keep
-- working across it when their organization comes back. Dataset operations never delete
-- from this table; expired rows are purged when new tokens are issued.
CREATE TABLE access_tokens (
    -- Lowercase hex SHA-256 of the token string.
    token_hash TEXT    PRIMARY KEY NOT NULL,
    tenant_id  INTEGER NOT NULL,
    client_id  TEXT    NOT NULL,
    -- Unix milliseconds.
    issued_at  INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
) WITHOUT ROWID;

-- The purge of expired tokens and the per-client cap on live tokens.
CREATE INDEX access_tokens_by_expiry ON access_tokens (expires_at);
CREATE INDEX access_tokens_by_client ON access_tokens (tenant_id, client_id, expires_at);
