//! Values inside a change: parsing them on demand, finding the attribute
//! paths a change touches, and reading the sensitivity and unknown mirrors.
//!
//! Mirrors (`after_unknown`, `*_sensitive`) follow the value's structure: a
//! `true` marks a leaf or a whole subtree, known leaves are omitted inside
//! objects, and a plain `false` (or an absent mirror) marks nothing.

use std::collections::BTreeSet;

use serde_json::Value;
use serde_json::value::RawValue;

use super::{Path, Step};

/// Parses an optional raw value; absent or unparsable reads as `null`.
pub fn parse(raw: Option<&RawValue>) -> Value {
    raw.and_then(|r| serde_json::from_str(r.get()).ok())
        .unwrap_or(Value::Null)
}

/// The child of a value or mirror at one step, if any.
pub fn child<'v>(v: &'v Value, step: &Step) -> Option<&'v Value> {
    match (v, step) {
        (Value::Object(m), Step::Key(k)) => m.get(k),
        (Value::Array(a), Step::Index(i)) => a.get(*i),
        _ => None,
    }
}

/// The value at `path`, if present.
pub fn get<'v>(v: &'v Value, path: &Path) -> Option<&'v Value> {
    path.0.iter().try_fold(v, |v, s| child(v, s))
}

/// How a mirror marks the value at a path.
#[derive(Debug, PartialEq)]
pub enum Mark<'v> {
    /// Nothing at or below the path is marked.
    None,
    /// The whole value at the path is marked (it or an ancestor is `true`).
    Whole,
    /// Some parts below the path are marked: the sub-mirror.
    Partial(&'v Value),
}

/// Reads a mirror at `path`.
pub fn mark_at<'v>(mirror: &'v Value, path: &Path) -> Mark<'v> {
    let mut m = mirror;
    for step in &path.0 {
        if m == &Value::Bool(true) {
            return Mark::Whole;
        }
        match child(m, step) {
            Some(c) => m = c,
            None => return Mark::None,
        }
    }
    match m {
        Value::Bool(true) => Mark::Whole,
        Value::Object(_) | Value::Array(_) if any_true(m) => Mark::Partial(m),
        _ => Mark::None,
    }
}

/// Whether a mirror marks anything.
pub fn any_true(mirror: &Value) -> bool {
    match mirror {
        Value::Bool(b) => *b,
        Value::Object(m) => m.values().any(any_true),
        Value::Array(a) => a.iter().any(any_true),
        _ => false,
    }
}

/// The attribute paths whose value differs between `before` and `after`, or
/// becomes unknown. A subtree that appears or disappears whole is one path.
/// When `before` is `null` (a create), top-level attributes are compared
/// against nothing, so each set attribute is one path.
pub fn changed_paths(before: &Value, after: &Value, after_unknown: &Value) -> Vec<Path> {
    let empty = Value::Object(Default::default());
    let before = if before.is_null() && after.is_object() {
        &empty
    } else {
        before
    };
    let after = if after.is_null() && before.is_object() && after_unknown != &Value::Bool(true) {
        &empty
    } else {
        after
    };
    let mut out = Vec::new();
    walk(
        Some(before),
        Some(after),
        Some(after_unknown),
        &mut Path::root(),
        &mut out,
    );
    out
}

