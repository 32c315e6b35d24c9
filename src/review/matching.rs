//! Matching prod changes to staging's, and comparing what each does.
//!
//! A prod change's counterpart is the staging change at the same address, at
//! a `[[compare.map]]`-rewritten address, at its `previous_address`, or at
//! the same address once staging's environment tokens are replaced
//! (`[[compare.replace]]`). Quantity may differ, kind may not: a prod
//! instance with no such counterpart matches another instance of the same
//! resource in staging (instance keys anywhere in the address: `web[2]`,
//! `module.svc["prod-eu"].aws_ecs_service.this`) whose change has the same
//! edits. The pair is then compared edit by edit ([`super::edits`]).
//!
//! Linear in the number of changes whatever the keys: staging is indexed
//! once by address, normalized address, and by the signature of what a
//! change does (instance pattern, action, changed attribute paths), so a
//! prod instance finds its siblings by one lookup and compares itself with
//! at most a few of them. Pure: returns the matches and pushes no
//! findings; the `staging` check (`checks/staging.rs`) makes the findings
//! they imply.

use foldhash::{HashMap, HashSet};

use super::edits::{self, EditKind, EditNote, ExtraEdit, Relation, Side};
use super::redact::{Redactor, SENSITIVE};
use super::{Change, MatchStatus, StagingMatch, Via, rank};
use crate::plan::{Action, Path, Plan, ResourceChange};
use crate::policy::Policy;

/// Siblings whose address differs only by environment tokens, tried first.
const NEAR_TRIES: usize = 2;
/// Siblings with the same signature tried before settling for the best.
const SAME_SIGNATURE_TRIES: usize = 4;
/// Siblings with the same action but another signature compared at most.
const OTHER_SIGNATURE_TRIES: usize = 8;
/// Edit notes kept per change (the rest are counted in the last note).
const MAX_NOTES: usize = 100;
/// Note text is cut at this many characters.
const MAX_NOTE_CHARS: usize = 300;

/// One side of the matching: the analysed changes and the plan entries
/// they were analysed from (same order), for their raw values.
pub(super) struct Sided<'a, 'p> {
    pub changes: &'a [Change],
    pub sources: &'a [&'a ResourceChange<'p>],
}

/// What matching found.
pub(super) struct Matches {
    /// Per prod change, its staging match.
    pub prod: Vec<StagingMatch>,
    /// Per staging change, whether some prod change matched it.
    pub claimed: Vec<bool>,
}

/// Everything one comparison needs.
struct Ctx<'c, 'a, 'p> {
    prod: &'c Sided<'a, 'p>,
    staging: &'c Sided<'a, 'p>,
    policy: &'c Policy,
    redactor: &'c Redactor,
    notes: bool,
}

/// Every `[...]` instance key of an address written `[*]`:
/// `module.svc["stg-eu"].aws_ecs_service.this[0]` becomes
/// `module.svc[*].aws_ecs_service.this[*]`.
pub(super) fn instance_pattern(address: &str) -> String {
    let mut out = String::with_capacity(address.len());
    let mut chars = address.chars();
    while let Some(c) = chars.next() {
        if c != '[' {
            out.push(c);
            continue;
        }
        out.push_str("[*]");
        let (mut in_string, mut escaped) = (false, false);
        for k in chars.by_ref() {
            match (in_string, escaped, k) {
                (true, true, _) => escaped = false,
                (true, false, '\\') => escaped = true,
                (_, false, '"') => in_string = !in_string,
                (false, _, ']') => break,
                _ => {}
            }
        }
    }
    out
}

/// What a change does, in a form that is equal for siblings that do the
/// same thing: instance pattern, action, and changed paths.
fn signature(pattern: &str, c: &Change, shape: &[String]) -> String {
    let mut s = format!("{pattern}\u{0}{}\u{0}{}{}\u{0}", c.action.name(), c.importing, c.moved);
    for p in shape {
        s.push_str(p);
        s.push('\u{1}');
    }
    s
}

/// The action tuple compared for "acts differently".
fn acts(c: &Change) -> (Action, bool, bool) {
    (c.action, c.importing, c.moved)
}

