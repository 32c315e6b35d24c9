//! The presentation model: one pure function, [`View::of`], from a
//! [`Review`] to everything a reviewer is shown — sections and their order,
//! instances grouped, and for each change its verb, its reason in words, its
//! relation to staging, its findings and its diff lines — plus the counts.
//!
//! Text and Markdown only format a [`View`] (colour; escaping and
//! `<details>`; the comment's size budget works on its sections). So every
//! decision about what is shown lives here, once:
//!
//! * what "destructive" means ([`destructive`]: deletes and replacements);
//! * how a prod change relates to staging ([`staging_sentence`]);
//! * how changes are counted ([`PlanCounts`], Terraform's `Plan:` line);
//! * which findings are grouped ([`FindingGroup`]: identical apart from the
//!   instance key) and which changes ([`ChangeView`]: identical diffs);
//! * what a blocking finding's cause is and how to unblock it.
//!
//! Invariants: the view holds plan text unescaped (formatters escape it);
//! it reads only the [`Review`]; the same review always gives the same view.

use std::collections::HashMap;

use crate::plan::{Action, Mode, strip_instance_key};
use crate::policy::Origin;
use crate::review::one_way::Rollback;
use crate::review::{
    AttrDiff, Change, EditKind, EditNote, Env, Finding, Kind, MatchStatus, PlanInfo, Relation, Review, Shown, Verdict,
    Via, Waiver,
};
use crate::rules::{FindingId, Level, RuleId};

/// Values wider than this are laid out as nested blocks (creates, deletes)
/// or cut (a value that becomes unknown).
const WIDE_VALUE: usize = 60;
/// A value that becomes unknown keeps at most this many characters of its
/// old value, so the line stays one line.
const UNKNOWN_BEFORE_CHARS: usize = 40;
/// Groups of more instances than this are named by their count.
const MAX_LISTED_KEYS: usize = 4;

/// A piece of prose: plain text, or a code-like value (an address, a path,
/// a key) that Markdown puts in a code span.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Span {
    Text(String),
    Code(String),
}

/// A sentence made of [`Span`]s.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Rich(pub Vec<Span>);

impl Rich {
    fn text(s: impl Into<String>) -> Rich {
        Rich(vec![Span::Text(s.into())])
    }

    fn push(&mut self, s: impl Into<String>) -> &mut Rich {
        self.0.push(Span::Text(s.into()));
        self
    }

    fn code(&mut self, s: impl Into<String>) -> &mut Rich {
        self.0.push(Span::Code(s.into()));
        self
    }

    fn append(&mut self, other: Rich) -> &mut Rich {
        self.0.extend(other.0);
        self
    }

    /// The sentence as plain text (code spans unmarked).
    pub fn plain(&self) -> String {
        self.0
            .iter()
            .map(|s| match s {
                Span::Text(t) | Span::Code(t) => t.as_str(),
            })
            .collect()
    }
}

/// One or more instances of one resource: `aws_instance.app[0]`, or
/// `aws_instance.app` with keys `[0]`..`[3]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Instances {
    /// The address without its instance key (the whole address when there
    /// is one member).
    pub resource: String,
    /// Each member's instance key with its brackets (`[0]`, `["eu"]`);
    /// empty for a single address.
    pub keys: Vec<String>,
}

impl Instances {
    fn one(address: &str) -> Instances {
        Instances { resource: address.to_owned(), keys: Vec::new() }
    }

    /// How many objects this names.
    pub fn len(&self) -> usize {
        self.keys.len().max(1)
    }

    /// Whether this names no instance (never: there is always one).
    pub fn is_empty(&self) -> bool {
        false
    }

    /// The members' full addresses.
    pub fn addresses(&self) -> Vec<String> {
        if self.keys.is_empty() {
            vec![self.resource.clone()]
        } else {
            self.keys.iter().map(|k| format!("{}{k}", self.resource)).collect()
        }
    }

    /// How a reviewer reads the group: the address; `app[0..3]` for a run
    /// of count indices; `queue["a", "b"]` for a few keys; `app (7
    /// instances)` for more.
    pub fn label(&self) -> String {
        match self.keys.as_slice() {
            [] => self.resource.clone(),
            [one] => format!("{}{one}", self.resource),
            keys => {
                let inner: Vec<&str> = keys.iter().map(|k| &k[1..k.len() - 1]).collect();
                let ints: Option<Vec<u64>> = inner.iter().map(|k| k.parse().ok()).collect();
                if let Some(ints) = ints
                    && ints.windows(2).all(|w| w[1] == w[0] + 1)
                {
                    return format!("{}[{}..{}]", self.resource, ints[0], ints[ints.len() - 1]);
                }
                if keys.len() <= MAX_LISTED_KEYS {
                    format!("{}[{}]", self.resource, inner.join(", "))
                } else {
                    format!("{} ({} instances)", self.resource, keys.len())
                }
            }
        }
    }

    /// The `[[exception]]` address glob that covers the group (address
    /// globs treat only `*` and `?` as special).
    pub fn glob(&self) -> String {
        if self.keys.is_empty() { self.resource.clone() } else { format!("{}[*]", self.resource) }
    }

    /// The same instances with a single member's key split out, so that
    /// members can be added.
    fn keyed(&self) -> Instances {
        match (self.keys.is_empty(), split_key(&self.resource)) {
            (true, (resource, Some(key))) => Instances { resource: resource.to_owned(), keys: vec![key.to_owned()] },
            _ => self.clone(),
        }
    }

    /// A one-member group as its plain address.
    fn unkeyed(&self) -> Instances {
        if self.keys.len() == 1 { Instances::one(&self.addresses()[0]) } else { self.clone() }
    }

    /// Adds a member, keeping count indices in numeric order and other keys
    /// in the order met.
    fn add(&mut self, key: String) {
        self.keys.push(key);
        let numeric = |k: &String| k[1..k.len() - 1].parse::<u64>().ok();
        if self.keys.iter().all(|k| numeric(k).is_some()) {
            self.keys.sort_by_key(|k| numeric(k));
        }
    }
}

/// Splits an address into its resource and instance key (with brackets).
fn split_key(address: &str) -> (&str, Option<&str>) {
    let resource = strip_instance_key(address);
    if resource.len() == address.len() { (address, None) } else { (resource, Some(&address[resource.len()..])) }
}

/// Whether an action destroys an existing object: a delete or a replacement
/// in either order. Forgetting keeps the object; a disruptive update keeps
/// it too (it is "disruptive", not destructive).
pub fn destructive(action: Action) -> bool {
    action.destroys()
}

/// Counts of one plan's changes, each change counted once by kind.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PlanCounts {
    pub create: usize,
    pub update: usize,
    /// Replacements that destroy the old object (either order).
    pub replace: usize,
    /// Replacements whose old object is forgotten.
    pub replace_forget: usize,
    pub delete: usize,
    pub forget: usize,
    pub import: usize,
    pub moved: usize,
    pub read: usize,
    pub deferred: usize,
}

impl PlanCounts {
    /// Counts the changes the way Terraform's `Plan:` line does: managed
    /// resources only, deferred changes apart.
    pub fn of(changes: &[Change]) -> PlanCounts {
        let mut n = PlanCounts::default();
        for c in changes {
            if c.deferred.is_some() {
                n.deferred += 1;
                continue;
            }
            if c.mode == Mode::Data {
                n.read += usize::from(c.action == Action::Read);
                continue;
            }
            match c.action {
                Action::NoOp => {}
                Action::Read => n.read += 1,
                Action::Create => n.create += 1,
                Action::Update => n.update += 1,
                Action::Delete => n.delete += 1,
                Action::ReplaceDestroyFirst | Action::ReplaceCreateFirst => n.replace += 1,
                Action::Forget => n.forget += 1,
                Action::ReplaceForget => n.replace_forget += 1,
            }
            n.import += usize::from(c.importing);
            n.moved += usize::from(c.moved);
        }
        n
    }

    pub fn to_add(&self) -> usize {
        self.create + self.replace + self.replace_forget
    }

    pub fn to_change(&self) -> usize {
        self.update
    }

    pub fn to_destroy(&self) -> usize {
        self.delete + self.replace
    }

    pub fn to_forget(&self) -> usize {
        self.forget + self.replace_forget
    }

