//! The terminal report (`--format text`): summary table, findings most
//! severe first, then the annotated diff of every prod change.
//!
//! Every plan-derived string goes through [`escape::terminal`], so with or
//! without color the output holds no control bytes but the ones we add.

use std::io::Write;

use owo_colors::{OwoColorize, Style};
use tabled::builder::Builder;
use tabled::settings::Style as TableStyle;

use super::escape::terminal;
use super::{column_count, line_diff, summary_columns};
use crate::plan::Action;
use crate::review::{AttrDiff, Change, Finding, MatchStatus, PlanInfo, Review, Shown, Verdict, Via};
use crate::rules::{Level, RuleId};

/// Options of the text renderer.
#[derive(Clone, Copy, Debug)]
pub struct TextOptions {
    pub color: bool,
}

struct Painter {
    color: bool,
}

impl Painter {
    fn paint(&self, s: &str, style: Style) -> String {
        if self.color { s.style(style).to_string() } else { s.to_owned() }
    }

    fn level(&self, level: Level) -> String {
        let (name, style) = match level {
            Level::Block => ("BLOCK", Style::new().red().bold()),
            Level::Warn => ("WARN ", Style::new().yellow().bold()),
            Level::Info => ("INFO ", Style::new().cyan()),
        };
        self.paint(name, style)
    }
}

pub fn render(review: &Review, opts: TextOptions, out: &mut dyn Write) -> std::io::Result<()> {
    let p = Painter { color: opts.color };
    let mut w = std::io::BufWriter::new(out);
    let verdict = match review.verdict {
        Verdict::Block => p.paint("BLOCKED", Style::new().red().bold()),
        Verdict::Warn => p.paint("PASSED WITH WARNINGS", Style::new().yellow().bold()),
        Verdict::Pass => p.paint("PASSED", Style::new().green().bold()),
    };
    match &review.staging() {
        Some(s) => writeln!(
            w,
            "plangate review: {verdict}\n  prod    {}\n  staging {}",
            terminal(&review.gated().file),
            terminal(&s.file)
        )?,
        None => writeln!(w, "plangate check: {verdict}\n  plan {}", terminal(&review.gated().file))?,
    }
    writeln!(w)?;
    summary_table(review, &mut w)?;
    writeln!(w)?;

    let counting: Vec<&Finding> = review.findings.iter().filter(|f| f.counts()).collect();
    if counting.is_empty() {
        writeln!(w, "No findings.")?;
    } else {
        writeln!(w, "{}", p.paint("Findings", Style::new().bold()))?;
        for f in &counting {
            finding_line(&p, f, review.staging().is_some(), &mut w)?;
        }
    }
    let waived: Vec<&Finding> = review.findings.iter().filter(|f| !f.counts()).collect();
    if !waived.is_empty() {
        writeln!(w, "\n{}", p.paint("Waived by exceptions", Style::new().bold()))?;
        for f in waived {
            finding_line(&p, f, review.staging().is_some(), &mut w)?;
        }
    }

    let mut order: Vec<&Change> = review.changes.iter().collect();
    order.sort_by_cached_key(|c| std::cmp::Reverse(severity(review, c)));
    if !order.is_empty() {
        let title = if review.staging().is_some() { "Changes in prod" } else { "Changes" };
        writeln!(w, "\n{} ({})", p.paint(title, Style::new().bold()), order.len())?;
        for c in order {
            change_block(&p, review, c, Kind::Planned, &mut w)?;
        }
    }
    let context: Vec<&Change> = review
        .staging_changes()
        .iter()
        .filter(|c| c.action.destroys() || matches!(c.action, Action::Forget | Action::ReplaceForget))
        .collect();
    if !context.is_empty() {
        writeln!(
            w,
            "\n{} ({})",
            p.paint("Staging context: destructive changes staging's plan already showed", Style::new().bold()),
            context.len()
        )?;
        for c in context {
            change_block(&p, review, c, Kind::Planned, &mut w)?;
        }
    }
    if !review.drift.is_empty() {
        writeln!(
            w,
            "\n{} ({})",
            p.paint("Drift in prod (changed outside Terraform)", Style::new().bold()),
            review.drift.len()
        )?;
        for c in &review.drift {
            change_block(&p, review, c, Kind::Drift, &mut w)?;
        }
    }
    let outputs: Vec<_> = review.outputs.iter().filter_map(|o| o.diff.as_ref().map(|d| (o, d))).collect();
    if !outputs.is_empty() {
        writeln!(w, "\n{}", p.paint("Output changes", Style::new().bold()))?;
        for (o, d) in outputs {
            attr_lines(&p, o.action, d, "  ", &mut w)?;
        }
    }
    rollback_section(&p, review, &mut w)?;
    w.flush()
}

