//! The Markdown comment (`--format markdown`): one comment covering both
//! environments, for a bot to post on a pull or merge request and update in
//! place. GitHub- and GitLab-flavoured Markdown.
//!
//! It only formats a [`View`]. Layout: the hidden marker `<!-- plangate:ID
//! -->` on line 1, the verdict, what was compared (files, digests, the CI
//! commit and run when known), the counts (no all-zero column), then,
//! never folded, every blocking finding with its cause and how to unblock
//! it, and the list of prod changes staging did not make (one line each);
//! then folded `<details>` sections: warnings, info, waived findings, prod's
//! resource diffs by severity, staging's own destructive changes, drift,
//! output changes.
//!
//! Invariants:
//! * Every plan-derived string goes through [`super::escape`]: `md_text` in
//!   prose, `md_code` in code spans, `md_code_line` inside fenced blocks
//!   whose fence comes from `md_fence`. No value can close a fence, open or
//!   close `<details>`, break the table, inject HTML or forge the marker,
//!   which appears exactly once, on line 1.
//! * The comment has at most `max_chars` characters (`chars()`, not bytes).
//!   When everything does not fit, whole items (one finding, one resource's
//!   diff block) are kept in this order and the rest dropped: blocking
//!   findings, the summary table, the not-in-staging list, waived findings,
//!   diffs of changes with a blocking finding, diffs of destroyed or
//!   replaced objects, warnings, diffs of changes not in staging or
//!   escalated, diffs of diverged changes, info findings, other prod diffs,
//!   staging context, drift, outputs. A note at the end says what was left
//!   out. Blocking findings are never dropped: if they do not fit in full
//!   they are shortened to one short line each, and if even that does not
//!   fit the comment goes over the budget.
//! * Structure stays balanced: a `<details>` is opened only for a section
//!   with at least one kept item and always closed; items are never cut.
//! * Deterministic: the same review always renders the same text.

use std::cell::OnceCell;
use std::io::Write;

use super::escape::{md_code, md_code_line, md_fence, md_link, md_text};
use super::present::{
    ChangeGroup, ChangeKind, ChangeView, DiffLine, FindingGroup, FindingKind, Rich, RollbackView, Sign, Span, Subject,
    View, toml_string,
};
use crate::review::{Review, Verdict};

/// The comment id used when none is given.
pub const DEFAULT_COMMENT_ID: &str = "plangate";
/// The default size budget: GitHub's limit on a comment body, in characters.
pub const DEFAULT_MAX_CHARS: usize = crate::comment::GITHUB_MAX_BODY_CHARS;

/// A blocking finding is written in one of this many forms, shortest first.
const TIERS: usize = 3;

/// When a change has no display diffs, at most this many changed paths are listed.
const MAX_CHANGED_PATHS: usize = 200;

/// Where the comment's plans come from, as the CI environment says
/// (`GITHUB_SHA`, `CI_COMMIT_SHA`, the run or pipeline URL). Plain values:
/// the binary reads the environment, the renderer stays pure.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CiContext {
    /// The commit the plans were made from.
    pub commit: Option<String>,
    /// The CI run (GitHub Actions run, GitLab pipeline or job) URL.
    pub run_url: Option<String>,
}

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
    /// The CI commit and run, named beside the plans when known.
    pub ci: CiContext,
}

impl Default for MarkdownOptions {
    fn default() -> MarkdownOptions {
        MarkdownOptions {
            comment_id: DEFAULT_COMMENT_ID.to_owned(),
            max_chars: DEFAULT_MAX_CHARS,
            ci: CiContext::default(),
        }
    }
}

/// Writes the comment.
pub fn render(review: &Review, opts: &MarkdownOptions, out: &mut dyn Write) -> std::io::Result<()> {
    let view = View::of(review);
    let comment = Comment::build(&view, opts);
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

/// A section's item: its text is made only when fitting the comment needs
/// it. A 50,000-change review has 50,000 diff items, of which a comment
/// holds a hundred or so; most are never made.
struct Item<'v> {
    /// At most the item's length in characters, known without making it.
    floor: usize,
    make: Box<dyn Fn() -> String + 'v>,
    piece: OnceCell<Piece>,
}

