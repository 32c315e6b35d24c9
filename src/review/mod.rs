//! The analysis: classify every change, apply policy, match prod to staging,
//! and produce one [`Review`] that every renderer reads.
//!
//! The stages, in order: classify (`analyze`: each change's action, paths,
//! display diffs), match (`matching`: each prod change's staging
//! counterpart; returns matches, pushes no findings), the checks (`checks`:
//! one module each, listed in `checks::CHECKS`), exceptions (`exceptions`),
//! verdict.
//!
//! Pure: no I/O, no clock, no environment. Today's date comes in through
//! [`Options`]. Output is deterministic: findings that count come before
//! waived ones, then by level (most severe first), then in the order of the
//! rule registry, then by address; changes keep the plan's order.

mod analyze;
mod checks;
mod edits;
mod exceptions;
mod matching;
mod needles;
pub mod one_way;
pub mod parity;
pub mod redact;
pub mod stacks;
#[cfg(test)]
pub(crate) mod testkit;
mod version;

use std::collections::BTreeMap;

use serde::Serialize;

use crate::plan::{Action, Mode, Plan};
use crate::policy::{Date, Origin, Policy};
use crate::rules::{FindingId, Level};

pub use analyze::{AttrDiff, Shown};
pub use edits::{EditKind, EditNote, ExtraEdit, Relation};

/// Which environment a plan or finding belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Env {
    Staging,
    Prod,
}

impl Env {
    pub fn name(self) -> &'static str {
        match self {
            Env::Staging => "staging",
            Env::Prod => "prod",
        }
    }
}

/// Settings of one analysis run.
#[derive(Clone, Debug)]
pub struct Options {
    /// Today's date, for exception expiry.
    pub today: Date,
    /// `--approved` or `--approved-file`: what the staging plan must be.
    pub approved: Option<Approval>,
    /// Compute per-attribute `before -> after` diffs (text and Markdown need
    /// them; JSON does not).
    pub attribute_diffs: bool,
    /// Put each plan's digest in its [`PlanInfo`] (JSON and Markdown show
    /// it; text does not). Computing a digest hashes the whole plan.
    pub digests: bool,
    /// For `check`: which environment the single plan is.
    pub env: Env,
}

/// What the staging plan must be to be approved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Approval {
    /// `--approved DIGEST`, or the staging plan's line of `--approved-file`.
    Digest(String),
    /// `--approved-file FILE` has no line for the staging plan: not approved.
    Unlisted { file: String },
}

/// The gate's answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Pass,
    Warn,
    Block,
}

impl Verdict {
    pub fn name(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Warn => "warn",
            Verdict::Block => "block",
        }
    }
}

/// An exception that waived a finding.
#[derive(Clone, Debug, Serialize)]
pub struct Waiver {
    pub reason: String,
    /// The last day the exception applies (`expires` in the policy).
    pub expires: Option<String>,
    pub origin: Origin,
}

impl Waiver {
    /// How long the exception applies, in the words every format uses:
    /// `valid through 2026-12-31` (it expires from the next day).
    pub fn validity(&self) -> Option<String> {
        self.expires.as_deref().map(valid_through)
    }
}

/// `valid through DATE`: the one wording for an exception's `expires` date,
/// the last day it applies.
pub fn valid_through(date: &str) -> String {
    format!("valid through {date}")
}

/// One finding.
#[derive(Clone, Debug, Serialize)]
pub struct Finding {
    pub id: FindingId,
    pub level: Level,
    pub env: Option<Env>,
    pub address: Option<String>,
    pub message: String,
    /// The policy rule, stateful/disruptive entry, level override or
    /// exception behind the finding; `None` for a built-in default.
    pub origin: Option<Origin>,
    /// Set when an exception waived the finding: it then does not count.
    pub waived: Option<Waiver>,
}

impl Finding {
    /// Whether the finding counts toward the verdict.
    pub fn counts(&self) -> bool {
        self.waived.is_none()
    }
}