    /// Terraform's summary line, as Terraform writes it: `Plan: 1 to add,
    /// 0 to change, 2 to destroy.`, with `to import` first when there are
    /// imports; `No changes.` when nothing is added, changed, destroyed,
    /// imported or forgotten.
    pub fn terraform_line(&self) -> String {
        if self.import + self.to_add() + self.to_change() + self.to_destroy() + self.to_forget() == 0 {
            return "No changes.".to_owned();
        }
        let mut parts = Vec::new();
        if self.import > 0 {
            parts.push(format!("{} to import", self.import));
        }
        parts.push(format!("{} to add", self.to_add()));
        parts.push(format!("{} to change", self.to_change()));
        parts.push(format!("{} to destroy", self.to_destroy()));
        format!("Plan: {}.", parts.join(", "))
    }

    /// What the `Plan:` line does not say, when there is any: replacements
    /// among the adds and destroys, objects forgotten (Terraform warns
    /// about them apart), moves, reads, deferred changes.
    pub fn extra(&self) -> Vec<String> {
        let mut out = Vec::new();
        let replaced = self.replace + self.replace_forget;
        if replaced > 0 {
            out.push(format!("{replaced} of them {}", if replaced == 1 { "a replacement" } else { "replacements" }));
        }
        if self.to_forget() > 0 {
            out.push(format!("{} forgotten, not destroyed", self.to_forget()));
        }
        if self.moved > 0 {
            out.push(format!("{} moved", self.moved));
        }
        if self.read > 0 {
            out.push(format!("{} read during apply", self.read));
        }
        if self.deferred > 0 {
            out.push(format!("{} deferred", self.deferred));
        }
        out
    }

    /// The table columns (name, count), in order.
    pub fn columns(&self) -> [(&'static str, usize); 8] {
        [
            ("add", self.to_add()),
            ("change", self.to_change()),
            ("destroy", self.to_destroy()),
            ("replace", self.replace + self.replace_forget),
            ("import", self.import),
            ("forget", self.to_forget()),
            ("move", self.moved),
            ("read", self.read),
        ]
    }
}

/// One plan as the reader sees it.
#[derive(Clone, Debug)]
pub struct PlanView<'r> {
    /// `prod`, `staging`, or `plan` for `check`.
    pub label: &'static str,
    pub info: &'r PlanInfo,
    pub counts: PlanCounts,
}

/// How many findings of each level count, and how many were waived.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FindingCounts {
    pub block: usize,
    pub warn: usize,
    pub info: usize,
    pub waived: usize,
}

impl FindingCounts {
    fn of(findings: &[Finding]) -> FindingCounts {
        let mut n = FindingCounts::default();
        for f in findings {
            match (f.counts(), f.level) {
                (false, _) => n.waived += 1,
                (true, Level::Block) => n.block += 1,
                (true, Level::Warn) => n.warn += 1,
                (true, Level::Info) => n.info += 1,
            }
        }
        n
    }

    /// `2 block, 1 warn` (only the levels that have findings), or `None`.
    pub fn parts(&self) -> Vec<String> {
        [(self.block, "block"), (self.warn, "warn"), (self.info, "info"), (self.waived, "waived")]
            .into_iter()
            .filter(|(n, _)| *n > 0)
            .map(|(n, name)| format!("{n} {name}"))
            .collect()
    }
}

/// Why a blocking finding's change does what it does.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Cause {
    /// The action and `action_reason` in Terraform's words.
    pub what: Rich,
    /// The attributes that force the replacement, with their values.
    pub forced_by: Vec<DiffLine>,
    /// The attributes that identify the object (name, bucket, id...).
    pub identity: Vec<(String, Shown)>,
}

/// How a reviewer can let a blocking finding through.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unblock {
    pub rule: String,
    /// The address glob for an `[[exception]]`; `None` when the finding has
    /// no address and cannot be waived.
    pub address: Option<String>,
    /// A built-in id `plangate rules --explain` knows.
    pub explain: bool,
    /// What to do instead, for a finding that cannot be waived.
    pub instead: Option<&'static str>,
}

impl Unblock {
    fn of(f: &Finding, target: Option<&Instances>) -> Unblock {
        let instead = match (f.id.name(), target) {
            (_, Some(_)) => None,
            ("plan-not-applicable", None) => {
                Some("make a complete plan (no errors, no `-target`, no deferred changes) and review it again")
            }
            ("staging-not-approved", None) => Some(
                "review the staging plan that was approved, or approve this one: \
                 `--approved \"$(plangate fingerprint STAGING.json)\"`",
            ),
            (_, None) => Some("it has no address, so no exception can waive it; change its level under `[levels]`"),
        };
        Unblock {
            rule: f.id.name().to_owned(),
            address: target.map(Instances::glob),
            explain: matches!(f.id, FindingId::Builtin(_)),
            instead,
        }
    }

    /// The `[[exception]]` entry that waives the finding, as TOML, when one
    /// can: the reason is for the reviewer to write.
    pub fn exception_toml(&self) -> Option<String> {
        let address = self.address.as_ref()?;
        let quote = toml_string;
        Some(format!(
            "[[exception]]\nrule = {}\naddress = {}\nreason = \"TODO: why this is safe\"\n\
             # expires = \"2026-12-31\"  # optional: the last day it applies\n",
            quote(&self.rule),
            quote(address)
        ))
    }

    /// `plangate rules --explain ID`, for a built-in id.
    pub fn explain_command(&self) -> Option<String> {
        self.explain.then(|| format!("plangate rules --explain {}", self.rule))
    }
}

/// `s` as a TOML string (quoted and escaped by the TOML library).
pub fn toml_string(s: &str) -> String {
    toml_edit::Value::from(s).to_string()
}

/// Findings identical apart from the instance key, shown as one line.
#[derive(Clone, Debug)]
pub struct FindingGroup<'r> {
    pub id: &'r str,
    pub level: Level,
    pub env: Option<Env>,
    /// The resource instances it concerns; `None` for a plan-wide finding.
    pub target: Option<Instances>,
    pub message: &'r str,
    pub origin: Option<&'r Origin>,
    pub waived: Option<&'r Waiver>,
    /// Indices into [`Review::findings`].
    pub members: Vec<usize>,
    /// For a counting `block` finding on a change: why.
    pub cause: Option<Cause>,
    /// The `action_reason` of the change(s) it is about, in Terraform's
    /// words (shown beside findings that have no [`Cause`]).
    pub reason: Option<Rich>,
    /// For a counting `block` finding: how to let it through.
    pub unblock: Option<Unblock>,
}

impl FindingGroup<'_> {
    pub fn counts(&self) -> bool {
        self.waived.is_none()
    }
}

/// Which findings a [`FindingSection`] holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FindingKind {
    Blocking,
    Warnings,
    Info,
    Waived,
}

#[derive(Clone, Debug)]
pub struct FindingSection<'r> {
    pub kind: FindingKind,
    pub title: &'static str,
    pub groups: Vec<FindingGroup<'r>>,
}

/// How staging relates to one prod edit, in a few words: the one place
/// this is worded.
pub fn relation_text(r: &Relation) -> String {
    match r {
        Relation::Same => "same as staging".to_owned(),
        Relation::NotInStaging => "not in staging".to_owned(),
        Relation::Differs(v) => format!("staging: {}", v.join(", ")),
    }
}

/// The sign of a diff row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sign {
    Add,
    Remove,
    Change,
    /// Context inside a line diff.
    Same,
    /// A note, not a change (`(12 more attributes not shown)`).
    Note,
}

/// One attribute's change.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DiffLine {
    pub sign: Sign,
    pub path: String,
    pub before: Option<Shown>,
    pub after: Option<Shown>,
    pub forced: bool,
    /// How staging relates to this edit (a matched change's edits are all
    /// the same as staging's); `None` when there is no staging plan.
    pub staging: Option<Relation>,
}

/// One row of a laid-out diff: its sign, indent (nesting depth) and text,
/// unescaped. Formatters add colour and escaping only.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    pub sign: Sign,
    pub depth: usize,
    pub text: String,
    /// `# forces replacement` goes at the end of this row.
    pub forced: bool,
    /// How staging relates to the edit, at the end of its first row.
    pub staging: Option<String>,
}

impl DiffLine {
    fn of(a: &AttrDiff) -> DiffLine {
        let sign = match (&a.before, &a.after) {
            (None, None) => Sign::Note,
            (None, Some(_)) => Sign::Add,
            (Some(_), None) => Sign::Remove,
            (Some(_), Some(_)) => Sign::Change,
        };
        DiffLine {
            sign,
            path: a.path.clone(),
            before: a.before.clone(),
            after: a.after.clone(),
            forced: a.forces_replacement,
            staging: None,
        }
    }

