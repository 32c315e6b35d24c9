//! Parity notes of a review: `version-mismatch` (the plans were made by
//! different tools or versions) and `type-not-in-staging` (prod changes a
//! kind of resource staging's plan does not contain at all).

use std::collections::BTreeSet;

use super::{At, Findings, Input};
use crate::plan::Mode;
use crate::review::Env;
use crate::rules::RuleId;

pub(super) fn check(input: &Input<'_, '_>, out: &mut Findings<'_>) {
    let Some(staging_input) = &input.staging else { return };
    let (staging, prod) = (staging_input.plan, input.plan);
    let (sv, pv) = (staging.terraform_version.as_deref(), prod.terraform_version.as_deref());
    let tool = |tofu: bool| if tofu { "OpenTofu" } else { "Terraform" };
    if (sv.is_some() && pv.is_some() && sv != pv) || staging.opentofu != prod.opentofu {
        out.builtin(
            RuleId::VersionMismatch,
            None,
            None,
            format!(
                "staging was planned with {} {}, prod with {} {}",
                tool(staging.opentofu),
                crate::plan::escape_for_message(sv.unwrap_or("(unknown version)")),
                tool(prod.opentofu),
                crate::plan::escape_for_message(pv.unwrap_or("(unknown version)"))
            ),
            None,
        );
    }
    let staging_types: BTreeSet<&str> =
        staging.changes.iter().chain(&staging.drift).chain(&staging.deferred).map(|c| c.type_.as_ref()).collect();
    let changes = input.changes;
    let mut seen = BTreeSet::new();
    for (i, c) in changes.iter().enumerate() {
        if c.mode == Mode::Managed && !staging_types.contains(c.type_.as_str()) && seen.insert(c.type_.clone()) {
            let n = changes.iter().filter(|x| x.type_ == c.type_).count();
            out.builtin(
                RuleId::TypeNotInStaging,
                Some(Env::Prod),
                Some((At::Change(i), c)),
                format!(
                    "resource type `{}` appears nowhere in staging's plan; prod changes {n} of them",
                    crate::plan::escape_for_message(&c.type_)
                ),
                None,
            );
        }
    }
}
