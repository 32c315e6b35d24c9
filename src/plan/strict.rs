//! A one-pass reader of plan JSON: it checks the syntax (what serde_json
//! accepts) and everything the fail-closed scan (`scan.rs`) refuses, while
//! serde's derived code reads the plan's typed parts through it, and it
//! finds the top-level members the digest needs.
//!
//! It replaces two passes over every byte (serde_json stepping over the raw
//! values, then the scan) with one. It only has to be *sound*, not
//! complete: any doubt (a duplicate key, even with the same value; a
//! surrogate escape anywhere; a document that is not an object) is a
//! refusal without a reason, and the caller then reads the document the
//! slow way (serde_json, then the scan), which accepts it or says exactly
//! what is wrong. So this reader never decides that a plan is bad, only
//! that it is good; the tests hold it to reading the same plan as the slow
//! way, and to never accepting what the slow way refuses.

use std::borrow::Cow;
use std::fmt;

use serde::de::value::{BorrowedStrDeserializer, StringDeserializer};
use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};

use super::scan::{MAX_DEPTH, Scanned, comes_after, has_byte, key_bit, out_of_range};

/// The name serde_json's `RawValue` asks a deserializer for: the reader
/// answers with the value's text, as serde_json does.
const RAW_VALUE: &str = "$serde_json::private::RawValue";

/// Objects out of order with more keys than this look keys up in a set.
const LINEAR_KEYS: usize = 16;

/// The document is not one this reader accepts (the caller reads it the
/// slow way).
#[derive(Debug)]
pub struct Refused;

impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("not read by the one-pass reader")
    }
}

impl std::error::Error for Refused {}

impl de::Error for Refused {
    fn custom<T: fmt::Display>(_: T) -> Refused {
        Refused
    }
}

/// Reads `text` (a whole document, UTF-8) as a `T`, with the scan's result;
/// `None` when the document must be read the slow way.
pub fn read<'a, T: de::Deserialize<'a>>(text: &'a str) -> Option<(T, Scanned)> {
    let mut r = Reader::new(text);
    r.ws();
    if r.peek() != Some(b'{') {
        return None;
    }
    let value = T::deserialize(&mut r).ok()?;
    r.ws();
    (r.i == r.b.len()).then_some((value, Scanned { members: r.members, compact: r.compact }))
}

struct Reader<'a> {
    text: &'a str,
    b: &'a [u8],
    i: usize,
    /// Open objects and arrays.
    depth: usize,
    /// The keys of each open object (reused across objects).
    keys: Vec<Keys<'a>>,
    open_objects: usize,
    members: Vec<(String, std::ops::Range<usize>)>,
    /// The top-level member being read: its key and where its value starts.
    member: Option<(String, usize)>,
    compact: bool,
    /// Inside `prior_state`'s value, which the scan steps over: its
    /// whitespace, keys and numbers are not the scan's to check (only its
    /// syntax is, which serde checks on the slow way).
    quiet: bool,
}

/// The keys of one object so far, to refuse a repeated one.
#[derive(Default)]
struct Keys<'a> {
    keys: Vec<Cow<'a, [u8]>>,
    sorted: bool,
    bits: u64,
    set: Option<foldhash::HashSet<Cow<'a, [u8]>>>,
}

impl<'a> Keys<'a> {
    fn reset(&mut self) {
        self.keys.clear();
        self.sorted = true;
        self.bits = 0;
        self.set = None;
    }

    /// Adds `key`; `false` when the object has it already.
    fn insert(&mut self, key: Cow<'a, [u8]>) -> bool {
        // Keys of values and maps come sorted: a key above the last of keys
        // all in order is new, with no search.
        let in_order = self.sorted && self.keys.last().is_none_or(|last| comes_after(&key, last));
        let bit = key_bit(&key);
        if !in_order {
            self.sorted = false;
            if self.set.is_none() && self.keys.len() > LINEAR_KEYS {
                self.set = Some(self.keys.iter().cloned().collect());
            }
            let seen = match &self.set {
                Some(set) => set.contains(&key),
                None => self.bits & bit != 0 && self.keys.contains(&key),
            };
            if seen {
                return false;
            }
        }
        if let Some(set) = &mut self.set {
            set.insert(key.clone());
        }
        self.bits |= bit;
        self.keys.push(key);
        true
    }
}