fn walk(
    b: Option<&Value>,
    a: Option<&Value>,
    u: Option<&Value>,
    path: &mut Path,
    out: &mut Vec<Path>,
) {
    if u == Some(&Value::Bool(true)) {
        out.push(path.clone());
        return;
    }
    match (b, a) {
        (Some(Value::Object(bo)), Some(Value::Object(ao))) => {
            let mut keys: BTreeSet<&String> = bo.keys().chain(ao.keys()).collect();
            if let Some(Value::Object(uo)) = u {
                keys.extend(uo.keys());
            }
            for k in keys {
                path.0.push(Step::Key(k.clone()));
                let uc = u.and_then(|u| u.get(k.as_str()));
                walk(bo.get(k.as_str()), ao.get(k.as_str()), uc, path, out);
                path.0.pop();
            }
        }
        (Some(Value::Array(ba)), Some(Value::Array(aa))) => {
            for i in 0..ba.len().max(aa.len()) {
                path.0.push(Step::Index(i));
                let uc = u.and_then(|u| u.get(i));
                walk(ba.get(i), aa.get(i), uc, path, out);
                path.0.pop();
            }
        }
        _ => {
            let null = Value::Null;
            if b.unwrap_or(&null) != a.unwrap_or(&null) {
                out.push(path.clone());
            }
        }
    }
}

/// Collects every scalar under a `true` of `mirror` in `value` (the secrets a
/// sensitivity mirror marks), as display strings.
pub fn collect_marked(value: &Value, mirror: &Value, out: &mut Vec<String>) {
    match mirror {
        Value::Bool(true) => collect_all(value, out),
        Value::Object(m) => {
            for (k, sub) in m {
                if let Some(v) = value.get(k.as_str()) {
                    collect_marked(v, sub, out);
                }
            }
        }
        Value::Array(a) => {
            for (i, sub) in a.iter().enumerate() {
                if let Some(v) = value.get(i) {
                    collect_marked(v, sub, out);
                }
            }
        }
        _ => {}
    }
}

/// Collects every scalar of a value as a display string.
pub fn collect_all(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Null | Value::Bool(_) => {}
        Value::String(s) => out.push(s.clone()),
        Value::Number(n) => out.push(n.to_string()),
        Value::Object(m) => m.values().for_each(|v| collect_all(v, out)),
        Value::Array(a) => a.iter().for_each(|v| collect_all(v, out)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn paths(b: Value, a: Value, u: Value) -> Vec<String> {
        changed_paths(&b, &a, &u)
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn update_reports_changed_and_unknown_leaves() {
        let b = json!({"id": "1", "size": 1, "tags": {"a": "x", "b": "y"}, "list": [1, 2]});
        let a = json!({"size": 2, "tags": {"a": "x"}, "list": [1, 2, 3]});
        let u = json!({"id": true});
        assert_eq!(paths(b, a, u), ["id", "list[2]", "size", "tags.b"]);
    }

    #[test]
    fn unknown_list_element_is_a_change_real_null_is_not() {
        let b = json!({"l": ["a", null, null]});
        let a = json!({"l": ["a", null, null]});
        let u = json!({"l": [false, true, false]});
        assert_eq!(paths(b, a, u), ["l[1]"]);
    }

    #[test]
    fn create_lists_each_set_attribute_once() {
        let a = json!({"name": "x", "nested": {"deep": 1}, "empty": null});
        assert_eq!(
            paths(Value::Null, a, json!({"id": true})),
            ["id", "name", "nested"]
        );
    }

    #[test]
    fn marks_read_through_ancestors() {
        let m = json!({"input": {"password": true}, "list": [false, true]});
        assert_eq!(
            mark_at(&m, &Path::root().child_key("input").child_key("password")),
            Mark::Whole
        );
        assert_eq!(
            mark_at(&m, &Path::root().child_key("list").child_index(0)),
            Mark::None
        );
        assert!(matches!(
            mark_at(&m, &Path::root().child_key("input")),
            Mark::Partial(_)
        ));
        assert_eq!(
            mark_at(&json!(true), &Path::root().child_key("x")),
            Mark::Whole
        );
    }

    #[test]
    fn collects_only_marked_scalars() {
        let v = json!({"input": {"password": "hunter2", "user": "bob"}, "n": [1, 42]});
        let m = json!({"input": {"password": true}, "n": [false, true]});
        let mut out = Vec::new();
        collect_marked(&v, &m, &mut out);
        assert_eq!(out, ["hunter2", "42"]);
    }
}
