//! Many fixed strings found at once, leftmost-longest: the redactor's
//! substring pass.
//!
//! A plan with thousands of secrets has tens of thousands of forms to look
//! for (each secret's encodings). An Aho-Corasick automaton over them took a
//! third of a second to build on the 50k bench pair, longer than every
//! search it then ran. This index is built in one pass over the forms: each
//! form is filed under its first four bytes (and its first eight, when it
//! has them), and a bit filter over the four-byte keys lets the search step
//! over every position no form can start at with one load and one bit test.
//! Only at a position the filter admits are the forms filed there compared,
//! longest first.
//!
//! The result is the same as a leftmost-longest automaton's (a test compares
//! the two on generated inputs): scanning left to right, the first position
//! where some form starts, the longest form starting there, then on from
//! its end.

use foldhash::HashMap;

/// Forms shorter than this cannot be indexed; the redactor only looks for
/// forms of at least [`super::redact::MIN_SUBSTRING`] characters, which are
/// at least this many bytes.
pub const MIN_LEN: usize = 4;

/// 2^FILTER_BITS bits (128 KiB) of filter: with tens of thousands of forms,
/// a few percent of positions pass it.
const FILTER_BITS: u32 = 20;

/// Fixed strings to find in texts; see the module docs.
#[derive(Default)]
pub struct Needles {
    /// Every form's bytes, one after another; `spans` gives each one's range.
    bytes: Vec<u8>,
    spans: Vec<(u32, u32)>,
    /// Forms of 8 bytes or more by their first eight bytes, and shorter
    /// ones by their first four: each a list of form numbers, longest first.
    long: HashMap<u64, Vec<u32>>,
    short: HashMap<u32, Vec<u32>>,
    /// Bit `h(first four bytes)` is set for every form.
    filter: Vec<u64>,
}

fn key4(b: &[u8]) -> u32 {
    u32::from_le_bytes([b[0], b[1], b[2], b[3]])
}

fn key8(b: &[u8]) -> u64 {
    u64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]])
}

fn filter_bit(key: u32) -> usize {
    (key.wrapping_mul(0x9E37_79B1) >> (32 - FILTER_BITS)) as usize
}

impl Needles {
    /// An index of `forms`; forms shorter than [`MIN_LEN`] bytes are left
    /// out, and so is everything past 4 GiB of forms in all (no plan has
    /// that many secrets: the plan itself would be larger).
    pub fn new<S: AsRef<str>>(forms: &[S]) -> Needles {
        let mut n = Needles { filter: vec![0; 1 << (FILTER_BITS - 6)], ..Needles::default() };
        for form in forms {
            let form = form.as_ref().as_bytes();
            if form.len() < MIN_LEN {
                continue;
            }
            let (Ok(start), Ok(end)) = (u32::try_from(n.bytes.len()), u32::try_from(n.bytes.len() + form.len())) else {
                break;
            };
            let id = n.spans.len() as u32;
            n.bytes.extend_from_slice(form);
            n.spans.push((start, end));
            let bit = filter_bit(key4(form));
            n.filter[bit / 64] |= 1 << (bit % 64);
            if form.len() >= 8 {
                n.long.entry(key8(form)).or_default().push(id);
            } else {
                n.short.entry(key4(form)).or_default().push(id);
            }
        }
        for list in n.long.values_mut().chain(n.short.values_mut()) {
            list.sort_by_key(|&id| std::cmp::Reverse(n.spans[id as usize].1 - n.spans[id as usize].0));
        }
        n
    }

    fn form(&self, id: u32) -> &[u8] {
        let (start, end) = self.spans[id as usize];
        &self.bytes[start as usize..end as usize]
    }

    /// The leftmost, then longest, form in `hay` at or after `from`, as a
    /// byte range.
    pub fn find(&self, hay: &[u8], from: usize) -> Option<(usize, usize)> {
        if hay.len() < MIN_LEN || self.spans.is_empty() {
            return None;
        }
        for i in from..=hay.len() - MIN_LEN {
            let key = key4(&hay[i..]);
            let bit = filter_bit(key);
            if self.filter[bit / 64] & (1 << (bit % 64)) == 0 {
                continue;
            }
            let rest = &hay[i..];
            if rest.len() >= 8
                && let Some(ids) = self.long.get(&key8(rest))
                && let Some(len) = ids.iter().map(|&id| self.form(id)).find(|f| rest.starts_with(f)).map(<[u8]>::len)
            {
                return Some((i, i + len));
            }
            if let Some(ids) = self.short.get(&key)
                && let Some(len) = ids.iter().map(|&id| self.form(id)).find(|f| rest.starts_with(f)).map(<[u8]>::len)
            {
                return Some((i, i + len));
            }
        }
        None
    }

