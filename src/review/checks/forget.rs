//! `forget`: Terraform stops managing an object (a `removed` block with
//! `destroy = false`, or a replacement whose old object is forgotten).

use super::{At, Findings, Input};
use crate::plan::{Action, Mode};
use crate::rules::RuleId;

pub(super) fn check(input: &Input<'_, '_>, out: &mut Findings<'_>) {
    for (i, c) in input.changes.iter().enumerate() {
        if c.mode == Mode::Data || !matches!(c.action, Action::Forget | Action::ReplaceForget) {
            continue;
        }
        out.builtin(
            RuleId::Forget,
            Some(input.env),
            Some((At::Change(i), c)),
            "Terraform stops managing this object; it keeps running, unmanaged".to_owned(),
            None,
        );
    }
}
