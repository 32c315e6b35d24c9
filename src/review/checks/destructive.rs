//! `destructive`: any delete or replace of a resource the policy does not
//! mark stateful (those are `stateful-destroy`).

use super::{At, Findings, Input};
use crate::plan::Mode;
use crate::rules::RuleId;

pub(super) fn check(input: &Input<'_, '_>, out: &mut Findings<'_>) {
    for (i, c) in input.changes.iter().enumerate() {
        // `stateful` is the policy's answer for this change, computed when
        // it was classified: the same question `stateful::check` asks.
        if c.mode == Mode::Data || !c.action.destroys() || c.stateful.is_some() {
            continue;
        }
        let deposed =
            if c.deposed.is_some() { " (a deposed object left by an unfinished create-before-destroy)" } else { "" };
        // `action_reason` is not repeated here: every human format shows it
        // in Terraform's words beside the finding, and JSON has it on the change.
        out.builtin(
            RuleId::Destructive,
            Some(input.env),
            Some((At::Change(i), c)),
            format!("{}{deposed}", c.describe()),
            None,
        );
    }
}