/// The lowest byte of `word` below `n` (at most 128) has its high bit set.
fn has_less(word: u64, n: u8) -> u64 {
    const LOW: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    word.wrapping_sub(LOW * u64::from(n)) & !word & HIGH
}

fn hex4(b: &[u8], at: usize) -> Result<u16, Refused> {
    let digits = b.get(at..at + 4).ok_or(Refused)?;
    let mut v = 0u16;
    for &d in digits {
        let x = match d {
            b'0'..=b'9' => d - b'0',
            b'a'..=b'f' => d - b'a' + 10,
            b'A'..=b'F' => d - b'A' + 10,
            _ => return Err(Refused),
        };
        v = v << 4 | u16::from(x);
    }
    Ok(v)
}

impl<'a> Reader<'a> {
    fn new(text: &'a str) -> Reader<'a> {
        Reader {
            text,
            b: text.as_bytes(),
            i: 0,
            depth: 0,
            keys: Vec::new(),
            open_objects: 0,
            members: Vec::new(),
            member: None,
            compact: true,
            quiet: false,
        }
    }

    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    #[inline]
    fn ws(&mut self) {
        while let Some(&c) = self.b.get(self.i) {
            if c > b' ' || !matches!(c, b' ' | b'\n' | b'\r' | b'\t') {
                return;
            }
            self.compact &= self.quiet;
            self.i += 1;
        }
    }

    /// Steps over the string at `self.i` (a `"`): its body's range, and
    /// whether it has escapes. Refuses a control character, a bad escape
    /// and a surrogate escape without its pair.
    #[inline(always)]
    fn string(&mut self) -> Result<(usize, usize, bool), Refused> {
        let b = self.b;
        let start = self.i + 1;
        let mut i = start;
        let mut escaped = false;
        loop {
            while let Some(word) = b.get(i..i + 8) {
                let word = u64::from_le_bytes([word[0], word[1], word[2], word[3], word[4], word[5], word[6], word[7]]);
                let hit = has_byte(word, b'"') | has_byte(word, b'\\') | has_less(word, 0x20);
                if hit != 0 {
                    i += (hit.trailing_zeros() / 8) as usize;
                    break;
                }
                i += 8;
            }
            match *b.get(i).ok_or(Refused)? {
                b'"' => {
                    self.i = i + 1;
                    return Ok((start, i, escaped));
                }
                b'\\' => {
                    escaped = true;
                    i = match b.get(i + 1) {
                        Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => i + 2,
                        Some(b'u') => match hex4(b, i + 2)? {
                            0xD800..=0xDBFF if b.get(i + 6..i + 8) == Some(b"\\u") => match hex4(b, i + 8)? {
                                0xDC00..=0xDFFF => i + 12,
                                _ => return Err(Refused),
                            },
                            0xD800..=0xDFFF => return Err(Refused),
                            _ => i + 6,
                        },
                        _ => return Err(Refused),
                    };
                }
                0..=0x1f => return Err(Refused),
                _ => i += 1,
            }
        }
    }

    /// The string at `self.i`, decoded.
    fn string_text(&mut self) -> Result<Cow<'a, str>, Refused> {
        let (start, end, escaped) = self.string()?;
        self.decoded(start, end, escaped)
    }

