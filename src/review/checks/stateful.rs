//! `stateful-destroy`: a resource the policy marks stateful is deleted or
//! replaced (either order), or its deposed object is destroyed.

use super::{At, Findings, Input};
use crate::plan::Mode;
use crate::rules::RuleId;

pub(super) fn check(input: &Input<'_, '_>, out: &mut Findings<'_>) {
    for (i, c) in input.changes.iter().enumerate() {
        if c.mode == Mode::Data || !c.action.destroys() {
            continue;
        }
        let Some(s) = input.policy.stateful_for(&c.type_, &c.address) else { continue };
        let deposed =
            if c.deposed.is_some() { " (a deposed object left by an unfinished create-before-destroy)" } else { "" };
        let mut msg = format!("{}{deposed} of a stateful resource: {}", c.describe(), s.reason);
        if matches!(c.action_reason.as_deref(), Some("delete_because_no_resource_config" | "delete_because_no_module"))
        {
            msg.push_str("; its configuration was removed, so `prevent_destroy` could not protect it");
        }
        out.builtin(RuleId::StatefulDestroy, Some(input.env), Some((At::Change(i), c)), msg, Some(s.origin.clone()));
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use crate::review::testkit::{check_of, day, ids, options};

    /// Only a change that destroys a stateful object is `stateful-destroy`.
    #[test]
    fn only_destroying_a_stateful_object() {
        let builtin = crate::policy::load_paths(&[], false).unwrap();
        let opts = options(day("2026-01-01"), None);
        let change = |type_: &str, actions: &[&str]| {
            let (before, after) = match actions {
                ["create"] => (Value::Null, json!({"v": 2})),
                ["delete"] => (json!({"v": 1}), Value::Null),
                _ => (json!({"v": 1}), json!({"v": 2})),
            };
            json!({"address": format!("{type_}.x"), "mode": "managed", "type": type_, "name": "x",
                "provider_name": "registry.terraform.io/hashicorp/aws",
                "change": {"actions": actions, "before": before, "after": after, "after_unknown": {}}})
        };
        let cases: [(&str, &[&str], bool); 6] = [
            ("aws_db_instance", &["delete"], true),
            ("aws_db_instance", &["delete", "create"], true),
            ("aws_db_instance", &["create", "delete"], true),
            ("aws_db_instance", &["update"], false),
            ("aws_db_instance", &["create"], false),
            ("aws_security_group", &["delete"], false),
        ];
        for (type_, actions, want) in cases {
            let r = check_of(vec![change(type_, actions)], &builtin, &opts);
            let hit = ids(&r).iter().any(|(id, _)| id == "stateful-destroy");
            assert_eq!(hit, want, "{type_} {actions:?}: {:?}", ids(&r));
        }
    }
}
