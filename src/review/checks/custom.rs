//! Custom `[[rule]]`s from policy files: each rule that matches a change of
//! the environment it is scoped to (`env = "prod" | "staging" | "any"`)
//! raises its own finding id.

use super::{At, Findings, Input};
use crate::plan::{Action, Mode};
use crate::policy::{EnvScope, Rule};
use crate::review::{Change, Env};

pub(super) fn check(input: &Input<'_, '_>, out: &mut Findings<'_>) {
    // The gated plan's data sources are skipped here as by every single-plan
    // check; staging's changes are all offered to staging-scoped rules
    // (`rule_matches` still keeps data sources out unless a rule asks).
    for (i, c) in input.changes.iter().enumerate() {
        if c.mode != Mode::Data {
            rules_for(input, input.env, At::Change(i), c, out);
        }
    }
    if let Some(staging) = &input.staging {
        for (j, c) in staging.changes.iter().enumerate() {
            rules_for(input, Env::Staging, At::StagingChange(j), c, out);
        }
    }
}

fn rules_for(input: &Input<'_, '_>, env: Env, at: At, c: &Change, out: &mut Findings<'_>) {
    for rule in &input.policy.rules {
        if in_scope(rule.env, env) && rule_matches(rule, c) {
            out.custom(rule, env, at, c);
        }
    }
}

/// Whether a rule scoped to `scope` looks at a plan of `env`.
fn in_scope(scope: EnvScope, env: Env) -> bool {
    match scope {
        EnvScope::Prod => env == Env::Prod,
        EnvScope::Staging => env == Env::Staging,
        EnvScope::Any => true,
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
