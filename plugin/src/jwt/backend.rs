//! The crypto backend of `jsonwebtoken`. Its signing and verifying go
//! through a process-wide provider that it picks from its own features on
//! first use: exactly one of `rust_crypto` and `aws_lc_rs`. When anything
//! in the app's tree enables the other one too (features add up across a
//! build), it picks none, and every signature and verification panics.
//! The plugin installs `rust_crypto`'s provider itself, before its first
//! use, so the features of other crates do not matter.

use std::panic::{catch_unwind, AssertUnwindSafe};

use jsonwebtoken::{crypto, Algorithm, EncodingKey};

use super::JwtError;

/// Installs `rust_crypto` as `jsonwebtoken`'s provider for the process. If
/// one was installed already (by the app, or by an earlier [`Jwt`](super::Jwt)),
/// that one stays, after checking that it signs: a provider fixed before
/// the plugin could install one, from ambiguous features, panics at every
/// use, and that is a configuration error, not a panic at the first call.
pub(crate) fn install() -> Result<(), JwtError> {
    if crypto::rust_crypto::DEFAULT_PROVIDER
        .install_default()
        .is_ok()
    {
        return Ok(());
    }
    let key = EncodingKey::from_secret(b"mizan: does the installed provider sign?");
    let signs = catch_unwind(AssertUnwindSafe(|| {
        crypto::sign(b"probe", &key, Algorithm::HS256)
    }));
    match signs {
        Ok(Ok(_)) => Ok(()),
        _ => Err(JwtError::Config(
            "jsonwebtoken has no usable crypto provider: it was used before the plugin could install one, with both `rust_crypto` and `aws_lc_rs` enabled; call `jsonwebtoken::crypto::rust_crypto::DEFAULT_PROVIDER.install_default()` first",
        )),
    }
}
