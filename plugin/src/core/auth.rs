//! What a function requires of its caller's identity, the identity
//! itself, and why a token gives none. The guard that asks the app's
//! identity provider lives in the dispatcher (`dispatch::auth`); the JWT
//! identity (`jwt`) checks tokens and answers the refusals
//! ([`TokenRefusal`], kept with the other errors in `core::error`).

use serde::Serialize;

use crate::core::error::CallError;
pub use crate::core::error::{InvalidToken, TokenRefusal};

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