pub(super) fn match_changes(
    prod: &Sided<'_, '_>,
    staging: &Sided<'_, '_>,
    staging_plan: &Plan<'_>,
    policy: &Policy,
    redactor: &Redactor,
    notes: bool,
) -> Matches {
    let ctx = Ctx { prod, staging, policy, redactor, notes };
    let norm = |s: &str| policy.normalize_staging(s).into_owned();
    let mut by_address: HashMap<&str, Vec<usize>> = HashMap::default();
    let mut by_normalized: HashMap<String, Vec<usize>> = HashMap::default();
    let mut by_signature: HashMap<String, Vec<usize>> = HashMap::default();
    let mut by_pattern_action: HashMap<(String, Action), Vec<usize>> = HashMap::default();
    let mut per_pattern: HashMap<String, usize> = HashMap::default();
    // An address without any environment token (`module.svc["stg-us"]` and
    // `module.svc["prod-us"]` are both `module.svc["-us"]`): among siblings
    // that do the same thing, the one of the same region is the one to name.
    let core = |a: &str| {
        let tokens = policy.replace.iter().rev().flat_map(|p| [(p.staging.as_str(), ""), (p.prod.as_str(), "")]);
        crate::policy::replace::replace_tokens(a, tokens).into_owned()
    };
    let mut by_core: HashMap<String, Vec<usize>> = HashMap::default();
    // Each staging change's keys are made on every core, then indexed in order.
    let keys = crate::par::map(staging.changes, |s| {
        let normalized = norm(&s.address);
        let pattern = instance_pattern(&normalized);
        let shape: Vec<String> = s.shape.iter().map(|p| norm(p)).collect();
        let sig = signature(&pattern, s, &shape);
        (core(&s.address), (normalized != s.address).then_some(normalized), pattern, sig)
    });
    for (i, (s, (core, normalized, pattern, sig))) in staging.changes.iter().zip(keys).enumerate() {
        by_core.entry(core).or_default().push(i);
        by_address.entry(s.address.as_str()).or_default().push(i);
        if let Some(prev) = &s.previous_address {
            by_address.entry(prev.as_str()).or_default().push(i);
        }
        if let Some(normalized) = normalized {
            by_normalized.entry(normalized).or_default().push(i);
        }
        by_signature.entry(sig).or_default().push(i);
        *per_pattern.entry(pattern.clone()).or_default() += 1;
        by_pattern_action.entry((pattern, s.action)).or_default().push(i);
    }
    // Staging addresses with only a no-op: staging has the object, unchanged.
    let mut unchanged: HashSet<String> = HashSet::default();
    for c in staging_plan.changes.iter().filter(|c| !c.is_change()) {
        let normalized = norm(&c.address);
        if normalized != c.address.as_ref() {
            unchanged.insert(normalized);
        }
        unchanged.insert(c.address.to_string());
    }

    // Each prod change is matched on its own (on every core); which staging
    // changes were claimed is gathered after.
    let one = |&i: &usize| -> (Option<usize>, StagingMatch) {
        let p = &prod.changes[i];
        let mapped = policy.map_to_staging(&p.address);
        let target = mapped.as_deref().unwrap_or(&p.address);
        let via = if mapped.is_some() { Via::Mapped } else { Via::Address };
        let same_deposed = |list: &Vec<usize>| {
            list.iter().copied().find(|&j| staging.changes[j].deposed.is_some() == p.deposed.is_some())
        };
        let mut found = by_address.get(target).and_then(same_deposed).map(|j| (j, via));
        if found.is_none()
            && let Some(prev) = &p.previous_address
        {
            let prev_mapped = policy.map_to_staging(prev).unwrap_or_else(|| prev.clone());
            found = by_address.get(prev_mapped.as_str()).and_then(same_deposed).map(|j| (j, Via::PreviousAddress));
        }
        if found.is_none() {
            found = by_normalized.get(target).and_then(same_deposed).map(|j| (j, Via::Normalized));
        }
        match found {
            Some((j, via)) => (Some(j), ctx.matched(i, j, via)),
            None if unchanged.contains(target) => (
                None,
                StagingMatch {
                    address: Some(target.to_owned()),
                    via: Some(via),
                    action: Some(Action::NoOp),
                    description: Some("no-op".into()),
                    ..StagingMatch::absent()
                },
            ),
            None => {
                let pattern = instance_pattern(target);
                let sig = signature(&pattern, p, &p.shape);
                let same = by_signature.get(&sig).map_or(&[][..], Vec::as_slice);
                let similar = by_pattern_action.get(&(pattern.clone(), p.action)).map_or(&[][..], Vec::as_slice);
                let near = by_core.get(&core(target)).map_or(&[][..], Vec::as_slice);
                ctx.sibling(i, [near, same, similar], per_pattern.get(&pattern).copied().unwrap_or(0))
            }
        }
    };
    let indices: Vec<usize> = (0..prod.changes.len()).collect();
    let mut claimed = vec![false; staging.changes.len()];
    let mut out = Vec::with_capacity(prod.changes.len());
    for (j, m) in crate::par::map(&indices, one) {
        if let Some(j) = j {
            claimed[j] = true;
        }
        out.push(m);
    }
    Matches { prod: out, claimed }
}

