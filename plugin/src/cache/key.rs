//! Cache keys: HMAC-SHA256 under the per-install secret over the canonical
//! JSON of (identity, function name, canonical params). Without the secret
//! a key reveals nothing, and one identity's key never equals another's.
//! Under the same secret, the MAC that seals each stored record to its key.

use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;

use super::secret::Secret;
use crate::core::{auth::Identity, canonical::canonical_json, scoping::Params};

/// A cache key, or an identity tag: 32 bytes of HMAC-SHA256.
pub(crate) type Key = [u8; 32];

/// Makes keys and identity tags under one secret.
#[derive(Clone)]
pub(crate) struct Keyer {
    mac: Hmac<Sha256>,
}

impl std::fmt::Debug for Keyer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Keyer(..)")
    }
}

/// The identity as the key sees it: its id and its roles, sorted (a change
/// of roles is another key: a function may answer differently).
fn identity_value(identity: Option<&Identity>) -> Value {
    match identity {
        None => Value::Null,
        Some(i) => {
            let mut roles = i.roles.clone();
            roles.sort();
            roles.dedup();
            json!({ "id": i.id, "roles": roles })
        }
    }
}

impl Keyer {
    pub(crate) fn new(secret: &Secret) -> Self {
        Keyer {
            mac: <Hmac<Sha256> as Mac>::new_from_slice(&secret.0)
                .expect("HMAC takes a key of any length"),
        }
    }

    fn mac(&self, domain: &str, text: &str) -> Key {
        let mut mac = self.mac.clone();
        mac.update(domain.as_bytes());
        mac.update(&[0]);
        mac.update(text.as_bytes());
        mac.finalize().into_bytes().into()
    }

    /// The key of one function's entry for one caller and one set of
    /// params (the function's own canonical params).
    pub(crate) fn key(&self, identity: Option<&Identity>, function: &str, params: &Params) -> Key {
        let params: serde_json::Map<String, Value> =
            params.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        let text = canonical_json(&json!({
            "fn": function,
            "identity": identity_value(identity),
            "params": params,
        }));
        self.mac("mizan-cache-key", &text)
    }

    /// What the store keeps of an identity: an HMAC of its id, so entries
    /// can be purged by identity without the id being readable on disk.
    /// `None` (anonymous callers) has a tag of its own.
    pub(crate) fn identity_tag(&self, id: Option<&str>) -> Key {
        let text = canonical_json(&json!({ "id": id }));
        self.mac("mizan-cache-identity", &text)
    }

    /// The MAC of a stored record's bytes under the key it is stored
    /// under: the record is this app's answer for that key, and no other.
    pub(crate) fn seal(&self, key: &Key, record: &[u8]) -> Key {
        self.record_mac(key, record).finalize().into_bytes().into()
    }

    /// Whether `tag` is the MAC of `record` under `key` (in constant time).
    pub(crate) fn check(&self, key: &Key, record: &[u8], tag: &[u8]) -> bool {
        self.record_mac(key, record).verify_slice(tag).is_ok()
    }

    fn record_mac(&self, key: &Key, record: &[u8]) -> Hmac<Sha256> {
        let mut mac = self.mac.clone();
        mac.update(b"mizan-cache-record");
        mac.update(&[0]);
        mac.update(key);
        mac.update(record);
        mac
    }

    /// A fingerprint of the secret, so a store written under another
    /// secret is recognised (its keys could never be found again).
    pub(crate) fn fingerprint(&self) -> Key {
        self.mac("mizan-cache-fingerprint", "")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(v: Value) -> Params {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn keys_separate_identity_function_params_and_secret() {
        let k = Keyer::new(&Secret([1; 32]));
        let ada = Identity::new("ada");
        let bob = Identity::new("bob");
        let p = params(json!({"user_id": 5}));
        let base = k.key(Some(&ada), "profile", &p);
        assert_eq!(base, k.key(Some(&ada), "profile", &p));
        assert_ne!(base, k.key(Some(&bob), "profile", &p));
        assert_ne!(base, k.key(None, "profile", &p));
        assert_ne!(base, k.key(Some(&ada), "flags", &p));
        assert_ne!(
            base,
            k.key(Some(&ada), "profile", &params(json!({"user_id": 6})))
        );
        assert_ne!(
            base,
            k.key(Some(&ada.clone().with_role("admin")), "profile", &p)
        );
        let other = Keyer::new(&Secret([2; 32]));
        assert_ne!(base, other.key(Some(&ada), "profile", &p));
    }

    #[test]
    fn roles_are_a_set() {
        let k = Keyer::new(&Secret([1; 32]));
        let a = Identity::new("ada").with_role("x").with_role("y");
        let b = Identity::new("ada")
            .with_role("y")
            .with_role("x")
            .with_role("x");
        assert_eq!(
            k.key(Some(&a), "f", &Params::new()),
            k.key(Some(&b), "f", &Params::new())
        );
    }

    #[test]
    fn a_seal_holds_for_its_key_record_and_secret_only() {
        let k = Keyer::new(&Secret([1; 32]));
        let tag = k.seal(&[7; 32], b"record");
        assert!(k.check(&[7; 32], b"record", &tag));
        assert!(!k.check(&[8; 32], b"record", &tag));
        assert!(!k.check(&[7; 32], b"recorD", &tag));
        assert!(!k.check(&[7; 32], b"record", &tag[..31]));
        assert!(!Keyer::new(&Secret([2; 32])).check(&[7; 32], b"record", &tag));
    }

    #[test]
    fn an_id_cannot_pose_as_the_key_text() {
        // The identity is JSON inside canonical JSON: no crafted id makes
        // another identity's text.
        let k = Keyer::new(&Secret([1; 32]));
        let tricky = Identity::new(r#"ada","roles":[]},"fn":"x"#);
        assert_ne!(
            k.key(Some(&tricky), "f", &Params::new()),
            k.key(Some(&Identity::new("ada")), "f", &Params::new())
        );
        assert_ne!(k.identity_tag(Some("ada")), k.identity_tag(None));
        assert_ne!(k.identity_tag(Some("null")), k.identity_tag(None));
    }
}
