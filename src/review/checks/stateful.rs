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
