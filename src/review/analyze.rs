//! Per-change analysis: the attribute paths a change touches (with what the
//! mirrors mark at each), its shape for matching, and masked
//! `before -> after` display diffs.
//!
//! Each change's values are parsed once, here, and dropped before the next
//! change: memory stays proportional to the largest single resource.

use serde_json::Value;

use super::edits::LeafMark;
use super::redact::{Redactor, SENSITIVE};
use super::{Change, OutputLine};
use crate::plan::value::{self, Mark, mark_at};
use crate::plan::{Action, Path, Plan, ResourceChange};
use crate::policy::Policy;

/// At most this many attribute lines are shown per change.
pub const MAX_ATTRIBUTES: usize = 200;
/// Single-line values longer than this are cut.
const MAX_VALUE_CHARS: usize = 2000;
pub const UNKNOWN: &str = "(known after apply)";

/// How one side of an attribute change is shown.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Shown {
    /// A scalar or compact collection, as JSON text (masked).
    Value(String),
    /// A multi-line string (masked), shown as a line diff.
    Text(String),
    /// A JSON-encoded string, pretty-printed (masked), shown as a line diff.
    Json(String),
    /// Known after apply.
    Unknown,
    /// Marked sensitive.
    Sensitive,
}

impl Shown {
    /// One-line form.
    pub fn inline(&self) -> String {
        match self {
            Shown::Value(s) => s.clone(),
            Shown::Text(s) | Shown::Json(s) => serde_json::to_string(s).unwrap_or_default(),
            Shown::Unknown => UNKNOWN.to_owned(),
            Shown::Sensitive => SENSITIVE.to_owned(),
        }
    }

    /// The text to line-diff, for multi-line values.
    pub fn lines(&self) -> Option<&str> {
        match self {
            Shown::Text(s) | Shown::Json(s) => Some(s),
            _ => None,
        }
    }
}

/// Attributes that name an object, in the order a reviewer looks for them:
/// what a deleted or replaced object is called, then its ARN or id.
const NAME_PATHS: &[&[&str]] =
    &[&["name"], &["bucket"], &["identifier"], &["cluster_identifier"], &["function_name"], &["metadata", "0", "name"]];
const ID_PATHS: &[&[&str]] = &[&["arn"], &["id"]];
/// At most this many names, plus one ARN or id.
const MAX_NAMES: usize = 2;

/// One attribute's change, for display. `None` on a side means absent or null.
#[derive(Clone, Debug)]
pub struct AttrDiff {
    pub path: String,
    pub before: Option<Shown>,
    pub after: Option<Shown>,
    pub forces_replacement: bool,
}

pub(super) struct AnalysedPlan {
    pub changes: Vec<Change>,
    pub outputs: Vec<OutputLine>,
}

/// Which changes get display diffs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Diffs {
    None,
    /// Only destroying and forgetting changes (staging's context).
    Destructive,
    All,
}

impl Diffs {
    fn wanted(self, c: &ResourceChange<'_>) -> bool {
        match self {
            Diffs::None => false,
            Diffs::Destructive => c.action.destroys() || matches!(c.action, Action::Forget | Action::ReplaceForget),
            Diffs::All => true,
        }
    }
}

/// The plan entries [`analyze_plan`] analyses, in the order of its changes.
pub(super) fn sources<'p, 'a>(plan: &'p Plan<'a>) -> Vec<&'p ResourceChange<'a>> {
    plan.changes.iter().chain(&plan.deferred).filter(|c| c.is_change()).collect()
}

pub(super) fn analyze_plan(plan: &Plan<'_>, policy: &Policy, redactor: &Redactor, diffs: Diffs) -> AnalysedPlan {
    let todo = sources(plan);
    let changes = crate::par::map(&todo, |c| analyze_change(c, policy, redactor, diffs.wanted(c)));
    let diffs = diffs == Diffs::All;
    let outputs = plan
        .outputs
        .iter()
        .filter(|o| o.action != Action::NoOp)
        .map(|o| {
            let diff = diffs.then(|| {
                let unknown = value::parse(o.values.after_unknown);
                let shown = |raw, unknown: &Value| {
                    if o.sensitive {
                        Some(Shown::Sensitive)
                    } else {
                        show(Some(&value::parse(raw)), &Value::Null, unknown, redactor)
                    }
                };
                AttrDiff {
                    path: o.name.to_string(),
                    before: shown(o.values.before, &Value::Null),
                    after: if o.values.after.is_none() && o.action != Action::Delete {
                        Some(Shown::Unknown)
                    } else {
                        shown(o.values.after, &unknown)
                    },
                    forces_replacement: false,
                }
            });
            OutputLine { name: o.name.to_string(), action: o.action, sensitive: o.sensitive, diff }
        })
        .collect();
    AnalysedPlan { changes, outputs }
}

