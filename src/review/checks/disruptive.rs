//! `disruptive-update`: an in-place update touches an attribute a
//! `[[disruptive]]` policy entry names (one finding per matching entry).

use std::collections::BTreeSet;

use super::{At, Findings, Input};
use crate::plan::{Action, Mode};
use crate::rules::RuleId;

pub(super) fn check(input: &Input<'_, '_>, out: &mut Findings<'_>) {
    for (i, c) in input.changes.iter().enumerate() {
        if c.mode == Mode::Data || c.action != Action::Update {
            continue;
        }
        for d in &input.policy.disruptive {
            if !d.type_.is_match(&c.type_) || d.address.as_ref().is_some_and(|a| !a.is_match(&c.address)) {
                continue;
            }
            let hit: BTreeSet<String> =
                c.paths.iter().filter(|p| d.paths.iter().any(|pat| pat.matches(p))).map(ToString::to_string).collect();
            if !hit.is_empty() {
                let list: Vec<String> = hit.into_iter().collect();
                out.builtin(
                    RuleId::DisruptiveUpdate,
                    Some(input.env),
                    Some((At::Change(i), c)),
                    format!("updates {}: {}", list.join(", "), d.reason),
                    Some(d.origin.clone()),
                );
            }
        }
    }
}
