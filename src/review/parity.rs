//! Parity: does staging still predict prod? Compares the resulting state of
//! both plans (`planned_values`: what each environment will look like after
//! apply, changed or not) in kind, never in quantity.
//!
//! * `type-not-in-staging` / `type-not-in-prod`: a resource type one
//!   environment will have (or changes) and the other has nowhere.
//! * `parity-kind`: a `[[parity]]` kind attribute takes different values for
//!   the same resource. Instances of one resource are taken together (prod's
//!   three replicas against staging's one); addresses go through
//!   `[[compare.map]]` and environment-token normalization.
//!
//! Only the attributes a `[[parity]]` entry names are read, raw, and only
//! for resources of catalogued types: the rest of `planned_values` is never
//! parsed. Pure; values shown are masked by the redactor.

use std::collections::BTreeMap;

use foldhash::HashMap;

use crate::plan::RawJson;
use serde_json::Value;

use super::Env;
use super::redact::{Redactor, SENSITIVE};
use super::version::Version;
use crate::plan::raw_nav::{self, Kind};
use crate::plan::{Action, Mode, Plan, ResourceChange, escape_for_message, strip_instance_key, value};
use crate::policy::{AttrPath, Comparison, Origin, Parity, Policy};
use crate::rules::RuleId;

/// A finding the parity check raises, before levels and exceptions.
#[derive(Debug, Clone, PartialEq)]
pub struct Note {
    pub id: RuleId,
    pub env: Env,
    /// The resource (or instance) address the finding is about.
    pub address: String,
    /// Addresses of the changes (in `env`'s plan) the finding belongs to.
    pub changes: Vec<String>,
    pub message: String,
    pub origin: Option<Origin>,
}

/// One resource instance of a resulting state.
#[derive(Clone, Copy)]
struct Res<'a> {
    address: &'a str,
    type_: &'a str,
    values: Option<RawJson<'a>>,
    sensitive: Option<RawJson<'a>>,
}

/// The managed resources a plan leaves behind: `planned_values`, or, for a
/// plan without it, every change that does not delete its object.
fn resulting<'a>(plan: &'a Plan<'a>) -> Vec<Res<'a>> {
    match &plan.resulting {
        Some(list) => list
            .iter()
            .map(|r| Res { address: &r.address, type_: &r.type_, values: r.values, sensitive: r.sensitive })
            .collect(),
        None => plan
            .changes
            .iter()
            .filter(|c| c.mode == Mode::Managed && c.deposed.is_none())
            .filter(|c| !matches!(c.action, Action::Delete | Action::Forget))
            .map(|c| Res {
                address: &c.address,
                type_: &c.type_,
                values: c.values.after,
                sensitive: c.values.after_sensitive,
            })
            .collect(),
    }
}

/// The parity findings of a staging/prod pair.
pub fn check(staging: &Plan<'_>, prod: &Plan<'_>, policy: &Policy, redactor: &Redactor) -> Vec<Note> {
    let (s_res, p_res) = (resulting(staging), resulting(prod));
    let mut notes = type_notes(staging, prod, &s_res, &p_res);
    notes.extend(kind_notes(staging, prod, &s_res, &p_res, policy, redactor));
    notes
}

/// Per type: how many resources the resulting state has, the first address,
/// how many this plan creates, and whether only changes mention it.
#[derive(Default)]
struct TypeInfo<'a> {
    resulting: usize,
    created: usize,
    changed: usize,
    first: Option<&'a str>,
    changes: Vec<&'a str>,
}

fn types<'a>(plan: &'a Plan<'a>, res: &[Res<'a>], env: Env) -> BTreeMap<&'a str, TypeInfo<'a>> {
    let mut out: BTreeMap<&str, TypeInfo<'_>> = BTreeMap::new();
    for r in res {
        let t = out.entry(r.type_).or_default();
        t.resulting += 1;
        t.first.get_or_insert(r.address);
    }
    let extra: Box<dyn Iterator<Item = &ResourceChange<'_>>> = match env {
        // Staging "has" a type it merely plans around, too (drift, deferred).
        Env::Staging => Box::new(plan.changes.iter().chain(&plan.drift).chain(&plan.deferred)),
        Env::Prod => Box::new(plan.changes.iter().filter(|c| c.is_change())),
    };
    for c in extra.filter(|c| c.mode == Mode::Managed) {
        let t = out.entry(&c.type_).or_default();
        t.first.get_or_insert(&c.address);
        if c.is_change() {
            t.changed += 1;
            t.changes.push(&c.address);
            t.created += usize::from(c.action == Action::Create);
        }
    }
    out
}