    /// The rows of this line, Terraform-like: `+ path = value`, `- path =
    /// value`, `~ path = before -> after`; multi-line strings as a line
    /// diff under `~ path:`; wide collections of a create or delete as
    /// nested blocks; a value that becomes unknown on one row.
    pub fn rows(&self) -> Vec<Row> {
        let mut rows = self.layout();
        if let (Some(first), Some(r)) = (rows.first_mut(), &self.staging) {
            first.staging = Some(relation_text(r));
        }
        rows
    }

    fn layout(&self) -> Vec<Row> {
        let row = |sign, depth, text: String, forced| Row { sign, depth, text, forced, staging: None };
        let path = &self.path;
        let (before, after) = (self.before.as_ref(), self.after.as_ref());
        let multi = (before.and_then(Shown::lines), after.and_then(Shown::lines));
        let to_unknown = matches!(after, Some(Shown::Unknown));
        if to_unknown && let Some(b) = before {
            return vec![row(
                Sign::Change,
                0,
                format!("{path} = {} -> {}", short(b), Shown::Unknown.inline()),
                self.forced,
            )];
        }
        if multi.0.is_some() || multi.1.is_some() {
            let mut out = vec![row(self.sign, 0, format!("{path}:"), self.forced)];
            let side = |lines: Option<&str>, shown: Option<&Shown>| {
                lines.map_or_else(|| shown.map(Shown::inline).unwrap_or_default(), str::to_owned)
            };
            for (sign, text) in super::line_diff(&side(multi.0, before), &side(multi.1, after)) {
                let sign = match sign {
                    '-' => Sign::Remove,
                    '+' => Sign::Add,
                    _ => Sign::Same,
                };
                out.push(row(sign, 2, text, false));
            }
            return out;
        }
        match (before, after) {
            (None, None) => vec![row(Sign::Note, 0, path.clone(), false)],
            (None, Some(v)) | (Some(v), None) => {
                let nested = match v {
                    Shown::Value(s) if wants_nesting(s) => nested(s),
                    _ => None,
                };
                match nested {
                    Some(lines) => {
                        let mut out = Vec::with_capacity(lines.len());
                        for (i, (depth, text)) in lines.into_iter().enumerate() {
                            if i == 0 {
                                out.push(row(self.sign, 0, format!("{path} = {text}"), self.forced));
                            } else {
                                out.push(row(self.sign, depth, text, false));
                            }
                        }
                        out
                    }
                    None => vec![row(self.sign, 0, format!("{path} = {}", v.inline()), self.forced)],
                }
            }
            (Some(b), Some(a)) => {
                vec![row(Sign::Change, 0, format!("{path} = {} -> {}", b.inline(), a.inline()), self.forced)]
            }
        }
    }
}

/// Whether a created or deleted value reads better as a nested block, as
/// Terraform shows it: an object, a list of collections, a wide value, or
/// one holding a multi-line string.
fn wants_nesting(s: &str) -> bool {
    let object = s.starts_with('{') && s != "{}";
    let nested_list = s.starts_with('[') && s[1..].contains(['{', '[']);
    object || nested_list || s.chars().count() > WIDE_VALUE || s.contains("\\n")
}

/// A value's one-line form, cut to [`UNKNOWN_BEFORE_CHARS`].
fn short(v: &Shown) -> String {
    let s = match v {
        Shown::Text(t) | Shown::Json(t) => return format!("({} lines)", t.lines().count()),
        other => other.inline(),
    };
    if s.chars().count() <= UNKNOWN_BEFORE_CHARS {
        return s;
    }
    let mut cut: String = s.chars().take(UNKNOWN_BEFORE_CHARS).collect();
    cut.push('…');
    cut
}

/// A token of the compact value form the analysis writes: JSON, with the
/// bare words `(sensitive)` and `(known after apply)` for masked leaves.
#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Open(char),
    Close(char),
    Colon,
    Comma,
    Str(String),
    Word(String),
}

fn tokens(s: &str) -> Option<Vec<Tok>> {
    let b: Vec<char> = s.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            ' ' => i += 1,
            c @ ('{' | '[') => {
                out.push(Tok::Open(c));
                i += 1;
            }
            c @ ('}' | ']') => {
                out.push(Tok::Close(c));
                i += 1;
            }
            ':' => {
                out.push(Tok::Colon);
                i += 1;
            }
            ',' => {
                out.push(Tok::Comma);
                i += 1;
            }
            '"' => {
                let start = i;
                i += 1;
                while i < b.len() && b[i] != '"' {
                    i += if b[i] == '\\' { 2 } else { 1 };
                }
                if i >= b.len() {
                    return None;
                }
                i += 1;
                let raw: String = b[start..i].iter().collect();
                out.push(Tok::Str(serde_json::from_str(&raw).ok()?));
            }
            '(' => {
                let start = i;
                while i < b.len() && b[i] != ')' {
                    i += 1;
                }
                i = (i + 1).min(b.len());
                out.push(Tok::Word(b[start..i].iter().collect()));
            }
            _ => {
                let start = i;
                while i < b.len() && !matches!(b[i], ',' | '}' | ']' | ':' | ' ') {
                    i += 1;
                }
                out.push(Tok::Word(b[start..i].iter().collect()));
            }
        }
    }
    Some(out)
}

/// A wide collection laid out as Terraform lays out nested values: one
/// `key = value` per line, objects and lists indented, multi-line strings
/// as `<<-EOT` blocks. `(depth, text)` per line; `None` when the value is
/// not a collection of the compact form (it is then shown inline).
fn nested(s: &str) -> Option<Vec<(usize, String)>> {
    let toks = tokens(s)?;
    if !matches!(toks.first(), Some(Tok::Open(_))) {
        return None;
    }
    let mut out: Vec<(usize, String)> = Vec::new();
    let mut pos = 0;
    let line = layout_value(&toks, &mut pos, 0, &mut out)?;
    if pos != toks.len() {
        return None;
    }
    out.insert(0, (0, line));
    Some(out)
}

/// Lays out the value at `toks[*pos]`: returns the text that goes on the
/// current line; pushes the lines that follow (for collections and
/// multi-line strings) into `out`.
fn layout_value(toks: &[Tok], pos: &mut usize, depth: usize, out: &mut Vec<(usize, String)>) -> Option<String> {
    let tok = toks.get(*pos)?.clone();
    *pos += 1;
    match tok {
        Tok::Str(s) if s.contains('\n') => {
            for l in s.lines() {
                out.push((depth + 2, l.to_owned()));
            }
            out.push((depth + 1, "EOT".to_owned()));
            Some("<<-EOT".to_owned())
        }
        Tok::Str(s) => serde_json::to_string(&s).ok(),
        Tok::Word(w) => Some(w),
        Tok::Open(open) => {
            let close = if open == '{' { '}' } else { ']' };
            if toks.get(*pos) == Some(&Tok::Close(close)) {
                *pos += 1;
                return Some(format!("{open}{close}"));
            }
            let mut entries: Vec<(Option<String>, usize)> = Vec::new();
            let mut body: Vec<Vec<(usize, String)>> = Vec::new();
            loop {
                let key = if open == '{' {
                    let Some(Tok::Str(k)) = toks.get(*pos).cloned() else { return None };
                    *pos += 1;
                    if toks.get(*pos) != Some(&Tok::Colon) {
                        return None;
                    }
                    *pos += 1;
                    Some(key_text(&k))
                } else {
                    None
                };
                let mut lines = Vec::new();
                let first = layout_value(toks, pos, depth + 1, &mut lines)?;
                lines.insert(0, (depth + 1, first));
                entries.push((key, lines.len()));
                body.push(lines);
                match toks.get(*pos) {
                    Some(Tok::Comma) => *pos += 1,
                    Some(Tok::Close(c)) if *c == close => {
                        *pos += 1;
                        break;
                    }
                    _ => return None,
                }
            }
            let width = entries.iter().filter_map(|(k, _)| k.as_ref().map(|k| k.chars().count())).max().unwrap_or(0);
            for ((key, _), mut lines) in entries.into_iter().zip(body) {
                match key {
                    Some(k) => lines[0].1 = format!("{k:<width$} = {}", lines[0].1),
                    // A list element ends with a comma, after its last line.
                    None => lines.last_mut().expect("an element has a line").1.push(','),
                }
                out.extend(lines);
            }
            out.push((depth, close.to_string()));
            Some(open.to_string())
        }
        Tok::Close(_) | Tok::Colon | Tok::Comma => None,
    }
}

