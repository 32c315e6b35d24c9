//! `plangate policy show`: the effective policy as text, each entry with
//! the file and line it came from.

use std::fmt::Write;

use super::Policy;
use crate::rules;

pub fn show(p: &Policy) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "# files, in load order (later files win for single-valued settings)");
    for f in &p.files {
        let _ = writeln!(s, "  {f}");
    }
    // One column width for built-in and custom ids, however long.
    let width =
        rules::RULES.iter().map(|r| r.id.name().len()).chain(p.rules.iter().map(|r| r.id.len())).max().unwrap_or(0);
    let _ = writeln!(s, "\n# finding levels");
    for r in rules::RULES {
        let (level, origin) = p.builtin_level(r.id);
        let from = origin.map_or("built-in default".to_owned(), ToString::to_string);
        let _ = writeln!(s, "  {:<width$} {:<6} ({from})", r.id, level.name());
    }
    if !p.rules.is_empty() {
        let _ = writeln!(s, "\n# custom rules");
        for r in &p.rules {
            let (level, _) = p.rule_level(r);
            let _ = writeln!(s, "  {:<width$} {:<6} {}  [{}]", r.id, level.name(), r.message, r.origin);
        }
    }
    let _ = writeln!(s, "\n# stateful resources ({})", p.stateful.len());
    for e in &p.stateful {
        let what = match (&e.type_, &e.address) {
            (Some(t), Some(a)) => format!("type {} at {}", t.text, a.text),
            (Some(t), None) => format!("type {}", t.text),
            (None, Some(a)) => format!("address {}", a.text),
            (None, None) => String::new(),
        };
        let _ = writeln!(s, "  {what:<50} {}  [{}]", e.reason, e.origin);
    }
    let _ = writeln!(s, "\n# disruptive in-place updates ({})", p.disruptive.len());
    for d in &p.disruptive {
        let paths: Vec<&str> = d.paths.iter().map(|p| p.text.as_str()).collect();
        let _ = writeln!(s, "  {} {}: {}  [{}]", d.type_.text, paths.join(", "), d.reason, d.origin);
    }
    let _ = writeln!(s, "\n# kind attributes, staging vs prod ({})", p.parity.len());
    for e in &p.parity {
        let attrs: Vec<&str> = e.attributes.iter().map(|a| a.text.as_str()).collect();
        let how = match e.compare {
            super::Comparison::Major(Some(n)) => format!("major, {n} part(s)"),
            c => c.name().to_owned(),
        };
        let _ = writeln!(s, "  {} {} ({how}): {}  [{}]", e.type_.text, attrs.join(", "), e.reason, e.origin);
    }
    let _ = writeln!(s, "\n# one-way edits ({})", p.one_way.len());
    for e in &p.one_way {
        let _ = writeln!(
            s,
            "  {} {} {} -> rollback {}: {}  [{}]",
            e.type_.text,
            e.path,
            e.direction.name(),
            e.outcome.name(),
            e.reason,
            e.origin
        );
    }
    if !p.exceptions.is_empty() {
        let _ = writeln!(s, "\n# exceptions");
        for e in &p.exceptions {
            let until = e.expires.map_or("no expiry".to_owned(), |d| crate::review::valid_through(&d.to_string()));
            let _ = writeln!(s, "  {} at {} ({until}): {}  [{}]", e.rule, e.address.text, e.reason, e.origin);
        }
    }
    let _ = writeln!(s, "\n# compare");
    // The same path from several files is one entry.
    let mut ignored: Vec<&str> = Vec::new();
    for path in &p.ignore_paths {
        if !ignored.contains(&path.text.as_str()) {
            ignored.push(&path.text);
        }
    }
    let _ =
        writeln!(s, "  ignore_paths: {}", if ignored.is_empty() { "(none)".to_owned() } else { ignored.join(", ") });
    for m in &p.address_maps {
        let _ = writeln!(s, "  map prod `{}` <-> staging `{}`  [{}]", m.prod, m.staging, m.origin);
    }
    for r in &p.replace {
        let why = r.reason.as_deref().map_or(String::new(), |w| format!(" {w}"));
        let _ = writeln!(s, "  replace staging `{}` -> prod `{}`{why}  [{}]", r.staging, r.prod, r.origin);
    }
    s
}
