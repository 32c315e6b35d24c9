//! Values inside a change: parsing them on demand, finding the attribute
//! paths a change touches, and reading the sensitivity and unknown mirrors.
//!
//! Mirrors (`after_unknown`, `*_sensitive`) follow the value's structure: a
//! `true` marks a leaf or a whole subtree, known leaves are omitted inside
//! objects, and a plain `false` (or an absent mirror) marks nothing.
//!
//! Fail closed: a mirror node that is neither a boolean, an object, an array
//! nor `null` (a number, a string) marks its whole subtree, and so does an
//! object or array mirror node whose value is of another kind
//! (`{"password":[true]}` over a string): a mark that cannot be understood
//! never reads as "nothing marked".

use std::collections::BTreeSet;

use crate::plan::RawJson;
use serde_json::Value;

use super::raw_nav::{self, Kind};
use super::{Path, Step};

/// Parses an optional raw value; absent or unparsable reads as `null`.
pub fn parse(raw: Option<RawJson<'_>>) -> Value {
    raw.and_then(|r| serde_json::from_str(r.get()).ok()).unwrap_or(Value::Null)
}

/// A mirror (`after_unknown`, `*_sensitive`) parsed, or `null` when its
/// text marks nothing (see [`may_mark`]): every reader of a mirror looks
/// only for its marks, and most mirrors of a plan have none.
pub fn parse_mirror(raw: Option<RawJson<'_>>) -> Value {
    match raw {
        Some(r) if may_mark(r.get()) => parse(raw),
        _ => Value::Null,
    }
}

/// The child of a value or mirror at one step, if any.
pub fn child<'v>(v: &'v Value, step: &Step) -> Option<&'v Value> {
    match (v, step) {
        (Value::Object(m), Step::Key(k)) => m.get(k),
        (Value::Array(a), Step::Index(i)) => a.get(*i),
        _ => None,
    }
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
        if marks_whole(m) {
            return Mark::Whole;
        }
        match child(m, step) {
            Some(c) => m = c,
            None => return Mark::None,
        }
    }
    match m {
        _ if marks_whole(m) => Mark::Whole,
        Value::Object(_) | Value::Array(_) if any_true(m) => Mark::Partial(m),
        _ => Mark::None,
    }
}

/// Whether a mirror node marks its whole subtree: `true`, or a scalar that
/// is no mirror value at all (fail closed).
pub fn marks_whole(node: &Value) -> bool {
    matches!(node, Value::Bool(true) | Value::Number(_) | Value::String(_))
}

/// Whether a mirror's JSON text can mark anything, without parsing it:
/// `false` only when the text holds nothing but object keys, `false`,
/// `null`, brackets, commas and whitespace (so [`any_true`] of it is
/// `false`); anything else is `true` and the caller parses the mirror.
/// Most mirrors of a plan mark nothing (`{"tags":{},"tags_all":{}}`).
pub fn may_mark(text: &str) -> bool {
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'{' | b'}' | b'[' | b']' | b',' | b':' | b' ' | b'\n' | b'\r' | b'\t' => i += 1,
            b'f' if b[i..].starts_with(b"false") => i += 5,
            b'n' if b[i..].starts_with(b"null") => i += 4,
            b'"' => {
                // A key is a string followed by a colon; a string value marks.
                let j = raw_nav::skip_space(b, raw_nav::string_end(b, i).0);
                if b.get(j) != Some(&b':') {
                    return true;
                }
                i = j + 1;
            }
            _ => return true,
        }
    }
    false
}

/// Whether a mirror marks anything.
pub fn any_true(mirror: &Value) -> bool {
    match mirror {
        Value::Bool(b) => *b,
        Value::Object(m) => m.values().any(any_true),
        Value::Array(a) => a.iter().any(any_true),
        Value::Null => false,
        Value::Number(_) | Value::String(_) => true,
    }
}

