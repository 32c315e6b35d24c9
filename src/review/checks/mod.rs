//! The checks: one module each, run over the classified and matched changes
//! in the order of [`CHECKS`]. A check reads an [`Input`] and adds findings
//! to [`Findings`]; it never changes the changes. A new check is a new
//! module and one line in [`CHECKS`].
//!
//! Findings are ordered once, in [`Findings::into_ordered`], so the order in
//! which checks run does not show in any output.

mod approval;
mod custom;
mod destructive;
mod disruptive;
mod drift;
mod forget;
mod kind_parity;
mod one_way;
mod parity_notes;
mod plan_status;
mod stack;
mod staging;
mod stateful;

use super::one_way::Rollback;
use super::redact::Redactor;
use super::{Change, Env, Finding};
use crate::plan::{Plan, ResourceChange, strip_instance_key};
use crate::policy::{Origin, Policy, Rule};
use crate::rules::{FindingId, RuleId};

/// A check: reads the input, adds findings.
type Check = fn(&Input<'_, '_>, &mut Findings<'_>);

/// Every check, in the order they run.
const CHECKS: &[Check] = &[
    plan_status::check,
    approval::check,
    stateful::check,
    destructive::check,
    forget::check,
    disruptive::check,
    custom::check,
    staging::check,
    stack::check,
    parity_notes::check,
    kind_parity::check,
    one_way::check,
    drift::check,
];

/// What the checks look at.
pub(crate) struct Input<'a, 'p> {
    pub policy: &'a Policy,
    /// The plan the gate is about: prod in a review, the one plan in a check.
    pub plan: &'a Plan<'p>,
    /// The gated plan's environment (prod in a review; `--env` in a check).
    pub env: Env,
    /// The gated plan's changes, classified (and, in a review, matched).
    pub changes: &'a [Change],
    /// The gated plan's relevant drift.
    pub drift: &'a [Change],
    /// The plan entries `changes` come from, in the same order.
    pub sources: &'a [&'a ResourceChange<'p>],
    /// Masks values the checks quote (parity, one-way).
    pub redactor: &'a Redactor,
    /// A review's staging side; `None` in a check.
    pub staging: Option<StagingInput<'a, 'p>>,
    /// Many stacks: the gated plan is a prod plan whose stack has no
    /// staging plan (`staging` is `None`, yet prod is being compared).
    pub stack_without_staging: bool,
}

/// The staging side of a review.
pub(crate) struct StagingInput<'a, 'p> {
    pub plan: &'a Plan<'p>,
    pub changes: &'a [Change],
    /// Per staging change, whether some prod change matched it.
    pub claimed: &'a [bool],
    /// `--approved` or `--approved-file`: what the staging plan must be.
    pub approved: Option<&'a crate::review::Approval>,
    /// The kind-parity notes of the pair (`review::parity`), worked out
    /// beside the analysis.
    pub parity: Vec<crate::review::parity::Note>,
}

/// Which change a finding is about: an index into one of the review's lists.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum At {
    /// `Review::changes`: the gated plan's changes.
    Change(usize),
    /// A review's staging changes.
    StagingChange(usize),
    /// `Review::drift`.
    Drift(usize),
}

/// The findings collected so far, each tied to the changes it concerns
/// (several for a finding grouping instances).
pub(crate) struct Findings<'p> {
    policy: &'p Policy,
    list: Vec<(Finding, Vec<At>)>,
    /// One-way edits, each with the position of its finding in `list`.
    rollback: Vec<Rollback>,
}