/// The Rollback section, last: the one-way edits and what promoting the
/// previous artifact would do, or that none is known.
fn rollback_section(p: &Painter, review: &Review, w: &mut dyn Write) -> std::io::Result<()> {
    let title = p.paint("Rollback", Style::new().bold());
    if review.rollback.is_empty() {
        return writeln!(
            w,
            "\n{title}\n  No known one-way change in this plan: promoting the previous artifact can undo it \
             (as far as the `[[one_way]]` catalogue knows)."
        );
    }
    writeln!(w, "\n{title} ({}): promoting the previous artifact cannot undo these edits", review.rollback.len())?;
    for r in &review.rollback {
        let waived = r.finding.and_then(|i| review.findings.get(i)).is_some_and(|f| !f.counts());
        writeln!(
            w,
            "  {} {}: {} {} -> {} ({}){}",
            p.level(Level::Warn),
            terminal(&r.address),
            terminal(&r.path),
            terminal(&r.before),
            terminal(&r.after),
            r.direction,
            if waived { " [waived]" } else { "" }
        )?;
        writeln!(w, "        rollback: {} ({})", terminal(&r.what_rollback_does()), r.outcome.name())?;
        writeln!(w, "        why: {}", terminal(&r.reason))?;
        writeln!(w, "        source: {}", terminal(&r.source))?;
    }
    Ok(())
}

/// Orders changes: worst finding first, then destructive actions.
fn severity(review: &Review, c: &Change) -> (u8, u8, std::cmp::Reverse<String>) {
    let worst = c
        .findings
        .iter()
        .map(|&i| &review.findings[i])
        .filter(|f| f.counts())
        .map(|f| f.level as u8 + 1)
        .max()
        .unwrap_or(0);
    (worst, crate::review::rank(c.action, c.importing, c.moved), std::cmp::Reverse(c.address.clone()))
}

fn summary_table(review: &Review, w: &mut dyn Write) -> std::io::Result<()> {
    let mut b = Builder::default();
    let mut infos = vec![review.gated()];
    infos.extend(review.staging());
    let columns = summary_columns(&infos);
    let mut header = vec!["plan".to_owned()];
    header.extend(columns.iter().map(|(n, _)| (*n).to_owned()));
    b.push_record(header);
    let mut row = |name: &str, info: &PlanInfo| {
        let mut r = vec![name.to_owned()];
        r.extend(columns.iter().map(|(_, names)| column_count(info, names).to_string()));
        b.push_record(r);
    };
    row(if review.staging().is_some() { "prod" } else { "plan" }, review.gated());
    if let Some(s) = &review.staging() {
        row("staging", s);
    }
    let mut table = b.build();
    table.with(TableStyle::rounded());
    writeln!(w, "{table}")?;
    let count = |l: Level| review.findings.iter().filter(|f| f.counts() && f.level == l).count();
    let waived = review.findings.iter().filter(|f| !f.counts()).count();
    write!(w, "findings: {} block, {} warn, {} info", count(Level::Block), count(Level::Warn), count(Level::Info))?;
    if waived > 0 {
        write!(w, ", {waived} waived")?;
    }
    writeln!(w)
}

fn finding_line(p: &Painter, f: &Finding, review_has_staging: bool, w: &mut dyn Write) -> std::io::Result<()> {
    // In a review, say which plan a finding is about; `check` has one plan.
    let env = match (f.env, review_has_staging) {
        (Some(e), true) => format!("{}: ", e.name()),
        _ => String::new(),
    };
    let address = f.address.as_deref().map_or(String::new(), |a| format!("{env}{}  ", terminal(a)));
    write!(w, "  {} {:<20} {address}{}", p.level(f.level), f.id, terminal(&f.message))?;
    if let Some(o) = &f.origin {
        write!(w, "  [{}]", terminal(&o.to_string()))?;
    }
    if let Some(waiver) = &f.waived {
        write!(
            w,
            "\n        waived by {}: {}{}",
            terminal(&waiver.origin.to_string()),
            terminal(&waiver.reason),
            waiver.expires.as_ref().map_or(String::new(), |d| format!(" (until {d})"))
        )?;
    }
    writeln!(w)
}

fn action_style(a: Action) -> Style {
    match a {
        Action::Create => Style::new().green(),
        Action::Update => Style::new().yellow(),
        Action::Read => Style::new().cyan(),
        Action::NoOp => Style::new(),
        _ => Style::new().red(),
    }
}

/// Whether a change is planned, or drift found by the refresh.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Planned,
    Drift,
}