impl Ctx<'_, '_, '_> {
    fn norm(&self, s: &str) -> String {
        self.policy.normalize_staging(s).into_owned()
    }

    fn mask(&self, s: &str) -> String {
        self.redactor.mask(s).into_owned()
    }

    /// Prod change `i` against staging change `j`.
    fn matched(&self, i: usize, j: usize, via: Via) -> StagingMatch {
        let (p, s) = (&self.prod.changes[i], &self.staging.changes[j]);
        let cmp = self.compare(i, j);
        let (rp, rs) = (rank(p.action, p.importing, p.moved), rank(s.action, s.importing, s.moved));
        let status = if rp > rs {
            MatchStatus::Escalated
        } else if acts(p) != acts(s) || !cmp.extra.is_empty() {
            MatchStatus::Diverged
        } else if !cmp.differs.is_empty() {
            MatchStatus::ValueDiffers
        } else {
            MatchStatus::Matched
        };
        let mut extra_paths: Vec<String> = cmp.extra.iter().map(|e| e.path.clone()).collect();
        extra_paths.dedup();
        StagingMatch {
            status,
            address: Some(s.address.clone()),
            via: Some(via),
            action: Some(s.action),
            description: Some(s.describe()),
            extra_paths,
            extra_edits: cmp.extra,
            value_differences: cmp.differs,
            notes: cmp.notes,
        }
    }

    /// A prod instance with no same-key counterpart: the first sibling whose
    /// edits match (those whose address differs only by environment tokens
    /// first, then those with the same signature), else the one whose edits
    /// differ only in values, else the one with the same action and fewest
    /// extra edits.
    fn sibling(&self, i: usize, candidates: [&[usize]; 3], others: usize) -> (Option<usize>, StagingMatch) {
        let [near, same, similar] = candidates;
        let p = &self.prod.changes[i];
        let mut best: Option<(usize, usize, StagingMatch)> = None;
        let tries = near
            .iter()
            .take(NEAR_TRIES)
            .chain(same.iter().take(SAME_SIGNATURE_TRIES))
            .chain(similar.iter().take(OTHER_SIGNATURE_TRIES))
            .copied();
        for j in tries {
            let m = self.matched(i, j, Via::Sibling);
            let score = match m.status {
                MatchStatus::Matched => return (Some(j), m),
                MatchStatus::ValueDiffers => usize::MAX - 1,
                // Fewer extra edits is a closer sibling.
                MatchStatus::Diverged if acts(p) == acts(&self.staging.changes[j]) => {
                    usize::MAX - 2 - m.extra_edits.len().min(usize::MAX / 2)
                }
                _ => continue,
            };
            if best.as_ref().is_none_or(|(s, ..)| score > *s) {
                best = Some((score, j, m));
            }
        }
        match best {
            Some((_, j, m)) => (Some(j), m),
            None if others > 0 => (
                None,
                StagingMatch {
                    description: Some(format!("{others} other instance(s) differently")),
                    ..StagingMatch::absent()
                },
            ),
            None => (None, StagingMatch::absent()),
        }
    }

    /// Prod change `i`'s edits against staging change `j`'s.
    fn compare(&self, i: usize, j: usize) -> Compared {
        let (p, s) = (&self.prod.changes[i], &self.staging.changes[j]);
        let staging_shape: HashSet<String> = s.shape.iter().map(|x| self.norm(x)).collect();
        let mut out = Compared::default();
        let mut common: HashSet<&str> = HashSet::default();
        for path in &p.shape {
            if staging_shape.contains(path) {
                common.insert(path);
            } else {
                out.edit(self, EditKind::Attribute, path, None, String::new(), Relation::NotInStaging);
            }
        }
        if !common.is_empty() {
            let policy = self.policy;
            let wanted_prod = |x: &Path| common.contains(x.shape().as_str()) && !policy.ignores(x);
            let wanted_staging = |x: &Path| common.contains(self.norm(&x.shape()).as_str()) && !policy.ignores(x);
            fn side<'s>(sided: &Sided<'s, '_>, k: usize) -> Side<'s> {
                Side { values: sided.sources[k].values, paths: &sided.changes[k].paths, marks: &sided.changes[k].marks }
            }
            // Values are compared masked: two environments' different
            // secrets (or copies of them) are not a difference to report.
            let mine = edits::side_edits(&side(self.prod, i), &wanted_prod, &|x| self.mask(x));
            let theirs = edits::side_edits(&side(self.staging, j), &wanted_staging, &|x| self.norm(&self.mask(x)));
            for (e, rel) in mine.iter().zip(edits::relate(&mine, &theirs)) {
                let text = if e.sensitive { SENSITIVE.to_owned() } else { e.shown.clone() };
                out.edit(self, e.kind, &e.path, e.sign.symbol(), text, rel);
            }
        }
        out.extra.sort();
        out.extra.dedup();
        out.differs.sort();
        out.differs.dedup();
        if out.notes.len() > MAX_NOTES {
            let more = out.notes.len() - MAX_NOTES;
            out.notes.truncate(MAX_NOTES);
            out.notes.push(EditNote {
                kind: EditKind::Attribute,
                sign: None,
                path: format!("({more} more edits not shown)"),
                text: String::new(),
                staging: Relation::Same,
            });
        }
        out
    }
}

