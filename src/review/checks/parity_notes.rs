//! `version-mismatch`: the plans of a review were made by different tools
//! or versions. (Types and kinds are `kind_parity`'s.)

use super::{Findings, Input};
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
}
