//! Strict parsing of policy files: TOML with spans, walked by hand so that
//! every mistake in every file is collected (with file, line and column)
//! before anything is reported.

use std::ops::Range;
use std::path::{Path as FsPath, PathBuf};

use toml_edit::{ImDocument, Item, TableLike, Value};

use super::pattern::{AddressGlob, PathPattern, TypeGlob};
use super::{
    ACTION_SELECTORS, AddressMap, Date, Disruptive, EnvScope, Exception, LevelOverride, Origin, Policy, Rule, Stateful,
    TokenPair,
};
use crate::rules::{self, FindingId, Level, RuleId};

mod parity;

/// One mistake in a policy file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.line == 0 {
            write!(f, "{}: {}", self.file, self.message)
        } else {
            write!(f, "{}:{}:{}: {}", self.file, self.line, self.column, self.message)
        }
    }
}

/// Loads the built-in pack (unless `no_default`) and then every path in
/// order. Returns every problem found, in every file, or the merged policy.
pub fn load_paths(paths: &[PathBuf], no_default: bool) -> Result<Policy, Vec<Problem>> {
    let mut loader = Loader::default();
    if !no_default {
        for (name, text) in super::BUILTIN_FILES {
            loader.file(&format!("{}{name}", super::BUILTIN_PREFIX), text);
        }
    }
    for path in paths {
        match expand(path) {
            Ok(files) => {
                for f in files {
                    let name = f.display().to_string();
                    match std::fs::read_to_string(&f) {
                        Ok(text) => loader.file(&name, &text),
                        Err(e) => loader.problems.push(Problem {
                            file: name,
                            line: 0,
                            column: 0,
                            message: format!("cannot read the policy file: {e}"),
                        }),
                    }
                }
            }
            Err(message) => {
                loader.problems.push(Problem { file: path.display().to_string(), line: 0, column: 0, message })
            }
        }
    }
    loader.finish()
}

/// Parses policy text alone (with nothing else loaded), for tests and docs.
pub fn parse_str(name: &str, text: &str) -> Result<Policy, Vec<Problem>> {
    let mut loader = Loader::default();
    loader.file(name, text);
    loader.finish()
}

/// Parses several named texts in order, as files are read, with nothing else.
#[cfg(test)]
pub(super) fn parse_files(files: &[(&str, &str)]) -> Result<Policy, Vec<Problem>> {
    let mut loader = Loader::default();
    for (name, text) in files {
        loader.file(name, text);
    }
    loader.finish()
}

