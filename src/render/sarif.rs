//! The SARIF 2.1.0 report (`--format sarif`), shaped as GitHub code scanning
//! and GitLab's SARIF ingestion accept it: one rule per finding id with help
//! text, one result per finding with its level, the plan file as the
//! physical location (line 1: plan JSON has no source positions), the
//! resource address as the logical location, and `partialFingerprints`
//! from rule, environment, stack and address. Waived findings are results
//! with an external, accepted `suppression`.
//!
//! The SARIF types come from `serde-sarif`, generated from the OASIS schema.

use std::collections::BTreeMap;
use std::io::Write;

use serde_sarif::sarif;

use crate::review::Review;
use crate::review::stacks::Stacks;
use crate::rules::{FindingId, Level};

use super::ci::{self, CiFinding, Report};

/// The OASIS schema URI written as `$schema`.
pub const SCHEMA_URI: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";
/// Code scanning reads this key of `partialFingerprints`.
pub const FINGERPRINT_KEY: &str = "primaryLocationLineHash";
/// GitHub shows at most 1,024 characters of a rule description.
const MAX_DESCRIPTION: usize = 1024;

fn level(l: Level) -> sarif::ResultLevel {
    match l {
        Level::Block => sarif::ResultLevel::Error,
        Level::Warn => sarif::ResultLevel::Warning,
        Level::Info => sarif::ResultLevel::Note,
    }
}

fn level_name(l: Level) -> &'static str {
    match l {
        Level::Block => "error",
        Level::Warn => "warning",
        Level::Info => "note",
    }
}

/// Cut at a character boundary, with an ellipsis when cut.
fn cut(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_owned();
    }
    let mut out: String = s.chars().take(max - 1).collect();
    out.push('…');
    out
}

