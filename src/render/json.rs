//! The JSON report (`--format json`), `schema_version` 1, documented in
//! `docs/json.md` and `docs/report.schema.json`.
//!
//! Compatibility: within a schema version fields are only added. The report
//! carries no attribute values at all (only attribute paths), so nothing
//! sensitive can reach it.

use std::collections::BTreeMap;
use std::io::Write;

use serde::Serialize;

use crate::review::stacks::{Stack, StackOutcome, Stacks};
use crate::review::{Change, Env, Finding, PlanInfo, Review, Verdict};

pub const SCHEMA_VERSION: u32 = 1;

#[derive(Serialize)]
struct Report<'r> {
    schema_version: u32,
    tool: Tool,
    #[serde(flatten)]
    body: Body<'r>,
}

/// The report of one review: the whole single report but its header, and
/// each stack's report in a report of many stacks.
#[derive(Serialize)]
struct Body<'r> {
    command: &'static str,
    checked_as: Option<Env>,
    verdict: Verdict,
    summary: Summary,
    plans: Plans<'r>,
    findings: Vec<FindingOut<'r>>,
    changes: Vec<ChangeOut<'r>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    staging_changes: Option<Vec<ChangeOut<'r>>>,
    drift: Vec<ChangeOut<'r>>,
    outputs: Vec<Output<'r>>,
    rollback: RollbackOut<'r>,
}

/// What promoting the previous artifact cannot undo: the `one-way` edits.
#[derive(Serialize)]
struct RollbackOut<'r> {
    /// Counting (not waived) one-way edits.
    one_way: usize,
    edits: Vec<RollbackEdit<'r>>,
}

/// One one-way edit, without its values.
#[derive(Serialize)]
struct RollbackEdit<'r> {
    address: &'r str,
    #[serde(flatten)]
    note: RollbackNote<'r>,
    waived: bool,
}

/// A `one-way` finding's rollback facts.
#[derive(Serialize, Clone, Copy)]
struct RollbackNote<'r> {
    path: &'r str,
    direction: &'static str,
    outcome: crate::policy::Outcome,
    reason: &'r str,
    source: &'r str,
}

fn note(r: &crate::review::one_way::Rollback) -> RollbackNote<'_> {
    RollbackNote { path: &r.path, direction: r.direction, outcome: r.outcome, reason: &r.reason, source: &r.source }
}

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct Summary {
    findings: BTreeMap<&'static str, usize>,
    waived: usize,
}

#[derive(Serialize)]
struct Plans<'r> {
    #[serde(skip_serializing_if = "Option::is_none")]
    prod: Option<&'r PlanInfo>,
    #[serde(skip_serializing_if = "Option::is_none")]
    staging: Option<&'r PlanInfo>,
}

#[derive(Serialize)]
struct FindingOut<'r> {
    #[serde(flatten)]
    finding: &'r Finding,
    /// For `one-way`: the edit and what rolling back would do.
    #[serde(skip_serializing_if = "Option::is_none")]
    rollback: Option<RollbackNote<'r>>,
}

#[derive(Serialize)]
struct ChangeOut<'r> {
    #[serde(flatten)]
    change: &'r Change,
    /// Ids of the findings about this change, in report order.
    finding_ids: Vec<&'r str>,
}

#[derive(Serialize)]
struct Output<'r> {
    name: &'r str,
    action: &'r crate::plan::Action,
    sensitive: bool,
}

fn change_out<'r>(review: &'r Review, c: &'r Change) -> ChangeOut<'r> {
    ChangeOut { change: c, finding_ids: c.findings.iter().map(|&i| review.findings[i].id.name()).collect() }
}

/// Writes the report, pretty-printed, with a final newline.
fn counts<'f>(findings: impl Iterator<Item = &'f Finding>) -> Summary {
    let mut counts = BTreeMap::from([("block", 0), ("warn", 0), ("info", 0)]);
    let mut waived = 0;
    for f in findings {
        if f.counts() {
            *counts.entry(f.level.name()).or_insert(0) += 1;
        } else {
            waived += 1;
        }
    }
    Summary { findings: counts, waived }
}

