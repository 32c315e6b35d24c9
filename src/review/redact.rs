//! Secrets: every value a plan marks sensitive, gathered from both plans so
//! that any other occurrence of the same value is masked too (Terraform
//! copies sensitive values into unmarked attributes, map keys, for_each keys
//! and so addresses), in the encodings Terraform's functions produce.
//!
//! What is masked, for each gathered secret:
//! * the secret itself, and each line of a multi-line secret (trimmed, so a
//!   secret re-indented into YAML or written with CRLF line ends is still
//!   found), with CRLF and LF line ends either way;
//! * the same written as a JSON string body (serde's escaping, and Go's,
//!   which `jsonencode` uses: `\u0026`, `\u003c`, `\u003e`, `\u2028`), as an
//!   HCL/Terraform quoted string body (addresses: `$${`), and URL-encoded
//!   (`urlencode`: `+` or `%20` for spaces);
//! * base64 (`base64encode`, standard and URL-safe alphabets, with or
//!   without padding), and the run of base64 characters the secret
//!   determines wherever it sits inside a longer encoded text.
//!
//! Invariant: after [`Redactor::mask`], no form above of a gathered secret
//! of at least [`MIN_SUBSTRING`] characters remains as a substring; a
//! shorter secret (or form) remains only inside a longer, different string,
//! except that a quoted string literal inside a text (an instance key in an
//! address, a map key in a path) equal to one is masked too.
//!
//! [`mask_review`] applies the redactor to every string of a finished
//! [`Review`], so no field (address, previous address, paths, messages,
//! output names, staging descriptions) can carry a secret into any format.

use foldhash::HashSet;
use std::borrow::Cow;

use super::needles::Needles;
use super::{Change, Finding, Kind, OutputLine, PlanInfo, Review, Shown};
use crate::plan::value::{self, collect_all, collect_marked_raw};
use crate::plan::{Plan, Values};

/// Secrets this long or longer are masked wherever they occur inside a
/// string; shorter ones only where a whole string equals them, since masking
/// every `1` or `on` in a plan would hide everything.
pub const MIN_SUBSTRING: usize = 4;

pub const SENSITIVE: &str = "(sensitive)";

/// Masks gathered secrets in display strings.
#[derive(Default)]
pub struct Redactor {
    exact: HashSet<String>,
    /// Some secret is shorter than [`MIN_SUBSTRING`].
    has_short: bool,
    /// The forms of 4+ character secrets, found leftmost-longest (so a
    /// secret that contains another is masked whole).
    substrings: Needles,
}

