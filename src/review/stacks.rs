//! A review of many stacks: each stack's own review (a pair, a prod plan
//! with no staging plan, or for `check` one plan) or a staging plan with no
//! prod plan, and the one verdict over all of them.
//!
//! Invariants: stacks keep the order they are given (the caller sorts them
//! by name); the overall verdict is the most severe stack verdict, so one
//! blocked stack blocks the gate and a staging-only stack never does unless
//! policy raises `stack-not-in-prod`.

use super::{Env, Finding, PlanInfo, Review, Verdict, verdict_of};
use crate::plan::{Action, Mode, Plan};
use crate::policy::Policy;
use crate::rules::{FindingId, RuleId};

/// One stack and what its review says.
#[derive(Debug)]
pub struct Stack {
    /// The stack's name (`network/vpc`); for `check`, the plan's path.
    pub name: String,
    pub outcome: StackOutcome,
}

/// What a stack's review says.
#[derive(Debug)]
pub enum StackOutcome {
    /// Reviewed: both plans, a prod plan alone (`stack-not-in-staging`), or
    /// for `check` the one plan.
    Reviewed(Box<Review>),
    /// A staging plan with no prod plan: nothing to gate, one finding.
    StagingOnly { staging: PlanInfo, findings: Vec<Finding>, verdict: Verdict },
}

impl Stack {
    pub fn verdict(&self) -> Verdict {
        match &self.outcome {
            StackOutcome::Reviewed(r) => r.verdict,
            StackOutcome::StagingOnly { verdict, .. } => *verdict,
        }
    }

    pub fn findings(&self) -> &[Finding] {
        match &self.outcome {
            StackOutcome::Reviewed(r) => &r.findings,
            StackOutcome::StagingOnly { findings, .. } => findings,
        }
    }

    pub fn review(&self) -> Option<&Review> {
        match &self.outcome {
            StackOutcome::Reviewed(r) => Some(r),
            StackOutcome::StagingOnly { .. } => None,
        }
    }

    /// The number of changes the gated plan makes (no-ops left out).
    pub fn change_count(&self) -> usize {
        self.review().map_or(0, |r| r.changes.iter().filter(|c| is_change(c)).count())
    }

    /// Whether there is more to show than the stack's roll-up line: a
    /// finding, a change, drift or an output change.
    pub fn has_something_to_show(&self) -> bool {
        !self.findings().is_empty()
            || self.review().is_some_and(|r| self.change_count() > 0 || !r.drift.is_empty() || !r.outputs.is_empty())
    }

    /// The number of findings that count at `level`, and the waived ones.
    pub fn count(&self, level: crate::rules::Level) -> usize {
        self.findings().iter().filter(|f| f.counts() && f.level == level).count()
    }

    pub fn waived(&self) -> usize {
        self.findings().iter().filter(|f| !f.counts()).count()
    }
}

fn is_change(c: &super::Change) -> bool {
    c.action != Action::NoOp || c.importing || c.moved
}

/// A review of many stacks.
#[derive(Debug)]
pub struct Stacks {
    /// `review` or `check`.
    pub command: &'static str,
    /// The most severe stack verdict.
    pub verdict: Verdict,
    pub stacks: Vec<Stack>,
}

impl Stacks {
    pub fn new(command: &'static str, stacks: Vec<Stack>) -> Stacks {
        let verdict = stacks.iter().map(Stack::verdict).max().unwrap_or(Verdict::Pass);
        Stacks { command, verdict, stacks }
    }

    /// How many stacks have each verdict: (block, warn, pass).
    pub fn verdict_counts(&self) -> (usize, usize, usize) {
        let n = |v: Verdict| self.stacks.iter().filter(|s| s.verdict() == v).count();
        (n(Verdict::Block), n(Verdict::Warn), n(Verdict::Pass))
    }
}

