//! Hand-built reviews for the renderers' unit tests.

use std::collections::BTreeMap;

use crate::plan::Action;
use crate::review::{Change, Env, Finding, Kind, PlanInfo, Review, Shown, Verdict};
use crate::rules::{FindingId, Level, RuleId};

pub fn plan_info(file: &str, actions: &[(&str, usize)]) -> PlanInfo {
    PlanInfo {
        file: file.to_owned(),
        digest: Some("sha256:0".to_owned()),
        format_version: Some("1.2".to_owned()),
        terraform_version: Some("1.9.0".to_owned()),
        opentofu: false,
        errored: Some(false),
        complete: Some(true),
        applyable: Some(true),
        actions: actions.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect::<BTreeMap<_, _>>(),
    }
}

pub fn change(address: &str, action: Action) -> Change {
    crate::review::testkit::change(address, address.split('.').next().unwrap_or("x"), action)
}

pub fn finding(id: &str, level: Level, address: &str) -> Finding {
    Finding {
        id: id.parse::<RuleId>().map_or_else(|()| FindingId::Custom(id.to_owned()), FindingId::Builtin),
        level,
        env: Some(Env::Prod),
        address: Some(address.to_owned()),
        message: format!("{id} at {address}"),
        origin: None,
        waived: None,
    }
}

pub fn value(s: &str) -> Option<Shown> {
    Some(Shown::Value(s.to_owned()))
}

/// A `review` of these prod changes and findings; findings are tied to
/// the prod change with their address, and the verdict follows them.
pub fn review_of(changes: Vec<Change>, findings: Vec<Finding>) -> Review {
    let mut changes = changes;
    let by_address: BTreeMap<String, usize> = changes.iter().enumerate().map(|(i, c)| (c.address.clone(), i)).collect();
    for (i, f) in findings.iter().enumerate() {
        if let Some(&c) = f.address.as_ref().and_then(|a| by_address.get(a)) {
            changes[c].findings.push(i);
        }
    }
    let verdict = match findings.iter().filter(|f| f.counts()).map(|f| f.level).max() {
        Some(Level::Block) => Verdict::Block,
        Some(Level::Warn) => Verdict::Warn,
        _ => Verdict::Pass,
    };
    Review {
        kind: Kind::Review {
            prod: plan_info("prod.json", &[("create", 1), ("replace", 1), ("replace-create-first", 2)]),
            staging: plan_info("staging.json", &[("update", 3), ("no-op", 7)]),
            staging_changes: Vec::new(),
        },
        verdict,
        findings,
        changes,
        drift: Vec::new(),
        outputs: Vec::new(),
        rollback: Vec::new(),
    }
}

/// The staging changes of a review built by [`review_of`].
pub fn staging_changes_mut(r: &mut Review) -> &mut Vec<Change> {
    match &mut r.kind {
        Kind::Review { staging_changes, .. } => staging_changes,
        Kind::Check { .. } | Kind::ProdOnly { .. } => unreachable!("review_of builds a review"),
    }
}
