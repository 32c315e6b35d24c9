//! One-way changes: prod edits that promoting the previous artifact cannot
//! undo (`[[one_way]]`), and what the rollback would do instead.
//!
//! Only in-place updates are edits here. An edit matches an entry when the change touches the entry's attribute
//! (at, above or below its folded path) and the old and new values there go
//! the entry's direction: sizes by quantity (`20Gi`), versions as versions
//! (`9.6 < 10.1`), flags by truth. Pure; values shown are masked.

use std::cmp::Ordering;
use std::collections::HashMap;

use crate::plan::RawJson;
use serde::Serialize;
use serde_json::Value;

use super::parity::{View, is_set, marked};
use super::redact::{Redactor, SENSITIVE};
use super::version::{Version, quantity};
use crate::plan::{Action, Path, ResourceChange, Step, escape_for_message, value};
use crate::policy::{Direction, OneWay, Outcome, Policy};

/// A one-way edit found in a prod change.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Rollback {
    pub address: String,
    /// The attribute, as the `[[one_way]]` entry names it.
    pub path: String,
    pub direction: &'static str,
    pub outcome: Outcome,
    /// The old and new values for people: masked and escaped, or
    /// `(sensitive)`, or `(unset)`.
    pub before: String,
    pub after: String,
    pub reason: String,
    pub source: String,
    /// The resource is stateful, so a replacing rollback would also be
    /// blocked by `stateful-destroy`.
    pub stateful: bool,
    /// The `[[one_way]]` entry.
    #[serde(skip)]
    pub origin: crate::policy::Origin,
    /// Set once findings are final: the `one-way` finding's index.
    #[serde(skip)]
    pub finding: Option<usize>,
}

impl Rollback {
    /// The `one-way` finding's message.
    pub fn message(&self) -> String {
        format!(
            "`{}` {} -> {} ({}) cannot be undone by promoting the previous artifact: {} ({}). Why: {}",
            self.path,
            quote(&self.before),
            quote(&self.after),
            self.direction,
            self.outcome.rollback(),
            self.outcome.name(),
            self.reason
        )
    }

    /// What promoting the previous artifact would do, in one sentence.
    pub fn what_rollback_does(&self) -> String {
        format!("setting `{}` back to {}: {}", self.path, quote(&self.before), self.consequence())
    }

    /// The outcome in words, plus plangate's own block where it applies.
    pub fn consequence(&self) -> String {
        let mut s = self.outcome.rollback().to_owned();
        if self.stateful && self.outcome == Outcome::Replace {
            s.push_str(", which plangate blocks for a stateful resource (stateful-destroy)");
        }
        s
    }
}

/// A shown value in a sentence: in backticks, unless it is a placeholder.
fn quote(v: &str) -> String {
    if v == SENSITIVE || v == UNSET { v.to_owned() } else { format!("`{v}`") }
}

/// How an absent or null value is shown.
pub const UNSET: &str = "(unset)";

/// The `[[one_way]]` entries of each type seen, computed once per type.
struct ByType<'p> {
    entries: &'p [OneWay],
    cache: HashMap<String, Vec<usize>>,
}

impl ByType<'_> {
    fn of(&mut self, type_: &str) -> &[usize] {
        if !self.cache.contains_key(type_) {
            let hits = self.entries.iter().enumerate().filter(|(_, e)| e.type_.is_match(type_)).map(|(i, _)| i);
            self.cache.insert(type_.to_owned(), hits.collect());
        }
        &self.cache[type_]
    }
}

/// One prod change to check: the raw change and the attribute paths it
/// touches.
pub struct Edit<'c, 'a> {
    pub change: &'c ResourceChange<'a>,
    pub paths: &'c [Path],
}

/// The one-way edits among prod's changes, in the order given, each with the
/// index of its edit.
pub fn check(edits: &[Edit<'_, '_>], policy: &Policy, redactor: &Redactor) -> Vec<(usize, Rollback)> {
    let mut by_type = ByType { entries: &policy.one_way, cache: HashMap::new() };
    let mut out = Vec::new();
    if policy.one_way.is_empty() {
        return out;
    }
    for (i, edit) in edits.iter().enumerate() {
        let c = edit.change;
        // A replacement creates a new object: going back replaces it again
        // (and `stateful-destroy` already speaks for stateful ones).
        if c.action != Action::Update || c.values.before.is_none() {
            continue;
        }
        for &e in by_type.of(&c.type_).to_vec().iter() {
            let entry = &policy.one_way[e];
            if !edit.paths.iter().any(|p| related(p, &entry.path.keys)) {
                continue;
            }
            if let Some(hit) = match_entry(c, entry, redactor) {
                out.push((i, hit));
            }
        }
    }
    out
}

