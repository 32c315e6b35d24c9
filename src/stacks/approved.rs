//! Approval files (`review --approved-file FILE`): the `DIGEST  NAME` lines
//! that `plangate fingerprint` prints for several plans, read the way
//! `sha256sum -c` reads its file.
//!
//! Invariants: every line is either blank or a well-formed digest and a
//! name, else the whole file is refused with its line number (a usage
//! error, never "not approved" by accident); names are compared after
//! lexical normalization (`./a//b` is `a/b`), never against the file
//! system; one name with two different digests is refused as ambiguous.

use std::collections::HashMap;
use std::fmt;

/// Why a digest or an approval file could not be used (exit 2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApprovedError(pub String);

impl fmt::Display for ApprovedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ApprovedError {}

/// A digest as `plangate fingerprint` prints it (`sha256:` and 64 hex
/// digits; the prefix may be left out, hex may be upper case), normalized
/// to `sha256:` and lower case. `None` when it is not well formed.
pub fn parse_digest(s: &str) -> Option<String> {
    let hex = s.strip_prefix("sha256:").unwrap_or(s);
    (hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit()))
        .then(|| format!("sha256:{}", hex.to_ascii_lowercase()))
}

/// A path compared by its components: `.` and empty components dropped,
/// `\` read as `/` (a file written on Windows). `..` is kept as written.
pub fn normalize_name(path: &str) -> String {
    let unified = path.replace('\\', "/");
    let absolute = unified.starts_with('/');
    let parts: Vec<&str> = unified.split('/').filter(|p| !p.is_empty() && *p != ".").collect();
    let joined = parts.join("/");
    if absolute { format!("/{joined}") } else { joined }
}

/// One `fingerprint` output line for `name`, escaped as GNU `sha256sum`
/// does: a name holding a newline or a backslash gets a leading `\` and
/// those characters escaped, so every plan is exactly one line.
pub fn line(digest: &str, name: &str) -> String {
    if name.contains(['\n', '\r', '\\']) {
        let escaped = name.replace('\\', "\\\\").replace('\n', "\\n").replace('\r', "\\r");
        format!("\\{digest}  {escaped}")
    } else {
        format!("{digest}  {name}")
    }
}

/// The approved digests of an approval file, by normalized plan name.
#[derive(Clone, Debug, Default)]
pub struct Approvals {
    /// The file they came from, for messages.
    pub file: String,
    by_name: HashMap<String, String>,
}

impl Approvals {
    /// Parses the text of an approval file named `file`.
    pub fn parse(file: &str, text: &str) -> Result<Approvals, ApprovedError> {
        let shown = crate::plan::escape_for_message(file);
        let mut by_name: HashMap<String, String> = HashMap::new();
        for (n, raw) in text.lines().enumerate() {
            let lineno = n + 1;
            let fail = |what: &str| {
                Err(ApprovedError(format!(
                    "`{shown}` line {lineno}: {what}; each line is `DIGEST  NAME` as \
                     `plangate fingerprint PLAN...` prints it"
                )))
            };
            let raw = raw.strip_suffix('\r').unwrap_or(raw);
            if raw.trim().is_empty() {
                continue;
            }
            let (escaped, body) = match raw.strip_prefix('\\') {
                Some(rest) => (true, rest),
                None => (false, raw),
            };
            // `sha256sum` writes two spaces, or ` *` for binary mode.
            let Some(split) = body.find(' ') else {
                return fail("no name after the digest");
            };
            let (digest, rest) = body.split_at(split);
            let Some(name) = rest.strip_prefix("  ").or_else(|| rest.strip_prefix(" *")) else {
                return fail("the digest and the name must be separated by two spaces");
            };
            let Some(digest) = parse_digest(digest) else {
                return fail(&format!(
                    "`{}` is not a digest (`sha256:` and 64 hex digits)",
                    crate::plan::escape_for_message(digest)
                ));
            };
            let name = if escaped {
                match unescape(name) {
                    Some(n) => n,
                    None => return fail("an escaped name holds a `\\` that is not `\\\\`, `\\n` or `\\r`"),
                }
            } else {
                name.to_owned()
            };
            if name.is_empty() {
                return fail("no name after the digest");
            }
            let key = normalize_name(&name);
            match by_name.get(&key) {
                Some(prev) if *prev != digest => {
                    return fail(&format!(
                        "`{}` is listed again with another digest; keep one line per plan",
                        crate::plan::escape_for_message(&name)
                    ));
                }
                _ => {
                    by_name.insert(key, digest);
                }
            }
        }
        if by_name.is_empty() {
            return Err(ApprovedError(format!(
                "`{shown}` lists no plan; write it with `plangate fingerprint STAGING_DIR > {shown}` in the staging job"
            )));
        }
        Ok(Approvals { file: file.to_owned(), by_name })
    }

