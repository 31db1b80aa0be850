//! What a function requires of its caller's identity, the identity
//! itself, and why a token gives none. The guard that asks the app's
//! identity provider lives in the dispatcher (`dispatch::auth`); the JWT
//! identity (`jwt`) checks tokens and answers these refusals.

use serde::Serialize;

use crate::core::error::CallError;

/// What a function requires of its caller's identity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Auth {
    /// Nothing beyond what the window's capabilities allow.
    None,
    /// Some identity.
    Identity,
    /// An identity with this role.
    Role(&'static str),
}

/// Who is calling, as the app's identity provider says.
///
/// ```
/// use tauri_plugin_mizan::Identity;
/// let ada = Identity::new("ada").with_role("admin");
/// assert!(ada.has_role("admin"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct Identity {
    /// A stable id for the subject (a user id, an account id).
    pub id: String,
    /// The roles the subject holds.
    pub roles: Vec<String>,
}

impl Identity {
    /// An identity without roles.
    pub fn new(id: impl Into<String>) -> Self {
        Identity {
            id: id.into(),
            roles: Vec::new(),
        }
    }

    /// Adds a role.
    pub fn with_role(mut self, role: impl Into<String>) -> Self {
        self.roles.push(role.into());
        self
    }

    /// Whether the identity holds `role`.
    pub fn has_role(&self, role: &str) -> bool {
        self.roles.iter().any(|r| r == role)
    }
}

impl Auth {
    /// Whether the function needs to know who is calling.
    pub(crate) fn needs_identity(&self) -> bool {
        *self != Auth::None
    }

    /// Refuses a caller that does not meet the requirement.
    pub(crate) fn check(
        &self,
        function: &str,
        identity: Option<&Identity>,
    ) -> Result<(), CallError> {
        match (self, identity) {
            (Auth::None, _) => Ok(()),
            (_, None) => Err(CallError::Unauthorized),
            (Auth::Identity, Some(_)) => Ok(()),
            (Auth::Role(role), Some(identity)) if identity.has_role(role) => Ok(()),
            (Auth::Role(role), Some(_)) => Err(CallError::Forbidden(format!(
                "function `{function}` (it needs the role `{role}`)"
            ))),
        }
    }
}

/// Why an access token gives no identity. On the wire: `unauthorized`
/// with `details.reason` = [`reason`](Self::reason).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TokenRefusal {
    /// `exp` is past, beyond the leeway. Refreshing helps.
    #[error("the access token has expired")]
    Expired,
    /// Anything else: refreshing does not help.
    #[error("the access token is not valid ({0})")]
    Invalid(InvalidToken),
}

/// What was wrong with an invalid token (for messages and logs; the wire
/// reason is `invalid_token` for all of them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InvalidToken {
    /// Not three base64url parts of JSON, or an unknown `alg` (`none`).
    #[error("malformed")]
    Malformed,
    /// The header names an algorithm no configured key accepts.
    #[error("algorithm not accepted")]
    Algorithm,
    /// The signature does not match.
    #[error("bad signature")]
    Signature,
    /// `iss` is missing or not the configured issuer.
    #[error("wrong issuer")]
    Issuer,
    /// `aud` is missing or does not name the configured audience.
    #[error("wrong audience")]
    Audience,
    /// `exp` or `sub` missing, or a claim of the wrong type.
    #[error("missing or malformed claims")]
    Claims,
    /// `nbf` is in the future, beyond the leeway.
    #[error("not valid yet")]
    NotYetValid,
}

impl TokenRefusal {
    /// The wire reason: `token_expired` or `invalid_token`.
    pub fn reason(&self) -> &'static str {
        match self {
            TokenRefusal::Expired => "token_expired",
            TokenRefusal::Invalid(_) => "invalid_token",
        }
    }
}

impl From<InvalidToken> for TokenRefusal {
    fn from(invalid: InvalidToken) -> Self {
        TokenRefusal::Invalid(invalid)
    }
}
