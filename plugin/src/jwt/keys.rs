//! The keys that verify and sign access tokens, each bound to the one
//! algorithm it accepts: a token whose header names another algorithm is
//! never checked against it (no `none`, no HS/RS confusion).

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey};

/// A key could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the {algorithm} key could not be read: {reason}")]
pub struct KeyError {
    algorithm: &'static str,
    reason: String,
}

/// Reads a PEM key for `algorithm` with one of `jsonwebtoken`'s readers.
fn read<K>(
    algorithm: Algorithm,
    pem: &[u8],
    reader: fn(&[u8]) -> jsonwebtoken::errors::Result<K>,
) -> Result<(Algorithm, K), KeyError> {
    let key = reader(pem).map_err(|e| KeyError {
        algorithm: name(algorithm),
        reason: e.to_string(),
    })?;
    Ok((algorithm, key))
}

/// The JOSE name of an algorithm this module supports.
pub(crate) fn name(algorithm: Algorithm) -> &'static str {
    match algorithm {
        Algorithm::HS256 => "HS256",
        Algorithm::RS256 => "RS256",
        Algorithm::ES256 => "ES256",
        Algorithm::EdDSA => "EdDSA",
        _ => "an unsupported algorithm",
    }
}

/// A key that verifies access tokens signed with one algorithm.
///
/// ```
/// use tauri_plugin_mizan::jwt::VerifyingKey;
/// let key = VerifyingKey::hs256(b"a secret of at least 32 bytes....");
/// assert_eq!(key.algorithm(), "HS256");
/// ```
#[derive(Clone)]
pub struct VerifyingKey {
    pub(crate) algorithm: Algorithm,
    pub(crate) key: DecodingKey,
}

impl std::fmt::Debug for VerifyingKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VerifyingKey")
            .field("algorithm", &self.algorithm())
            .finish_non_exhaustive()
    }
}

impl VerifyingKey {
    /// HMAC-SHA256 with a shared secret (use 32 random bytes or more).
    pub fn hs256(secret: &[u8]) -> Self {
        VerifyingKey {
            algorithm: Algorithm::HS256,
            key: DecodingKey::from_secret(secret),
        }
    }

    /// RSASSA-PKCS1-v1_5 with SHA-256, from an RSA public key in PEM.
    pub fn rs256_pem(pem: &[u8]) -> Result<Self, KeyError> {
        let (algorithm, key) = read(Algorithm::RS256, pem, DecodingKey::from_rsa_pem)?;
        Ok(VerifyingKey { algorithm, key })
    }

    /// ECDSA on P-256 with SHA-256, from an EC public key in PEM.
    pub fn es256_pem(pem: &[u8]) -> Result<Self, KeyError> {
        let (algorithm, key) = read(Algorithm::ES256, pem, DecodingKey::from_ec_pem)?;
        Ok(VerifyingKey { algorithm, key })
    }

    /// EdDSA (Ed25519), from an Ed25519 public key in PEM.
    pub fn eddsa_pem(pem: &[u8]) -> Result<Self, KeyError> {
        let (algorithm, key) = read(Algorithm::EdDSA, pem, DecodingKey::from_ed_pem)?;
        Ok(VerifyingKey { algorithm, key })
    }

    /// The JOSE name of the algorithm this key accepts.
    pub fn algorithm(&self) -> &'static str {
        name(self.algorithm)
    }
}

/// A key that signs access tokens, for apps that are their own issuer
/// (local accounts, offline sign-in).
///
/// ```
/// use tauri_plugin_mizan::jwt::SigningKey;
/// let key = SigningKey::hs256(b"a secret of at least 32 bytes....");
/// assert_eq!(key.algorithm(), "HS256");
/// ```
#[derive(Clone)]
pub struct SigningKey {
    pub(crate) algorithm: Algorithm,
    pub(crate) key: EncodingKey,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("algorithm", &self.algorithm())
            .finish_non_exhaustive()
    }
}

impl SigningKey {
    /// HMAC-SHA256 with a shared secret.
    pub fn hs256(secret: &[u8]) -> Self {
        SigningKey {
            algorithm: Algorithm::HS256,
            key: EncodingKey::from_secret(secret),
        }
    }

    /// RS256, from an RSA private key in PEM (PKCS#1 or PKCS#8).
    pub fn rs256_pem(pem: &[u8]) -> Result<Self, KeyError> {
        let (algorithm, key) = read(Algorithm::RS256, pem, EncodingKey::from_rsa_pem)?;
        Ok(SigningKey { algorithm, key })
    }

    /// ES256, from a P-256 private key in PKCS#8 PEM.
    pub fn es256_pem(pem: &[u8]) -> Result<Self, KeyError> {
        let (algorithm, key) = read(Algorithm::ES256, pem, EncodingKey::from_ec_pem)?;
        Ok(SigningKey { algorithm, key })
    }

    /// EdDSA, from an Ed25519 private key in PKCS#8 PEM.
    pub fn eddsa_pem(pem: &[u8]) -> Result<Self, KeyError> {
        let (algorithm, key) = read(Algorithm::EdDSA, pem, EncodingKey::from_ed_pem)?;
        Ok(SigningKey { algorithm, key })
    }

    /// The JOSE name of the algorithm this key signs with.
    pub fn algorithm(&self) -> &'static str {
        name(self.algorithm)
    }
}