    /// The text of the string whose body [`Reader::string`] found at
    /// `start..end`: borrowed, or with its escapes decoded by serde_json
    /// (as `raw_nav` decodes them).
    #[inline(always)]
    fn decoded(&self, start: usize, end: usize, escaped: bool) -> Result<Cow<'a, str>, Refused> {
        if escaped {
            serde_json::from_str(&self.text[start - 1..end + 1]).map(Cow::Owned).map_err(|_| Refused)
        } else {
            Ok(Cow::Borrowed(&self.text[start..end]))
        }
    }

    /// Steps over the number at `self.i`; refuses one out of the range of a
    /// 64-bit float, as the scan does.
    fn number(&mut self) -> Result<(), Refused> {
        let b = self.b;
        let start = self.i;
        let mut i = start + usize::from(b.get(start) == Some(&b'-'));
        let digits = |i: &mut usize| {
            let from = *i;
            while b.get(*i).is_some_and(u8::is_ascii_digit) {
                *i += 1;
            }
            *i > from
        };
        match b.get(i) {
            Some(b'0') => i += 1,
            Some(b'1'..=b'9') => {
                digits(&mut i);
            }
            _ => return Err(Refused),
        }
        if b.get(i) == Some(&b'.') {
            i += 1;
            if !digits(&mut i) {
                return Err(Refused);
            }
        }
        let exponent = matches!(b.get(i), Some(b'e' | b'E'));
        if exponent {
            i += 1;
            if matches!(b.get(i), Some(b'+' | b'-')) {
                i += 1;
            }
            if !digits(&mut i) {
                return Err(Refused);
            }
        }
        if (exponent || i - start > 300) && !self.quiet && out_of_range(&b[start..i]) {
            return Err(Refused);
        }
        self.i = i;
        Ok(())
    }

    fn literal(&mut self, word: &[u8]) -> Result<(), Refused> {
        if !self.b[self.i..].starts_with(word) {
            return Err(Refused);
        }
        self.i += word.len();
        Ok(())
    }

    /// Enters the object or array at `self.i`.
    fn open(&mut self, object: bool) -> Result<(), Refused> {
        if self.depth == MAX_DEPTH {
            return Err(Refused);
        }
        self.depth += 1;
        self.i += 1;
        if object {
            if self.keys.len() == self.open_objects {
                self.keys.push(Keys::default());
            }
            self.keys[self.open_objects].reset();
            self.open_objects += 1;
        }
        Ok(())
    }

    /// Leaves the container whose closing bracket is at `self.i`.
    fn close(&mut self, object: bool) {
        if self.depth == 1
            && let Some((key, start)) = self.member.take()
        {
            self.members.push((key, start..self.i));
        }
        self.depth -= 1;
        self.open_objects -= usize::from(object);
        self.i += 1;
    }

    /// Steps over the key at `self.i` and its colon, refusing a repeated
    /// key (but in `prior_state`, which the slow way does not check
    /// either); returns the key's body and whether it has escapes.
    #[inline(always)]
    fn key_body(&mut self) -> Result<(usize, usize, bool), Refused> {
        if self.peek() != Some(b'"') {
            return Err(Refused);
        }
        let (start, end, escaped) = self.string()?;
        if !self.quiet {
            let bytes = if escaped {
                Cow::Owned(self.decoded(start, end, escaped)?.into_owned().into_bytes())
            } else {
                Cow::Borrowed(&self.b[start..end])
            };
            if !self.keys[self.open_objects - 1].insert(bytes) {
                return Err(Refused);
            }
        }
        if self.b.get(self.i) == Some(&b':') {
            self.i += 1;
        } else {
            self.ws();
            if self.peek() != Some(b':') {
                return Err(Refused);
            }
            self.i += 1;
        }
        Ok((start, end, escaped))
    }

    /// Reads the key at `self.i` and its colon, like [`Reader::key_body`],
    /// decoded; notes a top-level member.
    fn key(&mut self) -> Result<Cow<'a, str>, Refused> {
        let (start, end, escaped) = self.key_body()?;
        let key = self.decoded(start, end, escaped)?;
        if self.depth == 1 {
            self.member = Some((key.to_string(), self.i));
        }
        Ok(key)
    }

    /// Whether the open object or array (closed by `close`) has another
    /// member or element, stepping over the comma before it or the closing
    /// bracket: at its start (`first`), anything but that bracket; after a
    /// member or element, a comma (then not the bracket: the caller wants a
    /// key or a value).
    #[inline(always)]
    fn more(&mut self, first: bool, close: u8) -> Result<bool, Refused> {
        self.ws();
        let c = self.peek().ok_or(Refused)?;
        if c == close {
            self.close(close == b'}');
            return Ok(false);
        }
        if first {
            return Ok(true);
        }
        if c != b',' {
            return Err(Refused);
        }
        if self.depth == 1
            && let Some((key, start)) = self.member.take()
        {
            self.members.push((key, start..self.i));
        }
        self.i += 1;
        self.ws();
        Ok(true)
    }

    /// Steps over any value, checking it whole.
    fn skip(&mut self) -> Result<(), Refused> {
        self.ws();
        match self.peek().ok_or(Refused)? {
            b'"' => self.string().map(drop),
            b'{' => {
                self.open(true)?;
                if self.more(true, b'}')? {
                    loop {
                        self.key_body()?;
                        self.skip()?;
                        if !self.more(false, b'}')? {
                            break;
                        }
                    }
                }
                Ok(())
            }
            b'[' => {
                self.open(false)?;
                if self.more(true, b']')? {
                    loop {
                        self.skip()?;
                        if !self.more(false, b']')? {
                            break;
                        }
                    }
                }
                Ok(())
            }
            b'-' | b'0'..=b'9' => self.number(),
            b't' => self.literal(b"true"),
            b'f' => self.literal(b"false"),
            b'n' => self.literal(b"null"),
            _ => Err(Refused),
        }
    }
}

