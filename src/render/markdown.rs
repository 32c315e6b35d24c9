//! The Markdown comment (`--format markdown`): one comment covering both
//! environments, for a bot to post on a pull or merge request and update in
//! place. GitHub- and GitLab-flavoured Markdown.
//!
//! Layout: the hidden marker `<!-- plangate:ID -->` on line 1, the verdict,
//! what was compared, a summary table, the blocking findings (never folded),
//! then folded `<details>` sections: waived findings, warnings, info, prod's
//! resource diffs (changes with a blocking finding, destructive changes, not
//! in staging or escalated, diverged, the rest), staging's own destructive
//! changes, drift, output changes.
//!
//! Invariants:
//! * Every plan-derived string goes through [`super::escape`]: `md_text` in
//!   prose, `md_code` in code spans, `md_code_line` inside fenced blocks
//!   whose fence comes from `md_fence`. No value can close a fence, open or
//!   close `<details>`, break the table, inject HTML or forge the marker,
//!   which appears exactly once, on line 1.
//! * The comment has at most `max_chars` characters (`chars()`, not bytes).
//!   When everything does not fit, whole items (one finding line, one
//!   resource's diff block) are kept in this order and the rest dropped:
//!   blocking findings, the summary table, waived findings, diffs of changes
//!   with a blocking finding, diffs of destructive changes, warnings, diffs
//!   of changes not in staging or escalated, diffs of diverged changes, info
//!   findings, other prod diffs, staging context, drift, outputs. A note at
//!   the end says what was left out. Blocking findings are never dropped: if
//!   they do not fit in full they are shortened to one short line each, and
//!   if even that does not fit the comment goes over the budget.
//! * Structure stays balanced: a `<details>` is opened only for a section
//!   with at least one kept item and always closed; items are never cut.
//! * Deterministic: the same review always renders the same text.

use std::io::Write;

use super::escape::{md_code, md_code_line, md_fence, md_text};
use super::{SUMMARY_COLUMNS, column_count, line_diff, summary_columns};
use crate::plan::Action;
use crate::review::{AttrDiff, Change, Finding, MatchStatus, PlanInfo, Review, Shown, StagingMatch, Verdict, Via};
use crate::rules::{Level, RuleId};

/// The comment id used when none is given.
pub const DEFAULT_COMMENT_ID: &str = "plangate";
/// The default size budget: GitHub's limit on a comment body, in characters.
pub const DEFAULT_MAX_CHARS: usize = crate::comment::GITHUB_MAX_BODY_CHARS;

/// At most this many of prod's extra attribute paths are named per change.
const MAX_EXTRA_PATHS: usize = 10;
/// When a change has no display diffs, at most this many changed paths are listed.
const MAX_CHANGED_PATHS: usize = 200;

/// Settings of the Markdown renderer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MarkdownOptions {
    /// The id in the hidden marker `<!-- plangate:ID -->` a bot looks for to
    /// update its own comment. Written as given: the CLI checks it with
    /// [`crate::comment::check_comment_id`].
    pub comment_id: String,
    /// The most characters (Unicode scalar values, not bytes) the comment
    /// may have.
    pub max_chars: usize,
}

impl Default for MarkdownOptions {
    fn default() -> MarkdownOptions {
        MarkdownOptions { comment_id: DEFAULT_COMMENT_ID.to_owned(), max_chars: DEFAULT_MAX_CHARS }
    }
}

/// Writes the comment.
pub fn render(review: &Review, opts: &MarkdownOptions, out: &mut dyn Write) -> std::io::Result<()> {
    let comment = Comment::build(review);
    out.write_all(comment.fit(opts).as_bytes())?;
    out.flush()
}

fn chars(s: &str) -> usize {
    s.chars().count()
}

/// A piece of text and its length in characters.
struct Piece {
    text: String,
    chars: usize,
}

impl Piece {
    fn new(text: String) -> Piece {
        Piece { chars: chars(&text), text }
    }
}

/// What a section's items are, for the left-out note and the layout.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// One list line per finding.
    Findings,
    /// One short line and one fenced diff per resource.
    Diffs,
    /// A single fenced block of every output change.
    Outputs,
}

/// A folded `<details>` section.
struct Section {
    title: String,
    kind: Kind,
    /// Lower is kept first when the budget is tight.
    priority: u8,
    /// Whether the summary shows the number of items (`false` when the title
    /// carries its own count).
    counted: bool,
    items: Vec<Piece>,
}

impl Section {
    fn open(&self, shown: usize) -> String {
        let n = self.items.len();
        let count = if !self.counted {
            String::new()
        } else if shown == n {
            format!(" ({n})")
        } else {
            format!(" ({shown} of {n} shown)")
        };
        format!("<details><summary>{}{count}</summary>\n\n", self.title)
    }

    fn close(&self) -> &'static str {
        match self.kind {
            // A list needs a blank line before `</details>`; diff items end with one.
            Kind::Findings => "\n</details>\n\n",
            Kind::Diffs | Kind::Outputs => "</details>\n\n",
        }
    }

    /// The most characters opening and closing the section can cost.
    fn wrapper_chars(&self) -> usize {
        let n = self.items.len();
        let widest = if self.counted { format!(" ({n} of {n} shown)") } else { String::new() };
        chars(&format!("<details><summary>{}{widest}</summary>\n\n", self.title)) + chars(self.close())
    }
}

/// Everything the comment can hold, before fitting it to the budget.
struct Comment {
    /// Whether the comment starts with the marker (not a stack's section).
    marked: bool,
    /// Verdict heading and what was compared (after the marker).
    head: String,
    /// The summary table and finding counts.
    table: Piece,
    /// Each counting `block` finding: (full line, short line).
    blocked: Vec<(Piece, Piece)>,
    /// Folded sections, in display order.
    sections: Vec<Section>,
    /// The Rollback section, last: in full, and short (a count).
    rollback: (Piece, Piece),
}

/// Which parts of a [`Comment`] are written.
struct Choice {
    /// The first this many blocking findings are written in full, the rest short.
    full_blocked: usize,
    table: bool,
    /// Per section, per item.
    kept: Vec<Vec<bool>>,
    /// The Rollback section: 2 in full, 1 short, 0 left out.
    rollback: u8,
}

