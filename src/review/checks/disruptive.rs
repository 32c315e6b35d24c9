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

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::review::testkit::{check_of, day, ids, options, policy, rc, upd};

    /// Only an in-place update touching a listed path is disruptive.
    #[test]
    fn in_place_updates_of_listed_paths_only() {
        let p = policy(
            "[[disruptive]]\ntype = \"terraform_data\"\naddress = \"terraform_data.app*\"\npaths = [\"image\"]\nreason = \"restarts\"\n",
        );
        let opts = options(day("2026-01-01"), None);
        let (b, a) = (json!({"image": "1", "n": 1}), json!({"image": "2", "n": 1}));
        let cases = [
            ("update of the path", upd("terraform_data.app", b.clone(), a.clone()), true),
            ("other path", upd("terraform_data.app", json!({"n": 1}), json!({"n": 2})), false),
            ("other address", upd("terraform_data.db", b.clone(), a.clone()), false),
            ("replacement", rc("terraform_data.app", &["delete", "create"], b.clone(), a.clone()), false),
            ("create", rc("terraform_data.app", &["create"], serde_json::Value::Null, a.clone()), false),
        ];
        for (name, change, want) in cases {
            let r = check_of(vec![change], &p, &opts);
            let hit = ids(&r).iter().any(|(id, _)| id == "disruptive-update");
            assert_eq!(hit, want, "case {name}: {:?}", ids(&r));
        }
    }
}
