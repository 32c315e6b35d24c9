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

/// A staging plan whose stack has no prod plan: `stack-not-in-prod`.
pub fn staging_only(staging: &Plan<'_>, policy: &Policy) -> StackOutcome {
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
    StackOutcome::StagingOnly { staging: super::plan_info(staging), findings, verdict }
}
