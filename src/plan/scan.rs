//! One pass over a plan's bytes for what serde does not check: JSON that
//! readers could understand differently, or that could not be read back
//! faithfully. Such input is refused, never read as "nothing sensitive".
//!
//! Refused, anywhere in the document but `prior_state`: an object with the same key twice
//! and different values (Go keeps the last, serde's borrowed readers the
//! first; the same value twice is harmless and accepted), nesting deeper
//! than [`MAX_DEPTH`], a number out of the range of a 64-bit float
//! (`1e400`), a string with an unpaired UTF-16 surrogate escape (`\ud800`),
//! and bytes that are not UTF-8. The pass also finds the byte range of each
//! top-level member, for the approval digest.
//!
//! `prior_state` (the state before the plan, a quarter of a large plan's
//! bytes) is stepped over: plangate reads nothing in it, so no reader's
//! understanding of it can change a review, and serde has still checked
//! that it is JSON and UTF-8. The digest still covers it.
//!
//! It runs after serde has accepted the document as JSON, so it trusts the
//! syntax; it keeps its own stack (no recursion), so any depth is safe.
//! Most plans never come here: the one-pass reader (`strict.rs`) makes the
//! same checks while it reads, and sends the slow way (serde_json, then this
//! scan) only a document it doubts, whose refusal this pass then explains.

use foldhash::HashMap;
use std::borrow::Cow;
use std::ops::Range;

/// The deepest nesting of objects and arrays accepted, counted from the
/// document's root: values inside a change sit about six levels down, so
/// every value may nest about a hundred levels of its own.
pub const MAX_DEPTH: usize = 110;

/// What made the document unreadable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Problem {
    DuplicateKey,
    TooDeep,
    NumberOutOfRange,
    LoneSurrogate,
    NotUtf8,
}

/// A refused document: what, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScanError {
    pub problem: Problem,
    pub line: usize,
    pub column: usize,
    /// The JSON path to the place, with keys outside the plan format's own
    /// vocabulary written `[…]` (they are plan content).
    pub path: String,
}

impl ScanError {
    /// The one-paragraph explanation (no plan content).
    pub fn message(&self) -> String {
        let what = match self.problem {
            Problem::DuplicateKey => "an object has the same key twice with different values; JSON readers \
                                      disagree on which one wins (so on what is sensitive), and plangate refuses \
                                      to guess"
                .to_owned(),
            Problem::TooDeep => format!(
                "the JSON is nested more than {MAX_DEPTH} levels deep; no real plan does this, and plangate \
                 refuses it rather than guess which parts are sensitive"
            ),
            Problem::NumberOutOfRange => "a number is out of the range plangate can read (beyond about 1.8e308); \
                                          plangate refuses it rather than read it as something else"
                .to_owned(),
            Problem::LoneSurrogate => "a string holds an unpaired UTF-16 surrogate escape (`\\ud800`-`\\udfff` \
                                       without its pair), which is no character; Terraform never writes one"
                .to_owned(),
            Problem::NotUtf8 => "the file is not valid UTF-8 text; write the plan with `terraform show -json \
                                 PLANFILE > plan.json` (UTF-8)"
                .to_owned(),
        };
        let at = if self.path.is_empty() { String::new() } else { format!(", at `{}`", self.path) };
        format!("{what} (line {}, column {}{at})", self.line, self.column)
    }
}

/// What the pass found in a document it accepted.
#[derive(Debug, PartialEq, Eq)]
pub struct Scanned {
    /// Each top-level member: its key (decoded) and the byte range of its value.
    pub members: Vec<(String, Range<usize>)>,
    /// No whitespace outside strings (as Terraform writes plans) in what
    /// was scanned: the digest can hash the text as it is. A skipped value
    /// is taken to be written like the rest; if it is not (only its
    /// whitespace pretty-printed), the digest differs from the compact
    /// plan's, which can only refuse an approval, never grant one.
    pub compact: bool,
}

struct Frame<'a> {
    object: bool,
    /// Object: the next string is a key.
    expect_key: bool,
    /// Object: the raw range of the current key; array: the current index.
    key: Range<usize>,
    index: usize,
    /// Each key so far (decoded) and where its value starts.
    keys: Vec<(Cow<'a, [u8]>, usize)>,
    /// Every key so far came after the one before it (byte order).
    sorted: bool,
    /// One bit per key of [`key_bit`]: a key whose bit is clear is new,
    /// with no search (objects in struct order, such as a change's).
    bits: u64,
    /// Key to index in `keys`, once the object is big and out of order.
    set: Option<HashMap<Cow<'a, [u8]>, usize>>,
    /// The member being read when its key repeats an earlier one: that
    /// one's index, the key's offset and where the value starts.
    repeat: Option<(usize, usize, usize)>,
}