impl Comment {
    fn build(review: &Review) -> Comment {
        let blocked = review
            .findings
            .iter()
            .filter(|f| f.counts() && f.level == Level::Block)
            .map(|f| (Piece::new(finding_line(review, f, false)), Piece::new(finding_line(review, f, true))))
            .collect();

        let findings_section = |title: &str, priority: u8, keep: &dyn Fn(&Finding) -> bool| Section {
            title: title.to_owned(),
            kind: Kind::Findings,
            priority,
            counted: true,
            items: review
                .findings
                .iter()
                .filter(|f| keep(f))
                .map(|f| Piece::new(finding_line(review, f, false)))
                .collect(),
        };
        let mut sections = vec![
            findings_section("Waived findings", 2, &|f| !f.counts()),
            findings_section("Warnings", 5, &|f| f.counts() && f.level == Level::Warn),
            findings_section("Info", 8, &|f| f.counts() && f.level == Level::Info),
        ];

        let reviewing = review.staging().is_some();
        let groups: [(&str, &str, u8); 5] = [
            ("Prod changes with blocking findings", "Changes with blocking findings", 3),
            ("Prod: destructive changes", "Destructive changes", 4),
            ("Prod: not in staging, or more destructive than in staging", "", 6),
            ("Prod: diverged from staging", "", 7),
            ("Prod: other changes", "Other changes", 9),
        ];
        let mut grouped: [Vec<Piece>; 5] = Default::default();
        for c in &review.changes {
            grouped[group(review, c)].push(Piece::new(change_item(review, c, Context::Plan)));
        }
        for ((review_title, check_title, priority), items) in groups.into_iter().zip(grouped) {
            sections.push(Section {
                title: if reviewing || check_title.is_empty() { review_title } else { check_title }.to_owned(),
                kind: Kind::Diffs,
                priority,
                counted: true,
                items,
            });
        }
        sections.push(Section {
            title: "Staging context: staging's own destructive changes".to_owned(),
            kind: Kind::Diffs,
            priority: 10,
            counted: true,
            items: review
                .staging_changes()
                .iter()
                .filter(|c| destructive(review, c) || has_counting_block(review, c))
                .map(|c| Piece::new(change_item(review, c, Context::Plan)))
                .collect(),
        });
        sections.push(Section {
            title: "Drift: changed outside Terraform".to_owned(),
            kind: Kind::Diffs,
            priority: 11,
            counted: true,
            items: review.drift.iter().map(|c| Piece::new(change_item(review, c, Context::Drift))).collect(),
        });
        sections.push(Section {
            title: format!("Output changes ({})", review.outputs.len()),
            kind: Kind::Outputs,
            priority: 12,
            counted: false,
            items: if review.outputs.is_empty() { Vec::new() } else { vec![Piece::new(outputs_item(review))] },
        });

        Comment {
            marked: true,
            head: head(review),
            table: Piece::new(summary_table(review)),
            blocked,
            sections,
            rollback: (Piece::new(rollback_section(review)), Piece::new(rollback_short(review))),
        }
    }

    fn everything(&self) -> Choice {
        Choice {
            full_blocked: self.blocked.len(),
            table: true,
            kept: self.sections.iter().map(|s| vec![true; s.items.len()]).collect(),
            rollback: 2,
        }
    }

    fn nothing(&self) -> Choice {
        Choice {
            full_blocked: 0,
            table: false,
            kept: self.sections.iter().map(|s| vec![false; s.items.len()]).collect(),
            rollback: 0,
        }
    }

    /// The comment within `opts.max_chars`, dropping detail in priority order.
    fn fit(&self, opts: &MarkdownOptions) -> String {
        let max = opts.max_chars;
        let doc = self.assemble(&self.everything(), opts);
        if chars(&doc) <= max {
            return doc;
        }

        // The note with everything left out is the longest it can be.
        let reserve = self.note(&self.nothing(), max).map_or(0, |n| chars(&n));
        let budget = max.saturating_sub(reserve);
        let mut choice = self.nothing();
        let mut used = chars(&self.marker(opts)) + chars(&self.head) + self.blocked_frame_chars();
        used += self.blocked.iter().map(|(_, short)| short.chars).sum::<usize>();
        let (rollback_full, rollback_short) = &self.rollback;
        if used + rollback_short.chars <= budget {
            used += rollback_short.chars;
            choice.rollback = 1;
        }

        for (full, short) in &self.blocked {
            let extra = full.chars.saturating_sub(short.chars);
            if used + extra > budget {
                break;
            }
            used += extra;
            choice.full_blocked += 1;
        }
        if choice.rollback == 1 && used + rollback_full.chars - rollback_short.chars <= budget {
            used += rollback_full.chars - rollback_short.chars;
            choice.rollback = 2;
        }
        if used + self.table.chars <= budget {
            used += self.table.chars;
            choice.table = true;
        }
        let mut order: Vec<usize> = (0..self.sections.len()).collect();
        order.sort_by_key(|&i| (self.sections[i].priority, i));
        let mut kept_order = Vec::new();
        for s in order {
            let section = &self.sections[s];
            let mut opened = false;
            for (i, item) in section.items.iter().enumerate() {
                let cost = item.chars + if opened { 0 } else { section.wrapper_chars() };
                if used + cost <= budget {
                    used += cost;
                    opened = true;
                    choice.kept[s][i] = true;
                    kept_order.push((s, i));
                }
            }
        }

        // The estimates above are upper bounds; this only guards against a
        // mistake in them, so the budget holds whatever happens.
        let mut doc = self.assemble(&choice, opts);
        while chars(&doc) > max {
            if let Some((s, i)) = kept_order.pop() {
                choice.kept[s][i] = false;
            } else if choice.table {
                choice.table = false;
            } else if choice.rollback > 0 {
                choice.rollback -= 1;
            } else if choice.full_blocked > 0 {
                choice.full_blocked = 0;
            } else {
                break;
            }
            doc = self.assemble(&choice, opts);
        }
        doc
    }

    fn blocked_frame_chars(&self) -> usize {
        if self.blocked.is_empty() { 0 } else { chars(&blocked_heading(self.blocked.len())) + 1 }
    }

    fn marker(&self, opts: &MarkdownOptions) -> String {
        if self.marked { marker(opts) } else { String::new() }
    }

    fn assemble(&self, choice: &Choice, opts: &MarkdownOptions) -> String {
        let mut s = self.marker(opts);
        s.push_str(&self.head);
        if choice.table {
            s.push_str(&self.table.text);
        }
        if !self.blocked.is_empty() {
            s.push_str(&blocked_heading(self.blocked.len()));
            for (i, (full, short)) in self.blocked.iter().enumerate() {
                s.push_str(if i < choice.full_blocked { &full.text } else { &short.text });
            }
            s.push('\n');
        }
        for (section, kept) in self.sections.iter().zip(&choice.kept) {
            let shown = kept.iter().filter(|k| **k).count();
            if shown == 0 {
                continue;
            }
            s.push_str(&section.open(shown));
            for (item, _) in section.items.iter().zip(kept).filter(|(_, k)| **k) {
                s.push_str(&item.text);
            }
            s.push_str(section.close());
        }
        if choice.rollback > 0 && !s.ends_with("\n\n") {
            s.push('\n');
        }
        match choice.rollback {
            2 => s.push_str(&self.rollback.0.text),
            1 => s.push_str(&self.rollback.1.text),
            _ => {}
        }
        if let Some(note) = self.note(choice, opts.max_chars) {
            s.push_str(&note);
        }
        // One final newline, whatever came last.
        s.truncate(s.trim_end_matches('\n').len());
        s.push('\n');
        s
    }