impl<'v> Item<'v> {
    fn ready(text: String) -> Item<'v> {
        let piece = Piece::new(text);
        Item { floor: piece.chars, make: Box::new(String::new), piece: OnceCell::from(piece) }
    }

    fn lazy(floor: usize, make: impl Fn() -> String + 'v) -> Item<'v> {
        Item { floor, make: Box::new(make), piece: OnceCell::new() }
    }

    fn piece(&self) -> &Piece {
        self.piece.get_or_init(|| Piece::new((self.make)()))
    }
}

/// What a section's items are, for the left-out note and the layout.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// One list line per finding (or per change, for the visible list).
    Findings,
    /// One short line and one fenced diff per resource.
    Diffs,
    /// A single fenced block of every output change.
    Outputs,
}

/// A section: folded in `<details>`, or visible under a heading.
struct Section<'v> {
    title: String,
    kind: Kind,
    /// Visible sections are not folded.
    folded: bool,
    /// Lower is kept first when the budget is tight.
    priority: u8,
    /// Whether the summary shows the number of items (`false` when the title
    /// carries its own count).
    counted: bool,
    /// What the left-out note calls one item.
    noun: &'static str,
    items: Vec<Item<'v>>,
}

impl Section<'_> {
    fn open(&self, shown: usize) -> String {
        let n = self.items.len();
        let count = if !self.counted {
            String::new()
        } else if shown == n {
            format!(" ({n})")
        } else {
            format!(" ({shown} of {n} shown)")
        };
        if self.folded {
            format!("<details><summary>{}{count}</summary>\n\n", self.title)
        } else {
            format!("#### {}{count}\n\n", self.title)
        }
    }

    fn close(&self) -> &'static str {
        match (self.folded, self.kind) {
            (false, _) => "\n",
            // A list needs a blank line before `</details>`; diff items end with one.
            (true, Kind::Findings) => "\n</details>\n\n",
            (true, Kind::Diffs | Kind::Outputs) => "</details>\n\n",
        }
    }

    /// The most characters opening and closing the section can cost.
    fn wrapper_chars(&self) -> usize {
        let n = self.items.len();
        let widest = if self.counted { format!(" ({n} of {n} shown)") } else { String::new() };
        let open = if self.folded {
            format!("<details><summary>{}{widest}</summary>\n\n", self.title)
        } else {
            format!("#### {}{widest}\n\n", self.title)
        };
        chars(&open) + chars(self.close())
    }
}

/// Everything the comment can hold, before fitting it to the budget.
struct Comment<'v> {
    /// Whether the comment starts with the marker (not a stack's section).
    marked: bool,
    /// Verdict heading and what was compared (after the marker).
    head: String,
    /// The summary table and finding counts.
    table: Piece,
    /// Each counting `block` finding group, as [`TIERS`]: one short line;
    /// with its cause and unblock hint; and with the `[[exception]]` block.
    blocked: Vec<[Piece; TIERS]>,
    /// How many findings the blocking groups hold.
    blocked_findings: usize,
    /// Sections, in display order (visible ones first).
    sections: Vec<Section<'v>>,
    /// The Rollback section, last and not folded: in full, and short (a count).
    rollback: (Piece, Piece),
}

/// Which parts of a [`Comment`] are written.
struct Choice {
    /// Per blocking group, its tier: 0 short, 1 with the cause and hint, 2 in full.
    blocked: Vec<usize>,
    table: bool,
    /// Per section, per item.
    kept: Vec<Vec<bool>>,
    /// The Rollback section: 2 in full, 1 short, 0 left out.
    rollback: u8,
}

