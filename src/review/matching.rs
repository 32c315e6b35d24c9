//! Matching prod changes to staging's: same address, a policy address map, a
//! move's previous address, or (when counts differ) another instance of the
//! same resource; then comparing shapes (action plus changed attribute
//! paths, never values).
//!
//! Linear: staging is indexed once by address and by resource address.

use std::collections::{HashMap, HashSet};

use super::checks::Builder;
use super::{Change, Env, MatchStatus, StagingMatch, Via, rank};
use crate::plan::Action;
use crate::plan::{Plan, strip_instance_key};
use crate::policy::Policy;

/// The result of comparing one prod change with one staging change, and the
/// attribute paths (shape form) prod touches that staging's change does not.
fn compare(p: &Change, s: &Change) -> (MatchStatus, Vec<String>) {
    let staging: HashSet<&str> = s.shape.iter().map(String::as_str).collect();
    let extra: Vec<String> = p.shape.iter().filter(|x| !staging.contains(x.as_str())).cloned().collect();
    let (rp, rs) = (rank(p.action, p.importing, p.moved), rank(s.action, s.importing, s.moved));
    let status = if rp > rs {
        MatchStatus::Escalated
    } else if (p.action, p.importing, p.moved) != (s.action, s.importing, s.moved) || !extra.is_empty() {
        MatchStatus::Diverged
    } else {
        MatchStatus::Matched
    };
    (status, extra)
}

pub(super) fn match_changes(
    b: &mut Builder<'_>,
    prod: &mut [Change],
    staging: &[Change],
    staging_plan: &Plan<'_>,
    policy: &Policy,
) {
    let mut by_address: HashMap<&str, Vec<usize>> = HashMap::new();
    let mut by_resource: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, s) in staging.iter().enumerate() {
        by_address.entry(s.address.as_str()).or_default().push(i);
        by_resource.entry(strip_instance_key(&s.address)).or_default().push(i);
        if let Some(prev) = &s.previous_address {
            by_address.entry(prev.as_str()).or_default().push(i);
        }
    }
    // Staging addresses with only a no-op: staging has the object, unchanged.
    let unchanged: HashSet<&str> =
        staging_plan.changes.iter().filter(|c| !c.is_change()).map(|c| c.address.as_ref()).collect();

    let mut claimed = vec![false; staging.len()];
    for (i, p) in prod.iter_mut().enumerate() {
        let mapped = policy.map_to_staging(&p.address);
        let target = mapped.as_deref().unwrap_or(&p.address);
        let via = if mapped.is_some() { Via::Mapped } else { Via::Address };
        let pick = |addr: &str| -> Option<usize> {
            by_address
                .get(addr)
                .and_then(|list| list.iter().copied().find(|&j| staging[j].deposed.is_some() == p.deposed.is_some()))
        };
        let mut found = pick(target).map(|j| (j, via));
        if found.is_none()
            && let Some(prev) = &p.previous_address
        {
            let prev_mapped = policy.map_to_staging(prev).unwrap_or_else(|| prev.clone());
            found = pick(&prev_mapped).map(|j| (j, Via::PreviousAddress));
        }
        let m = match found {
            Some((j, via)) => {
                claimed[j] = true;
                let (status, extra) = compare(p, &staging[j]);
                StagingMatch {
                    status,
                    address: Some(staging[j].address.clone()),
                    via: Some(via),
                    action: Some(staging[j].action),
                    description: Some(staging[j].describe()),
                    extra_paths: extra,
                }
            }
            None if unchanged.contains(target) => StagingMatch {
                status: MatchStatus::Absent,
                address: Some(target.to_owned()),
                via: Some(via),
                action: Some(Action::NoOp),
                description: Some("no-op".into()),
                extra_paths: Vec::new(),
            },
            None => sibling_match(p, staging, by_resource.get(strip_instance_key(target))),
        };
        let message = match m.status {
            MatchStatus::Matched => None,
            MatchStatus::Absent if m.action == Some(Action::NoOp) => Some((
                "not-in-staging",
                format!("prod will {}; staging's plan leaves this resource unchanged", p.describe()),
            )),
            MatchStatus::Absent => Some((
                "not-in-staging",
                format!("prod will {}; staging's plan has no such resource change", p.describe()),
            )),
            MatchStatus::Escalated => Some((
                "escalated",
                format!(
                    "prod will {} where staging will only {}",
                    p.describe(),
                    m.description.as_deref().unwrap_or("?")
                ),
            )),
            MatchStatus::Diverged if m.extra_paths.is_empty() || m.action != Some(p.action) => Some((
                "diverged",
                format!("prod will {} where staging will {}", p.describe(), m.description.as_deref().unwrap_or("?")),
            )),
            MatchStatus::Diverged => Some((
                "diverged",
                format!("prod also changes {}, which staging's change does not touch", m.extra_paths.join(", ")),
            )),
        };
        p.staging = Some(m);
        if let Some((id, msg)) = message {
            b.builtin(id, Some(Env::Prod), Some((p, i)), msg, None);
        }
    }

    // Staging changes that no prod change answered. Quantity may differ:
    // an instance prod does not have is not reported when prod makes the
    // same kind of change to other instances of the resource (staging
    // `web["us"]`, prod `web["eu"]`).
    let prod_addresses: HashSet<&str> = prod.iter().map(|p| p.address.as_str()).collect();
    let prod_resources: HashSet<(&str, Action)> =
        prod.iter().map(|p| (strip_instance_key(&p.address), p.action)).collect();
    for (j, s) in staging.iter().enumerate() {
        if claimed[j] {
            continue;
        }
        let prod_addr = policy.map_to_prod(&s.address).unwrap_or_else(|| s.address.clone());
        if prod_addresses.contains(prod_addr.as_str())
            || prod_resources.contains(&(strip_instance_key(&prod_addr), s.action))
        {
            continue;
        }
        b.builtin(
            "staging-only",
            Some(Env::Staging),
            Some((s, j)),
            format!("staging will {}; prod's plan does not", s.describe()),
            None,
        );
    }
}