/// The members of an object, for serde's derived code.
struct Members<'r, 'a> {
    r: &'r mut Reader<'a>,
    first: bool,
}

impl<'de> MapAccess<'de> for Members<'_, 'de> {
    type Error = Refused;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, Refused> {
        if !self.r.more(std::mem::take(&mut self.first), b'}')? {
            return Ok(None);
        }
        match self.r.key()? {
            Cow::Borrowed(k) => seed.deserialize(BorrowedStrDeserializer::new(k)).map(Some),
            Cow::Owned(k) => seed.deserialize(StringDeserializer::new(k)).map(Some),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Refused> {
        self.r.ws();
        // The scan steps over `prior_state`'s object or array (anything
        // else it checks like the rest).
        let prior_state = self.r.depth == 1
            && matches!(self.r.peek(), Some(b'{' | b'['))
            && self.r.member.as_ref().is_some_and(|(k, _)| k == "prior_state");
        self.r.quiet = prior_state;
        let value = seed.deserialize(&mut *self.r);
        self.r.quiet = false;
        value
    }
}

/// The elements of an array, for serde's derived code.
struct Elements<'r, 'a> {
    r: &'r mut Reader<'a>,
    first: bool,
}

impl<'de> SeqAccess<'de> for Elements<'_, 'de> {
    type Error = Refused;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>, Refused> {
        if !self.r.more(std::mem::take(&mut self.first), b']')? {
            return Ok(None);
        }
        seed.deserialize(&mut *self.r).map(Some)
    }
}

/// serde_json's raw value protocol: one entry, its key the protocol's name
/// and its value the value's text.
struct RawValue<'a> {
    text: Option<&'a str>,
}

impl<'de> MapAccess<'de> for RawValue<'de> {
    type Error = Refused;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, Refused> {
        match self.text {
            Some(_) => seed.deserialize(BorrowedStrDeserializer::new(RAW_VALUE)).map(Some),
            None => Ok(None),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Refused> {
        seed.deserialize(BorrowedStrDeserializer::new(self.text.take().ok_or(Refused)?))
    }
}

impl<'de> de::Deserializer<'de> for &mut Reader<'de> {
    type Error = Refused;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Refused> {
        self.ws();
        let depth = self.depth;
        let value = match self.peek().ok_or(Refused)? {
            b'{' => {
                self.open(true)?;
                visitor.visit_map(Members { r: &mut *self, first: true })?
            }
            b'[' => {
                self.open(false)?;
                visitor.visit_seq(Elements { r: &mut *self, first: true })?
            }
            b'"' => match self.string_text()? {
                Cow::Borrowed(s) => visitor.visit_borrowed_str(s)?,
                Cow::Owned(s) => visitor.visit_string(s)?,
            },
            b't' => {
                self.literal(b"true")?;
                visitor.visit_bool(true)?
            }
            b'f' => {
                self.literal(b"false")?;
                visitor.visit_bool(false)?
            }
            b'n' => {
                self.literal(b"null")?;
                visitor.visit_unit()?
            }
            b'-' | b'0'..=b'9' => {
                let start = self.i;
                self.number()?;
                let token = &self.text[start..self.i];
                if let Ok(n) = token.parse::<u64>() {
                    visitor.visit_u64(n)?
                } else if let Ok(n) = token.parse::<i64>() {
                    visitor.visit_i64(n)?
                } else {
                    visitor.visit_f64(token.parse().map_err(|_| Refused)?)?
                }
            }
            _ => return Err(Refused),
        };
        // A visitor that left its object or array unfinished read less
        // than the document says.
        if self.depth != depth {
            return Err(Refused);
        }
        Ok(value)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Refused> {
        self.ws();
        if self.peek() == Some(b'n') {
            self.literal(b"null")?;
            visitor.visit_none()
        } else {
            visitor.visit_some(self)
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(self, name: &'static str, visitor: V) -> Result<V::Value, Refused> {
        if name != RAW_VALUE {
            return visitor.visit_newtype_struct(self);
        }
        self.ws();
        let start = self.i;
        self.skip()?;
        visitor.visit_map(RawValue { text: Some(&self.text[start..self.i]) })
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Refused> {
        self.skip()?;
        visitor.visit_unit()
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct seq tuple tuple_struct map struct enum identifier
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::raw::RawPlan;

    /// The slow way: serde_json, then the scan.
    fn slow(text: &str) -> Option<(String, Scanned)> {
        let raw: RawPlan<'_> = serde_json::from_str(text).ok()?;
        let skip = raw.prior_state.map(|v| {
            let start = v.get().as_ptr() as usize - text.as_ptr() as usize;
            start..start + v.get().len()
        });
        let scanned = crate::plan::scan::scan_text(text, skip).ok()?;
        Some((format!("{raw:?}"), scanned))
    }

    fn fast(text: &str) -> Option<(String, Scanned)> {
        read::<RawPlan<'_>>(text).map(|(raw, scanned)| (format!("{raw:?}"), scanned))
    }

    fn json_files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                json_files(&path, out);
            } else if path.extension().is_some_and(|e| e == "json") {
                out.push(path);
            }
        }
    }

    #[test]
    fn reads_every_plan_as_the_slow_way_does() {
        let mut files = Vec::new();
        json_files(std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/testdata")), &mut files);
        let mut plans = 0;
        for f in files {
            let bytes = std::fs::read(&f).unwrap();
            let Ok(text) = std::str::from_utf8(&bytes) else { continue };
            let text = text.strip_prefix('\u{feff}').unwrap_or(text);
            let Some(want) = slow(text) else {
                assert!(fast(text).is_none(), "{} is refused the slow way but read", f.display());
                continue;
            };
            // Only a repeated key may send a plan the slow way.
            let got = fast(text).unwrap_or_else(|| panic!("{} is not read in one pass", f.display()));
            assert_eq!(got, want, "{}", f.display());
            plans += 1;
        }
        assert!(plans > 50, "{plans} plans");
    }

    const SEED: &str = r#"{"format_version":"1.2","terraform_version":"1.9.0",
        "variables":{"region":{"value":"eu-west-1"},"tok\u00e9n":{"value":"a\"b\\c\ud83d\ude00"}},
        "resource_changes":[{"address":"aws_db_instance.db","mode":"managed","type":"aws_db_instance",
          "name":"db","index":0,"change":{"actions":["delete","create"],
          "before":{"engine":"postgres","port":5432,"size":1.5e3,"tags":{},"list":[1,-2,0.5,true,false,null]},
          "after":{"engine":"postgres","port":5433,"nested":[[[]],{"a":{"b":[{}]}}]},
          "after_unknown":{},"before_sensitive":{"password":true},"after_sensitive":false,
          "replace_paths":[["engine"]]},"action_reason":"replace_because_cannot_update"}],
        "output_changes":{"o":{"actions":["no-op"],"before":"x","after":"x"}},
        "prior_state":{"values":{"root_module":{}} , "x" : [ 1 , 2e999 ], "x":"y"},
        "configuration":{"root_module":{"variables":{"region":{"sensitive":false}},"outputs":{"o":{"sensitive":true}}}},
        "relevant_attributes":[{"resource":"aws_db_instance.db","attribute":["engine"]}],
        "planned_values":{"root_module":{"resources":[{"address":"aws_db_instance.db","mode":"managed",
          "type":"aws_db_instance","values":{"engine":"postgres"},"sensitive_values":{}}],
          "child_modules":[{"resources":[],"child_modules":[]}]}},
        "errored":false,"complete":true,"applyable":true,"timestamp":"2026-01-01T00:00:00Z"}"#;

    /// A small deterministic generator (xorshift), so a failure repeats.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
    }

    #[test]
    fn a_mutated_document_is_never_read_unless_the_slow_way_reads_it_the_same() {
        // Compact but for `prior_state`, whose whitespace the scan skips.
        let seed = SEED.replace("\n        ", "");
        assert_eq!(fast(&seed), slow(&seed), "the seed reads alike");
        assert!(fast(&seed).is_some(), "the seed is read in one pass");
        const PIECES: &[&str] = &[
            "{",
            "}",
            "[",
            "]",
            ",",
            ":",
            "\"",
            "\\",
            "\\u",
            "d800",
            "\\udc00",
            " ",
            "\n",
            "\t",
            "\u{1}",
            "0",
            "-",
            ".",
            "e",
            "E",
            "+",
            "1e400",
            "01",
            "true",
            "nul",
            "\"engine\":1,",
            "\"a\":",
            "é",
            "\u{7f}",
            "/",
        ];
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        let (mut read_both, mut refused_both, mut only_slow) = (0, 0, 0);
        for _ in 0..40_000 {
            let mut doc = seed.clone();
            for _ in 0..1 + rng.below(3) {
                let mut at = rng.below(doc.len() + 1);
                while !doc.is_char_boundary(at) {
                    at -= 1;
                }
                let end = (at + rng.below(4)).min(doc.len());
                let end = (end..=doc.len()).find(|&e| doc.is_char_boundary(e)).unwrap_or(doc.len());
                let piece = PIECES[rng.below(PIECES.len())];
                match rng.below(3) {
                    0 => doc.insert_str(at, piece),
                    1 => doc.replace_range(at..end, ""),
                    _ => doc.replace_range(at..end, piece),
                }
            }
            match (fast(&doc), slow(&doc)) {
                (Some(f), Some(s)) => {
                    assert_eq!(f, s, "read differently: {doc}");
                    read_both += 1;
                }
                (Some(_), None) => panic!("read in one pass, refused the slow way: {doc}"),
                (None, Some(_)) => only_slow += 1,
                (None, None) => refused_both += 1,
            }
        }
        // The mutations reach both sides of the line.
        assert!(
            read_both > 1000 && refused_both > 1000,
            "{read_both} read, {refused_both} refused, {only_slow} slow only"
        );
    }

    #[test]
    fn what_is_sent_the_slow_way() {
        let plan = |body: &str| format!(r#"{{"format_version":"1.2",{body}}}"#);
        for (doc, why) in [
            (plan(r#""variables":{"a":{"value":1},}"#), "trailing comma"),
            (plan("\"variables\":{\"a\":{\"value\":\"x\u{1}y\"}}"), "control character in a string"),
            (plan(r#""variables":{"a":{"value":"\q"}}"#), "unknown escape"),
            (plan(r#""variables":{"a":{"value":"\ud800"}}"#), "lone surrogate"),
            (plan(r#""variables":{"a":{"value":"\udc00\ud800"}}"#), "surrogates out of order"),
            (plan(r#""variables":{"a":{"value":1e400}}"#), "number out of range"),
            (plan(r#""variables":{"a":{"value":01}}"#), "leading zero"),
            (plan(r#""variables":{"a":{"value":1.}}"#), "no digit after the point"),
            (plan(r#""variables":{"a":{"value":-}}"#), "a lone minus"),
            (plan(r#""variables":{"a":{"value":1,"value":1}}"#), "a repeated key, even with the same value"),
            (plan(r#""x":{"k":1,"k":2}"#), "a repeated key in an unknown member"),
            (plan(r#""variables":{"a":{"value":tru}}"#), "a cut literal"),
            (format!("{} x", plan(r#""x":1"#)), "text after the document"),
            ("[]".to_owned(), "not an object"),
            (plan(&format!(r#""x":{}{}"#, "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH))), "too deep"),
            (plan(r#""x":"#), "cut short"),
            (plan(r#""prior_state":1e400"#), "a number out of range as `prior_state` itself"),
        ] {
            assert!(fast(&doc).is_none(), "{why}: {doc}");
        }
        // Just inside the limits, and escapes that decode.
        for doc in [
            plan(&format!(r#""x":{}{}"#, "[".repeat(MAX_DEPTH - 1), "]".repeat(MAX_DEPTH - 1))),
            plan(r#""variables":{"\u0061\n":{"value":"\ud83d\ude00 \/ \b\f\r\t"}}"#),
            plan(r#""x":-0.0e-0"#),
            plan(r#""prior_state":{"a":1e400,"a":[]}"#),
        ] {
            assert_eq!(fast(&doc), slow(&doc), "{doc}");
            assert!(fast(&doc).is_some(), "{doc}");
        }
    }
}
