//! Invited users: the roles an organization offers (List Available Roles), the body of the
//! two Invite Users operations (`InviteUsersRequest`) and their rules: a valid email (checked
//! by the `email_address` crate, RFC 5322 addresses, not a hand-written pattern), a role
//! from the list, no email twice.

use std::str::FromStr;

use email_address::EmailAddress;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::limits::MAX_INVITED_USERS;

/// The roles List Available Roles answers, as the documentation's example lists them.
pub const ROLES: [&str; 5] = ["Administrator", "Manager", "Creator", "Reviewer", "Viewer"];

/// The role named `name`, compared without case, as the list spells it.
pub fn role(name: &str) -> Option<&'static str> {
    ROLES
        .iter()
        .copied()
        .find(|role| role.eq_ignore_ascii_case(name.trim()))
}

/// Whether `email` is an email address (RFC 5322 `addr-spec`, as `email_address` reads it).
pub fn is_email(email: &str) -> bool {
    EmailAddress::from_str(email).is_ok()
}

/// A user of an organization or of a workspace, with the role they were invited with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct User {
    #[schema(examples("ana.sousa@example.com"))]
    pub email: String,
    #[schema(examples("Reviewer"))]
    pub role_name: String,
}

/// One user to invite (an item of `InviteUsersRequest.users`). A missing field is a 400
/// problem naming it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = InvitedUser)]
pub struct InviteInput {
    /// Required: an email address, unique in the request (whatever its case).
    #[schema(required = true, nullable = false, format = Email)]
    pub email: Option<String>,
    /// Required: one of List Available Roles' names (compared without case).
    #[schema(required = true, nullable = false, examples("Reviewer"))]
    pub role_name: Option<String>,
}

/// Why an invitation cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InviteError {
    /// A field is missing or not usable; the reason completes "The field '...' ...".
    Field { field: String, reason: String },
    /// The role is not one of [`ROLES`].
    UnknownRole { field: String, role_name: String },
    /// The email is named twice in the request, or is already a user there.
    DuplicateEmail { field: String, email: String },
}

/// Checks the users of an invitation: at least one, at most [`MAX_INVITED_USERS`], each
/// with a valid email and a known role (written back as the list spells it), no email
/// twice (compared without case).
pub fn check_invites(users: Option<Vec<InviteInput>>) -> Result<Vec<User>, InviteError> {
    let field = |field: &str, reason: &str| InviteError::Field {
        field: field.to_owned(),
        reason: reason.to_owned(),
    };
    let users = users.ok_or_else(|| field("users", "is required"))?;
    if users.is_empty() {
        return Err(field("users", "must name at least one user"));
    }
    if users.len() > MAX_INVITED_USERS {
        return Err(field(
            "users",
            &format!("must name at most {MAX_INVITED_USERS} users"),
        ));
    }
    let mut checked: Vec<User> = Vec::with_capacity(users.len());
    for (index, user) in users.into_iter().enumerate() {
        let email_field = format!("users[{index}].email");
        let role_field = format!("users[{index}].roleName");
        let email = user
            .email
            .map(|email| email.trim().to_owned())
            .filter(|email| !email.is_empty())
            .ok_or_else(|| field(&email_field, "is required"))?;
        if !is_email(&email) {
            return Err(field(&email_field, "is not an email address"));
        }
        let role_name = user
            .role_name
            .filter(|name| !name.trim().is_empty())
            .ok_or_else(|| field(&role_field, "is required"))?;
        let role_name = role(&role_name).ok_or(InviteError::UnknownRole {
            field: role_field,
            role_name,
        })?;
        if checked.iter().any(|held| same_email(&held.email, &email)) {
            return Err(InviteError::DuplicateEmail {
                field: email_field,
                email,
            });
        }
        checked.push(User {
            email,
            role_name: role_name.to_owned(),
        });
    }
    Ok(checked)
}

/// Whether two emails name the same user: compared without (ASCII) case, as the store's
/// `COLLATE NOCASE` does.
pub fn same_email(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn invite(email: &str, role_name: &str) -> InviteInput {
        InviteInput {
            email: Some(email.to_owned()),
            role_name: Some(role_name.to_owned()),
        }
    }

    #[test]
    fn roles_are_matched_without_case_and_written_as_listed() {
        assert_eq!(role("reviewer"), Some("Reviewer"));
        assert_eq!(role("Owner"), None);
        let users = check_invites(Some(vec![invite("a@example.com", "MANAGER")])).unwrap();
        assert_eq!(users[0].role_name, "Manager");
    }

    #[test]
    fn each_bad_invitation_names_its_field() {
        let cases = [
            (None, "users", "no list"),
            (Some(vec![]), "users", "an empty list"),
            (
                Some(vec![invite("not-an-email", "Viewer")]),
                "users[0].email",
                "no @",
            ),
            (
                Some(vec![invite("a@", "Viewer")]),
                "users[0].email",
                "no domain",
            ),
            (
                Some(vec![invite("", "Viewer")]),
                "users[0].email",
                "blank email",
            ),
            (
                Some(vec![InviteInput {
                    email: Some("a@example.com".into()),
                    role_name: None,
                }]),
                "users[0].roleName",
                "no role",
            ),
        ];
        for (users, expected, case) in cases {
            match check_invites(users) {
                Err(InviteError::Field { field, .. }) => assert_eq!(field, expected, "{case}"),
                other => panic!("{case}: {other:?}"),
            }
        }
    }

    #[test]
    fn an_unknown_role_and_a_repeated_email_are_refused() {
        assert_eq!(
            check_invites(Some(vec![invite("a@example.com", "Owner")])),
            Err(InviteError::UnknownRole {
                field: "users[0].roleName".into(),
                role_name: "Owner".into()
            })
        );
        assert_eq!(
            check_invites(Some(vec![
                invite("a@example.com", "Viewer"),
                invite("A@Example.com", "Manager"),
            ])),
            Err(InviteError::DuplicateEmail {
                field: "users[1].email".into(),
                email: "A@Example.com".into()
            })
        );
    }
}
