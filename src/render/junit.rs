//! The JUnit XML report (`--format junit`) for CI test-report views (GitLab
//! `artifacts:reports:junit`, Jenkins, Azure Pipelines): one test case per
//! finding, a `<failure>` exactly for each blocking finding, `<skipped>` for
//! a waived one, and a passing case for everything else. A plan with no
//! findings still yields a valid suite with one passing case.
//!
//! Written by hand (the format is small): every text and attribute is
//! escaped, and characters XML 1.0 cannot carry are escaped away first.

use std::collections::HashMap;
use std::io::Write;

use crate::review::Review;
use crate::review::stacks::Stacks;
use crate::rules::Level;

use super::ci::{self, CiFinding, Report};

/// Escapes for XML text and attribute values: the five special characters,
/// and no control character at all (XML 1.0 cannot carry most of them, even
/// as references; they are escaped as `\u{..}` text first).
fn xml(s: &str) -> String {
    let s = super::escape::terminal(s);
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\u{FFFE}' | '\u{FFFF}' => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            _ => out.push(c),
        }
    }
    out
}

enum Outcome {
    Pass,
    Fail,
    Skip,
}

fn outcome(f: &CiFinding<'_>) -> Outcome {
    match (f.waived(), f.finding.level) {
        (true, _) => Outcome::Skip,
        (false, Level::Block) => Outcome::Fail,
        (false, _) => Outcome::Pass,
    }
}

/// Writes the report of one review: one suite.
pub fn render(review: &Review, out: &mut dyn Write) -> std::io::Result<()> {
    write(&ci::of_review(review), out)
}

/// Writes the report of many stacks: one suite per stack, in order (a stack
/// without findings is a suite with one passing case).
pub fn render_stacks(stacks: &Stacks, out: &mut dyn Write) -> std::io::Result<()> {
    write(&ci::of_stacks(stacks), out)
}

fn write(report: &Report<'_>, out: &mut dyn Write) -> std::io::Result<()> {
    let base = match report.checked_as {
        Some(env) => format!("plangate {} ({})", report.command, env.name()),
        None => format!("plangate {}", report.command),
    };
    let suites: Vec<(String, Vec<&CiFinding<'_>>)> = if report.stacks.is_empty() {
        vec![(base, report.findings.iter().collect())]
    } else {
        report
            .stacks
            .iter()
            .map(|&stack| {
                let fs = report.findings.iter().filter(|f| f.stack == Some(stack)).collect();
                (format!("{base}: {stack}"), fs)
            })
            .collect()
    };
    let count = |fs: &[&CiFinding<'_>], o: fn(&CiFinding<'_>) -> bool| fs.iter().filter(|f| o(f)).count();
    let failed = |f: &CiFinding<'_>| matches!(outcome(f), Outcome::Fail);
    let skipped = |f: &CiFinding<'_>| matches!(outcome(f), Outcome::Skip);
    let tests = |fs: &[&CiFinding<'_>]| fs.len().max(1);

    let mut w = std::io::BufWriter::new(out);
    writeln!(w, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    let all: Vec<&CiFinding<'_>> = suites.iter().flat_map(|(_, fs)| fs.iter().copied()).collect();
    writeln!(
        w,
        r#"<testsuites name="plangate" tests="{}" failures="{}" errors="0" skipped="{}">"#,
        suites.iter().map(|(_, fs)| tests(fs)).sum::<usize>(),
        count(&all, failed),
        count(&all, skipped)
    )?;
    for (name, fs) in &suites {
        writeln!(
            w,
            r#"  <testsuite name="{}" tests="{}" failures="{}" errors="0" skipped="{}">"#,
            xml(name),
            tests(fs),
            count(fs, failed),
            count(fs, skipped)
        )?;
        write_cases(&mut w, fs)?;
        writeln!(w, "  </testsuite>")?;
    }
    writeln!(w, "</testsuites>")?;
    w.flush()
}

fn write_cases(w: &mut impl Write, findings: &[&CiFinding<'_>]) -> std::io::Result<()> {
    // GitLab keeps only the first of test cases with the same name.
    let mut names: HashMap<String, usize> = HashMap::new();
    for f in findings {
        let mut name = format!("{} {}", f.id, f.subject());
        let n = names.entry(name.clone()).or_insert(0);
        *n += 1;
        if *n > 1 {
            name.push_str(&format!(" #{n}"));
        }
        write!(
            w,
            r#"    <testcase name="{}" classname="plangate.{}" file="{}">"#,
            xml(&name),
            xml(f.id),
            xml(f.plan_file)
        )?;
        let message = xml(&f.message());
        match outcome(f) {
            Outcome::Fail => write!(
                w,
                "\n      <failure message=\"{message}\" type=\"{}\">{}: {message}</failure>\n    ",
                xml(f.id),
                f.finding.level
            )?,
            Outcome::Skip => write!(w, "\n      <skipped message=\"{message}\"/>\n    ")?,
            Outcome::Pass => write!(w, "\n      <system-out>{}: {message}</system-out>\n    ", f.finding.level)?,
        }
        writeln!(w, "</testcase>")?;
    }
    if findings.is_empty() {
        writeln!(w, r#"    <testcase name="no findings" classname="plangate"/>"#)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::xml;

    #[test]
    fn xml_escapes_markup_and_every_control_character() {
        assert_eq!(xml(r#"a<b>&"c"'"#), "a&lt;b&gt;&amp;&quot;c&quot;&apos;");
        let s = xml("x\u{1b}[31m\u{0}\u{7f}\u{85}\u{202e}\u{fffe}\ny");
        assert!(!s.chars().any(|c| c.is_control() || c == '\u{202e}' || c == '\u{fffe}'), "{s}");
        assert!(s.contains("\\u{1b}") && s.contains("\\n"), "{s}");
    }
}