impl<'v> Comment<'v> {
    fn build(view: &'v View<'_>, opts: &MarkdownOptions) -> Comment<'v> {
        let reviewing = view.reviewing();
        let groups = view.section(FindingKind::Blocking).map_or(&[][..], |s| &s.groups[..]);
        let blocked = groups
            .iter()
            .map(|g| {
                [
                    Piece::new(finding_line(g, reviewing, true)),
                    Piece::new(blocking_item(g, reviewing, false)),
                    Piece::new(blocking_item(g, reviewing, true)),
                ]
            })
            .collect();
        let blocked_findings = groups.iter().map(|g| g.members.len()).sum();

        let mut sections = vec![Section {
            title: "Prod changes staging did not make".to_owned(),
            kind: Kind::Findings,
            folded: false,
            priority: 1,
            counted: true,
            noun: "not-in-staging line",
            items: view
                .divergences
                .iter()
                .map(|d| {
                    Item::ready(format!(
                        "- **{}** {} · {}\n",
                        md_text(&d.action),
                        md_code(&d.target.label()),
                        rich(&d.sentence)
                    ))
                })
                .collect(),
        }];
        for (kind, priority) in [(FindingKind::Warnings, 5), (FindingKind::Info, 8), (FindingKind::Waived, 2)] {
            let Some(s) = view.section(kind) else { continue };
            sections.push(Section {
                title: s.title.to_owned(),
                kind: Kind::Findings,
                folded: true,
                priority,
                counted: true,
                noun: "finding",
                items: s.groups.iter().map(|g| Item::ready(finding_line(g, reviewing, false))).collect(),
            });
        }
        for s in &view.changes {
            let priority = match s.group {
                ChangeGroup::Blocking => 3,
                ChangeGroup::Destructive => 4,
                ChangeGroup::NotInStaging => 6,
                ChangeGroup::Diverged => 7,
                ChangeGroup::Warned | ChangeGroup::Other => 9,
                ChangeGroup::StagingContext => 10,
                ChangeGroup::Drift => 11,
            };
            sections.push(Section {
                title: s.title.to_owned(),
                kind: Kind::Diffs,
                folded: true,
                priority,
                counted: true,
                noun: "resource diff",
                // The item holds the label in a code span.
                items: s.changes.iter().map(|c| Item::lazy(chars(&c.target.label()), move || change_item(c))).collect(),
            });
        }
        if !view.outputs.is_empty() {
            sections.push(Section {
                title: format!("Output changes ({})", view.outputs.len()),
                kind: Kind::Outputs,
                folded: true,
                priority: 12,
                counted: false,
                noun: "output changes",
                items: vec![Item::ready(outputs_item(&view.outputs))],
            });
        }
        sections.retain(|s| !s.items.is_empty());

