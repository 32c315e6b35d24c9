//! Renderers: one per output format, each reading only a [`Review`].
//!
//! [`Review`]: crate::review::Review

pub mod ci;
pub mod codequality;
pub mod escape;
#[cfg(test)]
mod fixtures;
pub mod github;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod present;
pub mod sarif;
pub mod stacks;
pub mod text;

use std::time::Duration;

use similar::{ChangeTag, TextDiff};

/// Lines of context around each group of changed lines.
const LINE_DIFF_CONTEXT: usize = 3;
/// A line diff is cut after this many lines.
pub const MAX_LINE_DIFF: usize = 400;
/// Texts longer than this many lines are not diffed: the reviewer is told
/// how long they are instead.
const MAX_DIFF_INPUT_LINES: usize = 20_000;
/// Diffing is quadratic in the worst case; past this it settles for a
/// coarser (still correct) diff.
const DIFF_DEADLINE: Duration = Duration::from_millis(200);

/// A line diff of two multi-line values for display: `(sign, line)` with
/// sign `-`, `+` or ` `; groups of changes separated by `…`; cut after
/// [`MAX_LINE_DIFF`] lines. Shared by the text and Markdown renderers.
pub fn line_diff(before: &str, after: &str) -> Vec<(char, String)> {
    let (nb, na) = (before.lines().count(), after.lines().count());
    if nb.max(na) > MAX_DIFF_INPUT_LINES {
        return vec![(' ', format!("… ({nb} lines before, {na} after: too long to diff here)"))];
    }
    let diff = TextDiff::configure().timeout(DIFF_DEADLINE).diff_lines(before, after);
    let mut out = Vec::new();
    for (n, group) in diff.grouped_ops(LINE_DIFF_CONTEXT).iter().enumerate() {
        if n > 0 {
            out.push((' ', "…".to_owned()));
        }
        for op in group {
            for change in diff.iter_changes(op) {
                if out.len() >= MAX_LINE_DIFF {
                    out.push((' ', format!("… (diff cut at {MAX_LINE_DIFF} lines)")));
                    return out;
                }
                let sign = match change.tag() {
                    ChangeTag::Delete => '-',
                    ChangeTag::Insert => '+',
                    ChangeTag::Equal => ' ',
                };
                out.push((sign, change.value().trim_end_matches(['\n', '\r']).to_owned()));
            }
        }
    }
    out
}

/// The summary columns, in order, and the `PlanInfo::actions` names each
/// counts. `deferred` is shown only when a plan has deferred changes.
pub const SUMMARY_COLUMNS: &[(&str, &[&str])] = &[
    ("create", &["create"]),
    ("update", &["update"]),
    ("replace", &["replace", "replace-create-first", "replace-forget"]),
    ("delete", &["delete"]),
    ("forget", &["forget"]),
    ("import", &["import"]),
    ("move", &["move"]),
    ("read", &["read"]),
    ("deferred", &["deferred"]),
];

/// Columns shown only when a plan has such changes.
pub const OPTIONAL_COLUMNS: &[&str] = &["deferred"];

/// The summary columns worth showing for these plans (optional columns only
/// when some plan has such changes).
pub fn summary_columns(plans: &[&crate::review::PlanInfo]) -> Vec<&'static (&'static str, &'static [&'static str])> {
    SUMMARY_COLUMNS
        .iter()
        .filter(|(name, names)| !OPTIONAL_COLUMNS.contains(name) || plans.iter().any(|p| column_count(p, names) > 0))
        .collect()
}

/// The number of changes of one summary column.
pub fn column_count(info: &crate::review::PlanInfo, names: &[&str]) -> usize {
    names.iter().map(|n| info.actions.get(*n).copied().unwrap_or(0)).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_diff_groups_context_and_refuses_huge_inputs() {
        let before: String = (0..20).map(|i| format!("line {i}\n")).collect();
        let after = before.replace("line 2\n", "line two\n").replace("line 17\n", "line seventeen\n");
        let d = line_diff(&before, &after);
        assert!(d.contains(&('-', "line 2".to_owned())) && d.contains(&('+', "line seventeen".to_owned())));
        assert!(d.contains(&(' ', "…".to_owned())));
        assert!(!d.iter().any(|(_, l)| l == "line 10"), "far context is left out");
        let huge: String = (0..MAX_DIFF_INPUT_LINES + 1).map(|i| format!("{i}\n")).collect();
        assert_eq!(line_diff(&huge, "").len(), 1);
    }
}

/// The output formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Text,
    Markdown,
    Json,
    /// SARIF 2.1.0, for GitHub code scanning.
    Sarif,
    /// GitLab Code Quality JSON.
    Codequality,
    /// JUnit XML, for CI test reports.
    Junit,
    /// GitHub Actions workflow-command annotations.
    Github,
}

impl Format {
    /// Whether the format shows attribute diffs (the review computes them
    /// only when one does).
    pub fn shows_diffs(self) -> bool {
        matches!(self, Format::Text | Format::Markdown)
    }

    /// Whether the format shows each plan's digest (the review computes
    /// them, hashing every plan whole, only when one does).
    pub fn shows_digests(self) -> bool {
        matches!(self, Format::Json | Format::Markdown)
    }
}

/// One prod edit beside staging's relation to it, unescaped (the caller
/// escapes): `instance_class = "db.r6g.xlarge"  (staging: "db.t3.medium")`,
/// `user_data: + line --replicas 6  (not in staging)`.
pub fn edit_note_line(n: &crate::review::EditNote) -> String {
    use crate::review::EditKind;
    let what = match (n.kind, n.sign) {
        (EditKind::Attribute, _) if n.text.is_empty() => n.path.clone(),
        (EditKind::Attribute, _) => format!("{} = {}", n.path, n.text),
        (EditKind::Line, sign) => format!("{}: {} line {}", n.path, sign.unwrap_or('~'), n.text),
        (EditKind::Element, sign) => format!("{}: {} element {}", n.path, sign.unwrap_or('~'), n.text),
    };
    format!("{what}  ({})", present::relation_text(&n.staging))
}

impl Format {
    /// Every format, in the order `--help` lists them.
    pub const ALL: &[Format] = &[
        Format::Text,
        Format::Markdown,
        Format::Json,
        Format::Sarif,
        Format::Codequality,
        Format::Junit,
        Format::Github,
    ];

    /// The name users write (`--format NAME`).
    pub fn name(self) -> &'static str {
        match self {
            Format::Text => "text",
            Format::Markdown => "markdown",
            Format::Json => "json",
            Format::Sarif => "sarif",
            Format::Codequality => "codequality",
            Format::Junit => "junit",
            Format::Github => "github",
        }
    }
}

impl std::str::FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Format, String> {
        Format::ALL.iter().copied().find(|f| f.name() == s).ok_or_else(|| {
            let names: Vec<&str> = Format::ALL.iter().map(|f| f.name()).collect();
            format!("unknown format `{s}`: expected one of {}", names.join(", "))
        })
    }
}
