//! Client credentials and access tokens: what a token looks like, how secrets are compared,
//! and the organizations `--client` adds at start-up.

use std::collections::HashSet;
use std::fmt;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::fixture::{Dataset, Organization, Workspace};

/// The only scope the API grants.
pub const SCOPE: &str = "WebAPI";
/// The only grant type the token endpoint supports.
pub const GRANT_TYPE: &str = "client_credentials";
/// Random bytes per access token: 256 bits from the operating system.
pub const TOKEN_BYTES: usize = 32;
/// The longest bearer token sdemu reads; a longer one is malformed (ours are 43 characters).
pub const MAX_TOKEN_CHARS: usize = 1024;

/// A client id and secret given with `--client ID:SECRET` (parsed by `config`). Its `Debug` form hides the secret,
/// so printing the configuration never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct ClientCredentials {
    pub client_id: String,
    pub client_secret: String,
}

impl fmt::Debug for ClientCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientCredentials")
            .field("client_id", &self.client_id)
            .field("client_secret", &"<hidden>")
            .finish()
    }
}

/// Adds one organization per `--client`, each with a new tenant id (after the highest in the
/// dataset) and its own empty default workspace, so that it can create tasks. A client id
/// already used by the dataset, or given twice, is an error naming it.
pub fn add_clients(dataset: &mut Dataset, clients: &[ClientCredentials]) -> Result<(), String> {
    let mut client_ids: HashSet<String> = dataset
        .organizations
        .iter()
        .map(|organization| organization.client_id.clone())
        .collect();
    let first_tenant = dataset
        .organizations
        .iter()
        .map(|o| o.tenant_id)
        .max()
        .unwrap_or(0)
        + 1;
    let first_workspace = dataset
        .workspaces
        .iter()
        .map(|w| w.workspace_id)
        .max()
        .unwrap_or(0)
        + 1;
    for (offset, client) in (0..).zip(clients) {
        let tenant_id = first_tenant + offset;
        if !client_ids.insert(client.client_id.clone()) {
            return Err(format!(
                "--client '{}': an organization with this client id already exists",
                client.client_id
            ));
        }
        dataset.organizations.push(Organization {
            tenant_id,
            name: format!("Organization {}", client.client_id),
            client_id: client.client_id.clone(),
            client_secret: client.client_secret.clone(),
            is_default: false,
        });
        dataset.workspaces.push(Workspace {
            workspace_id: first_workspace + offset,
            tenant_id,
            workspace_name: "Default workspace".into(),
            workspace_description: None,
            is_default: true,
            task_type: 1,
            workspace_type: 1,
            template_type: 1,
            workspace_template_name: None,
            delete_files_after_review: false,
        });
    }
    Ok(())
}

/// A new access token: 256 bits from the operating system's generator, base64url without
/// padding (43 characters, all valid in a bearer token).
pub fn new_token() -> anyhow::Result<String> {
    let mut bytes = [0u8; TOKEN_BYTES];
    getrandom::getrandom(&mut bytes)
        .map_err(|error| anyhow::anyhow!("the operating system's random generator: {error}"))?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

/// What the database keeps of a token: its SHA-256, lowercase hex.
pub fn token_hash(token: &str) -> String {
    format!("{:x}", Sha256::digest(token.as_bytes()))
}

/// Compares a presented secret with the stored one in constant time. Both are hashed first so
/// that not even their lengths influence the time taken.
pub fn secrets_match(presented: &str, stored: &str) -> bool {
    let presented = Sha256::digest(presented.as_bytes());
    let stored = Sha256::digest(stored.as_bytes());
    presented.as_slice().ct_eq(stored.as_slice()).into()
}

/// Whether `token` has the RFC 6750 `b64token` syntax (and sdemu's length limit).
pub fn is_b64token(token: &str) -> bool {
    let body = token.trim_end_matches('=');
    !body.is_empty()
        && token.len() <= MAX_TOKEN_CHARS
        && body
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~+/".contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_debug_form_of_client_credentials_hides_the_secret() {
        let client = ClientCredentials {
            client_id: "acme".into(),
            client_secret: "s3cret".into(),
        };
        assert!(!format!("{client:?}").contains("s3cret"));
    }

    #[test]
    fn tokens_are_43_url_safe_characters_and_differ() {
        let first = new_token().unwrap();
        let second = new_token().unwrap();
        assert_eq!(first.len(), 43);
        assert!(is_b64token(&first));
        assert_ne!(first, second);
    }

    #[test]
    fn secrets_match_only_when_equal() {
        assert!(secrets_match("abc", "abc"));
        assert!(!secrets_match("abc", "abd"));
        assert!(!secrets_match("ab", "abc"));
        assert!(!secrets_match("", "abc"));
    }

    #[test]
    fn b64token_syntax_is_checked() {
        assert!(is_b64token("abc-._~+/=="));
        assert!(!is_b64token(""));
        assert!(!is_b64token("=="));
        assert!(!is_b64token("a b"));
        assert!(!is_b64token("a=b"));
        assert!(!is_b64token(&"a".repeat(MAX_TOKEN_CHARS + 1)));
    }
}
