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

use serde::de::{Deserialize, Deserializer};
use serde_json::value::RawValue;

/// What a raw JSON value is, from its first byte.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Object,
    Array,
    Null,
    Scalar,
}

pub fn kind(raw: Option<RawJson<'_>>) -> Kind {
    match raw.map(|r| r.get().as_bytes().first().copied()) {
        None | Some(None) => Kind::Null,
        Some(Some(b'{')) => Kind::Object,
        Some(Some(b'[')) => Kind::Array,
        Some(Some(b'n')) => Kind::Null,
        Some(Some(_)) => Kind::Scalar,
    }
}

/// The text of one JSON value inside a plan serde has accepted, borrowed
/// from the input. Only deserializing (through serde_json's `RawValue`) and
/// [`members`] and [`elements`] make one, so its text is always valid JSON
/// with no whitespace around it, and navigating it needs no checks.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct RawJson<'a>(&'a str);

impl<'a> RawJson<'a> {
    /// The JSON text.
    pub fn get(self) -> &'a str {
        self.0
    }
}

impl fmt::Debug for RawJson<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for RawJson<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        <&'de RawValue>::deserialize(d).map(|raw| RawJson(raw.get()))
    }
}

/// An object's members, in document order.
pub struct Members<'a>(pub Vec<(Cow<'a, str>, RawJson<'a>)>);

impl<'a> Members<'a> {
    pub fn get(&self, key: &str) -> Option<RawJson<'a>> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| *v)
    }
}

/// An array's elements.
pub struct Elements<'a>(pub Vec<RawJson<'a>>);

/// The members of an object (none for any other value). The text is valid
/// JSON, so the members are found by stepping over strings and brackets:
/// nothing is checked again, which is what makes this cheaper than serde.
pub fn members(raw: RawJson<'_>) -> Members<'_> {
    let mut out = Vec::new();
    let mut at = first_member(raw);
    while let Some((key, value, next)) = member_at(raw.0, at) {
        out.push((key, value));
        at = next;
    }
    Members(out)
}

/// The value of an object's first member named `key`, read up to that
/// member only (for one lookup; [`members`] for several).
pub fn member<'a>(raw: RawJson<'a>, key: &str) -> Option<RawJson<'a>> {
    let mut at = first_member(raw);
    while let Some((k, value, next)) = member_at(raw.0, at) {
        if k == key {
            return Some(value);
        }
        at = next;
    }
    None
}

/// Where an object's first member starts; the end for any other value,
/// which has none.
fn first_member(raw: RawJson<'_>) -> usize {
    if raw.0.starts_with('{') { skip_space(raw.0.as_bytes(), 1) } else { raw.0.len() }
}

/// The member whose key starts at `i` (at the closing brace, none): its
/// key, its value and where the next one starts.
#[inline(always)]
fn member_at(text: &str, i: usize) -> Option<(Cow<'_, str>, RawJson<'_>, usize)> {
    let b = text.as_bytes();
    if b.get(i) != Some(&b'"') {
        return None;
    }
    let (end, escaped) = string_end(b, i);
    let key = if escaped {
        // Valid JSON, so this decodes (a lone surrogate escape, which the
        // scan refuses, reads as an empty key).
        Cow::Owned(serde_json::from_str(&text[i..end]).unwrap_or_default())
    } else {
        Cow::Borrowed(&text[i + 1..end - 1])
    };
    // Past the colon to the value.
    let start = skip_space(b, skip_space(b, end) + 1);
    let stop = value_end(b, start);
    Some((key, RawJson(&text[start..stop]), next_item(b, stop)))
}

/// The elements of an array (none for any other value); see [`members`].
pub fn elements(raw: RawJson<'_>) -> Elements<'_> {
    let text = raw.0;
    let b = text.as_bytes();
    let mut out = Vec::new();
    if b.first() != Some(&b'[') {
        return Elements(out);
    }
    let mut i = skip_space(b, 1);
    while i < b.len() && b[i] != b']' {
        let stop = value_end(b, i);
        out.push(RawJson(&text[i..stop]));
        i = next_item(b, stop);
    }
    Elements(out)
}

pub(super) fn skip_space(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && matches!(b[i], b' ' | b'\n' | b'\r' | b'\t') {
        i += 1;
    }
    i
}

/// From the end of a member or element to the start of the next one (or
/// to the closing bracket).
fn next_item(b: &[u8], stop: usize) -> usize {
    let i = skip_space(b, stop);
    if b.get(i) == Some(&b',') { skip_space(b, i + 1) } else { i }
}

/// Just past the value starting at `start`.
pub(super) fn value_end(b: &[u8], start: usize) -> usize {
    match b.get(start) {
        Some(b'"') => string_end(b, start).0,
        Some(b'{' | b'[') => {
            let mut depth = 0usize;
            let mut i = start;
            while i < b.len() {
                match b[i] {
                    b'"' => {
                        i = string_end(b, i).0;
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            return i + 1;
                        }
                    }
                    _ => {}
                }
                i += 1;
            }
            b.len()
        }
        // A number or a literal runs to the next separator.
        _ => {
            let mut i = start;
            while i < b.len() && !matches!(b[i], b',' | b'}' | b']' | b' ' | b'\n' | b'\r' | b'\t') {
                i += 1;
            }
            i
        }
    }
}

