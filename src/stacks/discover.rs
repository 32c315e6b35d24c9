//! Finding the stacks of a repository: pairing staging and prod plans by
//! relative path (`--staging DIR --prod DIR`), by a pattern with `{env}`
//! and `{stack}` (`--plans`), and listing the plans under a directory
//! (`check DIR`, `fingerprint DIR`).
//!
//! Invariants: stacks come back sorted by name, each with at least one plan;
//! a plan path is the walked root as the user wrote it joined with `/` and
//! the relative path, so it reads the way `plangate fingerprint` printed it;
//! entries whose name starts with `.` are never walked into (no stack spans
//! `.terraform/` or `.git/`); a directory that cannot be read is an error,
//! never a silently missing stack.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

/// The plans of one stack. At least one of `staging` and `prod` is set.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StackPlans {
    /// The stack's name: its relative path (`network/vpc`).
    pub name: String,
    pub staging: Option<String>,
    pub prod: Option<String>,
}

/// Why the stacks could not be found (a usage error: exit 2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DiscoverError(pub String);

impl fmt::Display for DiscoverError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for DiscoverError {}

fn err<T>(msg: impl Into<String>) -> Result<T, DiscoverError> {
    Err(DiscoverError(msg.into()))
}

/// Joins a root as the user wrote it with a `/`-separated relative path.
fn join(root: &str, rel: &str) -> String {
    if root.is_empty() || root == "." {
        rel.to_owned()
    } else if root.ends_with('/') || root.ends_with(std::path::MAIN_SEPARATOR) {
        format!("{root}{rel}")
    } else {
        format!("{root}/{rel}")
    }
}

fn is_hidden(name: &str) -> bool {
    name.starts_with('.')
}

fn is_json(name: &str) -> bool {
    name.len() > 5 && name[name.len() - 5..].eq_ignore_ascii_case(".json")
}

/// Every file under `root` (relative, `/`-separated, sorted) that `keep_file`
/// accepts, descending only into directories that `keep_dir` accepts. Hidden
/// entries are skipped; symbolic links to files are followed, links to
/// directories are not (no cycles).
fn walk(
    root: &str,
    keep_dir: &dyn Fn(&str) -> bool,
    keep_file: &dyn Fn(&str) -> bool,
) -> Result<Vec<String>, DiscoverError> {
    let mut out = Vec::new();
    let mut pending = vec![String::new()];
    while let Some(rel) = pending.pop() {
        let base = Path::new(if root.is_empty() { "." } else { root });
        let dir = if rel.is_empty() { base.to_path_buf() } else { base.join(&rel) };
        let shown = join(root, &rel);
        let entries = std::fs::read_dir(&dir).map_err(|e| {
            DiscoverError(format!(
                "cannot read the directory `{}`: {e}; check the path and its permissions",
                crate::plan::escape_for_message(&shown)
            ))
        })?;
        for entry in entries {
            let entry = entry.map_err(|e| {
                DiscoverError(format!("cannot read the directory `{}`: {e}", crate::plan::escape_for_message(&shown)))
            })?;
            let Ok(name) = entry.file_name().into_string() else {
                return err(format!(
                    "`{}` holds a file name that is not UTF-8 ({:?}); rename it",
                    crate::plan::escape_for_message(&shown),
                    entry.file_name()
                ));
            };
            if is_hidden(&name) {
                continue;
            }
            let child = if rel.is_empty() { name.clone() } else { format!("{rel}/{name}") };
            let kind = entry.file_type().map_err(|e| {
                DiscoverError(format!("cannot read `{}`: {e}", crate::plan::escape_for_message(&join(root, &child))))
            })?;
            let is_file = if kind.is_symlink() {
                std::fs::metadata(entry.path()).is_ok_and(|m| m.is_file())
            } else {
                kind.is_file()
            };
            if kind.is_dir() {
                if keep_dir(&child) {
                    pending.push(child);
                }
            } else if is_file && keep_file(&child) {
                out.push(child);
            }
        }
    }
    out.sort();
    Ok(out)
}

