//! Findings: the single-plan checks (destruction, stateful, forget,
//! disruptive updates, custom rules, plan status), the parity notes, and
//! exceptions applied last.

use std::collections::BTreeSet;

use super::{Change, Env, Finding, Waiver};
use crate::plan::{Action, Mode, Plan, strip_instance_key};
use crate::policy::{Date, EnvScope, Origin, Policy, Rule};
use crate::rules::{self, Level};

/// Which list of the review a finding's change is in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum List {
    /// `Review::changes`: prod's changes, or the one plan's for `check`.
    Changes,
    /// `Review::staging_changes`.
    Staging,
    /// `Review::drift`.
    Drift,
}

/// Collects findings, each tied to the change it concerns.
pub(super) struct Builder<'p> {
    policy: &'p Policy,
    /// `check`: one plan, whatever its environment, in `Review::changes`.
    single_plan: bool,
    /// Each finding with the changes it is about (several for a finding
    /// grouping instances).
    findings: Vec<(Finding, Vec<(List, usize)>)>,
}

impl<'p> Builder<'p> {
    pub fn new(policy: &'p Policy, single_plan: bool) -> Builder<'p> {
        Builder { policy, single_plan, findings: Vec::new() }
    }

    fn list_of(&self, env: Env) -> List {
        if self.single_plan || env == Env::Prod { List::Changes } else { List::Staging }
    }

    /// Adds a built-in finding at its (possibly overridden) level.
    pub fn builtin(
        &mut self,
        id: &'static str,
        env: Option<Env>,
        target: Option<(&Change, usize)>,
        message: String,
        origin: Option<Origin>,
    ) {
        let default = rules::builtin(id).map_or(Level::Block, |r| r.level);
        let (level, override_origin) = self.policy.level_of(id, default);
        let finding = Finding {
            id: id.to_owned(),
            level,
            env,
            address: target.map(|(c, _)| c.address.clone()),
            message,
            origin: origin.or_else(|| override_origin.cloned()),
            waived: None,
        };
        let targets = match (env, target) {
            (Some(e), Some((_, i))) => vec![(self.list_of(e), i)],
            _ => Vec::new(),
        };
        self.findings.push((finding, targets));
    }

    /// One built-in finding about several instances of one resource
    /// (`members`, indices into `changes`, which belong to `env`): its
    /// address is the resource's, and every member lists it.
    pub fn builtin_grouped(
        &mut self,
        id: &'static str,
        env: Env,
        changes: &[Change],
        members: &[usize],
        message: String,
    ) {
        let Some(&first) = members.first() else { return };
        if members.len() == 1 {
            self.builtin(id, Some(env), Some((&changes[first], first)), message, None);
            return;
        }
        let resource = strip_instance_key(&changes[first].address);
        let address = if members.iter().all(|&i| strip_instance_key(&changes[i].address) == resource) {
            resource.to_owned()
        } else {
            super::matching::instance_pattern(&changes[first].address)
        };
        let default = rules::builtin(id).map_or(Level::Block, |r| r.level);
        let (level, origin) = self.policy.level_of(id, default);
        let finding = Finding {
            id: id.to_owned(),
            level,
            env: Some(env),
            address: Some(address),
            message,
            origin: origin.cloned(),
            waived: None,
        };
        let list = self.list_of(env);
        self.findings.push((finding, members.iter().map(|&i| (list, i)).collect()));
    }

    fn custom(&mut self, rule: &Rule, env: Env, change: &Change, index: usize) {
        let (level, _) = self.policy.level_of(&rule.id, rule.level);
        self.findings.push((
            Finding {
                id: rule.id.clone(),
                level,
                env: Some(env),
                address: Some(change.address.clone()),
                message: rule.message.clone(),
                origin: Some(rule.origin.clone()),
                waived: None,
            },
            vec![(self.list_of(env), index)],
        ));
    }

    /// `plan-not-applicable` for an errored, incomplete or deferred plan.
    pub fn plan_status(&mut self, plan: &Plan<'_>, env: Env) {
        let mut why = Vec::new();
        if plan.status.errored == Some(true) {
            why.push("the plan errored (Terraform stopped planning; the change set is partial)".to_owned());
        }
        if plan.status.complete == Some(false) && plan.status.errored != Some(true) {
            why.push("the plan is incomplete (`-target` was used, or changes were deferred)".to_owned());
        }
        if !plan.deferred.is_empty() {
            why.push(format!("{} change(s) are deferred to a later plan", plan.deferred.len()));
        }
        if why.is_empty() && plan.status.applyable == Some(false) && plan.has_changes() {
            why.push("Terraform marked the plan as not applyable".to_owned());
        }
        if why.is_empty() {
            return;
        }
        let whose = env.name();
        self.builtin(
            "plan-not-applicable",
            Some(env),
            None,
            format!("{whose} plan cannot be approved: {}", why.join("; ")),
            None,
        );
    }

    /// `staging-not-approved`.
    pub fn approval(&mut self, staging: &Plan<'_>, approved: &str) {
        let want = approved.trim().to_ascii_lowercase();
        let want = want.strip_prefix("sha256:").unwrap_or(&want);
        let have = staging.digest.strip_prefix("sha256:").unwrap_or(&staging.digest);
        if want != have {
            self.builtin(
                "staging-not-approved",
                Some(Env::Staging),
                None,
                format!(
                    "the staging plan's digest is `{}`, not the approved `sha256:{}`",
                    staging.digest,
                    crate::plan::escape_for_message(want)
                ),
                None,
            );
        }
    }

    /// The single-plan findings of every change of one environment.
    pub fn change_findings(&mut self, changes: &[Change], env: Env) {
        for (i, c) in changes.iter().enumerate() {
            if c.mode == Mode::Data {
                continue;
            }
            let deposed = if c.deposed.is_some() {
                " (a deposed object left by an unfinished create-before-destroy)"
            } else {
                ""
            };
            if c.action.destroys() {
                match self.policy.stateful_for(&c.type_, &c.address) {
                    Some(s) => {
                        let mut msg = format!("{}{deposed} of a stateful resource: {}", c.describe(), s.reason);
                        if matches!(
                            c.action_reason.as_deref(),
                            Some("delete_because_no_resource_config" | "delete_because_no_module")
                        ) {
                            msg.push_str("; its configuration was removed, so `prevent_destroy` could not protect it");
                        }
                        let origin = s.origin.clone();
                        self.builtin("stateful-destroy", Some(env), Some((c, i)), msg, Some(origin));
                    }
                    None => {
                        let why = c.action_reason.as_deref().map_or(String::new(), |r| format!(" ({r})"));
                        self.builtin(
                            "destructive",
                            Some(env),
                            Some((c, i)),
                            format!("{}{deposed}{why}", c.describe()),
                            None,
                        );
                    }
                }
            }
            if matches!(c.action, Action::Forget | Action::ReplaceForget) {
                self.builtin(
                    "forget",
                    Some(env),
                    Some((c, i)),
                    "Terraform stops managing this object; it keeps running, unmanaged".to_owned(),
                    None,
                );
            }
            if c.action == Action::Update {
                let paths = &c.paths;
                for d in &self.policy.disruptive {
                    if !d.type_.is_match(&c.type_) || d.address.as_ref().is_some_and(|a| !a.is_match(&c.address)) {
                        continue;
                    }
                    let hit: BTreeSet<String> = paths
                        .iter()
                        .filter(|p| d.paths.iter().any(|pat| pat.matches(p)))
                        .map(ToString::to_string)
                        .collect();
                    if !hit.is_empty() {
                        let list: Vec<String> = hit.into_iter().collect();
                        self.builtin(
                            "disruptive-update",
                            Some(env),
                            Some((c, i)),
                            format!("updates {}: {}", list.join(", "), d.reason),
                            Some(d.origin.clone()),
                        );
                    }
                }
            }
            self.rules_for(env, c, i);
        }
    }

    /// Custom rules scoped to staging, on staging's changes.
    pub fn staging_rule_findings(&mut self, changes: &[Change]) {
        for (i, c) in changes.iter().enumerate() {
            self.rules_for(Env::Staging, c, i);
        }
    }

    fn rules_for(&mut self, env: Env, c: &Change, i: usize) {
        let policy = self.policy;
        for rule in &policy.rules {
            let in_scope = match rule.env {
                EnvScope::Prod => env == Env::Prod,
                EnvScope::Staging => env == Env::Staging,
                EnvScope::Any => true,
            };
            if in_scope && rule_matches(rule, c) {
                self.custom(rule, env, c, i);
            }
        }
    }

    /// `version-mismatch` and `type-not-in-staging`.
    pub fn parity(&mut self, staging: &Plan<'_>, prod: &Plan<'_>, changes: &[Change]) {
        let (sv, pv) = (staging.terraform_version.as_deref(), prod.terraform_version.as_deref());
        let tool = |tofu: bool| if tofu { "OpenTofu" } else { "Terraform" };
        if (sv.is_some() && pv.is_some() && sv != pv) || staging.opentofu != prod.opentofu {
            self.builtin(
                "version-mismatch",
                None,
                None,
                format!(
                    "staging was planned with {} {}, prod with {} {}",
                    tool(staging.opentofu),
                    crate::plan::escape_for_message(sv.unwrap_or("(unknown version)")),
                    tool(prod.opentofu),
                    crate::plan::escape_for_message(pv.unwrap_or("(unknown version)"))
                ),
                None,
            );
        }
        let staging_types: BTreeSet<&str> =
            staging.changes.iter().chain(&staging.drift).chain(&staging.deferred).map(|c| c.type_.as_ref()).collect();
        let mut seen = BTreeSet::new();
        for (i, c) in changes.iter().enumerate() {
            if c.mode == Mode::Managed && !staging_types.contains(c.type_.as_str()) && seen.insert(c.type_.clone()) {
                let n = changes.iter().filter(|x| x.type_ == c.type_).count();
                self.builtin(
                    "type-not-in-staging",
                    Some(Env::Prod),
                    Some((c, i)),
                    format!(
                        "resource type `{}` appears nowhere in staging's plan; prod changes {n} of them",
                        crate::plan::escape_for_message(&c.type_)
                    ),
                    None,
                );
            }
        }
    }

    /// One `drift` finding per relevant drifted object.
    pub fn drift_findings(&mut self, drift: &[Change], env: Env) {
        let (level, override_origin) = self.policy.level_of("drift", Level::Info);
        for (i, d) in drift.iter().enumerate() {
            let what = match d.action {
                Action::Delete => "was deleted outside Terraform".to_owned(),
                _ if d.changed_paths.is_empty() => "changed outside Terraform".to_owned(),
                _ => format!("changed outside Terraform: {}", d.changed_paths.join(", ")),
            };
            let finding = Finding {
                id: "drift".into(),
                level,
                env: Some(env),
                address: Some(d.address.clone()),
                message: what,
                origin: override_origin.cloned(),
                waived: None,
            };
            self.findings.push((finding, vec![(List::Drift, i)]));
        }
    }

    /// Applies exceptions, adds `exception-expired` / `exception-unused`,
    /// orders the findings and ties them to their changes.
    pub fn finish(
        mut self,
        today: Date,
        changes: &mut [Change],
        staging: &mut [Change],
        drift: &mut [Change],
    ) -> Vec<Finding> {
        let policy = self.policy;
        let mut used = vec![false; policy.exceptions.len()];
        for (f, _) in &mut self.findings {
            let Some(address) = &f.address else { continue };
            for (i, e) in policy.exceptions.iter().enumerate() {
                let expired = e.expires.is_some_and(|d| d < today);
                if e.rule == f.id && !expired && e.address.is_match(address) {
                    f.waived = Some(Waiver {
                        reason: e.reason.clone(),
                        expires: e.expires.map(|d| d.to_string()),
                        origin: e.origin.clone(),
                    });
                    used[i] = true;
                    break;
                }
            }
        }
        for (i, e) in policy.exceptions.iter().enumerate() {
            if let Some(d) = e.expires.filter(|d| *d < today) {
                self.builtin(
                    "exception-expired",
                    None,
                    None,
                    format!(
                        "the exception for `{}` at `{}` expired on {d} and no longer applies (reason was: {})",
                        e.rule, e.address.text, e.reason
                    ),
                    Some(e.origin.clone()),
                );
            } else if !used[i] {
                self.builtin(
                    "exception-unused",
                    None,
                    None,
                    format!("the exception for `{}` at `{}` matched nothing", e.rule, e.address.text),
                    Some(e.origin.clone()),
                );
            }
        }
        let order = |id: &str| rules::RULES.iter().position(|r| r.id == id).unwrap_or(usize::MAX);
        self.findings.sort_by(|(a, _), (b, _)| {
            (b.counts(), b.level)
                .cmp(&(a.counts(), a.level))
                .then_with(|| order(&a.id).cmp(&order(&b.id)))
                .then_with(|| a.id.cmp(&b.id))
                .then_with(|| a.address.cmp(&b.address))
                .then_with(|| a.env.cmp(&b.env))
        });
        let mut out = Vec::with_capacity(self.findings.len());
        for (n, (f, targets)) in self.findings.into_iter().enumerate() {
            for (list, i) in targets {
                match list {
                    List::Changes => changes[i].findings.push(n),
                    List::Staging => staging[i].findings.push(n),
                    List::Drift => drift[i].findings.push(n),
                }
            }
            out.push(f);
        }
        out
    }
}

/// The action selectors a change answers to in `[[rule]] actions`.
fn selectors(c: &Change) -> Vec<&'static str> {
    let mut s = Vec::new();
    match c.action {
        Action::NoOp => {}
        Action::Read => s.push("read"),
        Action::Create => s.push("create"),
        Action::Update => s.push("update"),
        Action::Delete => s.push("delete"),
        Action::ReplaceDestroyFirst | Action::ReplaceCreateFirst => s.push("replace"),
        Action::Forget => s.push("forget"),
        Action::ReplaceForget => s.extend(["replace", "forget"]),
    }
    if c.importing {
        s.push("import");
    }
    if c.moved {
        s.push("move");
    }
    if s.is_empty() {
        s.push("no-op");
    }
    s
}

fn rule_matches(rule: &Rule, c: &Change) -> bool {
    if rule.type_.as_ref().is_some_and(|g| !g.is_match(&c.type_)) {
        return false;
    }
    if rule.address.as_ref().is_some_and(|g| !g.is_match(&c.address)) {
        return false;
    }
    if !rule.actions.is_empty() && !selectors(c).iter().any(|s| rule.actions.iter().any(|a| a == s)) {
        return false;
    }
    if !rule.reasons.is_empty() && !c.action_reason.as_ref().is_some_and(|r| rule.reasons.contains(r)) {
        return false;
    }
    if !rule.paths.is_empty() && !c.paths.iter().any(|p| rule.paths.iter().any(|pat| pat.matches(p))) {
        return false;
    }
    c.mode == Mode::Managed || rule.type_.is_some() || rule.actions.iter().any(|a| a == "read")
}