/// The attribute paths whose value differs between `before` and `after`, or
/// becomes unknown. A subtree that appears or disappears whole is one path.
/// When `before` is `null` (a create), top-level attributes are compared
/// against nothing, so each set attribute is one path.
///
/// A subtree marked sensitive on either side is one path: the walk never
/// descends into it, so no map key inside a secret becomes a path.
///
/// Works on the raw JSON: identical subtrees are skipped without parsing.
pub fn changed_paths(
    before: Option<RawJson<'_>>,
    after: Option<RawJson<'_>>,
    after_unknown: &Value,
    sensitive: [&Value; 2],
) -> Vec<Path> {
    let empty: RawJson<'_> = serde_json::from_str("{}").expect("`{}` is JSON");
    let (bk, ak) = (raw_nav::kind(before), raw_nav::kind(after));
    let before = if bk == Kind::Null && ak == Kind::Object { Some(empty) } else { before };
    let after =
        if ak == Kind::Null && bk == Kind::Object && after_unknown != &Value::Bool(true) { Some(empty) } else { after };
    let mut out = Vec::new();
    let mirrors = Mirrors {
        unknown: Some(after_unknown),
        before_sensitive: Some(sensitive[0]),
        after_sensitive: Some(sensitive[1]),
    };
    walk(before, after, mirrors, &mut Path::root(), &mut out);
    out
}

/// The mirrors at one point of the walk.
#[derive(Clone, Copy)]
struct Mirrors<'m> {
    unknown: Option<&'m Value>,
    before_sensitive: Option<&'m Value>,
    after_sensitive: Option<&'m Value>,
}

impl<'m> Mirrors<'m> {
    fn step(&self, f: impl Fn(&'m Value) -> Option<&'m Value>) -> Mirrors<'m> {
        Mirrors {
            unknown: self.unknown.and_then(&f),
            before_sensitive: self.before_sensitive.and_then(&f),
            after_sensitive: self.after_sensitive.and_then(&f),
        }
    }
}

fn walk(b: Option<RawJson<'_>>, a: Option<RawJson<'_>>, m: Mirrors<'_>, path: &mut Path, out: &mut Vec<Path>) {
    let yes = Some(&Value::Bool(true));
    if m.unknown == yes {
        out.push(path.clone());
        return;
    }
    let unknown_below = m.unknown.is_some_and(any_true);
    let (bt, at) = (b.map(RawJson::get), a.map(RawJson::get));
    if bt == at && !unknown_below {
        return;
    }
    if m.before_sensitive == yes || m.after_sensitive == yes {
        out.push(path.clone());
        return;
    }
    match (raw_nav::kind(b), raw_nav::kind(a)) {
        (Kind::Object, Kind::Object) => {
            let (bo, ao) = (raw_nav::members(b.expect("object")), raw_nav::members(a.expect("object")));
            let mut keys: BTreeSet<&str> = bo.0.iter().chain(&ao.0).map(|(k, _)| k.as_ref()).collect();
            if let Some(Value::Object(uo)) = m.unknown {
                keys.extend(uo.keys().map(String::as_str));
            }
            for k in keys {
                path.0.push(Step::Key(k.to_owned()));
                walk(bo.get(k), ao.get(k), m.step(|v| v.get(k)), path, out);
                path.0.pop();
            }
        }
        (Kind::Array, Kind::Array) => {
            let (ba, aa) = (raw_nav::elements(b.expect("array")), raw_nav::elements(a.expect("array")));
            for i in 0..ba.0.len().max(aa.0.len()) {
                path.0.push(Step::Index(i));
                walk(ba.0.get(i).copied(), aa.0.get(i).copied(), m.step(|v| v.get(i)), path, out);
                path.0.pop();
            }
        }
        (Kind::Null, Kind::Null) => {}
        _ => {
            if parse(b) != parse(a) {
                out.push(path.clone());
            }
        }
    }
}

/// The raw value at `path`, if present.
pub fn get_raw<'a>(raw: Option<RawJson<'a>>, path: &Path) -> Option<RawJson<'a>> {
    get_raw_steps(raw?, &path.0)
}

fn get_raw_steps<'a>(raw: RawJson<'a>, steps: &[Step]) -> Option<RawJson<'a>> {
    let mut cur = raw;
    for step in steps {
        cur = match (raw_nav::kind(Some(cur)), step) {
            (Kind::Object, Step::Key(k)) => raw_nav::member(cur, k)?,
            (Kind::Array, Step::Index(i)) => *raw_nav::elements(cur).0.get(*i)?,
            _ => return None,
        };
    }
    Some(cur)
}

/// Looks up many paths in one raw value: its top level is split once, so a
/// change showing twenty attributes does not re-read its object twenty times.
pub struct RawLookup<'a> {
    root: Option<RawJson<'a>>,
    members: Option<raw_nav::Members<'a>>,
}

