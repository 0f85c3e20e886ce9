//! A query's state stores, and their changelogs. Each store is an ordered map that remembers
//! which keys changed since its changes were last taken; a processing step writes those changes
//! to the query's compacted changelog topic (key: store and entry key, value: the entry, or a
//! tombstone), in the same transaction as its outputs and input offsets, and a restart replays
//! the changelog to rebuild every store.

use std::collections::{BTreeMap, BTreeSet};

use serde::de::DeserializeOwned;
use serde::Serialize;
use thiserror::Error;

/// A changelog record: (key, value or tombstone).
pub type ChangelogRecord = (Vec<u8>, Option<Vec<u8>>);

/// A changelog record that does not decode.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("changelog record {key:?} does not decode: {reason}")]
pub struct RestoreError {
    /// The record's key, as text.
    pub key: String,
    /// Why.
    pub reason: String,
}

/// An ordered map whose changes are tracked for the changelog. Each entry carries whether it
/// changed since the changes were last taken, so a key changed many times in one step costs one
/// map lookup per change and is copied into the changed set once.
#[derive(Debug, Clone)]
pub struct StateMap<K, V> {
    map: BTreeMap<K, (V, bool)>,
    dirty: BTreeSet<K>,
}

impl<K, V> Default for StateMap<K, V> {
    fn default() -> Self {
        StateMap {
            map: BTreeMap::new(),
            dirty: BTreeSet::new(),
        }
    }
}

impl<K: Ord + Clone, V> StateMap<K, V> {
    /// The entry of `key`.
    pub fn get(&self, key: &K) -> Option<&V> {
        self.map.get(key).map(|(v, _)| v)
    }

    /// The entry of `key`, to change in place.
    pub fn get_mut(&mut self, key: &K) -> Option<&mut V> {
        let (v, changed) = self.map.get_mut(key)?;
        if !*changed {
            *changed = true;
            self.dirty.insert(key.clone());
        }
        Some(v)
    }

    /// Sets the entry of `key`.
    pub fn insert(&mut self, key: K, value: V) -> Option<V> {
        if let Some(v) = self.get_mut(&key) {
            return Some(std::mem::replace(v, value));
        }
        self.dirty.insert(key.clone());
        self.map.insert(key, (value, true));
        None
    }

    /// Removes the entry of `key`.
    pub fn remove(&mut self, key: &K) -> Option<V> {
        let (old, changed) = self.map.remove(key)?;
        if !changed {
            self.dirty.insert(key.clone());
        }
        Some(old)
    }

    /// The first entry in key order.
    pub fn first(&self) -> Option<(&K, &V)> {
        self.map.iter().next().map(|(k, (v, _))| (k, v))
    }

    /// Every entry, in key order.
    pub fn iter(&self) -> impl Iterator<Item = (&K, &V)> {
        self.map.iter().map(|(k, (v, _))| (k, v))
    }

    /// How many entries.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
}

impl<K: Ord + Clone + Serialize + DeserializeOwned, V: Serialize + DeserializeOwned>
    StateMap<K, V>
{
    /// The changes since the last call, as changelog records of store `name`.
    pub fn take_changes(&mut self, name: &str, out: &mut Vec<ChangelogRecord>) {
        for key in std::mem::take(&mut self.dirty) {
            let entry = self.map.get_mut(&key);
            let value = entry.and_then(|(v, changed)| {
                *changed = false;
                serde_json::to_vec(v).ok()
            });
            let Ok(k) = serde_json::to_string(&key) else {
                continue;
            };
            out.push((format!("{name}:{k}").into_bytes(), value));
        }
    }

    /// Applies one changelog record of this store (its key without the store's name).
    pub fn restore(&mut self, key: &str, value: Option<&[u8]>) -> Result<(), RestoreError> {
        let bad = |e: serde_json::Error| RestoreError {
            key: key.to_owned(),
            reason: e.to_string(),
        };
        let k: K = serde_json::from_str(key).map_err(bad)?;
        match value {
            Some(bytes) => {
                let v: V = serde_json::from_slice(bytes).map_err(bad)?;
                self.map.insert(k, (v, false));
            }
            None => {
                self.map.remove(&k);
            }
        }
        Ok(())
    }
}

/// Splits a changelog key into its store's name and the entry's key.
pub fn split_key(key: &[u8]) -> Result<(&str, &str), RestoreError> {
    let text = std::str::from_utf8(key).map_err(|_| RestoreError {
        key: String::from_utf8_lossy(key).into_owned(),
        reason: "not UTF-8".to_owned(),
    })?;
    text.split_once(':').ok_or_else(|| RestoreError {
        key: text.to_owned(),
        reason: "no store name".to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::Value;

    #[test]
    fn changes_round_trip_through_the_changelog() {
        let mut a: StateMap<Vec<Value>, (f64, i64)> = StateMap::default();
        a.insert(
            vec![Value::String("x".into()), Value::Double(f64::NAN)],
            (1.5, 2),
        );
        a.insert(vec![Value::Int(3)], (0.0, 1));
        a.remove(&vec![Value::Int(3)]);
        let mut log = Vec::new();
        a.take_changes("groups", &mut log);
        assert_eq!(log.len(), 2);
        let mut b: StateMap<Vec<Value>, (f64, i64)> = StateMap::default();
        for (k, v) in &log {
            let (store, key) = split_key(k).unwrap();
            assert_eq!(store, "groups");
            b.restore(key, v.as_deref()).unwrap();
        }
        assert_eq!(b.len(), 1);
        let (k, v) = b.first().unwrap();
        assert!(matches!(k[1], Value::Double(d) if d.is_nan()));
        assert_eq!(*v, (1.5, 2));
        assert!(b.restore("[not json", Some(b"1")).is_err());
    }
}