/// An object key as Terraform writes it: bare when it is an identifier.
fn key_text(k: &str) -> String {
    let bare = k.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if bare { k.to_owned() } else { serde_json::to_string(k).unwrap_or_default() }
}

/// `action_reason` in Terraform's words, for one change or a group of
/// instances (`keys`, with brackets, from [`Instances`]).
pub fn reason_words(c: &Change, keys: &[String]) -> Option<Rich> {
    let reason = c.action_reason.as_deref()?;
    let address = strip_instance_key(&c.address);
    let one_key = c.address.get(address.len()..).filter(|k| !k.is_empty()).map(str::to_owned);
    let keys: Vec<String> = if keys.is_empty() { one_key.into_iter().collect() } else { keys.to_vec() };
    let plural = keys.len() > 1;
    let mut r = Rich::default();
    match reason {
        "delete_because_no_resource_config" => {
            let name = address.rsplit_once('.').map_or(address, |(_, n)| n);
            r.push("because ").code(format!("{}.{name}", c.type_)).push(" is not in configuration");
        }
        "delete_because_no_module" => {
            let module = module_of(address, &c.type_);
            r.push("because ").code(module.unwrap_or(address)).push(" is not in configuration");
        }
        "delete_because_no_move_target" => {
            r.push("because ")
                .code(c.previous_address.clone().unwrap_or_else(|| "its previous address".into()))
                .push(" was moved to ")
                .code(c.address.clone())
                .push(", which is not in configuration");
        }
        "delete_because_wrong_repetition" => {
            let key = keys.first().map(|k| &k[1..k.len() - 1]);
            r.push(match key {
                None => "because resource uses count or for_each",
                Some(k) if k.starts_with('"') => "because resource does not use for_each",
                Some(_) => "because resource does not use count",
            });
        }
        "delete_because_count_index" if keys.is_empty() => {
            r.push("because its index is out of range for count");
        }
        "delete_because_each_key" if keys.is_empty() => {
            r.push("because its key is not in the for_each map");
        }
        "delete_because_count_index" => {
            r.push(if plural { "because indices " } else { "because index " }).code(key_list(&keys)).push(if plural {
                " are out of range for count"
            } else {
                " is out of range for count"
            });
        }
        "delete_because_each_key" => {
            r.push(if plural { "because keys " } else { "because key " }).code(key_list(&keys)).push(if plural {
                " are not in for_each map"
            } else {
                " is not in for_each map"
            });
        }
        "replace_because_tainted" => {
            r.push("because it is tainted");
        }
        "replace_by_request" => {
            r.push("as requested (").code("-replace").push(")");
        }
        "replace_by_triggers" => {
            r.push("due to changes in ").code("replace_triggered_by");
        }
        "replace_because_cannot_update" => {
            r.push("because a changed attribute cannot be updated in place");
        }
        "read_because_config_unknown" => {
            r.push("config refers to values not yet known");
        }
        "read_because_dependency_pending" => {
            r.push("depends on a resource or a module with changes pending");
        }
        "read_because_check_nested" => {
            r.push("config will be reloaded to verify a check block");
        }
        other => {
            r.push("action_reason ").code(other);
        }
    }
    Some(r)
}

/// `[0], [1]` for the keys (a run of count indices as `[0..3]`).
fn key_list(keys: &[String]) -> String {
    if keys.len() > 1 {
        return Instances { resource: String::new(), keys: keys.to_vec() }.label();
    }
    keys.join(", ")
}

/// The module part of a resource address (`module.db["eu"]`), if any.
fn module_of<'a>(address: &'a str, type_: &str) -> Option<&'a str> {
    let idx = address.rfind(&format!(".{type_}."))?;
    let module = &address[..idx];
    let module = module.strip_suffix(".data").unwrap_or(module);
    module.starts_with("module.").then_some(module)
}

/// How a prod change relates to staging, in one sentence: the one place
/// this is worded.
pub fn staging_sentence(c: &Change, kind: &Kind) -> Option<Rich> {
    let m = c.staging.as_ref()?;
    let mut r = Rich::default();
    match (m.status, m.action, &m.address, &m.description) {
        (MatchStatus::Absent, _, _, _) if matches!(kind, Kind::ProdOnly { .. }) => {
            r.push("not in staging: ").push(crate::review::NO_STAGING_PLAN);
        }
        (MatchStatus::Absent, Some(Action::NoOp), _, _) => {
            r.push("not in staging: staging's plan leaves it unchanged");
        }
        (MatchStatus::Absent, _, None, Some(siblings)) => {
            r.push("not in staging: no such instance in staging, which changes its ").push(siblings.clone());
        }
        (MatchStatus::Absent, _, _, _) => {
            r.push("not in staging: staging's plan has no such resource change");
        }
        (status, _, address, what) => {
            r.push(match status {
                MatchStatus::Matched => "matches staging",
                MatchStatus::ValueDiffers => "same edits as staging, other values",
                MatchStatus::Diverged => "diverged from staging",
                MatchStatus::Escalated => "more destructive than staging",
                MatchStatus::Absent => unreachable!("handled above"),
            });
            if let Some(what) = what {
                r.push(": staging will ").push(what.clone());
                if let Some(a) = address.as_ref().filter(|a| **a != c.address) {
                    r.push(" ").code(a.clone());
                }
            }
            match m.via {
                Some(Via::Mapped) => {
                    r.push(" (mapped address)");
                }
                Some(Via::PreviousAddress) => {
                    r.push(" (by previous address)");
                }
                Some(Via::Sibling) => {
                    r.push(" (another instance)");
                }
                Some(Via::Normalized) => {
                    r.push(" (same name after environment tokens)");
                }
                Some(Via::Address) | None => {}
            }
            if !m.extra_paths.is_empty() {
                r.push("; only prod changes ");
                for (i, p) in m.extra_paths.iter().enumerate() {
                    if i > 0 {
                        r.push(", ");
                    }
                    r.code(p.clone());
                }
            }
        }
    }
    Some(r)
}

/// A finding on a change, as listed beside it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tag<'r> {
    pub id: &'r str,
    pub level: Level,
    pub waived: bool,
}

/// Whether a change is planned, or drift the refresh found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChangeKind {
    Planned,
    Drift,
}

/// One change, or several instances whose diffs are identical.
#[derive(Clone, Debug)]
pub struct ChangeView<'r> {
    pub target: Instances,
    /// The first member.
    pub change: &'r Change,
    pub kind: ChangeKind,
    /// Terraform's plan symbol (`-/+`).
    pub symbol: &'static str,
    /// `will be destroyed`, `has changed outside Terraform`...
    pub verb: String,
    /// The action in short (`replace (destroy before create)`).
    pub action: String,
    pub reason: Option<Rich>,
    /// `moved from ...`, `deposed object ...`, `deferred: ...`.
    pub notes: Vec<Rich>,
    /// Why policy treats the resource as stateful, when something happens
    /// to the existing object and no finding says it already.
    pub stateful: Option<&'r str>,
    pub staging: Option<Rich>,
    pub status: Option<MatchStatus>,
    pub findings: Vec<Tag<'r>>,
    pub lines: Vec<DiffLine>,
    /// Changed paths, for a change without display diffs.
    pub paths: &'r [String],
    /// Prod's edits compared with staging's that no diff line carries
    /// (lines and elements of multi-line and JSON-encoded strings), when
    /// the change is not simply matched.
    pub edits: Vec<&'r EditNote>,
}

impl ChangeView<'_> {
    /// Everything but the instance key, for grouping.
    fn same_as(&self, other: &ChangeView<'_>) -> bool {
        let (a, b) = (self.change, other.change);
        a.action == b.action
            && a.action_reason == b.action_reason
            && a.importing == b.importing
            && a.deposed.is_none()
            && b.deposed.is_none()
            && a.previous_address.is_none()
            && b.previous_address.is_none()
            && a.deferred == b.deferred
            && self.kind == other.kind
            && self.stateful == other.stateful
            && self.staging == other.staging
            && self.findings == other.findings
            && self.lines == other.lines
            && self.paths == other.paths
            && self.edits == other.edits
    }
}

/// Which changes a [`ChangeSection`] holds, most severe first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ChangeGroup {
    /// Prod changes with a counting `block` finding.
    Blocking,
    /// Deletes and replacements ([`destructive`]).
    Destructive,
    /// Not in staging, or more destructive than in staging.
    NotInStaging,
    /// Diverged from staging.
    Diverged,
    /// Other changes with a counting warning.
    Warned,
    Other,
    /// Staging's own destructive changes, for context.
    StagingContext,
    Drift,
}