/// Prod's drift, filtered by `relevant_attributes` when the plan has it.
pub(super) fn relevant_drift(plan: &Plan<'_>, policy: &Policy, redactor: &Redactor, diffs: bool) -> Vec<Change> {
    plan.drift
        .iter()
        .filter(|d| d.action != Action::NoOp)
        .filter(|d| match &plan.relevant {
            None => true,
            Some(list) => list.iter().any(|r| r == &d.address || r.as_ref() == d.resource_address()),
        })
        .map(|d| analyze_change(d, policy, redactor, diffs))
        .collect()
}

fn analyze_change(c: &ResourceChange<'_>, policy: &Policy, redactor: &Redactor, diffs: bool) -> Change {
    let needs_paths = matches!(
        c.action,
        Action::Update | Action::ReplaceDestroyFirst | Action::ReplaceCreateFirst | Action::ReplaceForget
    );
    let needs_values = needs_paths || (diffs && c.action == Action::Create);
    let mut changed_paths = Vec::new();
    let mut kept_paths = Vec::new();
    let mut marks = Vec::new();
    let mut shape = Vec::new();
    let mut attributes = Vec::new();
    let identity = if diffs && (c.action.destroys() || matches!(c.action, Action::Forget | Action::ReplaceForget)) {
        identity(c, redactor)
    } else {
        Vec::new()
    };
    if needs_values {
        let unknown = value::parse_mirror(c.values.after_unknown);
        let before_s = value::parse_mirror(c.values.before_sensitive);
        let after_s = value::parse_mirror(c.values.after_sensitive);
        let paths = value::changed_paths(c.values.before, c.values.after, &unknown, [&before_s, &after_s]);
        if needs_paths {
            changed_paths = paths.iter().map(|p| redactor.masked(p.to_string())).collect();
            shape = paths.iter().filter(|p| !policy.ignores(p)).map(Path::shape).collect();
            shape.sort();
            shape.dedup();
            kept_paths = paths.clone();
            marks = paths
                .iter()
                .map(|p| LeafMark {
                    unknown: mark_at(&unknown, p) == Mark::Whole,
                    sensitive: mark_at(&before_s, p) != Mark::None || mark_at(&after_s, p) != Mark::None,
                })
                .collect();
        }
        if diffs {
            let (before, after) = (value::RawLookup::new(c.values.before), value::RawLookup::new(c.values.after));
            for p in paths.iter().take(MAX_ATTRIBUTES) {
                let b = before.get(p).map(|r| value::parse(Some(r)));
                let a = after.get(p).map(|r| value::parse(Some(r)));
                let unk = match mark_at(&unknown, p) {
                    Mark::Whole => Value::Bool(true),
                    Mark::Partial(m) => m.clone(),
                    Mark::None => Value::Null,
                };
                let before = show(b.as_ref(), &sub_mirror(&before_s, p), &Value::Null, redactor);
                let mut after = show(a.as_ref(), &sub_mirror(&after_s, p), &unk, redactor);
                // The value changed, but only in parts that are masked: say
                // so, or the line would read like a no-op.
                if let (Some(b), Some(a)) = (&before, &after)
                    && b == a
                    && !matches!(a, Shown::Sensitive | Shown::Unknown)
                {
                    after = Some(Shown::Value(format!("{} (changed in a masked part)", a.inline())));
                }
                attributes.push(AttrDiff {
                    path: redactor.masked(p.to_string()),
                    before,
                    after,
                    forces_replacement: c.replace_paths.iter().any(|r| p.starts_with(r) || r.starts_with(p)),
                });
            }
            if paths.len() > MAX_ATTRIBUTES {
                attributes.push(AttrDiff {
                    path: format!("({} more attributes not shown)", paths.len() - MAX_ATTRIBUTES),
                    before: None,
                    after: None,
                    forces_replacement: false,
                });
            }
        }
    }
    Change {
        address: c.address.to_string(),
        previous_address: c.previous_address.as_deref().filter(|p| *p != c.address).map(str::to_owned),
        deposed: c.deposed.as_deref().map(str::to_owned),
        type_: c.type_.to_string(),
        mode: c.mode,
        action: c.action,
        importing: c.importing,
        moved: c.is_moved(),
        action_reason: c.reason.as_deref().map(str::to_owned),
        replace_paths: c.replace_paths.iter().map(ToString::to_string).collect(),
        deferred: c.deferred.as_deref().map(str::to_owned),
        changed_paths,
        paths: kept_paths,
        marks,
        staging: None,
        stateful: policy.stateful_for(&c.type_, &c.address).map(|s| s.reason.clone()),
        shape,
        findings: Vec::new(),
        attributes,
        identity,
    }
}

