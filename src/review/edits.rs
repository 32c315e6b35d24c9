//! Edits: what a change does at the finest grain the plan allows, and how a
//! prod change's edits relate to its staging counterpart's.
//!
//! An edit is an attribute path (list indices folded) with its new value;
//! inside a multi-line string, a removed or added line; inside a JSON- or
//! YAML-encoded string (IAM policies, container definitions, Kubernetes
//! manifests, cloud-init), a changed leaf (an attribute edit at the path
//! below the string) or an added or removed list element; a path that
//! becomes unknown is an attribute edit whose value is unknown.
//!
//! Invariants: edits are computed only for the attributes both environments
//! change (everything else is decided by path alone), from the raw values of
//! those attributes only; staging's edits are normalized
//! ([`crate::policy::Policy::normalize_staging`]) before comparison, while
//! their display text stays staging's own; display text is never masked
//! here: whoever shows it masks it (the JSON report carries no value at all).

use std::collections::BTreeMap;

use foldhash::HashMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::analyze::UNKNOWN;
use super::redact::SENSITIVE;
use crate::plan::value::{self, RawLookup};
use crate::plan::{Path, Step, Values};

/// What an edit is an edit of.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EditKind {
    /// An attribute path, or a leaf inside a JSON- or YAML-encoded string.
    Attribute,
    /// A line of a multi-line string.
    Line,
    /// An element of a list inside a JSON- or YAML-encoded string.
    Element,
}

/// Whether a line or element edit removes or adds it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Sign {
    /// An attribute edit (its value is the new value).
    Set,
    Removed,
    Added,
}

impl Sign {
    /// `-` or `+` for lines and elements.
    pub fn symbol(self) -> Option<char> {
        match self {
            Sign::Set => None,
            Sign::Removed => Some('-'),
            Sign::Added => Some('+'),
        }
    }
}

/// Per changed path of a change: what its mirrors mark there.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LeafMark {
    /// The value becomes unknown (known after apply).
    pub unknown: bool,
    /// Some part of the value is sensitive on either side.
    pub sensitive: bool,
}

/// One edit of one side.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Edit {
    pub kind: EditKind,
    pub sign: Sign,
    /// Folded path (`policy.Statement[*].Action`), normalized for staging.
    pub path: String,
    /// What identifies the edit beyond its path: a line's key (the line up
    /// to its last separator, so `--replicas 4` and `--replicas 6` are the
    /// same edit with different values), an element's canonical JSON, or
    /// empty for an attribute. Normalized for staging.
    pub key: String,
    /// The compared value, normalized for staging.
    pub value: String,
    /// The value as this side's plan writes it (unmasked: mask to show).
    pub shown: String,
    /// The value is sensitive: never show it.
    pub sensitive: bool,
}

/// How staging relates to one prod edit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Relation {
    /// Staging makes the same edit with the same (normalized) value.
    Same,
    /// Staging makes the same edit with other values: staging's, for display.
    Differs(Vec<String>),
    /// Staging's change does not make this edit.
    NotInStaging,
}

/// One prod edit and staging's relation to it, for display (masked).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EditNote {
    pub kind: EditKind,
    /// `-` or `+` for line and element edits.
    pub sign: Option<char>,
    pub path: String,
    /// Prod's value, line or element (masked); empty when not computed.
    pub text: String,
    pub staging: Relation,
}

/// An edit prod makes that staging's change does not (JSON report: paths
/// and kinds, never values).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct ExtraEdit {
    pub path: String,
    pub kind: EditKind,
}

/// Strings longer than this, or with more lines, are compared whole.
const MAX_TEXT: usize = 4 << 20;
const MAX_LINES: usize = 50_000;

/// One change's side of the comparison.
pub(crate) struct Side<'a> {
    pub values: Values<'a>,
    pub paths: &'a [Path],
    pub marks: &'a [LeafMark],
}