/// A new instance (prod `web[2]`, no staging `web[2]`): quantity may
/// differ, kind may not. It matches another instance of the same resource
/// whose change has the same shape; with the same action but more attribute
/// paths it has diverged; otherwise staging showed nothing like it.
fn sibling_match(p: &Change, staging: &[Change], siblings: Option<&Vec<usize>>) -> StagingMatch {
    let absent = StagingMatch {
        status: MatchStatus::Absent,
        address: None,
        via: None,
        action: None,
        description: None,
        extra_paths: Vec::new(),
    };
    let Some(siblings) = siblings.filter(|s| !s.is_empty()) else {
        return absent;
    };
    let mut best: Option<(usize, usize, MatchStatus, Vec<String>)> = None;
    for &j in siblings {
        let (status, extra) = compare(p, &staging[j]);
        let same_action =
            (p.action, p.importing, p.moved) == (staging[j].action, staging[j].importing, staging[j].moved);
        let score = match status {
            MatchStatus::Matched => usize::MAX,
            // Fewer extra paths is a closer sibling.
            MatchStatus::Diverged if same_action => usize::MAX - 1 - extra.len(),
            _ => continue,
        };
        if best.as_ref().is_none_or(|(s, ..)| score > *s) {
            best = Some((score, j, status, extra));
        }
    }
    match best {
        Some((_, j, status, extra)) => StagingMatch {
            status,
            address: Some(staging[j].address.clone()),
            via: Some(Via::Sibling),
            action: Some(staging[j].action),
            description: Some(staging[j].describe()),
            extra_paths: extra,
        },
        None => {
            StagingMatch { description: Some(format!("{} other instance(s) differently", siblings.len())), ..absent }
        }
    }
}