/// How a prod change relates to staging's plan.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum MatchStatus {
    /// The same edits with the same values (after normalization).
    Matched,
    /// The same edits, some with other values (`value-differs`).
    #[serde(rename = "value-differs")]
    ValueDiffers,
    /// Prod makes an edit staging's change does not, or acts differently.
    Diverged,
    /// Prod's action is more destructive than staging's.
    Escalated,
    /// No staging counterpart, or staging leaves the object unchanged.
    Absent,
}

/// How the staging counterpart was found.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Via {
    /// The same address.
    Address,
    /// An address rewritten by `[[compare.map]]`.
    Mapped,
    /// The prod change's `previous_address` (a move).
    PreviousAddress,
    /// Another instance of the same resource (count/for_each differ).
    Sibling,
    /// The same address once staging's environment tokens are replaced
    /// (`[[compare.replace]]`).
    Normalized,
}

/// A prod change's staging counterpart.
#[derive(Clone, Debug, Serialize)]
pub struct StagingMatch {
    pub status: MatchStatus,
    /// The staging address matched, if any.
    pub address: Option<String>,
    pub via: Option<Via>,
    /// Staging's action there, as an action name (`no-op` when staging has
    /// the resource unchanged); `None` when no staging address was matched.
    pub action: Option<Action>,
    /// The same for people (`update + move`), or why nothing matched.
    pub description: Option<String>,
    /// The paths of `extra_edits`, each once (shape form, masked).
    pub extra_paths: Vec<String>,
    /// Every edit prod makes that staging's change does not: path and kind
    /// (attribute, line, element), never the value.
    pub extra_edits: Vec<ExtraEdit>,
    /// Paths where both make the same edit with other values (masked).
    pub value_differences: Vec<String>,
    /// Per prod edit, how staging relates to it (masked, for the human
    /// formats; computed only when attribute diffs are).
    #[serde(skip)]
    pub notes: Vec<EditNote>,
}

impl StagingMatch {
    /// No staging counterpart.
    pub fn absent() -> StagingMatch {
        StagingMatch {
            status: MatchStatus::Absent,
            address: None,
            via: None,
            action: None,
            description: None,
            extra_paths: Vec::new(),
            extra_edits: Vec::new(),
            value_differences: Vec::new(),
            notes: Vec::new(),
        }
    }
}

/// One analysed change (prod, staging or drift).
#[derive(Clone, Debug, Serialize)]
pub struct Change {
    pub address: String,
    pub previous_address: Option<String>,
    pub deposed: Option<String>,
    #[serde(rename = "type")]
    pub type_: String,
    pub mode: Mode,
    pub action: Action,
    pub importing: bool,
    pub moved: bool,
    pub action_reason: Option<String>,
    /// Attribute paths whose change forces replacement.
    pub replace_paths: Vec<String>,
    /// The `deferred_changes` reason, for a deferred change.
    pub deferred: Option<String>,
    /// Attribute paths the change touches (update and replace only).
    pub changed_paths: Vec<String>,
    /// Prod changes in `review`: the staging counterpart.
    pub staging: Option<StagingMatch>,
    /// Why the policy treats the resource as stateful, if it does.
    pub stateful: Option<String>,
    /// The same paths, as steps.
    #[serde(skip)]
    pub paths: Vec<crate::plan::Path>,
    /// Per path of `paths`: whether it becomes unknown, or is sensitive.
    #[serde(skip)]
    pub marks: Vec<edits::LeafMark>,
    /// The change's shape for matching: changed paths with list indices as
    /// `[*]`, minus `[compare] ignore_paths`, sorted.
    #[serde(skip)]
    pub shape: Vec<String>,
    /// Indices into [`Review::findings`].
    #[serde(skip)]
    pub findings: Vec<usize>,
    /// Display diffs, masked; empty unless asked for.
    #[serde(skip)]
    pub attributes: Vec<AttrDiff>,
    /// For a destroyed, replaced or forgotten object, with display diffs:
    /// the attributes that identify it (`name`, `bucket`... then `arn` or
    /// `id`), masked.
    #[serde(skip)]
    pub identity: Vec<(String, Shown)>,
}

