//! What the CI report formats (SARIF, GitLab Code Quality, JUnit, GitHub
//! annotations) share: one flat list of the review's findings, each with the
//! plan file it concerns, its stack, and a stable fingerprint.
//!
//! Fingerprints identify a finding across runs so that code scanning and
//! Code Quality can tell new findings from old ones: they hash the rule id,
//! the environment, the stack and the address (or, for a finding without an
//! address, the policy entry behind it) — never the message, the level or a
//! position, which change without the finding being another one. Two
//! findings that would hash alike get an occurrence number, so fingerprints
//! are distinct within a report and stable while the plan is.

use std::collections::HashMap;

use sha2::{Digest, Sha256};

use crate::policy::Origin;
use crate::review::stacks::{StackOutcome, Stacks};
use crate::review::{Env, Finding, Review};
use crate::rules::FindingId;

/// One finding as the CI formats see it.
pub struct CiFinding<'r> {
    pub finding: &'r Finding,
    /// The rule id (`stateful-destroy`, or a policy `[[rule]]` name).
    pub id: &'r str,
    /// The stack the finding belongs to; `None` for a single staging/prod pair.
    pub stack: Option<&'r str>,
    /// The plan file the finding is about, as it was given on the command line.
    pub plan_file: &'r str,
    /// Hex SHA-256, distinct within the report.
    pub fingerprint: String,
}

impl CiFinding<'_> {
    /// Whether an exception waived the finding (it then never fails anything).
    pub fn waived(&self) -> bool {
        self.finding.waived.is_some()
    }

    /// The environment name, `prod` when the finding names none.
    pub fn env(&self) -> &'static str {
        self.finding.env.unwrap_or(Env::Prod).name()
    }

    /// `[stack] env address`, the short name of what the finding is about.
    /// Raw text: each format escapes it for its destination.
    pub fn subject(&self) -> String {
        let mut s = String::new();
        if let Some(stack) = self.stack {
            s.push_str(&format!("[{stack}] "));
        }
        s.push_str(self.env());
        if let Some(a) = &self.finding.address {
            s.push(' ');
            s.push_str(a);
        }
        s
    }

    /// The message, with the waiver when there is one. Raw text: each
    /// format escapes it for its destination.
    pub fn message(&self) -> String {
        let mut m = self.finding.message.clone();
        if let Some(w) = &self.finding.waived {
            m.push_str(&format!(" (waived by the exception at {}: {})", w.origin, w.reason));
        }
        m
    }
}

/// What a CI format renders: the findings of one review or of many stacks,
/// in report order, with what the formats say about the run.
pub struct Report<'r> {
    /// `review` or `check`.
    pub command: &'static str,
    /// `check`: the environment the plans were checked as.
    pub checked_as: Option<Env>,
    /// The stacks, in order (empty for a single review).
    pub stacks: Vec<&'r str>,
    pub findings: Vec<CiFinding<'r>>,
}

/// The CI view of one review (no stack).
pub fn of_review(review: &Review) -> Report<'_> {
    let mut findings = Vec::new();
    push_review(review, None, &mut HashMap::new(), &mut findings);
    Report { command: review.command(), checked_as: review.checked_as(), stacks: Vec::new(), findings }
}

/// The CI view of many stacks: every stack's findings, stack by stack, the
/// stack's name in each fingerprint.
pub fn of_stacks(stacks: &Stacks) -> Report<'_> {
    let mut findings = Vec::new();
    let mut seen = HashMap::new();
    for stack in &stacks.stacks {
        let name = Some(stack.name.as_str());
        match &stack.outcome {
            StackOutcome::Reviewed(review) => push_review(review, name, &mut seen, &mut findings),
            StackOutcome::StagingOnly { staging, findings: fs, .. } => {
                push(fs, |_| staging.file.as_str(), name, &mut seen, &mut findings)
            }
        }
    }
    Report {
        command: stacks.command,
        checked_as: stacks.stacks.iter().find_map(|s| s.review().and_then(Review::checked_as)),
        stacks: stacks.stacks.iter().map(|s| s.name.as_str()).collect(),
        findings,
    }
}

