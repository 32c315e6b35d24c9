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

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use crate::plan::{Source, parse_plan};
    use crate::review::testkit::{day, options, policy, rc, upd};

    /// The `plan-not-applicable` message of a plan with these status fields
    /// (`Value::Null`: the field is absent), or `None`.
    fn status(errored: Value, complete: Value, applyable: Value, changes: bool) -> Option<String> {
        let mut doc = json!({"format_version": "1.2", "terraform_version": "1.9.8", "resource_changes": [
            if changes { upd("terraform_data.a", json!({"v": 1}), json!({"v": 2})) }
            else { rc("terraform_data.a", &["no-op"], json!({"v": 1}), json!({"v": 1})) }
        ]});
        for (k, v) in [("errored", errored), ("complete", complete), ("applyable", applyable)] {
            if !v.is_null() {
                doc[k] = v;
            }
        }
        let source = Source::new("plan.json", doc.to_string().into_bytes());
        let plan = parse_plan(&source).unwrap();
        let r = crate::review::check(&plan, &policy(""), &options(day("2026-01-01"), None));
        r.findings.iter().find(|f| f.id.to_string() == "plan-not-applicable").map(|f| f.message.clone())
    }

    #[test]
    fn which_plans_cannot_be_approved() {
        let (t, f, n) = (json!(true), json!(false), Value::Null);
        let cases = [
            ("complete and applyable", f.clone(), t.clone(), t.clone(), true, None),
            ("no status fields", n.clone(), n.clone(), n.clone(), true, None),
            ("errored", t.clone(), f.clone(), f.clone(), true, Some("errored")),
            ("incomplete", f.clone(), f.clone(), t.clone(), true, Some("incomplete")),
            ("incomplete, errored unknown", n.clone(), f.clone(), n.clone(), true, Some("incomplete")),
            ("not applyable with changes", f.clone(), t.clone(), f.clone(), true, Some("not applyable")),
            ("not applyable without changes", f.clone(), t.clone(), f.clone(), false, None),
        ];
        for (name, errored, complete, applyable, changes, want) in cases {
            let got = status(errored, complete, applyable, changes);
            match want {
                None => assert_eq!(got, None, "case {name}"),
                Some(w) => {
                    let got = got.unwrap_or_else(|| panic!("case {name}: no finding"));
                    assert!(got.contains(w), "case {name}: {got}");
                    if w == "errored" {
                        assert!(!got.contains("incomplete"), "an errored plan is not also called incomplete: {got}");
                    }
                }
            }
        }
    }
}