fn check_dir(path: &str, flag: &str) -> Result<(), DiscoverError> {
    match std::fs::metadata(path) {
        Ok(m) if m.is_dir() => Ok(()),
        Ok(_) => err(format!(
            "`{flag} {}` is a file, not a directory; give both `--staging` and `--prod` as files, or both as directories",
            crate::plan::escape_for_message(path)
        )),
        Err(e) => err(format!("cannot read `{flag} {}`: {e}; check the path", crate::plan::escape_for_message(path))),
    }
}

/// The `*.json` files under a directory, as paths (`dir/a/b.json`), sorted.
/// `check DIR` and `fingerprint DIR` read these.
pub fn plans_under(dir: &str) -> Result<Vec<String>, DiscoverError> {
    let files = walk(dir, &|_| true, &|f| is_json(f))?;
    if files.is_empty() {
        return err(format!(
            "no `*.json` plan under `{}`; write each plan with `terraform show -json PLANFILE > NAME.json`",
            crate::plan::escape_for_message(dir)
        ));
    }
    Ok(files.into_iter().map(|f| join(dir, &f)).collect())
}

/// Stack names for relative plan paths: the path without `.json`; when every
/// plan has the same file name inside a directory (`tfplan.json`, as
/// `terragrunt run-all plan --json-out-dir` writes), the directory alone.
pub fn stack_names(rels: &[&str]) -> Vec<String> {
    let stem = |r: &str| r[..r.len() - if is_json(r) { 5 } else { 0 }].to_owned();
    let file = |r: &str| r.rsplit('/').next().unwrap_or(r).to_owned();
    let same_file = rels.len() > 1 && rels.iter().all(|r| r.contains('/') && file(r) == file(rels[0]));
    rels.iter().map(|r| if same_file { r[..r.rfind('/').unwrap_or(0)].to_owned() } else { stem(r) }).collect()
}

/// `--staging DIR --prod DIR`: every `*.json` plan under either directory,
/// paired by relative path. A plan in one directory only is a stack with
/// one side missing. Both must be directories; prod must hold a plan.
pub fn from_dirs(staging: &str, prod: &str) -> Result<Vec<StackPlans>, DiscoverError> {
    check_dir(staging, "--staging")?;
    check_dir(prod, "--prod")?;
    let prod_files = walk(prod, &|_| true, &|f| is_json(f))?;
    if prod_files.is_empty() {
        return err(format!(
            "no `*.json` plan under `--prod {}`; the prod job must write each stack's plan there \
             (`terraform show -json PLANFILE > DIR/STACK.json`, or `terragrunt run-all plan --json-out-dir DIR`)",
            crate::plan::escape_for_message(prod)
        ));
    }
    let staging_files = walk(staging, &|_| true, &|f| is_json(f))?;
    let mut by_rel: BTreeMap<&str, (bool, bool)> = BTreeMap::new();
    for f in &staging_files {
        by_rel.entry(f).or_default().0 = true;
    }
    for f in &prod_files {
        by_rel.entry(f).or_default().1 = true;
    }
    let rels: Vec<&str> = by_rel.keys().copied().collect();
    let names = stack_names(&rels);
    let mut stacks: Vec<StackPlans> = by_rel
        .iter()
        .zip(names)
        .map(|((rel, (s, p)), name)| StackPlans {
            name,
            staging: s.then(|| join(staging, rel)),
            prod: p.then(|| join(prod, rel)),
        })
        .collect();
    stacks.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(stacks)
}

/// One piece of a `--plans` pattern.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Token {
    Lit(String),
    Env,
    Stack,
}

/// The environment names `{env}` stands for, in the order they are tried.
const ENVS: [&str; 2] = ["staging", "prod"];

/// A parsed `--plans` pattern.
#[derive(Clone, Debug)]
pub struct Pattern {
    text: String,
    tokens: Vec<Token>,
    /// The fixed directory the pattern starts in, as written (`plans/`), or
    /// empty for the working directory.
    root: String,
}

/// What one path binds the placeholders to.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Binding<'s> {
    env: Option<&'s str>,
    stack: Option<&'s str>,
}