/// Whether a changed path is the entry's attribute, inside it, or a block
/// holding it (list indices ignored).
fn related(path: &Path, keys: &[String]) -> bool {
    let mut names = path.0.iter().filter_map(|s| match s {
        Step::Key(k) => Some(k.as_str()),
        Step::Index(_) => None,
    });
    for k in keys {
        match names.next() {
            Some(n) if n == k => {}
            Some(_) => return false,
            None => return true,
        }
    }
    true
}

fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn truthy(v: &Value) -> bool {
    matches!(v, Value::Bool(true)) || matches!(v, Value::String(s) if s == "true")
}

fn ordered(b: &Value, a: &Value, versions: bool) -> Option<Ordering> {
    let (b, a) = (scalar_text(b)?, scalar_text(a)?);
    if versions { Version::parse(&b)?.compare(&Version::parse(&a)?) } else { quantity(&b)?.partial_cmp(&quantity(&a)?) }
}

/// Whether `before -> after` goes the direction.
pub fn goes(direction: Direction, before: &Value, after: &Value) -> bool {
    match direction {
        Direction::Increase => ordered(before, after, false) == Some(Ordering::Less),
        Direction::Decrease => ordered(before, after, false) == Some(Ordering::Greater),
        Direction::Upgrade => ordered(before, after, true) == Some(Ordering::Less),
        Direction::Downgrade => ordered(before, after, true) == Some(Ordering::Greater),
        Direction::Enable => !truthy(before) && truthy(after),
        Direction::Disable => truthy(before) && !truthy(after),
        Direction::Change => is_set(before) && before != after,
        Direction::Set => !is_set(before) && is_set(after),
    }
}

fn allowed(list: &[String], v: &Value) -> bool {
    list.is_empty() || scalar_text(v).is_some_and(|t| list.contains(&t))
}