fn change_block(p: &Painter, review: &Review, c: &Change, kind: Kind, w: &mut dyn Write) -> std::io::Result<()> {
    writeln!(w)?;
    let what = match kind {
        Kind::Drift if c.action == Action::Delete => "was deleted outside Terraform".to_owned(),
        Kind::Drift => "has changed outside Terraform".to_owned(),
        Kind::Planned => format!("will be {}", c.will_be()),
    };
    let header = format!("  {} {} {what}", c.action.symbol(), terminal(&c.address));
    writeln!(w, "{}", p.paint(&header, action_style(c.action).bold()))?;
    if let Some(d) = &c.deposed {
        writeln!(w, "      deposed object: {}", terminal(d))?;
    }
    if let Some(prev) = &c.previous_address {
        writeln!(w, "      moved from: {}", terminal(prev))?;
    }
    let mut why = Vec::new();
    if let Some(r) = &c.action_reason {
        why.push(terminal(r).into_owned());
    }
    if !c.replace_paths.is_empty() {
        why.push(format!("forces replacement: {}", terminal(&c.replace_paths.join(", "))));
    }
    if let Some(d) = &c.deferred {
        why.push(format!("deferred: {}", terminal(d)));
    }
    if !why.is_empty() {
        writeln!(w, "      why: {}", why.join("; "))?;
    }
    // Why the resource is stateful matters when something happens to the
    // existing object; a stateful-destroy finding already says it.
    let stateful_finding = c.findings.iter().any(|&i| review.findings[i].id.is(RuleId::StatefulDestroy));
    let touches_existing = !matches!(c.action, Action::Create | Action::Read | Action::NoOp);
    if let (Some(s), false, true) = (&c.stateful, stateful_finding, touches_existing) {
        writeln!(w, "      stateful: {}", terminal(s))?;
    }
    if let Some(m) = &c.staging {
        let status = match m.status {
            MatchStatus::Matched => p.paint("matched", Style::new().green()),
            MatchStatus::ValueDiffers => p.paint("same edits, other values", Style::new().cyan()),
            MatchStatus::Diverged => p.paint("diverged", Style::new().yellow()),
            MatchStatus::Escalated => p.paint("escalated", Style::new().red()),
            MatchStatus::Absent => p.paint("not in staging", Style::new().yellow()),
        };
        let at = match (m.status, m.action, &m.address, &m.description) {
            (MatchStatus::Absent, Some(Action::NoOp), _, _) => ": staging's plan leaves it unchanged".to_owned(),
            (MatchStatus::Absent, _, _, Some(siblings)) => {
                format!(": no such instance in staging, which changes its {siblings}")
            }
            (MatchStatus::Absent, _, _, None) => ": staging's plan has no such resource".to_owned(),
            (_, _, Some(a), Some(what)) if a != &c.address => format!(": staging will {what} {}", terminal(a)),
            (_, _, _, Some(what)) => format!(": staging will {what}"),
            _ => String::new(),
        };
        let via = match m.via {
            Some(Via::Mapped) => " (mapped address)",
            Some(Via::PreviousAddress) => " (by previous address)",
            Some(Via::Sibling) => " (another instance)",
            Some(Via::Normalized) => " (same name after environment tokens)",
            _ => "",
        };
        writeln!(w, "      staging: {status}{at}{via}")?;
        if m.status != MatchStatus::Matched && !m.notes.is_empty() {
            writeln!(w, "      edits compared with staging's:")?;
            for n in &m.notes {
                writeln!(w, "        {}", terminal(&super::edit_note_line(n)))?;
            }
        }
    }
    for &i in &c.findings {
        let f = &review.findings[i];
        let waived = if f.counts() { "" } else { " (waived)" };
        writeln!(w, "      {} {}{waived}: {}", p.level(f.level), f.id, terminal(&f.message))?;
    }
    for a in &c.attributes {
        attr_lines(p, c.action, a, "      ", w)?;
    }
    Ok(())
}

fn attr_lines(p: &Painter, action: Action, a: &AttrDiff, indent: &str, w: &mut dyn Write) -> std::io::Result<()> {
    let path = terminal(&a.path);
    let forces =
        if a.forces_replacement { p.paint("  # forces replacement", Style::new().red()) } else { String::new() };
    let multi = (a.before.as_ref().and_then(Shown::lines), a.after.as_ref().and_then(Shown::lines));
    if multi.0.is_some() || multi.1.is_some() {
        writeln!(w, "{indent}{} {path}:{forces}", p.paint("~", Style::new().yellow()))?;
        let before = multi.0.map_or_else(|| a.before.as_ref().map(Shown::inline).unwrap_or_default(), str::to_owned);
        let after = multi.1.map_or_else(|| a.after.as_ref().map(Shown::inline).unwrap_or_default(), str::to_owned);
        for (sign, text) in line_diff(&before, &after) {
            let style = match sign {
                '-' => Style::new().red(),
                '+' => Style::new().green(),
                _ => Style::new(),
            };
            let text = format!("{indent}    {sign} {}", terminal(&text));
            writeln!(w, "{}", p.paint(&text, style))?;
        }
        return Ok(());
    }
    let line = match (&a.before, &a.after) {
        (None, None) => format!("{indent}  {path}"),
        (None, Some(after)) => {
            p.paint(&format!("{indent}+ {path} = {}", terminal(&after.inline())), Style::new().green())
        }
        (Some(before), None) if action == Action::Update || action.is_replace() => {
            p.paint(&format!("{indent}- {path} = {}", terminal(&before.inline())), Style::new().red())
        }
        (Some(before), None) => format!("{indent}- {path} = {}", terminal(&before.inline())),
        (Some(before), Some(after)) => format!(
            "{indent}{} {path} = {} -> {}",
            p.paint("~", Style::new().yellow()),
            terminal(&before.inline()),
            terminal(&after.inline())
        ),
    };
    writeln!(w, "{line}{forces}")
}
