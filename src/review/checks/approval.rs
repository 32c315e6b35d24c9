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
    let digest = staging.plan.digest.get();
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

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::review::testkit::{day, ids, options, policy, review_of, upd};

    #[test]
    fn approved_digest_comparison() {
        let changes = || vec![upd("terraform_data.a", json!({"v": 1}), json!({"v": 2}))];
        let digest = review_of(changes(), changes(), &policy(""), &options(day("2026-01-01"), None))
            .staging()
            .unwrap()
            .digest
            .clone()
            .expect("the test options ask for digests");
        let bare = digest.strip_prefix("sha256:").unwrap().to_owned();
        let cases: Vec<(&str, String, bool)> = vec![
            ("the digest as printed", digest.clone(), true),
            ("without the prefix", bare.clone(), true),
            ("upper case", digest.to_uppercase().replace("SHA256:", "sha256:"), true),
            ("surrounding whitespace", format!("  {digest}\n"), true),
            ("another digest", format!("sha256:{}", "0".repeat(64)), false),
            ("one digit off", format!("{}0", &bare[..63]), bare.ends_with('0')),
            ("a prefix of it", bare[..32].to_owned(), false),
            ("empty", String::new(), false),
        ];
        for (name, approved, ok) in cases {
            let r = review_of(changes(), changes(), &policy(""), &options(day("2026-01-01"), Some(&approved)));
            let flagged = ids(&r).iter().any(|(id, _)| id == "staging-not-approved");
            assert_eq!(!flagged, ok, "case {name}: {approved:?}");
        }
    }
}