impl Change {
    /// What happens to the object, as in Terraform's "will be ..." lines.
    pub fn will_be(&self) -> String {
        let base = match self.action {
            Action::NoOp if self.importing => "imported",
            Action::NoOp if self.moved => "moved",
            Action::NoOp => "left unchanged",
            Action::Read => "read during apply",
            Action::Create => "created",
            Action::Update => "updated in-place",
            Action::Delete => "destroyed",
            Action::ReplaceDestroyFirst => "replaced (destroy before create)",
            Action::ReplaceCreateFirst => "replaced (create before destroy)",
            Action::Forget => "forgotten (removed from state, not destroyed)",
            Action::ReplaceForget => "replaced (old object forgotten, not destroyed)",
        };
        let mut s = base.to_owned();
        if self.importing && self.action != Action::NoOp {
            s.push_str(" and imported");
        }
        if self.moved && self.action != Action::NoOp {
            s.push_str(" and moved");
        }
        s
    }

    /// The action as a reviewer reads it ("replace (destroy before create)").
    pub fn describe(&self) -> String {
        let base = match self.action {
            Action::NoOp if self.importing => "import",
            Action::NoOp if self.moved => "move",
            Action::NoOp => "no-op",
            Action::Read => "read",
            Action::Create => "create",
            Action::Update => "update",
            Action::Delete if self.deposed.is_some() => "delete deposed object",
            Action::Delete => "delete",
            Action::ReplaceDestroyFirst => "replace (destroy before create)",
            Action::ReplaceCreateFirst => "replace (create before destroy)",
            Action::Forget => "forget",
            Action::ReplaceForget => "replace (old object forgotten)",
        };
        let mut s = base.to_owned();
        if self.importing && self.action != Action::NoOp {
            s.push_str(" + import");
        }
        if self.moved && (self.action != Action::NoOp || self.importing) {
            s.push_str(" + move");
        }
        s
    }
}

/// An output change (values masked, for display).
#[derive(Clone, Debug, Serialize)]
pub struct OutputLine {
    pub name: String,
    pub action: Action,
    pub sensitive: bool,
    #[serde(skip)]
    pub diff: Option<AttrDiff>,
}

/// What the review says about one plan.
#[derive(Clone, Debug, Serialize)]
pub struct PlanInfo {
    pub file: String,
    /// `None` unless [`Options::digests`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub digest: Option<String>,
    pub format_version: Option<String>,
    pub terraform_version: Option<String>,
    pub opentofu: bool,
    pub errored: Option<bool>,
    pub complete: Option<bool>,
    pub applyable: Option<bool>,
    /// Number of changes per action (no-ops included), by action name.
    pub actions: BTreeMap<String, usize>,
}

/// What was reviewed: the part of a [`Review`] that differs by command.
#[derive(Debug)]
pub enum Kind {
    /// `plangate check`: one plan, gated as the environment `env`.
    Check { plan: PlanInfo, env: Env },
    /// `plangate review`: prod against the approved staging plan.
    Review {
        prod: PlanInfo,
        staging: PlanInfo,
        /// Staging's changes, for context.
        staging_changes: Vec<Change>,
    },
    /// One stack of many (`review` of directories or `--plans`) whose prod
    /// plan has no staging plan: every prod change is `not-in-staging`.
    ProdOnly { prod: PlanInfo },
}

/// The whole analysis.
#[derive(Debug)]
pub struct Review {
    pub kind: Kind,
    pub verdict: Verdict,
    pub findings: Vec<Finding>,
    /// The gated plan's changes (prod's in a review), in the plan's order.
    pub changes: Vec<Change>,
    /// The gated plan's relevant drift.
    pub drift: Vec<Change>,
    pub outputs: Vec<OutputLine>,
    /// The prod edits promoting the previous artifact cannot undo, in the
    /// order of their changes; each names its `one-way` finding.
    pub rollback: Vec<one_way::Rollback>,
}