fn type_notes(staging: &Plan<'_>, prod: &Plan<'_>, s_res: &[Res<'_>], p_res: &[Res<'_>]) -> Vec<Note> {
    let (st, pt) = (types(staging, s_res, Env::Staging), types(prod, p_res, Env::Prod));
    let mut notes = Vec::new();
    let plural = |n: usize| if n == 1 { "" } else { "s" };
    for (type_, info) in &pt {
        if st.contains_key(type_) {
            continue;
        }
        let name = escape_for_message(type_);
        let message = if info.resulting > 0 {
            let one = info.resulting == 1;
            let when = if info.created == info.resulting {
                if one { "this plan creates it" } else { "this plan creates them" }
            } else if info.created > 0 {
                "this plan creates some of them"
            } else if one {
                "it exists already"
            } else {
                "they exist already"
            };
            format!(
                "prod will have {} `{name}` resource{} and staging none, so staging never exercises this kind of \
                 resource ({when})",
                info.resulting,
                plural(info.resulting)
            )
        } else {
            format!(
                "prod changes {} `{name}` resource{} and resource type `{name}` appears nowhere in staging's plan",
                info.changed,
                plural(info.changed)
            )
        };
        notes.push(Note {
            id: RuleId::TypeNotInStaging,
            env: Env::Prod,
            address: info.first.unwrap_or_default().to_owned(),
            changes: info.changes.iter().map(|a| (*a).to_owned()).collect(),
            message,
            origin: None,
        });
    }
    for (type_, info) in &st {
        if pt.contains_key(type_) || info.resulting == 0 {
            continue;
        }
        let name = escape_for_message(type_);
        notes.push(Note {
            id: RuleId::TypeNotInProd,
            env: Env::Staging,
            address: info.first.unwrap_or_default().to_owned(),
            changes: info.changes.iter().map(|a| (*a).to_owned()).collect(),
            message: format!(
                "staging will have {} `{name}` resource{} and prod none: staging runs a kind of resource prod does not",
                info.resulting,
                plural(info.resulting)
            ),
            origin: None,
        });
    }
    notes
}

/// The `[[parity]]` entries of each type seen, computed once per type
/// before the groups are compared (in parallel, so read-only then).
struct Catalogue<'p> {
    by_type: HashMap<&'p str, Vec<usize>>,
}

impl<'p> Catalogue<'p> {
    fn new<'t>(policy: &Policy, types: impl Iterator<Item = &'t str>) -> Catalogue<'t> {
        let mut by_type = HashMap::default();
        for type_ in types {
            by_type.entry(type_).or_insert_with(|| {
                policy.parity.iter().enumerate().filter(|(_, e)| e.type_.is_match(type_)).map(|(i, _)| i).collect()
            });
        }
        Catalogue { by_type }
    }

    fn of(&self, type_: &str) -> &[usize] {
        self.by_type.get(type_).map_or(&[], Vec::as_slice)
    }
}

/// The instances of one resource in one environment.
struct Group<'a> {
    /// The resource address (instance key stripped), as the plan spells it.
    address: &'a str,
    type_: &'a str,
    instances: Vec<Res<'a>>,
}

/// Key for matching staging's resources to prod's: prod addresses are
/// mapped to staging's spelling with `[[compare.map]]`, then both have
/// staging's environment tokens replaced by prod's.
fn group_key(address: &str, env: Env, policy: &Policy) -> String {
    let resource = strip_instance_key(address);
    match env {
        Env::Prod => {
            let staging = policy.map_to_staging(resource).unwrap_or_else(|| resource.to_owned());
            policy.normalize_staging(&staging).into_owned()
        }
        Env::Staging => policy.normalize_staging(resource).into_owned(),
    }
}

/// A group key with every instance key removed, for module instances whose
/// keys differ per environment (`module.db["eu-stg"]` vs `module.db["eu"]`).
fn loose_key(key: &str) -> String {
    let mut out = String::with_capacity(key.len());
    let mut depth = 0usize;
    let mut in_string = false;
    let mut prev = ' ';
    for c in key.chars() {
        match c {
            '"' if depth > 0 && prev != '\\' => in_string = !in_string,
            '[' if !in_string => depth += 1,
            ']' if !in_string && depth > 0 => {
                depth -= 1;
                prev = c;
                continue;
            }
            _ => {}
        }
        if depth == 0 {
            out.push(c);
        }
        prev = c;
    }
    out
}