fn body(review: &Review) -> Body<'_> {
    let mut rollback_of = vec![None; review.findings.len()];
    for r in &review.rollback {
        if let Some(slot) = r.finding.and_then(|i| rollback_of.get_mut(i)) {
            *slot = Some(note(r));
        }
    }
    Body {
        command: review.command(),
        checked_as: review.checked_as(),
        verdict: review.verdict,
        summary: counts(review.findings.iter()),
        plans: Plans { prod: Some(review.gated()), staging: review.staging() },
        findings: review
            .findings
            .iter()
            .zip(rollback_of)
            .map(|(finding, rollback)| FindingOut { finding, rollback })
            .collect(),
        changes: review.changes.iter().map(|c| change_out(review, c)).collect(),
        staging_changes: review
            .staging()
            .as_ref()
            .map(|_| review.staging_changes().iter().map(|c| change_out(review, c)).collect()),
        drift: review.drift.iter().map(|c| change_out(review, c)).collect(),
        outputs: review
            .outputs
            .iter()
            .map(|o| Output { name: &o.name, action: &o.action, sensitive: o.sensitive })
            .collect(),
        rollback: RollbackOut {
            one_way: review
                .rollback
                .iter()
                .filter(|r| r.finding.and_then(|i| review.findings.get(i)).is_none_or(|f| f.counts()))
                .count(),
            edits: review
                .rollback
                .iter()
                .map(|r| RollbackEdit {
                    address: &r.address,
                    note: note(r),
                    waived: r.finding.and_then(|i| review.findings.get(i)).is_some_and(|f| !f.counts()),
                })
                .collect(),
        },
    }
}

const TOOL: Tool = Tool { name: "plangate", version: env!("CARGO_PKG_VERSION") };

fn write(out: &mut dyn Write, report: &impl Serialize) -> std::io::Result<()> {
    let mut w = std::io::BufWriter::new(out);
    super::escape::write_json(&mut w, report)?;
    w.write_all(b"\n")?;
    w.flush()
}

/// Writes the report, pretty-printed, with a final newline.
pub fn render(review: &Review, out: &mut dyn Write) -> std::io::Result<()> {
    write(out, &Report { schema_version: SCHEMA_VERSION, tool: TOOL, body: body(review) })
}

#[derive(Serialize)]
struct StacksReport<'r> {
    schema_version: u32,
    tool: Tool,
    command: &'static str,
    verdict: Verdict,
    summary: StacksSummary,
    stacks: Vec<StackOut<'r>>,
}

#[derive(Serialize)]
struct StacksSummary {
    #[serde(flatten)]
    findings: Summary,
    stacks: BTreeMap<&'static str, usize>,
}

#[derive(Serialize)]
struct StackOut<'r> {
    stack: &'r str,
    #[serde(flatten)]
    body: Body<'r>,
}

fn stack_out(stack: &Stack) -> StackOut<'_> {
    let body = match &stack.outcome {
        StackOutcome::Reviewed(review) => body(review),
        StackOutcome::StagingOnly { staging, findings, verdict } => Body {
            command: "review",
            checked_as: None,
            verdict: *verdict,
            summary: counts(findings.iter()),
            plans: Plans { prod: None, staging: Some(staging) },
            findings: findings.iter().map(|finding| FindingOut { finding, rollback: None }).collect(),
            changes: Vec::new(),
            staging_changes: None,
            drift: Vec::new(),
            outputs: Vec::new(),
            rollback: RollbackOut { one_way: 0, edits: Vec::new() },
        },
    };
    StackOut { stack: &stack.name, body }
}

/// The report of many stacks (`docs/json.md`, "Many stacks"): the overall
/// verdict, counts over every stack, and one report per stack.
pub fn render_stacks(stacks: &Stacks, out: &mut dyn Write) -> std::io::Result<()> {
    let (block, warn, pass) = stacks.verdict_counts();
    let report = StacksReport {
        schema_version: SCHEMA_VERSION,
        tool: TOOL,
        command: stacks.command,
        verdict: stacks.verdict,
        summary: StacksSummary {
            findings: counts(stacks.stacks.iter().flat_map(|s| s.findings())),
            stacks: BTreeMap::from([("block", block), ("warn", warn), ("pass", pass)]),
        },
        stacks: stacks.stacks.iter().map(stack_out).collect(),
    };
    write(out, &report)
}
