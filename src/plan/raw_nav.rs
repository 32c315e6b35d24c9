//! Shallow, borrowed navigation of raw JSON values: an object as its
//! `(key, raw value)` pairs, an array as its raw elements.
//!
//! This is what keeps the review near the cost of parsing: a change's
//! `before` and `after` are compared level by level, and a subtree whose raw
//! text is identical on both sides is never parsed (Terraform writes
//! canonical JSON: sorted keys, no whitespace). Texts that differ are
//! compared semantically at the leaves, so pretty-printed input stays
//! correct, only slower.

use std::borrow::Cow;
use std::fmt;

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;

/// What a raw JSON value is, from its first byte.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Object,
    Array,
    Null,
    Scalar,
}

pub fn kind(raw: Option<&RawValue>) -> Kind {
    match raw.map(|r| r.get().trim_start().as_bytes().first().copied()) {
        None | Some(None) => Kind::Null,
        Some(Some(b'{')) => Kind::Object,
        Some(Some(b'[')) => Kind::Array,
        Some(Some(b'n')) => Kind::Null,
        Some(Some(_)) => Kind::Scalar,
    }
}

/// A map key, borrowed when it has no escapes.
struct Key<'a>(Cow<'a, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string key")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E>(self, v: String) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v)))
            }
        }
        d.deserialize_str(V)
    }
}

/// An object's members, in document order.
pub struct Members<'a>(pub Vec<(Cow<'a, str>, &'a RawValue)>);

impl<'a> Members<'a> {
    pub fn get(&self, key: &str) -> Option<&'a RawValue> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| *v)
    }
}

impl<'de> Deserialize<'de> for Members<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Members<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Members<'de>, A::Error> {
                let mut out = Vec::with_capacity(m.size_hint().unwrap_or(8));
                while let Some((k, v)) = m.next_entry::<Key<'de>, &'de RawValue>()? {
                    out.push((k.0, v));
                }
                Ok(Members(out))
            }
        }
        d.deserialize_map(V)
    }
}

/// An array's elements.
pub struct Elements<'a>(pub Vec<&'a RawValue>);

impl<'de> Deserialize<'de> for Elements<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Elements<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an array")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut s: A) -> Result<Elements<'de>, A::Error> {
                let mut out = Vec::with_capacity(s.size_hint().unwrap_or(8));
                while let Some(v) = s.next_element::<&'de RawValue>()? {
                    out.push(v);
                }
                Ok(Elements(out))
            }
        }
        d.deserialize_seq(V)
    }
}

pub fn members(raw: &RawValue) -> Members<'_> {
    serde_json::from_str(raw.get()).unwrap_or(Members(Vec::new()))
}

pub fn elements(raw: &RawValue) -> Elements<'_> {
    serde_json::from_str(raw.get()).unwrap_or(Elements(Vec::new()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn borrows_members_and_elements() {
        let raw: &RawValue = serde_json::from_str(r#"{"a": [1, {"b": 2}], "c\"d": null}"#).unwrap();
        let m = members(raw);
        assert_eq!(m.0.len(), 2);
        assert!(matches!(m.0[0].0, Cow::Borrowed("a")));
        assert_eq!(m.get("c\"d").map(RawValue::get), Some("null"));
        let e = elements(m.get("a").unwrap());
        assert_eq!(e.0.len(), 2);
        assert_eq!(kind(Some(e.0[1])), Kind::Object);
        assert_eq!(kind(None), Kind::Null);
    }
}
