//! The approval digest of a plan: `sha256:` over everything in the plan
//! JSON that apply will use.
//!
//! Covered: every top-level member of the document except `timestamp`,
//! `terraform_version` and `format_version` (when and by which version the
//! plan was written), so resource, deferred and output changes with their
//! values, `variables`, `configuration` (every expression, provisioner
//! command and provider configuration: a role assumed in another account, a
//! changed default), `prior_state`, `planned_values`, `resource_drift`,
//! `relevant_attributes`, `checks`, the errored/complete/applyable flags,
//! and any member a newer Terraform adds. Members are taken in key order, so
//! their order in the file does not matter; JSON inside each is hashed with
//! insignificant whitespace removed, so pretty-printing a plan (or a UTF-8
//! byte order mark) does not change its digest. (Whether there is such
//! whitespace is judged outside `prior_state`, which the scan steps over: a
//! plan with only its `prior_state` pretty-printed gets a digest of its own,
//! which can only refuse an approval.) What is unknown until apply
//! (`(known after apply)`) is in no plan JSON, so no digest can bind it.

use std::ops::Range;

use sha2::{Digest, Sha256};

const DOMAIN: &[u8] = b"plangate-fingerprint-v2\0";

/// Top-level members left out of the digest.
const LEFT_OUT: &[&str] = &["timestamp", "terraform_version", "format_version"];

/// The digest of a plan document whose top-level members are `members`
/// (key, byte range of the value in `json`), as [`super::scan`] found them.
/// `compact`: the text has no whitespace outside strings, so it is hashed
/// as it is (one pass fewer; the same digest).
pub(super) fn digest(json: &[u8], members: &[(String, Range<usize>)], compact: bool) -> String {
    let mut h = Sha256::new();
    h.update(DOMAIN);
    let mut kept: Vec<&(String, Range<usize>)> =
        members.iter().filter(|(k, _)| !LEFT_OUT.contains(&k.as_str())).collect();
    kept.sort_by(|a, b| a.0.cmp(&b.0));
    for (key, range) in kept {
        field(&mut h, key.as_bytes());
        if compact {
            h.update(&json[range.clone()]);
        } else {
            scan(&json[range.clone()], |run| h.update(run));
        }
        // A NUL, which valid JSON text cannot contain, ends each value.
        h.update([0u8]);
    }
    let bytes = h.finalize();
    let mut out = String::with_capacity(7 + 64);
    out.push_str("sha256:");
    for b in bytes {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

/// A length-prefixed field, so that concatenations cannot collide.
fn field(h: &mut Sha256, bytes: &[u8]) {
    h.update((bytes.len() as u64).to_le_bytes());
    h.update(bytes);
}

/// Feeds JSON text without the whitespace outside strings to `sink`.
/// Strings are found with `memchr` and passed whole, so compact input goes
/// out in a few long runs.
fn scan(json: &[u8], mut sink: impl FnMut(&[u8])) {
    let mut pos = 0;
    while pos < json.len() {
        // Outside a string: up to the next quote.
        let quote = memchr::memchr(b'"', &json[pos..]).map_or(json.len(), |i| pos + i);
        let outside = &json[pos..quote];
        if outside.iter().any(u8::is_ascii_whitespace) {
            for run in outside.split(u8::is_ascii_whitespace) {
                sink(run);
            }
        } else {
            sink(outside);
        }
        if quote == json.len() {
            break;
        }
        // Inside a string: to the closing quote, skipping escapes.
        let mut end = quote + 1;
        loop {
            match memchr::memchr2(b'"', b'\\', &json[end..]) {
                Some(i) if json[end + i] == b'\\' => end += i + 2,
                Some(i) => {
                    end += i + 1;
                    break;
                }
                None => {
                    end = json.len();
                    break;
                }
            }
        }
        let end = end.min(json.len());
        sink(&json[quote..end]);
        pos = end;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hash(json: &str) -> Vec<u8> {
        let mut h = Sha256::new();
        scan(json.as_bytes(), |run| h.update(run));
        h.finalize().to_vec()
    }

    fn plan_digest(json: &str) -> String {
        let scanned = crate::plan::scan::scan(json.as_bytes()).unwrap();
        let d = digest(json.as_bytes(), &scanned.members, scanned.compact);
        // Hashing as it is and hashing compacted agree whenever both apply.
        if scanned.compact {
            assert_eq!(digest(json.as_bytes(), &scanned.members, false), d);
        }
        d
    }

    #[test]
    fn covers_everything_but_when_and_by_which_version() {
        let base = r#"{"format_version":"1.2","terraform_version":"1.9.0","timestamp":"2026-01-01T00:00:00Z","variables":{"region":{"value":"eu-west-1"}},"configuration":{"provider_config":{"aws":{"expressions":{"assume_role":[{"role_arn":{"constant_value":"arn:aws:iam::111:role/x"}}]}}}},"resource_changes":[]}"#;
        let d = plan_digest(base);
        let same = base
            .replace("1.9.0", "1.9.1")
            .replace("\"1.2\"", "\"1.3\"")
            .replace("2026-01-01T00:00:00Z", "2026-02-02T00:00:00Z");
        assert_eq!(plan_digest(&same), d);
        let reordered = r#"{"resource_changes":[],"variables":{"region":{"value":"eu-west-1"}},"configuration":{"provider_config":{"aws":{"expressions":{"assume_role":[{"role_arn":{"constant_value":"arn:aws:iam::111:role/x"}}]}}}}}"#;
        assert_eq!(plan_digest(reordered), d);
        assert_ne!(plan_digest(&base.replace("eu-west-1", "us-east-1")), d, "a variable");
        assert_ne!(plan_digest(&base.replace("::111:", "::222:")), d, "provider configuration");
        assert_ne!(plan_digest(&base.replace("\"resource_changes\":[]", "\"resource_changes\":[],\"x\":1")), d);
    }

    #[test]
    fn whitespace_outside_strings_does_not_count() {
        assert_eq!(hash(r#"{"a":[1,2],"b":"x y"}"#), hash("{ \"a\" : [1, 2],\n \"b\": \"x y\" }"));
        assert_ne!(hash(r#"{"b":"x y"}"#), hash(r#"{"b":"xy"}"#));
        assert_ne!(hash(r#"{"b":"x\" y"}"#), hash(r#"{"b":"x\"y"}"#));
        assert_eq!(hash(r#"{"b":"x\\","c":1}"#), hash("{\"b\": \"x\\\\\" ,\n\"c\": 1}"));
        assert_ne!(hash(r#"{"b":"x\\ ","c":1}"#), hash(r#"{"b":"x\\","c":1}"#));
    }
}
