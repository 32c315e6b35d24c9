//! Kind parity of a review: `parity-kind`, `type-not-in-staging` and
//! `type-not-in-prod` on the resulting states (worked out by
//! `review::parity` beside the analysis), each tied to the changes of its
//! resource when a plan changes it.

use foldhash::HashMap;

use super::{At, Findings, Input};
use crate::review::{Change, Env};

pub(super) fn check(input: &Input<'_, '_>, out: &mut Findings<'_>) {
    let Some(staging) = &input.staging else { return };
    let notes = &staging.parity;
    if notes.is_empty() {
        return;
    }
    let index = |list: &[Change]| -> HashMap<String, usize> {
        let mut m = HashMap::default();
        for (i, c) in list.iter().enumerate().filter(|(_, c)| c.deposed.is_none()) {
            m.entry(c.address.clone()).or_insert(i);
        }
        m
    };
    let (prod, staging_index) = (index(input.changes), index(staging.changes));
    for n in notes {
        let index = if n.env == Env::Prod { &prod } else { &staging_index };
        let at = |i: usize| if n.env == Env::Prod { At::Change(i) } else { At::StagingChange(i) };
        let ats = n.changes.iter().filter_map(|a| index.get(a).map(|&i| at(i))).collect();
        out.at_address(n.id, n.env, n.address.clone(), ats, n.message.clone(), n.origin.clone());
    }
}
