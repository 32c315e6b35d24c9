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

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::review::testkit::{change, policy, with_paths};

    fn rule(fields: &str) -> Rule {
        let p = policy(&format!("[[rule]]\nid = \"my-rule\"\nlevel = \"warn\"\nmessage = \"m\"\n{fields}\n"));
        p.rules.into_iter().next().unwrap()
    }

    /// The check offers the gated plan's managed changes to prod-scoped
    /// rules and staging's changes to staging-scoped ones.
    #[test]
    fn the_check_offers_each_plan_to_its_rules() {
        use crate::review::testkit::{check_of, day, ids, options, review_of, upd};
        let p = policy(
            "[[rule]]\nid = \"in-prod\"\nlevel = \"warn\"\nmessage = \"m\"\ntype = \"terraform_data\"\n\n\
             [[rule]]\nid = \"in-staging\"\nlevel = \"warn\"\nmessage = \"m\"\nenv = \"staging\"\ntype = \"terraform_data\"\n",
        );
        let opts = options(day("2026-01-01"), None);
        let custom = |r: &crate::review::Review| -> Vec<(String, String)> {
            ids(r).into_iter().filter(|(id, _)| id.starts_with("in-")).collect()
        };
        let r = check_of(vec![upd("terraform_data.a", json!({"v": 1}), json!({"v": 2}))], &p, &opts);
        assert_eq!(custom(&r), vec![("in-prod".to_owned(), "terraform_data.a".to_owned())]);
        let r = review_of(
            vec![upd("terraform_data.s", json!({"v": 1}), json!({"v": 2}))],
            vec![upd("terraform_data.s", json!({"v": 1}), json!({"v": 2}))],
            &p,
            &opts,
        );
        let mut got = custom(&r);
        got.sort();
        assert_eq!(
            got,
            vec![
                ("in-prod".to_owned(), "terraform_data.s".to_owned()),
                ("in-staging".to_owned(), "terraform_data.s".to_owned())
            ]
        );
    }

    #[test]
    fn env_scoping() {
        for (scope, env, want) in [
            (EnvScope::Prod, Env::Prod, true),
            (EnvScope::Prod, Env::Staging, false),
            (EnvScope::Staging, Env::Staging, true),
            (EnvScope::Staging, Env::Prod, false),
            (EnvScope::Any, Env::Prod, true),
            (EnvScope::Any, Env::Staging, true),
        ] {
            assert_eq!(in_scope(scope, env), want, "{scope:?} {env:?}");
        }
        assert_eq!(rule("env = \"staging\"").env, EnvScope::Staging);
        assert_eq!(rule("").env, EnvScope::Prod, "rules look at prod unless told");
    }

    #[test]
    fn rule_scoping_by_action_reason_path_type_and_address() {
        let upd = || change("aws_db_instance.main", "aws_db_instance", Action::Update);
        let replace = |reason: Option<&str>| {
            let mut c = change("aws_db_instance.main", "aws_db_instance", Action::ReplaceDestroyFirst);
            c.action_reason = reason.map(str::to_owned);
            c
        };
        let imported = || {
            let mut c = change("aws_s3_bucket.b", "aws_s3_bucket", Action::NoOp);
            c.importing = true;
            c
        };
        let data = || {
            let mut c = change("data.aws_iam_policy.p", "aws_iam_policy", Action::Read);
            c.mode = Mode::Data;
            c
        };
        let cases: Vec<(&str, &str, Change, bool)> = vec![
            ("no selector matches any managed change", "", upd(), true),
            ("action selected", "actions = [\"replace\"]", replace(None), true),
            ("action not selected", "actions = [\"replace\"]", upd(), false),
            ("either of two actions", "actions = [\"delete\", \"update\"]", upd(), true),
            (
                "replace-forget answers to forget",
                "actions = [\"forget\"]",
                change("a.b", "a", Action::ReplaceForget),
                true,
            ),
            ("import selector", "actions = [\"import\"]", imported(), true),
            ("a pure import is no update", "actions = [\"update\"]", imported(), false),
            ("no-op selector", "actions = [\"no-op\"]", change("a.b", "a", Action::NoOp), true),
            (
                "reason listed",
                "reasons = [\"replace_because_tainted\"]",
                replace(Some("replace_because_tainted")),
                true,
            ),
            ("other reason", "reasons = [\"replace_because_tainted\"]", replace(Some("replace_by_request")), false),
            ("reason required but absent", "reasons = [\"replace_because_tainted\"]", replace(None), false),
            ("path pattern hit", "paths = [\"tags.*\"]", with_paths(upd(), &[json!(["tags", "Owner"])]), true),
            ("path pattern miss", "paths = [\"tags.*\"]", with_paths(upd(), &[json!(["engine_version"])]), false),
            ("paths required but none changed", "paths = [\"tags.*\"]", upd(), false),
            ("type glob hit", "type = \"aws_db_*\"", upd(), true),
            ("type glob miss", "type = \"aws_s3_*\"", upd(), false),
            ("address glob hit", "address = \"aws_db_instance.*\"", upd(), true),
            ("address glob miss", "address = \"module.*\"", upd(), false),
            ("all selectors must hold", "actions = [\"update\"]\npaths = [\"tags.*\"]", upd(), false),
            ("data sources only when asked", "", data(), false),
            ("data source by type", "type = \"aws_iam_policy\"", data(), true),
            ("data source by read", "actions = [\"read\"]", data(), true),
        ];
        for (name, fields, c, want) in cases {
            assert_eq!(rule_matches(&rule(fields), &c), want, "case {name}");
        }
    }
}