impl Redactor {
    /// Gathers every marked value of the given plans.
    pub fn from_plans(plans: &[&Plan<'_>]) -> Redactor {
        // One thread per plan: gathering parses every marked subtree.
        let secrets = std::thread::scope(|s| {
            let handles: Vec<_> = plans
                .iter()
                .map(|plan| {
                    s.spawn(move || {
                        let mut out = Vec::new();
                        gather_plan(plan, &mut out);
                        out
                    })
                })
                .collect();
            handles.into_iter().flat_map(|h| h.join().expect("secret gathering thread panicked")).collect()
        });
        Redactor::new(secrets)
    }

    pub fn new(secrets: Vec<String>) -> Redactor {
        let secrets: HashSet<String> = secrets.into_iter().filter(|s| !s.is_empty()).collect();
        let secrets: Vec<String> = secrets.into_iter().collect();
        // Every secret's encodings are made on every core (a large plan
        // has thousands of secrets), then gathered.
        let all_forms = crate::par::map(&secrets, |secret| forms(secret));
        let mut exact = HashSet::default();
        let mut long = HashSet::default();
        for (secret, forms) in secrets.iter().zip(all_forms) {
            let substring = secret.chars().count() >= MIN_SUBSTRING;
            for v in &forms {
                // A padded base64 form needs no pattern of its own: its
                // unpadded form (also a form) masks every character that
                // carries the secret; only `=` can remain beside the mask.
                let padded =
                    v.ends_with('=') && forms.binary_search_by(|f| f.as_str().cmp(v.trim_end_matches('='))).is_ok();
                if substring && v.chars().count() >= MIN_SUBSTRING && !padded {
                    long.insert(v.clone());
                }
            }
            exact.extend(forms);
        }
        let long: Vec<String> = long.into_iter().collect();
        let substrings = Needles::new(&long);
        let has_short = exact.iter().any(|s| s.chars().count() < MIN_SUBSTRING);
        Redactor { exact, has_short, substrings }
    }

    /// Whether there is nothing to mask.
    pub fn is_empty(&self) -> bool {
        self.exact.is_empty()
    }

    /// `s` with every secret replaced by `(sensitive)`.
    pub fn mask<'s>(&self, s: &'s str) -> Cow<'s, str> {
        // An address's masking, then the bare segments too.
        let s = self.mask_address(s);
        match self.mask_segments(&s) {
            Some(masked) => Cow::Owned(masked),
            None => s,
        }
    }

    /// `address` with every secret in it masked. Unlike [`Redactor::mask`],
    /// a bare segment equal to a short secret stays: an address's bare
    /// segments (`module.foo.null_resource.bar`) are configuration names,
    /// which no value can become; values reach an address only as instance
    /// keys (`["..."]`), which are masked, as is any copy of a 4+ character
    /// secret anywhere in it.
    pub fn mask_address<'s>(&self, address: &'s str) -> Cow<'s, str> {
        if self.exact.is_empty() {
            return Cow::Borrowed(address);
        }
        if self.exact.contains(address) {
            return Cow::Borrowed(SENSITIVE);
        }
        let s = self.mask_substrings(address);
        match self.mask_quoted(&s) {
            Some(masked) => Cow::Owned(masked),
            None => s,
        }
    }

    /// Every form of a 4+ character secret inside `s` replaced.
    fn mask_substrings<'s>(&self, s: &'s str) -> Cow<'s, str> {
        match self.substrings.replace_all(s, SENSITIVE) {
            Some(masked) => Cow::Owned(masked),
            None => Cow::Borrowed(s),
        }
    }

    /// Masks an address in place (see [`Redactor::mask_address`]).
    pub fn mask_address_in_place(&self, s: &mut String) {
        if let Some(masked) = replaced(self.mask_address(s), s) {
            *s = masked;
        }
    }

    /// Replaces each attribute-path segment (`.name` up to the next `.`,
    /// `[`, space or punctuation) that is exactly a short secret, which the
    /// substring pass leaves alone (`input.q7z` in a path or a message).
    fn mask_segments(&self, s: &str) -> Option<String> {
        if !self.has_short || !s.contains('.') {
            return None;
        }
        let mut out = String::new();
        let mut copied = 0;
        for (dot, _) in s.match_indices('.') {
            let start = dot + 1;
            let len = s[start..].find(|c: char| ".[]()\"' ,;:`".contains(c)).unwrap_or(s.len() - start);
            if len > 0 && start >= copied && self.exact.contains(&s[start..start + len]) {
                out.push_str(&s[copied..start]);
                out.push_str(SENSITIVE);
                copied = start + len;
            }
        }
        if copied == 0 {
            return None;
        }
        out.push_str(&s[copied..]);
        Some(out)
    }

    /// Masks in place.
    pub fn mask_in_place(&self, s: &mut String) {
        if let Some(masked) = replaced(self.mask(s), s) {
            *s = masked;
        }
    }

    /// `s` masked (see [`Redactor::mask`]), reusing its allocation when
    /// nothing in it is a secret.
    pub fn masked(&self, mut s: String) -> String {
        self.mask_in_place(&mut s);
        s
    }

    /// Replaces each JSON-quoted literal inside `s` (`aws_x.y["k"]`,
    /// `tags["k"]`) whose decoded text is a secret; `None` if there is none.
    fn mask_quoted(&self, s: &str) -> Option<String> {
        if !s.contains('"') {
            return None;
        }
        let bytes = s.as_bytes();
        let mut out = String::new();
        let mut copied = 0;
        let mut i = 0;
        while let Some(open) = bytes[i..].iter().position(|&b| b == b'"').map(|p| p + i) {
            let mut end = open + 1;
            while end < bytes.len() && bytes[end] != b'"' {
                end += if bytes[end] == b'\\' { 2 } else { 1 };
            }
            if end >= bytes.len() {
                break;
            }
            let literal = &s[open..=end];
            let body = &literal[1..literal.len() - 1];
            // Without a backslash the body is the decoded text.
            let secret = if body.contains('\\') {
                serde_json::from_str::<String>(literal).ok().is_some_and(|d| self.exact.contains(&d))
            } else {
                self.exact.contains(body)
            };
            if secret {
                out.push_str(&s[copied..open]);
                out.push('"');
                out.push_str(SENSITIVE);
                out.push('"');
                copied = end + 1;
            }
            i = end + 1;
        }
        if copied == 0 {
            return None;
        }
        out.push_str(&s[copied..]);
        Some(out)
    }
}