    /// The approved digest of the staging plan at `path`, if the file lists it.
    pub fn digest_for(&self, path: &str) -> Option<&str> {
        self.by_name.get(&normalize_name(path)).map(String::as_str)
    }

    pub fn len(&self) -> usize {
        self.by_name.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_name.is_empty()
    }
}

fn unescape(s: &str) -> Option<String> {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next()? {
                '\\' => out.push('\\'),
                'n' => out.push('\n'),
                'r' => out.push('\r'),
                _ => return None,
            }
        } else {
            out.push(c);
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    const B: &str = "sha256:fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210";

    #[test]
    fn digests_are_normalized_or_refused() {
        assert_eq!(parse_digest(A).as_deref(), Some(A));
        assert_eq!(parse_digest(&A[7..].to_ascii_uppercase()).as_deref(), Some(A));
        for bad in ["", "sha256:", &A[..70], &format!("{A}0"), &A.replace('a', "g"), "md5:abc", &format!(" {A}")] {
            assert_eq!(parse_digest(bad), None, "{bad}");
        }
    }

    #[test]
    fn names_compare_by_components() {
        assert_eq!(normalize_name("./staging//app/tfplan.json"), "staging/app/tfplan.json");
        assert_eq!(normalize_name("staging\\app\\tfplan.json"), "staging/app/tfplan.json");
        assert_eq!(normalize_name("/abs/./x.json"), "/abs/x.json");
        assert_eq!(normalize_name("../x.json"), "../x.json");
        assert_ne!(normalize_name("a/x.json"), normalize_name("b/x.json"));
    }

    #[test]
    fn an_approval_file_lists_digests_by_plan() {
        let text = format!("{A}  staging/app/tfplan.json\r\n\n{B} *./staging/net.json\n{A}  staging/app/tfplan.json\n");
        let a = Approvals::parse("approved.txt", &text).unwrap();
        assert_eq!(a.len(), 2);
        assert_eq!(a.digest_for("staging/app/tfplan.json"), Some(A));
        assert_eq!(a.digest_for("./staging/app//tfplan.json"), Some(A));
        assert_eq!(a.digest_for("staging/net.json"), Some(B));
        assert_eq!(a.digest_for("staging/other.json"), None);
        assert_eq!(a.digest_for("prod/app/tfplan.json"), None);
    }

    #[test]
    fn names_with_newlines_round_trip_through_escaping() {
        let name = "odd\nname\\x.json";
        let l = line(A, name);
        assert!(!l.contains('\n') && l.starts_with('\\'));
        let a = Approvals::parse("f", &l).unwrap();
        assert_eq!(a.digest_for(name), Some(A));
        assert_eq!(line(A, "plain.json"), format!("{A}  plain.json"));
    }

    #[test]
    fn a_malformed_file_is_refused_with_its_line() {
        for (text, why) in [
            (format!("{A}  a.json\nnot-a-digest  b.json"), "line 2: `not-a-digest` is not a digest"),
            (format!("{A} a.json"), "line 1: the digest and the name must be separated by two spaces"),
            (A.to_owned(), "line 1: no name after the digest"),
            (format!("{A}  "), "line 1: no name after the digest"),
            (format!("{A}  a.json\n{B}  ./a.json"), "line 2: `./a.json` is listed again with another digest"),
            (format!("\\{A}  a\\qb"), "line 1: an escaped name"),
            ("\n\n".to_owned(), "lists no plan"),
        ] {
            let e = Approvals::parse("approved.txt", &text).unwrap_err();
            assert!(e.0.contains(why), "{text:?}: {e}");
            assert!(e.0.starts_with("`approved.txt`"), "{e}");
        }
    }
}