impl Frame<'_> {
    fn reset(&mut self, object: bool) {
        self.object = object;
        self.expect_key = object;
        self.key = 0..0;
        self.index = 0;
        self.keys.clear();
        self.sorted = true;
        self.bits = 0;
        self.set = None;
        self.repeat = None;
    }
}

/// Objects out of order with more keys than this check duplicates with a hash map.
const LINEAR_KEYS: usize = 16;

/// Checks a document serde has parsed; see the module docs.
#[cfg(test)]
pub fn scan(bytes: &[u8]) -> Result<Scanned, ScanError> {
    scan_text(utf8(bytes)?, None)
}

/// The document as text, or [`Problem::NotUtf8`] where it stops being UTF-8.
pub fn utf8(bytes: &[u8]) -> Result<&str, ScanError> {
    std::str::from_utf8(bytes).map_err(|e| error_at(bytes, Problem::NotUtf8, e.valid_up_to(), &[]))
}

/// [`scan`] of a document already known to be UTF-8. `skip` is the byte
/// range of a value not to look into: `prior_state`'s, which nothing reads
/// (it is still one of the members found, so the digest covers it).
pub fn scan_text(text: &str, skip: Option<Range<usize>>) -> Result<Scanned, ScanError> {
    let skip = skip.unwrap_or(usize::MAX..usize::MAX);
    let bytes = text.as_bytes();
    let mut frames: Vec<Frame<'_>> = Vec::new();
    let mut depth = 0usize;
    let mut scanned = Scanned { members: Vec::new(), compact: true };
    let mut member: Option<(String, usize)> = None;
    let mut i = 0;
    let n = bytes.len();
    while i < n {
        let b = bytes[i];
        match b {
            b'{' | b'[' if i == skip.start => i = skip.end,
            b'{' | b'[' => {
                if depth == MAX_DEPTH {
                    return Err(error_at(bytes, Problem::TooDeep, i, &frames[..depth]));
                }
                if frames.len() == depth {
                    frames.push(Frame {
                        object: false,
                        expect_key: false,
                        key: 0..0,
                        index: 0,
                        keys: Vec::new(),
                        sorted: true,
                        bits: 0,
                        set: None,
                        repeat: None,
                    });
                }
                frames[depth].reset(b == b'{');
                depth += 1;
                i += 1;
            }
            b'}' | b']' => {
                if depth > 0 && frames[depth - 1].repeat.is_some() {
                    end_member(bytes, &mut frames[..depth], i)?;
                }
                depth = depth.saturating_sub(1);
                if depth == 0
                    && let Some((k, start)) = member.take()
                {
                    scanned.members.push((k, start..i));
                }
                i += 1;
            }
            b',' => {
                if depth > 0 {
                    if frames[depth - 1].repeat.is_some() {
                        end_member(bytes, &mut frames[..depth], i)?;
                    }
                    let f = &mut frames[depth - 1];
                    if f.object {
                        f.expect_key = true;
                    } else {
                        f.index += 1;
                    }
                    if depth == 1
                        && let Some((k, start)) = member.take()
                    {
                        scanned.members.push((k, start..i));
                    }
                }
                i += 1;
            }
            b'"' => {
                let (end, escaped) =
                    string_end(bytes, i).map_err(|at| error_at(bytes, Problem::LoneSurrogate, at, &frames[..depth]))?;
                if depth > 0 && frames[depth - 1].object && frames[depth - 1].expect_key {
                    let f = &mut frames[depth - 1];
                    f.expect_key = false;
                    f.key = i..end;
                    let key: Cow<'_, [u8]> = if escaped {
                        let decoded: String = serde_json::from_slice(&bytes[i..end]).unwrap_or_default();
                        Cow::Owned(decoded.into_bytes())
                    } else {
                        Cow::Borrowed(&bytes[i + 1..end - 1])
                    };
                    // Terraform writes `"key":` with no space: then the
                    // colon is stepped over here (any space after a key is
                    // left to the loop, which notes that the text is not
                    // compact).
                    let (colon, next) = if bytes.get(end) == Some(&b':') {
                        (end + 1, end + 1)
                    } else {
                        (memchr::memchr(b':', &bytes[end..]).map_or(n, |p| end + p + 1), end)
                    };
                    let earlier = insert_key(f, key, colon);
                    f.repeat = earlier.map(|j| (j, i, colon));
                    if depth == 1 && earlier.is_none() {
                        let k = String::from_utf8_lossy(frames[0].keys.last().map_or(&[][..], |k| &k.0)).into_owned();
                        member = Some((k, colon));
                    }
                    i = next;
                    continue;
                }
                i = end;
            }
            b'-' | b'0'..=b'9' => {
                let start = i;
                while i < n && matches!(bytes[i], b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9') {
                    i += 1;
                }
                if out_of_range(&bytes[start..i]) {
                    return Err(error_at(bytes, Problem::NumberOutOfRange, start, &frames[..depth]));
                }
            }
            // `true`, `false`, `null`: serde has accepted the text, so the
            // literal is whole.
            b't' | b'n' => i += 4,
            b'f' => i += 5,
            _ => {
                if b.is_ascii_whitespace() {
                    scanned.compact = false;
                }
                i += 1;
            }
        }
    }
    Ok(scanned)
}

