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
                    "the exception for `{}` at `{}` was {} and no longer applies (reason was: {})",
                    e.rule,
                    e.address.text,
                    super::valid_through(&d.to_string()),
                    e.reason
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

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use crate::review::testkit::{check_of, day, ids, options, policy, rc};

    /// One destructive change and one stateful one, checked on `today`.
    fn run(exceptions: &str, today: &str) -> crate::review::Review {
        let changes = vec![
            rc("terraform_data.a", &["delete"], json!({"v": 1}), Value::Null),
            rc("terraform_data.b", &["delete"], json!({"v": 1}), Value::Null),
        ];
        check_of(changes, &policy(exceptions), &options(day(today), None))
    }

    fn exception(rule: &str, address: &str, expires: Option<&str>) -> String {
        let expires = expires.map_or(String::new(), |d| format!("expires = \"{d}\"\n"));
        format!("[[exception]]\nrule = \"{rule}\"\naddress = '{address}'\nreason = \"r {address}\"\n{expires}\n")
    }

    #[test]
    fn which_exception_waives_and_until_which_day() {
        // (name, exceptions, today, waived finding addresses with the
        // reason that waived them, extra findings)
        type Case = (&'static str, Vec<String>, &'static str, Vec<(&'static str, &'static str)>, Vec<&'static str>);
        let cases: Vec<Case> = vec![
            ("none", vec![], "2026-06-01", vec![], vec![]),
            (
                "exact address",
                vec![exception("destructive", "terraform_data.a", None)],
                "2026-06-01",
                vec![("terraform_data.a", "r terraform_data.a")],
                vec![],
            ),
            (
                "glob covers both",
                vec![exception("destructive", "terraform_data.*", None)],
                "2026-06-01",
                vec![("terraform_data.a", "r terraform_data.*"), ("terraform_data.b", "r terraform_data.*")],
                vec![],
            ),
            (
                "the first matching exception in policy order wins",
                vec![
                    exception("destructive", "terraform_data.*", None),
                    exception("destructive", "terraform_data.a", None),
                ],
                "2026-06-01",
                vec![("terraform_data.a", "r terraform_data.*"), ("terraform_data.b", "r terraform_data.*")],
                // The second waived nothing: the first took both.
                vec!["exception-unused"],
            ),
            (
                "another rule's exception waives nothing",
                vec![exception("stateful-destroy", "terraform_data.a", None)],
                "2026-06-01",
                vec![],
                vec!["exception-unused"],
            ),
            (
                "applies on its expiry day",
                vec![exception("destructive", "terraform_data.a", Some("2026-06-01"))],
                "2026-06-01",
                vec![("terraform_data.a", "r terraform_data.a")],
                vec![],
            ),
            (
                "expired the day after",
                vec![exception("destructive", "terraform_data.a", Some("2026-06-01"))],
                "2026-06-02",
                vec![],
                vec!["exception-expired"],
            ),
            (
                "an expired exception does not hide a valid one",
                vec![
                    exception("destructive", "terraform_data.a", Some("2020-01-01")),
                    exception("destructive", "terraform_data.a", None),
                ],
                "2026-06-01",
                vec![("terraform_data.a", "r terraform_data.a")],
                vec!["exception-expired"],
            ),
        ];
        for (name, exceptions, today, waived, extra) in cases {
            let r = run(&exceptions.concat(), today);
            let got: Vec<(&str, &str)> = r
                .findings
                .iter()
                .filter_map(|f| f.waived.as_ref().map(|w| (f.address.as_deref().unwrap_or(""), w.reason.as_str())))
                .collect();
            assert_eq!(got, waived, "case {name}: {:?}", ids(&r));
            let mut others: Vec<String> =
                r.findings.iter().map(|f| f.id.to_string()).filter(|id| id != "destructive").collect();
            others.sort();
            assert_eq!(others, extra, "case {name}");
            // Both destructive findings are always there, waived or not.
            assert_eq!(r.findings.iter().filter(|f| f.id.to_string() == "destructive").count(), 2, "case {name}");
        }
    }
}
