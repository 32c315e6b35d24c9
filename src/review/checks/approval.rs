//! `staging-not-approved`: with `--approved` (or the stack's line of
//! `--approved-file`), the staging plan given must be the one whose digest
//! was approved; a stack whose staging plan has no line is not approved.

use super::{Findings, Input};
use crate::review::{Approval, Env};
use crate::rules::RuleId;

pub(super) fn check(input: &Input<'_, '_>, out: &mut Findings<'_>) {
    let Some(staging) = &input.staging else { return };
    let approved = match staging.approved {
        None => return,
        Some(Approval::Digest(d)) => d,
        Some(Approval::Unlisted { file }) => {
            out.builtin(
                RuleId::StagingNotApproved,
                Some(Env::Staging),
                None,
                format!(
                    "`{}` has no line for the staging plan `{}`, so it is not approved; the staging job \
                     records it with `plangate fingerprint`",
                    crate::plan::escape_for_message(file),
                    crate::plan::escape_for_message(&staging.plan.name)
                ),
                None,
            );
            return;
        }
    };
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