/// Whether a JSON number token is beyond the range of a 64-bit float
/// (`1e400`); only a long one or one with an exponent can be.
pub(super) fn out_of_range(token: &[u8]) -> bool {
    (token.len() > 300 || token.iter().any(|&c| c == b'e' || c == b'E'))
        && !std::str::from_utf8(token).ok().and_then(|t| t.parse::<f64>().ok()).is_some_and(f64::is_finite)
}

/// Adds a key whose value starts at `start`; if the object already has it,
/// adds nothing and returns the earlier one's index.
fn insert_key<'a>(f: &mut Frame<'a>, key: Cow<'a, [u8]>, start: usize) -> Option<usize> {
    // Terraform writes the keys of values and maps sorted: a key above the
    // last of keys that are all in order is new, with no search.
    let in_order = f.sorted && f.keys.last().is_none_or(|last| comes_after(&key, &last.0));
    let bit = key_bit(&key);
    if !in_order {
        f.sorted = false;
        if f.set.is_none() && f.keys.len() > LINEAR_KEYS {
            f.set = Some(f.keys.iter().enumerate().map(|(i, k)| (k.0.clone(), i)).collect());
        }
        let earlier = match &f.set {
            Some(set) => set.get(&key).copied(),
            None if f.bits & bit == 0 => None,
            None => f.keys.iter().position(|k| k.0 == key),
        };
        if earlier.is_some() {
            return earlier;
        }
    }
    if let Some(set) = &mut f.set {
        set.insert(key.clone(), f.keys.len());
    }
    f.bits |= bit;
    f.keys.push((key, start));
    None
}

/// A key's bit in [`Frame::bits`]: equal keys have equal bits.
pub(super) fn key_bit(key: &[u8]) -> u64 {
    let (first, last) = (key.first().copied().unwrap_or(0), key.last().copied().unwrap_or(0));
    1 << ((key.len() as u32 + u32::from(first) * 7 + u32::from(last) * 13) % 64)
}

/// `key > last` in byte order; keys of sorted maps usually differ in their
/// first byte, which decides without a call to `memcmp`.
pub(super) fn comes_after(key: &[u8], last: &[u8]) -> bool {
    match (key.first(), last.first()) {
        (Some(a), Some(b)) if a != b => a > b,
        _ => key > last,
    }
}

