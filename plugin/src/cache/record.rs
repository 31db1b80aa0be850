//! One cache entry as stored, in memory and on disk.

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use super::key::Key;
use crate::core::scoping::Params;

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

    pub(crate) fn encode(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("a record serializes")
    }

    pub(crate) fn decode(bytes: &[u8]) -> Option<Record> {
        serde_json::from_slice(bytes).ok()
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