    /// `text` with every form found (see [`Needles::find`]) replaced by
    /// `with`; `None` when there is none.
    pub fn replace_all(&self, text: &str, with: &str) -> Option<String> {
        let hay = text.as_bytes();
        let (mut start, mut end) = self.find(hay, 0)?;
        let mut out = String::with_capacity(text.len());
        let mut copied = 0;
        loop {
            // A form is whole UTF-8 text and so is `text`: a match starts
            // and ends on character boundaries.
            out.push_str(&text[copied..start]);
            out.push_str(with);
            copied = end;
            match self.find(hay, end) {
                Some(next) => (start, end) = next,
                None => break,
            }
        }
        out.push_str(&text[copied..]);
        Some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aho_corasick::{AhoCorasick, MatchKind};

    fn replaced(forms: &[&str], text: &str) -> String {
        Needles::new(forms).replace_all(text, "#").unwrap_or_else(|| text.to_owned())
    }

    #[test]
    fn leftmost_then_longest_then_on_from_the_end() {
        let cases: &[(&[&str], &str, &str)] = &[
            (&["abcd"], "xxabcdyy", "xx#yy"),
            (&["abcd", "abcdef"], "abcdefg", "#g"),
            (&["abcdef", "abcd"], "abcdeg", "#eg"),
            // Leftmost wins over longer further right.
            (&["bcdefghij", "abcd"], "abcdefghij", "#efghij"),
            // Non-overlapping: after a match, on from its end.
            (&["abab"], "abababab", "##"),
            (&["aaaa"], "aaaaaaa", "#aaa"),
            // Short (4-7 bytes) and long (8+) forms at the same position.
            (&["abcde", "abcdefghijk"], "abcdefghij", "#fghij"),
            (&["abcde", "abcdefghijk"], "abcdefghijkl", "#l"),
            // Too short to index: left out.
            (&["abc"], "abcabc", "abcabc"),
            // UTF-8 forms in UTF-8 text.
            (&["пароль"], "мой пароль!", "мой #!"),
            (&["日本語テキスト"], "x日本語テキストy", "x#y"),
            // At the very end, and the whole text.
            (&["wxyz"], "abcwxyz", "abc#"),
            (&["wxyz"], "wxyz", "#"),
            (&["wxyz"], "wxy", "wxy"),
            (&[], "anything", "anything"),
        ];
        for (forms, text, want) in cases {
            assert_eq!(replaced(forms, text), *want, "forms {forms:?} in {text:?}");
        }
    }

    #[test]
    fn nothing_found_is_none() {
        let n = Needles::new(&["secret"]);
        assert_eq!(n.replace_all("no match here", "#"), None);
        assert_eq!(n.find(b"a secret", 0), Some((2, 8)));
        assert_eq!(n.find(b"a secret", 3), None);
        assert_eq!(Needles::new::<&str>(&[]).find(b"abcd", 0), None);
        assert_eq!(Needles::new(&["abc"]).find(b"abcd", 0), None);
    }

    /// A small deterministic generator (no dependency for one test).
    struct Lcg(u64);
    impl Lcg {
        fn next(&mut self, n: usize) -> usize {
            self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            ((self.0 >> 33) as usize) % n
        }
        fn text(&mut self, alphabet: &[&str], len: usize) -> String {
            (0..len).map(|_| alphabet[self.next(alphabet.len())]).collect()
        }
    }

    /// The same answers as a leftmost-longest Aho-Corasick automaton, on
    /// texts and forms from a small alphabet (so forms overlap, share
    /// prefixes, contain each other and occur often).
    #[test]
    fn agrees_with_a_leftmost_longest_automaton() {
        let alphabet = ["a", "b", "c", "é", "\n", "%2F"];
        let mut rng = Lcg(7);
        for round in 0..400 {
            let count = 1 + rng.next(30);
            let forms: Vec<String> = (0..count)
                .map(|_| {
                    let len = 1 + rng.next(12);
                    rng.text(&alphabet, len)
                })
                .filter(|f| f.len() >= MIN_LEN)
                .collect();
            if forms.is_empty() {
                continue;
            }
            let ac = AhoCorasick::builder().match_kind(MatchKind::LeftmostLongest).build(&forms).unwrap();
            for _ in 0..20 {
                let len = rng.next(80);
                let text = rng.text(&alphabet, len);
                let want = ac.replace_all(&text, &vec!["#"; forms.len()]);
                assert_eq!(
                    Needles::new(&forms).replace_all(&text, "#").unwrap_or_else(|| text.clone()),
                    want,
                    "round {round}: forms {forms:?} in {text:?}"
                );
            }
        }
    }
}