/// The edits of `side` at the changed paths `wanted` accepts, normalized by
/// `norm` (identity for prod).
pub(crate) fn side_edits(side: &Side<'_>, wanted: &dyn Fn(&Path) -> bool, norm: &dyn Fn(&str) -> String) -> Vec<Edit> {
    let mut out = Vec::new();
    let (before, after) = (RawLookup::new(side.values.before), RawLookup::new(side.values.after));
    for (i, p) in side.paths.iter().enumerate() {
        if !wanted(p) {
            continue;
        }
        let mark = side.marks.get(i).copied().unwrap_or_default();
        let mut emit = Emitter { norm, out: &mut out };
        if mark.unknown {
            emit.attribute(p, UNKNOWN.to_owned(), false);
            continue;
        }
        let b = before.get(p).map(|r| value::parse(Some(r))).filter(|v| !v.is_null());
        let a = after.get(p).map(|r| value::parse(Some(r))).filter(|v| !v.is_null());
        if mark.sensitive {
            // A secret is compared as what is shown of it: that it is set.
            let shown = if a.is_some() { SENSITIVE } else { "null" };
            emit.attribute(p, shown.to_owned(), true);
            continue;
        }
        emit.value(p, b.as_ref(), a.as_ref());
    }
    out
}

struct Emitter<'o> {
    norm: &'o dyn Fn(&str) -> String,
    out: &'o mut Vec<Edit>,
}

