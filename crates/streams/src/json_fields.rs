//! A JSON record value's fields read for a schema's columns in one pass: only the fields that
//! name a column become JSON values; the others are skipped unbuilt (a long text field nobody
//! selects costs no copy). A field matches its column as ksqlDB's JSON format matches it: by
//! name, or failing that by name in upper case (the smallest such field name, the last of equal
//! ones, as a lookup in the whole parsed object would find).

use std::borrow::Cow;
use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value as Json;

use crate::schema::Column;
use crate::types::SqlType;

/// What a record value held.
pub(crate) enum Fields {
    /// JSON `null`: a tombstone.
    Null,
    /// An object: each column's field (JSON `null` when missing).
    Object(Vec<Json>),
    /// Something else, named as Jackson names its node.
    Other(&'static str),
}

/// Reads `text` (one JSON value) for `columns`; a STRING column `skip` marks is read past,
/// unbuilt, and comes out JSON `null` (a STRING column takes any JSON value, so skipping it
/// refuses nothing).
pub(crate) fn read_fields(
    text: &str,
    columns: &[Column],
    skip: Option<&[bool]>,
) -> Result<Fields, serde_json::Error> {
    let mut de = serde_json::Deserializer::from_str(text);
    let fields = FieldsSeed { columns, skip }.deserialize(&mut de)?;
    de.end()?;
    Ok(fields)
}

/// An object's field name, borrowed from the text when it has no escapes.
struct Key<'de>(Cow<'de, str>);

impl<'de> serde::Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a field name")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v.to_owned())))
            }
        }
        d.deserialize_str(KeyVisitor)
    }
}

struct FieldsSeed<'c> {
    columns: &'c [Column],
    skip: Option<&'c [bool]>,
}

impl<'de> DeserializeSeed<'de> for FieldsSeed<'_> {
    type Value = Fields;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Fields, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for FieldsSeed<'_> {
    type Value = Fields;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_unit<E>(self) -> Result<Fields, E> {
        Ok(Fields::Null)
    }
    fn visit_bool<E>(self, _: bool) -> Result<Fields, E> {
        Ok(Fields::Other("BooleanNode"))
    }
    fn visit_i64<E>(self, _: i64) -> Result<Fields, E> {
        Ok(Fields::Other("IntNode"))
    }
    fn visit_u64<E>(self, _: u64) -> Result<Fields, E> {
        Ok(Fields::Other("IntNode"))
    }
    fn visit_f64<E>(self, _: f64) -> Result<Fields, E> {
        Ok(Fields::Other("DoubleNode"))
    }
    fn visit_str<E>(self, _: &str) -> Result<Fields, E> {
        Ok(Fields::Other("TextNode"))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Fields, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Fields::Other("ArrayNode"))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Fields, A::Error> {
        let n = self.columns.len();
        let mut exact: Vec<Option<Json>> = vec![None; n];
        // Fields that match a column only in upper case are rare: no room is made until one.
        let mut loose: Vec<Option<(String, Json)>> = Vec::new();
        let skipped = |i: usize| {
            self.skip
                .is_some_and(|s| s.get(i).copied().unwrap_or(false))
                && self.columns.get(i).is_some_and(|c| c.ty == SqlType::String)
        };
        while let Some(Key(key)) = map.next_key::<Key<'de>>()? {
            if let Some(i) = self.columns.iter().position(|c| c.name == *key) {
                if skipped(i) {
                    map.next_value::<IgnoredAny>()?;
                } else {
                    exact[i] = Some(map.next_value()?);
                }
                continue;
            }
            let upper = |c: &Column| key.chars().flat_map(char::to_uppercase).eq(c.name.chars());
            match self.columns.iter().position(upper) {
                Some(i) if !skipped(i) => {
                    let value: Json = map.next_value()?;
                    if loose.is_empty() {
                        loose.resize(n, None);
                    }
                    let Some(slot) = loose.get_mut(i) else {
                        continue;
                    };
                    if slot.as_ref().is_none_or(|(k, _)| *key <= **k) {
                        *slot = Some((key.into_owned(), value));
                    }
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        let mut loose = loose.into_iter();
        Ok(Fields::Object(
            exact
                .into_iter()
                .map(|e| {
                    let l = loose.next().flatten();
                    e.or(l.map(|(_, v)| v)).unwrap_or(Json::Null)
                })
                .collect(),
        ))
    }
}
