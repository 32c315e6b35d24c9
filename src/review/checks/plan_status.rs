//! `plan-not-applicable`: an errored, incomplete or deferred plan cannot be
//! approved (in a review, either plan).

use super::{Findings, Input};
use crate::plan::Plan;
use crate::review::Env;
use crate::rules::RuleId;

pub(super) fn check(input: &Input<'_, '_>, out: &mut Findings<'_>) {
    plan_status(input.plan, input.env, out);
    if let Some(staging) = &input.staging {
        plan_status(staging.plan, Env::Staging, out);
    }
}

fn plan_status(plan: &Plan<'_>, env: Env, out: &mut Findings<'_>) {
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
    out.builtin(
        RuleId::PlanNotApplicable,
        Some(env),
        None,
        format!("{whose} plan cannot be approved: {}", why.join("; ")),
        None,
    );
}