/// Just past the string starting at `start` (a `"`), and whether it has an
/// escape. Eight bytes are looked at a time.
pub(super) fn string_end(b: &[u8], start: usize) -> (usize, bool) {
    let mut i = start + 1;
    let mut escaped = false;
    loop {
        if let Some(word) = b.get(i..i + 8) {
            let word = u64::from_le_bytes([word[0], word[1], word[2], word[3], word[4], word[5], word[6], word[7]]);
            let found = super::scan::has_byte(word, b'"') | super::scan::has_byte(word, b'\\');
            if found == 0 {
                i += 8;
                continue;
            }
            i += (found.trailing_zeros() / 8) as usize;
        }
        match b.get(i) {
            None => return (b.len(), escaped),
            Some(b'"') => return (i + 1, escaped),
            Some(b'\\') => {
                escaped = true;
                i += 2;
            }
            Some(_) => i += 1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn raw(text: &str) -> RawJson<'_> {
        serde_json::from_str(text).unwrap()
    }

    #[test]
    fn borrows_members_and_elements() {
        let raw = raw(r#"{"a": [1, {"b": 2}], "c\"d": null}"#);
        let m = members(raw);
        assert_eq!(m.0.len(), 2);
        assert!(matches!(m.0[0].0, Cow::Borrowed("a")));
        assert_eq!(m.get("c\"d").map(RawJson::get), Some("null"));
        let e = elements(m.get("a").unwrap());
        assert_eq!(e.0.len(), 2);
        assert_eq!(kind(Some(e.0[1])), Kind::Object);
        assert_eq!(kind(None), Kind::Null);
        // Other values have no members or elements.
        assert!(members(e.0[0]).0.is_empty() && elements(raw).0.is_empty());
        // One member, read up to it.
        assert_eq!(member(raw, "c\"d").map(RawJson::get), Some("null"));
        assert_eq!(member(raw, "a").map(RawJson::get), Some(r#"[1, {"b": 2}]"#));
        assert_eq!(member(raw, "b"), None);
        assert_eq!(member(e.0[0], "a"), None);
    }

    #[test]
    fn deserializing_keeps_no_space_around_the_value() {
        assert_eq!(raw(" \n {\"a\": 1} \t").get(), "{\"a\": 1}");
    }

    /// The splitter agrees with serde on every member and element, compact
    /// or pretty, with escapes, brackets and quotes inside strings, nested
    /// values and every kind of scalar.
    #[test]
    fn agrees_with_serde() {
        let docs = [
            r#"{}"#,
            r#"[]"#,
            r#"{ }"#,
            r#"[ ]"#,
            r#"{"a":1,"b":-2.5e-3,"c":true,"d":false,"e":null,"f":"x"}"#,
            r#"{"a":"q\"}{][,:","b\\":"\\","c\u0041":"\ud83d\ude00","":{}}"#,
            r#"{"a":{"b":{"c":[1,[2,[3,{"d":"]}"}]]]}},"e":[{},[],"",0]}"#,
            "{\n  \"a\" : [\n    1 ,\n    {\"b\" :\t\"c\"}\n  ] ,\r\n  \"d\" : 12345678901234567890\n}",
            r#"[1,"two",[3],{"four":4},null,true,false,-0.0e+10]"#,
            r#"{"long":"0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz","escaped_late":"0123456789abcdef\n"}"#,
        ];
        for doc in docs {
            let value: Value = serde_json::from_str(doc).unwrap();
            match &value {
                Value::Object(want) => {
                    let got = members(raw(doc));
                    assert_eq!(got.0.len(), want.len(), "{doc}");
                    for (k, v) in &got.0 {
                        let v: Value = serde_json::from_str(v.get()).unwrap();
                        assert_eq!(Some(&v), want.get(k.as_ref()), "{doc}: {k}");
                        let one: Value = serde_json::from_str(member(raw(doc), k).unwrap().get()).unwrap();
                        assert_eq!(one, v, "{doc}: {k}");
                    }
                }
                Value::Array(want) => {
                    let got: Vec<Value> =
                        elements(raw(doc)).0.iter().map(|e| serde_json::from_str(e.get()).unwrap()).collect();
                    assert_eq!(&got, want, "{doc}");
                }
                _ => unreachable!(),
            }
        }
    }
}