fn match_entry(c: &ResourceChange<'_>, entry: &OneWay, redactor: &Redactor) -> Option<Rollback> {
    let keys = &entry.path.keys;
    let before = View::new(c.values.before, None).leaves(keys)?;
    // An attribute unknown until apply cannot be judged yet.
    let after = View::new(c.values.after, None).leaves(keys)?;
    let n = before.len().max(after.len());
    let null = Value::Null;
    let hit = (0..n).find(|&i| {
        let (b, a) = (before.get(i).unwrap_or(&null), after.get(i).unwrap_or(&null));
        goes(entry.direction, b, a) && allowed(&entry.from, b) && allowed(&entry.to, a)
    })?;
    let secret = |mirror: Option<RawJson<'_>>| mirror.is_some_and(|m| marked(&value::parse(Some(m)), keys));
    let show = |v: &Value, secret: bool| {
        if secret {
            return SENSITIVE.to_owned();
        }
        if v.is_null() {
            return UNSET.to_owned();
        }
        let text = scalar_text(v).unwrap_or_else(|| v.to_string());
        let masked = redactor.mask(&text);
        let mut s = escape_for_message(&masked);
        if s.chars().count() > 80 {
            s = s.chars().take(80).collect::<String>() + "…";
        }
        s
    };
    Some(Rollback {
        address: c.address.to_string(),
        path: entry.path.text.clone(),
        direction: entry.direction.name(),
        outcome: entry.outcome,
        before: show(before.get(hit).unwrap_or(&null), secret(c.values.before_sensitive)),
        after: show(after.get(hit).unwrap_or(&null), secret(c.values.after_sensitive)),
        reason: entry.reason.clone(),
        source: entry.source.clone(),
        stateful: false,
        origin: entry.origin.clone(),
        finding: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::{Source, parse_plan};
    use serde_json::json;

    #[test]
    fn directions() {
        use Direction::*;
        let cases = [
            (Increase, json!(20), json!(50), true),
            (Increase, json!(50), json!(20), false),
            (Increase, json!("10Gi"), json!("20Gi"), true),
            (Decrease, json!(30), json!(7), true),
            (Upgrade, json!("15.4"), json!("16.1"), true),
            (Upgrade, json!("9.6"), json!("10.1"), true),
            (Upgrade, json!("1.29"), json!("1.30"), true),
            (Upgrade, json!("1.30"), json!("1.29"), false),
            (Upgrade, json!("POSTGRES_14"), json!("POSTGRES_15"), true),
            (Upgrade, json!("POSTGRES_14"), json!("MYSQL_8_0"), false),
            (Downgrade, json!("13.10"), json!("13.7"), true),
            (Enable, json!(false), json!(true), true),
            (Enable, Value::Null, json!(true), true),
            (Enable, json!(true), json!(true), false),
            (Disable, json!(true), json!(false), true),
            (Change, json!("a"), json!("b"), true),
            (Change, Value::Null, json!("b"), false),
            (Set, Value::Null, json!([{"k": 1}]), true),
            (Set, json!(""), json!("x"), true),
            (Set, json!("x"), json!("y"), false),
            (Set, Value::Null, Value::Null, false),
            (Set, json!("x"), Value::Null, false),
            (Increase, json!(20), json!(20), false),
            (Increase, json!(1), json!("2"), true),
            (Increase, json!("abc"), json!("def"), false),
            (Increase, json!(true), json!(2), false),
            (Decrease, json!(7), json!(30), false),
            (Decrease, json!(30), json!(30), false),
            (Upgrade, json!("15.4"), json!("15.4"), false),
            (Upgrade, json!("latest"), json!("16.1"), false),
            (Downgrade, json!("13.7"), json!("13.10"), false),
            (Downgrade, json!("16"), json!("15.2"), true),
            (Enable, json!("false"), json!("true"), true),
            (Enable, json!(1), json!(true), true),
            (Enable, json!(false), json!(false), false),
            (Disable, json!(false), json!(true), false),
            (Disable, json!(true), json!(true), false),
            (Disable, json!("true"), Value::Null, true),
            (Change, json!("a"), json!("a"), false),
            (Change, json!(1), json!(2), true),
            (Change, json!(""), json!("b"), false),
        ];
        for (d, b, a, want) in cases {
            assert_eq!(goes(d, &b, &a), want, "{d:?} {b} -> {a}");
        }
    }

    #[test]
    fn paths_relate_through_blocks() {
        let keys: Vec<String> = ["spec", "resources", "requests", "storage"].map(str::to_owned).to_vec();
        let p = |v: Value| Path::from_json(&v).unwrap();
        assert!(related(&p(json!(["spec", 0, "resources", 0, "requests", "storage"])), &keys));
        assert!(related(&p(json!(["spec", 0, "resources"])), &keys), "a whole block changes");
        assert!(!related(&p(json!(["spec", 0, "selector"])), &keys));
        assert!(related(&p(json!(["encryption_config", 0, "provider"])), &["encryption_config".to_owned()]));
    }

    fn rollbacks(type_: &str, before: Value, after: Value) -> Vec<Rollback> {
        rollbacks_with(type_, before, after, json!({}))
    }

    fn rollbacks_with(type_: &str, before: Value, after: Value, after_sensitive: Value) -> Vec<Rollback> {
        rollbacks_of(&["update"], type_, before, after, after_sensitive)
    }

    fn rollbacks_of(
        actions: &[&str],
        type_: &str,
        before: Value,
        after: Value,
        after_sensitive: Value,
    ) -> Vec<Rollback> {
        let text = json!({
            "format_version": "1.2",
            "resource_changes": [{"address": format!("{type_}.x"), "mode": "managed", "type": type_, "name": "x",
                "change": {"actions": actions, "before": before, "after": after, "after_unknown": {},
                           "before_sensitive": {}, "after_sensitive": after_sensitive}}],
        })
        .to_string();
        let source = Source::new("prod.json", text.into_bytes());
        let plan = parse_plan(&source).unwrap();
        let c = &plan.changes[0];
        let unknown = json!({});
        let s = [value::parse(c.values.before_sensitive), value::parse(c.values.after_sensitive)];
        let paths = value::changed_paths(c.values.before, c.values.after, &unknown, [&s[0], &s[1]]);
        let policy = crate::policy::load_paths(&[], false).unwrap();
        let edits = [Edit { change: c, paths: &paths }];
        check(&edits, &policy, &Redactor::new(vec!["hunter22".into()])).into_iter().map(|(_, r)| r).collect()
    }

    #[test]
    fn storage_increase_and_engine_upgrade_are_one_way() {
        let before = json!({"allocated_storage": 100, "engine_version": "15.4", "instance_class": "db.r6g.large", "tags": {"a": "1"}});
        let after = json!({"allocated_storage": 200, "engine_version": "16.1", "instance_class": "db.r6g.xlarge", "tags": {"a": "2"}});
        let r = rollbacks("aws_db_instance", before, after);
        let got: Vec<(&str, &str, &str)> =
            r.iter().map(|r| (r.path.as_str(), r.before.as_str(), r.outcome.name())).collect();
        assert_eq!(got, [("allocated_storage", "100", "error"), ("engine_version", "15.4", "error")]);
        assert!(
            r[1].message().starts_with("`engine_version` `15.4` -> `16.1` (upgrade) cannot be undone"),
            "{}",
            r[1].message()
        );
    }

    #[test]
    fn only_in_place_updates_are_one_way() {
        let (before, after) = (json!({"allocated_storage": 100}), json!({"allocated_storage": 200}));
        assert_eq!(rollbacks_of(&["update"], "aws_db_instance", before.clone(), after.clone(), json!({})).len(), 1);
        for actions in [&["delete", "create"][..], &["create", "delete"], &["create"]] {
            let before = if actions == ["create"] { Value::Null } else { before.clone() };
            let r = rollbacks_of(actions, "aws_db_instance", before, after.clone(), json!({}));
            assert_eq!(r, vec![], "{actions:?}");
        }
    }

    #[test]
    fn long_values_are_cut_at_80_characters() {
        for (n, want) in [(80, "x".repeat(80)), (81, "x".repeat(80) + "…")] {
            let r = rollbacks("aws_lambda_function", json!({"runtime": "a"}), json!({"runtime": "x".repeat(n)}));
            assert_eq!(r[0].after, want, "{n}");
        }
    }

    #[test]
    fn tags_sizes_and_decreases_are_not() {
        let before = json!({"allocated_storage": 200, "instance_class": "db.r6g.large", "tags": {"a": "1"}, "engine_version": "16.1"});
        let after = json!({"allocated_storage": 200, "instance_class": "db.r6g.xlarge", "tags": {"a": "2"}, "engine_version": "16.1"});
        assert_eq!(rollbacks("aws_db_instance", before, after), vec![]);
    }

    #[test]
    fn nested_kubernetes_storage_and_version_bumps() {
        let pvc =
            |s: &str| json!({"spec": [{"resources": [{"requests": {"storage": s}}], "storage_class_name": "gp3"}]});
        let r = rollbacks("kubernetes_persistent_volume_claim_v1", pvc("10Gi"), pvc("20Gi"));
        assert_eq!(r.len(), 1);
        assert_eq!((r[0].path.as_str(), r[0].outcome), ("spec.resources.requests.storage", Outcome::Replace));
        assert_eq!(rollbacks("kubernetes_persistent_volume_claim_v1", pvc("20Gi"), pvc("10Gi")), vec![]);
        let r = rollbacks("aws_eks_cluster", json!({"version": "1.29"}), json!({"version": "1.30"}));
        assert_eq!((r.len(), r[0].before.as_str(), r[0].after.as_str()), (1, "1.29", "1.30"));
    }

    #[test]
    fn from_and_to_restrict_and_values_are_masked() {
        let r = rollbacks(
            "azurerm_storage_account",
            json!({"account_kind": "Storage"}),
            json!({"account_kind": "StorageV2"}),
        );
        assert_eq!(r.len(), 1);
        let r = rollbacks(
            "azurerm_storage_account",
            json!({"account_kind": "BlobStorage"}),
            json!({"account_kind": "StorageV2"}),
        );
        assert_eq!(r, vec![]);
        let r = rollbacks_with(
            "aws_lambda_function",
            json!({"runtime": "python3.8"}),
            json!({"runtime": "hunter22"}),
            json!({}),
        );
        assert_eq!(r[0].after, "(sensitive)");
        let r = rollbacks_with(
            "aws_lambda_function",
            json!({"runtime": "a"}),
            json!({"runtime": "b"}),
            json!({"runtime": true}),
        );
        assert_eq!(r[0].after, "(sensitive)");
    }
}
