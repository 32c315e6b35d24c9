//! The staging comparison's findings, from the matches `review::matching`
//! made: `not-in-staging`, `escalated`, `diverged` and `value-differs` for
//! prod changes, `staging-only` for staging changes no prod change
//! answered. Instances that differ only by key and share an outcome without
//! a counterpart are one finding for the resource.

use foldhash::{HashMap, HashSet};

use super::{At, Findings, Input};
use crate::plan::Action;
use crate::review::matching::instance_pattern;
use crate::review::{EditKind, Env, ExtraEdit, MatchStatus};
use crate::rules::RuleId;

/// Instances named in one grouped finding.
const MAX_NAMED: usize = 10;

/// The findings matching implies: `not-in-staging`, `escalated`,
/// `diverged`, `value-differs` for prod changes, `staging-only` for staging
/// changes nothing in prod answered. Instances that differ only by key and
/// share an outcome without a counterpart are one finding for the resource.
pub(super) fn check(input: &Input<'_, '_>, out: &mut Findings<'_>) {
    // A prod-only stack has no staging side: only its prod changes' (absent) matches.
    let (staging, claimed): (&[_], &[bool]) = match &input.staging {
        Some(s) => (s.changes, s.claimed),
        None if input.stack_without_staging => (&[], &[]),
        None => return,
    };
    let (prod, policy) = (input.changes, input.policy);
    // Prod changes with no counterpart, grouped by resource and action.
    let mut groups: Vec<(String, Vec<usize>)> = Vec::new();
    let mut group_of: HashMap<String, usize> = HashMap::default();
    for (i, p) in prod.iter().enumerate() {
        let Some(m) = &p.staging else { continue };
        let message = match m.status {
            MatchStatus::Matched => None,
            MatchStatus::Absent => {
                let noop = m.action == Some(Action::NoOp);
                let key = format!("{}\u{0}{}\u{0}{noop}", instance_pattern(&p.address), p.describe());
                let n = *group_of.entry(key).or_insert_with(|| {
                    groups.push((String::new(), Vec::new()));
                    groups.len() - 1
                });
                groups[n].1.push(i);
                groups[n].0 = if input.stack_without_staging {
                    crate::review::NO_STAGING_PLAN.into()
                } else if noop {
                    "staging's plan leaves this resource unchanged".into()
                } else {
                    "staging's plan has no such resource change".into()
                };
                None
            }
            MatchStatus::Escalated => Some((
                RuleId::Escalated,
                format!(
                    "prod will {} where staging will only {}",
                    p.describe(),
                    m.description.as_deref().unwrap_or("?")
                ),
            )),
            MatchStatus::Diverged if m.extra_edits.is_empty() || m.action != Some(p.action) => Some((
                RuleId::Diverged,
                format!("prod will {} where staging will {}", p.describe(), m.description.as_deref().unwrap_or("?")),
            )),
            MatchStatus::Diverged => Some((
                RuleId::Diverged,
                format!("prod makes edits staging's change does not: {}", name_edits(&m.extra_edits)),
            )),
            MatchStatus::ValueDiffers => Some((
                RuleId::ValueDiffers,
                format!(
                    "prod and staging make the same edits, with other values at {}",
                    m.value_differences.join(", ")
                ),
            )),
        };
        if let Some((id, msg)) = message {
            out.builtin(id, Some(Env::Prod), Some((At::Change(i), p)), msg, None);
        }
    }
    for (why, members) in groups {
        let first = &prod[members[0]];
        let msg = if members.len() == 1 {
            format!("prod will {}; {why}", first.describe())
        } else {
            format!(
                "prod will {} {} instances: {}; {why}",
                first.describe(),
                members.len(),
                name_instances(members.iter().map(|&i| prod[i].address.as_str()))
            )
        };
        out.builtin_grouped(RuleId::NotInStaging, Env::Prod, prod, At::Change, &members, msg);
    }

    // Staging changes no prod change answered. Quantity may differ: an
    // instance prod does not have is not reported when prod makes the same
    // kind of change to other instances of the resource (staging
    // `web["stg-eu"]`, prod `web["prod-eu"]`).
    let prod_addresses: HashSet<&str> = prod.iter().map(|p| p.address.as_str()).collect();
    let prod_resources: HashSet<(String, Action)> =
        prod.iter().map(|p| (instance_pattern(&p.address), p.action)).collect();
    let mut groups: Vec<Vec<usize>> = Vec::new();
    let mut group_of: HashMap<String, usize> = HashMap::default();
    for (j, s) in staging.iter().enumerate() {
        if claimed[j] {
            continue;
        }
        let normalized = policy.normalize_staging(&s.address);
        let prod_addr = policy.map_to_prod(&normalized).unwrap_or_else(|| normalized.clone().into_owned());
        let pattern = instance_pattern(&prod_addr);
        if prod_addresses.contains(prod_addr.as_str())
            || prod_addresses.contains(s.address.as_str())
            || prod_resources.contains(&(pattern.clone(), s.action))
        {
            continue;
        }
        let key = format!("{pattern}\u{0}{}", s.describe());
        let n = *group_of.entry(key).or_insert_with(|| {
            groups.push(Vec::new());
            groups.len() - 1
        });
        groups[n].push(j);
    }
    for members in groups {
        let first = &staging[members[0]];
        let msg = if members.len() == 1 {
            format!("staging will {}; prod's plan does not", first.describe())
        } else {
            format!(
                "staging will {} {} instances: {}; prod's plan does not",
                first.describe(),
                members.len(),
                name_instances(members.iter().map(|&j| staging[j].address.as_str()))
            )
        };
        out.builtin_grouped(RuleId::StagingOnly, Env::Staging, staging, At::StagingChange, &members, msg);
    }
}

