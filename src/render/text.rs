//! The terminal report (`--format text`): the verdict, Terraform's `Plan:`
//! line per environment, each finding once (grouped across instances), then
//! the annotated diff, most severe first.
//!
//! It only formats a [`View`]: what is shown and in which order is decided
//! there. Every plan-derived string goes through [`escape::terminal`], so
//! with or without colour the output holds no control bytes but the ones we
//! add.
//!
//! [`escape::terminal`]: super::escape::terminal

use std::io::Write;

use owo_colors::{OwoColorize, Style};

use super::escape::terminal;
use super::present::{
    ChangeView, DiffLine, FindingGroup, FindingKind, Rich, RollbackView, Sign, Span, Subject, View, toml_string,
};
use crate::plan::Action;
use crate::review::{MatchStatus, Review, Verdict};
use crate::rules::Level;

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

    fn bold(&self, s: &str) -> String {
        self.paint(s, Style::new().bold())
    }
}

/// Plain text of a sentence, escaped for the terminal.
fn rich(r: &Rich) -> String {
    r.0.iter()
        .map(|s| match s {
            Span::Text(t) | Span::Code(t) => terminal(t).into_owned(),
        })
        .collect()
}

pub fn render(review: &Review, opts: TextOptions, out: &mut dyn Write) -> std::io::Result<()> {
    let view = View::of(review);
    let p = Painter { color: opts.color };
    let mut w = std::io::BufWriter::new(out);
    let verdict = match view.verdict {
        Verdict::Block => p.paint("BLOCKED", Style::new().red().bold()),
        Verdict::Warn => p.paint("PASSED WITH WARNINGS", Style::new().yellow().bold()),
        Verdict::Pass => p.paint("PASSED", Style::new().green().bold()),
    };
    match view.subject {
        Subject::Review => writeln!(w, "plangate review: {verdict}")?,
        Subject::ProdOnly => writeln!(w, "plangate review: {verdict} (no staging plan for this stack)")?,
        Subject::Check(env) => writeln!(w, "plangate check ({}): {verdict}", env.name())?,
    }
    let width = view.plans.iter().map(|pl| pl.label.len()).max().unwrap_or(0);
    for pl in &view.plans {
        writeln!(w, "  {:<width$} {}", pl.label, terminal(&pl.info.file))?;
    }
    writeln!(w)?;
    for pl in &view.plans {
        let label = format!("{}:", pl.label);
        writeln!(w, "{label:<width$} {}", pl.counts.terraform_line(), width = width + 1)?;
        let extra = pl.counts.extra();
        if !extra.is_empty() {
            writeln!(w, "{:<width$} ({})", "", extra.join(", "), width = width + 1)?;
        }
    }
    let counts = view.counts.parts();
    if counts.is_empty() {
        writeln!(w, "No findings.")?;
    } else {
        writeln!(w, "Findings: {}.", counts.join(", "))?;
    }

    for section in &view.findings {
        writeln!(w, "\n{}", p.bold(section.title))?;
        for g in &section.groups {
            finding_group(&p, g, view.reviewing(), section.kind, &mut w)?;
        }
    }

    for section in &view.changes {
        let n: usize = section.changes.iter().map(|c| c.target.len()).sum();
        writeln!(w, "\n{} ({n})", p.bold(section.title))?;
        // Each change's block stands alone: made on every core, written in order.
        let blocks = crate::par::map(&section.changes, |c| {
            let mut block = Vec::new();
            change_block(&p, c, &mut block).map(|()| block)
        });
        for block in blocks {
            w.write_all(&block?)?;
        }
    }
    if !view.outputs.is_empty() {
        writeln!(w, "\n{}", p.bold("Output changes"))?;
        for d in &view.outputs {
            diff_rows(&p, d, "  ", &mut w)?;
        }
    }
    rollback_section(&p, &view, &mut w)?;
    w.flush()
}

/// The Rollback section, last: the one-way edits and what promoting the
/// previous artifact would do, or that none is known.
fn rollback_section(p: &Painter, view: &View<'_>, w: &mut dyn Write) -> std::io::Result<()> {
    let title = p.bold("Rollback");
    if view.rollback.is_empty() {
        return writeln!(
            w,
            "\n{title}\n  No known one-way change in this plan: promoting the previous artifact can undo it \
             (as far as the `[[one_way]]` catalogue knows)."
        );
    }
    writeln!(w, "\n{title} ({}): promoting the previous artifact cannot undo these edits", view.rollback.len())?;
    for RollbackView { item: r, waived } in &view.rollback {
        writeln!(
            w,
            "  {} {}: {} {} -> {} ({}){}",
            p.level(Level::Warn),
            terminal(&r.address),
            terminal(&r.path),
            terminal(&r.before),
            terminal(&r.after),
            r.direction,
            if *waived { " [waived]" } else { "" }
        )?;
        writeln!(w, "        rollback: {} ({})", terminal(&r.what_rollback_does()), r.outcome.name())?;
        writeln!(w, "        why: {}", terminal(&r.reason))?;
        writeln!(w, "        source: {}", terminal(&r.source))?;
    }
    Ok(())
}

