//! The exceptions stage, after every check: an unexpired `[[exception]]`
//! whose rule and address match a finding waives it (the first such
//! exception, in policy order); then `exception-expired` for each exception
//! past its date and `exception-unused` for each that waived nothing.

use super::Waiver;
use super::checks::Findings;
use crate::policy::Date;
use crate::rules::RuleId;

/// Applies the policy's exceptions to the findings collected so far.
pub(super) fn apply(found: &mut Findings<'_>, today: Date) {
    let policy = found.policy();
    let mut used = vec![false; policy.exceptions.len()];
    for f in found.iter_mut() {
        let Some(address) = &f.address else { continue };
        for (i, e) in policy.exceptions.iter().enumerate() {
            let expired = e.expires.is_some_and(|d| d < today);
            if e.rule == f.id && !expired && e.address.is_match(address) {
                f.waived = Some(Waiver {
                    reason: e.reason.clone(),
                    expires: e.expires.map(|d| d.to_string()),
                    origin: e.origin.clone(),
                });
                used[i] = true;
                break;
            }
        }
    }
    for (i, e) in policy.exceptions.iter().enumerate() {
        if let Some(d) = e.expires.filter(|d| *d < today) {
            found.builtin(
                RuleId::ExceptionExpired,
                None,
                None,
                format!(
                    "the exception for `{}` at `{}` expired on {d} and no longer applies (reason was: {})",
                    e.rule, e.address.text, e.reason
                ),
                Some(e.origin.clone()),
            );
        } else if !used[i] {
            found.builtin(
                RuleId::ExceptionUnused,
                None,
                None,
                format!("the exception for `{}` at `{}` matched nothing", e.rule, e.address.text),
                Some(e.origin.clone()),
            );
        }
    }
}