fn push_review<'r>(
    review: &'r Review,
    stack: Option<&'r str>,
    seen: &mut HashMap<String, usize>,
    out: &mut Vec<CiFinding<'r>>,
) {
    let plan_of = |f: &Finding| match (f.env, review.staging()) {
        (Some(Env::Staging), Some(s)) => s.file.as_str(),
        _ => review.gated().file.as_str(),
    };
    push(&review.findings, plan_of, stack, seen, out);
}

fn push<'r>(
    findings: &'r [Finding],
    plan_of: impl Fn(&'r Finding) -> &'r str,
    stack: Option<&'r str>,
    seen: &mut HashMap<String, usize>,
    out: &mut Vec<CiFinding<'r>>,
) {
    for f in findings {
        let id = f.id.name();
        let key = identity(id, f.env.unwrap_or(Env::Prod), stack, f.address.as_deref(), f.origin.as_ref());
        let n = seen.entry(key.clone()).or_insert(0);
        *n += 1;
        out.push(CiFinding { finding: f, id, stack, plan_file: plan_of(f), fingerprint: fingerprint(&key, *n) });
    }
}

/// What makes a finding the same finding in another run: rule, environment,
/// stack, and the address (or, without one, the policy entry behind it).
/// Unit separators keep the parts apart whatever they contain.
fn identity(id: &str, env: Env, stack: Option<&str>, address: Option<&str>, origin: Option<&Origin>) -> String {
    let mut key = format!("plangate\u{1f}{id}\u{1f}{}\u{1f}{}\u{1f}", env.name(), stack.unwrap_or_default());
    match (address, origin) {
        (Some(a), _) => key.push_str(a),
        (None, Some(o)) => key.push_str(&format!("\u{1f}{o}")),
        (None, None) => {}
    }
    key
}

/// The hex SHA-256 of an identity and its occurrence number (the `n`th
/// finding with that identity in the report; the first keeps the bare hash).
fn fingerprint(identity: &str, n: usize) -> String {
    let digest = if n > 1 {
        Sha256::digest(format!("{identity}\u{1f}#{n}").as_bytes())
    } else {
        Sha256::digest(identity.as_bytes())
    };
    hex(&digest)
}

/// A rule's one-line summary and its explanation: the registry's for a
/// built-in id, a generic pair for a policy `[[rule]]`.
pub fn rule_text(id: &FindingId) -> (String, String) {
    match id {
        FindingId::Builtin(r) => {
            let info = r.info();
            (info.summary.to_owned(), format!("{}\n\nRun `plangate rules --explain {r}` for more.", info.explain))
        }
        FindingId::Custom(name) => (
            format!("policy rule `{name}`"),
            format!("A `[[rule]]` named `{name}` in a policy file given to plangate; see that file for why it exists."),
        ),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn origin(line: usize) -> Origin {
        Origin { file: "p.toml".into(), line }
    }

    #[test]
    fn the_identity_is_rule_environment_stack_and_address() {
        let base = identity("destructive", Env::Prod, None, Some("a.b"), None);
        // The policy entry does not matter when there is an address.
        assert_eq!(base, identity("destructive", Env::Prod, None, Some("a.b"), Some(&origin(3))));
        for other in [
            identity("forget", Env::Prod, None, Some("a.b"), None),
            identity("destructive", Env::Staging, None, Some("a.b"), None),
            identity("destructive", Env::Prod, Some("net"), Some("a.b"), None),
            identity("destructive", Env::Prod, None, Some("a.c"), None),
            identity("destructive", Env::Prod, None, None, None),
        ] {
            assert_ne!(base, other);
        }
        // Parts cannot run into each other.
        assert_ne!(
            identity("x", Env::Prod, Some("a"), Some("b"), None),
            identity("x", Env::Prod, Some(""), Some("ab"), None)
        );
        // Without an address, the policy entry tells findings apart.
        assert_ne!(
            identity("exception-unused", Env::Prod, None, None, Some(&origin(3))),
            identity("exception-unused", Env::Prod, None, None, Some(&origin(9)))
        );
    }

    #[test]
    fn repeated_identities_get_distinct_stable_fingerprints() {
        let key = identity("destructive", Env::Prod, None, Some("a.b"), None);
        let first = fingerprint(&key, 1);
        assert_eq!(first.len(), 64);
        assert_eq!(first, fingerprint(&key, 1));
        assert_ne!(first, fingerprint(&key, 2));
        assert_ne!(fingerprint(&key, 2), fingerprint(&key, 3));
    }
}