/// A relative path as a URI reference: `/` kept, everything outside the
/// unreserved set percent-encoded; an absolute path as a `file://` URI.
fn uri(path: &str) -> String {
    let path = path.replace('\\', "/");
    let mut out = String::new();
    let (prefix, rest) = match path.strip_prefix('/') {
        Some(rest) => ("file:///", rest),
        None => ("", path.as_str()),
    };
    out.push_str(prefix);
    for b in rest.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

fn text(s: impl Into<String>) -> sarif::MultiformatMessageString {
    sarif::MultiformatMessageString::builder().text(s.into()).build()
}

fn rule(id: &FindingId, level: Level) -> sarif::ReportingDescriptor {
    let (summary, explain) = ci::rule_text(id);
    sarif::ReportingDescriptor::builder()
        .id(id.name())
        .name(id.name())
        .short_description(text(cut(&summary, MAX_DESCRIPTION)))
        .full_description(text(cut(&explain, MAX_DESCRIPTION)))
        .help(text(explain))
        .default_configuration(sarif::ReportingConfiguration::builder().level(level_name(level)).build())
        .properties(sarif::PropertyBag::builder().tags(vec!["terraform".to_owned(), "plan".to_owned()]).build())
        .build()
}

fn result(f: &CiFinding<'_>, rule_index: usize) -> sarif::Result {
    let physical = sarif::PhysicalLocation::builder()
        .artifact_location(sarif::ArtifactLocation::builder().uri(uri(f.plan_file)).build())
        .region(sarif::Region::builder().start_line(1).build())
        .build();
    let mut location = sarif::Location::builder().physical_location(physical).build();
    if let Some(address) = &f.finding.address {
        location.logical_locations = Some(vec![
            sarif::LogicalLocation::builder().fully_qualified_name(address.as_str()).kind("resource").build(),
        ]);
    }
    let mut props = BTreeMap::new();
    props.insert("environment".to_owned(), serde_json::Value::from(f.env()));
    if let Some(stack) = f.stack {
        props.insert("stack".to_owned(), serde_json::Value::from(stack));
    }
    if let Some(origin) = &f.finding.origin {
        props.insert("policy".to_owned(), serde_json::Value::from(origin.to_string()));
    }
    let mut r = sarif::Result::builder()
        .rule_id(f.id)
        .rule_index(rule_index as i64)
        .level(level(f.finding.level))
        .message(sarif::Message::builder().text(format!("{}: {}", f.subject(), f.message())).build())
        .locations(vec![location])
        .partial_fingerprints(BTreeMap::from([(FINGERPRINT_KEY.to_owned(), f.fingerprint.clone())]))
        .properties(sarif::PropertyBag::builder().additional_properties(props).build())
        .build();
    if let Some(w) = &f.finding.waived {
        let mut justification = w.reason.clone();
        if let Some(expires) = &w.expires {
            justification.push_str(&format!(" (valid through {expires})"));
        }
        r.suppressions = Some(vec![
            sarif::Suppression::builder()
                .kind("external")
                .status("accepted")
                .justification(justification)
                .properties(
                    sarif::PropertyBag::builder()
                        .additional_properties(BTreeMap::from([(
                            "exception".to_owned(),
                            serde_json::Value::from(w.origin.to_string()),
                        )]))
                        .build(),
                )
                .build(),
        ]);
    }
    r
}

/// Writes the SARIF log of one review, pretty-printed, with a final newline.
pub fn render(review: &Review, out: &mut dyn Write) -> std::io::Result<()> {
    write(&ci::of_review(review), out)
}

/// Writes the SARIF log of many stacks: one run, every stack's results
/// (each with its `stack` property and the stack in its fingerprint).
pub fn render_stacks(stacks: &Stacks, out: &mut dyn Write) -> std::io::Result<()> {
    write(&ci::of_stacks(stacks), out)
}

fn write(report: &Report<'_>, out: &mut dyn Write) -> std::io::Result<()> {
    let findings = &report.findings;
    // One rule per id, in the order ids first appear (report order); a
    // policy rule's default level is that of its first finding.
    let mut rule_ids: Vec<(&FindingId, Level)> = Vec::new();
    for f in findings {
        let id = &f.finding.id;
        if !rule_ids.iter().any(|(known, _)| *known == id) {
            let level = match id {
                FindingId::Builtin(r) => r.level(),
                FindingId::Custom(_) => f.finding.level,
            };
            rule_ids.push((id, level));
        }
    }
    let rules: Vec<_> = rule_ids.iter().map(|(id, level)| rule(id, *level)).collect();
    let results: Vec<_> = findings
        .iter()
        .map(|f| {
            let index = rule_ids.iter().position(|(id, _)| *id == &f.finding.id).unwrap_or(0);
            result(f, index)
        })
        .collect();
    let driver = sarif::ToolComponent::builder()
        .name("plangate")
        .version(env!("CARGO_PKG_VERSION"))
        .semantic_version(env!("CARGO_PKG_VERSION"))
        .rules(rules)
        .build();
    let run = sarif::Run::builder()
        .tool(sarif::Tool::builder().driver(driver).build())
        .results(results)
        .automation_details(sarif::RunAutomationDetails::builder().id(automation_id(report)).build())
        .build();
    let log = sarif::Sarif::builder().schema(SCHEMA_URI).version("2.1.0").runs(vec![run]).build();
    let mut w = std::io::BufWriter::new(out);
    super::escape::write_json(&mut w, &log)?;
    w.write_all(b"\n")?;
    w.flush()
}

/// `runAutomationDetails.id`, the category code scanning keeps results
/// apart by: one per command, so a `check` upload does not overwrite a
/// `review` one.
fn automation_id(report: &Report<'_>) -> String {
    match report.checked_as {
        Some(env) => format!("plangate/{}-{}/", report.command, env.name()),
        None => format!("plangate/{}/", report.command),
    }
}

#[cfg(test)]
mod tests {
    use super::{cut, uri};

    #[test]
    fn plan_paths_become_uri_references() {
        assert_eq!(uri("plans/prod.json"), "plans/prod.json");
        assert_eq!(uri("my plans/prod#1.json"), "my%20plans/prod%231.json");
        assert_eq!(uri("/abs/prod.json"), "file:///abs/prod.json");
        assert_eq!(uri("envs\\prod.json"), "envs/prod.json");
        assert_eq!(uri("é.json"), "%C3%A9.json");
    }

    #[test]
    fn descriptions_are_cut_at_a_character_boundary() {
        assert_eq!(cut("abc", 3), "abc");
        assert_eq!(cut("ééééé", 3), "éé…");
    }
}