impl Review {
    /// The command that made it: `check` or `review`.
    pub fn command(&self) -> &'static str {
        match self.kind {
            Kind::Check { .. } => "check",
            Kind::Review { .. } | Kind::ProdOnly { .. } => "review",
        }
    }

    /// The plan the gate is about: prod in a review, the one plan in a check.
    pub fn gated(&self) -> &PlanInfo {
        match &self.kind {
            Kind::Check { plan, .. } => plan,
            Kind::Review { prod, .. } | Kind::ProdOnly { prod } => prod,
        }
    }

    /// A review's staging plan.
    pub fn staging(&self) -> Option<&PlanInfo> {
        match &self.kind {
            Kind::Check { .. } | Kind::ProdOnly { .. } => None,
            Kind::Review { staging, .. } => Some(staging),
        }
    }

    /// A review's staging changes (none in a check).
    pub fn staging_changes(&self) -> &[Change] {
        match &self.kind {
            Kind::Check { .. } | Kind::ProdOnly { .. } => &[],
            Kind::Review { staging_changes, .. } => staging_changes,
        }
    }

    /// A check's environment.
    pub fn checked_as(&self) -> Option<Env> {
        match self.kind {
            Kind::Check { env, .. } => Some(env),
            Kind::Review { .. } | Kind::ProdOnly { .. } => None,
        }
    }
}

/// The verdict stage: the most severe level among findings that count.
fn verdict_of(findings: &[Finding]) -> Verdict {
    match findings.iter().filter(|f| f.counts()).map(|f| f.level).max() {
        Some(Level::Block) => Verdict::Block,
        Some(Level::Warn) => Verdict::Warn,
        _ => Verdict::Pass,
    }
}

fn plan_info(plan: &Plan<'_>, digests: bool) -> PlanInfo {
    let mut actions = BTreeMap::new();
    for c in &plan.changes {
        let key = if c.action == Action::NoOp && c.importing {
            "import"
        } else if c.action == Action::NoOp && c.is_moved() {
            "move"
        } else {
            c.action.name()
        };
        *actions.entry(key.to_owned()).or_insert(0) += 1;
    }
    if !plan.deferred.is_empty() {
        actions.insert("deferred".into(), plan.deferred.len());
    }
    PlanInfo {
        file: plan.name.clone(),
        digest: digests.then(|| plan.digest.get().to_owned()),
        format_version: plan.format_version.as_deref().map(str::to_owned),
        terraform_version: plan.terraform_version.as_deref().map(str::to_owned),
        opentofu: plan.opentofu,
        errored: plan.status.errored,
        complete: plan.status.complete,
        applyable: plan.status.applyable,
        actions,
    }
}

/// `plangate check`: one plan, destructive actions and policy.
pub fn check(plan: &Plan<'_>, policy: &Policy, opts: &Options) -> Review {
    gate_alone(plan, opts.env, policy, opts, Kind::Check { plan: plan_info(plan, opts.digests), env: opts.env })
}

/// One plan gated without a staging plan to compare with: `check`, or a
/// prod-only stack (`kind` says which).
fn gate_alone(plan: &Plan<'_>, env: Env, policy: &Policy, opts: &Options, kind: Kind) -> Review {
    let without_staging = matches!(kind, Kind::ProdOnly { .. });
    let redactor = redact::Redactor::from_plans(&[plan]);
    let diffs = if opts.attribute_diffs { analyze::Diffs::All } else { analyze::Diffs::None };
    let analysed = analyze::analyze_plan(plan, policy, &redactor, diffs);
    let mut changes = analysed.changes;
    if without_staging {
        for c in &mut changes {
            c.staging = Some(StagingMatch { description: Some(NO_STAGING_PLAN.to_owned()), ..StagingMatch::absent() });
        }
    }
    let mut drift = analyze::relevant_drift(plan, policy, &redactor, opts.attribute_diffs);
    let sources = analyze::sources(plan);
    let input = checks::Input {
        policy,
        plan,
        env,
        changes: &changes,
        drift: &drift,
        sources: &sources,
        redactor: &redactor,
        staging: None,
        stack_without_staging: without_staging,
    };
    let mut found = checks::run(&input, policy);
    exceptions::apply(&mut found, opts.today);
    let (findings, rollback) = found.into_ordered(&mut changes, &mut [], &mut drift);
    let mut review =
        Review { kind, verdict: verdict_of(&findings), findings, changes, drift, outputs: analysed.outputs, rollback };
    redact::mask_review(&mut review, &redactor);
    review
}