impl<'a> RawLookup<'a> {
    pub fn new(root: Option<RawJson<'a>>) -> RawLookup<'a> {
        let members = root.filter(|&r| raw_nav::kind(Some(r)) == Kind::Object).map(raw_nav::members);
        RawLookup { root, members }
    }

    /// The raw value at `path`, like [`get_raw`].
    pub fn get(&self, path: &Path) -> Option<RawJson<'a>> {
        match (path.0.split_first(), &self.members) {
            (Some((Step::Key(k), rest)), Some(m)) => get_raw_steps(m.get(k)?, rest),
            _ => get_raw(self.root, path),
        }
    }
}

/// Collects every scalar under a `true` of `mirror` in `value` (the secrets
/// a sensitivity mirror marks), as display strings, navigating the raw value
/// along the mirror so that only marked subtrees are parsed.
///
/// A mirror whose shape disagrees with the value where it marks something
/// (an object mirror over a list or a string) marks the whole value.
pub fn collect_marked_raw(value: RawJson<'_>, mirror: &Value, out: &mut Vec<String>) {
    match mirror {
        m if marks_whole(m) => collect_all(&parse(Some(value)), out),
        Value::Object(m) if any_true(mirror) && raw_nav::kind(Some(value)) == Kind::Object => {
            let members = raw_nav::members(value);
            for (k, sub) in m {
                if let Some(v) = members.get(k) {
                    collect_marked_raw(v, sub, out);
                }
            }
        }
        Value::Array(a) if any_true(mirror) && raw_nav::kind(Some(value)) == Kind::Array => {
            let elements = raw_nav::elements(value);
            for (i, sub) in a.iter().enumerate() {
                if let Some(v) = elements.0.get(i) {
                    collect_marked_raw(*v, sub, out);
                }
            }
        }
        Value::Object(_) | Value::Array(_) if any_true(mirror) => collect_all(&parse(Some(value)), out),
        _ => {}
    }
}

/// Collects every scalar of a value as a display string, and the object
/// keys inside it that are not attribute names (a sensitive map can be keyed
/// by a secret, `{ (var.token) = ... }`, and after a rotation that key may be
/// the only place the old secret is marked). Keys that read as attribute
/// names (`password`, `db_user`) are left out, so that a marked object does
/// not mask its field names everywhere.
pub fn collect_all(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Null | Value::Bool(_) => {}
        Value::String(s) => out.push(s.clone()),
        Value::Number(n) => out.push(n.to_string()),
        Value::Object(m) => m.iter().for_each(|(k, v)| {
            if !is_attribute_name(k) {
                out.push(k.clone());
            }
            collect_all(v, out)
        }),
        Value::Array(a) => a.iter().for_each(|v| collect_all(v, out)),
    }
}