/// The outcome of comparing two changes' edits (masked).
#[derive(Default)]
struct Compared {
    extra: Vec<ExtraEdit>,
    differs: Vec<String>,
    notes: Vec<EditNote>,
}

impl Compared {
    fn edit(
        &mut self,
        ctx: &Ctx<'_, '_, '_>,
        kind: EditKind,
        path: &str,
        sign: Option<char>,
        text: String,
        rel: Relation,
    ) {
        let path = ctx.mask(path);
        match &rel {
            Relation::NotInStaging => self.extra.push(ExtraEdit { path: path.clone(), kind }),
            Relation::Differs(_) => self.differs.push(path.clone()),
            Relation::Same => {}
        }
        if ctx.notes {
            let cut = |s: &str| {
                let masked = ctx.mask(s);
                if masked.chars().count() > MAX_NOTE_CHARS {
                    let mut t: String = masked.chars().take(MAX_NOTE_CHARS).collect();
                    t.push_str("…(cut)");
                    t
                } else {
                    masked
                }
            };
            let staging = match rel {
                Relation::Differs(v) => Relation::Differs(v.iter().map(|s| cut(s)).collect()),
                other => other,
            };
            self.notes.push(EditNote { kind, sign, path, text: cut(&text), staging });
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::instance_pattern;
    use crate::review::Review;
    use crate::review::testkit::{day, ids, options, policy, rc, review_of, upd};

    fn moved(mut c: Value, from: &str) -> Value {
        c["previous_address"] = Value::from(from);
        c
    }

    fn unknown(mut c: Value, mirror: Value) -> Value {
        c["change"]["after_unknown"] = mirror;
        c
    }

    const POLICY: &str = r#"
[compare]
ignore_paths = ["tags_all"]

[[compare.replace]]
staging = "staging"
prod = "prod"

[[compare.replace]]
staging = "stg"
prod = "prd"
"#;

    fn run(staging: Vec<Value>, prod: Vec<Value>, extra_policy: &str) -> Review {
        let policy = policy(&format!("{POLICY}\n{extra_policy}"));
        review_of(staging, prod, &policy, &options(day("2026-01-01"), None))
    }

    /// `(status, via, staging address, extra edits as "kind path", value differences)` of one prod change.
    fn outcome(r: &Review, address: &str) -> (String, String, String, Vec<String>, Vec<String>) {
        let c = r.changes.iter().find(|c| c.address == address).unwrap_or_else(|| panic!("no change {address}"));
        let m = serde_json::to_value(c.staging.as_ref().unwrap()).unwrap();
        let s = |v: &Value| v.as_str().unwrap_or("-").to_owned();
        let extra = m["extra_edits"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| format!("{} {}", s(&e["kind"]), s(&e["path"])))
            .collect();
        let differs = m["value_differences"].as_array().unwrap().iter().map(s).collect();
        (s(&m["status"]), s(&m["via"]), s(&m["address"]), extra, differs)
    }

    #[test]
    fn instance_patterns() {
        for (address, want) in [
            ("aws_instance.web[2]", "aws_instance.web[*]"),
            (r#"module.svc["stg-eu"].aws_ecs_service.this"#, "module.svc[*].aws_ecs_service.this"),
            (r#"module.a["x]y"].b.c["k\"]"]"#, "module.a[*].b.c[*]"),
            ("aws_s3_bucket.b", "aws_s3_bucket.b"),
        ] {
            assert_eq!(instance_pattern(address), want, "{address}");
        }
    }

    #[test]
    fn outcomes_of_matching() {
        let script =
            |image: &str, replicas: u32| format!("#!/bin/sh\nrun --image app:{image}\n--replicas {replicas}\n");
        let policy_doc = |actions: &[&str]| json!({"Statement": [{"Action": actions, "Effect": "Allow"}]}).to_string();
        type Case = (
            &'static str,
            Vec<Value>,
            Vec<Value>,
            &'static str,
            &'static str,
            (&'static str, &'static str, &'static str, Vec<&'static str>, Vec<&'static str>),
        );
        let cases: Vec<Case> = vec![
            (
                "same address, same edit",
                vec![upd("terraform_data.a", json!({"v": 1}), json!({"v": 2}))],
                vec![upd("terraform_data.a", json!({"v": 1}), json!({"v": 2}))],
                "",
                "terraform_data.a",
                ("matched", "address", "terraform_data.a", vec![], vec![]),
            ),
            (
                "same edit, other value",
                vec![upd("terraform_data.a", json!({"size": "s"}), json!({"size": "db.t3.medium"}))],
                vec![upd("terraform_data.a", json!({"size": "s"}), json!({"size": "db.r6g.xlarge"}))],
                "",
                "terraform_data.a",
                ("value-differs", "address", "terraform_data.a", vec![], vec!["size"]),
            ),
            (
                "extra attribute",
                vec![upd("terraform_data.a", json!({"v": 1, "w": 1}), json!({"v": 2, "w": 1}))],
                vec![upd("terraform_data.a", json!({"v": 1, "w": 1}), json!({"v": 2, "w": 2}))],
                "",
                "terraform_data.a",
                ("diverged", "address", "terraform_data.a", vec!["attribute w"], vec![]),
            ),
            (
                "extra line of a script",
                vec![upd("terraform_data.a", json!({"u": script("1", 4)}), json!({"u": script("2", 4)}))],
                vec![upd("terraform_data.a", json!({"u": script("1", 4)}), json!({"u": script("2", 6)}))],
                "",
                "terraform_data.a",
                ("diverged", "address", "terraform_data.a", vec!["line u"], vec![]),
            ),
            (
                "extra policy element",
                vec![upd(
                    "terraform_data.a",
                    json!({"p": policy_doc(&["s3:Get"])}),
                    json!({"p": policy_doc(&["s3:Get", "s3:Put"])}),
                )],
                vec![upd(
                    "terraform_data.a",
                    json!({"p": policy_doc(&["s3:Get"])}),
                    json!({"p": policy_doc(&["s3:Get", "s3:Put", "s3:Delete"])}),
                )],
                "",
                "terraform_data.a",
                ("diverged", "address", "terraform_data.a", vec!["element p.Statement[*].Action"], vec![]),
            ),
            (
                "names that differ only by environment token",
                vec![upd("terraform_data.a", json!({"n": "app-stg-db"}), json!({"n": "app-stg-db2"}))],
                vec![upd("terraform_data.a", json!({"n": "app-prd-db"}), json!({"n": "app-prd-db2"}))],
                "",
                "terraform_data.a",
                ("matched", "address", "terraform_data.a", vec![], vec![]),
            ),
            (
                "a user pair takes effect",
                vec![upd("terraform_data.a", json!({"r": "x"}), json!({"r": "arn:aws:iam::111111111111:role/a"}))],
                vec![upd("terraform_data.a", json!({"r": "x"}), json!({"r": "arn:aws:iam::222222222222:role/a"}))],
                "[[compare.replace]]\nstaging = \"111111111111\"\nprod = \"222222222222\"\n",
                "terraform_data.a",
                ("matched", "address", "terraform_data.a", vec![], vec![]),
            ),
            (
                "without the user pair the value differs",
                vec![upd("terraform_data.a", json!({"r": "x"}), json!({"r": "arn:aws:iam::111111111111:role/a"}))],
                vec![upd("terraform_data.a", json!({"r": "x"}), json!({"r": "arn:aws:iam::222222222222:role/a"}))],
                "",
                "terraform_data.a",
                ("value-differs", "address", "terraform_data.a", vec![], vec!["r"]),
            ),
            (
                "ignored paths are left out",
                vec![upd("terraform_data.a", json!({"v": 1, "tags_all": {}}), json!({"v": 2, "tags_all": {}}))],
                vec![upd("terraform_data.a", json!({"v": 1, "tags_all": {}}), json!({"v": 2, "tags_all": {"x": "1"}}))],
                "",
                "terraform_data.a",
                ("matched", "address", "terraform_data.a", vec![], vec![]),
            ),
            (
                "a path becoming unknown is an edit",
                vec![upd("terraform_data.a", json!({"v": 1}), json!({"v": 2}))],
                vec![unknown(upd("terraform_data.a", json!({"v": 1}), json!({})), json!({"v": true}))],
                "",
                "terraform_data.a",
                ("value-differs", "address", "terraform_data.a", vec![], vec!["v"]),
            ),
            (
                "prod more destructive",
                vec![upd("terraform_data.a", json!({"v": 1}), json!({"v": 2}))],
                vec![rc("terraform_data.a", &["delete", "create"], json!({"v": 1}), json!({"v": 2}))],
                "",
                "terraform_data.a",
                ("escalated", "address", "terraform_data.a", vec![], vec![]),
            ),
            (
                "prod acts differently, less destructive",
                vec![rc("terraform_data.a", &["delete", "create"], json!({"v": 1}), json!({"v": 2}))],
                vec![upd("terraform_data.a", json!({"v": 1}), json!({"v": 2}))],
                "",
                "terraform_data.a",
                ("diverged", "address", "terraform_data.a", vec![], vec![]),
            ),
            (
                "no counterpart",
                vec![],
                vec![upd("terraform_data.a", json!({"v": 1}), json!({"v": 2}))],
                "",
                "terraform_data.a",
                ("absent", "-", "-", vec![], vec![]),
            ),
            (
                "staging leaves it unchanged",
                vec![rc("terraform_data.a", &["no-op"], json!({"v": 1}), json!({"v": 1}))],
                vec![upd("terraform_data.a", json!({"v": 1}), json!({"v": 2}))],
                "",
                "terraform_data.a",
                ("absent", "address", "terraform_data.a", vec![], vec![]),
            ),
            (
                "staging leaves it unchanged under its own name",
                vec![rc("terraform_data.app_stg", &["no-op"], json!({"v": 1}), json!({"v": 1}))],
                vec![upd("terraform_data.app_prd", json!({"v": 1}), json!({"v": 2}))],
                "",
                "terraform_data.app_prd",
                ("absent", "address", "terraform_data.app_prd", vec![], vec![]),
            ),
            (
                "address map",
                vec![upd("terraform_data.blue", json!({"v": 1}), json!({"v": 2}))],
                vec![upd("terraform_data.green", json!({"v": 1}), json!({"v": 2}))],
                "[[compare.map]]\nprod = \"green\"\nstaging = \"blue\"\n",
                "terraform_data.green",
                ("matched", "mapped", "terraform_data.blue", vec![], vec![]),
            ),
            (
                "previous address",
                vec![upd("terraform_data.old", json!({"v": 1}), json!({"v": 2}))],
                vec![moved(upd("terraform_data.new", json!({"v": 1}), json!({"v": 2})), "terraform_data.old")],
                "",
                "terraform_data.new",
                ("diverged", "previous-address", "terraform_data.old", vec![], vec![]),
            ),
            (
                "normalized address",
                vec![upd("terraform_data.app_stg", json!({"v": 1}), json!({"v": 2}))],
                vec![upd("terraform_data.app_prd", json!({"v": 1}), json!({"v": 2}))],
                "",
                "terraform_data.app_prd",
                ("matched", "normalized", "terraform_data.app_stg", vec![], vec![]),
            ),
            (
                "new instance matches a sibling",
                vec![upd("terraform_data.web[0]", json!({"v": 1}), json!({"v": 2}))],
                vec![
                    upd("terraform_data.web[0]", json!({"v": 1}), json!({"v": 2})),
                    upd("terraform_data.web[1]", json!({"v": 1}), json!({"v": 2})),
                ],
                "",
                "terraform_data.web[1]",
                ("matched", "sibling", "terraform_data.web[0]", vec![], vec![]),
            ),
            (
                "module instance keys that differ per environment",
                vec![upd(r#"module.svc["stg-eu"].terraform_data.this"#, json!({"v": 1}), json!({"v": 2}))],
                vec![upd(r#"module.svc["prod-eu"].terraform_data.this"#, json!({"v": 1}), json!({"v": 2}))],
                "",
                r#"module.svc["prod-eu"].terraform_data.this"#,
                ("matched", "sibling", r#"module.svc["stg-eu"].terraform_data.this"#, vec![], vec![]),
            ),
            (
                "the sibling of the same region is named",
                vec![
                    upd(r#"module.svc["stg-eu"].terraform_data.this"#, json!({"v": 1}), json!({"v": 2})),
                    upd(r#"module.svc["stg-us"].terraform_data.this"#, json!({"v": 1}), json!({"v": 2})),
                ],
                vec![upd(r#"module.svc["prod-us"].terraform_data.this"#, json!({"v": 1}), json!({"v": 2}))],
                "",
                r#"module.svc["prod-us"].terraform_data.this"#,
                ("matched", "sibling", r#"module.svc["stg-us"].terraform_data.this"#, vec![], vec![]),
            ),
            (
                "a closer sibling wins over the first tried",
                vec![
                    upd(r#"terraform_data.q["stg-eu"]"#, json!({"v": 1, "w": 1}), json!({"v": 2, "w": 1})),
                    upd(r#"terraform_data.q["stg-us"]"#, json!({"v": 1, "w": 1}), json!({"v": 2, "w": 2})),
                ],
                vec![upd(r#"terraform_data.q["prod-eu"]"#, json!({"v": 1, "w": 1}), json!({"v": 2, "w": 3}))],
                "",
                r#"terraform_data.q["prod-eu"]"#,
                ("value-differs", "sibling", r#"terraform_data.q["stg-us"]"#, vec![], vec!["w"]),
            ),
            (
                "a sibling's other edits diverge",
                vec![upd(r#"terraform_data.q["a"]"#, json!({"v": 1, "w": 1}), json!({"v": 2, "w": 1}))],
                vec![upd(r#"terraform_data.q["b"]"#, json!({"v": 1, "w": 1}), json!({"v": 2, "w": 2}))],
                "",
                r#"terraform_data.q["b"]"#,
                ("diverged", "sibling", r#"terraform_data.q["a"]"#, vec!["attribute w"], vec![]),
            ),
            (
                "a sibling with another action is no counterpart",
                vec![rc("terraform_data.web[0]", &["delete"], json!({"v": 1}), Value::Null)],
                vec![upd("terraform_data.web[1]", json!({"v": 1}), json!({"v": 2}))],
                "",
                "terraform_data.web[1]",
                ("absent", "-", "-", vec![], vec![]),
            ),
        ];
        for (name, staging, prod, policy, address, want) in cases {
            let r = run(staging, prod, policy);
            let (status, via, at, extra, differs) = outcome(&r, address);
            let want = (
                want.0.to_owned(),
                want.1.to_owned(),
                want.2.to_owned(),
                want.3.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
                want.4.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
            );
            assert_eq!((status, via, at, extra, differs), want, "case {name}: {:?}", ids(&r));
        }
    }

    #[test]
    fn each_outcome_gives_its_finding() {
        type Case = (&'static str, Vec<Value>, Vec<Value>, Vec<(&'static str, &'static str)>);
        let cases: Vec<Case> = vec![
            (
                "matched: nothing",
                vec![upd("terraform_data.a", json!({"v": 1}), json!({"v": 2}))],
                vec![upd("terraform_data.a", json!({"v": 1}), json!({"v": 2}))],
                vec![],
            ),
            (
                "value-differs",
                vec![upd("terraform_data.a", json!({"v": 1}), json!({"v": 2}))],
                vec![upd("terraform_data.a", json!({"v": 1}), json!({"v": 3}))],
                vec![("value-differs", "terraform_data.a")],
            ),
            (
                "diverged",
                vec![upd("terraform_data.a", json!({"v": 1}), json!({"v": 2}))],
                vec![upd("terraform_data.a", json!({"v": 1}), json!({"v": 2, "w": 1}))],
                vec![("diverged", "terraform_data.a")],
            ),
            (
                "escalated",
                vec![upd("terraform_data.a", json!({"v": 1}), json!({"v": 2}))],
                vec![rc("terraform_data.a", &["delete"], json!({"v": 1}), Value::Null)],
                vec![("destructive", "terraform_data.a"), ("escalated", "terraform_data.a")],
            ),
            (
                "not-in-staging and staging-only",
                vec![upd("terraform_data.b", json!({"v": 1}), json!({"v": 2}))],
                vec![upd("terraform_data.a", json!({"v": 1}), json!({"v": 2}))],
                vec![("not-in-staging", "terraform_data.a"), ("staging-only", "terraform_data.b")],
            ),
            (
                "prod-only scale-out is one finding for the resource",
                vec![],
                vec![
                    rc("terraform_data.web[3]", &["create"], Value::Null, json!({"v": 1})),
                    rc("terraform_data.web[4]", &["create"], Value::Null, json!({"v": 1})),
                    rc("terraform_data.web[5]", &["create"], Value::Null, json!({"v": 1})),
                ],
                vec![("not-in-staging", "terraform_data.web")],
            ),
            (
                "staging-only instances are one finding too",
                vec![
                    rc(r#"terraform_data.q["x"]"#, &["create"], Value::Null, json!({"v": 1})),
                    rc(r#"terraform_data.q["y"]"#, &["create"], Value::Null, json!({"v": 1})),
                ],
                vec![],
                vec![("staging-only", "terraform_data.q")],
            ),
            (
                "scale-out in both is matched by siblings",
                vec![rc("terraform_data.web[2]", &["create"], Value::Null, json!({"v": 1}))],
                vec![
                    rc("terraform_data.web[3]", &["create"], Value::Null, json!({"v": 1})),
                    rc("terraform_data.web[4]", &["create"], Value::Null, json!({"v": 1})),
                ],
                vec![],
            ),
        ];
        for (name, staging, prod, want) in cases {
            let r = run(staging, prod, "");
            let mut got = ids(&r);
            got.sort();
            let want: Vec<(String, String)> = want.iter().map(|(a, b)| ((*a).to_owned(), (*b).to_owned())).collect();
            assert_eq!(got, want, "case {name}");
        }
    }

    /// A staging change whose normalized address prod changes is not
    /// `staging-only`, whatever its action; the not-in-staging message says
    /// whether staging has the resource unchanged.
    #[test]
    fn staging_only_and_not_in_staging_details() {
        let staging = vec![
            upd("terraform_data.x_prd", json!({"v": 1}), json!({"v": 2})),
            rc("terraform_data.x_stg", &["delete"], json!({"v": 1}), Value::Null),
        ];
        let prod = vec![upd("terraform_data.x_prd", json!({"v": 1}), json!({"v": 2}))];
        assert_eq!(ids(&run(staging, prod, "")), vec![]);

        let message = |staging: Vec<Value>| {
            let r = run(staging, vec![upd("terraform_data.a", json!({"v": 1}), json!({"v": 2}))], "");
            assert_eq!(ids(&r), vec![("not-in-staging".to_owned(), "terraform_data.a".to_owned())]);
            r.findings[0].message.clone()
        };
        let unchanged = message(vec![rc("terraform_data.a", &["no-op"], json!({"v": 1}), json!({"v": 1}))]);
        assert!(unchanged.ends_with("staging's plan leaves this resource unchanged"), "{unchanged}");
        let none = message(vec![]);
        assert!(none.ends_with("staging's plan has no such resource change"), "{none}");
    }

    /// An unmatched instance says how many instances of the resource staging
    /// changes otherwise; with none, it says nothing.
    #[test]
    fn unmatched_instances_count_the_other_instances() {
        let description = |staging: Vec<Value>| {
            let r = run(staging, vec![upd("terraform_data.web[1]", json!({"v": 1}), json!({"v": 2}))], "");
            let c = r.changes.iter().find(|c| c.address == "terraform_data.web[1]").unwrap();
            c.staging.as_ref().unwrap().description.clone()
        };
        let delete = |a: &str| rc(a, &["delete"], json!({"v": 1}), Value::Null);
        assert_eq!(
            description(vec![delete("terraform_data.web[0]")]).as_deref(),
            Some("1 other instance(s) differently")
        );
        assert_eq!(
            description(vec![delete("terraform_data.web[0]"), delete("terraform_data.web[2]")]).as_deref(),
            Some("2 other instance(s) differently")
        );
        assert_eq!(description(vec![delete("terraform_data.other")]), None);
    }

    /// `[[compare.map]]` applies both ways: a staging instance nobody
    /// claimed is not `staging-only` when prod changes the same kind of
    /// instances under the mapped name.
    #[test]
    fn mapped_names_count_for_staging_only() {
        let map = "[[compare.map]]\nprod = \"green\"\nstaging = \"blue\"\n";
        let staging = || {
            vec![
                upd("terraform_data.blue[0]", json!({"v": 1}), json!({"v": 2})),
                upd("terraform_data.blue[1]", json!({"v": 1}), json!({"v": 2})),
            ]
        };
        let prod = || vec![upd("terraform_data.green[0]", json!({"v": 1}), json!({"v": 2}))];
        assert_eq!(ids(&run(staging(), prod(), map)), vec![]);
        let mut unmapped = ids(&run(staging(), prod(), ""));
        unmapped.sort();
        assert_eq!(
            unmapped,
            vec![
                ("not-in-staging".to_owned(), "terraform_data.green[0]".to_owned()),
                ("staging-only".to_owned(), "terraform_data.blue".to_owned()),
            ]
        );
    }

    #[test]
    fn grouped_finding_names_the_instances_and_every_instance_lists_it() {
        let prod: Vec<Value> = (0..15)
            .map(|i| rc(&format!("terraform_data.web[{i}]"), &["create"], Value::Null, json!({"v": 1})))
            .collect();
        let r = run(vec![], prod, "");
        assert_eq!(r.findings.len(), 1);
        let f = &r.findings[0];
        assert!(f.message.contains("15 instances"), "{}", f.message);
        assert!(f.message.contains("terraform_data.web[0]") && f.message.contains("and 5 more"), "{}", f.message);
        assert!(r.changes.iter().all(|c| c.findings == vec![0]));
    }

    #[test]
    fn notes_say_how_staging_relates_to_each_prod_edit() {
        let script = |replicas: u32, image: &str| format!("run --image app:{image}\n--replicas {replicas}\n");
        let staging = vec![upd(
            "terraform_data.a",
            json!({"u": script(2, "1"), "size": "x"}),
            json!({"u": script(2, "2"), "size": "db.t3.medium"}),
        )];
        let prod = vec![upd(
            "terraform_data.a",
            json!({"u": script(4, "1"), "size": "x", "n": 1}),
            json!({"u": script(6, "2"), "size": "db.r6g.xlarge", "n": 2}),
        )];
        let r = run(staging, prod, "");
        let notes: Vec<String> =
            r.changes[0].staging.as_ref().unwrap().notes.iter().map(crate::render::edit_note_line).collect();
        assert_eq!(
            notes,
            vec![
                "n  (not in staging)",
                "size = \"db.r6g.xlarge\"  (staging: \"db.t3.medium\")",
                "u: - line run --image app:1  (same as staging)",
                "u: - line --replicas 4  (not in staging)",
                "u: + line run --image app:2  (same as staging)",
                "u: + line --replicas 6  (not in staging)",
            ]
        );
    }
}
