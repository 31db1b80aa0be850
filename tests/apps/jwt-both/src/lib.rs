//! An app whose dependency tree enables both of `jsonwebtoken`'s crypto
//! backends (`aws_lc_rs` here, `rust_crypto` by the plugin). Both exist:
//! this names each one's provider.

/// `jsonwebtoken`'s `rust_crypto` provider (the plugin's feature).
pub fn rust_crypto() -> &'static jsonwebtoken::crypto::CryptoProvider {
    &jsonwebtoken::crypto::rust_crypto::DEFAULT_PROVIDER
}

/// `jsonwebtoken`'s `aws_lc_rs` provider (this crate's feature).
pub fn aws_lc() -> &'static jsonwebtoken::crypto::CryptoProvider {
    &jsonwebtoken::crypto::aws_lc::DEFAULT_PROVIDER
}
