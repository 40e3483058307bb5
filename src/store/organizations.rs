//! Organizations: the client credentials a token request is checked against.

use sqlx::{SqliteConnection, SqlitePool};

/// What the token endpoint needs to know about an organization.
#[derive(Clone)]
pub struct ClientRecord {
    pub tenant_id: i64,
    pub client_id: String,
    pub client_secret: String,
}

/// The columns that read a `ClientRecord`: every such SELECT starts with this text. See the
/// module documentation of `store` for how a fragment macro is called.
macro_rules! client_select {
    ($($m:ident)::+ !($($before:tt)*) $($after:tt)*) => {
        $($m)::+!($($before)*
            r#"SELECT tenant_id AS "tenant_id!", client_id, client_secret FROM organizations "#
            $($after)*)
    };
}

/// The organization whose client id is `client_id`, if any. Client ids are not secret; the
/// secret is compared by the caller, in constant time.
pub async fn find_by_client_id(
    pool: &SqlitePool,
    client_id: &str,
) -> sqlx::Result<Option<ClientRecord>> {
    client_select!(
        sqlx::query_as!(ClientRecord,) + "WHERE client_id = ?",
        client_id
    )
    .fetch_optional(pool)
    .await
}

/// The default organization: the one served when authentication is off.
pub async fn default_organization(pool: &SqlitePool) -> sqlx::Result<Option<ClientRecord>> {
    client_select!(
        sqlx::query_as!(ClientRecord,) + "WHERE is_default = 1 ORDER BY tenant_id LIMIT 1"
    )
    .fetch_optional(pool)
    .await
}

/// What the control plane's dashboard shows of an organization: never its secret.
#[derive(Debug, Clone)]
pub struct OrganizationSummary {
    pub tenant_id: i64,
    pub name: String,
    pub client_id: String,
    pub is_default: bool,
}

/// Every organization, by `tenantId`.
pub async fn all(conn: &mut SqliteConnection) -> sqlx::Result<Vec<OrganizationSummary>> {
    sqlx::query_as!(
        OrganizationSummary,
        r#"SELECT tenant_id AS "tenant_id!", name, client_id, is_default AS "is_default: bool"
           FROM organizations ORDER BY tenant_id"#
    )
    .fetch_all(conn)
    .await
}
