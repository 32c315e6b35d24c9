//! Reports of many stacks: each format's single-review renderer composed
//! once per stack, under one roll-up.
//!
//! * text: the overall verdict, a roll-up table (stack, verdict, counts),
//!   then each stack that has something to show, rendered as a single
//!   review under its own heading.
//! * Markdown: one comment. The marker, the overall verdict, the roll-up
//!   table and every blocking finding of every stack are never folded;
//!   then one folded section per stack with something to show. The whole
//!   comment fits one `max_chars` budget: what is left after the unfolded
//!   part is shared among the stacks' sections (a stack that needs less
//!   leaves the rest to the others), and each stack's section drops detail
//!   the way a single comment does. A stack with nothing to show is its row
//!   in the table, nothing more.
//! * JSON: see [`super::json::render_stacks`].
//!
//! Stack names come from file paths, which the user does not fully control
//! (a checked-out repository): they are escaped like plan text.

use std::io::Write;

use owo_colors::{OwoColorize, Style};
use tabled::builder::Builder;
use tabled::settings::Style as TableStyle;

use super::escape::{md_code, md_text, terminal};
use super::markdown::MarkdownOptions;
use super::text::TextOptions;
use crate::review::stacks::{Stack, StackOutcome, Stacks};
use crate::review::{Finding, Verdict};
use crate::rules::Level;

fn verdict_word(v: Verdict) -> &'static str {
    match v {
        Verdict::Block => "block",
        Verdict::Warn => "warn",
        Verdict::Pass => "pass",
    }
}

fn plural(n: usize, noun: &str) -> String {
    if n == 1 { format!("{n} {noun}") } else { format!("{n} {noun}s") }
}

fn stack_counts(stacks: &Stacks) -> String {
    let (b, w, p) = stacks.verdict_counts();
    format!("{}: {b} blocked, {w} with warnings, {p} passed", plural(stacks.stacks.len(), "stack"))
}

/// The text report of many stacks.
pub fn text(stacks: &Stacks, opts: TextOptions, out: &mut dyn Write) -> std::io::Result<()> {
    let paint = |s: &str, style: Style| if opts.color { s.style(style).to_string() } else { s.to_owned() };
    let verdict_style = |v: Verdict| match v {
        Verdict::Block => Style::new().red().bold(),
        Verdict::Warn => Style::new().yellow().bold(),
        Verdict::Pass => Style::new().green().bold(),
    };
    let mut w = std::io::BufWriter::new(out);
    let overall = match stacks.verdict {
        Verdict::Block => "BLOCKED",
        Verdict::Warn => "PASSED WITH WARNINGS",
        Verdict::Pass => "PASSED",
    };
    writeln!(
        w,
        "plangate {}: {} ({})",
        stacks.command,
        paint(overall, verdict_style(stacks.verdict)),
        stack_counts(stacks)
    )?;
    writeln!(w)?;

    let mut b = Builder::default();
    b.push_record(["stack", "verdict", "block", "warn", "info", "waived", "changes", "plans"]);
    for s in &stacks.stacks {
        b.push_record([
            terminal(&s.name).into_owned(),
            verdict_word(s.verdict()).to_owned(),
            s.count(Level::Block).to_string(),
            s.count(Level::Warn).to_string(),
            s.count(Level::Info).to_string(),
            s.waived().to_string(),
            s.change_count().to_string(),
            sides(s).to_owned(),
        ]);
    }
    let mut table = b.build();
    table.with(TableStyle::rounded());
    writeln!(w, "{table}")?;

    for s in by_severity(stacks) {
        writeln!(w)?;
        let title = format!("━━ stack {} ━━ {}", terminal(&s.name), verdict_word(s.verdict()));
        writeln!(w, "{}", paint(&title, Style::new().bold()))?;
        match &s.outcome {
            StackOutcome::Reviewed(review) => {
                w.flush()?;
                super::text::render(review, opts, &mut w)?;
            }
            StackOutcome::StagingOnly { staging, findings, .. } => {
                writeln!(w, "  staging {}", terminal(&staging.file))?;
                for f in findings {
                    writeln!(w, "  {} {:<20} {}", f.level.name().to_uppercase(), f.id.name(), terminal(&f.message))?;
                }
            }
        }
    }
    w.flush()
}

/// The stacks with something to show, most severe verdict first, then by name.
fn by_severity(stacks: &Stacks) -> Vec<&Stack> {
    let mut shown: Vec<&Stack> = stacks.stacks.iter().filter(|s| s.has_something_to_show()).collect();
    shown.sort_by_key(|s| std::cmp::Reverse(s.verdict()));
    shown
}