/// Ends the member being read in the innermost frame (at a `,` or the
/// closing bracket at `at`). A repeated key is refused unless its value is
/// the same JSON as the first one's, when every reader agrees anyway.
fn end_member(bytes: &[u8], frames: &mut [Frame<'_>], at: usize) -> Result<(), ScanError> {
    let Some(f) = frames.last_mut() else { return Ok(()) };
    let Some((earlier, key_at, start)) = f.repeat.take() else { return Ok(()) };
    let first = f.keys[earlier].1;
    if compact(&bytes[first..value_end(bytes, first)]) == compact(&bytes[start..at]) {
        Ok(())
    } else {
        Err(error_at(bytes, Problem::DuplicateKey, key_at, frames))
    }
}

/// Where the JSON value starting at `start` (after any whitespace) ends;
/// the syntax is trusted (serde has accepted the document), so this is
/// `raw_nav`'s stepping over strings and brackets.
fn value_end(bytes: &[u8], start: usize) -> usize {
    super::raw_nav::value_end(bytes, super::raw_nav::skip_space(bytes, start))
}

/// JSON text without the whitespace outside strings.
fn compact(json: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(json.len());
    let (mut in_string, mut escaped) = (false, false);
    for &b in json {
        if in_string {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            out.push(b);
        } else if !b.is_ascii_whitespace() {
            if b == b'"' {
                in_string = true;
            }
            out.push(b);
        }
    }
    out
}

/// The index just past the string starting at `start` (a `"`), and whether
/// the string has an escape; `Err` with the offset of an unpaired surrogate
/// escape.
fn string_end(bytes: &[u8], start: usize) -> Result<(usize, bool), usize> {
    // Most plan strings are short (keys, names, flags): looking at eight
    // bytes at a time inline beats a call to `memchr2` for each, which is
    // kept for the rest of longer strings and for escapes.
    let mut i = start + 1;
    for _ in 0..SHORT_WORDS {
        let Some(word) = bytes.get(i..i + 8) else { break };
        let word = u64::from_le_bytes([word[0], word[1], word[2], word[3], word[4], word[5], word[6], word[7]]);
        let found = has_byte(word, b'"') | has_byte(word, b'\\');
        if found != 0 {
            let at = i + (found.trailing_zeros() / 8) as usize;
            if bytes[at] == b'"' {
                return Ok((at + 1, false));
            }
            return string_end_from(bytes, at);
        }
        i += 8;
    }
    string_end_from(bytes, i)
}

/// Words of a string looked at inline by [`string_end`] before `memchr2`.
const SHORT_WORDS: usize = 4;

/// The lowest byte of `word` equal to `b` has its high bit set in the
/// result (bytes above it may too: only the lowest is exact).
pub(super) fn has_byte(word: u64, b: u8) -> u64 {
    const LOW: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let x = word ^ (LOW * u64::from(b));
    x.wrapping_sub(LOW) & !x & HIGH
}

/// [`string_end`] from `i`, inside the string, with no escape before `i`.
fn string_end_from(bytes: &[u8], mut i: usize) -> Result<(usize, bool), usize> {
    let mut escaped = false;
    let mut pending_high: Option<usize> = None;
    loop {
        let Some(p) = memchr::memchr2(b'"', b'\\', &bytes[i..]) else {
            return Ok((bytes.len(), escaped));
        };
        let at = i + p;
        if bytes[at] == b'"' {
            if let Some(h) = pending_high {
                return Err(h);
            }
            return Ok((at + 1, escaped));
        }
        escaped = true;
        // An escape: `\u` takes 4 hex digits, others one character.
        if bytes.get(at + 1) == Some(&b'u') {
            let code = bytes
                .get(at + 2..at + 6)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u16::from_str_radix(h, 16).ok())
                .unwrap_or(0);
            match code {
                0xD800..=0xDBFF => {
                    if let Some(h) = pending_high {
                        return Err(h);
                    }
                    pending_high = Some(at);
                }
                0xDC00..=0xDFFF => {
                    if pending_high.take().is_none() {
                        return Err(at);
                    }
                }
                _ => {
                    if let Some(h) = pending_high {
                        return Err(h);
                    }
                }
            }
            i = at + 6;
        } else {
            if let Some(h) = pending_high {
                return Err(h);
            }
            i = at + 2;
        }
        // A high surrogate must be followed immediately by its pair.
        if let Some(h) = pending_high
            && bytes.get(i..i + 2) != Some(b"\\u")
        {
            return Err(h);
        }
        if i >= bytes.len() {
            return Ok((bytes.len(), escaped));
        }
    }
}

fn error_at(bytes: &[u8], problem: Problem, offset: usize, frames: &[Frame<'_>]) -> ScanError {
    let (line, column) = line_column(bytes, offset);
    ScanError { problem, line, column, path: path_of(bytes, frames) }
}

/// 1-based line and column (in bytes) of `offset`.
pub fn line_column(bytes: &[u8], offset: usize) -> (usize, usize) {
    let before = &bytes[..offset.min(bytes.len())];
    let line = memchr::memchr_iter(b'\n', before).count() + 1;
    let column = offset - before.iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1) + 1;
    (line, column)
}

