//! GitHub Actions workflow-command annotations (`--format github`): an
//! `::error` per blocking finding, `::warning` per warning, `::notice` per
//! informational or waived finding, within what the runner shows per step
//! (10 of each type; more are dropped silently), most severe first, and
//! one notice that counts whatever did not fit.
//!
//! Values are escaped by the workflow-command rules (actions/toolkit
//! `command.ts`, [`escape::gha_data`] and [`escape::gha_property`]): in the
//! message `%`, CR and LF; in properties also `:` and `,`; hidden characters
//! as `\u{..}`. So no plan text can end the line, start another command, or
//! reach the log as a terminal sequence.
//!
//! [`escape::gha_data`]: super::escape::gha_data
//! [`escape::gha_property`]: super::escape::gha_property

use std::io::Write;

use crate::review::Review;
use crate::review::stacks::Stacks;
use crate::rules::Level;

use super::ci::{self, CiFinding, Report};
use super::escape::{gha_data as escape_data, gha_property as escape_property};

/// Annotations of one type the runner shows per step.
pub const PER_TYPE_PER_STEP: usize = 10;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Error,
    Warning,
    Notice,
}

fn kind(f: &CiFinding<'_>) -> Kind {
    match (f.waived(), f.finding.level) {
        (true, _) => Kind::Notice,
        (false, Level::Block) => Kind::Error,
        (false, Level::Warn) => Kind::Warning,
        (false, Level::Info) => Kind::Notice,
    }
}

fn command(kind: Kind) -> &'static str {
    match kind {
        Kind::Error => "error",
        Kind::Warning => "warning",
        Kind::Notice => "notice",
    }
}

/// Writes the annotations of one review, one workflow command per line.
pub fn render(review: &Review, out: &mut dyn Write) -> std::io::Result<()> {
    write(&ci::of_review(review), out)
}

/// Writes the annotations of many stacks (the stack leads each title),
/// within the same per-step limits.
pub fn render_stacks(stacks: &Stacks, out: &mut dyn Write) -> std::io::Result<()> {
    write(&ci::of_stacks(stacks), out)
}

fn write(report: &Report<'_>, out: &mut dyn Write) -> std::io::Result<()> {
    let findings = &report.findings;
    let of = |k: Kind| findings.iter().filter(move |f| kind(f) == k);
    let total = |k: Kind| of(k).count();
    let overflow = [Kind::Error, Kind::Warning, Kind::Notice].iter().any(|&k| total(k) > PER_TYPE_PER_STEP);
    let mut w = std::io::BufWriter::new(out);
    let mut left_out = (0, 0, 0);
    for k in [Kind::Error, Kind::Warning, Kind::Notice] {
        // The summary line is a notice too: keep room for it.
        let room = if k == Kind::Notice && overflow { PER_TYPE_PER_STEP - 1 } else { PER_TYPE_PER_STEP };
        for (i, f) in of(k).enumerate() {
            if i >= room {
                match f.finding.level {
                    _ if f.waived() => left_out.2 += 1,
                    Level::Block => left_out.0 += 1,
                    Level::Warn => left_out.1 += 1,
                    Level::Info => left_out.2 += 1,
                }
                continue;
            }
            let waived = if f.waived() { " (waived)" } else { "" };
            writeln!(
                w,
                "::{} title={}::{}",
                command(k),
                escape_property(&format!("plangate {}{waived}: {}", f.id, f.subject())),
                escape_data(&f.message())
            )?;
        }
    }
    if overflow {
        let (b, wa, n) = left_out;
        writeln!(
            w,
            "::notice title={}::{}",
            escape_property("plangate: more findings"),
            escape_data(&format!(
                "{} more findings are not annotated (the runner shows {PER_TYPE_PER_STEP} of each type per step): \
                 {b} blocking, {wa} warnings, {n} notes or waived; the job summary and the report list them all",
                b + wa + n
            ))
        )?;
    }
    w.flush()
}