#[derive(Clone, Debug)]
pub struct ChangeSection<'r> {
    pub group: ChangeGroup,
    pub title: &'static str,
    pub changes: Vec<ChangeView<'r>>,
}

/// A prod change that does something staging did not: one line each in
/// the comment, outside every fold.
#[derive(Clone, Debug)]
pub struct Divergence {
    pub target: Instances,
    pub action: String,
    pub status: MatchStatus,
    pub sentence: Rich,
}

/// `check` or `review`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Subject {
    /// One plan, checked as this environment.
    Check(Env),
    /// Prod against staging.
    Review,
    /// One stack of many whose prod plan has no staging plan.
    ProdOnly,
}

/// Everything a reviewer is shown, in order.
#[derive(Clone, Debug)]
pub struct View<'r> {
    pub subject: Subject,
    pub verdict: Verdict,
    /// Prod first, then staging; one `plan` for `check`.
    pub plans: Vec<PlanView<'r>>,
    pub counts: FindingCounts,
    /// Blocking, warnings, info, waived; only sections with findings.
    pub findings: Vec<FindingSection<'r>>,
    /// Prod changes that do something staging did not.
    pub divergences: Vec<Divergence>,
    /// Prod changes by severity, then staging context, then drift; only
    /// sections with changes.
    pub changes: Vec<ChangeSection<'r>>,
    pub outputs: Vec<DiffLine>,
    /// The one-way edits, last in every human format: what promoting the
    /// previous artifact cannot undo.
    pub rollback: Vec<RollbackView<'r>>,
}

/// One one-way edit, and whether its `one-way` finding was waived.
#[derive(Clone, Debug)]
pub struct RollbackView<'r> {
    pub item: &'r Rollback,
    pub waived: bool,
}

impl<'r> View<'r> {
    /// The one function from a review to what is shown.
    pub fn of(review: &'r Review) -> View<'r> {
        let subject = match &review.kind {
            Kind::Check { env, .. } => Subject::Check(*env),
            Kind::Review { .. } => Subject::Review,
            Kind::ProdOnly { .. } => Subject::ProdOnly,
        };
        let reviewing = !matches!(subject, Subject::Check(_));
        let mut plans = vec![PlanView {
            label: if reviewing { "prod" } else { "plan" },
            info: review.gated(),
            counts: PlanCounts::of(&review.changes),
        }];
        if let Some(s) = review.staging() {
            plans.push(PlanView { label: "staging", info: s, counts: PlanCounts::of(review.staging_changes()) });
        }

        // Which change each finding is about.
        let mut change_of: HashMap<usize, &Change> = HashMap::new();
        for c in review.changes.iter().chain(review.staging_changes()).chain(&review.drift) {
            for &i in &c.findings {
                change_of.insert(i, c);
            }
        }

        let groups = group_findings(review, &change_of);
        let mut sections: Vec<FindingSection<'r>> = [
            (FindingKind::Blocking, "Blocking findings"),
            (FindingKind::Warnings, "Warnings"),
            (FindingKind::Info, "Info"),
            (FindingKind::Waived, "Waived by exceptions"),
        ]
        .into_iter()
        .map(|(kind, title)| FindingSection { kind, title, groups: Vec::new() })
        .collect();
        for g in groups {
            let at = match (g.counts(), g.level) {
                (false, _) => 3,
                (true, Level::Block) => 0,
                (true, Level::Warn) => 1,
                (true, Level::Info) => 2,
            };
            sections[at].groups.push(g);
        }
        sections.retain(|s| !s.groups.is_empty());

        let changes = change_sections(review);
        let mut divergences: Vec<Divergence> = Vec::new();
        let prod_views = changes.iter().filter(|s| s.group < ChangeGroup::StagingContext).flat_map(|s| &s.changes);
        for v in prod_views {
            let differs = |s: &MatchStatus| !matches!(s, MatchStatus::Matched | MatchStatus::ValueDiffers);
            let (Some(status), Some(sentence)) = (v.status.filter(differs), &v.staging) else {
                continue;
            };
            // Instances that differ from staging the same way are one line,
            // whatever their diffs.
            let target = v.target.keyed();
            if let Some(last) = divergences.last_mut()
                && last.status == status
                && last.action == v.action
                && last.sentence == *sentence
                && !last.target.keys.is_empty()
                && !target.keys.is_empty()
                && last.target.resource == target.resource
            {
                for k in target.keys {
                    last.target.add(k);
                }
                continue;
            }
            divergences.push(Divergence { target, action: v.action.clone(), status, sentence: sentence.clone() });
        }
        for d in &mut divergences {
            d.target = d.target.unkeyed();
        }

        let rollback = review
            .rollback
            .iter()
            .map(|item| RollbackView {
                item,
                waived: item.finding.and_then(|i| review.findings.get(i)).is_some_and(|f| !f.counts()),
            })
            .collect();
        View {
            rollback,
            subject,
            verdict: review.verdict,
            plans,
            counts: FindingCounts::of(&review.findings),
            findings: sections,
            divergences,
            changes,
            outputs: review
                .outputs
                .iter()
                .map(|o| match &o.diff {
                    Some(d) => DiffLine::of(d),
                    None => DiffLine {
                        sign: match o.action {
                            Action::Create => Sign::Add,
                            Action::Delete => Sign::Remove,
                            _ => Sign::Change,
                        },
                        path: format!("{} ({})", o.name, o.action.name()),
                        before: None,
                        after: None,
                        forced: false,
                        staging: None,
                    },
                })
                .collect(),
        }
    }

    /// Whether the view is of a staging/prod review (or a prod stack with
    /// no staging plan): findings then say which environment they are about.
    pub fn reviewing(&self) -> bool {
        !matches!(self.subject, Subject::Check(_))
    }

    /// The findings section of a kind, if it has findings.
    pub fn section(&self, kind: FindingKind) -> Option<&FindingSection<'r>> {
        self.findings.iter().find(|s| s.kind == kind)
    }
}

/// Groups findings identical apart from the instance key, in the review's
/// order (the first member's place).
fn group_findings<'r>(review: &'r Review, change_of: &HashMap<usize, &'r Change>) -> Vec<FindingGroup<'r>> {
    type Key<'a> = (bool, Level, &'a str, Option<Env>, &'a str, &'a str, Option<String>, Option<String>);
    let mut index: HashMap<Key<'r>, usize> = HashMap::new();
    let mut out: Vec<FindingGroup<'r>> = Vec::new();
    for (i, f) in review.findings.iter().enumerate() {
        let split = f.address.as_deref().map(split_key);
        let key = match split {
            Some((resource, Some(_))) => Some((
                f.counts(),
                f.level,
                f.id.name(),
                f.env,
                resource,
                f.message.as_str(),
                f.origin.as_ref().map(ToString::to_string),
                f.waived.as_ref().map(|w| format!("{}|{}", w.origin, w.reason)),
            )),
            _ => None,
        };
        if let Some(k) = &key
            && let Some(&g) = index.get(k)
        {
            let group = &mut out[g];
            if let (Some(t), Some((_, Some(instance_key)))) = (&mut group.target, split) {
                t.add(instance_key.to_owned());
            }
            group.members.push(i);
            continue;
        }
        let target = match split {
            Some((resource, Some(k))) => Some(Instances { resource: resource.to_owned(), keys: vec![k.to_owned()] }),
            Some((address, None)) => Some(Instances::one(address)),
            None => None,
        };
        if let Some(k) = key {
            index.insert(k, out.len());
        }
        out.push(FindingGroup {
            id: f.id.name(),
            level: f.level,
            env: f.env,
            target,
            message: &f.message,
            origin: f.origin.as_ref(),
            waived: f.waived.as_ref(),
            members: vec![i],
            cause: None,
            unblock: None,
            reason: None,
        });
    }
    for g in &mut out {
        // A one-member group reads as its address.
        g.target = g.target.as_ref().map(Instances::unkeyed);
        let change = change_of.get(&g.members[0]).copied();
        // The findings about what happens to the object carry its reason.
        let about_action = matches!(
            review.findings[g.members[0]].id,
            FindingId::Builtin(RuleId::Destructive | RuleId::StatefulDestroy | RuleId::Forget)
        );
        g.reason = change
            .filter(|_| about_action)
            .and_then(|c| reason_words(c, g.target.as_ref().map_or(&[][..], |t| &t.keys)));
        if g.counts() && g.level == Level::Block {
            g.cause = change.map(|c| cause_of(c, g.target.as_ref()));
            g.unblock = Some(Unblock::of(&review.findings[g.members[0]], g.target.as_ref()));
        }
    }
    out
}

