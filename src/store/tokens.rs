//! Access tokens. Only their SHA-256 is stored; the table has no foreign key to
//! `organizations` (a data set reset reloads organizations and must not revoke tokens), so
//! every lookup joins the organization to check that it still exists.

use chrono::{DateTime, TimeZone, Utc};
use sqlx::{SqliteConnection, SqlitePool};

/// The most unexpired tokens one client may hold; issuing more revokes its oldest ones, so
/// that a client asking for a token per request cannot grow the table without bound.
pub const MAX_LIVE_TOKENS_PER_CLIENT: i64 = 10_000;

/// What a presented token turned out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenLookup {
    /// Valid: it acts for this organization.
    Valid { tenant_id: i64 },
    /// Issued, but its lifetime is over.
    Expired { expired_at: DateTime<Utc> },
    /// Never issued by this database, revoked, purged after expiry, or its organization is
    /// gone.
    Unknown,
}

/// Stores a newly issued token (by its hash), first purging every expired token, then
/// revoking the client's oldest tokens beyond `MAX_LIVE_TOKENS_PER_CLIENT`, in the caller's
/// write transaction.
pub async fn issue(
    conn: &mut SqliteConnection,
    token_hash: &str,
    tenant_id: i64,
    client_id: &str,
    issued_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> sqlx::Result<()> {
    let now = issued_at.timestamp_millis();
    let expires_at = expires_at.timestamp_millis();
    sqlx::query!("DELETE FROM access_tokens WHERE expires_at <= ?", now)
        .execute(&mut *conn)
        .await?;
    sqlx::query!(
        "INSERT INTO access_tokens (token_hash, tenant_id, client_id, issued_at, expires_at) \
         VALUES (?, ?, ?, ?, ?)",
        token_hash,
        tenant_id,
        client_id,
        now,
        expires_at,
    )
    .execute(&mut *conn)
    .await?;
    sqlx::query(CAP_LIVE_TOKENS)
        .bind(tenant_id)
        .bind(client_id)
        .bind(MAX_LIVE_TOKENS_PER_CLIENT)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Revokes a client's tokens beyond its newest `MAX_LIVE_TOKENS_PER_CLIENT`, in the order
/// the index `access_tokens_by_client_age` holds them, so that nothing is sorted while the
/// writer waits (the plan is checked by a test below).
const CAP_LIVE_TOKENS: &str = "DELETE FROM access_tokens WHERE token_hash IN ( \
     SELECT token_hash FROM access_tokens WHERE tenant_id = ? AND client_id = ? \
     ORDER BY expires_at DESC, issued_at DESC LIMIT -1 OFFSET ?)";

/// What is stored of a token: its organization and when it expires (Unix milliseconds).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenRow {
    pub tenant_id: i64,
    pub expires_at: i64,
}

/// Looks a presented token up by its hash. It is valid while it has not expired and an
/// organization with the same tenant id and client id exists.
pub async fn lookup(
    pool: &SqlitePool,
    token_hash: &str,
    now: DateTime<Utc>,
) -> sqlx::Result<TokenLookup> {
    Ok(classify(find(pool, token_hash).await?, now))
}

/// The stored token with this hash, if its organization still exists.
pub async fn find(pool: &SqlitePool, token_hash: &str) -> sqlx::Result<Option<TokenRow>> {
    sqlx::query_as!(
        TokenRow,
        "SELECT t.tenant_id, t.expires_at FROM access_tokens AS t \
         JOIN organizations AS o ON o.tenant_id = t.tenant_id AND o.client_id = t.client_id \
         WHERE t.token_hash = ?",
        token_hash,
    )
    .fetch_optional(pool)
    .await
}

/// What a stored token (or none) means at `now`.
pub fn classify(row: Option<TokenRow>, now: DateTime<Utc>) -> TokenLookup {
    match row {
        None => TokenLookup::Unknown,
        Some(row) if now.timestamp_millis() < row.expires_at => TokenLookup::Valid {
            tenant_id: row.tenant_id,
        },
        Some(row) => TokenLookup::Expired {
            expired_at: Utc
                .timestamp_millis_opt(row.expires_at)
                .single()
                .unwrap_or_default(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn capping_a_clients_tokens_reads_them_in_index_order_without_sorting() {
        let pool = crate::db::open(None).await.unwrap();
        let plan = crate::store::query_plan(&pool, CAP_LIVE_TOKENS)
            .await
            .join("\n");
        assert!(
            plan.contains("USING COVERING INDEX access_tokens_by_client_age"),
            "{plan}"
        );
        assert!(!plan.contains("TEMP B-TREE"), "{plan}");
    }
}