impl Emitter<'_> {
    fn push(&mut self, kind: EditKind, sign: Sign, path: &Path, key: &str, shown: String, sensitive: bool) {
        let value = (self.norm)(&shown);
        let key = match kind {
            EditKind::Line => line_key(&value).to_owned(),
            EditKind::Element => (self.norm)(key),
            EditKind::Attribute => String::new(),
        };
        self.out.push(Edit { kind, sign, path: (self.norm)(&path.shape()), key, value, shown, sensitive });
    }

    fn attribute(&mut self, path: &Path, shown: String, sensitive: bool) {
        self.push(EditKind::Attribute, Sign::Set, path, "", shown, sensitive);
    }

    /// One changed attribute: a string is looked into, anything else is one
    /// edit.
    fn value(&mut self, path: &Path, b: Option<&Value>, a: Option<&Value>) {
        fn text(v: Option<&Value>) -> Option<&str> {
            match v {
                None => Some(""),
                Some(Value::String(s)) => Some(s.as_str()),
                Some(_) => None,
            }
        }
        if let (Some(bs), Some(as_)) = (text(b), text(a))
            && bs.len().max(as_.len()) <= MAX_TEXT
        {
            if let (Some(bv), Some(av)) = (structured(bs), structured(as_))
                && (bv.is_some() || av.is_some())
            {
                self.tree(&mut path.clone(), bv.as_ref(), av.as_ref());
                return;
            }
            if (bs.contains('\n') || as_.contains('\n')) && bs.lines().count().max(as_.lines().count()) <= MAX_LINES {
                self.lines(path, bs, as_);
                return;
            }
        }
        self.attribute(path, a.map_or_else(|| "null".to_owned(), canonical), false);
    }

    /// The removed and added lines of a multi-line string (compared trimmed,
    /// blank lines ignored, order kept).
    fn lines(&mut self, path: &Path, before: &str, after: &str) {
        let lines = |s: &str| -> Vec<String> {
            s.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_owned).collect()
        };
        let (bl, al) = (lines(before), lines(after));
        for (sign, from, against) in [(Sign::Removed, &bl, &al), (Sign::Added, &al, &bl)] {
            let mut left: HashMap<&str, usize> = HashMap::default();
            for l in against {
                *left.entry(l.as_str()).or_default() += 1;
            }
            for l in from {
                match left.get_mut(l.as_str()) {
                    Some(n) if *n > 0 => *n -= 1,
                    _ => self.push(EditKind::Line, sign, path, "", l.clone(), false),
                }
            }
        }
    }

    /// Leaves and list elements of two decoded documents.
    fn tree(&mut self, path: &mut Path, b: Option<&Value>, a: Option<&Value>) {
        match (b, a) {
            (Some(Value::Object(bo)), Some(Value::Object(ao))) => {
                let mut keys: Vec<&String> = bo.keys().chain(ao.keys()).collect();
                keys.sort();
                keys.dedup();
                for k in keys {
                    path.0.push(Step::Key(k.clone()));
                    self.tree(path, bo.get(k), ao.get(k));
                    path.0.pop();
                }
            }
            (Some(Value::Array(ba)), Some(Value::Array(aa))) => self.elements(path, ba, aa),
            _ if b == a => {}
            _ => self.attribute(path, a.map_or_else(|| "null".to_owned(), canonical), false),
        }
    }

    /// A list inside a document: elements removed and added (as multisets);
    /// when as many objects are removed as added, they are the same elements
    /// edited, paired in order and looked into.
    fn elements(&mut self, path: &mut Path, before: &[Value], after: &[Value]) {
        let (bc, ac): (Vec<String>, Vec<String>) =
            (before.iter().map(canonical).collect(), after.iter().map(canonical).collect());
        let only = |from: &[String], against: &[String]| -> Vec<usize> {
            let mut left: HashMap<&str, usize> = HashMap::default();
            for c in against {
                *left.entry(c.as_str()).or_default() += 1;
            }
            let mut out = Vec::new();
            for (i, c) in from.iter().enumerate() {
                match left.get_mut(c.as_str()) {
                    Some(n) if *n > 0 => *n -= 1,
                    _ => out.push(i),
                }
            }
            out
        };
        let (removed, added) = (only(&bc, &ac), only(&ac, &bc));
        let containers = |idx: &[usize], vals: &[Value]| idx.iter().all(|&i| vals[i].is_object());
        if !removed.is_empty()
            && removed.len() == added.len()
            && containers(&removed, before)
            && containers(&added, after)
        {
            path.0.push(Step::Index(0));
            for (&r, &a) in removed.iter().zip(&added) {
                self.tree(path, Some(&before[r]), Some(&after[a]));
            }
            path.0.pop();
            return;
        }
        for &i in &removed {
            self.push(EditKind::Element, Sign::Removed, path, &bc[i], bc[i].clone(), false);
        }
        for &i in &added {
            self.push(EditKind::Element, Sign::Added, path, &ac[i], ac[i].clone(), false);
        }
    }
}

/// A string holding a document: `Some(None)` for an empty string (one side
/// of an attribute being set or cleared), `Some(Some(v))` for a JSON object
/// or array, or a multi-line YAML mapping or sequence; `None` otherwise.
fn structured(s: &str) -> Option<Option<Value>> {
    let t = s.trim();
    if t.is_empty() {
        return Some(None);
    }
    if t.starts_with('{') || t.starts_with('[') {
        if let Ok(v) = serde_json::from_str::<Value>(t)
            && (v.is_object() || v.is_array())
        {
            return Some(Some(v));
        }
        return None;
    }
    if !s.contains('\n') || !looks_like_yaml(t) {
        return None;
    }
    let mut docs = Vec::new();
    for d in serde_norway::Deserializer::from_str(s) {
        match Value::deserialize(d).ok() {
            Some(Value::Null) => {}
            Some(v @ (Value::Object(_) | Value::Array(_))) => docs.push(v),
            _ => return None,
        }
    }
    match docs.len() {
        0 => None,
        1 => docs.pop().map(Some),
        _ => Some(Some(Value::Array(docs))),
    }
}

