//! Signing access tokens, for apps that are their own issuer.

use jsonwebtoken::Header;
use serde::Serialize;

use super::{JwtConfig, JwtError, SigningKey};
use crate::Identity;

/// Signs access tokens with the configured claims.
pub(crate) struct Signer {
    key: SigningKey,
    issuer: Option<String>,
    audience: Option<String>,
    ttl: u64,
    roles_claim: String,
}

#[derive(Serialize)]
struct Claims<'a> {
    sub: &'a str,
    iat: u64,
    exp: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    iss: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    aud: Option<&'a str>,
    #[serde(flatten)]
    roles: serde_json::Map<String, serde_json::Value>,
}

impl Signer {
    pub(crate) fn new(config: &JwtConfig) -> Option<Self> {
        Some(Signer {
            key: config.signing.clone()?,
            issuer: config.issuer.clone(),
            audience: config.audience.clone(),
            ttl: config.access_ttl,
            roles_claim: config.roles_claim.clone(),
        })
    }

    /// An access token for `identity`, valid from `now` for the
    /// configured lifetime.
    pub(crate) fn sign(&self, identity: &Identity, now: u64) -> Result<String, JwtError> {
        let mut roles = serde_json::Map::new();
        roles.insert(self.roles_claim.clone(), identity.roles.clone().into());
        let claims = Claims {
            sub: &identity.id,
            iat: now,
            exp: now.saturating_add(self.ttl),
            iss: self.issuer.as_deref(),
            aud: self.audience.as_deref(),
            roles,
        };
        jsonwebtoken::encode(&Header::new(self.key.algorithm), &claims, &self.key.key)
            .map_err(|e| JwtError::Signing(e.to_string()))
    }
}
