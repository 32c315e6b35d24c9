//! `staging-not-approved`: with `--approved`, the staging plan given must be
//! the one whose digest was approved.

use super::{Findings, Input};
use crate::review::Env;
use crate::rules::RuleId;

pub(super) fn check(input: &Input<'_, '_>, out: &mut Findings<'_>) {
    let Some(staging) = &input.staging else { return };
    let Some(approved) = staging.approved else { return };
    let want = approved.trim().to_ascii_lowercase();
    let want = want.strip_prefix("sha256:").unwrap_or(&want);
    let digest = &staging.plan.digest;
    let have = digest.strip_prefix("sha256:").unwrap_or(digest);
    if want != have {
        out.builtin(
            RuleId::StagingNotApproved,
            Some(Env::Staging),
            None,
            format!(
                "the staging plan's digest is `{digest}`, not the approved `sha256:{}`",
                crate::plan::escape_for_message(want)
            ),
            None,
        );
    }
}