/// The attributes that identify the object a change destroys or forgets
/// (`name`, `bucket`, ... then `arn` or `id`), from its `before` value,
/// masked like every displayed value.
fn identity(c: &ResourceChange<'_>, redactor: &Redactor) -> Vec<(String, Shown)> {
    let before = value::RawLookup::new(c.values.before);
    let sensitive = value::parse(c.values.before_sensitive);
    let path_of = |steps: &[&str]| {
        Path(
            steps
                .iter()
                .map(|s| {
                    s.parse::<usize>()
                        .map_or_else(|_| crate::plan::Step::Key((*s).to_owned()), crate::plan::Step::Index)
                })
                .collect(),
        )
    };
    let shown = |steps: &[&str]| {
        let p = path_of(steps);
        let raw = before.get(&p)?;
        let v = value::parse(Some(raw));
        if !(v.is_string() || v.is_number()) {
            return None;
        }
        let s = show(Some(&v), &sub_mirror(&sensitive, &p), &Value::Null, redactor)?;
        Some((redactor.masked(p.to_string()), s))
    };
    let mut out: Vec<(String, Shown)> = NAME_PATHS.iter().filter_map(|p| shown(p)).take(MAX_NAMES).collect();
    out.extend(ID_PATHS.iter().find_map(|p| shown(p)));
    out
}

/// The mirror below `path`: `true` when the path or an ancestor is marked.
fn sub_mirror(mirror: &Value, path: &Path) -> Value {
    match mark_at(mirror, path) {
        Mark::Whole => Value::Bool(true),
        Mark::Partial(m) => m.clone(),
        Mark::None => Value::Null,
    }
}

/// How one side of an attribute is shown: masked, unknowns named.
fn show(v: Option<&Value>, sensitive: &Value, unknown: &Value, redactor: &Redactor) -> Option<Shown> {
    if unknown == &Value::Bool(true) {
        return Some(Shown::Unknown);
    }
    if sensitive == &Value::Bool(true) {
        return Some(Shown::Sensitive);
    }
    let v = match v {
        None | Some(Value::Null) if !value::any_true(unknown) => return None,
        None => &Value::Null,
        Some(v) => v,
    };
    if let Value::String(s) = v {
        let masked = redactor.mask(s);
        if masked == SENSITIVE {
            return Some(Shown::Sensitive);
        }
        if let Some(json) = json_encoded(s) {
            let mut json = json;
            mask_strings(&mut json, redactor);
            if let Ok(pretty) = serde_json::to_string_pretty(&json) {
                return Some(Shown::Json(redactor.masked(pretty)));
            }
        }
        if s.contains('\n') {
            return Some(Shown::Text(masked.into_owned()));
        }
    }
    let mut out = String::new();
    render(v, sensitive, unknown, redactor, &mut out);
    if out.chars().count() > MAX_VALUE_CHARS {
        out = out.chars().take(MAX_VALUE_CHARS).collect();
        out.push_str("…(cut)");
    }
    Some(Shown::Value(out))
}