/// `snake_case` names, as providers spell attributes.
fn is_attribute_name(k: &str) -> bool {
    let mut chars = k.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// `may_mark` is `false` only where `any_true` of the parsed mirror is.
    #[test]
    fn may_mark_never_misses_a_mark() {
        for (text, may) in [
            ("{}", false),
            (r#"{"tags":{},"tags_all":{},"vpc":[]}"#, false),
            (r#"{"name_servers":[false,false],"x":null}"#, false),
            (r#"{ "a" : { "b" : [ false , null ] } }"#, false),
            (r#"{"k\"e:y":false}"#, false),
            ("false", false),
            (r#"{"password":true}"#, true),
            (r#"{"a":[false,true]}"#, true),
            (r#"{"a":"x"}"#, true),
            (r#"["x"]"#, true),
            (r#"{"a":1}"#, true),
            (r#"{"a":-0}"#, true),
            (r#"{"x":null,"y":true}"#, true),
            (r#"{"x":false,"y":[null,true]}"#, true),
            (r#"{"x":null,"y":false}"#, false),
            ("true", true),
            (r#"{"a":fals}"#, true),
            (r#"{"a" "b"}"#, true),
        ] {
            assert_eq!(may_mark(text), may, "{text}");
            if let Ok(v) = serde_json::from_str::<Value>(text) {
                assert!(may || !any_true(&v), "{text}: marks but may_mark says no");
            }
        }
    }

    /// Before compact, after pretty-printed: the raw walk must not depend
    /// on formatting.
    fn paths(b: Value, a: Value, u: Value) -> Vec<String> {
        let (b, a) = (serde_json::to_string(&b).unwrap(), serde_json::to_string_pretty(&a).unwrap());
        let (b, a): (RawJson<'_>, RawJson<'_>) = (serde_json::from_str(&b).unwrap(), serde_json::from_str(&a).unwrap());
        let b = if b.get() == "null" { None } else { Some(b) };
        changed_paths(b, Some(a), &u, [&Value::Null, &Value::Null]).iter().map(ToString::to_string).collect()
    }

    #[test]
    fn never_descends_into_a_sensitive_subtree() {
        let b: RawJson<'_> = serde_json::from_str(r#"{"input":{"tok-SECRET-1":"a"},"n":1}"#).unwrap();
        let a: RawJson<'_> = serde_json::from_str(r#"{"input":{"tok-SECRET-2":"b"},"n":1}"#).unwrap();
        let mirror = json!({"input": true});
        let p = changed_paths(Some(b), Some(a), &json!({}), [&mirror, &mirror]);
        assert_eq!(p, [Path::root().child_key("input")]);
    }

    #[test]
    fn identical_pretty_and_compact_values_have_no_changes() {
        assert!(paths(json!({"a": [1, {"b": "x y"}]}), json!({"a": [1, {"b": "x y"}]}), json!({})).is_empty());
    }

    #[test]
    fn navigates_and_collects_raw() {
        let raw: RawJson<'_> = serde_json::from_str(r#"{"a":[{"pw":"s1"},{"pw":"s2"}],"b":"x"}"#).unwrap();
        let p = Path::root().child_key("a").child_index(1).child_key("pw");
        assert_eq!(get_raw(Some(raw), &p).map(RawJson::get), Some("\"s2\""));
        assert_eq!(RawLookup::new(Some(raw)).get(&p).map(RawJson::get), Some("\"s2\""));
        assert_eq!(RawLookup::new(Some(raw)).get(&Path::root()).map(RawJson::get), Some(raw.get()));
        let mut out = Vec::new();
        collect_marked_raw(raw, &json!({"a": [false, {"pw": true}]}), &mut out);
        assert_eq!(out, ["s2"]);
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
        assert_eq!(paths(Value::Null, a, json!({"id": true})), ["id", "name", "nested"]);
    }

    #[test]
    fn marks_read_through_ancestors() {
        let m = json!({"input": {"password": true}, "list": [false, true]});
        assert_eq!(mark_at(&m, &Path::root().child_key("input").child_key("password")), Mark::Whole);
        assert_eq!(mark_at(&m, &Path::root().child_key("list").child_index(0)), Mark::None);
        assert!(matches!(mark_at(&m, &Path::root().child_key("input")), Mark::Partial(_)));
        assert_eq!(mark_at(&json!(true), &Path::root().child_key("x")), Mark::Whole);
    }

    #[test]
    fn marks_that_cannot_be_understood_mark_everything_below() {
        let raw: RawJson<'_> =
            serde_json::from_str(r#"{"password":"hunter2","n":7,"m":{"k":"v","Tok-3n":1}}"#).unwrap();
        for mirror in [json!({"password": [true]}), json!({"password": 1}), json!({"password": "yes"})] {
            let mut out = Vec::new();
            collect_marked_raw(raw, &mirror, &mut out);
            assert_eq!(out, ["hunter2"], "{mirror}");
            // A display reading the mirror alone still sees a mark there.
            assert_ne!(mark_at(&mirror, &Path::root().child_key("password")), Mark::None, "{mirror}");
        }
        let mut out = Vec::new();
        collect_marked_raw(raw, &json!([true]), &mut out);
        out.sort();
        assert_eq!(out, ["1", "7", "Tok-3n", "hunter2", "v"]);
        let mut out = Vec::new();
        collect_marked_raw(raw, &json!({"password": false, "m": null}), &mut out);
        assert!(out.is_empty());
    }

    #[test]
    fn collects_only_marked_scalars() {
        let v = json!({"input": {"password": "hunter2", "user": "bob"}, "n": [1, 42]});
        let m = json!({"input": {"password": true}, "n": [false, true]});
        let raw = serde_json::to_string(&v).unwrap();
        let raw: RawJson<'_> = serde_json::from_str(&raw).unwrap();
        let mut out = Vec::new();
        collect_marked_raw(raw, &m, &mut out);
        assert_eq!(out, ["hunter2", "42"]);
    }
}
