//! Checking an access token: its structure, its algorithm against the
//! configured keys, its signature, `iss` and `aud` (by `jsonwebtoken`),
//! then `exp` and `nbf` against the configured clock with the leeway, and
//! finally the claims that make an [`Identity`].

use std::{
    collections::HashMap,
    sync::{Mutex, PoisonError},
};

use jsonwebtoken::{errors::ErrorKind, Algorithm, Validation};
use serde_json::{Map, Value};

use super::{clock::Clock, keys::VerifyingKey, JwtConfig};
use crate::core::auth::{InvalidToken, TokenRefusal};
use crate::Identity;

/// A token that passed every check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Verified {
    pub(crate) identity: Identity,
    pub(crate) expires_at: u64,
}

/// What a token gives once its signature, algorithm, issuer, audience and
/// claims were checked: everything but the time, which changes.
#[derive(Clone)]
struct Checked {
    identity: Identity,
    exp: u64,
    nbf: Option<u64>,
}

/// How many checked tokens are remembered; beyond it, the memory starts
/// over. A webview sends the same access token until it expires, so a few
/// are enough.
const REMEMBERED: usize = 256;

/// Checks access tokens against the configuration.
pub(crate) struct Verifier {
    keys: Vec<(VerifyingKey, Validation)>,
    leeway: u64,
    roles_claim: String,
    clock: Clock,
    /// Tokens already checked, by their exact text: sent again, a token
    /// skips the signature check (the same text verifies the same way
    /// with the same keys), and only `exp` and `nbf` are checked again.
    checked: Mutex<HashMap<Box<str>, Checked>>,
}

impl Verifier {
    pub(crate) fn new(config: &JwtConfig) -> Self {
        let keys = config
            .verifying
            .iter()
            .map(|key| (key.clone(), validation(config, key.algorithm)))
            .collect();
        Verifier {
            keys,
            leeway: config.leeway,
            roles_claim: config.roles_claim.clone(),
            clock: config.clock.clone(),
            checked: Mutex::new(HashMap::new()),
        }
    }

    pub(crate) fn now(&self) -> u64 {
        (self.clock)()
    }

    pub(crate) fn verify(&self, token: &str) -> Result<Verified, TokenRefusal> {
        let remembered = self.remembered().get(token).cloned();
        let checked = match remembered {
            Some(checked) => checked,
            None => {
                let checked = self.check(token)?;
                let mut remembered = self.remembered();
                if remembered.len() >= REMEMBERED {
                    remembered.clear();
                }
                remembered.insert(token.into(), checked.clone());
                checked
            }
        };
        let now = self.now();
        if checked.exp.saturating_add(self.leeway) < now {
            return Err(TokenRefusal::Expired);
        }
        if let Some(nbf) = checked.nbf {
            if nbf > now.saturating_add(self.leeway) {
                return Err(InvalidToken::NotYetValid.into());
            }
        }
        Ok(Verified {
            identity: checked.identity,
            expires_at: checked.exp,
        })
    }

    fn remembered(&self) -> std::sync::MutexGuard<'_, HashMap<Box<str>, Checked>> {
        self.checked.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Every check but the time: structure, algorithm, signature, `iss`,
    /// `aud`, and the claims an identity needs.
    fn check(&self, token: &str) -> Result<Checked, InvalidToken> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| InvalidToken::Malformed)?;
        let (key, validation) = self
            .keys
            .iter()
            .find(|(k, _)| k.algorithm == header.alg)
            .ok_or(InvalidToken::Algorithm)?;
        let data = jsonwebtoken::decode::<Map<String, Value>>(token, &key.key, validation)
            .map_err(|e| invalid(e.kind()))?;
        let claims = data.claims;
        Ok(Checked {
            exp: time_claim(&claims, "exp")?.ok_or(InvalidToken::Claims)?,
            nbf: time_claim(&claims, "nbf")?,
            identity: identity(&claims, &self.roles_claim)?,
        })
    }
}

/// What `jsonwebtoken` checks: the algorithm, the signature, `iss`, `aud`
/// and the presence of the claims. Time is checked here, with our clock.
fn validation(config: &JwtConfig, algorithm: Algorithm) -> Validation {
    let mut v = Validation::new(algorithm);
    v.validate_exp = false;
    v.validate_nbf = false;
    let mut required = vec!["exp", "sub"];
    if let Some(iss) = &config.issuer {
        v.set_issuer(&[iss]);
        required.push("iss");
    }
    match &config.audience {
        Some(aud) => {
            v.set_audience(&[aud]);
            required.push("aud");
        }
        None => v.validate_aud = false,
    }
    v.set_required_spec_claims(&required);
    v
}

fn invalid(kind: &ErrorKind) -> InvalidToken {
    match kind {
        ErrorKind::InvalidSignature => InvalidToken::Signature,
        ErrorKind::InvalidAlgorithm | ErrorKind::MissingAlgorithm => InvalidToken::Algorithm,
        ErrorKind::InvalidIssuer => InvalidToken::Issuer,
        ErrorKind::InvalidAudience => InvalidToken::Audience,
        ErrorKind::MissingRequiredClaim(c) if c == "iss" => InvalidToken::Issuer,
        ErrorKind::MissingRequiredClaim(c) if c == "aud" => InvalidToken::Audience,
        ErrorKind::MissingRequiredClaim(_) | ErrorKind::InvalidClaimFormat(_) => {
            InvalidToken::Claims
        }
        _ => InvalidToken::Malformed,
    }
}

/// A NumericDate claim: absent, or seconds (fractions cut off).
fn time_claim(claims: &Map<String, Value>, name: &str) -> Result<Option<u64>, InvalidToken> {
    match claims.get(name) {
        None => Ok(None),
        Some(v) => v
            .as_u64()
            .or_else(|| v.as_f64().filter(|f| *f >= 0.0).map(|f| f as u64))
            .map(Some)
            .ok_or(InvalidToken::Claims),
    }
}

/// `sub` and the roles claim, as an [`Identity`].
fn identity(claims: &Map<String, Value>, roles_claim: &str) -> Result<Identity, InvalidToken> {
    let sub = claims
        .get("sub")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .ok_or(InvalidToken::Claims)?;
    let roles = match claims.get(roles_claim) {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::String(s)) => s.split_whitespace().map(str::to_owned).collect(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|r| r.as_str().map(str::to_owned).ok_or(InvalidToken::Claims))
            .collect::<Result<_, _>>()?,
        Some(_) => return Err(InvalidToken::Claims),
    };
    Ok(Identity {
        id: sub.to_owned(),
        roles,
    })
}