/// `plangate review`: prod against the approved staging plan.
pub fn review(staging: &Plan<'_>, prod: &Plan<'_>, policy: &Policy, opts: &Options) -> Review {
    let redactor = redact::Redactor::from_plans(&[staging, prod]);
    // Kind parity reads only the plans' values, so it is worked out beside
    // the analysis and matching below (a fifth of the review's time on a
    // large pair) and handed to its check.
    std::thread::scope(|s| {
        let parity = s.spawn(|| parity::check(staging, prod, policy, &redactor));
        let parity = || parity.join().expect("parity thread panicked");
        review_with(staging, prod, policy, opts, &redactor, parity)
    })
}

fn review_with(
    staging: &Plan<'_>,
    prod: &Plan<'_>,
    policy: &Policy,
    opts: &Options,
    redactor: &redact::Redactor,
    parity: impl FnOnce() -> Vec<parity::Note>,
) -> Review {
    let diffs = opts.attribute_diffs;
    // Each plan is analysed on every core in turn; staging only needs
    // display diffs for the destructive changes shown as context.
    let (all, context) = if diffs {
        (analyze::Diffs::All, analyze::Diffs::Destructive)
    } else {
        (analyze::Diffs::None, analyze::Diffs::None)
    };
    let s = analyze::analyze_plan(staging, policy, redactor, context);
    let p = analyze::analyze_plan(prod, policy, redactor, all);
    let mut changes = p.changes;
    let mut staging_changes = s.changes;
    let (prod_sources, staging_sources) = (analyze::sources(prod), analyze::sources(staging));
    let matches = matching::match_changes(
        &matching::Sided { changes: &changes, sources: &prod_sources },
        &matching::Sided { changes: &staging_changes, sources: &staging_sources },
        staging,
        policy,
        redactor,
        opts.attribute_diffs,
    );
    for (c, m) in changes.iter_mut().zip(matches.prod) {
        c.staging = Some(m);
    }
    let mut drift = analyze::relevant_drift(prod, policy, redactor, diffs);
    let input = checks::Input {
        policy,
        plan: prod,
        env: Env::Prod,
        changes: &changes,
        drift: &drift,
        sources: &prod_sources,
        redactor,
        staging: Some(checks::StagingInput {
            plan: staging,
            changes: &staging_changes,
            claimed: &matches.claimed,
            approved: opts.approved.as_ref(),
            parity: parity(),
        }),
        stack_without_staging: false,
    };
    let mut found = checks::run(&input, policy);
    exceptions::apply(&mut found, opts.today);
    let (findings, rollback) = found.into_ordered(&mut changes, &mut staging_changes, &mut drift);
    let mut review = Review {
        kind: Kind::Review {
            prod: plan_info(prod, opts.digests),
            staging: plan_info(staging, opts.digests),
            staging_changes,
        },
        verdict: verdict_of(&findings),
        findings,
        changes,
        drift,
        outputs: p.outputs,
        rollback,
    };
    redact::mask_review(&mut review, redactor);
    review
}

/// One stack of many whose prod plan has no staging plan: gated like a
/// check of prod, and every prod change has no staging counterpart
/// (`not-in-staging`), under one `stack-not-in-staging`. No parity,
/// approval or version findings: there is nothing to compare.
pub fn review_prod_only(prod: &Plan<'_>, policy: &Policy, opts: &Options) -> Review {
    gate_alone(prod, Env::Prod, policy, opts, Kind::ProdOnly { prod: plan_info(prod, opts.digests) })
}

/// Why a prod-only stack's changes have no staging counterpart.
pub const NO_STAGING_PLAN: &str = "this stack has no staging plan";

/// The rank of an action for `escalated`: no-op < read < create/import/move
/// < update < forget < replace (create first) < replace (destroy first) =
/// delete.
pub fn rank(action: Action, importing: bool, moved: bool) -> u8 {
    match action {
        Action::NoOp if importing || moved => 2,
        Action::NoOp => 0,
        Action::Read => 1,
        Action::Create => 2,
        Action::Update => 3,
        Action::Forget | Action::ReplaceForget => 4,
        Action::ReplaceCreateFirst => 5,
        Action::ReplaceDestroyFirst | Action::Delete => 6,
    }
}