/// Which plans a stack has.
fn sides(s: &Stack) -> &'static str {
    match &s.outcome {
        StackOutcome::StagingOnly { .. } => "staging only",
        StackOutcome::Reviewed(r) => match (r.command(), r.staging().is_some()) {
            ("check", _) => "one plan",
            (_, true) => "both",
            (_, false) => "prod only",
        },
    }
}

fn chars(s: &str) -> usize {
    s.chars().count()
}

fn verdict_badge(v: Verdict) -> &'static str {
    match v {
        Verdict::Block => "⛔ block",
        Verdict::Warn => "⚠️ warn",
        Verdict::Pass => "✅ pass",
    }
}

/// One blocking finding line, naming its stack; `short` leaves out the message.
fn blocked_line(stack: &str, f: &Finding, short: bool) -> String {
    let mut s = format!("- {} · **{}** {}", md_code(stack), f.level.name(), md_code(f.id.name()));
    if let Some(env) = f.env {
        s.push(' ');
        s.push_str(env.name());
    }
    if let Some(a) = &f.address {
        s.push(' ');
        s.push_str(&md_code(a));
    }
    if !short {
        s.push_str(": ");
        s.push_str(&md_text(&f.message));
        if let Some(origin) = &f.origin {
            s.push_str(&format!(" (from {})", md_code(&origin.to_string())));
        }
    }
    s.push('\n');
    s
}

fn roll_up_row(s: &Stack) -> String {
    format!(
        "| {} | {} | {} | {} | {} | {} | {} |\n",
        md_code(&s.name),
        verdict_badge(s.verdict()),
        s.count(Level::Block),
        s.count(Level::Warn),
        s.count(Level::Info),
        s.change_count(),
        sides(s)
    )
}

const ROLL_UP_HEAD: &str =
    "| stack | verdict | block | warn | info | changes | plans |\n| :-- | :-- | --: | --: | --: | --: | :-- |\n";

/// The opening and closing of one stack's folded section.
fn section_open(s: &Stack) -> String {
    let mut parts = Vec::new();
    for (level, name) in [(Level::Block, "block"), (Level::Warn, "warn"), (Level::Info, "info")] {
        let n = s.count(level);
        if n > 0 {
            parts.push(format!("{n} {name}"));
        }
    }
    let counts = if parts.is_empty() { String::new() } else { format!(" · {}", parts.join(", ")) };
    // A blocked stack's section is open: its blocking findings, with why
    // and how to unblock them, show without a click.
    let open = if s.verdict() == Verdict::Block { " open" } else { "" };
    format!(
        "<details{open}><summary><b>{}</b> — {}{counts}</summary>\n\n",
        md_text(&s.name),
        verdict_badge(s.verdict())
    )
}

const SECTION_CLOSE: &str = "\n</details>\n\n";

/// The body of one stack's section within `budget` characters (never more).
fn section_body(s: &Stack, budget: usize) -> String {
    match &s.outcome {
        StackOutcome::Reviewed(review) => super::markdown::render_section(review, budget),
        StackOutcome::StagingOnly { staging, findings, .. } => {
            let mut out = format!("Staging plan {}, no prod plan.\n\n", md_code(&staging.file));
            for f in findings {
                out.push_str(&format!("- **{}** {}: {}\n", f.level.name(), md_code(f.id.name()), md_text(&f.message)));
            }
            if chars(&out) > budget { String::new() } else { out }
        }
    }
}

/// The Markdown comment of many stacks, within `opts.max_chars`.
pub fn markdown(stacks: &Stacks, opts: &MarkdownOptions, out: &mut dyn Write) -> std::io::Result<()> {
    out.write_all(markdown_string(stacks, opts).as_bytes())?;
    out.flush()
}