/// YAML is tried only on text that starts like a mapping, a sequence or a
/// document (after comments): a shell script is read as lines.
fn looks_like_yaml(t: &str) -> bool {
    let Some(first) = t.lines().map(str::trim_start).find(|l| !l.is_empty() && !l.starts_with('#')) else {
        return false;
    };
    if first == "---" || first.starts_with("- ") || first == "-" {
        return true;
    }
    // `key: value` or `key:`, with a plain key.
    match first.split_once(':') {
        Some((k, rest)) => {
            !k.is_empty()
                && k.chars().all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | '/' | '"' | '\''))
                && (rest.is_empty() || rest.starts_with(' '))
        }
        None => false,
    }
}

/// A line's key: the line up to and including its last separator (`=`, `:`,
/// space or tab) when a value follows; the whole line otherwise.
fn line_key(line: &str) -> &str {
    match line.rfind(['=', ':', ' ', '\t']) {
        Some(i) if i + 1 < line.len() && line[..i].chars().any(char::is_alphanumeric) => &line[..=i],
        _ => line,
    }
}

/// Compact JSON with object keys sorted, whatever the JSON map's order.
pub(crate) fn canonical(v: &Value) -> String {
    let mut out = String::new();
    write_canonical(v, &mut out);
    out
}

fn write_canonical(v: &Value, out: &mut String) {
    match v {
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&serde_json::to_string(k).unwrap_or_default());
                out.push(':');
                write_canonical(&m[k.as_str()], out);
            }
            out.push('}');
        }
        Value::Array(a) => {
            out.push('[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(x, out);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

/// What may be shown of an edit's value (unmasked still).
fn shown(e: &Edit) -> String {
    if e.sensitive { SENSITIVE.to_owned() } else { e.shown.clone() }
}

/// Staging's relation to each prod edit, in prod's order.
///
/// Edits are grouped by kind, sign, path and key. Attribute edits of one
/// path (several list elements folded into one path) are the same edit when
/// the group exists on both sides: equal values are the same, otherwise the
/// values differ (a list of another length is quantity). Line and element
/// edits are counted: a prod line staging does not remove or add is not in
/// staging, one whose key staging edits with another value differs.
pub(crate) fn relate(prod: &[Edit], staging: &[Edit]) -> Vec<Relation> {
    type Key<'e> = (EditKind, Sign, &'e str, &'e str);
    fn key(e: &Edit) -> Key<'_> {
        (e.kind, e.sign, e.path.as_str(), e.key.as_str())
    }
    let mut groups: BTreeMap<Key<'_>, Vec<&Edit>> = BTreeMap::new();
    for e in staging {
        groups.entry(key(e)).or_default().push(e);
    }
    let mut prod_groups: BTreeMap<Key<'_>, Vec<usize>> = BTreeMap::new();
    for (i, e) in prod.iter().enumerate() {
        prod_groups.entry(key(e)).or_default().push(i);
    }
    let mut out = vec![Relation::NotInStaging; prod.len()];
    for (k, idx) in prod_groups {
        let Some(theirs) = groups.get(&k) else { continue };
        let all_shown = |v: &[&Edit]| v.iter().map(|e| shown(e)).collect::<Vec<_>>();
        if k.0 == EditKind::Attribute {
            let mut mine: Vec<&str> = idx.iter().map(|&i| prod[i].value.as_str()).collect();
            let mut other: Vec<&str> = theirs.iter().map(|e| e.value.as_str()).collect();
            mine.sort_unstable();
            other.sort_unstable();
            let rel = if mine == other { Relation::Same } else { Relation::Differs(all_shown(theirs)) };
            for &i in &idx {
                out[i] = rel.clone();
            }
            continue;
        }
        // Lines and elements: equal values pair first, then the rest pair
        // in order as differing values; what is left is prod's own.
        let mut unpaired: Vec<&Edit> = theirs.clone();
        let mut rest = Vec::new();
        for &i in &idx {
            match unpaired.iter().position(|e| e.value == prod[i].value) {
                Some(j) => {
                    unpaired.remove(j);
                    out[i] = Relation::Same;
                }
                None => rest.push(i),
            }
        }
        for (&i, e) in rest.iter().zip(&unpaired) {
            out[i] = Relation::Differs(vec![shown(e)]);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ident(s: &str) -> String {
        s.to_owned()
    }

    fn stg(s: &str) -> String {
        crate::policy::replace::replace_tokens(s, [("staging", "prod"), ("stg", "prd")].into_iter()).into_owned()
    }

    /// The edits of one attribute changing from `b` to `a`.
    fn edits_of(b: Value, a: Value, norm: &dyn Fn(&str) -> String) -> Vec<Edit> {
        let mut out = Vec::new();
        let mut e = Emitter { norm, out: &mut out };
        let path = Path::root().child_key("attr");
        e.value(&path, Some(&b).filter(|v| !v.is_null()), Some(&a).filter(|v| !v.is_null()));
        out
    }

    fn brief(edits: &[Edit]) -> Vec<String> {
        edits
            .iter()
            .map(|e| {
                let sign = e.sign.symbol().map_or(String::new(), |c| format!("{c} "));
                format!("{:?} {} {sign}{}", e.kind, e.path, e.value)
            })
            .collect()
    }

    #[test]
    fn finest_grain_edits() {
        let cases: Vec<(&str, Value, Value, Vec<&str>)> = vec![
            ("scalar", json!("db.t3.medium"), json!("db.r6g.xlarge"), vec![r#"Attribute attr "db.r6g.xlarge""#]),
            ("number", json!(4), json!(6), vec!["Attribute attr 6"]),
            ("removed", json!("x"), Value::Null, vec!["Attribute attr null"]),
            (
                "script lines",
                json!("#!/bin/sh\nrun --image app:1.2\n  --replicas 4\n"),
                json!("#!/bin/sh\nrun --image app:1.3\n  --replicas 6\n"),
                vec![
                    "Line attr - run --image app:1.2",
                    "Line attr - --replicas 4",
                    "Line attr + run --image app:1.3",
                    "Line attr + --replicas 6",
                ],
            ),
            (
                "json policy element",
                json!(r#"{"Statement":[{"Action":["s3:GetObject"],"Effect":"Allow"}]}"#),
                json!(r#"{"Statement":[{"Action":["s3:GetObject","s3:DeleteObject"],"Effect":"Allow"}]}"#),
                vec![r#"Element attr.Statement[*].Action + "s3:DeleteObject""#],
            ),
            (
                "json leaf",
                json!(r#"{"Statement":[{"Effect":"Allow","Resource":"*"}]}"#),
                json!(r#"{"Statement":[{"Effect":"Deny","Resource":"*"}]}"#),
                vec![r#"Attribute attr.Statement[*].Effect "Deny""#],
            ),
            (
                "json statement added",
                json!(r#"[{"name":"a"}]"#),
                json!(r#"[{"name":"a"},{"name":"b"}]"#),
                vec![r#"Element attr + {"name":"b"}"#],
            ),
            ("json set from nothing", Value::Null, json!(r#"{"a":1}"#), vec![r#"Attribute attr {"a":1}"#]),
            (
                "yaml manifest",
                json!("kind: Deployment\nspec:\n  replicas: 2\n  ports:\n  - 80\n"),
                json!("kind: Deployment\nspec:\n  replicas: 3\n  ports:\n  - 80\n  - 443\n"),
                vec!["Element attr.spec.ports + 443", "Attribute attr.spec.replicas 3"],
            ),
            (
                "yaml documents",
                json!("---\na: 1\n---\nb: 2\n"),
                json!("---\na: 1\n---\nb: 3\n"),
                vec!["Attribute attr[*].b 3"],
            ),
            (
                "comments then a mapping is yaml",
                json!("#cloud-config\necho: one\n"),
                json!("#cloud-config\necho: two\n"),
                vec!["Attribute attr.echo \"two\""],
            ),
            (
                "a first line whose key is not plain is lines, though YAML would read a mapping",
                json!("my key: 1\nother: x\n"),
                json!("my key: 2\nother: x\n"),
                vec!["Line attr - my key: 1", "Line attr + my key: 2"],
            ),
            (
                "a shell script is lines",
                json!("#!/bin/bash\nset -e\necho one\n"),
                json!("#!/bin/bash\nset -e\necho two\n"),
                vec!["Line attr - echo one", "Line attr + echo two"],
            ),
            ("blank lines and indentation ignored", json!("a\n  b\n"), json!("a\n\nb\n"), vec![]),
            ("a repeated line counts", json!("a\nx\n"), json!("a\nx\nx\n"), vec!["Line attr + x"]),
            ("a line repeated less", json!("x\nx\na\n"), json!("x\na\n"), vec!["Line attr - x"]),
            ("a repeated element counts", json!("[1,2]"), json!("[1,2,1]"), vec!["Element attr + 1"]),
            ("an element repeated less", json!("[1,1,2]"), json!("[1,2]"), vec!["Element attr - 1"]),
            (
                "objects are paired only when as many are removed as added",
                json!(r#"[{"a":1}]"#),
                json!(r#"[{"a":2},{"b":1}]"#),
                vec![r#"Element attr - {"a":1}"#, r#"Element attr + {"a":2}"#, r#"Element attr + {"b":1}"#],
            ),
            (
                "objects removed and added in equal numbers are edited",
                json!(r#"[{"a":1},{"k":1}]"#),
                json!(r#"[{"a":2},{"k":2}]"#),
                vec!["Attribute attr[*].a 2", "Attribute attr[*].k 2"],
            ),
            (
                "scalars removed and added in equal numbers are elements",
                json!("[1]"),
                json!("[2]"),
                vec!["Element attr - 1", "Element attr + 2"],
            ),
            (
                "broken json is text",
                json!("{not json\nline"),
                json!("{not json\nline2"),
                vec!["Line attr - line", "Line attr + line2"],
            ),
        ];
        for (name, b, a, want) in cases {
            assert_eq!(brief(&edits_of(b, a, &ident)), want, "case {name}");
        }
    }

    #[test]
    fn staging_is_normalized_but_shown_as_written() {
        let e = edits_of(json!("x\napp-stg-db\n"), json!("x\napp-stg-db2\n"), &stg);
        assert_eq!(brief(&e), vec!["Line attr - app-prd-db", "Line attr + app-prd-db2"]);
        assert_eq!(e[1].shown, "app-stg-db2");
    }

    #[test]
    fn line_keys() {
        for (line, key) in [
            ("--replicas 4", "--replicas "),
            ("export REPLICAS=4", "export REPLICAS="),
            ("image: app:1.3", "image: app:"),
            ("plain", "plain"),
            ("trailing:", "trailing:"),
            (": x", ": x"),
        ] {
            assert_eq!(line_key(line), key, "line {line:?}");
        }
    }

    fn edit(kind: EditKind, sign: Sign, path: &str, value: &str) -> Edit {
        let key = match kind {
            EditKind::Line => line_key(value).to_owned(),
            EditKind::Element => value.to_owned(),
            EditKind::Attribute => String::new(),
        };
        Edit { kind, sign, path: path.into(), key, value: value.into(), shown: value.into(), sensitive: false }
    }

    #[test]
    fn relations() {
        use EditKind::*;
        use Sign::*;
        let d = |v: &str| Relation::Differs(vec![v.to_owned()]);
        type Case = (&'static str, Vec<Edit>, Vec<Edit>, Vec<Relation>);
        let cases: Vec<Case> = vec![
            (
                "same attribute",
                vec![edit(Attribute, Set, "a", "1")],
                vec![edit(Attribute, Set, "a", "1")],
                vec![Relation::Same],
            ),
            (
                "attribute value differs",
                vec![edit(Attribute, Set, "a", "2")],
                vec![edit(Attribute, Set, "a", "1")],
                vec![d("1")],
            ),
            (
                "attribute not in staging",
                vec![edit(Attribute, Set, "b", "1")],
                vec![edit(Attribute, Set, "a", "1")],
                vec![Relation::NotInStaging],
            ),
            (
                "folded list of another length is quantity",
                vec![edit(Attribute, Set, "d[*]", "1"), edit(Attribute, Set, "d[*]", "1")],
                vec![edit(Attribute, Set, "d[*]", "1")],
                vec![Relation::Differs(vec!["1".into()]), Relation::Differs(vec!["1".into()])],
            ),
            (
                "extra line",
                vec![edit(Line, Added, "u", "--image 2"), edit(Line, Added, "u", "--replicas 6")],
                vec![edit(Line, Added, "u", "--image 2")],
                vec![Relation::Same, Relation::NotInStaging],
            ),
            (
                "line with another value",
                vec![edit(Line, Added, "u", "--replicas 6")],
                vec![edit(Line, Added, "u", "--replicas 2")],
                vec![d("--replicas 2")],
            ),
            (
                "line sign matters",
                vec![edit(Line, Removed, "u", "x")],
                vec![edit(Line, Added, "u", "x")],
                vec![Relation::NotInStaging],
            ),
            (
                "repeated line counted",
                vec![edit(Line, Added, "u", "x"), edit(Line, Added, "u", "x")],
                vec![edit(Line, Added, "u", "x")],
                vec![Relation::Same, Relation::NotInStaging],
            ),
            (
                "extra element",
                vec![edit(Element, Added, "p.A", "\"s3:Get\""), edit(Element, Added, "p.A", "\"s3:Delete\"")],
                vec![edit(Element, Added, "p.A", "\"s3:Get\"")],
                vec![Relation::Same, Relation::NotInStaging],
            ),
            (
                "kind matters",
                vec![edit(Element, Added, "p", "1")],
                vec![edit(Line, Added, "p", "1")],
                vec![Relation::NotInStaging],
            ),
        ];
        for (name, prod, staging, want) in cases {
            assert_eq!(relate(&prod, &staging), want, "case {name}");
        }
    }

    #[test]
    fn marks_decide_before_values() {
        let paths = vec![Path::root().child_key("a"), Path::root().child_key("b"), Path::root().child_key("c")];
        let before: crate::plan::RawJson<'_> = serde_json::from_str(r#"{"a":"x","b":"s1","c":"1"}"#).unwrap();
        let after: crate::plan::RawJson<'_> = serde_json::from_str(r#"{"a":null,"b":"s2","c":"2"}"#).unwrap();
        let marks = vec![
            LeafMark { unknown: true, sensitive: false },
            LeafMark { unknown: false, sensitive: true },
            LeafMark::default(),
        ];
        let values = Values { before: Some(before), after: Some(after), ..Values::default() };
        let side = Side { values, paths: &paths, marks: &marks };
        let all = side_edits(&side, &|_| true, &ident);
        assert_eq!(
            brief(&all),
            vec!["Attribute a (known after apply)", "Attribute b (sensitive)", "Attribute c \"2\""]
        );
        assert!(!all[0].sensitive && all[1].sensitive && !all[2].sensitive);
        let only_c = side_edits(&side, &|p| p.to_string() == "c", &ident);
        assert_eq!(brief(&only_c), vec!["Attribute c \"2\""]);
    }

    #[test]
    fn canonical_sorts_keys() {
        let v: Value = serde_json::from_str(r#"{"b":[1,{"d":1,"c":2}],"a":"x"}"#).unwrap();
        assert_eq!(canonical(&v), r#"{"a":"x","b":[1,{"c":2,"d":1}]}"#);
    }
}
