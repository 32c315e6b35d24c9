//! `stack-not-in-staging`: one stack of many whose prod plan has no staging
//! plan at all. (Its changes' `not-in-staging` findings come from the
//! staging check, like any change without a counterpart.)

use super::{Findings, Input};
use crate::review::Env;
use crate::rules::RuleId;

pub(super) fn check(input: &Input<'_, '_>, out: &mut Findings<'_>) {
    if !input.stack_without_staging {
        return;
    }
    let changes = input.changes.iter().filter(|c| c.staging.is_some()).count();
    out.builtin(
        RuleId::StackNotInStaging,
        Some(Env::Prod),
        None,
        format!(
            "this stack has a prod plan ({changes} change(s)) but no staging plan: nothing in it was planned in \
             staging first; plan the stack in staging, or check that the staging job wrote its plan"
        ),
        None,
    );
}