fn markdown_string(stacks: &Stacks, opts: &MarkdownOptions) -> String {
    let max = opts.max_chars;
    let heading = match stacks.verdict {
        Verdict::Block => "⛔ plangate: blocked",
        Verdict::Warn => "⚠️ plangate: passed with warnings",
        Verdict::Pass => "✅ plangate: passed",
    };
    let mut head = format!("<!-- plangate:{} -->\n### {heading}\n\n{}.\n\n", opts.comment_id, stack_counts(stacks));

    // The blocking findings of every stack, in stack order.
    let blocked: Vec<(&Stack, &Finding)> = stacks
        .stacks
        .iter()
        .flat_map(|s| s.findings().iter().filter(|f| f.counts() && f.level == Level::Block).map(move |f| (s, f)))
        .collect();
    let blocked_heading = format!("#### ⛔ Blocking findings ({})\n\n", blocked.len());
    let full: Vec<String> = blocked.iter().map(|(s, f)| blocked_line(&s.name, f, false)).collect();
    let short: Vec<String> = blocked.iter().map(|(s, f)| blocked_line(&s.name, f, true)).collect();

    let rows: Vec<String> = stacks.stacks.iter().map(roll_up_row).collect();
    let quiet: Vec<&Stack> = stacks.stacks.iter().filter(|s| !s.has_something_to_show()).collect();
    let note_room = 300;

    // The unfolded part: the roll-up (every row, or the quiet stacks as one
    // line when every row does not fit), then the blocking findings (in
    // full, or short when the full lines do not fit).
    let table_full: String = format!("{ROLL_UP_HEAD}{}\n", rows.concat());
    let table_compact: String = {
        let loud: String = stacks.stacks.iter().filter(|s| s.has_something_to_show()).map(roll_up_row).collect();
        format!(
            "{ROLL_UP_HEAD}{loud}\n{} with nothing to show (no findings, no changes) are not listed.\n\n",
            plural(quiet.len(), "stack")
        )
    };
    let blocked_chars = |lines: &[String]| {
        if lines.is_empty() { 0 } else { chars(&blocked_heading) + lines.iter().map(|l| chars(l)).sum::<usize>() + 1 }
    };
    // Without room for every row, the stacks with nothing to show become one
    // line; without room for that, the table goes and the counts above stay.
    let fixed = chars(&head) + note_room;
    let fits = |table: &str, lines: &[String]| fixed + chars(table) + blocked_chars(lines) <= max;
    let (table, blocked_lines, shortened) = if fits(&table_full, &full) {
        (table_full, &full, false)
    } else if fits(&table_compact, &full) {
        (table_compact, &full, false)
    } else if fits("", &full) {
        (String::new(), &full, false)
    } else if fits(&table_compact, &short) {
        (table_compact, &short, true)
    } else {
        (String::new(), &short, true)
    };
    let table_left_out = table.is_empty();
    head.push_str(&table);
    if !blocked.is_empty() {
        head.push_str(&blocked_heading);
        for l in blocked_lines {
            head.push_str(l);
        }
        head.push('\n');
    }

    // Sections: most severe stacks first get their share first; a stack
    // that needs less than its share leaves the rest to the ones after it.
    // Each section is rendered whole once; only a section over its share is
    // rendered again, shorter.
    let mut order: Vec<&Stack> = by_severity(stacks);
    let mut full_bodies: Vec<String> = order.iter().map(|s| section_body(s, usize::MAX)).collect();
    let mut need: Vec<(usize, &Stack, usize)> =
        order.drain(..).zip(&full_bodies).enumerate().map(|(i, (s, b))| (i, s, chars(b))).collect();
    need.sort_by_key(|(i, s, n)| (std::cmp::Reverse(s.verdict()), *n, *i));
    let mut left = max.saturating_sub(chars(&head) + note_room);
    let mut bodies: Vec<Option<String>> = vec![None; need.len()];
    let mut omitted = 0;
    for k in 0..need.len() {
        let (i, s, full_len) = need[k];
        let wrapper = chars(&section_open(s)) + chars(SECTION_CLOSE);
        let share = left / (need.len() - k);
        let budget = share.max(wrapper + 200).min(left);
        if budget < wrapper + 1 {
            omitted += 1;
            continue;
        }
        let body = if budget - wrapper >= full_len {
            std::mem::take(&mut full_bodies[i])
        } else {
            section_body(s, budget - wrapper)
        };
        let cost = wrapper + chars(&body);
        if body.is_empty() || cost > left {
            omitted += 1;
            continue;
        }
        left -= cost;
        bodies[i] = Some(body);
    }
    let mut doc = head;
    for (s, body) in by_severity(stacks).iter().zip(&bodies) {
        if let Some(body) = body {
            doc.push_str(&section_open(s));
            doc.push_str(body);
            doc.truncate(doc.trim_end_matches('\n').len());
            doc.push('\n');
            doc.push_str(SECTION_CLOSE);
        }
    }
    let mut left_out = Vec::new();
    if omitted > 0 {
        left_out.push(plural(omitted, "stack section"));
    }
    if table_left_out {
        left_out.push("the roll-up table".to_owned());
    }
    let mut notes = Vec::new();
    if !left_out.is_empty() {
        notes.push(format!("{} left out", left_out.join(" and ")));
    }
    if shortened {
        notes.push(format!("{} shortened", plural(blocked.len(), "blocking finding")));
    }
    if !notes.is_empty() {
        doc.push_str(&format!(
            "_{} to fit the {max}-character limit; run plangate locally or use `--format json` for everything._\n",
            notes.join(" and ")
        ));
    }
    doc.truncate(doc.trim_end_matches('\n').len());
    doc.push('\n');
    doc
}