fn cause_of(c: &Change, target: Option<&Instances>) -> Cause {
    let mut what = Rich::text(will_be_phrase(c));
    let keys = target.map(|t| t.keys.clone()).unwrap_or_default();
    if let Some(reason) = reason_words(c, &keys) {
        what.push(" ").append(reason);
    }
    let mut forced_by: Vec<DiffLine> = c.attributes.iter().filter(|a| a.forces_replacement).map(DiffLine::of).collect();
    if forced_by.is_empty() {
        forced_by = c
            .replace_paths
            .iter()
            .map(|p| DiffLine {
                sign: Sign::Note,
                path: p.clone(),
                before: None,
                after: None,
                forced: true,
                staging: None,
            })
            .collect();
    }
    Cause { what, forced_by, identity: c.identity.clone() }
}

/// `will be destroyed`, as a phrase to follow the address.
fn will_be_phrase(c: &Change) -> String {
    format!("will be {}", c.will_be())
}

/// Which prod section a change goes to: the one place this is decided.
fn group_of(review: &Review, c: &Change) -> ChangeGroup {
    let counting = || c.findings.iter().map(|&i| &review.findings[i]).filter(|f| f.counts());
    if counting().any(|f| f.level == Level::Block) {
        return ChangeGroup::Blocking;
    }
    if destructive(c.action) {
        return ChangeGroup::Destructive;
    }
    match c.staging.as_ref().map(|m| m.status) {
        Some(MatchStatus::Absent | MatchStatus::Escalated) => return ChangeGroup::NotInStaging,
        Some(MatchStatus::Diverged) => return ChangeGroup::Diverged,
        _ => {}
    }
    if counting().any(|f| f.level == Level::Warn) { ChangeGroup::Warned } else { ChangeGroup::Other }
}

fn section_title(group: ChangeGroup, reviewing: bool) -> &'static str {
    match (group, reviewing) {
        (ChangeGroup::Blocking, true) => "Prod changes with blocking findings",
        (ChangeGroup::Blocking, false) => "Changes with blocking findings",
        (ChangeGroup::Destructive, true) => "Prod: destroyed or replaced",
        (ChangeGroup::Destructive, false) => "Destroyed or replaced",
        (ChangeGroup::NotInStaging, _) => "Prod: not in staging, or more destructive than in staging",
        (ChangeGroup::Diverged, _) => "Prod: diverged from staging",
        (ChangeGroup::Warned, true) => "Prod: other changes with warnings",
        (ChangeGroup::Warned, false) => "Other changes with warnings",
        (ChangeGroup::Other, true) => "Prod: other changes",
        (ChangeGroup::Other, false) => "Other changes",
        (ChangeGroup::StagingContext, _) => "Staging context: staging's own destructive changes",
        (ChangeGroup::Drift, _) => "Drift: changed outside Terraform",
    }
}

/// The worst counting finding of a change, for ordering within a section.
fn worst(review: &Review, c: &Change) -> u8 {
    c.findings.iter().map(|&i| &review.findings[i]).filter(|f| f.counts()).map(|f| f.level as u8 + 1).max().unwrap_or(0)
}

fn change_sections(review: &Review) -> Vec<ChangeSection<'_>> {
    let reviewing = review.staging().is_some();
    let mut prod: Vec<(ChangeGroup, &Change)> = review.changes.iter().map(|c| (group_of(review, c), c)).collect();
    prod.sort_by_cached_key(|(g, c)| {
        (
            *g,
            std::cmp::Reverse(worst(review, c)),
            std::cmp::Reverse(crate::review::rank(c.action, c.importing, c.moved)),
            c.address.clone(),
        )
    });
    let context = review
        .staging_changes()
        .iter()
        .filter(|c| {
            destructive(c.action) || matches!(c.action, Action::Forget | Action::ReplaceForget) || worst(review, c) == 3
        })
        .map(|c| (ChangeGroup::StagingContext, c));
    let drift = review.drift.iter().map(|c| (ChangeGroup::Drift, c));

    let mut sections: Vec<ChangeSection<'_>> = Vec::new();
    for (group, c) in prod.into_iter().chain(context).chain(drift) {
        let kind = if group == ChangeGroup::Drift { ChangeKind::Drift } else { ChangeKind::Planned };
        let view = change_view(review, c, kind);
        if sections.last().is_none_or(|s| s.group != group) {
            sections.push(ChangeSection { group, title: section_title(group, reviewing), changes: Vec::new() });
        }
        let section = sections.last_mut().expect("pushed above");
        let (resource, key) = split_key(&c.address);
        if let Some(key) = key
            && let Some(same) = section.changes.last_mut()
            && split_key(&same.change.address).1.is_some()
            && split_key(&same.change.address).0 == resource
            && same.same_as(&view)
        {
            if same.target.keys.is_empty() {
                let first = split_key(&same.change.address).1.unwrap_or_default().to_owned();
                same.target = Instances { resource: resource.to_owned(), keys: vec![first] };
            }
            same.target.add(key.to_owned());
            continue;
        }
        section.changes.push(view);
    }
    for s in &mut sections {
        for v in &mut s.changes {
            if !v.target.keys.is_empty() {
                v.reason = reason_words(v.change, &v.target.keys);
            }
        }
    }
    sections
}