/// The byte offset of a 1-based line and column, as serde_json reports them.
pub fn offset_of(bytes: &[u8], line: usize, column: usize) -> usize {
    let mut start = 0;
    for _ in 1..line {
        match memchr::memchr(b'\n', &bytes[start..]) {
            Some(p) => start += p + 1,
            None => return bytes.len(),
        }
    }
    (start + column.saturating_sub(1)).min(bytes.len())
}

/// The JSON path of the value being read at `offset`, for messages about
/// documents serde rejected (no plan content; see [`ScanError::path`]).
pub fn path_at(bytes: &[u8], offset: usize) -> String {
    let offset = offset.min(bytes.len());
    let mut frames: Vec<Frame<'_>> = Vec::new();
    let mut i = 0;
    while i < offset {
        match bytes[i] {
            b'{' | b'[' => {
                frames.push(Frame {
                    object: bytes[i] == b'{',
                    expect_key: bytes[i] == b'{',
                    key: 0..0,
                    index: 0,
                    keys: Vec::new(),
                    sorted: true,
                    bits: 0,
                    set: None,
                    repeat: None,
                });
                i += 1;
            }
            b'}' | b']' => {
                frames.pop();
                i += 1;
            }
            b',' => {
                if let Some(f) = frames.last_mut() {
                    if f.object {
                        f.expect_key = true;
                    } else {
                        f.index += 1;
                    }
                }
                i += 1;
            }
            b'"' => {
                let end = string_end(bytes, i).map(|(end, _)| end).unwrap_or_else(|_| {
                    // Unpaired surrogates do not matter for locating.
                    let mut j = i + 1;
                    while j < bytes.len() && bytes[j] != b'"' {
                        j += if bytes[j] == b'\\' { 2 } else { 1 };
                    }
                    (j + 1).min(bytes.len())
                });
                if let Some(f) = frames.last_mut()
                    && f.object
                    && f.expect_key
                {
                    f.expect_key = false;
                    f.key = i..end;
                }
                i = end;
            }
            _ => i += 1,
        }
    }
    path_of(bytes, &frames)
}

