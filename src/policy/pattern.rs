//! The three pattern kinds of policy files: resource type globs, address
//! globs and attribute path patterns.
//!
//! * type globs use full glob syntax (`aws_db_*`, `kubernetes_secret{,_v1}`);
//! * address globs treat only `*` and `?` as special, so Terraform's brackets
//!   and quotes are literal (`module.env["prod"].*`);
//! * path patterns are dot-separated steps, each a glob, with `[N]`,
//!   `["key"]` and `[*]` accepted too; `**` spans any number of steps, and a
//!   pattern also matches everything below what it names (`tags` matches
//!   `tags["Name"]`).

use globset::{Glob, GlobBuilder, GlobMatcher};

use crate::plan::{Path, Step};

fn build(pattern: &str) -> Result<Glob, String> {
    GlobBuilder::new(pattern)
        .literal_separator(false)
        .backslash_escape(true)
        .empty_alternates(true)
        .build()
        .map_err(|e| format!("bad glob `{pattern}`: {}", e.kind()))
}

fn compile(pattern: &str) -> Result<GlobMatcher, String> {
    build(pattern).map(|g| g.compile_matcher())
}

/// A glob over resource types.
#[derive(Debug, Clone)]
pub struct TypeGlob {
    pub text: String,
    glob: Glob,
    /// `None` for a pattern with no glob syntax, which only its own text
    /// matches: most of a policy's types are such, and compiling a matcher
    /// for each was most of the time spent loading the built-in policy.
    matcher: Option<GlobMatcher>,
}

impl TypeGlob {
    pub fn new(text: &str) -> Result<TypeGlob, String> {
        if text.is_empty() {
            return Err("empty type pattern".into());
        }
        let glob = build(text)?;
        let literal = !text.contains(['*', '?', '[', ']', '{', '}', '\\', '!']);
        let matcher = (!literal).then(|| glob.compile_matcher());
        Ok(TypeGlob { text: text.to_owned(), matcher, glob })
    }

    /// The compiled glob, for building a [`globset::GlobSet`].
    pub fn glob(&self) -> &Glob {
        &self.glob
    }

    pub fn is_match(&self, type_: &str) -> bool {
        match &self.matcher {
            Some(m) => m.is_match(type_),
            None => self.text == type_,
        }
    }
}

/// A glob over resource addresses where only `*` and `?` are special.
#[derive(Debug, Clone)]
pub struct AddressGlob {
    pub text: String,
    matcher: GlobMatcher,
}

impl AddressGlob {
    pub fn new(text: &str) -> Result<AddressGlob, String> {
        if text.is_empty() {
            return Err("empty address pattern".into());
        }
        let mut escaped = String::with_capacity(text.len() + 8);
        for c in text.chars() {
            match c {
                '[' | ']' | '{' | '}' | '\\' | '!' => {
                    escaped.push('\\');
                    escaped.push(c);
                }
                _ => escaped.push(c),
            }
        }
        Ok(AddressGlob { text: text.to_owned(), matcher: compile(&escaped)? })
    }

    pub fn is_match(&self, address: &str) -> bool {
        self.matcher.is_match(address)
    }
}

#[derive(Debug, Clone)]
enum Seg {
    Glob(GlobMatcher),
    Deep,
}

/// A pattern over attribute paths.
#[derive(Debug, Clone)]
pub struct PathPattern {
    pub text: String,
    segs: Vec<Seg>,
}

impl PathPattern {
    pub fn new(text: &str) -> Result<PathPattern, String> {
        let steps = split_steps(text)?;
        let mut segs = Vec::with_capacity(steps.len());
        for s in steps {
            if s == "**" {
                segs.push(Seg::Deep);
            } else {
                segs.push(Seg::Glob(compile(&s).map_err(|e| format!("in path `{text}`: {e}"))?));
            }
        }
        Ok(PathPattern { text: text.to_owned(), segs })
    }

    /// Whether the pattern names `path` or one of its ancestors.
    pub fn matches(&self, path: &Path) -> bool {
        let steps: Vec<String> = path
            .0
            .iter()
            .map(|s| match s {
                Step::Key(k) => k.clone(),
                Step::Index(i) => i.to_string(),
            })
            .collect();
        prefix_match(&self.segs, &steps)
    }
}

/// Whether `segs` matches some prefix of `steps` (the whole pattern must be used).
fn prefix_match(segs: &[Seg], steps: &[String]) -> bool {
    match segs.split_first() {
        None => true,
        Some((Seg::Deep, rest)) => (0..=steps.len()).any(|i| prefix_match(rest, &steps[i..])),
        Some((Seg::Glob(g), rest)) => match steps.split_first() {
            Some((first, more)) => g.is_match(first) && prefix_match(rest, more),
            None => false,
        },
    }
}