        Comment {
            marked: true,
            head: head(view, opts),
            table: Piece::new(summary_table(view)),
            blocked,
            blocked_findings,
            sections,
            rollback: (Piece::new(rollback_section(view)), Piece::new(rollback_short(view))),
        }
    }

    fn everything(&self) -> Choice {
        Choice {
            blocked: vec![TIERS - 1; self.blocked.len()],
            table: true,
            kept: self.sections.iter().map(|s| vec![true; s.items.len()]).collect(),
            rollback: 2,
        }
    }

    fn nothing(&self) -> Choice {
        Choice {
            blocked: vec![0; self.blocked.len()],
            table: false,
            kept: self.sections.iter().map(|s| vec![false; s.items.len()]).collect(),
            rollback: 0,
        }
    }

    /// The comment within `opts.max_chars`, dropping detail in priority order.
    fn fit(&self, opts: &MarkdownOptions) -> String {
        let max = opts.max_chars;
        let floor: usize = self.sections.iter().flat_map(|s| &s.items).map(|i| i.floor).sum();
        if floor <= max {
            let doc = self.assemble(&self.everything(), opts);
            if chars(&doc) <= max {
                return doc;
            }
        }

        // The note with everything left out is the longest it can be.
        let reserve = self.note(&self.nothing(), max).map_or(0, |n| chars(&n));
        let budget = max.saturating_sub(reserve);
        let mut choice = self.nothing();
        let mut used = chars(&self.marker(opts)) + chars(&self.head) + self.blocked_frame_chars();
        used += self.blocked.iter().map(|tiers| tiers[0].chars).sum::<usize>();
        let (rollback_full, rollback_short) = &self.rollback;
        if used + rollback_short.chars <= budget {
            used += rollback_short.chars;
            choice.rollback = 1;
        }
        // Every blocking finding gets its cause before any gets its
        // exception block; in order, stopping at the first that does not fit.
        for tier in 1..TIERS {
            for (i, tiers) in self.blocked.iter().enumerate() {
                let extra = tiers[tier].chars.saturating_sub(tiers[tier - 1].chars);
                if used + extra > budget {
                    break;
                }
                used += extra;
                choice.blocked[i] = tier;
            }
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
            let wrapper = section.wrapper_chars();
            let mut opened = false;
            for (i, item) in section.items.iter().enumerate() {
                let wrapper = if opened { 0 } else { wrapper };
                if used + item.floor + wrapper > budget {
                    continue;
                }
                let cost = item.piece().chars + wrapper;
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
            } else if choice.blocked.iter().any(|&t| t > 0) {
                choice.blocked.fill(0);
            } else {
                break;
            }
            doc = self.assemble(&choice, opts);
        }
        doc
    }

    fn blocked_frame_chars(&self) -> usize {
        if self.blocked.is_empty() { 0 } else { chars(&blocked_heading(self.blocked_findings)) + 1 }
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
            s.push_str(&blocked_heading(self.blocked_findings));
            for (tiers, &tier) in self.blocked.iter().zip(&choice.blocked) {
                s.push_str(&tiers[tier].text);
            }
            // One blank line after the list, whatever its last item ends with.
            s.truncate(s.trim_end_matches('\n').len());
            s.push_str("\n\n");
        }
        for (section, kept) in self.sections.iter().zip(&choice.kept) {
            let shown = kept.iter().filter(|k| **k).count();
            if shown == 0 {
                continue;
            }
            s.push_str(&section.open(shown));
            for (item, _) in section.items.iter().zip(kept).filter(|(_, k)| **k) {
                s.push_str(&item.piece().text);
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
        let mut parts = Vec::new();
        for noun in ["not-in-staging line", "resource diff", "finding"] {
            let dropped: usize = self
                .sections
                .iter()
                .zip(&choice.kept)
                .filter(|(s, _)| s.noun == noun)
                .map(|(_, kept)| kept.iter().filter(|k| !**k).count())
                .sum();
            if dropped > 0 {
                parts.push(plural(dropped, noun));
            }
        }
        let outputs =
            self.sections.iter().zip(&choice.kept).any(|(s, kept)| s.kind == Kind::Outputs && kept.contains(&false));
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
        let shortened = choice.blocked.iter().filter(|&&t| t < TIERS - 1).count();
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

/// A sentence in prose: text escaped, code-like values in code spans.
fn rich(r: &Rich) -> String {
    r.0.iter()
        .map(|s| match s {
            Span::Text(t) => md_text(t),
            Span::Code(c) => md_code(c),
        })
        .collect()
}

/// The verdict heading and what was compared.
fn head(view: &View<'_>, opts: &MarkdownOptions) -> String {
    let verdict = match view.verdict {
        Verdict::Block => "⛔ plangate: blocked",
        Verdict::Warn => "⚠️ plangate: passed with warnings",
        Verdict::Pass => "✅ plangate: passed",
    };
    format!("### {verdict}\n\n{}", compared(view, opts))
}

/// What was compared, as one paragraph: the plans with their digests, and
/// the CI commit and run when known.
fn compared(view: &View<'_>, opts: &MarkdownOptions) -> String {
    let plan = |i: usize| {
        let p = &view.plans[i];
        match &p.info.digest {
            Some(digest) => format!("{} ({})", md_code(&p.info.file), md_code(digest)),
            None => md_code(&p.info.file),
        }
    };
    let mut compared = match view.subject {
        Subject::Review => format!("Prod plan {} against staging plan {}.", plan(0), plan(1)),
        Subject::ProdOnly => format!("Prod plan {}; this stack has no staging plan.", plan(0)),
        Subject::Check(env) => format!("One plan checked as {}: {}.", env.name(), plan(0)),
    };
    let mut ci = Vec::new();
    if let Some(commit) = &opts.ci.commit {
        ci.push(format!("commit {}", md_code(commit)));
    }
    if let Some(url) = &opts.ci.run_url {
        ci.push(md_link("CI run", url).unwrap_or_else(|| format!("CI run {}", md_code(url))));
    }
    if !ci.is_empty() {
        compared.push_str(&format!(" From {}.", ci.join(", ")));
    }
    compared.push_str("\n\n");
    compared
}

/// The body of one stack's folded section in a comment of many stacks
/// (`render::stacks`), within `max_chars`: what was compared, the summary
/// table and the sections. No marker, no verdict heading, and no blocking
/// findings: the comment lists every stack's first.
pub fn render_section(review: &Review, max_chars: usize) -> String {
    let view = View::of(review);
    let opts = MarkdownOptions { max_chars, ..MarkdownOptions::default() };
    // The stack's own blocking findings keep their why and how to unblock
    // (the comment's head lists every stack's in one line each).
    let mut comment = Comment::build(&view, &opts);
    comment.marked = false;
    // When the plans with their digests do not fit, the plans alone.
    for head in [compared(&view, &opts), compared_files(&view)] {
        comment.head = head;
        let body = comment.fit(&opts);
        if chars(&body) <= max_chars {
            return body;
        }
    }
    String::new()
}

/// What was compared, without digests or CI context.
fn compared_files(view: &View<'_>) -> String {
    let files: Vec<String> = view.plans.iter().map(|p| format!("{} {}", p.label, md_code(&p.info.file))).collect();
    format!("{}.\n\n", files.join(", "))
}

/// The per-environment counts (only columns some plan has) and the finding counts.
fn summary_table(view: &View<'_>) -> String {
    let columns: Vec<usize> = (0..8).filter(|&i| view.plans.iter().any(|p| p.counts.columns()[i].1 > 0)).collect();
    let mut s = String::new();
    if columns.is_empty() {
        s.push_str("No resource changes.\n");
    } else {
        s.push_str("| plan |");
        for &i in &columns {
            s.push_str(&format!(" {} |", view.plans[0].counts.columns()[i].0));
        }
        s.push_str("\n| :-- |");
        for _ in &columns {
            s.push_str(" --: |");
        }
        s.push('\n');
        for p in &view.plans {
            s.push_str(&format!("| {} |", p.label));
            for &i in &columns {
                s.push_str(&format!(" {} |", p.counts.columns()[i].1));
            }
            s.push('\n');
        }
    }
    let counts = view.counts.parts();
    if counts.is_empty() {
        s.push_str("\nNo findings.\n\n");
    } else {
        s.push_str(&format!("\n**Findings:** {}\n\n", counts.join(" · ")));
    }
    s
}

/// At most this many one-way edits are listed in the Rollback section; the
/// rest are counted (each also has its `one-way` finding).
const MAX_ROLLBACK_ITEMS: usize = 25;

/// The Rollback section: the one-way edits and what promoting the previous
/// artifact would do, or that none is known. Not folded: a reviewer must see
/// it before approving.
fn rollback_section(view: &View<'_>) -> String {
    if view.rollback.is_empty() {
        return "### Rollback\n\nNo known one-way change in this plan: promoting the previous artifact can undo it \
                (as far as the `[[one_way]]` catalogue knows).\n"
            .to_owned();
    }
    let mut s = format!(
        "### Rollback\n\nPromoting the previous artifact cannot undo {}:\n\n",
        plural(view.rollback.len(), "edit")
    );
    for RollbackView { item: r, waived } in view.rollback.iter().take(MAX_ROLLBACK_ITEMS) {
        s.push_str(&format!(
            "- {} {} {} → {} ({}){}: going back to {} means {} (**{}**). {}. Source: {}\n",
            md_code(&r.address),
            md_code(&r.path),
            md_code(&r.before),
            md_code(&r.after),
            r.direction,
            if *waived { ", waived" } else { "" },
            md_code(&r.before),
            md_text(&r.consequence()),
            r.outcome.name(),
            md_text(&r.reason),
            md_code(&r.source)
        ));
    }
    if view.rollback.len() > MAX_ROLLBACK_ITEMS {
        s.push_str(&format!("- and {} more (see the `one-way` findings)\n", view.rollback.len() - MAX_ROLLBACK_ITEMS));
    }
    s
}

/// The Rollback section when the budget is tight: the count only.
fn rollback_short(view: &View<'_>) -> String {
    match view.rollback.len() {
        0 => "### Rollback\n\nNo known one-way change.\n".to_owned(),
        n => format!("### Rollback\n\n{}: see the `one-way` findings.\n", plural(n, "one-way edit")),
    }
}

/// One list line for a finding group; `short` keeps only level, id,
/// environment and address.
fn finding_line(g: &FindingGroup<'_>, reviewing: bool, short: bool) -> String {
    let mut s = format!("- **{}** {}", g.level.name(), md_code(g.id));
    if let (Some(env), true) = (g.env, reviewing) {
        s.push(' ');
        s.push_str(env.name());
    }
    if let Some(target) = &g.target {
        s.push(' ');
        s.push_str(&md_code(&target.label()));
    }
    if !short {
        s.push_str(": ");
        s.push_str(&md_text(g.message));
        if let (Some(reason), None) = (&g.reason, &g.cause) {
            s.push_str(&format!(" ({})", rich(reason)));
        }
        if let Some(origin) = g.origin {
            s.push_str(&format!(" (from {})", md_code(&origin.to_string())));
        }
        if let Some(w) = g.waived {
            s.push_str(&format!(
                " — waived by the exception at {}: {}",
                md_code(&w.origin.to_string()),
                md_text(&w.reason)
            ));
            if let Some(validity) = w.validity() {
                s.push_str(&format!(" ({})", md_text(&validity)));
            }
        }
    }
    s.push('\n');
    s
}

/// A blocking finding with why and how to unblock it; with `exception`,
/// the `[[exception]]` to write too, in a fenced block after the item.
fn blocking_item(g: &FindingGroup<'_>, reviewing: bool, exception: bool) -> String {
    let mut s = finding_line(g, reviewing, false);
    if let Some(cause) = &g.cause {
        let mut why = rich(&cause.what);
        if !cause.forced_by.is_empty() {
            let forced: Vec<String> = cause.forced_by.iter().map(forced_text).collect();
            why.push_str(&format!("; forced by {}", forced.join(", ")));
        }
        if !cause.identity.is_empty() {
            let ids: Vec<String> =
                cause.identity.iter().map(|(p, v)| md_code(&format!("{p} = {}", v.inline()))).collect();
            why.push_str(&format!("; identified by {}", ids.join(", ")));
        }
        s.push_str(&format!("  - **Why:** {why}\n"));
    }
    let mut toml = None;
    if let Some(u) = &g.unblock {
        let explain = u.explain_command().map(|c| format!(" ({} explains the rule)", md_code(&c))).unwrap_or_default();
        match (u.exception_toml(), u.instead) {
            (Some(t), _) if exception => {
                s.push_str(&format!(
                    "  - **To unblock:** if this is intended, add the exception below to a policy file, with the reason{explain}.\n"
                ));
                toml = Some(t);
            }
            (Some(_), _) => s.push_str(&format!(
                "  - **To unblock:** if this is intended, add an `[[exception]]` with {} and {} and the reason to a \
                 policy file{explain}.\n",
                md_code(&format!("rule = {}", toml_string(&u.rule))),
                md_code(&format!("address = {}", toml_string(u.address.as_deref().unwrap_or_default())))
            )),
            (None, Some(instead)) => s.push_str(&format!("  - **To unblock:** {}{explain}.\n", md_text(instead))),
            (None, None) => {}
        }
    }
    if let Some(t) = toml {
        let lines: Vec<String> = t.lines().map(md_code_line).collect();
        let body = lines.join("\n");
        let fence = md_fence(&body);
        s.push_str(&format!("\n{fence}toml\n{body}\n{fence}\n\n"));
    }
    s
}

/// `` `engine_version` (`"15.4"` → `"16.1"`) ``, or the path alone.
fn forced_text(d: &DiffLine) -> String {
    match (&d.before, &d.after) {
        (Some(b), Some(a)) if b.lines().is_none() && a.lines().is_none() => {
            format!("{} ({} → {})", md_code(&d.path), md_code(&b.inline()), md_code(&a.inline()))
        }
        _ => md_code(&d.path),
    }
}

/// One resource: a short line (action, address, staging counterpart,
/// findings), then its fenced diff.
fn change_item(c: &ChangeView<'_>) -> String {
    // Bold words first: a line must never start with a code span, whose
    // backticks could read as a fence.
    let mut line = vec![format!("**{}** {}", md_text(&c.action), md_code(&c.target.label()))];
    if let Some(sentence) = &c.staging {
        line.push(rich(sentence));
    }
    if !c.findings.is_empty() {
        let list: Vec<String> = c
            .findings
            .iter()
            .map(|t| format!("**{}** {}{}", t.level.name(), md_code(t.id), if t.waived { " (waived)" } else { "" }))
            .collect();
        line.push(format!("findings: {}", list.join(", ")));
    }
    format!("{}\n\n{}\n", line.join(" · "), diff_block(&change_lines(c)))
}

/// The lines of a change's diff block, escaped for a fenced block.
fn change_lines(c: &ChangeView<'_>) -> Vec<String> {
    let mut raw = vec![format!("# {} {}", c.target.label(), c.verb)];
    if let Some(reason) = &c.reason {
        raw.push(format!("# ({})", reason.plain()));
    }
    for note in &c.notes {
        raw.push(format!("# ({})", note.plain()));
    }
    if let Some(s) = c.stateful.filter(|_| c.kind == ChangeKind::Planned) {
        raw.push(format!("# (stateful: {s})"));
    }
    for p in c.paths.iter().take(MAX_CHANGED_PATHS) {
        raw.push(format!("! {p}"));
    }
    if c.paths.len() > MAX_CHANGED_PATHS {
        raw.push(format!("# ({} more attributes not shown)", c.paths.len() - MAX_CHANGED_PATHS));
    }
    for d in &c.lines {
        diff_rows(d, &mut raw);
    }
    if !c.edits.is_empty() {
        raw.push("# edits compared with staging's:".to_owned());
        for n in &c.edits {
            raw.push(format!("#   {}", super::edit_note_line(n)));
        }
    }
    raw.iter().map(|l| md_code_line(l)).collect()
}

/// The rows of one attribute as `diff` lines: `+`, `-`, `!` for a change,
/// `#` for a note. Unescaped: the caller escapes each line.
fn diff_rows(d: &DiffLine, out: &mut Vec<String>) {
    for row in d.rows() {
        let sign = match row.sign {
            Sign::Add => '+',
            Sign::Remove => '-',
            Sign::Change => '!',
            Sign::Same => ' ',
            Sign::Note => '#',
        };
        let forces = if row.forced { "  # forces replacement" } else { "" };
        let staging = row.staging.map(|s| format!("  ({s})")).unwrap_or_default();
        out.push(format!("{sign} {}{}{forces}{staging}", "  ".repeat(row.depth), row.text));
    }
}

/// A fenced `diff` block around already-escaped lines, its fence longer than
/// any backtick run inside.
fn diff_block(lines: &[String]) -> String {
    let body = lines.join("\n");
    let fence = md_fence(&body);
    format!("{fence}diff\n{body}\n{fence}\n")
}

/// Every output change in one fenced block.
fn outputs_item(outputs: &[DiffLine]) -> String {
    let mut raw = Vec::new();
    for d in outputs {
        diff_rows(d, &mut raw);
    }
    let lines: Vec<String> = raw.iter().map(|l| md_code_line(l)).collect();
    format!("{}\n", diff_block(&lines))
}

#[cfg(test)]
mod tests {

    use super::*;
    use crate::plan::Action;
    use crate::policy::Origin;
    use crate::render::fixtures::{change, finding, review_of, staging_changes_mut, value};
    use crate::review::{AttrDiff, Env, Finding, Kind, MatchStatus, OutputLine, Shown, StagingMatch, Via, Waiver};
    use crate::rules::Level;

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
                assert!(
                    line.starts_with("### ")
                        || line.starts_with("#### ⛔ ")
                        || line.starts_with("#### Prod changes staging did not make ("),
                    "a forged heading: {line}"
                );
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
            ..StagingMatch::absent()
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
            ..StagingMatch::absent()
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
        let opts = MarkdownOptions { comment_id: "prod-eu.1".into(), ..MarkdownOptions::default() };
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
            assert!(
                out.contains("Prod plan `prod.json` (`sha256:0`) against staging plan `staging.json` (`sha256:0`).")
            );
            assert_well_formed(&out);
        }
        let out = md(&waived, DEFAULT_MAX_CHARS);
        assert!(out.contains("<details><summary>Waived by exceptions (1)</summary>"));
        assert!(out.contains("migration approved in CHG\\-1 (valid through 2030\\-01\\-01)"), "{out}");
        assert!(out.contains("**Findings:** 1 waived\n"), "no all-zero counts: {out}");
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
        assert!(out.contains("One plan checked as prod: `prod.json` (`sha256:0`)."));
        assert!(out.contains("| plan | 1 | 1 | 1 | 1 |"), "{out}");
        assert!(!out.contains("| staging |") && !out.contains("staging plan"));
        assert!(out.contains("<summary>Changes with blocking findings (1)</summary>"));
        assert_well_formed(&out);
    }

    #[test]
    fn summary_table_has_no_all_zero_column() {
        let mut r = small_review();
        let mut cache = change("aws_elasticache_cluster.c", Action::ReplaceCreateFirst);
        cache.moved = true;
        r.changes.push(cache);
        *staging_changes_mut(&mut r) = vec![change("aws_instance.web", Action::Update)];
        let out = md(&r, DEFAULT_MAX_CHARS);
        assert!(out.contains("| plan | add | change | destroy | replace | move |\n"), "{out}");
        assert!(out.contains("| prod | 2 | 1 | 2 | 2 | 1 |\n"), "{out}");
        assert!(out.contains("| staging | 0 | 1 | 0 | 0 | 0 |\n"), "{out}");
        assert!(out.contains("**Findings:** 1 block · 1 warn\n"));
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
            "```diff\n# aws_db_instance.main will be replaced (destroy before create)\n# (because a changed attribute \
             cannot be updated in place)\n! engine = \"postgres\" -> \"aurora-postgresql\"  # forces replacement  (same as staging)\n```"
        ));
        assert!(out.contains(
            "`aws_instance.web` · not in staging: staging's plan leaves it unchanged · findings: **warn** \
             `not-in-staging`\n\n```diff"
        ));
        assert!(out.contains("`aws_db_instance.main` · matches staging: staging will replace · findings: **block**"));
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
                ..StagingMatch::absent()
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
        assert!(
            out.contains(
                "to fit the 65536-character limit; run plangate locally or use `--format json` for everything._"
            ),
            "{out}"
        );
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
        for max in 500..=full {
            let out = md(&r, max);
            assert!(out.chars().count() <= max, "{} > {max}:\n{out}", out.chars().count());
            assert_well_formed(&out);
        }
        assert_eq!(md(&r, full), md(&r, usize::MAX));
    }
}