fn groups<'a>(res: &[Res<'a>], env: Env, policy: &Policy, catalogue: &Catalogue<'_>) -> BTreeMap<String, Group<'a>> {
    let mut out: BTreeMap<String, Group<'a>> = BTreeMap::new();
    for r in res {
        if catalogue.of(r.type_).is_empty() {
            continue;
        }
        let key = group_key(r.address, env, policy);
        out.entry(key)
            .or_insert_with(|| Group { address: strip_instance_key(r.address), type_: r.type_, instances: Vec::new() })
            .instances
            .push(*r);
    }
    out
}

/// One instance's values, split at the top level once (every attribute is
/// looked up in it), and its sensitivity mirror, parsed when first needed.
pub(super) struct View<'a> {
    members: Option<raw_nav::Members<'a>>,
    sensitive_raw: Option<RawJson<'a>>,
    sensitive: std::cell::OnceCell<Value>,
}

impl<'a> View<'a> {
    pub(super) fn new(values: Option<RawJson<'a>>, sensitive: Option<RawJson<'a>>) -> View<'a> {
        let members = values.filter(|&v| raw_nav::kind(Some(v)) == Kind::Object).map(raw_nav::members);
        View { members, sensitive_raw: sensitive, sensitive: std::cell::OnceCell::new() }
    }

    /// The sensitivity mirror of the values (`null` when it marks nothing).
    pub(super) fn sensitive(&self) -> &Value {
        self.sensitive.get_or_init(|| value::parse_mirror(self.sensitive_raw))
    }

    /// The leaves at a folded path (lists walked element by element, only
    /// the leaves parsed); `None` when a key is absent on the way (the value
    /// is unknown until apply).
    pub(super) fn leaves(&self, keys: &[String]) -> Option<Vec<Value>> {
        let (first, rest) = keys.split_first()?;
        let child = self.members.as_ref()?.get(first)?;
        let mut out = Vec::new();
        raw_leaves(child, rest, &mut out).then_some(out)
    }
}

fn raw_leaves(raw: RawJson<'_>, keys: &[String], out: &mut Vec<Value>) -> bool {
    match raw_nav::kind(Some(raw)) {
        Kind::Array => raw_nav::elements(raw).0.iter().all(|&e| raw_leaves(e, keys, out)),
        _ if keys.is_empty() => {
            out.push(value::parse(Some(raw)));
            true
        }
        Kind::Object => match raw_nav::member(raw, &keys[0]) {
            Some(child) => raw_leaves(child, &keys[1..], out),
            None => false,
        },
        // A null block has nothing below it.
        _ => true,
    }
}

/// Whether the sensitivity mirror marks anything at or above the path, or
/// below it.
pub fn marked(mirror: &Value, keys: &[String]) -> bool {
    match mirror {
        Value::Bool(b) => *b,
        Value::Array(items) => items.iter().any(|m| marked(m, keys)),
        Value::Object(m) if keys.is_empty() => m.values().any(value::any_true),
        Value::Object(m) => m.get(&keys[0]).is_some_and(|c| marked(c, &keys[1..])),
        _ => false,
    }
}

/// Whether a value counts as set: not null and not empty.
pub fn is_set(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => a.iter().any(is_set),
        Value::Object(m) => !m.is_empty(),
        Value::Bool(_) | Value::Number(_) => true,
    }
}

/// A value in the form it is compared in, and how it is shown.
#[derive(Clone)]
struct Seen {
    /// Exact form (environment tokens normalized), or `set`/`not set`.
    key: String,
    version: Option<Version>,
    /// How to show it; masked and cut only when a note shows it (most
    /// groups' values do not differ, and masking costs a search).
    shown: Shown,
}