/// A string that holds a JSON object or array (IAM policies, container
/// definitions), parsed.
fn json_encoded(s: &str) -> Option<Value> {
    let t = s.trim_start();
    if !(t.starts_with('{') || t.starts_with('[')) || s.len() < 2 {
        return None;
    }
    let v: Value = serde_json::from_str(s).ok()?;
    (v.is_object() || v.is_array()).then_some(v)
}

fn mask_strings(v: &mut Value, redactor: &Redactor) {
    match v {
        Value::String(s) => {
            let masked = redactor.mask(s);
            if masked != s.as_str() {
                *s = masked.into_owned();
            }
        }
        Value::Array(a) => a.iter_mut().for_each(|v| mask_strings(v, redactor)),
        Value::Object(m) => m.values_mut().for_each(|v| mask_strings(v, redactor)),
        _ => {}
    }
}

/// Compact JSON with sensitive leaves as `(sensitive)` and unknown leaves as
/// `(known after apply)`, strings masked.
fn render(v: &Value, sensitive: &Value, unknown: &Value, redactor: &Redactor, out: &mut String) {
    if unknown == &Value::Bool(true) {
        out.push_str(UNKNOWN);
        return;
    }
    if sensitive == &Value::Bool(true) {
        out.push_str(SENSITIVE);
        return;
    }
    match v {
        Value::String(s) => {
            let masked = redactor.mask(s);
            if masked == SENSITIVE {
                out.push_str(SENSITIVE);
            } else {
                out.push_str(&serde_json::to_string(masked.as_ref()).unwrap_or_default());
            }
        }
        Value::Array(a) => {
            out.push('[');
            let len = a.len().max(unknown.as_array().map_or(0, Vec::len));
            for i in 0..len {
                if i > 0 {
                    out.push_str(", ");
                }
                let item = a.get(i).unwrap_or(&Value::Null);
                render(
                    item,
                    sensitive.get(i).unwrap_or(&Value::Null),
                    unknown.get(i).unwrap_or(&Value::Null),
                    redactor,
                    out,
                );
            }
            out.push(']');
        }
        Value::Object(m) => {
            out.push('{');
            let mut keys: Vec<&String> = m.keys().collect();
            if let Value::Object(u) = unknown {
                keys.extend(u.keys().filter(|k| !m.contains_key(k.as_str())));
            }
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push_str(&serde_json::to_string(k).unwrap_or_default());
                out.push_str(": ");
                render(
                    m.get(k.as_str()).unwrap_or(&Value::Null),
                    sensitive.get(k.as_str()).unwrap_or(&Value::Null),
                    unknown.get(k.as_str()).unwrap_or(&Value::Null),
                    redactor,
                    out,
                );
            }
            out.push('}');
        }
        Value::Number(n) => {
            let s = n.to_string();
            out.push_str(&redactor.mask(&s));
        }
        other => out.push_str(&other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn shows_marked_unknown_and_copied_secrets() {
        let r = Redactor::new(vec!["hunter2".into()]);
        let v = json!({"user": "bob", "password": "hunter2", "copy": "x-hunter2"});
        let s = json!({"password": true});
        let Some(Shown::Value(text)) = show(Some(&v), &s, &json!({"id": true}), &r) else { panic!() };
        assert_eq!(
            text,
            r#"{"copy": "x-(sensitive)", "password": (sensitive), "user": "bob", "id": (known after apply)}"#
        );
        assert_eq!(show(Some(&json!("hunter2")), &Value::Null, &Value::Null, &r), Some(Shown::Sensitive));
        assert_eq!(show(None, &Value::Null, &json!(true), &r), Some(Shown::Unknown));
        assert_eq!(show(Some(&Value::Null), &Value::Null, &Value::Null, &r), None);
    }

    #[test]
    fn json_and_multiline_strings_are_recognised() {
        let r = Redactor::default();
        let policy = show(Some(&json!(r#"{"Statement":[{"Action":"s3:*"}]}"#)), &Value::Null, &Value::Null, &r);
        assert!(matches!(policy, Some(Shown::Json(p)) if p.contains("\"Action\": \"s3:*\"")));
        let text = show(Some(&json!("a\nb")), &Value::Null, &Value::Null, &r);
        assert_eq!(text, Some(Shown::Text("a\nb".into())));
    }
}