/// Every form of `secret` that [`Redactor`] masks (see the module docs).
fn forms(secret: &str) -> Vec<String> {
    let mut bases = vec![secret.to_owned()];
    if secret.contains(['\n', '\r']) {
        let lf = secret.replace("\r\n", "\n");
        bases.push(lf.replace('\n', "\r\n"));
        bases.extend(secret.split(['\n', '\r']).map(str::trim).filter(|l| !l.is_empty()).map(str::to_owned));
        bases.push(lf);
    }
    let mut out = Vec::with_capacity(bases.len() * 6 + 12);
    for b in &bases {
        out.push(b.clone());
        out.push(json_body(b, false));
        out.push(json_body(b, true));
        out.push(hcl_body(b));
        out.push(url_encode(b, true));
        out.push(url_encode(b, false));
    }
    let bytes = secret.as_bytes();
    for alphabet in [STANDARD, URL_SAFE] {
        let full = base64(bytes, alphabet);
        out.push(full.trim_end_matches('=').to_owned());
        out.push(full);
        if secret.chars().count() >= MIN_SUBSTRING {
            out.extend((0..3).map(|k| base64_core(bytes, k, alphabet)));
        }
    }
    out.retain(|v| !v.is_empty());
    out.sort();
    out.dedup();
    out
}

