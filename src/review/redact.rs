//! Secrets: every value a plan marks sensitive, gathered from both plans so
//! that any other occurrence of the same value is masked too (Terraform
//! copies sensitive values into unmarked attributes).
//!
//! Invariant: after [`Redactor::mask`], no gathered secret of at least
//! [`MIN_SUBSTRING`] characters remains as a substring, and a shorter one
//! remains only inside a longer, different string.

use std::borrow::Cow;
use std::collections::HashSet;

use aho_corasick::AhoCorasick;

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
    substrings: Option<AhoCorasick>,
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
        let exact: HashSet<String> = secrets.into_iter().filter(|s| !s.is_empty()).collect();
        let mut long: Vec<&String> = exact.iter().filter(|s| s.chars().count() >= MIN_SUBSTRING).collect();
        // Longest first, so that a secret containing another is masked whole.
        long.sort_by(|a, b| b.len().cmp(&a.len()).then(a.cmp(b)));
        let substrings = if long.is_empty() {
            None
        } else {
            AhoCorasick::builder().match_kind(aho_corasick::MatchKind::LeftmostLongest).build(long).ok()
        };
        Redactor { exact, substrings }
    }

    /// `s` with every secret replaced by `(sensitive)`.
    pub fn mask<'s>(&self, s: &'s str) -> Cow<'s, str> {
        if self.exact.contains(s) {
            return Cow::Borrowed(SENSITIVE);
        }
        match &self.substrings {
            Some(ac) if ac.is_match(s) => Cow::Owned(ac.replace_all(s, &vec![SENSITIVE; ac.patterns_len()])),
            _ => Cow::Borrowed(s),
        }
    }
}

fn mirror_marks(raw: Option<&serde_json::value::RawValue>) -> bool {
    raw.is_some_and(|r| r.get().contains("true"))
}

/// The values a change's (or output's) sensitivity mirrors mark.
fn gather_values(v: &Values<'_>, out: &mut Vec<String>) {
    for (value, mirror) in [(v.before, v.before_sensitive), (v.after, v.after_sensitive)] {
        if let (Some(value), true) = (value, mirror_marks(mirror)) {
            collect_marked_raw(value, &value::parse(mirror), out);
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
        collect_all(&value::parse(Some(v)), out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_exact_and_embedded_secrets() {
        let r = Redactor::new(vec!["hunter2".into(), "42".into(), "hunter2-long".into()]);
        assert_eq!(r.mask("hunter2"), SENSITIVE);
        assert_eq!(r.mask("42"), SENSITIVE);
        assert_eq!(r.mask("port 42"), "port 42");
        assert_eq!(r.mask("pw=hunter2;x=hunter2-long"), "pw=(sensitive);x=(sensitive)");
        assert_eq!(r.mask("nothing"), "nothing");
    }
}