/// A staging plan whose stack has no prod plan: `stack-not-in-prod`; with
/// its digest when `digests` (see [`super::Options::digests`]).
pub fn staging_only(staging: &Plan<'_>, policy: &Policy, digests: bool) -> StackOutcome {
    let id = RuleId::StackNotInProd;
    let (level, origin) = policy.builtin_level(id);
    let changes = staging.changes.iter().filter(|c| c.mode == Mode::Managed && c.is_change()).count();
    let findings = vec![Finding {
        id: FindingId::Builtin(id),
        level,
        env: Some(Env::Staging),
        address: None,
        message: format!(
            "this stack has a staging plan ({changes} change(s)) but no prod plan; \
             nothing in it is gated (check that the prod job planned it)"
        ),
        origin: origin.cloned(),
        waived: None,
    }];
    let verdict = verdict_of(&findings);
    StackOutcome::StagingOnly { staging: super::plan_info(staging, digests), findings, verdict }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::{Source, parse_plan};
    use crate::policy::{Date, parse_str};
    use crate::review::{MatchStatus, Options, review_prod_only};
    use crate::rules::Level;

    fn source(path: &str) -> Source {
        Source::new(path, std::fs::read(path).unwrap())
    }

    fn opts() -> Options {
        Options {
            today: Date::parse("2026-11-24").unwrap(),
            approved: None,
            attribute_diffs: false,
            digests: true,
            env: Env::Prod,
        }
    }

    fn ids(findings: &[Finding]) -> Vec<(&str, Level)> {
        findings.iter().filter(|f| f.counts()).map(|f| (f.id.name(), f.level)).collect()
    }

    #[test]
    fn a_staging_only_stack_is_info_unless_policy_raises_it() {
        let src = source("testdata/pairs/same-change/staging.json");
        let plan = parse_plan(&src).unwrap();
        let default = crate::policy::load_paths(&[], true).unwrap();
        let outcome = staging_only(&plan, &default, true);
        let StackOutcome::StagingOnly { findings, verdict, staging } = &outcome else { panic!("staging-only") };
        assert_eq!(ids(findings), [("stack-not-in-prod", Level::Info)]);
        assert_eq!(*verdict, Verdict::Pass);
        assert_eq!(staging.file, "testdata/pairs/same-change/staging.json");
        let strict = parse_str("strict.toml", "[levels]\n\"stack-not-in-prod\" = \"block\"\n").unwrap();
        let StackOutcome::StagingOnly { verdict, .. } = staging_only(&plan, &strict, true) else { panic!() };
        assert_eq!(verdict, Verdict::Block);
    }

    #[test]
    fn a_prod_only_stack_has_no_staging_counterpart_for_any_change() {
        let src = source("testdata/plans/stateful-replace-db.json");
        let plan = parse_plan(&src).unwrap();
        let policy = crate::policy::load_paths(&[], false).unwrap();
        let r = review_prod_only(&plan, &policy, &opts());
        assert_eq!((r.command(), r.staging().is_none(), r.checked_as()), ("review", true, None));
        let found = ids(&r.findings);
        assert!(found.contains(&("stack-not-in-staging", Level::Warn)), "{found:?}");
        assert!(found.contains(&("stateful-destroy", Level::Block)), "{found:?}");
        assert!(!r.changes.is_empty());
        for c in &r.changes {
            let m = c.staging.as_ref().unwrap();
            assert_eq!(
                (m.status, m.description.as_deref()),
                (MatchStatus::Absent, Some(super::super::NO_STAGING_PLAN))
            );
            let about: Vec<&str> = c.findings.iter().map(|&i| r.findings[i].id.name()).collect();
            assert!(about.contains(&"not-in-staging"), "{}: {about:?}", c.address);
        }
        // Nothing compared with a staging plan that does not exist.
        for id in ["type-not-in-staging", "parity-kind", "version-mismatch", "staging-not-approved", "staging-only"] {
            assert!(!found.iter().any(|(f, _)| *f == id), "{id} in {found:?}");
        }
    }

    #[test]
    fn the_overall_verdict_is_the_worst_stack_and_counts_add_up() {
        let (s, p) =
            (source("testdata/plans/stateful-replace-db.json"), source("testdata/pairs/same-change/staging.json"));
        let (blocking, quiet) = (parse_plan(&s).unwrap(), parse_plan(&p).unwrap());
        let policy = crate::policy::load_paths(&[], false).unwrap();
        let strict = parse_str("strict.toml", "[levels]\n\"stack-not-in-prod\" = \"warn\"\n").unwrap();
        let stacks = Stacks::new(
            "review",
            vec![
                Stack { name: "a".into(), outcome: staging_only(&quiet, &policy, true) },
                Stack {
                    name: "b".into(),
                    outcome: StackOutcome::Reviewed(Box::new(review_prod_only(&blocking, &policy, &opts()))),
                },
                Stack { name: "c".into(), outcome: staging_only(&quiet, &strict, true) },
            ],
        );
        assert_eq!(stacks.verdict, Verdict::Block);
        assert_eq!(stacks.verdict_counts(), (1, 1, 1));
        assert!(stacks.stacks.iter().all(Stack::has_something_to_show));
        assert_eq!(stacks.stacks[0].change_count(), 0);
        assert!(stacks.stacks[1].change_count() > 0);
        assert_eq!(Stacks::new("review", Vec::new()).verdict, Verdict::Pass);
    }
}
