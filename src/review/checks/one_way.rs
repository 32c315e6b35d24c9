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

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use crate::review::Env;
    use crate::review::testkit::{check_of, day, ids, options};

    fn db(before: Value, after: Value) -> Value {
        json!({"address": "aws_db_instance.db", "mode": "managed", "type": "aws_db_instance", "name": "db",
            "provider_name": "registry.terraform.io/hashicorp/aws",
            "change": {"actions": ["update"], "before": before, "after": after, "after_unknown": {}}})
    }

    /// A one-way edit of prod is a `one-way` finding and a Rollback entry
    /// pointing at it; staging's plan, or a policy without `[[one_way]]`,
    /// has none.
    #[test]
    fn one_way_edits_of_prod_are_findings_with_their_rollback_entry() {
        let builtin = crate::policy::load_paths(&[], false).unwrap();
        let plan = || vec![db(json!({"allocated_storage": 100}), json!({"allocated_storage": 200}))];
        let mut opts = options(day("2026-01-01"), None);
        let r = check_of(plan(), &builtin, &opts);
        let one_way: Vec<usize> =
            (0..r.findings.len()).filter(|&i| r.findings[i].id.to_string() == "one-way").collect();
        assert_eq!(one_way.len(), 1, "{:?}", ids(&r));
        assert_eq!(r.findings[one_way[0]].address.as_deref(), Some("aws_db_instance.db"));
        assert_eq!(r.rollback.len(), 1);
        assert_eq!((r.rollback[0].path.as_str(), r.rollback[0].finding), ("allocated_storage", Some(one_way[0])));
        assert!(r.rollback[0].stateful, "aws_db_instance is stateful in the built-in pack");
        assert!(r.changes[0].findings.contains(&one_way[0]));

        let none = crate::policy::load_paths(&[], true).unwrap();
        let r = check_of(plan(), &none, &opts);
        assert!(r.rollback.is_empty() && !ids(&r).iter().any(|(id, _)| id == "one-way"), "{:?}", ids(&r));

        opts.env = Env::Staging;
        let r = check_of(plan(), &builtin, &opts);
        assert!(r.rollback.is_empty() && !ids(&r).iter().any(|(id, _)| id == "one-way"), "{:?}", ids(&r));
    }
}