impl Pattern {
    pub fn parse(text: &str) -> Result<Pattern, DiscoverError> {
        let shown = crate::plan::escape_for_message(text);
        let mut tokens = Vec::new();
        let mut lit = String::new();
        let mut rest = text;
        while let Some(open) = rest.find('{') {
            lit.push_str(&rest[..open]);
            let after = &rest[open..];
            let token = if after.starts_with("{env}") {
                Token::Env
            } else if after.starts_with("{stack}") {
                Token::Stack
            } else {
                return err(format!(
                    "`--plans {shown}`: only `{{env}}` and `{{stack}}` may appear in braces \
                     (for example `plans/{{stack}}/{{env}}.json`)"
                ));
            };
            if !lit.is_empty() {
                tokens.push(Token::Lit(std::mem::take(&mut lit)));
            }
            rest = &after[if token == Token::Env { 5 } else { 7 }..];
            if matches!(tokens.last(), Some(Token::Env | Token::Stack)) {
                return err(format!(
                    "`--plans {shown}`: two placeholders side by side cannot be told apart; put a separator between them"
                ));
            }
            tokens.push(token);
        }
        lit.push_str(rest);
        if lit.contains('}') || tokens.iter().any(|t| matches!(t, Token::Lit(l) if l.contains('}'))) {
            return err(format!("`--plans {shown}`: a `}}` without its `{{env}}` or `{{stack}}`"));
        }
        if !lit.is_empty() {
            tokens.push(Token::Lit(lit));
        }
        if !tokens.contains(&Token::Env) {
            return err(format!(
                "`--plans {shown}` has no `{{env}}`: write where `staging` and `prod` appear in the path, \
                 for example `plans/{{stack}}/{{env}}.json`"
            ));
        }
        let prefix = match &tokens[0] {
            Token::Lit(l) => l.as_str(),
            _ => "",
        };
        let root = prefix[..prefix.rfind('/').map_or(0, |i| i + 1)].to_owned();
        Ok(Pattern { text: text.to_owned(), tokens, root })
    }

    /// The placeholders `path` binds, if it matches the whole pattern. An
    /// error when it matches in more than one way.
    fn bind<'s>(&self, path: &'s str) -> Result<Option<Binding<'s>>, DiscoverError> {
        let mut found = Vec::new();
        bind_tokens(&self.tokens, path, Binding { env: None, stack: None }, false, &mut found);
        found.dedup();
        match found.len() {
            0 => Ok(None),
            1 => Ok(found.pop()),
            _ => err(format!(
                "`{}` matches `--plans {}` in more than one way; make the pattern's separators unambiguous",
                crate::plan::escape_for_message(path),
                crate::plan::escape_for_message(&self.text)
            )),
        }
    }

    /// Whether some path under directory `dir` (a path ending in `/`) could
    /// match: the walk prunes every other directory.
    fn may_contain(&self, dir: &str) -> bool {
        let mut found = Vec::new();
        bind_tokens(&self.tokens, dir, Binding { env: None, stack: None }, true, &mut found);
        !found.is_empty()
    }

    /// The stacks the pattern finds, sorted by name.
    pub fn discover(&self) -> Result<Vec<StackPlans>, DiscoverError> {
        let root = self.root.as_str();
        if !root.is_empty() {
            check_dir(root, "--plans")?;
        }
        let full = |rel: &str| join(root, rel);
        let files = walk(root, &|d| self.may_contain(&format!("{}/", full(d))), &|f| {
            // Errors (ambiguity) surface below, where they can be returned.
            !matches!(self.bind(&full(f)), Ok(None))
        })?;
        let mut by_stack: BTreeMap<String, StackPlans> = BTreeMap::new();
        for f in files {
            let path = full(&f);
            let Some(b) = self.bind(&path)? else { continue };
            // Without `{stack}` there is one stack: call it by the pattern.
            let name = b.stack.unwrap_or(&self.text).to_owned();
            let entry = by_stack.entry(name.clone()).or_insert(StackPlans { name, staging: None, prod: None });
            match b.env {
                Some("staging") => entry.staging = Some(path.clone()),
                _ => entry.prod = Some(path.clone()),
            }
        }
        if by_stack.values().all(|s| s.prod.is_none()) {
            return err(format!(
                "no prod plan matches `--plans {}` (with `{{env}}` as `prod`); check the pattern against the files{}",
                crate::plan::escape_for_message(&self.text),
                if root.is_empty() {
                    String::new()
                } else {
                    format!(" under `{}`", crate::plan::escape_for_message(root))
                }
            ));
        }
        Ok(by_stack.into_values().collect())
    }
}