impl<'p> Findings<'p> {
    pub fn new(policy: &'p Policy) -> Findings<'p> {
        Findings { policy, list: Vec::new(), rollback: Vec::new() }
    }

    /// A built-in finding about an address (a resource, or an instance),
    /// tied to the changes at `ats` (none when no plan changes it).
    pub fn at_address(
        &mut self,
        id: RuleId,
        env: Env,
        address: String,
        ats: Vec<At>,
        message: String,
        origin: Option<Origin>,
    ) {
        self.push_builtin(id, Some(env), Some(address), ats, message, origin);
    }

    /// The one place a built-in finding is made: at its (possibly
    /// overridden) level, with `origin` (the policy entry behind it) or else
    /// the level override's.
    fn push_builtin(
        &mut self,
        id: RuleId,
        env: Option<Env>,
        address: Option<String>,
        ats: Vec<At>,
        message: String,
        origin: Option<Origin>,
    ) {
        let (level, override_origin) = self.policy.builtin_level(id);
        let finding = Finding {
            id: FindingId::Builtin(id),
            level,
            env,
            address,
            message,
            origin: origin.or_else(|| override_origin.cloned()),
            waived: None,
        };
        self.list.push((finding, ats));
    }

    /// A `one-way` finding about the change at `at`, and its edit for the
    /// Rollback section.
    pub fn one_way(&mut self, mut edit: Rollback, at: At, change: &Change) {
        edit.finding = Some(self.list.len());
        edit.stateful = change.stateful.is_some();
        let origin = Some(edit.origin.clone());
        self.at_address(RuleId::OneWay, Env::Prod, change.address.clone(), vec![at], edit.message(), origin);
        self.rollback.push(edit);
    }

    /// Adds a built-in finding at its (possibly overridden) level. `origin`
    /// is the policy entry behind it; else the level override's, if any.
    pub fn builtin(
        &mut self,
        id: RuleId,
        env: Option<Env>,
        at: Option<(At, &Change)>,
        message: String,
        origin: Option<Origin>,
    ) {
        let address = at.map(|(_, c)| c.address.clone());
        self.push_builtin(id, env, address, at.map(|(a, _)| a).into_iter().collect(), message, origin);
    }

    /// One built-in finding about several instances of one resource
    /// (`members`, indices into `changes`, each at `at(i)`): its address is
    /// the resource's, and every member lists it.
    pub fn builtin_grouped(
        &mut self,
        id: RuleId,
        env: Env,
        changes: &[Change],
        at: fn(usize) -> At,
        members: &[usize],
        message: String,
    ) {
        let Some(&first) = members.first() else { return };
        if members.len() == 1 {
            self.builtin(id, Some(env), Some((at(first), &changes[first])), message, None);
            return;
        }
        let resource = strip_instance_key(&changes[first].address);
        let address = if members.iter().all(|&i| strip_instance_key(&changes[i].address) == resource) {
            resource.to_owned()
        } else {
            super::matching::instance_pattern(&changes[first].address)
        };
        self.push_builtin(id, Some(env), Some(address), members.iter().map(|&i| at(i)).collect(), message, None);
    }

    /// Adds a custom `[[rule]]`'s finding about one change.
    pub fn custom(&mut self, rule: &Rule, env: Env, at: At, change: &Change) {
        let (level, _) = self.policy.rule_level(rule);
        let finding = Finding {
            id: FindingId::Custom(rule.id.clone()),
            level,
            env: Some(env),
            address: Some(change.address.clone()),
            message: rule.message.clone(),
            origin: Some(rule.origin.clone()),
            waived: None,
        };
        self.list.push((finding, vec![at]));
    }

    pub fn policy(&self) -> &'p Policy {
        self.policy
    }

    /// The findings so far, for the exceptions stage to waive.
    pub fn iter_mut(&mut self) -> impl Iterator<Item = &mut Finding> {
        self.list.iter_mut().map(|(f, _)| f)
    }

    /// The findings in report order (those that count first, then by level,
    /// most severe first, then by id in registry order, custom ids last by
    /// name, then by address and environment), each tied to its change; and
    /// the one-way edits, each naming its finding's place in that order.
    pub fn into_ordered(
        self,
        changes: &mut [Change],
        staging: &mut [Change],
        drift: &mut [Change],
    ) -> (Vec<Finding>, Vec<Rollback>) {
        let Findings { list, mut rollback, .. } = self;
        let mut order: Vec<usize> = (0..list.len()).collect();
        order.sort_by(|&x, &y| {
            let (a, b) = (&list[x].0, &list[y].0);
            (b.counts(), b.level)
                .cmp(&(a.counts(), a.level))
                .then_with(|| a.id.cmp(&b.id))
                .then_with(|| a.address.cmp(&b.address))
                .then_with(|| a.env.cmp(&b.env))
        });
        let mut new_of_old = vec![0; order.len()];
        for (n, &old) in order.iter().enumerate() {
            new_of_old[old] = n;
        }
        for r in &mut rollback {
            r.finding = r.finding.map(|old| new_of_old[old]);
        }
        let mut slots: Vec<Option<_>> = list.into_iter().map(Some).collect();
        let mut out = Vec::with_capacity(slots.len());
        for (n, old) in order.into_iter().enumerate() {
            let (f, ats): (Finding, Vec<At>) = slots[old].take().expect("each finding is placed once");
            for at in ats {
                match at {
                    At::Change(i) => changes[i].findings.push(n),
                    At::StagingChange(i) => staging[i].findings.push(n),
                    At::Drift(i) => drift[i].findings.push(n),
                }
            }
            out.push(f);
        }
        (out, rollback)
    }
}

/// Runs every check.
pub(crate) fn run<'p>(input: &Input<'_, '_>, policy: &'p Policy) -> Findings<'p> {
    let mut found = Findings::new(policy);
    for check in CHECKS {
        check(input, &mut found);
    }
    found
}
