//! `one-way`: prod's in-place edits that promoting the previous artifact
//! cannot undo (see `review::one_way`); each also goes to the Rollback
//! section.

use super::{At, Findings, Input};
use crate::review::{Env, one_way};

pub(super) fn check(input: &Input<'_, '_>, out: &mut Findings<'_>) {
    if input.env != Env::Prod || input.policy.one_way.is_empty() {
        return;
    }
    let edits: Vec<one_way::Edit<'_, '_>> = input
        .sources
        .iter()
        .zip(input.changes)
        .map(|(source, c)| one_way::Edit { change: source, paths: &c.paths })
        .collect();
    for (i, edit) in one_way::check(&edits, input.policy, input.redactor) {
        out.one_way(edit, At::Change(i), &input.changes[i]);
    }
}