    /// The note saying what was left out, if anything was.
    fn note(&self, choice: &Choice, max: usize) -> Option<String> {
        let mut diffs = 0;
        let mut findings = 0;
        let mut outputs = false;
        for (section, kept) in self.sections.iter().zip(&choice.kept) {
            let dropped = kept.iter().filter(|k| !**k).count();
            match section.kind {
                Kind::Diffs => diffs += dropped,
                Kind::Findings => findings += dropped,
                Kind::Outputs => outputs |= dropped > 0,
            }
        }
        let mut parts = Vec::new();
        if diffs > 0 {
            parts.push(plural(diffs, "resource diff"));
        }
        if findings > 0 {
            parts.push(plural(findings, "finding"));
        }
        if outputs {
            parts.push("the output changes".to_owned());
        }
        if !choice.table {
            parts.push("the summary table".to_owned());
        }
        if choice.rollback == 0 {
            parts.push("the Rollback section".to_owned());
        }
        let mut what = Vec::new();
        if !parts.is_empty() {
            what.push(format!("{} left out", join_and(&parts)));
        }
        let shortened = self.blocked.len() - choice.full_blocked;
        if shortened > 0 {
            what.push(format!("{} shortened", plural(shortened, "blocking finding")));
        }
        if choice.rollback == 1 && !self.rollback.0.text.is_empty() {
            what.push("the Rollback section shortened".to_owned());
        }
        if what.is_empty() {
            return None;
        }
        // A stack's section has a share of the comment's budget, not a limit of its own.
        let limit = if self.marked { format!("the {max}-character limit") } else { "the comment".to_owned() };
        Some(format!(
            "_{} to fit {limit}; run plangate locally or use `--format json` for everything._\n",
            what.join(" and ")
        ))
    }
}

fn marker(opts: &MarkdownOptions) -> String {
    format!("<!-- plangate:{} -->\n", opts.comment_id)
}

fn blocked_heading(n: usize) -> String {
    format!("#### ⛔ Blocking findings ({n})\n\n")
}

fn plural(n: usize, noun: &str) -> String {
    if n == 1 { format!("{n} {noun}") } else { format!("{n} {noun}s") }
}