/// Splits `a.b[0]["c.d"][*]` into `["a", "b", "0", "c.d", "*"]`; quoted keys
/// have their glob characters escaped so they match literally.
fn split_steps(text: &str) -> Result<Vec<String>, String> {
    let bad = |why: &str| Err(format!("bad attribute path `{text}`: {why}"));
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut chars = text.chars().peekable();
    let mut after_bracket = false;
    while let Some(c) = chars.next() {
        match c {
            '.' => {
                if cur.is_empty() && !after_bracket {
                    return bad("empty step");
                }
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
                after_bracket = false;
            }
            '[' => {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
                if chars.peek() == Some(&'"') {
                    chars.next();
                    let mut key = String::new();
                    loop {
                        match chars.next() {
                            Some('\\') => match chars.next() {
                                Some(c) => key.push(c),
                                None => return bad("unterminated string"),
                            },
                            Some('"') => break,
                            Some(c) => key.push(c),
                            None => return bad("unterminated string"),
                        }
                    }
                    if chars.next() != Some(']') {
                        return bad("expected `]` after a quoted key");
                    }
                    let mut lit = String::new();
                    for c in key.chars() {
                        if "*?[]{}\\!".contains(c) {
                            lit.push('\\');
                        }
                        lit.push(c);
                    }
                    out.push(lit);
                } else {
                    let mut idx = String::new();
                    loop {
                        match chars.next() {
                            Some(']') => break,
                            Some(c) => idx.push(c),
                            None => return bad("unterminated `[`"),
                        }
                    }
                    if idx != "*" && idx.parse::<usize>().is_err() {
                        return bad("a bracket holds a list index, `*` or a quoted key");
                    }
                    out.push(idx);
                }
                after_bracket = true;
            }
            _ => cur.push(c),
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    } else if !after_bracket {
        return bad("empty step");
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn path(v: serde_json::Value) -> Path {
        Path::from_json(&v).unwrap()
    }

    #[test]
    fn path_patterns_match_prefixes_and_indices() {
        let p = PathPattern::new("scaling_config.*.desired_size").unwrap();
        assert!(p.matches(&path(json!(["scaling_config", 0, "desired_size"]))));
        assert!(!p.matches(&path(json!(["scaling_config", 0, "max_size"]))));
        let p = PathPattern::new("tags").unwrap();
        assert!(p.matches(&path(json!(["tags", "Name"]))));
        assert!(!p.matches(&path(json!(["tags_all", "Name"]))));
        let p = PathPattern::new(r#"tags["kubernetes.io/role"]"#).unwrap();
        assert!(p.matches(&path(json!(["tags", "kubernetes.io/role"]))));
        let p = PathPattern::new("**.image").unwrap();
        assert!(p.matches(&path(json!(["spec", 0, "template", 0, "image"]))));
        let p = PathPattern::new("settings[*].tier").unwrap();
        assert!(p.matches(&path(json!(["settings", 0, "tier"]))));
    }

    #[test]
    fn bad_path_patterns_are_errors() {
        for bad in ["", "a..b", "a[", "a[x]", r#"a["x"#, "a.[", "a{"] {
            assert!(PathPattern::new(bad).is_err(), "{bad} should fail");
        }
    }

    #[test]
    fn address_globs_keep_brackets_literal() {
        let g = AddressGlob::new(r#"module.env["prod"].*"#).unwrap();
        assert!(g.is_match(r#"module.env["prod"].aws_db_instance.main"#));
        assert!(!g.is_match(r#"module.env["staging"].aws_db_instance.main"#));
        let g = AddressGlob::new("aws_instance.web[*]").unwrap();
        assert!(g.is_match("aws_instance.web[2]"));
    }

    #[test]
    fn type_globs_use_full_syntax() {
        let g = TypeGlob::new("kubernetes_secret{,_v1}").unwrap();
        assert!(g.is_match("kubernetes_secret") && g.is_match("kubernetes_secret_v1"));
        assert!(!g.is_match("kubernetes_secret_v2"));
        assert!(TypeGlob::new("aws_[").is_err());
    }

    /// A pattern with no glob syntax matches its own text and nothing else,
    /// the same as the compiled glob would.
    #[test]
    fn literal_type_patterns_match_only_themselves() {
        for text in ["aws_db_instance", "aws_s3_bucket", "x"] {
            let literal = TypeGlob::new(text).unwrap();
            assert!(literal.matcher.is_none(), "{text}");
            let compiled = compile(text).unwrap();
            for candidate in
                [text, "aws_db_instance_x", "aws_db_instanc", "AWS_DB_INSTANCE", "", "aws_s3_bucket_policy"]
            {
                assert_eq!(literal.is_match(candidate), compiled.is_match(candidate), "{text} {candidate}");
            }
        }
        assert!(TypeGlob::new("aws_db_*").unwrap().matcher.is_some());
        assert!(TypeGlob::new(r"aws\_db").unwrap().matcher.is_some());
    }
}
