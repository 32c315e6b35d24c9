//! `drift`: one finding per relevant object the gated plan's refresh found
//! changed (or deleted) outside Terraform.

use super::{At, Findings, Input};
use crate::plan::Action;
use crate::rules::RuleId;

pub(super) fn check(input: &Input<'_, '_>, out: &mut Findings<'_>) {
    for (i, d) in input.drift.iter().enumerate() {
        let what = match d.action {
            Action::Delete => "was deleted outside Terraform".to_owned(),
            _ if d.changed_paths.is_empty() => "changed outside Terraform".to_owned(),
            _ => format!("changed outside Terraform: {}", d.changed_paths.join(", ")),
        };
        out.builtin(RuleId::Drift, Some(input.env), Some((At::Drift(i), d)), what, None);
    }
}