fn finding_group(
    p: &Painter,
    g: &FindingGroup<'_>,
    reviewing: bool,
    kind: FindingKind,
    w: &mut dyn Write,
) -> std::io::Result<()> {
    // In a review, say which plan a finding is about; `check` has one plan.
    let env = match (g.env, reviewing) {
        (Some(e), true) => format!("{}: ", e.name()),
        _ => String::new(),
    };
    let target = g.target.as_ref().map_or(String::new(), |t| format!("{env}{}  ", terminal(&t.label())));
    write!(w, "  {} {:<20} {target}{}", p.level(g.level), g.id, terminal(g.message))?;
    if let (Some(reason), None) = (&g.reason, &g.cause) {
        write!(w, " ({})", rich(reason))?;
    }
    if let Some(o) = g.origin {
        write!(w, "  [{}]", terminal(&o.to_string()))?;
    }
    writeln!(w)?;
    if let Some(waiver) = g.waived {
        writeln!(
            w,
            "        waived by {}: {}{}",
            terminal(&waiver.origin.to_string()),
            terminal(&waiver.reason),
            waiver.validity().map_or(String::new(), |v| format!(" ({})", terminal(&v)))
        )?;
    }
    if kind != FindingKind::Blocking {
        return Ok(());
    }
    if let Some(cause) = &g.cause {
        let mut why = vec![rich(&cause.what)];
        if !cause.forced_by.is_empty() {
            let forced: Vec<String> = cause.forced_by.iter().map(forced_text).collect();
            why.push(format!("forced by {}", forced.join(", ")));
        }
        if !cause.identity.is_empty() {
            let ids: Vec<String> =
                cause.identity.iter().map(|(p, v)| format!("{} = {}", terminal(p), terminal(&v.inline()))).collect();
            why.push(format!("identified by {}", ids.join(", ")));
        }
        writeln!(w, "        why: {}", why.join("; "))?;
    }
    if let Some(u) = &g.unblock {
        match (&u.address, u.instead) {
            (Some(address), _) => {
                let explain = u.explain_command().map_or(String::new(), |c| format!("; see `{c}`"));
                writeln!(
                    w,
                    "        to unblock: add an [[exception]] with rule = {}, address = {} and a reason{explain}",
                    terminal(&toml_string(&u.rule)),
                    terminal(&toml_string(address))
                )?;
            }
            (None, Some(instead)) => writeln!(w, "        to unblock: {instead}")?,
            (None, None) => {}
        }
    }
    Ok(())
}

/// `engine_version ("15.4" -> "16.1")`, or the path alone.
fn forced_text(d: &DiffLine) -> String {
    let path = terminal(&d.path);
    match (&d.before, &d.after) {
        (Some(b), Some(a)) if b.lines().is_none() && a.lines().is_none() => {
            format!("{path} ({} -> {})", terminal(&b.inline()), terminal(&a.inline()))
        }
        _ => path.into_owned(),
    }
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

fn change_block(p: &Painter, c: &ChangeView<'_>, w: &mut dyn Write) -> std::io::Result<()> {
    writeln!(w)?;
    let header = format!("  {} {} {}", c.symbol, terminal(&c.target.label()), c.verb);
    writeln!(w, "{}", p.paint(&header, action_style(c.change.action).bold()))?;
    if let Some(reason) = &c.reason {
        writeln!(w, "      {}", rich(reason))?;
    }
    for note in &c.notes {
        writeln!(w, "      {}", rich(note))?;
    }
    if let Some(s) = c.stateful {
        writeln!(w, "      stateful: {}", terminal(s))?;
    }
    if let (Some(sentence), Some(status)) = (&c.staging, c.status) {
        let style = match status {
            MatchStatus::Matched => Style::new().green(),
            MatchStatus::ValueDiffers => Style::new().cyan(),
            MatchStatus::Escalated => Style::new().red(),
            MatchStatus::Diverged | MatchStatus::Absent => Style::new().yellow(),
        };
        writeln!(w, "      {}", p.paint(&rich(sentence), style))?;
    }
    if !c.findings.is_empty() {
        let tags: Vec<String> = c
            .findings
            .iter()
            .map(|t| format!("{} {}{}", p.level(t.level).trim_end(), t.id, if t.waived { " (waived)" } else { "" }))
            .collect();
        writeln!(w, "      findings: {}", tags.join(", "))?;
    }
    for path in c.paths {
        writeln!(w, "      ~ {}", terminal(path))?;
    }
    for d in &c.lines {
        diff_rows(p, d, "      ", w)?;
    }
    if !c.edits.is_empty() {
        writeln!(w, "      edits compared with staging's:")?;
        for n in &c.edits {
            writeln!(w, "        {}", terminal(&super::edit_note_line(n)))?;
        }
    }
    Ok(())
}

fn diff_rows(p: &Painter, d: &DiffLine, indent: &str, w: &mut dyn Write) -> std::io::Result<()> {
    for row in d.rows() {
        let (sign, style) = match row.sign {
            Sign::Add => ("+", Style::new().green()),
            Sign::Remove => ("-", Style::new().red()),
            Sign::Change => ("~", Style::new().yellow()),
            Sign::Same => (" ", Style::new()),
            Sign::Note => (" ", Style::new().dimmed()),
        };
        let pad = "  ".repeat(row.depth);
        let mut forces = if row.forced { p.paint("  # forces replacement", Style::new().red()) } else { String::new() };
        if let Some(s) = &row.staging {
            forces.push_str(&p.paint(&format!("  ({})", terminal(s)), Style::new().cyan()));
        }
        let text = format!("{indent}{sign} {pad}{}", terminal(&row.text));
        // A changed attribute's sign is coloured, its values are not.
        let text = if row.sign == Sign::Change && row.depth == 0 {
            format!("{indent}{} {pad}{}", p.paint(sign, style), terminal(&row.text))
        } else {
            p.paint(&text, style)
        };
        writeln!(w, "{text}{forces}")?;
    }
    Ok(())
}