fn join_and(parts: &[String]) -> String {
    match parts {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// The verdict heading and what was compared.
fn head(review: &Review) -> String {
    let verdict = match review.verdict {
        Verdict::Block => "⛔ plangate: blocked",
        Verdict::Warn => "⚠️ plangate: passed with warnings",
        Verdict::Pass => "✅ plangate: passed",
    };
    format!("### {verdict}\n\n{}", compared(review))
}

/// What was compared, as one paragraph.
fn compared(review: &Review) -> String {
    let gated = md_code(&review.gated().file);
    match (review.staging(), review.command()) {
        (Some(staging), _) => format!("Prod plan {gated} against staging plan {}.\n\n", md_code(&staging.file)),
        (None, "review") => format!("Prod plan {gated}; this stack has no staging plan.\n\n"),
        (None, _) => format!("One plan checked: {gated}.\n\n"),
    }
}

/// The body of one stack's folded section in a comment of many stacks
/// (`render::stacks`), within `max_chars`: what was compared, the summary
/// table and the folded sections. No marker, no verdict heading, and no
/// blocking findings: the comment lists every stack's first.
pub fn render_section(review: &Review, max_chars: usize) -> String {
    let mut comment = Comment::build(review);
    comment.marked = false;
    comment.head = compared(review);
    comment.blocked.clear();
    let opts = MarkdownOptions { max_chars, ..MarkdownOptions::default() };
    let body = comment.fit(&opts);
    if chars(&body) > max_chars { String::new() } else { body }
}

/// Changes under action names no column knows (a newer analysis): counted, never hidden.
fn other_count(info: &PlanInfo) -> usize {
    info.actions
        .iter()
        .filter(|(name, _)| {
            name.as_str() != "no-op" && !SUMMARY_COLUMNS.iter().any(|(_, names)| names.contains(&name.as_str()))
        })
        .map(|(_, n)| n)
        .sum()
}

/// The per-action table of both plans and the finding counts.
fn summary_table(review: &Review) -> String {
    let mut plans: Vec<(&str, &PlanInfo)> = Vec::new();
    match &review.staging() {
        Some(staging) => {
            plans.push(("prod", review.gated()));
            plans.push(("staging", staging));
        }
        None => plans.push(("plan", review.gated())),
    }
    let infos: Vec<&PlanInfo> = plans.iter().map(|(_, p)| *p).collect();
    let columns = summary_columns(&infos);
    let other = plans.iter().any(|(_, p)| other_count(p) > 0);

    let mut s = String::from("| plan |");
    for (name, _) in &columns {
        s.push_str(&format!(" {name} |"));
    }
    if other {
        s.push_str(" other |");
    }
    s.push_str("\n| :-- |");
    for _ in 0..columns.len() + usize::from(other) {
        s.push_str(" --: |");
    }
    s.push('\n');
    for (label, info) in &plans {
        s.push_str(&format!("| {label} |"));
        for (_, names) in &columns {
            s.push_str(&format!(" {} |", column_count(info, names)));
        }
        if other {
            s.push_str(&format!(" {} |", other_count(info)));
        }
        s.push('\n');
    }
    let count = |level: Level| review.findings.iter().filter(|f| f.counts() && f.level == level).count();
    let waived = review.findings.iter().filter(|f| !f.counts()).count();
    s.push_str(&format!(
        "\n**Findings:** {} block · {} warn · {} info · {waived} waived\n\n",
        count(Level::Block),
        count(Level::Warn),
        count(Level::Info)
    ));
    s
}

/// One list line for a finding; `short` keeps only level, id, environment
/// and address.
/// At most this many one-way edits are listed in the Rollback section; the
/// rest are counted (each also has its `one-way` finding).
const MAX_ROLLBACK_ITEMS: usize = 25;

/// The Rollback section: the one-way edits and what promoting the previous
/// artifact would do, or that none is known. Not folded: a reviewer must see
/// it before approving.
fn rollback_section(review: &Review) -> String {
    if review.rollback.is_empty() {
        return "### Rollback\n\nNo known one-way change in this plan: promoting the previous artifact can undo it \
                (as far as the `[[one_way]]` catalogue knows).\n"
            .to_owned();
    }
    let mut s = format!(
        "### Rollback\n\nPromoting the previous artifact cannot undo {}:\n\n",
        plural(review.rollback.len(), "edit")
    );
    for r in review.rollback.iter().take(MAX_ROLLBACK_ITEMS) {
        let waived = r.finding.and_then(|i| review.findings.get(i)).is_some_and(|f| !f.counts());
        s.push_str(&format!(
            "- {} {} {} → {} ({}){}: going back to {} means {} (**{}**). {}. Source: {}\n",
            md_code(&r.address),
            md_code(&r.path),
            md_code(&r.before),
            md_code(&r.after),
            r.direction,
            if waived { ", waived" } else { "" },
            md_code(&r.before),
            md_text(&r.consequence()),
            r.outcome.name(),
            md_text(&r.reason),
            md_code(&r.source)
        ));
    }
    if review.rollback.len() > MAX_ROLLBACK_ITEMS {
        s.push_str(&format!(
            "- and {} more (see the `one-way` findings)\n",
            review.rollback.len() - MAX_ROLLBACK_ITEMS
        ));
    }
    s
}

/// The Rollback section when the budget is tight: the count only.
fn rollback_short(review: &Review) -> String {
    match review.rollback.len() {
        0 => "### Rollback\n\nNo known one-way change.\n".to_owned(),
        n => format!("### Rollback\n\n{}: see the `one-way` findings.\n", plural(n, "one-way edit")),
    }
}

fn finding_line(review: &Review, f: &Finding, short: bool) -> String {
    let mut s = format!("- **{}** {}", f.level.name(), md_code(f.id.name()));
    if let (Some(env), Some(_)) = (f.env, &review.staging()) {
        s.push(' ');
        s.push_str(env.name());
    }
    if let Some(address) = &f.address {
        s.push(' ');
        s.push_str(&md_code(address));
    }
    if !short {
        s.push_str(": ");
        s.push_str(&md_text(&f.message));
        if let Some(origin) = &f.origin {
            s.push_str(&format!(" (from {})", md_code(&origin.to_string())));
        }
        if let Some(w) = &f.waived {
            s.push_str(&format!(
                " — waived by the exception at {}: {}",
                md_code(&w.origin.to_string()),
                md_text(&w.reason)
            ));
            if let Some(expires) = &w.expires {
                s.push_str(&format!(" (expires {})", md_text(expires)));
            }
        }
    }
    s.push('\n');
    s
}

fn has_counting_block(review: &Review, c: &Change) -> bool {
    c.findings.iter().map(|&i| &review.findings[i]).any(|f| f.counts() && f.level == Level::Block)
}

/// Destroys, replaces, forgets, and updates policy marks as disruptive.
fn destructive(review: &Review, c: &Change) -> bool {
    c.action.destroys()
        || c.action.is_replace()
        || c.action == Action::Forget
        || c.findings.iter().any(|&i| review.findings[i].id.is(RuleId::DisruptiveUpdate) && review.findings[i].counts())
}

/// Which prod diff section a change goes to, most severe first.
fn group(review: &Review, c: &Change) -> usize {
    if has_counting_block(review, c) {
        0
    } else if destructive(review, c) {
        1
    } else {
        match c.staging.as_ref().map(|m| m.status) {
            Some(MatchStatus::Absent | MatchStatus::Escalated) => 2,
            Some(MatchStatus::Diverged) => 3,
            _ => 4,
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Context {
    /// A planned change (prod's or staging's).
    Plan,
    /// Prod's `resource_drift`.
    Drift,
}

/// One resource: a short line (address, staging counterpart, findings), then
/// its fenced diff.
fn change_item(review: &Review, c: &Change, context: Context) -> String {
    // Bold words first: a line must never start with a code span, whose
    // backticks could read as a fence.
    let what = match context {
        Context::Drift => "drift".to_owned(),
        Context::Plan => md_text(&c.describe()),
    };
    let mut line = vec![format!("**{what}** {}", md_code(&c.address))];
    if let Some(m) = &c.staging {
        line.push(staging_text(c, m));
    }
    if !c.findings.is_empty() {
        let list: Vec<String> = c
            .findings
            .iter()
            .map(|&i| {
                let f = &review.findings[i];
                let waived = if f.counts() { "" } else { " (waived)" };
                format!("**{}** {}{waived}", f.level.name(), md_code(f.id.name()))
            })
            .collect();
        line.push(format!("findings: {}", list.join(", ")));
    }
    format!("{}\n\n{}\n", line.join(" · "), diff_block(&change_lines(c, context)))
}

/// How a prod change relates to staging, in a few words.
fn staging_text(c: &Change, m: &StagingMatch) -> String {
    let status = match m.status {
        MatchStatus::Matched => "matches staging",
        MatchStatus::ValueDiffers => "same edits as staging, other values",
        MatchStatus::Diverged => "diverged from staging",
        MatchStatus::Escalated => "more destructive than staging",
        MatchStatus::Absent => "not in staging",
    };
    let mut detail = match (m.action, &m.description, &m.address) {
        (Some(Action::NoOp), _, _) => "staging leaves it unchanged".to_owned(),
        (Some(_), Some(what), Some(address)) if address != &c.address => {
            format!("staging will {} {}", md_text(what), md_code(address))
        }
        (Some(_), Some(what), _) => format!("staging will {}", md_text(what)),
        (None, Some(siblings), None) => format!("no such instance; staging changes its {}", md_text(siblings)),
        (_, _, Some(address)) => format!("staging has {}", md_code(address)),
        _ => "no counterpart in staging".to_owned(),
    };
    detail.push_str(match m.via {
        Some(Via::Mapped) => ", mapped address",
        Some(Via::PreviousAddress) => ", by previous address",
        Some(Via::Sibling) => ", another instance",
        Some(Via::Normalized) => ", same name after environment tokens",
        Some(Via::Address) | None => "",
    });
    let mut s = format!("{status} ({detail})");
    if !m.extra_paths.is_empty() {
        let mut paths: Vec<String> = m.extra_paths.iter().take(MAX_EXTRA_PATHS).map(|p| md_code(p)).collect();
        if m.extra_paths.len() > MAX_EXTRA_PATHS {
            paths.push(format!("{} more", m.extra_paths.len() - MAX_EXTRA_PATHS));
        }
        s.push_str(&format!("; only prod changes {}", join_and(&paths)));
    }
    s
}

/// The lines of a change's diff block, escaped for a fenced block.
fn change_lines(c: &Change, context: Context) -> Vec<String> {
    let mut raw = Vec::new();
    let what = match context {
        Context::Drift if c.action == Action::Delete => "was deleted outside Terraform".to_owned(),
        Context::Drift => "has changed outside Terraform".to_owned(),
        Context::Plan => format!("will be {}", c.will_be()),
    };
    let mut header = format!("# {} {what}", c.address);
    if let Some(reason) = &c.action_reason {
        header.push_str(&format!(" (why: {reason})"));
    }
    raw.push(header);
    if let Some(previous) = &c.previous_address {
        raw.push(format!("# (moved from {previous})"));
    }
    if let Some(deposed) = &c.deposed {
        raw.push(format!("# (deposed object {deposed})"));
    }
    if let Some(deferred) = &c.deferred {
        raw.push(format!("# (deferred: {deferred})"));
    }
    if !c.replace_paths.is_empty() && !c.attributes.iter().any(|a| a.forces_replacement) {
        raw.push(format!("# replacement forced by: {}", c.replace_paths.join(", ")));
    }
    if c.attributes.is_empty() {
        for p in c.changed_paths.iter().take(MAX_CHANGED_PATHS) {
            raw.push(format!("! {p}"));
        }
        if c.changed_paths.len() > MAX_CHANGED_PATHS {
            raw.push(format!("# ({} more attributes not shown)", c.changed_paths.len() - MAX_CHANGED_PATHS));
        }
    }
    for a in &c.attributes {
        attr_lines(a, &mut raw);
    }
    if let Some(m) = c.staging.as_ref().filter(|m| m.status != MatchStatus::Matched && !m.notes.is_empty()) {
        raw.push("# edits compared with staging's:".to_owned());
        for n in &m.notes {
            raw.push(format!("#   {}", super::edit_note_line(n)));
        }
    }
    raw.iter().map(|l| md_code_line(l)).collect()
}

/// Terraform-like lines for one attribute: `+ path = after`, `- path =
/// before`, `! path: before -> after`, or a line diff for multi-line values.
/// Unescaped: the caller escapes each line.
fn attr_lines(a: &AttrDiff, out: &mut Vec<String>) {
    let forces = if a.forces_replacement { "  # forces replacement" } else { "" };
    let path = &a.path;
    let multi = (a.before.as_ref().and_then(Shown::lines), a.after.as_ref().and_then(Shown::lines));
    if multi.0.is_some() || multi.1.is_some() {
        let sign = match (&a.before, &a.after) {
            (None, Some(_)) => '+',
            (Some(_), None) => '-',
            _ => '!',
        };
        out.push(format!("{sign} {path}:{forces}"));
        let side = |lines: Option<&str>, shown: &Option<Shown>| {
            lines.map_or_else(|| shown.as_ref().map(Shown::inline).unwrap_or_default(), str::to_owned)
        };
        let before = side(multi.0, &a.before);
        let after = side(multi.1, &a.after);
        for (sign, text) in line_diff(&before, &after) {
            out.push(format!("{sign}     {text}"));
        }
        return;
    }
    out.push(match (&a.before, &a.after) {
        (None, None) => format!("# {path}"),
        (None, Some(after)) => format!("+ {path} = {}{forces}", after.inline()),
        (Some(before), None) => format!("- {path} = {}{forces}", before.inline()),
        (Some(before), Some(after)) => format!("! {path} = {} -> {}{forces}", before.inline(), after.inline()),
    });
}

/// A fenced `diff` block around already-escaped lines, its fence longer than
/// any backtick run inside.
fn diff_block(lines: &[String]) -> String {
    let body = lines.join("\n");
    let fence = md_fence(&body);
    format!("{fence}diff\n{body}\n{fence}\n")
}

/// Every output change in one fenced block.
fn outputs_item(review: &Review) -> String {
    let mut raw = Vec::new();
    for o in &review.outputs {
        match &o.diff {
            Some(d) => attr_lines(d, &mut raw),
            None => {
                let sign = match o.action {
                    Action::Create => '+',
                    Action::Delete => '-',
                    _ => '!',
                };
                raw.push(format!("{sign} {} ({})", o.name, o.action.name()));
            }
        }
    }
    let lines: Vec<String> = raw.iter().map(|l| md_code_line(l)).collect();
    format!("{}\n", diff_block(&lines))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::policy::Origin;
    use crate::review::{Env, Kind, OutputLine, Waiver};
    use crate::rules::FindingId;

    fn plan_info(file: &str, actions: &[(&str, usize)]) -> PlanInfo {
        PlanInfo {
            file: file.to_owned(),
            digest: "sha256:0".to_owned(),
            format_version: Some("1.2".to_owned()),
            terraform_version: Some("1.9.0".to_owned()),
            opentofu: false,
            errored: Some(false),
            complete: Some(true),
            applyable: Some(true),
            actions: actions.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect::<BTreeMap<_, _>>(),
        }
    }

    fn change(address: &str, action: Action) -> Change {
        Change {
            address: address.to_owned(),
            previous_address: None,
            deposed: None,
            type_: address.split('.').next().unwrap_or("x").to_owned(),
            mode: crate::plan::Mode::Managed,
            action,
            importing: false,
            moved: false,
            action_reason: None,
            replace_paths: Vec::new(),
            deferred: None,
            changed_paths: Vec::new(),
            staging: None,
            stateful: None,
            paths: Vec::new(),
            marks: Vec::new(),
            shape: Vec::new(),
            findings: Vec::new(),
            attributes: Vec::new(),
        }
    }

    fn finding(id: &str, level: Level, address: &str) -> Finding {
        Finding {
            id: id.parse::<RuleId>().map_or_else(|()| FindingId::Custom(id.to_owned()), FindingId::Builtin),
            level,
            env: Some(Env::Prod),
            address: Some(address.to_owned()),
            message: format!("{id} at {address}"),
            origin: None,
            waived: None,
        }
    }

    fn value(s: &str) -> Option<Shown> {
        Some(Shown::Value(s.to_owned()))
    }

    /// A `review` of these prod changes and findings; findings are tied to
    /// the prod change with their address, and the verdict follows them.
    fn review_of(changes: Vec<Change>, findings: Vec<Finding>) -> Review {
        let mut changes = changes;
        let by_address: BTreeMap<String, usize> =
            changes.iter().enumerate().map(|(i, c)| (c.address.clone(), i)).collect();
        for (i, f) in findings.iter().enumerate() {
            if let Some(&c) = f.address.as_ref().and_then(|a| by_address.get(a)) {
                changes[c].findings.push(i);
            }
        }
        let verdict = match findings.iter().filter(|f| f.counts()).map(|f| f.level).max() {
            Some(Level::Block) => Verdict::Block,
            Some(Level::Warn) => Verdict::Warn,
            _ => Verdict::Pass,
        };
        Review {
            kind: Kind::Review {
                prod: plan_info("prod.json", &[("create", 1), ("replace", 1), ("replace-create-first", 2)]),
                staging: plan_info("staging.json", &[("update", 3), ("no-op", 7)]),
                staging_changes: Vec::new(),
            },
            verdict,
            findings,
            changes,
            drift: Vec::new(),
            outputs: Vec::new(),
            rollback: Vec::new(),
        }
    }

    fn md(review: &Review, max_chars: usize) -> String {
        let mut out = Vec::new();
        let opts = MarkdownOptions { max_chars, ..MarkdownOptions::default() };
        render(review, &opts, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    /// The text outside fenced code blocks; panics on a fence left open.
    fn outside_fences(md: &str) -> String {
        let mut out = String::new();
        let mut open: Option<usize> = None;
        for line in md.split('\n') {
            let trimmed = line.trim_start_matches(' ');
            let indent = line.len() - trimmed.len();
            let ticks = trimmed.chars().take_while(|&c| c == '`').count();
            match open {
                None if indent <= 3 && trimmed.starts_with("~~~") => {
                    panic!("a tilde fence: {line}")
                }
                None if indent <= 3 && ticks >= 3 => {
                    assert!(!trimmed[ticks..].contains('`'), "bad info string: {line}");
                    open = Some(ticks);
                }
                Some(n) if indent <= 3 && ticks >= n && trimmed.trim_end().chars().all(|c| c == '`') => open = None,
                Some(_) => {}
                None => {
                    out.push_str(line);
                    out.push('\n');
                }
            }
        }
        assert!(open.is_none(), "a fence is never closed");
        out
    }

    /// Removes code spans (only within one line, so an unmatched span
    /// leaves its text in view for the checks).
    fn without_code_spans(text: &str) -> String {
        let mut out = String::new();
        for line in text.split('\n') {
            let c: Vec<char> = line.chars().collect();
            let mut i = 0;
            while i < c.len() {
                if c[i] == '\\' && i + 1 < c.len() {
                    out.push(c[i]);
                    out.push(c[i + 1]);
                    i += 2;
                } else if c[i] == '`' {
                    let n = c[i..].iter().take_while(|&&x| x == '`').count();
                    let mut j = i + n;
                    let mut close = None;
                    while j < c.len() {
                        let m = c[j..].iter().take_while(|&&x| x == '`').count();
                        if m == n {
                            close = Some(j);
                            break;
                        }
                        j += m.max(1);
                    }
                    match close {
                        Some(j) => {
                            out.push_str("CODE");
                            i = j + n;
                        }
                        None => {
                            out.extend(&c[i..i + n]);
                            i += n;
                        }
                    }
                } else {
                    out.push(c[i]);
                    i += 1;
                }
            }
            out.push('\n');
        }
        out
    }

    /// Structural checks every rendered comment must pass.
    fn assert_well_formed(md: &str) {
        assert_eq!(md.lines().next(), Some("<!-- plangate:plangate -->"));
        assert_eq!(md.matches("<!--").count(), 1, "a second comment opener:\n{md}");
        assert_eq!(md.matches("-->").count(), 1, "a second comment closer:\n{md}");
        assert!(!md.contains('\u{1b}') && !md.contains('\r'), "control characters in the output");
        let prose = without_code_spans(&outside_fences(md));
        let opens = prose.matches("<details>").count();
        assert_eq!(opens, prose.matches("</details>").count(), "unbalanced <details>:\n{md}");
        assert_eq!(opens, prose.matches("<summary>").count());
        assert_eq!(opens, prose.matches("</summary>").count());
        let mut depth = 0i32;
        for line in prose.lines() {
            if line.starts_with("<details>") {
                depth += 1;
            }
            if line == "</details>" {
                depth -= 1;
            }
            assert!((0..=1).contains(&depth), "<details> nested or closed early:\n{md}");
            if line.starts_with('#') {
                assert!(line.starts_with("### ") || line.starts_with("#### ⛔ "), "a forged heading: {line}");
            }
        }
        let stripped = prose
            .replacen("<!--", "", 1)
            .replace("<details>", "")
            .replace("</details>", "")
            .replace("<summary>", "")
            .replace("</summary>", "");
        assert!(!stripped.contains('<'), "raw HTML outside code:\n{md}");
        let rows: Vec<&str> = prose.lines().filter(|l| l.starts_with('|')).collect();
        assert!(rows.len() <= 4, "a value broke into the table:\n{md}");
        for row in &rows {
            assert_eq!(row.matches('|').count(), rows[0].matches('|').count(), "a broken table row: {row}");
        }
        for line in prose.lines().filter(|l| !l.starts_with('|')) {
            assert!(!line.replace("\\|", "").contains('|'), "an unescaped `|`: {line}");
        }
    }

    fn small_review() -> Review {
        let mut db = change("aws_db_instance.main", Action::ReplaceDestroyFirst);
        db.action_reason = Some("replace_because_cannot_update".into());
        db.attributes = vec![AttrDiff {
            path: "engine".into(),
            before: value("\"postgres\""),
            after: value("\"aurora-postgresql\""),
            forces_replacement: true,
        }];
        db.staging = Some(StagingMatch {
            status: MatchStatus::Matched,
            address: Some("aws_db_instance.main".into()),
            via: Some(Via::Address),
            action: Some(Action::ReplaceDestroyFirst),
            description: Some("replace".into()),
            extra_paths: Vec::new(),
            extra_edits: Vec::new(),
            value_differences: Vec::new(),
            notes: Vec::new(),
        });
        let mut web = change("aws_instance.web", Action::Update);
        web.attributes = vec![AttrDiff {
            path: "instance_type".into(),
            before: value("\"t3.small\""),
            after: value("\"t3.large\""),
            forces_replacement: false,
        }];
        web.staging = Some(StagingMatch {
            status: MatchStatus::Absent,
            address: Some("aws_instance.web".into()),
            via: Some(Via::Address),
            action: Some(Action::NoOp),
            description: Some("no-op".into()),
            extra_paths: Vec::new(),
            extra_edits: Vec::new(),
            value_differences: Vec::new(),
            notes: Vec::new(),
        });
        let mut block = finding("stateful-destroy", Level::Block, "aws_db_instance.main");
        block.message = "replace (destroy before create) of a stateful resource: databases hold data".into();
        block.origin = Some(Origin { file: "policies/aws.toml".into(), line: 12 });
        let mut warn = finding("not-in-staging", Level::Warn, "aws_instance.web");
        warn.message = "staging leaves this resource unchanged".into();
        review_of(vec![db, web], vec![block, warn])
    }

    #[test]
    fn marker_is_the_first_line_and_appears_once() {
        let out = md(&small_review(), DEFAULT_MAX_CHARS);
        assert!(out.starts_with("<!-- plangate:plangate -->\n### ⛔ plangate: blocked\n"));
        assert_eq!(out.matches("<!-- plangate:").count(), 1);
        let mut buf = Vec::new();
        let opts = MarkdownOptions { comment_id: "prod-eu.1".into(), max_chars: DEFAULT_MAX_CHARS };
        render(&small_review(), &opts, &mut buf).unwrap();
        assert!(String::from_utf8(buf).unwrap().starts_with("<!-- plangate:prod-eu.1 -->\n"));
        assert_well_formed(&out);
    }

    #[test]
    fn heading_follows_the_verdict() {
        let blocked = review_of(Vec::new(), vec![finding("stateful-destroy", Level::Block, "a.b")]);
        let warned = review_of(Vec::new(), vec![finding("diverged", Level::Warn, "a.b")]);
        let passed = review_of(Vec::new(), vec![finding("drift", Level::Info, "a.b")]);
        let mut waived = finding("stateful-destroy", Level::Block, "a.b");
        waived.waived = Some(Waiver {
            reason: "migration approved in CHG-1".into(),
            expires: Some("2030-01-01".into()),
            origin: Origin { file: "exceptions.toml".into(), line: 3 },
        });
        let waived = review_of(Vec::new(), vec![waived]);
        for (r, heading) in [
            (&blocked, "### ⛔ plangate: blocked"),
            (&warned, "### ⚠️ plangate: passed with warnings"),
            (&passed, "### ✅ plangate: passed"),
            (&waived, "### ✅ plangate: passed"),
        ] {
            let out = md(r, DEFAULT_MAX_CHARS);
            assert_eq!(out.lines().nth(1), Some(heading));
            assert!(out.contains("Prod plan `prod.json` against staging plan `staging.json`."));
            assert_well_formed(&out);
        }
        let out = md(&waived, DEFAULT_MAX_CHARS);
        assert!(out.contains("<details><summary>Waived findings (1)</summary>"));
        assert!(out.contains("migration approved in CHG\\-1"));
        assert!(out.contains("**Findings:** 0 block · 0 warn · 0 info · 1 waived"));
    }

    #[test]
    fn check_names_one_plan_and_one_table_row() {
        let mut r = small_review();
        let Kind::Review { prod, .. } = r.kind else { unreachable!("small_review is a review") };
        r.kind = Kind::Check { plan: prod, env: Env::Prod };
        for c in &mut r.changes {
            c.staging = None;
        }
        let out = md(&r, DEFAULT_MAX_CHARS);
        assert!(out.contains("One plan checked: `prod.json`."));
        assert!(out.contains("| plan | 1 | 0 | 3 |"));
        assert!(!out.contains("| staging |") && !out.contains("staging plan"));
        assert!(out.contains("<summary>Changes with blocking findings (1)</summary>"));
        assert_well_formed(&out);
    }

    #[test]
    fn summary_table_counts_both_replace_orders() {
        let out = md(&small_review(), DEFAULT_MAX_CHARS);
        assert!(out.contains("| plan | create | update | replace | delete | forget | import | move | read |\n"));
        assert!(out.contains("| prod | 1 | 0 | 3 | 0 | 0 | 0 | 0 | 0 |\n"));
        assert!(out.contains("| staging | 0 | 3 | 0 | 0 | 0 | 0 | 0 | 0 |\n"));
        assert!(out.contains("**Findings:** 1 block · 1 warn · 0 info · 0 waived"));
    }

    /// Each line's `<details>` depth (0 = not folded).
    fn depths(out: &str) -> Vec<(usize, &str)> {
        let mut depth = 0;
        out.lines()
            .map(|l| {
                if l.starts_with("<details>") {
                    depth += 1;
                }
                let d = depth;
                if l == "</details>" {
                    depth -= 1;
                }
                (d, l)
            })
            .collect()
    }

    #[test]
    fn blocked_findings_are_not_folded() {
        let out = md(&small_review(), DEFAULT_MAX_CHARS);
        let line = depths(&out)
            .into_iter()
            .find(|(_, l)| l.starts_with("- **block** `stateful-destroy` prod `aws_db_instance.main`"))
            .unwrap();
        assert_eq!(line.0, 0, "{out}");
        assert!(line.1.ends_with("(from `policies/aws.toml:12`)"), "{}", line.1);
        // The warning is folded.
        let warn = depths(&out).into_iter().find(|(_, l)| l.starts_with("- **warn**")).unwrap();
        assert_eq!(warn.0, 1);
        assert_well_formed(&out);
    }

    #[test]
    fn diffs_are_ordered_by_severity_and_terraform_like() {
        let out = md(&small_review(), DEFAULT_MAX_CHARS);
        let blocked = out.find("<summary>Prod changes with blocking findings (1)</summary>").unwrap();
        let absent =
            out.find("<summary>Prod: not in staging, or more destructive than in staging (1)</summary>").unwrap();
        assert!(blocked < absent);
        assert!(out.contains(
            "```diff\n# aws_db_instance.main will be replaced (destroy before create) (why: \
             replace_because_cannot_update)\n! engine = \"postgres\" -> \"aurora-postgresql\"  # forces replacement\n```"
        ));
        assert!(out.contains(
            "`aws_instance.web` · not in staging (staging leaves it unchanged) · findings: **warn** `not-in-staging`\n\n```diff"
        ));
        assert!(out.contains("`aws_db_instance.main` · matches staging (staging will replace) · findings: **block**"));
        assert!(!out.contains("left out"), "nothing is dropped when all fits");
    }

    #[test]
    fn multi_line_json_renders_as_a_line_diff() {
        let mut c = change("aws_iam_policy.p", Action::Update);
        c.attributes = vec![
            AttrDiff {
                path: "policy".into(),
                before: Some(Shown::Json("{\n  \"Action\": \"s3:GetObject\",\n  \"Effect\": \"Allow\"\n}".into())),
                after: Some(Shown::Json("{\n  \"Action\": \"s3:*\",\n  \"Effect\": \"Allow\"\n}".into())),
                forces_replacement: false,
            },
            AttrDiff {
                path: "user_data".into(),
                before: None,
                after: Some(Shown::Text("#!/bin/sh\necho hi\n".into())),
                forces_replacement: true,
            },
        ];
        let out = md(&review_of(vec![c], Vec::new()), DEFAULT_MAX_CHARS);
        assert!(out.contains("! policy:\n"), "{out}");
        assert!(out.contains("\n-       \"Action\": \"s3:GetObject\",\n+       \"Action\": \"s3:*\",\n"), "{out}");
        assert!(out.contains("\n        \"Effect\": \"Allow\"\n"), "{out}");
        assert!(out.contains("+ user_data:  # forces replacement\n+     #!/bin/sh\n+     echo hi\n"), "{out}");
        assert_well_formed(&out);
    }

    const HOSTILE: &[&str] = &[
        "```",
        "\n````\n",
        "</details>",
        "<details><summary>x</summary>",
        "<!-- plangate:plangate -->",
        "a|b",
        "\n# heading",
        "<script>alert(1)</script>",
        "\u{1b}[31mred\u{1b}]8;;http://x\u{7}",
        "cr\rhere",
        "<img src=x onerror=alert(1)>",
        "[link](http://evil)",
        "\u{202e}reversed",
        "~~~",
    ];

    fn hostile_review() -> Review {
        let evil = HOSTILE.join("");
        let evil_lines = HOSTILE.join("\n");
        // Different order, so the line diff shows every hostile line.
        let reversed = HOSTILE.iter().rev().copied().collect::<Vec<_>>().join("\n");
        let mut changes = Vec::new();
        for (i, action) in
            [Action::ReplaceDestroyFirst, Action::Update, Action::Create, Action::Delete].into_iter().enumerate()
        {
            let mut c = change(&format!("aws_s3_bucket.b{i}{evil}"), action);
            c.type_ = evil.clone();
            c.previous_address = Some(evil.clone());
            c.deposed = Some(evil.clone());
            c.deferred = Some(evil.clone());
            c.action_reason = Some(evil.clone());
            c.replace_paths = vec![evil.clone()];
            c.changed_paths = vec![evil.clone()];
            c.attributes = vec![
                AttrDiff { path: evil.clone(), before: value(&evil), after: value(&evil), forces_replacement: true },
                AttrDiff {
                    path: evil.clone(),
                    before: Some(Shown::Text(evil_lines.clone())),
                    after: Some(Shown::Json(reversed.clone())),
                    forces_replacement: false,
                },
                AttrDiff { path: evil.clone(), before: None, after: None, forces_replacement: false },
            ];
            c.staging = Some(StagingMatch {
                status: MatchStatus::Diverged,
                address: Some(evil.clone()),
                via: Some(Via::Mapped),
                action: Some(Action::Update),
                description: Some(evil.clone()),
                extra_paths: vec![evil.clone(), evil_lines.clone()],
                extra_edits: Vec::new(),
                value_differences: Vec::new(),
                notes: Vec::new(),
            });
            if i == 3 {
                c.attributes.clear();
            }
            changes.push(c);
        }
        let mut findings = Vec::new();
        for (i, level) in [Level::Block, Level::Warn, Level::Info, Level::Block].into_iter().enumerate() {
            let mut f = finding(&evil, level, &changes[i].address);
            f.message = evil_lines.clone();
            f.origin = Some(Origin { file: evil.clone(), line: 1 });
            if i == 3 {
                f.waived = Some(Waiver {
                    reason: evil_lines.clone(),
                    expires: Some(evil.clone()),
                    origin: Origin { file: evil.clone(), line: 2 },
                });
            }
            findings.push(f);
        }
        let mut r = review_of(changes, findings);
        let Kind::Review { prod, staging, staging_changes } = &mut r.kind else {
            unreachable!("review_of is a review")
        };
        prod.file = evil.clone();
        staging.file = evil.clone();
        prod.actions.insert(evil.clone(), 1);
        *staging_changes = vec![change(&evil, Action::Delete)];
        let mut drift = change(&evil, Action::Update);
        drift.changed_paths = vec![evil.clone()];
        r.drift = vec![drift];
        r.outputs = vec![
            OutputLine {
                name: evil.clone(),
                action: Action::Update,
                sensitive: false,
                diff: Some(AttrDiff {
                    path: evil.clone(),
                    before: value(&evil),
                    after: Some(Shown::Text(evil_lines.clone())),
                    forces_replacement: false,
                }),
            },
            OutputLine { name: evil.clone(), action: Action::Create, sensitive: true, diff: None },
        ];
        r
    }

    #[test]
    fn hostile_values_cannot_break_structure() {
        let r = hostile_review();
        let full = md(&r, usize::MAX);
        assert_well_formed(&full);
        // Every section is there (nothing dropped), and the values are shown.
        let prose = without_code_spans(&outside_fences(&full));
        assert_eq!(prose.matches("<details>").count(), 9, "{full}");
        assert!(full.contains("<script>alert(1)</script>"), "values stay readable inside code");
        assert!(full.contains("\\u{1b}[31mred") && full.contains("cr\\rhere"));
        // Fence-like and HTML lines of a multi-line value sit inside the diff block.
        for hostile_line in ["```", "````", "</details>", "~~~"] {
            assert!(
                full.lines().any(|l| l.len() > 6 && "+- ".contains(&l[..1]) && &l[6..] == hostile_line),
                "{hostile_line} not shown as a diff line"
            );
        }
        // Cutting keeps the structure balanced at every size.
        for max in (0..full.chars().count()).step_by(151) {
            let cut = md(&r, max);
            assert_well_formed(&cut);
            let blocked = r.findings.iter().filter(|f| f.counts() && f.level == Level::Block).count();
            let blocked_shown = depths(&cut).iter().filter(|(d, l)| *d == 0 && l.starts_with("- **block**")).count();
            assert_eq!(blocked_shown, blocked, "{cut}");
        }
    }

    /// 10,000 prod changes, 300 of them blocked stateful replacements.
    fn large_review() -> Review {
        let mut changes = Vec::new();
        let mut findings = Vec::new();
        let mut blocking = 0;
        for i in 0..10_000 {
            let (address, action) = if i % 33 == 0 && blocking < 300 {
                blocking += 1;
                (format!("aws_db_instance.db_{i:05}"), Action::ReplaceDestroyFirst)
            } else {
                (format!("aws_instance.web_{i:05}"), [Action::Create, Action::Update, Action::Delete][i % 3])
            };
            let mut c = change(&address, action);
            c.attributes = (0..5)
                .map(|n| AttrDiff {
                    path: format!("tags.k{n}"),
                    before: value(&format!("\"old-{i}\"")),
                    after: value(&format!("\"new-{i}\"")),
                    forces_replacement: n == 0,
                })
                .collect();
            if action == Action::ReplaceDestroyFirst {
                findings.push(finding("stateful-destroy", Level::Block, &address));
            } else if action == Action::Delete {
                findings.push(finding("destructive", Level::Warn, &address));
            }
            changes.push(c);
        }
        assert_eq!(findings.iter().filter(|f| f.level == Level::Block).count(), 300);
        review_of(changes, findings)
    }

    #[test]
    fn large_review_fits_the_budget_and_keeps_every_blocking_finding() {
        let r = large_review();
        let out = md(&r, DEFAULT_MAX_CHARS);
        assert!(out.chars().count() <= DEFAULT_MAX_CHARS, "{} chars", out.chars().count());
        for f in r.findings.iter().filter(|f| f.level == Level::Block) {
            let address = f.address.as_deref().unwrap();
            assert!(out.contains(&format!("`{address}`")), "{address} missing");
        }
        assert!(out.contains(
            "left out to fit the 65536-character limit; run plangate locally or use `--format json` for everything._"
        ));
        assert!(out.trim_end().ends_with("for everything._"));
        assert_well_formed(&out);
        assert_eq!(out, md(&r, DEFAULT_MAX_CHARS), "deterministic");
    }

    #[test]
    fn tiny_budget_still_lists_every_blocking_finding() {
        let addresses: Vec<String> = (0..7).map(|i| format!("aws_rds_cluster.c{i}")).collect();
        let changes = addresses.iter().map(|a| change(a, Action::Delete)).collect();
        let mut findings: Vec<Finding> =
            addresses.iter().map(|a| finding("stateful-destroy", Level::Block, a)).collect();
        findings.push(finding("diverged", Level::Warn, "aws_instance.x"));
        let r = review_of(changes, findings);
        for max in [0, 50, 300, 700] {
            let out = md(&r, max);
            for a in &addresses {
                assert!(out.contains(&format!("`{a}`")), "{a} missing at {max}:\n{out}");
            }
            assert!(out.contains("to fit the"), "{out}");
            assert!(!out.contains("<details>"), "{out}");
            assert_well_formed(&out);
        }
        let out = md(&r, 300);
        assert!(out.contains("7 blocking findings shortened"), "{out}");
        assert!(out.contains("the summary table"), "{out}");
    }

    #[test]
    fn output_is_never_over_budget_when_blocking_findings_fit() {
        let r = small_review();
        let full = md(&r, usize::MAX).chars().count();
        // 430: the shortest comment that keeps the short blocking list and the note,
        // which can name five parts left out (diffs, findings, table, Rollback).
        for max in 430..=full {
            let out = md(&r, max);
            assert!(out.chars().count() <= max, "{} > {max}:\n{out}", out.chars().count());
            assert_well_formed(&out);
        }
        assert_eq!(md(&r, full), md(&r, usize::MAX));
    }
}