#[derive(Clone)]
enum Shown {
    Word(&'static str),
    Secret,
    Value(String),
}

impl Seen {
    fn shown(&self, redactor: &Redactor) -> String {
        match &self.shown {
            Shown::Word(w) => (*w).to_owned(),
            Shown::Secret => SENSITIVE.to_owned(),
            Shown::Value(v) => display(v, redactor),
        }
    }
}

fn text_of(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A staging value with its environment tokens replaced by prod's.
fn normalize_value(v: &Value, policy: &Policy) -> Value {
    match v {
        Value::String(s) => Value::String(policy.normalize_staging(s).into_owned()),
        Value::Array(a) => Value::Array(a.iter().map(|v| normalize_value(v, policy)).collect()),
        Value::Object(m) => Value::Object(
            m.iter().map(|(k, v)| (policy.normalize_staging(k).into_owned(), normalize_value(v, policy))).collect(),
        ),
        other => other.clone(),
    }
}

/// Everything one environment's instances hold at one attribute; `None`
/// when nothing is known yet.
/// What comparing values needs besides the values.
#[derive(Clone, Copy)]
struct Cx<'a> {
    policy: &'a Policy,
    redactor: &'a Redactor,
}

fn seen_values(
    instances: &[View<'_>],
    path: &AttrPath,
    compare: Comparison,
    env: Env,
    cx: Cx<'_>,
) -> Option<Vec<Seen>> {
    let policy = cx.policy;
    let mut out: Vec<Seen> = Vec::new();
    let mut any = false;
    for view in instances {
        let Some(found) = view.leaves(&path.keys) else { continue };
        let secret = marked(view.sensitive(), &path.keys);
        let mut push = |key: String, version: Option<Version>, shown: Shown| {
            if !out.iter().any(|s| s.key == key) {
                out.push(Seen { key, version, shown });
            }
        };
        match compare {
            Comparison::Presence => {
                any = true;
                let set = found.iter().any(is_set);
                let word = if set { "set" } else { "not set" };
                push(word.to_owned(), None, Shown::Word(word));
            }
            Comparison::Exact | Comparison::Major(_) => {
                for v in found.iter().filter(|v| !v.is_null()) {
                    any = true;
                    let normalized = if env == Env::Staging { normalize_value(v, policy) } else { v.clone() };
                    let key = text_of(&normalized);
                    let version = match compare {
                        Comparison::Major(_) => match v {
                            Value::String(s) => Version::parse(s),
                            Value::Number(n) => Version::parse(&n.to_string()),
                            _ => None,
                        },
                        _ => None,
                    };
                    let shown = if secret { Shown::Secret } else { Shown::Value(text_of(v)) };
                    push(key, version, shown);
                }
            }
        }
    }
    any.then_some(out)
}

/// A value for a message: masked, escaped, cut.
fn display(s: &str, redactor: &Redactor) -> String {
    let masked = redactor.mask(s);
    let mut shown = escape_for_message(&masked);
    if shown.chars().count() > 120 {
        shown = shown.chars().take(120).collect::<String>() + "…";
    }
    shown
}

fn equivalent(a: &Seen, b: &Seen, compare: Comparison) -> bool {
    match (compare, &a.version, &b.version) {
        (Comparison::Major(parts), Some(x), Some(y)) => x.same_major(y, parts),
        _ => a.key == b.key,
    }
}

/// Whether the two sides hold different kinds: some value on one side has
/// no equivalent on the other.
fn differ(s: &[Seen], p: &[Seen], compare: Comparison) -> bool {
    let covered = |from: &[Seen], to: &[Seen]| from.iter().all(|x| to.iter().any(|y| equivalent(x, y, compare)));
    !(covered(s, p) && covered(p, s))
}

fn list(seen: &[Seen], redactor: &Redactor) -> String {
    seen.iter().map(|s| format!("`{}`", s.shown(redactor))).collect::<Vec<_>>().join(", ")
}

fn kind_notes(
    staging: &Plan<'_>,
    prod: &Plan<'_>,
    s_res: &[Res<'_>],
    p_res: &[Res<'_>],
    policy: &Policy,
    redactor: &Redactor,
) -> Vec<Note> {
    if policy.parity.is_empty() {
        return Vec::new();
    }
    let types = s_res.iter().chain(p_res).map(|r| r.type_);
    let changed = staging.changes.iter().chain(prod.changes.iter()).map(|c| c.type_.as_ref());
    let catalogue = Catalogue::new(policy, types.chain(changed));
    let sg = groups(s_res, Env::Staging, policy, &catalogue);
    let pg = groups(p_res, Env::Prod, policy, &catalogue);
    // Loose keys that name exactly one group on each side.
    let loose = |g: &BTreeMap<String, Group<'_>>| {
        let mut m: HashMap<String, Vec<String>> = HashMap::default();
        for k in g.keys() {
            m.entry(loose_key(k)).or_default().push(k.clone());
        }
        m
    };
    let (s_loose, p_loose) = (loose(&sg), loose(&pg));
    let s_changes = changes_by_address(staging, &catalogue);
    let p_changes = changes_by_address(prod, &catalogue);

    let pairs: Vec<(&Group<'_>, &Group<'_>)> = pg
        .iter()
        .filter_map(|(key, p)| {
            let s = sg.get(key).or_else(|| {
                let lk = loose_key(key);
                match (s_loose.get(&lk).map(Vec::as_slice), p_loose.get(&lk).map(Vec::as_slice)) {
                    (Some([only]), Some([_])) if !pg.contains_key(only) => sg.get(only),
                    _ => None,
                }
            })?;
            (s.type_ == p.type_).then_some((s, p))
        })
        .collect();
    let cx = Cx { policy, redactor };
    // Each pair reads its instances' values (the costly part), on every core.
    let per_pair = crate::par::map(&pairs, |&(s, p)| {
        let (s_sides, p_sides) = (Sides::new(s, &s_changes), Sides::new(p, &p_changes));
        let mut notes = Vec::new();
        let mut engine_differs = false;
        for &e in catalogue.of(p.type_) {
            let entry = &policy.parity[e];
            for attr in &entry.attributes {
                if let Some(note) = compare_attr(entry, attr, (&s_sides, &p_sides), p, &p_changes, cx) {
                    engine_differs |= attr.keys == ["engine"];
                    notes.push((entry.compare, note));
                }
            }
        }
        // Versions of two different engines do not compare: the engine's
        // finding is the one to act on.
        notes
            .into_iter()
            .filter(|(compare, _)| !(engine_differs && matches!(compare, Comparison::Major(_))))
            .map(|(_, n)| n)
            .collect::<Vec<_>>()
    });
    per_pair.into_iter().flatten().collect()
}

fn changes_by_address<'a>(plan: &'a Plan<'a>, catalogue: &Catalogue<'_>) -> HashMap<&'a str, &'a ResourceChange<'a>> {
    plan.changes
        .iter()
        .filter(|c| c.mode == Mode::Managed && c.deposed.is_none() && !catalogue.of(&c.type_).is_empty())
        .map(|c| (c.address.as_ref(), c))
        .collect()
}

/// A group's instances now, and before the plan (an instance the plan
/// creates has no before; read only when the values now differ), and
/// whether the plan creates any.
struct Sides<'g, 'a> {
    group: &'g Group<'a>,
    changes: &'g HashMap<&'a str, &'a ResourceChange<'a>>,
    now: Vec<View<'a>>,
    before: std::cell::OnceCell<Vec<View<'a>>>,
    created: bool,
}

impl<'g, 'a> Sides<'g, 'a> {
    fn new(group: &'g Group<'a>, changes: &'g HashMap<&'a str, &'a ResourceChange<'a>>) -> Sides<'g, 'a> {
        let now = group.instances.iter().map(|r| View::new(r.values, r.sensitive)).collect();
        let created =
            group.instances.iter().any(|r| changes.get(r.address).is_some_and(|c| c.action == Action::Create));
        Sides { group, changes, now, before: std::cell::OnceCell::new(), created }
    }