fn expand(path: &FsPath) -> Result<Vec<PathBuf>, String> {
    let meta = std::fs::metadata(path).map_err(|e| format!("cannot read the policy path: {e}"))?;
    if !meta.is_dir() {
        return Ok(vec![path.to_owned()]);
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(path)
        .map_err(|e| format!("cannot list the policy directory: {e}"))?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    if files.is_empty() {
        return Err("the policy directory has no `*.toml` files".into());
    }
    Ok(files)
}

/// A reference to a custom rule id, checked once every file is read (the
/// `[[rule]]` may come in a later file).
struct IdRef {
    id: String,
    file: String,
    span: (usize, usize),
    what: &'static str,
}

#[derive(Default)]
struct Loader {
    policy: Policy,
    problems: Vec<Problem>,
    refs: Vec<IdRef>,
}

/// A TOML value with its position, independent of how it was written
/// (standard table or inline table, array of tables or inline array).
enum Node<'d> {
    Table(&'d dyn TableLike),
    Array(Vec<(Node<'d>, Option<Range<usize>>)>),
    Scalar,
}

fn node(item: &Item) -> Option<Node<'_>> {
    match item {
        Item::None => None,
        Item::Table(t) => Some(Node::Table(t)),
        Item::ArrayOfTables(a) => Some(Node::Array(a.iter().map(|t| (Node::Table(t), t.span())).collect())),
        Item::Value(v) => Some(value_node(v)),
    }
}

fn value_node(v: &Value) -> Node<'_> {
    match v {
        Value::InlineTable(t) => Node::Table(t),
        Value::Array(a) => Node::Array(a.iter().map(|v| (value_node(v), v.span())).collect()),
        _ => Node::Scalar,
    }
}

fn item_span(item: &Item) -> Option<Range<usize>> {
    match item {
        Item::Table(t) => t.span(),
        Item::ArrayOfTables(a) => a.span(),
        Item::Value(v) => v.span(),
        Item::None => None,
    }
}

struct FileCtx {
    name: String,
    line_starts: Vec<usize>,
}

impl FileCtx {
    fn pos(&self, offset: usize) -> (usize, usize) {
        let line = self.line_starts.partition_point(|&s| s <= offset);
        let col = offset - self.line_starts[line - 1] + 1;
        (line, col)
    }

    fn origin(&self, span: &Option<Range<usize>>) -> Origin {
        Origin { file: self.name.clone(), line: span.as_ref().map_or(0, |s| self.pos(s.start).0) }
    }
}

impl Loader {
    fn problem(&mut self, ctx: &FileCtx, span: &Option<Range<usize>>, message: String) {
        let (line, column) = span.as_ref().map_or((0, 0), |s| ctx.pos(s.start));
        self.problems.push(Problem { file: ctx.name.clone(), line, column, message });
    }

    fn file(&mut self, name: &str, text: &str) {
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        let ctx = FileCtx { name: name.to_owned(), line_starts };
        self.policy.files.push(name.to_owned());
        let doc = match ImDocument::parse(text) {
            Ok(doc) => doc,
            Err(e) => {
                let msg = e.message().trim().to_owned();
                self.problem(&ctx, &e.span(), format!("invalid TOML: {msg}"));
                return;
            }
        };
        let root = doc.as_table();
        for (key, item) in root.iter() {
            let key_span = root.key(key).and_then(|k| k.span());
            let span = item_span(item).or(key_span.clone());
            let Some(n) = node(item) else { continue };
            match key {
                "stateful" => self.each_entry(&ctx, key, n, &span, Self::stateful),
                "disruptive" => self.each_entry(&ctx, key, n, &span, Self::disruptive),
                "rule" => self.each_entry(&ctx, key, n, &span, Self::rule),
                "exception" => self.each_entry(&ctx, key, n, &span, Self::exception),
                "levels" => self.levels(&ctx, n, &span),
                "compare" => self.compare(&ctx, n, &span),
                "parity" => self.each_entry(&ctx, key, n, &span, Self::parity),
                "one_way" => self.each_entry(&ctx, key, n, &span, Self::one_way),
                other => self.problem(
                    &ctx,
                    &key_span,
                    format!(
                        "unknown key `{other}`; expected `stateful`, `disruptive`, `rule`, `exception`, `levels`, `compare`, `parity` or `one_way`"
                    ),
                ),
            }
        }
    }

    fn each_entry(
        &mut self,
        ctx: &FileCtx,
        key: &str,
        n: Node<'_>,
        span: &Option<Range<usize>>,
        f: fn(&mut Self, &FileCtx, &Fields<'_>, &Option<Range<usize>>),
    ) {
        let Node::Array(items) = n else {
            self.problem(ctx, span, format!("`{key}` must be an array of tables: write `[[{key}]]`"));
            return;
        };
        for (item, item_span) in items {
            match item {
                Node::Table(t) => {
                    let fields = Fields::new(t);
                    f(self, ctx, &fields, &item_span);
                    fields.finish(self, ctx, key);
                }
                _ => self.problem(ctx, &item_span, format!("each `{key}` entry must be a table")),
            }
        }
    }

    fn stateful(&mut self, ctx: &FileCtx, f: &Fields<'_>, span: &Option<Range<usize>>) {
        let type_ = f.opt_str(self, ctx, "type").and_then(|(s, sp)| self.type_glob(ctx, &s, &sp));
        let address = f.opt_str(self, ctx, "address").and_then(|(s, sp)| self.address_glob(ctx, &s, &sp));
        let reason = f.req_text(self, ctx, span, "reason", "stateful");
        if !f.has("type") && !f.has("address") {
            self.problem(ctx, span, "a `[[stateful]]` entry needs `type` or `address`".into());
            return;
        }
        if let Some(reason) = reason {
            self.policy.stateful.push(Stateful { type_, address, reason, origin: ctx.origin(span) });
        }
    }

    fn disruptive(&mut self, ctx: &FileCtx, f: &Fields<'_>, span: &Option<Range<usize>>) {
        let type_ = match f.opt_str(self, ctx, "type") {
            Some((s, sp)) => self.type_glob(ctx, &s, &sp),
            None => {
                self.problem(ctx, span, "a `[[disruptive]]` entry needs `type`".into());
                None
            }
        };
        let address = f.opt_str(self, ctx, "address").and_then(|(s, sp)| self.address_glob(ctx, &s, &sp));
        let paths = self.paths(ctx, f, "paths");
        if paths.as_ref().is_none_or(Vec::is_empty) && !f.has("paths") {
            self.problem(ctx, span, "a `[[disruptive]]` entry needs `paths`".into());
        }
        let reason = f.req_text(self, ctx, span, "reason", "disruptive");
        if let (Some(type_), Some(paths), Some(reason)) = (type_, paths, reason) {
            self.policy.disruptive.push(Disruptive { type_, address, paths, reason, origin: ctx.origin(span) });
        }
    }

    fn rule(&mut self, ctx: &FileCtx, f: &Fields<'_>, span: &Option<Range<usize>>) {
        let id = match f.opt_str(self, ctx, "id") {
            Some((id, sp)) => {
                if id.parse::<RuleId>().is_ok() {
                    self.problem(
                        ctx,
                        &sp,
                        format!("`{id}` is a built-in finding id; change its level under `[levels]` instead"),
                    );
                    None
                } else if !is_kebab(&id) {
                    let hint = match kebab_case(&id) {
                        Some(k) => format!(": `{k}`"),
                        None => " (lowercase words joined by `-`)".to_owned(),
                    };
                    self.problem(ctx, &sp, format!("rule id `{id}` must be kebab-case{hint}"));
                    None
                } else if self.policy.rules.iter().any(|r| r.id == id) {
                    self.problem(ctx, &sp, format!("rule id `{id}` is defined twice"));
                    None
                } else {
                    Some(id)
                }
            }
            None => {
                self.problem(ctx, span, "a `[[rule]]` needs an `id`".into());
                None
            }
        };
        let level = self.level_field(ctx, f, span, "level");
        let message = f.req_text(self, ctx, span, "message", "rule");
        let type_ = f.opt_str(self, ctx, "type").and_then(|(s, sp)| self.type_glob(ctx, &s, &sp));
        let address = f.opt_str(self, ctx, "address").and_then(|(s, sp)| self.address_glob(ctx, &s, &sp));
        let mut actions = Vec::new();
        for (a, sp) in f.str_list(self, ctx, "actions").unwrap_or_default() {
            if ACTION_SELECTORS.contains(&a.as_str()) {
                actions.push(a);
            } else {
                self.problem(
                    ctx,
                    &sp,
                    format!("unknown action `{a}`; expected one of {}", quoted_list(ACTION_SELECTORS)),
                );
            }
        }
        let mut reasons = Vec::new();
        for (r, sp) in f.str_list(self, ctx, "reasons").unwrap_or_default() {
            if !r.is_empty() && r.chars().all(|c| c.is_ascii_lowercase() || c == '_') {
                reasons.push(r);
            } else {
                self.problem(
                    ctx,
                    &sp,
                    format!("`{r}` is not an `action_reason` (they look like `delete_because_no_resource_config`)"),
                );
            }
        }
        let paths = self.paths(ctx, f, "paths").unwrap_or_default();
        let env = match f.opt_str(self, ctx, "env") {
            None => Some(EnvScope::Prod),
            Some((e, sp)) => match e.as_str() {
                "prod" => Some(EnvScope::Prod),
                "staging" => Some(EnvScope::Staging),
                "any" => Some(EnvScope::Any),
                _ => {
                    self.problem(ctx, &sp, format!("unknown env `{e}`; expected `prod`, `staging` or `any`"));
                    None
                }
            },
        };
        if let (Some(id), Some(level), Some(message), Some(env)) = (id, level, message, env) {
            self.policy.rules.push(Rule {
                id,
                level,
                message,
                type_,
                address,
                actions,
                reasons,
                paths,
                env,
                origin: ctx.origin(span),
            });
        }
    }

    fn exception(&mut self, ctx: &FileCtx, f: &Fields<'_>, span: &Option<Range<usize>>) {
        let rule = match f.opt_str(self, ctx, "rule") {
            Some((id, sp)) => Some(self.finding_id(ctx, id, &sp, "exception")),
            None => {
                self.problem(ctx, span, "an `[[exception]]` needs `rule` (the finding id it waives)".into());
                None
            }
        };
        let address = match f.opt_str(self, ctx, "address") {
            Some((s, sp)) => self.address_glob(ctx, &s, &sp),
            None => {
                self.problem(ctx, span, "an `[[exception]]` needs `address` (a glob; `*` for all)".into());
                None
            }
        };
        let reason = f.req_text(self, ctx, span, "reason", "exception");
        let expires = match f.get("expires") {
            None => Some(None),
            Some((v, sp)) => match date_value(v) {
                Some(d) => Some(Some(d)),
                None => {
                    self.problem(ctx, &sp, "`expires` must be a date: `expires = 2026-12-31`".into());
                    None
                }
            },
        };
        if let (Some(rule), Some(address), Some(reason), Some(expires)) = (rule, address, reason, expires) {
            self.policy.exceptions.push(Exception { rule, address, reason, expires, origin: ctx.origin(span) });
        }
    }

    fn levels(&mut self, ctx: &FileCtx, n: Node<'_>, span: &Option<Range<usize>>) {
        let Node::Table(t) = n else {
            self.problem(ctx, span, "`levels` must be a table: `[levels]`".into());
            return;
        };
        for (key, item) in t.iter() {
            let key_span = t.get_key_value(key).and_then(|(k, _)| k.span());
            let value_span = item_span(item);
            let level = match item.as_str().map(str::parse::<Level>) {
                Some(Ok(l)) => Some(l),
                Some(Err(e)) => {
                    self.problem(ctx, &value_span, e);
                    None
                }
                None => {
                    self.problem(ctx, &value_span, format!("the level of `{key}` must be a string"));
                    None
                }
            };
            let id = self.finding_id(ctx, key.to_owned(), &key_span, "level override");
            if let Some(level) = level {
                self.policy.levels.insert(id, LevelOverride { level, origin: ctx.origin(&key_span) });
            }
        }
    }

    fn compare(&mut self, ctx: &FileCtx, n: Node<'_>, span: &Option<Range<usize>>) {
        let Node::Table(t) = n else {
            self.problem(ctx, span, "`compare` must be a table: `[compare]`".into());
            return;
        };
        let f = Fields::new(t);
        if let Some(paths) = self.paths(ctx, &f, "ignore_paths") {
            self.policy.ignore_paths.extend(paths);
        }
        if let Some((item, sp)) = f.get_item("map") {
            match node(item) {
                Some(Node::Array(items)) => {
                    for (entry, esp) in items {
                        let Node::Table(t) = entry else {
                            self.problem(ctx, &esp, "each `compare.map` entry must be a table".into());
                            continue;
                        };
                        let ef = Fields::new(t);
                        let prod = ef.opt_str(self, ctx, "prod");
                        let staging = ef.opt_str(self, ctx, "staging");
                        ef.finish(self, ctx, "compare.map");
                        match (prod, staging) {
                            (Some((p, psp)), Some((s, _))) if !p.is_empty() && !s.is_empty() && p != s => {
                                let origin = ctx.origin(&psp);
                                self.policy.address_maps.push(AddressMap { prod: p, staging: s, origin });
                            }
                            _ => self.problem(
                                ctx,
                                &esp,
                                "a `[[compare.map]]` entry needs different, non-empty `prod` and `staging` address fragments"
                                    .into(),
                            ),
                        }
                    }
                }
                _ => self.problem(ctx, &sp, "`compare.map` must be an array of tables: `[[compare.map]]`".into()),
            }
        }
        if let Some((item, sp)) = f.get_item("replace") {
            self.compare_replace(ctx, item, &sp);
        }
        f.finish(self, ctx, "compare");
    }

    /// `[[compare.replace]]`: environment-token pairs.
    fn compare_replace(&mut self, ctx: &FileCtx, item: &Item, sp: &Option<Range<usize>>) {
        let Some(Node::Array(items)) = node(item) else {
            self.problem(ctx, sp, "`compare.replace` must be an array of tables: `[[compare.replace]]`".into());
            return;
        };
        for (entry, esp) in items {
            let Node::Table(t) = entry else {
                self.problem(ctx, &esp, "each `compare.replace` entry must be a table".into());
                continue;
            };
            let ef = Fields::new(t);
            let staging = ef.opt_str(self, ctx, "staging");
            let prod = ef.opt_str(self, ctx, "prod");
            let reason = ef.opt_str(self, ctx, "reason");
            ef.finish(self, ctx, "compare.replace");
            match (staging, prod) {
                (Some((s, ssp)), Some((p, _))) if !s.is_empty() && !p.is_empty() && s != p => {
                    let origin = ctx.origin(&ssp);
                    let reason = reason.map(|(r, _)| r);
                    self.policy.replace.push(TokenPair { staging: s, prod: p, reason, origin });
                }
                _ => self.problem(
                    ctx,
                    &esp,
                    "a `[[compare.replace]]` entry needs different, non-empty `staging` and `prod` tokens \
                     (`staging = \"stg\"`, `prod = \"prd\"`)"
                        .into(),
                ),
            }
        }
    }

    fn paths(&mut self, ctx: &FileCtx, f: &Fields<'_>, key: &str) -> Option<Vec<PathPattern>> {
        let list = f.str_list(self, ctx, key)?;
        let mut out = Vec::new();
        let mut ok = true;
        for (p, sp) in list {
            match PathPattern::new(&p) {
                Ok(p) => out.push(p),
                Err(e) => {
                    ok = false;
                    self.problem(ctx, &sp, e);
                }
            }
        }
        ok.then_some(out)
    }

    fn level_field(&mut self, ctx: &FileCtx, f: &Fields<'_>, span: &Option<Range<usize>>, key: &str) -> Option<Level> {
        match f.opt_str(self, ctx, key) {
            Some((s, sp)) => match s.parse() {
                Ok(l) => Some(l),
                Err(e) => {
                    self.problem(ctx, &sp, e);
                    None
                }
            },
            None => {
                self.problem(ctx, span, format!("missing `{key}` (`block`, `warn` or `info`)"));
                None
            }
        }
    }

    fn type_glob(&mut self, ctx: &FileCtx, s: &str, sp: &Option<Range<usize>>) -> Option<TypeGlob> {
        TypeGlob::new(s).map_err(|e| self.problem(ctx, sp, e)).ok()
    }

    fn address_glob(&mut self, ctx: &FileCtx, s: &str, sp: &Option<Range<usize>>) -> Option<AddressGlob> {
        AddressGlob::new(s).map_err(|e| self.problem(ctx, sp, e)).ok()
    }

    /// The id a level override or exception names: a built-in one, or a
    /// custom one that must be defined by a `[[rule]]` (checked in `finish`).
    fn finding_id(&mut self, ctx: &FileCtx, id: String, sp: &Option<Range<usize>>, what: &'static str) -> FindingId {
        if let Ok(builtin) = id.parse::<RuleId>() {
            return FindingId::Builtin(builtin);
        }
        let span = sp.as_ref().map_or((0, 0), |s| ctx.pos(s.start));
        self.refs.push(IdRef { id: id.clone(), file: ctx.name.clone(), span, what });
        FindingId::Custom(id)
    }

    fn finish(mut self) -> Result<Policy, Vec<Problem>> {
        for r in std::mem::take(&mut self.refs) {
            if !self.policy.rules.iter().any(|x| x.id == r.id) {
                let ids: Vec<&str> = rules::RULES.iter().map(|r| r.id.name()).collect();
                self.problems.push(Problem {
                    file: r.file,
                    line: r.span.0,
                    column: r.span.1,
                    message: format!(
                        "{} names unknown rule id `{}`; built-in ids are {}, or define it with `[[rule]]`",
                        r.what,
                        r.id,
                        quoted_list(&ids)
                    ),
                });
            }
        }
        if self.problems.is_empty() { Ok(self.policy) } else { Err(self.problems) }
    }
}

fn quoted_list(items: &[&str]) -> String {
    items.iter().map(|s| format!("`{s}`")).collect::<Vec<_>>().join(", ")
}

/// The id in kebab case (`NoDeletes`, `no_deletes` -> `no-deletes`), if
/// that makes a valid id.
fn kebab_case(id: &str) -> Option<String> {
    let mut out = String::new();
    let mut prev_lower = false;
    for c in id.chars() {
        if c.is_ascii_uppercase() {
            if prev_lower {
                out.push('-');
            }
            out.push(c.to_ascii_lowercase());
            prev_lower = false;
        } else if c == '_' || c == ' ' || c == '-' {
            if !out.ends_with('-') {
                out.push('-');
            }
            prev_lower = false;
        } else {
            out.push(c);
            prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        }
    }
    let out = out.trim_matches('-').to_owned();
    is_kebab(&out).then_some(out)
}

fn is_kebab(id: &str) -> bool {
    !id.is_empty()
        && !id.starts_with('-')
        && !id.ends_with('-')
        && id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

fn date_value(v: &Value) -> Option<Date> {
    match v {
        Value::Datetime(d) => {
            let d = d.value();
            match (d.date, d.time) {
                (Some(date), None) => Date::new(i32::from(date.year), u32::from(date.month), u32::from(date.day)),
                _ => None,
            }
        }
        Value::String(s) => Date::parse(s.value()),
        _ => None,
    }
}

/// The keys of one table. Reading a key takes it (whether or not the table
/// has it); [`Fields::finish`] reports the keys left over as unknown.
struct Fields<'d> {
    table: &'d dyn TableLike,
    taken: std::cell::RefCell<Vec<String>>,
}

impl<'d> Fields<'d> {
    fn new(table: &'d dyn TableLike) -> Fields<'d> {
        Fields { table, taken: Default::default() }
    }

    fn has(&self, key: &str) -> bool {
        self.table.contains_key(key)
    }

    fn get_item(&self, key: &str) -> Option<(&'d Item, Option<Range<usize>>)> {
        let mut taken = self.taken.borrow_mut();
        if !taken.iter().any(|t| t == key) {
            taken.push(key.to_owned());
        }
        drop(taken);
        let (k, item) = self.table.get_key_value(key)?;
        Some((item, item_span(item).or_else(|| k.span())))
    }

    fn get(&self, key: &str) -> Option<(&'d Value, Option<Range<usize>>)> {
        let (item, span) = self.get_item(key)?;
        item.as_value().map(|v| (v, span))
    }

    fn opt_str(&self, l: &mut Loader, ctx: &FileCtx, key: &str) -> Option<(String, Option<Range<usize>>)> {
        let (item, span) = self.get_item(key)?;
        match item.as_str() {
            Some(s) => Some((s.to_owned(), span)),
            None => {
                l.problem(ctx, &span, format!("`{key}` must be a string"));
                None
            }
        }
    }

    fn req_text(
        &self,
        l: &mut Loader,
        ctx: &FileCtx,
        span: &Option<Range<usize>>,
        key: &str,
        what: &str,
    ) -> Option<String> {
        match self.opt_str(l, ctx, key) {
            Some((s, _)) if !s.trim().is_empty() => Some(s),
            Some((_, sp)) => {
                l.problem(ctx, &sp, format!("`{key}` must not be empty"));
                None
            }
            None if self.has(key) => None,
            None => {
                l.problem(ctx, span, format!("a `[[{what}]]` entry needs `{key}`"));
                None
            }
        }
    }

    fn str_list(&self, l: &mut Loader, ctx: &FileCtx, key: &str) -> Option<Vec<(String, Option<Range<usize>>)>> {
        let (item, span) = self.get_item(key)?;
        let Some(arr) = item.as_array() else {
            l.problem(ctx, &span, format!("`{key}` must be an array of strings"));
            return None;
        };
        let mut out = Vec::new();
        for v in arr.iter() {
            match v.as_str() {
                Some(s) => out.push((s.to_owned(), v.span())),
                None => l.problem(ctx, &v.span(), format!("`{key}` must hold only strings")),
            }
        }
        Some(out)
    }

    /// Reports every key of the table that no one took: each table's
    /// reader takes the keys it knows, so the unknown ones are what is left
    /// (and the ones it took are what the message suggests).
    fn finish(&self, l: &mut Loader, ctx: &FileCtx, what: &str) {
        let taken = self.taken.borrow();
        for (key, _) in self.table.iter() {
            if !taken.iter().any(|t| t == key) {
                let span = self.table.get_key_value(key).and_then(|(k, _)| k.span());
                let expected: Vec<&str> = taken.iter().map(String::as_str).collect();
                l.problem(
                    ctx,
                    &span,
                    format!("unknown key `{key}` in `{what}`; expected one of {}", quoted_list(&expected)),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(text: &str) -> Vec<String> {
        match parse_str("p.toml", text) {
            Ok(_) => vec![],
            Err(p) => p.iter().map(ToString::to_string).collect(),
        }
    }

    #[test]
    fn every_problem_is_reported_with_position() {
        let text = r#"
[[stateful]]
type = "aws_db_["
reason = "x"
colour = "red"

[[exception]]
rule = "no-such-rule"
address = "*"
reason = ""
expires = "2026-02-30"

[levels]
destructive = "fatal"
"#;
        let p = problems(text);
        assert!(p.iter().any(|m| m.starts_with("p.toml:3:8: bad glob")), "{p:?}");
        assert!(p.iter().any(|m| m.starts_with("p.toml:5:1: unknown key `colour`")), "{p:?}");
        assert!(p.iter().any(|m| m.starts_with("p.toml:8:8: exception names unknown rule id `no-such-rule`")), "{p:?}");
        assert!(p.iter().any(|m| m.starts_with("p.toml:10:10: `reason` must not be empty")), "{p:?}");
        assert!(p.iter().any(|m| m.starts_with("p.toml:11:11: `expires` must be a date")), "{p:?}");
        assert!(p.iter().any(|m| m.starts_with("p.toml:14:15: unknown level `fatal`")), "{p:?}");
        assert_eq!(p.len(), 6, "{p:?}");
    }

    #[test]
    fn each_table_suggests_exactly_the_keys_its_reader_takes() {
        let cases = [
            ("[[stateful]]\ntype = \"a_b\"\nreason = \"r\"\nx = 1\n", "`type`, `address`, `reason`"),
            (
                "[[disruptive]]\ntype = \"a_b\"\npaths = [\"p\"]\nreason = \"r\"\nx = 1\n",
                "`type`, `address`, `paths`, `reason`",
            ),
            (
                "[[rule]]\nid = \"r\"\nlevel = \"warn\"\nmessage = \"m\"\nx = 1\n",
                "`id`, `level`, `message`, `type`, `address`, `actions`, `reasons`, `paths`, `env`",
            ),
            (
                "[[exception]]\nrule = \"drift\"\naddress = \"*\"\nreason = \"r\"\nx = 1\n",
                "`rule`, `address`, `reason`, `expires`",
            ),
            ("[compare]\nx = 1\n", "`ignore_paths`, `map`, `replace`"),
            ("[[compare.replace]]\nstaging = \"s\"\nprod = \"p\"\nx = 1\n", "`staging`, `prod`, `reason`"),
            ("[[compare.map]]\nprod = \"p\"\nstaging = \"s\"\nx = 1\n", "`prod`, `staging`"),
        ];
        for (text, expected) in cases {
            let p = problems(text);
            assert_eq!(p.len(), 1, "{text}: {p:?}");
            assert!(
                p[0].contains("unknown key `x`") && p[0].ends_with(&format!("expected one of {expected}")),
                "{p:?}"
            );
        }
    }

    #[test]
    fn a_rule_id_that_is_not_kebab_case_is_shown_in_kebab_case() {
        let rule = |id: &str| problems(&format!("[[rule]]\nid = \"{id}\"\nlevel = \"warn\"\nmessage = \"m\"\n"));
        assert_eq!(rule("NoDeletes"), ["p.toml:2:6: rule id `NoDeletes` must be kebab-case: `no-deletes`"]);
        assert_eq!(rule("no_prod_IAM"), ["p.toml:2:6: rule id `no_prod_IAM` must be kebab-case: `no-prod-iam`"]);
        assert_eq!(rule("--"), ["p.toml:2:6: rule id `--` must be kebab-case (lowercase words joined by `-`)"]);
        assert!(rule("no-deletes-2").is_empty());
    }

    #[test]
    fn exception_without_reason_is_an_error() {
        let p = problems("[[exception]]\nrule = \"stateful-destroy\"\naddress = \"aws_db_instance.x\"\n");
        assert_eq!(p, ["p.toml:1:1: a `[[exception]]` entry needs `reason`"]);
    }

    #[test]
    fn toml_syntax_error_has_position() {
        let p = problems("[[stateful]\ntype = 1\n");
        assert_eq!(p.len(), 1);
        assert!(p[0].starts_with("p.toml:1:"), "{p:?}");
    }

    #[test]
    fn custom_rule_ids_may_be_referenced_from_other_files() {
        let mut l = Loader::default();
        l.file("a.toml", "[levels]\nmy-rule = \"block\"\n");
        l.file("b.toml", "[[rule]]\nid = \"my-rule\"\nlevel = \"warn\"\nmessage = \"m\"\nactions = [\"delete\"]\n");
        let p = l.finish().unwrap();
        assert_eq!(p.levels[&FindingId::Custom("my-rule".into())].level, Level::Block);
    }
}
