//! One cache entry as stored, in memory and on disk. On disk a record is
//! sealed: its MAC under the secret over the key it is stored under and
//! its JSON, then the JSON. A record read back is trusted only if its MAC
//! holds for the key it was found under.

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use super::key::{Key, Keyer};
use crate::core::scoping::Params;

/// The length of a sealed record's MAC.
const TAG_LEN: usize = 32;

/// Why stored bytes are not a record of the key they were found under.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub(crate) enum Unsealed {
    /// Its MAC does not hold: edited, moved from another key, or written
    /// under another secret.
    #[error("its MAC does not match the record and the key it is stored under")]
    Mac,
    /// Its MAC holds but it does not decode (a layout this code does not
    /// read).
    #[error("it does not decode")]
    Decode,
}

/// One function's result for one key. Immutable once stored; whether it
/// was invalidated is kept beside it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Record {
    /// The context the function belongs to.
    pub(crate) context: String,
    /// The function's name.
    pub(crate) function: String,
    /// The function's own canonical params: what targets are matched
    /// against (a target reaches the entry when it reaches some bundle the
    /// entry serves).
    pub(crate) params: Params,
    /// The HMAC tag of the caller's identity, for purges.
    #[serde(with = "hex32")]
    pub(crate) identity: Key,
    /// Unix ms when it was stored.
    pub(crate) stored_at: u64,
    /// The store generation (process run) that stored it.
    pub(crate) generation: u64,
    /// The function's result, as JSON.
    pub(crate) value: Box<RawValue>,
}

impl Record {
    /// Its size as the store counts it toward the bound.
    pub(crate) fn cost(&self) -> u64 {
        let params: usize = self
            .params
            .iter()
            .map(|(k, v)| k.len() + v.to_string().len())
            .sum();
        (self.value.get().len() + params + self.context.len() + self.function.len() + 128) as u64
    }

    /// The bytes stored under `key`: the MAC, then the JSON.
    pub(crate) fn seal(&self, keyer: &Keyer, key: &Key) -> Vec<u8> {
        let json = serde_json::to_vec(self).expect("a record serializes");
        let mut bytes = keyer.seal(key, &json).to_vec();
        bytes.extend_from_slice(&json);
        bytes
    }

    /// The record stored under `key`, if its MAC holds.
    pub(crate) fn unseal(bytes: &[u8], keyer: &Keyer, key: &Key) -> Result<Record, Unsealed> {
        let (tag, json) = bytes.split_at(TAG_LEN.min(bytes.len()));
        if !keyer.check(key, json, tag) {
            return Err(Unsealed::Mac);
        }
        serde_json::from_slice(json).map_err(|_| Unsealed::Decode)
    }

    /// What stored bytes say, unchecked: only to find the index rows of an
    /// entry being removed.
    pub(crate) fn unchecked(bytes: &[u8]) -> Option<Record> {
        serde_json::from_slice(bytes.get(TAG_LEN..)?).ok()
    }
}

mod hex32 {
    use serde::{de::Error, Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(key: &[u8; 32], s: S) -> Result<S::Ok, S::Error> {
        let mut text = String::with_capacity(64);
        for b in key {
            text.push_str(&format!("{b:02x}"));
        }
        s.serialize_str(&text)
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<[u8; 32], D::Error> {
        let text = <&str>::deserialize(d)?;
        let bad = || D::Error::custom("expected 64 hex digits");
        if text.len() != 64 {
            return Err(bad());
        }
        let mut out = [0u8; 32];
        for (i, chunk) in text.as_bytes().chunks(2).enumerate() {
            let pair = std::str::from_utf8(chunk).map_err(|_| bad())?;
            out[i] = u8::from_str_radix(pair, 16).map_err(|_| bad())?;
        }
        Ok(out)
    }
}