    fn before(&self) -> &[View<'a>] {
        self.before.get_or_init(|| {
            let mut out = Vec::new();
            for r in &self.group.instances {
                match self.changes.get(r.address) {
                    Some(c) if c.action == Action::Create => {}
                    Some(c) if c.action != Action::NoOp => {
                        out.push(View::new(c.values.before, c.values.before_sensitive))
                    }
                    _ => out.push(View::new(r.values, r.sensitive)),
                }
            }
            out
        })
    }
}

fn compare_attr(
    entry: &Parity,
    attr: &AttrPath,
    (s, p): (&Sides<'_, '_>, &Sides<'_, '_>),
    p_group: &Group<'_>,
    p_changes: &HashMap<&str, &ResourceChange<'_>>,
    cx: Cx<'_>,
) -> Option<Note> {
    let cmp = entry.compare;
    let (s_created, p_created) = (s.created, p.created);
    let sv = seen_values(&s.now, attr, cmp, Env::Staging, cx)?;
    let pv = seen_values(&p.now, attr, cmp, Env::Prod, cx)?;
    if !differ(&sv, &pv, cmp) {
        return None;
    }
    let (s_before, p_before) = (s.before(), p.before());
    let sb = seen_values(s_before, attr, cmp, Env::Staging, cx);
    let pb = seen_values(p_before, attr, cmp, Env::Prod, cx);
    let was_different = match (&sb, &pb) {
        (Some(sb), Some(pb)) => differ(sb, pb, cmp),
        _ => false,
    };
    let moved = |now: &[Seen], before: &Option<Vec<Seen>>| match before {
        Some(b) => differ(now, b, Comparison::Exact),
        None => false,
    };
    let mut how = Vec::new();
    if p_created {
        how.push("prod creates it so".to_owned());
    } else if moved(&pv, &pb) {
        how.push(format!("prod changes it from {}", list(pb.as_deref().unwrap_or_default(), cx.redactor)));
    }
    if s_created {
        how.push("staging creates it so".to_owned());
    } else if moved(&sv, &sb) {
        how.push(format!("staging changes it from {}", list(sb.as_deref().unwrap_or_default(), cx.redactor)));
    }
    let origin_of_gap = if was_different || how.is_empty() {
        "the difference predates this plan".to_owned()
    } else {
        format!("this plan introduces the difference ({})", how.join("; "))
    };
    let what = match cmp {
        Comparison::Exact => String::new(),
        Comparison::Major(Some(n)) => {
            format!(" (compared by the first {n} version part{})", if n == 1 { "" } else { "s" })
        }
        Comparison::Major(None) => " (compared by major version)".to_owned(),
        Comparison::Presence => " (set in one, not the other)".to_owned(),
    };
    let changes: Vec<String> = p_group
        .instances
        .iter()
        .filter(|r| p_changes.get(r.address).is_some_and(|c| c.is_change()))
        .map(|r| r.address.to_owned())
        .collect();
    Some(Note {
        id: RuleId::ParityKind,
        env: Env::Prod,
        address: p_group.address.to_owned(),
        changes,
        message: format!(
            "`{}` differs in kind{what}: staging {}, prod {}; {origin_of_gap}. Expected: {}",
            attr.text,
            list(&sv, cx.redactor),
            list(&pv, cx.redactor),
            entry.reason
        ),
        origin: Some(entry.origin.clone()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::{Source, parse_plan};
    use serde_json::json;

    #[test]
    fn loose_keys_drop_every_instance_key() {
        assert_eq!(loose_key("module.db[\"eu-stg\"].aws_db_instance.main"), "module.db.aws_db_instance.main");
        assert_eq!(loose_key("module.a[0].module.b[\"x]\"].t.n"), "module.a.module.b.t.n");
        assert_eq!(loose_key("t.a]b[1]"), "t.a]b", "a stray `]` outside brackets is kept");
    }

    #[test]
    fn folded_paths_walk_lists_and_stop_at_unknowns() {
        let raw =
            serde_json::to_string(&json!({"settings": [{"ip": [{"on": true}, {"on": false}]}], "n": null})).unwrap();
        let raw: RawJson<'_> = serde_json::from_str(&raw).unwrap();
        let keys = |s: &str| s.split('.').map(str::to_owned).collect::<Vec<_>>();
        let view = View::new(Some(raw), None);
        assert_eq!(view.leaves(&keys("settings.ip.on")), Some(vec![json!(true), json!(false)]));
        assert_eq!(view.leaves(&keys("n.x")), Some(vec![]));
        assert_eq!(view.leaves(&keys("missing")), None);
        assert!(marked(&json!({"settings": [{"ip": true}]}), &keys("settings.ip.on")));
        assert!(!marked(&json!({"settings": [{"other": true}]}), &keys("settings.ip.on")));
    }

    /// A plan with the given `planned_values` resources and changes.
    fn plan_json(resources: Value, changes: Value) -> String {
        json!({
            "format_version": "1.2",
            "terraform_version": "1.9.8",
            "planned_values": {"root_module": {"resources": resources}},
            "resource_changes": changes,
        })
        .to_string()
    }

    fn res(address: &str, type_: &str, values: Value) -> Value {
        json!({"address": address, "mode": "managed", "type": type_, "name": "x", "values": values, "sensitive_values": {}})
    }

    fn noop(address: &str, type_: &str, values: &Value) -> Value {
        json!({"address": address, "mode": "managed", "type": type_, "name": "x",
               "change": {"actions": ["no-op"], "before": values, "after": values}})
    }

    fn update(address: &str, type_: &str, before: &Value, after: &Value) -> Value {
        json!({"address": address, "mode": "managed", "type": type_, "name": "x",
               "change": {"actions": ["update"], "before": before, "after": after}})
    }

    fn policy() -> Policy {
        crate::policy::load_paths(&[], false).expect("built-in pack")
    }

    fn notes(staging: &str, prod: &str) -> Vec<Note> {
        let (s, p) = (Source::new("staging.json", staging.into()), Source::new("prod.json", prod.into()));
        let (s, p) = (parse_plan(&s).unwrap(), parse_plan(&p).unwrap());
        check(&s, &p, &policy(), &Redactor::default())
    }

    fn db(engine: &str, version: &str, class: &str, id: &str) -> Value {
        json!({"engine": engine, "engine_version": version, "instance_class": class, "identifier": id,
               "allocated_storage": 20, "storage_encrypted": true, "publicly_accessible": false})
    }

    /// A plan whose only resource is `aws_db_instance.main`, unchanged.
    fn unchanged_db(values: &Value) -> String {
        plan_json(
            json!([res("aws_db_instance.main", "aws_db_instance", values.clone())]),
            json!([noop("aws_db_instance.main", "aws_db_instance", values)]),
        )
    }

    /// Without `planned_values`, the resulting state is every managed,
    /// current change that keeps its object.
    #[test]
    fn resulting_state_without_planned_values() {
        let rc = |address: &str, mode: &str, actions: &[&str], deposed: Option<&str>| {
            let mut c = json!({"address": address, "mode": mode, "type": "t", "name": "x",
                "change": {"actions": actions, "before": {"v": 1}, "after": {"v": 2}}});
            if let Some(d) = deposed {
                c["deposed"] = json!(d);
            }
            c
        };
        let doc = json!({"format_version": "1.2", "resource_changes": [
            rc("t.create", "managed", &["create"], None),
            rc("t.update", "managed", &["update"], None),
            rc("t.noop", "managed", &["no-op"], None),
            rc("t.replace", "managed", &["delete", "create"], None),
            rc("t.delete", "managed", &["delete"], None),
            rc("t.forget", "managed", &["forget"], None),
            rc("t.old", "managed", &["delete"], Some("00000001")),
            rc("data.t.read", "data", &["read"], None),
        ]})
        .to_string();
        let source = Source::new("plan.json", doc.into());
        let plan = parse_plan(&source).unwrap();
        let got: Vec<&str> = resulting(&plan).iter().map(|r| r.address).collect();
        assert_eq!(got, ["t.create", "t.update", "t.noop", "t.replace"]);
    }

    #[test]
    fn kind_differs_quantity_and_identity_do_not() {
        let s = db("postgres", "15.4", "db.t3.medium", "app-stg");
        let p = db("postgres", "15.7", "db.r6g.2xlarge", "app-prd");
        let staging = unchanged_db(&s);
        let prod = unchanged_db(&p);
        assert_eq!(notes(&staging, &prod), vec![], "minor version, size and name may differ");

        let p2 = db("postgres", "16.1", "db.r6g.2xlarge", "app-prd");
        let prod = plan_json(
            json!([res("aws_db_instance.main", "aws_db_instance", p2.clone())]),
            json!([update("aws_db_instance.main", "aws_db_instance", &p, &p2)]),
        );
        let n = notes(&staging, &prod);
        assert_eq!(n.len(), 1, "{n:?}");
        assert_eq!((n[0].id, n[0].address.as_str()), (RuleId::ParityKind, "aws_db_instance.main"));
        assert!(n[0].message.starts_with("`engine_version` differs in kind (compared by major version): staging `15.4`, prod `16.1`; this plan introduces the difference (prod changes it from `15.7`)"), "{}", n[0].message);
        assert_eq!(n[0].changes, ["aws_db_instance.main"]);
    }

    #[test]
    fn engine_mismatch_that_predates_the_plan() {
        let s = db("postgres", "15.4", "db.t3.medium", "a");
        let p = db("mysql", "8.0.35", "db.t3.medium", "a");
        let staging = unchanged_db(&s);
        let prod = unchanged_db(&p);
        let n = notes(&staging, &prod);
        let msgs: Vec<&str> = n.iter().map(|n| n.message.as_str()).collect();
        // One finding: the versions of two engines do not compare.
        assert_eq!(n.len(), 1, "{msgs:?}");
        assert!(
            msgs[0].starts_with(
                "`engine` differs in kind: staging `postgres`, prod `mysql`; the difference predates this plan."
            ),
            "{msgs:?}"
        );
        assert!(n[0].changes.is_empty());
        // The same engine at another major version is a version finding.
        let p = db("postgres", "16.2", "db.t3.medium", "a");
        let n = notes(&staging, &unchanged_db(&p));
        assert_eq!(n.len(), 1, "{n:?}");
        assert!(n[0].message.starts_with("`engine_version` differs"), "{}", n[0].message);
    }

    #[test]
    fn instances_compare_together_and_addresses_normalize() {
        let lb = |t: &str| json!({"load_balancer_type": t, "internal": false, "name": "x"});
        let staging =
            plan_json(json!([res("module.app[\"staging\"].aws_lb.web[0]", "aws_lb", lb("application"))]), json!([]));
        let prod = plan_json(
            json!([
                res("module.app[\"prod\"].aws_lb.web[0]", "aws_lb", lb("application")),
                res("module.app[\"prod\"].aws_lb.web[1]", "aws_lb", lb("application")),
                res("module.app[\"prod\"].aws_lb.web[2]", "aws_lb", lb("application")),
            ]),
            json!([]),
        );
        assert_eq!(notes(&staging, &prod), vec![], "three of the same kind against one");
        let prod = plan_json(
            json!([
                res("module.app[\"prod\"].aws_lb.web[0]", "aws_lb", lb("application")),
                res("module.app[\"prod\"].aws_lb.web[1]", "aws_lb", lb("network")),
            ]),
            json!([]),
        );
        let n = notes(&staging, &prod);
        assert_eq!(n.len(), 1, "{n:?}");
        assert_eq!(n[0].address, "module.app[\"prod\"].aws_lb.web");
        assert!(n[0].message.contains("staging `application`, prod `application`, `network`"), "{}", n[0].message);
    }

    #[test]
    fn token_versions_and_presence() {
        let sql = |v: &str, net: Value| json!({"database_version": v, "settings": [{"tier": "db-f1", "ip_configuration": [{"ipv4_enabled": false, "private_network": net, "ssl_mode": "ENCRYPTED_ONLY"}], "connector_enforcement": "NOT_REQUIRED", "edition": "ENTERPRISE"}], "encryption_key_name": null});
        let t = "google_sql_database_instance";
        let staging = plan_json(
            json!([res("google_sql_database_instance.db", t, sql("MYSQL_8_0_28", json!("projects/s/networks/n")))]),
            json!([]),
        );
        let same = plan_json(
            json!([res("google_sql_database_instance.db", t, sql("MYSQL_8_0_37", json!("projects/p/networks/n")))]),
            json!([]),
        );
        assert_eq!(notes(&staging, &same), vec![]);
        let other =
            plan_json(json!([res("google_sql_database_instance.db", t, sql("MYSQL_8_4", json!(null)))]), json!([]));
        let n = notes(&staging, &other);
        let msgs: Vec<&str> = n.iter().map(|n| n.message.as_str()).collect();
        assert_eq!(n.len(), 2, "{msgs:?}");
        assert!(msgs[0].starts_with("`database_version` differs in kind"), "{msgs:?}");
        assert!(msgs[1].starts_with("`settings.ip_configuration.private_network` differs in kind (set in one, not the other): staging `set`, prod `not set`"), "{msgs:?}");
    }

    #[test]
    fn sensitive_kind_values_are_masked() {
        let t = "aws_lb_listener";
        let v = |p: &str| json!({"protocol": p, "port": 443, "ssl_policy": "x", "certificate_arn": "arn"});
        let staging = plan_json(json!([res("aws_lb_listener.l", t, v("HTTPS"))]), json!([]));
        let mut prod_res = res("aws_lb_listener.l", t, v("TLS"));
        prod_res["sensitive_values"] = json!({"protocol": true});
        let prod = plan_json(json!([prod_res]), json!([]));
        let n = notes(&staging, &prod);
        assert_eq!(n.len(), 1);
        assert!(n[0].message.contains("prod `(sensitive)`") && !n[0].message.contains("`TLS`"), "{}", n[0].message);
    }

    #[test]
    fn types_only_one_side_has() {
        let waf = json!({"name": "w"});
        let staging =
            plan_json(json!([res("aws_sqs_queue.q", "aws_sqs_queue", json!({"fifo_queue": false}))]), json!([]));
        let prod = plan_json(
            json!([res("aws_wafv2_web_acl.edge", "aws_wafv2_web_acl", waf.clone())]),
            json!([{"address": "aws_wafv2_web_acl.edge", "mode": "managed", "type": "aws_wafv2_web_acl", "name": "edge",
                    "change": {"actions": ["create"], "before": null, "after": waf}}]),
        );
        let n = notes(&staging, &prod);
        assert_eq!(n.len(), 2, "{n:?}");
        assert_eq!(
            (n[0].id, n[0].address.as_str(), n[0].env),
            (RuleId::TypeNotInStaging, "aws_wafv2_web_acl.edge", Env::Prod)
        );
        assert!(n[0].message.contains("(this plan creates it)"), "{}", n[0].message);
        assert_eq!(n[0].changes, ["aws_wafv2_web_acl.edge"]);
        assert_eq!(
            (n[1].id, n[1].address.as_str(), n[1].env),
            (RuleId::TypeNotInProd, "aws_sqs_queue.q", Env::Staging)
        );
    }
}