/// The body of a JSON string holding `s` (no quotes); `go` adds the HTML
/// escapes of Go's encoder (`jsonencode`).
fn json_body(s: &str, go: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' if !go => out.push_str("\\b"),
            '\u{c}' if !go => out.push_str("\\f"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' if go => out.push_str(&format!("\\u{:04x}", c as u32)),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

/// The body of a Terraform quoted string as addresses write instance keys.
fn hcl_body(s: &str) -> String {
    json_body(s, false).replace("${", "$${").replace("%{", "%%{")
}

/// Percent-encoding as Go's `url.QueryEscape` (`urlencode`); with
/// `plus_for_space` false, spaces are `%20`.
fn url_encode(s: &str, plus_for_space: bool) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for &b in s.as_bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(b as char),
            b' ' if plus_for_space => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

const STANDARD: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const URL_SAFE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

fn base64(bytes: &[u8], alphabet: &[u8; 64]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |n, (i, &b)| n | (u32::from(b) << (16 - 8 * i)));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(alphabet[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The base64 characters fully determined by `bytes` when they start `k`
/// bytes (0, 1 or 2) after a 3-byte boundary of a longer encoded text.
fn base64_core(bytes: &[u8], k: usize, alphabet: &[u8; 64]) -> String {
    let mut padded = vec![0u8; k];
    padded.extend_from_slice(bytes);
    let encoded = base64(&padded, alphabet);
    let (first_bit, end_bit) = (8 * k, 8 * (k + bytes.len()));
    let first = first_bit.div_ceil(6);
    let last = end_bit / 6; // exclusive: char j covers bits 6j..6j+6
    if last <= first {
        return String::new();
    }
    encoded[first..last].to_owned()
}

/// A sensitivity mirror, parsed, when it marks anything.
fn mirror_marks(raw: Option<crate::plan::RawJson<'_>>) -> Option<serde_json::Value> {
    Some(value::parse_mirror(raw)).filter(value::any_true)
}

/// The values a change's (or output's) sensitivity mirrors mark.
fn gather_values(v: &Values<'_>, out: &mut Vec<String>) {
    for (value, mirror) in [(v.before, v.before_sensitive), (v.after, v.after_sensitive)] {
        if let Some(value) = value
            && let Some(mirror) = mirror_marks(mirror)
        {
            collect_marked_raw(value, &mirror, out);
        }
    }
}

fn gather_plan(plan: &Plan<'_>, out: &mut Vec<String>) {
    for c in plan.changes.iter().chain(&plan.drift).chain(&plan.deferred) {
        gather_values(&c.values, out);
    }
    for o in &plan.outputs {
        if o.sensitive {
            collect_all(&value::parse(o.values.before), out);
            collect_all(&value::parse(o.values.after), out);
        } else {
            gather_values(&o.values, out);
        }
    }
    for (_, v) in &plan.sensitive_variables {
        collect_all(&value::parse(Some(*v)), out);
    }
}

/// Masks every string of a finished review: whatever a check wrote into a
/// message, whatever key a plan used, no secret reaches a renderer.
pub(super) fn mask_review(review: &mut Review, r: &Redactor) {
    if r.is_empty() {
        return;
    }
    let m = |s: &mut String| r.mask_in_place(s);
    let mo = |s: &mut Option<String>| {
        if let Some(s) = s {
            r.mask_in_place(s);
        }
    };
    for f in &mut review.findings {
        mask_finding(f, r);
    }
    let (infos, staging_changes): (Vec<&mut PlanInfo>, &mut [Change]) = match &mut review.kind {
        Kind::Check { plan, .. } | Kind::ProdOnly { prod: plan } => (vec![plan], &mut []),
        Kind::Review { prod, staging, staging_changes } => (vec![prod, staging], staging_changes),
    };
    for changes in [&mut review.changes[..], staging_changes, &mut review.drift[..]] {
        crate::par::each_mut(changes, |c| mask_change(c, r));
    }
    for o in &mut review.outputs {
        mask_output(o, r);
    }
    for rb in &mut review.rollback {
        r.mask_address_in_place(&mut rb.address);
        for s in [&mut rb.before, &mut rb.after] {
            r.mask_in_place(s);
        }
    }
    for info in infos {
        m(&mut info.file);
        mo(&mut info.format_version);
        mo(&mut info.terraform_version);
    }
}

fn mask_finding(f: &mut Finding, r: &Redactor) {
    r.mask_in_place(&mut f.message);
    if let Some(a) = &mut f.address {
        r.mask_address_in_place(a);
    }
    if let Some(w) = &mut f.waived {
        r.mask_in_place(&mut w.reason);
    }
}

fn mask_change(c: &mut Change, r: &Redactor) {
    r.mask_address_in_place(&mut c.address);
    r.mask_in_place(&mut c.type_);
    if let Some(a) = &mut c.previous_address {
        r.mask_address_in_place(a);
    }
    for s in [&mut c.deposed, &mut c.action_reason, &mut c.deferred, &mut c.stateful].into_iter().flatten() {
        r.mask_in_place(s);
    }
    for s in c.replace_paths.iter_mut().chain(&mut c.changed_paths).chain(&mut c.shape) {
        r.mask_in_place(s);
    }
    if let Some(m) = &mut c.staging {
        if let Some(a) = &mut m.address {
            r.mask_address_in_place(a);
        }
        if let Some(d) = &mut m.description {
            r.mask_in_place(d);
        }
        m.extra_paths.iter_mut().for_each(|s| r.mask_in_place(s));
        m.value_differences.iter_mut().for_each(|s| r.mask_in_place(s));
        m.extra_edits.iter_mut().for_each(|e| r.mask_in_place(&mut e.path));
        for note in &mut m.notes {
            r.mask_in_place(&mut note.path);
            r.mask_in_place(&mut note.text);
            if let super::edits::Relation::Differs(values) = &mut note.staging {
                values.iter_mut().for_each(|s| r.mask_in_place(s));
            }
        }
    }
    for a in &mut c.attributes {
        mask_attr(a, r);
    }
    for (path, v) in &mut c.identity {
        r.mask_in_place(path);
        if let Shown::Value(s) | Shown::Text(s) | Shown::Json(s) = v {
            r.mask_in_place(s);
        }
    }
}

fn mask_attr(a: &mut super::AttrDiff, r: &Redactor) {
    r.mask_in_place(&mut a.path);
    for side in [&mut a.before, &mut a.after].into_iter().flatten() {
        if let Shown::Value(s) | Shown::Text(s) | Shown::Json(s) = side {
            r.mask_in_place(s);
        }
    }
}

fn mask_output(o: &mut OutputLine, r: &Redactor) {
    r.mask_in_place(&mut o.name);
    if let Some(d) = &mut o.diff {
        mask_attr(d, r);
    }
}

/// The text of a masking of `original` that replaced something; `None`
/// when it returned `original` itself (a whole secret is replaced by a
/// borrowed [`SENSITIVE`]).
fn replaced(masked: Cow<'_, str>, original: &str) -> Option<String> {
    match masked {
        Cow::Owned(m) => Some(m),
        Cow::Borrowed(b) if std::ptr::eq(b, original) => None,
        Cow::Borrowed(b) => Some(b.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The final pass masks every change of a finished review, on every
    /// core: a secret that became a `for_each` key is masked in the
    /// address of each of many changes, in prod and in staging.
    #[test]
    fn mask_review_masks_the_address_of_every_change() {
        use crate::review::testkit::{day, options, policy, rc, review_of};
        use serde_json::json;
        let changes = || {
            (0..600)
                .map(|i| {
                    let mut c =
                        rc(&format!("terraform_data.t[\"s3cret-{i}\"]"), &["update"], json!({"v": 1}), json!({"v": 2}));
                    c["change"]["after_sensitive"] = json!({"v": true});
                    c["change"]["after"] = json!({"v": format!("s3cret-{i}")});
                    c
                })
                .collect::<Vec<_>>()
        };
        let review = review_of(changes(), changes(), &policy(""), &options(day("2026-01-01"), None));
        for c in review.changes.iter().chain(review.staging_changes()) {
            assert!(!c.address.contains("s3cret"), "{}", c.address);
            assert!(c.address.contains(SENSITIVE), "{}", c.address);
        }
        assert_eq!(review.changes.len(), 600);
    }

    #[test]
    fn masks_exact_and_embedded_secrets() {
        let r = Redactor::new(vec!["hunter2".into(), "42".into(), "hunter2-long".into()]);
        assert_eq!(r.mask("hunter2"), SENSITIVE);
        assert_eq!(r.mask("42"), SENSITIVE);
        assert_eq!(r.mask("port 42"), "port 42");
        assert_eq!(r.mask("pw=hunter2;x=hunter2-long"), "pw=(sensitive);x=(sensitive)");
        assert_eq!(r.mask("nothing"), "nothing");
    }

    #[test]
    fn masks_secrets_in_keys_and_addresses() {
        let r = Redactor::new(vec!["hunter2-Sekrit".into(), "ab".into()]);
        assert_eq!(r.mask(r#"aws_x.y["hunter2-Sekrit"]"#), "aws_x.y[\"(sensitive)\"]");
        assert_eq!(r.mask(r#"aws_x.y["ab"]"#), "aws_x.y[\"(sensitive)\"]");
        assert_eq!(r.mask(r#"input["ab"].x and module.m["cd"]"#), r#"input["(sensitive)"].x and module.m["cd"]"#);
        assert_eq!(r.mask(r#"x["abc"]"#), r#"x["abc"]"#);
        assert_eq!(r.mask("unterminated \"ab"), "unterminated \"ab");
        assert_eq!(r.mask("prod also changes input.ab, tags.abc"), "prod also changes input.(sensitive), tags.abc");
        assert_eq!(r.mask("x.ab.y[0].ab"), "x.(sensitive).y[0].(sensitive)");
        let mut s = "hunter2-Sekrit".to_owned();
        r.mask_in_place(&mut s);
        assert_eq!(s, SENSITIVE);
        assert_eq!(r.masked("hunter2-Sekrit".into()), SENSITIVE);
        assert_eq!(r.masked("x.hunter2-Sekrit.y".into()), "x.(sensitive).y");
        assert_eq!(r.masked("x.abc".into()), "x.abc");
        let mut a = r#"m["hunter2-Sekrit"]"#.to_owned();
        r.mask_address_in_place(&mut a);
        assert_eq!(a, r#"m["(sensitive)"]"#);
        // In an address, bare segments are configuration names (a resource
        // called like a short secret); instance keys are values.
        assert_eq!(r.mask_address("module.ab.null_resource.ab"), "module.ab.null_resource.ab");
        assert_eq!(r.mask_address(r#"null_resource.ab["ab"]"#), r#"null_resource.ab["(sensitive)"]"#);
        assert_eq!(r.mask_address(r#"x.y["k-hunter2-Sekrit"]"#), r#"x.y["k-(sensitive)"]"#);
        assert_eq!(r.mask_address("ab"), SENSITIVE);
        // A quoted key is compared decoded: with and without escapes.
        let r = Redactor::new(vec!["a\"b".into(), "q\u{1}".into(), "xy".into()]);
        assert_eq!(r.mask_address(r#"x.y["a\"b"]"#), r#"x.y["(sensitive)"]"#);
        assert_eq!(r.mask_address(r#"x.y["q\u0001"]"#), r#"x.y["(sensitive)"]"#);
        assert_eq!(r.mask_address(r#"x.y["x\u0079"]"#), r#"x.y["(sensitive)"]"#);
        assert_eq!(r.mask_address(r#"x.y["xy"]"#), r#"x.y["(sensitive)"]"#);
        assert_eq!(r.mask_address(r#"x.y["xyz"]"#), r#"x.y["xyz"]"#);
    }

    #[test]
    fn masks_the_encodings_terraform_functions_produce() {
        let secret = "p&ss<w>rd \"q\" 9/+=";
        let r = Redactor::new(vec![secret.into()]);
        let go_json = r#"{"k":"p\u0026ss\u003cw\u003erd \"q\" 9/+="}"#;
        let serde_json = serde_json::to_string(&serde_json::json!({ "k": secret })).unwrap();
        let b64 = base64(secret.as_bytes(), STANDARD);
        let url = "p%26ss%3Cw%3Erd+%22q%22+9%2F%2B%3D";
        for text in [go_json.to_owned(), serde_json, b64.clone(), format!("user_data={url}")] {
            let masked = r.mask(&text);
            assert!(masked.contains(SENSITIVE), "{text} -> {masked}");
            assert!(!masked.contains("ss<w") && !masked.contains("ss\\u003cw") && !masked.contains("%3Cw"), "{masked}");
        }
        // Inside a longer base64 text, at every alignment.
        for prefix in ["", "a", "ab", "abc", "#!/bin/sh\nexport PW="] {
            let text = base64(format!("{prefix}{secret}\nrest of the script").as_bytes(), STANDARD);
            let masked = r.mask(&text);
            assert!(masked.contains(SENSITIVE), "{prefix:?}: {text}");
        }
        // A padded encoding inside a longer text: every character that
        // carries the secret is masked, whatever the alphabet; only the
        // padding may remain.
        for (secret, alphabet) in [("hunter22", STANDARD), ("hunter2", STANDARD), ("h?>unter2~", URL_SAFE)] {
            let r = Redactor::new(vec![secret.into()]);
            let encoded = base64(secret.as_bytes(), alphabet);
            assert!(encoded.ends_with('='), "{encoded}");
            let text = format!("Authorization: Basic {encoded} (end)");
            let masked = r.mask(&text);
            let unpadded = encoded.trim_end_matches('=');
            assert_eq!(
                masked.replace(SENSITIVE, "").trim_start_matches("Authorization: Basic ").trim_end_matches(" (end)"),
                &encoded[unpadded.len()..],
                "{secret}: {masked}"
            );
            assert_eq!(r.mask(&encoded), SENSITIVE, "the encoding alone is masked whole");
        }
    }

    #[test]
    fn masks_each_line_of_a_multi_line_secret() {
        let key = "-----BEGIN KEY-----\nMIIEvQIBADANBgkq\nhkiG9w0BAQEFAASC\n-----END KEY-----";
        let r = Redactor::new(vec![key.into()]);
        let yaml = "tls:\n  key: |\n    -----BEGIN KEY-----\n    MIIEvQIBADANBgkq\n    hkiG9w0BAQEFAASC\n";
        let masked = r.mask(yaml);
        assert!(!masked.contains("MIIEvQ") && !masked.contains("hkiG9w"), "{masked}");
        let crlf = key.replace('\n', "\r\n");
        assert_eq!(r.mask(&crlf), SENSITIVE);
        assert!(!r.mask(&format!("x{crlf}y")).contains("MIIEvQ"));
    }

    #[test]
    fn short_secrets_stay_exact_only() {
        let r = Redactor::new(vec!["on".into()]);
        assert_eq!(r.mask("on"), SENSITIVE);
        assert_eq!(r.mask("b24="), SENSITIVE);
        assert_eq!(r.mask("bonjour b24="), "bonjour b24=");
    }

    #[test]
    fn base64_matches_the_standard_encoding() {
        assert_eq!(base64(b"", STANDARD), "");
        assert_eq!(base64(b"f", STANDARD), "Zg==");
        assert_eq!(base64(b"fo", STANDARD), "Zm8=");
        assert_eq!(base64(b"foobar", STANDARD), "Zm9vYmFy");
        assert_eq!(base64(&[0xfb, 0xff], URL_SAFE), "-_8=");
    }
}
