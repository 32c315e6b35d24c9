//! The approval digest of a plan: `sha256:` over what the plan will apply.
//!
//! Covered, in this order, after sorting by address and deposed key: every
//! `resource_changes` and `deferred_changes` entry (address, previous
//! address, deposed key, action, action reason, deferral reason, and the
//! JSON of `before`, `after`, `after_unknown`, `before_sensitive`,
//! `after_sensitive`, `replace_paths`, `importing`), every `output_changes`
//! entry (name, action, the same values), and `errored`/`complete`/
//! `applyable`. Not covered: `timestamp`, `terraform_version`,
//! `planned_values`, `prior_state`, `resource_drift`, `configuration`,
//! `variables`, `checks`. JSON is hashed with insignificant whitespace
//! removed, so pretty-printing a plan does not change its digest; key order
//! is kept as Terraform writes it (sorted).

use sha2::{Digest, Sha256};

use super::{Plan, ResourceChange, Values};

const DOMAIN: &[u8] = b"plangate-fingerprint-v1\0";

/// The digest of a plan, and the deepest nesting of any value it hashed
/// (found in the same pass, so that the loader can refuse values too deep
/// to be read back without a second scan).
pub(super) struct Fingerprint {
    pub digest: String,
    pub max_depth: usize,
}

pub(super) fn digest(plan: &Plan<'_>) -> Fingerprint {
    let mut h = Sha256::new();
    let mut depth = 0;
    h.update(DOMAIN);
    for (section, list) in [("changes", &plan.changes), ("deferred", &plan.deferred)] {
        field(&mut h, section.as_bytes());
        let mut order: Vec<&ResourceChange<'_>> = list.iter().collect();
        // Terraform already writes them sorted; only sort when it did not.
        if !order.is_sorted_by(|a, b| by_address(a, b).is_le()) {
            order.sort_by(|a, b| by_address(a, b));
        }
        for c in order {
            field(&mut h, c.address.as_bytes());
            field(&mut h, c.previous_address.as_deref().unwrap_or("").as_bytes());
            field(&mut h, c.deposed.as_deref().unwrap_or("").as_bytes());
            field(&mut h, c.action.name().as_bytes());
            field(&mut h, c.reason.as_deref().unwrap_or("").as_bytes());
            field(&mut h, c.deferred.as_deref().unwrap_or("").as_bytes());
            field(&mut h, if c.importing { b"import" } else { b"" });
            let paths: Vec<String> = c.replace_paths.iter().map(ToString::to_string).collect();
            field(&mut h, paths.join("\n").as_bytes());
            depth = depth.max(values(&mut h, &c.values));
        }
    }
    field(&mut h, b"outputs");
    for o in &plan.outputs {
        field(&mut h, o.name.as_bytes());
        field(&mut h, o.action.name().as_bytes());
        depth = depth.max(values(&mut h, &o.values));
    }
    field(&mut h, b"status");
    for flag in [plan.status.errored, plan.status.complete, plan.status.applyable] {
        field(
            &mut h,
            match flag {
                None => b"-",
                Some(true) => b"t",
                Some(false) => b"f",
            },
        );
    }
    let bytes = h.finalize();
    let mut out = String::with_capacity(7 + 64);
    out.push_str("sha256:");
    for b in bytes {
        out.push_str(&format!("{b:02x}"));
    }
    Fingerprint { digest: out, max_depth: depth }
}

fn by_address(a: &ResourceChange<'_>, b: &ResourceChange<'_>) -> std::cmp::Ordering {
    (a.address.as_ref(), a.deposed.as_deref()).cmp(&(b.address.as_ref(), b.deposed.as_deref()))
}

/// A length-prefixed field, so that concatenations cannot collide.
fn field(h: &mut Sha256, bytes: &[u8]) {
    h.update((bytes.len() as u64).to_le_bytes());
    h.update(bytes);
}

/// Hashes a change's values; returns their deepest nesting.
fn values(h: &mut Sha256, v: &Values<'_>) -> usize {
    let mut depth = 0;
    for raw in [v.before, v.after, v.after_unknown, v.before_sensitive, v.after_sensitive] {
        match raw {
            None => field(h, b"~"),
            Some(raw) => {
                depth = depth.max(scan(raw.get().as_bytes(), |run| h.update(run)));
                h.update([0u8]);
            }
        }
    }
    depth
}

/// The deepest nesting of arrays and objects in JSON text.
pub(super) fn max_depth(json: &[u8]) -> usize {
    scan(json, |_| {})
}

/// Feeds JSON text without the whitespace outside strings to `sink`, and
/// returns the deepest nesting of arrays and objects. The caller hashes a
/// NUL (which valid JSON text cannot contain) as terminator. Strings are
/// found with `memchr` and passed whole, so compact input goes out in a few
/// long runs.
fn scan(json: &[u8], mut sink: impl FnMut(&[u8])) -> usize {
    let (mut depth, mut max) = (0usize, 0usize);
    let mut pos = 0;
    while pos < json.len() {
        // Outside a string: up to the next quote.
        let quote = memchr::memchr(b'"', &json[pos..]).map_or(json.len(), |i| pos + i);
        let outside = &json[pos..quote];
        for b in outside {
            match b {
                b'{' | b'[' => {
                    depth += 1;
                    max = max.max(depth);
                }
                b'}' | b']' => depth = depth.saturating_sub(1),
                _ => {}
            }
        }
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
    max
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hash(json: &str) -> Vec<u8> {
        let mut h = Sha256::new();
        scan(json.as_bytes(), |run| h.update(run));
        h.finalize().to_vec()
    }

    #[test]
    fn depth_counts_only_structure_outside_strings() {
        assert_eq!(max_depth(br#"{"a":[1,{"b":"[[[["}]}"#), 3);
        assert_eq!(max_depth(b"1"), 0);
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