fn path_of(bytes: &[u8], frames: &[Frame<'_>]) -> String {
    let mut out = String::new();
    for f in frames {
        if f.object {
            if f.key.is_empty() {
                break;
            }
            let raw = &bytes[f.key.start + 1..f.key.end.saturating_sub(1).max(f.key.start + 1)];
            match std::str::from_utf8(raw).ok().filter(|k| VOCABULARY.contains(k)) {
                Some(k) => {
                    if !out.is_empty() {
                        out.push('.');
                    }
                    out.push_str(k);
                }
                None => out.push_str("[…]"),
            }
        } else {
            out.push_str(&format!("[{}]", f.index));
        }
    }
    out
}

/// The keys of the plan format itself (Terraform's and OpenTofu's JSON
/// output), which a message may name; any other key is plan content.
const VOCABULARY: &[&str] = &[
    "action_reason",
    "actions",
    "address",
    "after",
    "after_sensitive",
    "after_unknown",
    "applyable",
    "before",
    "before_sensitive",
    "change",
    "checks",
    "child_modules",
    "complete",
    "configuration",
    "constant_value",
    "count_expression",
    "deferred_changes",
    "depends_on",
    "deposed",
    "errored",
    "expressions",
    "for_each_expression",
    "format_version",
    "full_name",
    "generated_config",
    "importing",
    "index",
    "instances",
    "mode",
    "module_address",
    "module_calls",
    "name",
    "output_changes",
    "outputs",
    "planned_values",
    "previous_address",
    "prior_state",
    "provider_config",
    "provider_config_key",
    "provider_name",
    "provisioners",
    "reason",
    "references",
    "relevant_attributes",
    "replace_paths",
    "resource",
    "resource_change",
    "resource_changes",
    "resource_drift",
    "resources",
    "root_module",
    "schema_version",
    "sensitive",
    "sensitive_values",
    "source",
    "status",
    "terraform_version",
    "timestamp",
    "type",
    "value",
    "values",
    "variables",
    "version_constraint",
];

#[cfg(test)]
mod tests {
    use super::*;

    fn problem(json: &str) -> Option<(Problem, String)> {
        scan(json.as_bytes()).err().map(|e| (e.problem, e.path))
    }

    #[test]
    fn accepts_plain_json_and_finds_top_level_members() {
        let s = scan(br#"{"a": [1, {"b": "x\"y", "c": 1e5}], "timestamp": "t", "d\u0061": null}"#).unwrap();
        let keys: Vec<&str> = s.members.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["a", "timestamp", "da"]);
        let text = r#"{"a": [1, {"b": "x\"y", "c": 1e5}], "timestamp": "t", "d\u0061": null}"#;
        assert_eq!(text[s.members[1].1.clone()].trim(), "\"t\"");
        assert_eq!(text[s.members[2].1.clone()].trim(), "null");
        assert!(scan("{\"k\": \"\\ud83d\\ude00 ok\"}".as_bytes()).is_ok());
    }

    #[test]
    fn refuses_duplicate_keys_anywhere_even_when_spelled_differently() {
        let p = problem(r#"{"resource_changes": [{"change": {"before_sensitive": {"pw": true, "pw": false}}}]}"#);
        assert_eq!(p, Some((Problem::DuplicateKey, "resource_changes[0].change.before_sensitive[…]".into())));
        assert_eq!(problem(r#"{"a": 1, "\u0061": 2}"#).map(|p| p.0), Some(Problem::DuplicateKey));
        let many: Vec<String> = (0..40).map(|i| format!("\"k{i}\": 1")).collect();
        assert_eq!(problem(&format!("{{{}, \"k7\": 2}}", many.join(", "))).map(|p| p.0), Some(Problem::DuplicateKey));
        assert!(problem(&format!("{{{}}}", many.join(", "))).is_none());
        assert!(problem(r#"[{"a": 1}, {"a": 2}]"#).is_none());
        // The same value twice: every reader agrees.
        assert!(problem(r#"{"v": {"x": true, "y": [1, {"z": "s"}], "x": true, "y": [1, { "z" : "s" }]}}"#).is_none());
        assert!(problem(&format!("{{{}, \"k7\": 1}}", many.join(", "))).is_none());
        assert_eq!(problem(r#"{"v": {"x": "a b", "x": "ab"}}"#).map(|p| p.0), Some(Problem::DuplicateKey));
        let sorted: Vec<String> = (0..40).map(|i| format!("\"k{i:02}\": 1")).collect();
        let text = format!("{{{}, \"k05\": 2}}", sorted.join(", "));
        assert_eq!(problem(&text).map(|p| p.0), Some(Problem::DuplicateKey), "sorted, then a repeat");
    }

    /// A repeated key's first value is found again from where it starts.
    #[test]
    fn value_end_of_every_kind_of_value() {
        for (json, want) in [
            (r#"{"a": 1, "b": 2}"#, " 1"),
            (r#"{"a":12.5e3}"#, "12.5e3"),
            (r#"{"a": "x,}]\"y", "b": 2}"#, r#" "x,}]\"y""#),
            (r#"{"a": {"b": [1, {"c": "}"}], "d": null}, "e": 1}"#, r#" {"b": [1, {"c": "}"}], "d": null}"#),
            (r#"{"a": [[], {}], "b": 1}"#, " [[], {}]"),
            (r#"{"a": true}"#, " true"),
            (r#"{"a":null,"b":1}"#, "null"),
        ] {
            let start = json.find(':').unwrap() + 1;
            assert_eq!(&json[start..value_end(json.as_bytes(), start)], want, "{json}");
        }
        // Repeats with the same value, whatever follows the first one.
        for json in [
            r#"{"a": "s,}", "b": 1, "a": "s,}"}"#,
            r#"{"a": {"x": [1]}, "b": 1, "a": {"x":[1]}}"#,
            r#"{"a": 5, "a": 5}"#,
            r#"{"z": 1, "a": [true], "a": [true], "b": 2}"#,
        ] {
            assert!(problem(json).is_none(), "{json}");
        }
        for json in [r#"{"a": "s,}", "b": 1, "a": "s,]"}"#, r#"{"z": 1, "a": [true], "a": [false]}"#] {
            assert_eq!(problem(json).map(|p| p.0), Some(Problem::DuplicateKey), "{json}");
        }
    }

    #[test]
    fn key_bits_of_equal_keys_are_equal() {
        // A struct-order object with many keys that share bits: repeats
        // are still found (the bits only skip the search for new keys).
        let keys: Vec<String> = (0..16).map(|i| format!("\"{}\": 1", "k".repeat(i + 1))).collect();
        assert!(problem(&format!("{{\"z\": 0, {}}}", keys.join(", "))).is_none());
        let text = format!("{{\"z\": 0, {}, \"kkk\": 2}}", keys.join(", "));
        assert_eq!(problem(&text).map(|p| p.0), Some(Problem::DuplicateKey));
        // Two different keys sharing a bit are still two keys (the bit
        // only lets a search be skipped, never a repeat be declared).
        let keys = (b'a'..=b'z').flat_map(|x| (b'a'..=b'z').map(move |y| String::from_utf8(vec![x, y]).unwrap()));
        let k = keys
            .filter(|k| k != "zz")
            .find(|k| key_bit(k.as_bytes()) == key_bit(b"zz"))
            .expect("a key sharing the bit");
        assert!(problem(&format!("{{\"zz\": 1, \"a\": 1, \"{k}\": 1}}")).is_none(), "{k}");
    }

    #[test]
    fn comes_after_is_byte_order() {
        for (key, last, want) in [
            (&b"b"[..], &b"a"[..], true),
            (b"a", b"b", false),
            (b"ab", b"aa", true),
            (b"aa", b"ab", false),
            (b"ab", b"a", true),
            (b"a", b"ab", false),
            (b"a", b"a", false),
            (b"a", b"", true),
            (b"", b"a", false),
        ] {
            assert_eq!(comes_after(key, last), want, "{:?} after {:?}", key, last);
        }
    }

    #[test]
    fn refuses_numbers_surrogates_and_depth() {
        assert_eq!(problem(r#"{"variables": {"x": {"value": 1e400}}}"#).map(|p| p.0), Some(Problem::NumberOutOfRange));
        assert_eq!(problem(r#"{"v": -1E+309}"#).map(|p| p.0), Some(Problem::NumberOutOfRange));
        assert!(problem(r#"{"v": 1.7e308, "w": 1e-400}"#).is_none());
        for lone in [r#"{"v": "\ud800"}"#, r#"{"v": "\udc00x"}"#, r#"{"v": "\ud800\u0041"}"#, r#"{"\ud800": 1}"#] {
            assert_eq!(problem(lone).map(|p| p.0), Some(Problem::LoneSurrogate), "{lone}");
        }
        let deep = format!("{{\"variables\": {}{}}}", "[".repeat(200), "]".repeat(200));
        let (p, path) = problem(&deep).unwrap();
        assert_eq!(p, Problem::TooDeep);
        assert!(path.starts_with("variables[0][0]"));
        assert_eq!(scan(b"{\"a\": \"\xff\"}").unwrap_err().problem, Problem::NotUtf8);
    }

    #[test]
    fn paths_and_positions_for_messages() {
        let text = "{\n  \"resource_changes\": [\n    {\"change\": {\"actions\": [\"x\", 5]}}\n  ]\n}";
        let at = text.find('5').unwrap();
        assert_eq!(path_at(text.as_bytes(), at), "resource_changes[0].change.actions[1]");
        assert_eq!(line_column(text.as_bytes(), at), (3, 34));
        assert_eq!(offset_of(text.as_bytes(), 3, 34), at);
        assert_eq!(path_at(br#"{"hunter2-Sekrit": {"value": 1}}"#, 28), "[…].value");
    }

    /// Every length around the eight-byte words and the switch to
    /// `memchr2`, with the closing quote, an escape and multi-byte
    /// characters at every position.
    #[test]
    fn string_end_at_every_length_and_position() {
        for len in 0..48 {
            let body = "a".repeat(len);
            let text = format!("\"{body}\",");
            assert_eq!(string_end(text.as_bytes(), 0), Ok((len + 2, false)), "{text}");
            for at in 0..len {
                let escaped = format!("\"{}\\\"{}\"x", &body[..at], &body[at..]);
                assert_eq!(string_end(escaped.as_bytes(), 0), Ok((len + 4, true)), "{escaped}");
                let wide = format!("\"{}é\"{}", &body[..at], &body[at..]);
                assert_eq!(string_end(wide.as_bytes(), 0), Ok((at + 4, false)), "{wide}");
            }
        }
        // Unterminated: the end of the text.
        assert_eq!(string_end(b"\"abcdefghijklmnop", 0), Ok((17, false)));
        assert_eq!(string_end(b"\"abc", 0), Ok((4, false)));
        assert_eq!(has_byte(u64::from_le_bytes(*b"ab\"cd\"ef"), b'"').trailing_zeros() / 8, 2);
        assert_eq!(has_byte(u64::from_le_bytes(*b"abcdefgh"), b'"'), 0);
    }
}