/// Whether no `{stack}` value can start with `s`: an empty or hidden path
/// segment (so a stack never spans `.terraform/`). Once true for a string,
/// true for every extension of it.
fn dead_stack(s: &str) -> bool {
    s.starts_with(['.', '/']) || s.contains("/.") || s.contains("//")
}

/// Backtracking match of `tokens` against `s`, pushing every binding that
/// matches. With `prefix`, `s` need only be the start of a match (for
/// pruning directories): running out of `s` anywhere is a match.
fn bind_tokens<'s>(tokens: &[Token], s: &'s str, b: Binding<'s>, prefix: bool, found: &mut Vec<Binding<'s>>) {
    if found.len() > 1 && !prefix || prefix && !found.is_empty() {
        return;
    }
    let Some((first, rest)) = tokens.split_first() else {
        if s.is_empty() {
            found.push(b);
        }
        return;
    };
    if prefix && s.is_empty() {
        found.push(b);
        return;
    }
    match first {
        Token::Lit(l) => {
            if let Some(tail) = s.strip_prefix(l.as_str()) {
                bind_tokens(rest, tail, b, prefix, found);
            } else if prefix && l.starts_with(s) {
                found.push(b);
            }
        }
        Token::Env => {
            for env in ENVS {
                if b.env.is_some_and(|e| e != env) {
                    continue;
                }
                if let Some(tail) = s.strip_prefix(env) {
                    bind_tokens(rest, tail, Binding { env: Some(env), ..b.clone() }, prefix, found);
                } else if prefix && env.starts_with(s) {
                    found.push(b.clone());
                }
            }
        }
        Token::Stack => {
            if let Some(bound) = b.stack {
                if let Some(tail) = s.strip_prefix(bound) {
                    bind_tokens(rest, tail, b, prefix, found);
                } else if prefix && bound.starts_with(s) {
                    found.push(b);
                }
                return;
            }
            for end in (1..=s.len()).filter(|&i| s.is_char_boundary(i)) {
                let value = &s[..end];
                if dead_stack(value) {
                    break;
                }
                if !value.ends_with('/') {
                    bind_tokens(rest, &s[end..], Binding { stack: Some(value), ..b.clone() }, prefix, found);
                }
            }
            // A directory inside the stack (`a/b/` of `a/b/c`).
            if prefix && !dead_stack(s) {
                found.push(b);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stacks_of(list: &[StackPlans]) -> Vec<(&str, Option<&str>, Option<&str>)> {
        list.iter().map(|s| (s.name.as_str(), s.staging.as_deref(), s.prod.as_deref())).collect()
    }

    fn tree(files: &[&str]) -> tempdir::Dir {
        let dir = tempdir::Dir::new();
        for f in files {
            let p = dir.path.join(f);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, "{}").unwrap();
        }
        dir
    }

    /// A throwaway directory under the target dir, removed on drop.
    mod tempdir {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static N: AtomicUsize = AtomicUsize::new(0);
        pub struct Dir {
            pub path: std::path::PathBuf,
        }
        impl Dir {
            pub fn new() -> Dir {
                let path = std::env::temp_dir().join(format!(
                    "plangate-discover-{}-{}",
                    std::process::id(),
                    N.fetch_add(1, Ordering::Relaxed)
                ));
                let _ = std::fs::remove_dir_all(&path);
                std::fs::create_dir_all(&path).unwrap();
                Dir { path }
            }
            pub fn s(&self, rel: &str) -> String {
                format!("{}/{rel}", self.path.display())
            }
        }
        impl Drop for Dir {
            fn drop(&mut self) {
                let _ = std::fs::remove_dir_all(&self.path);
            }
        }
    }

    #[test]
    fn names_drop_a_file_name_every_stack_shares() {
        assert_eq!(stack_names(&["network/vpc/tfplan.json", "app/tfplan.json"]), ["network/vpc", "app"]);
        assert_eq!(stack_names(&["network.json", "app/web.json"]), ["network", "app/web"]);
        assert_eq!(stack_names(&["a/tfplan.json", "tfplan.json"]), ["a/tfplan", "tfplan"]);
        assert_eq!(stack_names(&["app/tfplan.json"]), ["app/tfplan"], "one stack keeps its whole path");
    }

    #[test]
    fn directories_pair_by_relative_path_with_one_sided_stacks() {
        let d = tree(&[
            "staging/network/vpc/tfplan.json",
            "staging/app/tfplan.json",
            "staging/retired/tfplan.json",
            "prod/network/vpc/tfplan.json",
            "prod/app/tfplan.json",
            "prod/cdn/tfplan.json",
            "prod/.terragrunt-cache/x/tfplan.json",
            "prod/notes.txt",
        ]);
        let (st, pr) = (d.s("staging"), d.s("prod/"));
        let got = from_dirs(&st, &pr).unwrap();
        let p = |rel: &str| d.s(&format!("prod/{rel}"));
        assert_eq!(
            stacks_of(&got),
            vec![
                ("app", Some(d.s("staging/app/tfplan.json").as_str()), Some(p("app/tfplan.json").as_str())),
                ("cdn", None, Some(p("cdn/tfplan.json").as_str())),
                (
                    "network/vpc",
                    Some(d.s("staging/network/vpc/tfplan.json").as_str()),
                    Some(p("network/vpc/tfplan.json").as_str())
                ),
                ("retired", Some(d.s("staging/retired/tfplan.json").as_str()), None),
            ]
        );
    }

    #[test]
    fn directories_fail_closed() {
        let d = tree(&["staging/a.json", "prod/readme.txt", "file.json"]);
        let e = from_dirs(&d.s("staging"), &d.s("prod")).unwrap_err();
        assert!(e.0.contains("no `*.json` plan under `--prod"), "{e}");
        let e = from_dirs(&d.s("staging"), &d.s("file.json")).unwrap_err();
        assert!(e.0.contains("is a file, not a directory"), "{e}");
        let e = from_dirs(&d.s("missing"), &d.s("staging")).unwrap_err();
        assert!(e.0.contains("cannot read `--staging"), "{e}");
    }

    #[test]
    fn plans_under_lists_json_files_with_the_root_as_written() {
        let d = tree(&["x/b.json", "x/a/c.JSON", "x/a/d.txt", "x/.hidden.json"]);
        let got = plans_under(&d.s("x")).unwrap();
        assert_eq!(got, vec![d.s("x/a/c.JSON"), d.s("x/b.json")]);
        assert!(plans_under(&d.s("x/a/d.txt")).is_err());
        let empty = tree(&["y/z.txt"]);
        assert!(plans_under(&empty.s("y")).unwrap_err().0.contains("no `*.json` plan"));
    }

    #[test]
    fn patterns_are_parsed_strictly() {
        for (bad, why) in [
            ("plans/{stack}.json", "has no `{env}`"),
            ("plans/{Stack}/{env}.json", "only `{env}` and `{stack}`"),
            ("plans/{stack}{env}.json", "side by side"),
            ("plans/{env}{stack}.json", "side by side"),
            ("plans/{stack}/{env}}.json", "a `}` without"),
        ] {
            let e = Pattern::parse(bad).unwrap_err();
            assert!(e.0.contains(why), "{bad}: {e}");
        }
        assert_eq!(Pattern::parse("plans/{stack}/{env}.json").unwrap().root, "plans/");
        assert_eq!(Pattern::parse("out/x-{env}/{stack}.json").unwrap().root, "out/");
        assert_eq!(Pattern::parse("{env}/{stack}.json").unwrap().root, "");
    }

    #[test]
    fn a_pattern_binds_env_and_a_stack_spanning_directories() {
        let p = Pattern::parse("out/{env}/{stack}/tfplan.json").unwrap();
        let b = p.bind("out/prod/network/vpc/tfplan.json").unwrap().unwrap();
        assert_eq!((b.env, b.stack), (Some("prod"), Some("network/vpc")));
        assert_eq!(p.bind("out/dev/network/tfplan.json").unwrap(), None);
        assert_eq!(p.bind("out/prod/tfplan.json").unwrap(), None, "a stack is never empty");
        assert_eq!(p.bind("out/prod/.terraform/x/tfplan.json").unwrap(), None, "never hidden");
        assert_eq!(p.bind("out/prod/a//tfplan.json").unwrap(), None);
        let q = Pattern::parse("plans/{stack}.{env}.json").unwrap();
        let b = q.bind("plans/app.v2.staging.json").unwrap().unwrap();
        assert_eq!((b.env, b.stack), (Some("staging"), Some("app.v2")));
        let twice = Pattern::parse("{env}/{stack}/{env}.json").unwrap();
        assert!(twice.bind("prod/app/prod.json").unwrap().is_some());
        assert_eq!(twice.bind("prod/app/staging.json").unwrap(), None, "{{env}} binds once");
        let amb = Pattern::parse("{stack}-{env}-{stack}.json").unwrap();
        assert!(amb.bind("a-prod-a.json").unwrap().is_some());
    }

    #[test]
    fn a_pattern_prunes_directories_that_cannot_match() {
        let p = Pattern::parse("out/{env}/{stack}/tfplan.json").unwrap();
        assert!(p.may_contain("out/"));
        assert!(p.may_contain("out/prod/"));
        assert!(p.may_contain("out/prod/a/b/"));
        assert!(!p.may_contain("out/dev/"));
        assert!(!p.may_contain("out/prod/.git/"));
        let q = Pattern::parse("{stack}/{env}.json").unwrap();
        assert!(q.may_contain("app/"));
        assert!(!q.may_contain(".git/"));
    }

    #[test]
    fn a_pattern_discovers_stacks_in_both_layouts() {
        let d = tree(&[
            "plans/network/staging.json",
            "plans/network/prod.json",
            "plans/data/db/staging.json",
            "plans/data/db/prod.json",
            "plans/cdn/prod.json",
            "plans/old/staging.json",
            "plans/app/dev.json",
            "plans/app/.terraform/prod.json",
        ]);
        let pat = format!("{}/plans/{{stack}}/{{env}}.json", d.path.display());
        let got = Pattern::parse(&pat).unwrap().discover().unwrap();
        let names: Vec<_> = got.iter().map(|s| (s.name.as_str(), s.staging.is_some(), s.prod.is_some())).collect();
        assert_eq!(
            names,
            [("cdn", false, true), ("data/db", true, true), ("network", true, true), ("old", true, false)]
        );
        assert_eq!(got[2].prod.as_deref(), Some(d.s("plans/network/prod.json").as_str()));

        let e = tree(&["out/staging/net/vpc/tfplan.json", "out/prod/net/vpc/tfplan.json", "out/prod/app/tfplan.json"]);
        let pat = format!("{}/out/{{env}}/{{stack}}/tfplan.json", e.path.display());
        let got = Pattern::parse(&pat).unwrap().discover().unwrap();
        assert_eq!(
            stacks_of(&got),
            vec![
                ("app", None, Some(e.s("out/prod/app/tfplan.json").as_str())),
                (
                    "net/vpc",
                    Some(e.s("out/staging/net/vpc/tfplan.json").as_str()),
                    Some(e.s("out/prod/net/vpc/tfplan.json").as_str())
                ),
            ]
        );
    }

    #[test]
    fn a_pattern_without_stack_is_one_stack_named_by_the_pattern() {
        let d = tree(&["plans/staging.json", "plans/prod.json"]);
        let pat = format!("{}/plans/{{env}}.json", d.path.display());
        let got = Pattern::parse(&pat).unwrap().discover().unwrap();
        assert_eq!(
            stacks_of(&got),
            vec![(pat.as_str(), Some(d.s("plans/staging.json").as_str()), Some(d.s("plans/prod.json").as_str()))]
        );
    }

    #[test]
    fn a_pattern_that_finds_no_prod_plan_is_an_error() {
        let d = tree(&["plans/a/staging.json"]);
        let pat = format!("{}/plans/{{stack}}/{{env}}.json", d.path.display());
        let e = Pattern::parse(&pat).unwrap().discover().unwrap_err();
        assert!(e.0.contains("no prod plan matches"), "{e}");
        let pat = format!("{}/nowhere/{{stack}}/{{env}}.json", d.path.display());
        assert!(Pattern::parse(&pat).unwrap().discover().is_err());
    }
}
