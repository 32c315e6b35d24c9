//! The GitLab Code Quality report (`--format codequality`): a JSON array with
//! one issue per finding, carrying the fields GitLab reads (`description`,
//! `check_name`, `fingerprint`, `severity`, `location.path`,
//! `location.lines.begin`) and nothing it ignores. Fingerprints are the
//! shared CI fingerprints (rule, environment, stack, address): unique within
//! the report and stable across runs, so the merge-request widget shows what
//! is new. Waived findings are `info` issues that say they are waived.

use std::io::Write;

use serde::Serialize;

use crate::review::Review;
use crate::review::stacks::Stacks;
use crate::rules::Level;

use super::ci::{self, CiFinding, Report};

#[derive(Serialize)]
struct Issue<'r> {
    description: String,
    check_name: &'r str,
    fingerprint: &'r str,
    severity: &'static str,
    location: Location<'r>,
}

#[derive(Serialize)]
struct Location<'r> {
    path: &'r str,
    lines: Lines,
}

#[derive(Serialize)]
struct Lines {
    begin: u32,
}

/// GitLab's severities are `info`, `minor`, `major`, `critical`, `blocker`.
fn severity(f: &CiFinding<'_>) -> &'static str {
    match (f.waived(), f.finding.level) {
        (true, _) => "info",
        (false, Level::Block) => "blocker",
        (false, Level::Warn) => "major",
        (false, Level::Info) => "info",
    }
}

/// Writes the report of one review, pretty-printed, with a final newline
/// (no byte-order mark).
pub fn render(review: &Review, out: &mut dyn Write) -> std::io::Result<()> {
    write(&ci::of_review(review), out)
}

/// Writes the report of many stacks: every stack's issues in one array.
pub fn render_stacks(stacks: &Stacks, out: &mut dyn Write) -> std::io::Result<()> {
    write(&ci::of_stacks(stacks), out)
}

fn write(report: &Report<'_>, out: &mut dyn Write) -> std::io::Result<()> {
    let issues: Vec<Issue<'_>> = report
        .findings
        .iter()
        .map(|f| Issue {
            description: format!("{}: {}", f.subject(), f.message()),
            check_name: f.id,
            fingerprint: &f.fingerprint,
            severity: severity(f),
            location: Location { path: f.plan_file, lines: Lines { begin: 1 } },
        })
        .collect();
    let mut w = std::io::BufWriter::new(out);
    super::escape::write_json(&mut w, &issues)?;
    w.write_all(b"\n")?;
    w.flush()
}
