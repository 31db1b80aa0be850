//! The in-memory layer: the entries this process stored or read, bounded in
//! size (oldest evicted), indexed by context for invalidation and by age
//! for eviction. Without a store file it is the whole cache.

use std::{
    collections::{BTreeSet, HashMap, HashSet},
    sync::Arc,
};

use super::{key::Key, record::Record};
use crate::core::scoping::{reaches, Target};

/// One entry in memory.
#[derive(Debug, Clone)]
pub(crate) struct Slot {
    pub(crate) record: Arc<Record>,
    pub(crate) invalidated: bool,
    /// The invalidation epoch at which the run that produced it started (0
    /// for entries read from the store): a run that started earlier never
    /// replaces it.
    pub(crate) started: u64,
}

#[derive(Debug)]
pub(crate) struct Memory {
    slots: HashMap<Key, Slot>,
    by_context: HashMap<String, HashSet<Key>>,
    by_age: BTreeSet<(u64, Key)>,
    bytes: u64,
    max_bytes: u64,
}

impl Memory {
    pub(crate) fn new(max_bytes: u64) -> Self {
        Memory {
            slots: HashMap::new(),
            by_context: HashMap::new(),
            by_age: BTreeSet::new(),
            bytes: 0,
            max_bytes,
        }
    }

    pub(crate) fn get(&self, key: &Key) -> Option<&Slot> {
        self.slots.get(key)
    }

    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.slots.len()
    }

    /// Puts a slot, replacing the one under `key`, then evicts the oldest
    /// entries until the bound holds (never the one just put).
    pub(crate) fn insert(&mut self, key: Key, slot: Slot) {
        self.remove(&key);
        self.bytes += slot.record.cost();
        self.by_age.insert((slot.record.stored_at, key));
        self.by_context
            .entry(slot.record.context.clone())
            .or_default()
            .insert(key);
        self.slots.insert(key, slot);
        while self.bytes > self.max_bytes {
            let Some(&(_, oldest)) = self.by_age.iter().find(|(_, k)| *k != key) else {
                break;
            };
            self.remove(&oldest);
        }
    }

    pub(crate) fn remove(&mut self, key: &Key) -> Option<Slot> {
        let slot = self.slots.remove(key)?;
        self.bytes -= slot.record.cost();
        self.by_age.remove(&(slot.record.stored_at, *key));
        if let Some(keys) = self.by_context.get_mut(&slot.record.context) {
            keys.remove(key);
            if keys.is_empty() {
                self.by_context.remove(&slot.record.context);
            }
        }
        Some(slot)
    }

    /// Marks every entry a target reaches as invalidated; the cost grows
    /// with the entries of the target's context, not the whole cache.
    pub(crate) fn invalidate(&mut self, target: &Target) -> usize {
        let Some(keys) = self.by_context.get(&target.context) else {
            return 0;
        };
        let mut n = 0;
        for key in keys {
            let slot = self.slots.get_mut(key).expect("indexed keys are present");
            if !slot.invalidated && reaches(target, &slot.record.context, &slot.record.params) {
                slot.invalidated = true;
                n += 1;
            }
        }
        n
    }

    /// Removes the entries of one identity tag, or every entry.
    pub(crate) fn purge(&mut self, identity: Option<&Key>) {
        match identity {
            None => *self = Memory::new(self.max_bytes),
            Some(tag) => {
                let keys: Vec<Key> = self
                    .slots
                    .iter()
                    .filter(|(_, s)| &s.record.identity == tag)
                    .map(|(k, _)| *k)
                    .collect();
                for k in keys {
                    self.remove(&k);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    pub(crate) fn record(context: &str, params: serde_json::Value, stored_at: u64) -> Record {
        Record {
            context: context.into(),
            function: "f".into(),
            params: serde_json::from_value(params).unwrap(),
            identity: [0; 32],
            stored_at,
            generation: 1,
            value: serde_json::value::to_raw_value(&json!("x".repeat(100))).unwrap(),
        }
    }

    fn slot(r: Record) -> Slot {
        Slot {
            record: Arc::new(r),
            invalidated: false,
            started: 0,
        }
    }

    #[test]
    fn oldest_evicted_past_the_bound() {
        let one = record("c", json!({"n": 0}), 0).cost();
        let mut m = Memory::new(one * 3);
        for i in 0..5u8 {
            m.insert([i; 32], slot(record("c", json!({"n": 0}), u64::from(i))));
        }
        assert_eq!(m.len(), 3);
        assert!(m.get(&[0; 32]).is_none() && m.get(&[1; 32]).is_none());
        assert!(m.get(&[4; 32]).is_some());
        // Replacing a key does not count it twice.
        m.insert([4; 32], slot(record("c", json!({"n": 0}), 9)));
        assert_eq!(m.len(), 3);
    }

    #[test]
    fn invalidation_follows_the_reach_rule() {
        let mut m = Memory::new(u64::MAX);
        m.insert([1; 32], slot(record("user", json!({"user_id": 5}), 0)));
        m.insert([2; 32], slot(record("user", json!({"user_id": 6}), 0)));
        m.insert([3; 32], slot(record("user", json!({}), 0)));
        m.insert([4; 32], slot(record("team", json!({"user_id": 5}), 0)));
        let n = m.invalidate(&Target::new("user", json!({"user_id": 5})));
        assert_eq!(n, 2);
        assert!(m.get(&[1; 32]).unwrap().invalidated);
        assert!(!m.get(&[2; 32]).unwrap().invalidated);
        assert!(m.get(&[3; 32]).unwrap().invalidated);
        assert!(!m.get(&[4; 32]).unwrap().invalidated);
    }

    #[test]
    fn purge_by_identity() {
        let mut m = Memory::new(u64::MAX);
        let mut a = record("c", json!({}), 0);
        a.identity = [7; 32];
        m.insert([1; 32], slot(a));
        m.insert([2; 32], slot(record("c", json!({}), 0)));
        m.purge(Some(&[7; 32]));
        assert!(m.get(&[1; 32]).is_none() && m.get(&[2; 32]).is_some());
        m.purge(None);
        assert_eq!(m.len(), 0);
    }
}