/// `a[1], a[2] and 3 more`.
fn name_instances<'a>(addresses: impl ExactSizeIterator<Item = &'a str>) -> String {
    let n = addresses.len();
    let mut names: Vec<&str> = addresses.take(MAX_NAMED).collect();
    names.sort_unstable();
    let mut s = names.join(", ");
    if n > MAX_NAMED {
        s.push_str(&format!(" and {} more", n - MAX_NAMED));
    }
    s
}

/// Extra edits by path: `user_data (2 lines), policy.Statement[*].Action
/// (1 element), tags.Team`.
fn name_edits(extra: &[ExtraEdit]) -> String {
    let mut by_path: Vec<(&str, [usize; 3])> = Vec::new();
    for e in extra {
        let slot = match e.kind {
            EditKind::Attribute => 0,
            EditKind::Line => 1,
            EditKind::Element => 2,
        };
        match by_path.iter_mut().find(|(p, _)| *p == e.path) {
            Some((_, counts)) => counts[slot] += 1,
            None => {
                let mut counts = [0; 3];
                counts[slot] = 1;
                by_path.push((&e.path, counts));
            }
        }
    }
    by_path
        .into_iter()
        .map(|(path, [attr, lines, elements])| {
            let mut parts = Vec::new();
            if lines > 0 {
                parts.push(format!("{lines} line{}", if lines == 1 { "" } else { "s" }));
            }
            if elements > 0 {
                parts.push(format!("{elements} element{}", if elements == 1 { "" } else { "s" }));
            }
            if parts.is_empty() || attr == 0 {
                if parts.is_empty() { path.to_owned() } else { format!("{path} ({})", parts.join(", ")) }
            } else {
                format!("{path} (value, {})", parts.join(", "))
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::name_edits;
    use crate::review::{EditKind, ExtraEdit};

    #[test]
    fn extra_edits_are_named_by_path_with_counts() {
        let e = |path: &str, kind| ExtraEdit { path: path.into(), kind };
        use EditKind::*;
        let cases = [
            (vec![e("tags.Team", Attribute)], "tags.Team"),
            (vec![e("u", Line), e("u", Line)], "u (2 lines)"),
            (vec![e("u", Line)], "u (1 line)"),
            (vec![e("p", Element), e("p", Element), e("p", Element)], "p (3 elements)"),
            (vec![e("p", Attribute), e("p", Line), e("p", Element)], "p (value, 1 line, 1 element)"),
            (vec![e("a", Line), e("b", Attribute), e("a", Element)], "a (1 line, 1 element), b"),
        ];
        for (extra, want) in cases {
            assert_eq!(name_edits(&extra), want);
        }
    }
}