fn change_view<'r>(review: &'r Review, c: &'r Change, kind: ChangeKind) -> ChangeView<'r> {
    let verb = match kind {
        ChangeKind::Drift if c.action == Action::Delete => "was deleted outside Terraform".to_owned(),
        ChangeKind::Drift => "has changed outside Terraform".to_owned(),
        ChangeKind::Planned => will_be_phrase(c),
    };
    let mut notes = Vec::new();
    if let Some(p) = &c.previous_address {
        notes.push(Rich::text("moved from ").code(p.clone()).clone());
    }
    if let Some(d) = &c.deposed {
        notes.push(
            Rich::text("deposed object ")
                .code(d.clone())
                .push(": left over from a partially-failed replacement of this instance")
                .clone(),
        );
    }
    if let Some(d) = &c.deferred {
        notes.push(Rich::text("deferred: ").push(d.clone()).clone());
    }
    let mut lines: Vec<DiffLine> = c.attributes.iter().map(DiffLine::of).collect();
    // What a destroyed or forgotten object was called: as Terraform's
    // `- name = "..."` lines when there is no other diff, else as a note.
    if !c.identity.is_empty() {
        if lines.is_empty() && matches!(c.action, Action::Delete | Action::Forget) {
            lines = c
                .identity
                .iter()
                .map(|(path, v)| DiffLine {
                    sign: Sign::Remove,
                    path: path.clone(),
                    before: Some(v.clone()),
                    after: None,
                    forced: false,
                    staging: None,
                })
                .collect();
        } else {
            let mut r = Rich::text("identified by ");
            for (i, (path, v)) in c.identity.iter().enumerate() {
                if i > 0 {
                    r.push(", ");
                }
                r.code(format!("{path} = {}", v.inline()));
            }
            notes.push(r);
        }
    }
    let forced_shown = c.attributes.iter().any(|a| a.forces_replacement);
    if !c.replace_paths.is_empty() && !forced_shown {
        let mut r = Rich::text("forces replacement: ");
        for (i, p) in c.replace_paths.iter().enumerate() {
            if i > 0 {
                r.push(", ");
            }
            r.code(p.clone());
        }
        notes.push(r);
    }
    // Beside each attribute line, how staging relates to it; the other
    // edits (lines, elements) are listed after the diff.
    let edit_notes: &[EditNote] = match &c.staging {
        Some(m) if m.status != MatchStatus::Matched => &m.notes,
        _ => &[],
    };
    let mut edits = Vec::new();
    for n in edit_notes {
        let line = lines.iter_mut().find(|d| n.kind == EditKind::Attribute && d.path == n.path && d.staging.is_none());
        match line {
            Some(d) => d.staging = Some(n.staging.clone()),
            None => edits.push(n),
        }
    }
    // A matched change makes every edit staging makes, with the same
    // values: each of its attribute lines says so.
    if c.staging.as_ref().is_some_and(|m| m.status == MatchStatus::Matched) {
        for d in lines.iter_mut().filter(|d| matches!(d.sign, Sign::Add | Sign::Remove | Sign::Change)) {
            d.staging = Some(Relation::Same);
        }
    }
    let findings: Vec<Tag<'r>> = c
        .findings
        .iter()
        .map(|&i| &review.findings[i])
        .map(|f| Tag { id: f.id.name(), level: f.level, waived: !f.counts() })
        .collect();
    let says_stateful = findings.iter().any(|t| t.id == "stateful-destroy");
    let touches_existing = !matches!(c.action, Action::Create | Action::Read | Action::NoOp);
    ChangeView {
        target: Instances::one(&c.address),
        change: c,
        kind,
        symbol: c.action.symbol(),
        verb,
        action: match kind {
            ChangeKind::Drift => "drift".to_owned(),
            ChangeKind::Planned => c.describe(),
        },
        reason: reason_words(c, &[]),
        notes,
        stateful: c.stateful.as_deref().filter(|_| touches_existing && !says_stateful),
        staging: staging_sentence(c, &review.kind),
        status: c.staging.as_ref().map(|m| m.status),
        findings,
        edits,
        lines,
        paths: if c.attributes.is_empty() { &c.changed_paths } else { &[] },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::fixtures::{change, finding, review_of, value};
    use crate::review::StagingMatch;

    fn absent(action: Option<Action>) -> StagingMatch {
        StagingMatch { action, ..StagingMatch::absent() }
    }

    #[test]
    fn findings_identical_but_for_the_key_are_one_group() {
        let mut findings: Vec<Finding> =
            (0..4).map(|i| finding("not-in-staging", Level::Warn, &format!("aws_instance.app[{i}]"))).collect();
        for f in &mut findings {
            f.message = "prod will update; staging's plan leaves this resource unchanged".into();
        }
        let mut other = finding("not-in-staging", Level::Warn, "aws_instance.app[4]");
        other.message = "prod will delete; staging's plan leaves this resource unchanged".into();
        findings.push(other);
        findings.push(finding("not-in-staging", Level::Warn, "aws_instance.solo"));
        let r = review_of(Vec::new(), findings);
        let view = View::of(&r);
        let warnings = view.section(FindingKind::Warnings).unwrap();
        let labels: Vec<String> = warnings.groups.iter().map(|g| g.target.as_ref().unwrap().label()).collect();
        assert_eq!(labels, ["aws_instance.app[0..3]", "aws_instance.app[4]", "aws_instance.solo"]);
        assert_eq!(warnings.groups[0].members, [0, 1, 2, 3]);
        assert_eq!(view.counts, FindingCounts { warn: 6, ..FindingCounts::default() }, "counts are per finding");
        assert!(view.section(FindingKind::Blocking).is_none());
    }

    #[test]
    fn blocking_group_says_why_and_gives_an_exception_that_policy_accepts() {
        let mut a = change("aws_s3_bucket.logs[\"legacy\"]", Action::Delete);
        a.action_reason = Some("delete_because_each_key".into());
        a.identity = vec![("bucket".into(), Shown::Value("\"logs-legacy\"".into()))];
        let mut b = a.clone();
        b.address = "aws_s3_bucket.logs[\"old\"]".into();
        let mut db = change("aws_db_instance.main", Action::ReplaceDestroyFirst);
        db.action_reason = Some("replace_because_cannot_update".into());
        db.attributes = vec![AttrDiff {
            path: "engine_version".into(),
            before: value("\"15.4\""),
            after: value("\"16.1\""),
            forces_replacement: true,
        }];
        let mut findings = vec![
            finding("stateful-destroy", Level::Block, &a.address),
            finding("stateful-destroy", Level::Block, &b.address),
            finding("stateful-destroy", Level::Block, &db.address),
        ];
        for f in &mut findings[..2] {
            f.message = "delete of a stateful resource".into();
        }
        let r = review_of(vec![a, b, db], findings);
        let view = View::of(&r);
        let blocking = &view.section(FindingKind::Blocking).unwrap().groups;
        assert_eq!(blocking.len(), 2);
        let bucket = &blocking[0];
        assert_eq!(bucket.target.as_ref().unwrap().label(), "aws_s3_bucket.logs[\"legacy\", \"old\"]");
        let cause = bucket.cause.as_ref().unwrap();
        assert_eq!(cause.what.plain(), "will be destroyed because keys [\"legacy\", \"old\"] are not in for_each map");
        assert_eq!(cause.identity, [("bucket".to_owned(), Shown::Value("\"logs-legacy\"".into()))]);
        let db = &blocking[1];
        let cause = db.cause.as_ref().unwrap();
        assert_eq!(
            cause.what.plain(),
            "will be replaced (destroy before create) because a changed attribute cannot be updated in place"
        );
        assert_eq!(cause.forced_by.len(), 1);
        assert_eq!(cause.forced_by[0].path, "engine_version");

        // The exception to write is valid policy and waives exactly these.
        for (g, addresses) in [
            (bucket, vec!["aws_s3_bucket.logs[\"legacy\"]", "aws_s3_bucket.logs[\"old\"]"]),
            (db, vec!["aws_db_instance.main"]),
        ] {
            let u = g.unblock.as_ref().unwrap();
            assert_eq!(u.explain_command().as_deref(), Some("plangate rules --explain stateful-destroy"));
            let toml = u.exception_toml().unwrap();
            let policy = crate::policy::parse_str("exceptions.toml", &toml).unwrap_or_else(|e| panic!("{e:?}\n{toml}"));
            let e = &policy.exceptions[0];
            assert_eq!(e.rule.name(), "stateful-destroy");
            for a in addresses {
                assert!(e.address.is_match(a), "{a} not covered by {}", e.address.text);
            }
            assert!(!e.address.is_match("aws_s3_bucket.other"));
        }
    }

    #[test]
    fn plan_wide_blocking_findings_say_what_to_do_instead() {
        let mut f = finding("plan-not-applicable", Level::Block, "x");
        f.address = None;
        let r = review_of(Vec::new(), vec![f]);
        let view = View::of(&r);
        let g = &view.section(FindingKind::Blocking).unwrap().groups[0];
        let u = g.unblock.as_ref().unwrap();
        assert_eq!(u.exception_toml(), None);
        assert!(u.instead.unwrap().contains("complete plan"));
        assert!(g.cause.is_none());
    }

    #[test]
    fn changes_go_to_sections_by_severity_and_divergences_are_listed() {
        let mut blocked = change("aws_db_instance.main", Action::ReplaceDestroyFirst);
        blocked.staging = Some(absent(Some(Action::NoOp)));
        let mut deleted = change("aws_instance.old", Action::Delete);
        deleted.staging = Some(StagingMatch { status: MatchStatus::Matched, ..absent(Some(Action::Delete)) });
        let mut prod_only = change("aws_instance.web", Action::Update);
        prod_only.staging = Some(absent(Some(Action::NoOp)));
        let mut diverged = change("aws_iam_policy.p", Action::Update);
        diverged.staging = Some(StagingMatch {
            status: MatchStatus::Diverged,
            address: Some("aws_iam_policy.p".into()),
            via: Some(Via::Address),
            action: Some(Action::Update),
            description: Some("update".into()),
            extra_paths: vec!["policy".into()],
            ..StagingMatch::absent()
        });
        let forgotten = change("aws_instance.kept", Action::Forget);
        let same = change("aws_instance.same", Action::Update);
        let r = review_of(
            vec![same, forgotten, diverged, prod_only, deleted, blocked],
            vec![
                finding("stateful-destroy", Level::Block, "aws_db_instance.main"),
                finding("forget", Level::Warn, "aws_instance.kept"),
            ],
        );
        let view = View::of(&r);
        let order: Vec<(ChangeGroup, Vec<String>)> =
            view.changes.iter().map(|s| (s.group, s.changes.iter().map(|c| c.target.label()).collect())).collect();
        assert_eq!(
            order,
            [
                (ChangeGroup::Blocking, vec!["aws_db_instance.main".to_owned()]),
                (ChangeGroup::Destructive, vec!["aws_instance.old".to_owned()]),
                (ChangeGroup::NotInStaging, vec!["aws_instance.web".to_owned()]),
                (ChangeGroup::Diverged, vec!["aws_iam_policy.p".to_owned()]),
                (ChangeGroup::Warned, vec!["aws_instance.kept".to_owned()]),
                (ChangeGroup::Other, vec!["aws_instance.same".to_owned()]),
            ]
        );
        let listed: Vec<(String, String)> =
            view.divergences.iter().map(|d| (d.target.label(), d.sentence.plain())).collect();
        assert_eq!(
            listed,
            [
                ("aws_db_instance.main".to_owned(), "not in staging: staging's plan leaves it unchanged".to_owned()),
                ("aws_instance.web".to_owned(), "not in staging: staging's plan leaves it unchanged".to_owned()),
                (
                    "aws_iam_policy.p".to_owned(),
                    "diverged from staging: staging will update; only prod changes policy".to_owned()
                ),
            ]
        );
    }

    #[test]
    fn identical_instances_are_one_change_and_different_ones_are_not() {
        let mut changes = Vec::new();
        for i in 0..4 {
            let mut c = change(&format!("aws_instance.app[{i}]"), Action::Delete);
            c.action_reason = Some("delete_because_count_index".into());
            changes.push(c);
        }
        let mut named = change("aws_instance.app[4]", Action::Delete);
        named.identity = vec![("name".into(), Shown::Value("\"app-4\"".into()))];
        changes.push(named);
        let r = review_of(changes, Vec::new());
        let view = View::of(&r);
        let destroyed = &view.changes[0].changes;
        assert_eq!(destroyed.len(), 2);
        assert_eq!(destroyed[0].target.label(), "aws_instance.app[0..3]");
        assert_eq!(destroyed[0].reason.as_ref().unwrap().plain(), "because indices [0..3] are out of range for count");
        assert_eq!(destroyed[1].target.label(), "aws_instance.app[4]");
        assert_eq!(destroyed[1].lines[0].rows()[0].text, "name = \"app-4\"", "a deleted object shows its name");
        assert_eq!(view.plans[0].counts.to_destroy(), 5);
    }

    #[test]
    fn reasons_read_as_terraform_says_them() {
        let words = |address: &str, reason: &str| {
            let mut c = change(address, Action::Delete);
            c.type_ = "aws_s3_bucket".into();
            c.action_reason = Some(reason.into());
            reason_words(&c, &[]).unwrap().plain()
        };
        assert_eq!(
            words("aws_s3_bucket.b[\"legacy\"]", "delete_because_each_key"),
            "because key [\"legacy\"] is not in for_each map"
        );
        assert_eq!(
            words("aws_s3_bucket.b[2]", "delete_because_count_index"),
            "because index [2] is out of range for count"
        );
        assert_eq!(
            words("aws_s3_bucket.b", "delete_because_no_resource_config"),
            "because aws_s3_bucket.b is not in configuration"
        );
        assert_eq!(
            words("module.m[\"eu\"].aws_s3_bucket.b", "delete_because_no_module"),
            "because module.m[\"eu\"] is not in configuration"
        );
        assert_eq!(
            words("aws_s3_bucket.b[0]", "delete_because_wrong_repetition"),
            "because resource does not use count"
        );
        assert_eq!(
            words("aws_s3_bucket.b", "delete_because_wrong_repetition"),
            "because resource uses count or for_each"
        );
        assert_eq!(words("aws_s3_bucket.b", "replace_because_tainted"), "because it is tainted");
        assert_eq!(words("aws_s3_bucket.b", "something_new"), "action_reason something_new");
    }

    #[test]
    fn counts_leave_out_data_sources_and_deferred_changes() {
        let mut read = change("data.aws_ami.x", Action::Read);
        read.mode = Mode::Data;
        let mut deferred = change("aws_instance.later", Action::Create);
        deferred.deferred = Some("provider_config_unknown".into());
        let mut imported = change("aws_instance.imp", Action::Update);
        imported.importing = true;
        let n = PlanCounts::of(&[read, deferred, imported, change("aws_instance.a", Action::ReplaceCreateFirst)]);
        assert_eq!(n, PlanCounts { update: 1, replace: 1, import: 1, read: 1, deferred: 1, ..PlanCounts::default() });
        assert_eq!(n.terraform_line(), "Plan: 1 to import, 1 to add, 1 to change, 1 to destroy.");
    }

    fn keys(resource: &str, keys: &[&str]) -> Instances {
        Instances { resource: resource.into(), keys: keys.iter().map(|k| (*k).to_owned()).collect() }
    }

    #[test]
    fn instance_labels() {
        assert_eq!(keys("aws_instance.app", &[]).label(), "aws_instance.app");
        assert_eq!(keys("aws_instance.app", &["[0]", "[1]", "[2]", "[3]"]).label(), "aws_instance.app[0..3]");
        assert_eq!(keys("aws_instance.app", &["[0]", "[2]"]).label(), "aws_instance.app[0, 2]");
        assert_eq!(keys("q", &["[\"a\"]", "[\"b\"]"]).label(), "q[\"a\", \"b\"]");
        let many: Vec<String> = (0..7).map(|i| format!("[\"k{i}\"]")).collect();
        let many: Vec<&str> = many.iter().map(String::as_str).collect();
        assert_eq!(keys("q", &many).label(), "q (7 instances)");
        assert_eq!(keys("q", &["[\"a\"]", "[\"b\"]"]).glob(), "q[*]");
        let mut i = keys("w", &["[10]"]);
        i.add("[2]".into());
        assert_eq!(i.keys, ["[2]", "[10]"]);
    }

    #[test]
    fn nested_values_are_laid_out_like_terraform() {
        let lines = nested(r#"{"name": "orders", "tags": {"Team Name": "x", "env": "prod"}, "list": [1, (sensitive)], "script": "a\nb", "empty": {}}"#)
            .unwrap();
        let text: Vec<String> = lines.iter().map(|(d, t)| format!("{}{t}", "  ".repeat(*d))).collect();
        let objects = nested(r#"[{"a": 1}, {"a": 2}]"#).unwrap();
        assert_eq!(
            objects.iter().map(|(d, t)| format!("{}{t}", "  ".repeat(*d))).collect::<Vec<_>>(),
            ["[", "  {", "    a = 1", "  },", "  {", "    a = 2", "  },", "]"]
        );
        assert_eq!(
            text,
            [
                "{",
                "  name   = \"orders\"",
                "  tags   = {",
                "    \"Team Name\" = \"x\"",
                "    env         = \"prod\"",
                "  }",
                "  list   = [",
                "    1,",
                "    (sensitive),",
                "  ]",
                "  script = <<-EOT",
                "      a",
                "      b",
                "    EOT",
                "  empty  = {}",
                "}",
            ]
        );
        assert_eq!(nested("\"just a string\""), None);
        assert_eq!(nested("{\"a\": 1"), None, "a cut value is shown inline");
    }

    #[test]
    fn plan_line_counts_replacements_as_add_and_destroy() {
        let n = PlanCounts { create: 1, update: 2, replace: 1, delete: 1, import: 1, ..PlanCounts::default() };
        assert_eq!(n.terraform_line(), "Plan: 1 to import, 2 to add, 2 to change, 2 to destroy.");
        assert_eq!(n.extra(), ["1 of them a replacement"]);
        let f = PlanCounts { forget: 1, ..PlanCounts::default() };
        assert_eq!(f.terraform_line(), "Plan: 0 to add, 0 to change, 0 to destroy.");
        assert_eq!(f.extra(), ["1 forgotten, not destroyed"]);
        let moved = PlanCounts { moved: 2, ..PlanCounts::default() };
        assert_eq!(moved.terraform_line(), "No changes.");
        assert_eq!(moved.extra(), ["2 moved"]);
    }

    #[test]
    fn destructive_means_destroys() {
        for (a, yes) in [
            (Action::Delete, true),
            (Action::ReplaceDestroyFirst, true),
            (Action::ReplaceCreateFirst, true),
            (Action::Forget, false),
            (Action::ReplaceForget, false),
            (Action::Update, false),
            (Action::Create, false),
        ] {
            assert_eq!(destructive(a), yes, "{a:?}");
        }
    }

    #[test]
    fn unknown_after_is_one_row() {
        let d = DiffLine {
            sign: Sign::Change,
            path: "output".into(),
            before: Some(Shown::Value(format!("{{\"k\": \"{}\"}}", "x".repeat(200)))),
            after: Some(Shown::Unknown),
            forced: false,
            staging: None,
        };
        let rows = d.rows();
        assert_eq!(rows.len(), 1);
        assert!(rows[0].text.ends_with("… -> (known after apply)"), "{}", rows[0].text);
        let multi = DiffLine { before: Some(Shown::Text("a\nb\nc\n".into())), ..d };
        assert_eq!(multi.rows()[0].text, "output = (3 lines) -> (known after apply)");
    }
}
