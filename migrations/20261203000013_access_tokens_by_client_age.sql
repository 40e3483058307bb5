-- The per-client cap on live tokens (`store::tokens::issue`) keeps a client's newest tokens,
-- ordered by expiry then issue time. With only (tenant_id, client_id, expires_at) indexed,
-- SQLite sorted all of the client's tokens in a temporary B-tree on every token issued:
-- ~3.5 ms at 6,000-10,000 live tokens, inside the writer's turn. With the issue time in the
-- index the order is read from it (~0.2 ms). The new index covers the old one's uses.
CREATE INDEX access_tokens_by_client_age
    ON access_tokens (tenant_id, client_id, expires_at, issued_at);
DROP INDEX access_tokens_by_client;
