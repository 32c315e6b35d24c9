//! Making untrusted text safe for each destination, one escaper per
//! destination, used by every output (reports, error messages, API text):
//!
//! * **terminal** ([`terminal`], [`stderr`]): no control sequences, no
//!   invisible or reordering characters, no line breaks inside a value, and
//!   no line that a CI runner would read as a workflow command (`::error::`,
//!   `::add-mask::`, ...), since text output and stderr usually land in a CI
//!   log.
//! * **Markdown** ([`md_text`], [`md_code`], [`md_code_line`], [`md_fence`]):
//!   no structure (fences, `<details>`, tables, HTML, the bot's marker), and
//!   outside code no mention (`@all`), link (`https://...`, `www.`) or
//!   reference (`#123`, `owner/repo#1`, `!1`, `~label`, `%milestone`, `&1`,
//!   `$1`, `GH-1`) that GitHub or GitLab would render.
//! * **JSON** ([`write_json`]): serde_json escapes quotes, backslashes and C0
//!   controls; this also writes DEL, C1 controls, bidirectional, zero-width
//!   and other invisible format characters and U+2028/U+2029 as `\u`
//!   escapes, so no reader (a terminal showing the file, a JavaScript
//!   parser) sees them raw.
//! * **GitHub workflow commands** ([`gha_data`], [`gha_property`]): the
//!   escaping the runner itself defines, for annotation formats.
//!
//! Invariant: the output of every function here contains none of the
//! characters [`is_hidden`] names, except where that destination's syntax
//! demands (the word joiner that breaks `<!--` in Markdown code, the
//! zero-width space entity that breaks mentions in Markdown text).

use std::borrow::Cow;
use std::io::{self, Write};

/// Characters a reader cannot see or that change what is shown: C0 and C1
/// controls, DEL, bidirectional marks and overrides (the Arabic letter mark
/// included), zero-width and other invisible format characters, the line
/// and paragraph separators, and Unicode tag characters.
pub fn is_hidden(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{00AD}'
                | '\u{034F}'
                | '\u{061C}'
                | '\u{115F}'
                | '\u{1160}'
                | '\u{17B4}'
                | '\u{17B5}'
                | '\u{180B}'..='\u{180F}'
                | '\u{200B}'..='\u{200F}'
                | '\u{2028}'..='\u{202E}'
                | '\u{2060}'..='\u{206F}'
                | '\u{3164}'
                | '\u{FE00}'..='\u{FE0F}'
                | '\u{FEFF}'
                | '\u{FFA0}'
                | '\u{FFF9}'..='\u{FFFB}'
                | '\u{E0000}'..='\u{E007F}'
        )
}

/// Whether a line, as a CI runner reads it, starts a workflow command:
/// GitHub Actions trims leading whitespace and looks for `::`.
fn starts_command(s: &str) -> bool {
    s.trim_start().starts_with("::")
}

/// One line for a terminal or CI log: hidden characters escaped as
/// `\u{1b}` (`\n`, `\r`, `\t` as such), and a leading `::` written
/// `\u{3a}:` so that no plan value can issue a workflow command.
pub fn terminal(s: &str) -> Cow<'_, str> {
    let command = starts_command(s);
    // Printable ASCII has nothing hidden; a byte test settles most lines.
    if !command && (s.bytes().all(|b| (b' '..=b'~').contains(&b)) || !s.chars().any(is_hidden)) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    let mut colon_done = !command;
    for c in s.chars() {
        if !colon_done && c == ':' {
            out.push_str("\\u{3a}");
            colon_done = true;
            continue;
        }
        push_terminal_char(&mut out, c);
    }
    Cow::Owned(out)
}

fn push_terminal_char(out: &mut String, c: char) {
    if is_hidden(c) {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            _ => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
        }
    } else {
        out.push(c);
    }
}

/// A whole message for standard error (or any other multi-line text for a
/// terminal or CI log, such as text from a forge's API): every line escaped
/// as by [`terminal`]; the line breaks themselves are kept. A `\r` is
/// escaped, so no line can overwrite another.
pub fn stderr(s: &str) -> String {
    s.split('\n').map(terminal).collect::<Vec<_>>().join("\n")
}

/// Text for Markdown outside code: one line, HTML special characters as
/// entities, Markdown punctuation backslash-escaped (so `|` cannot split a
/// table cell, `<details>` cannot open, `[x](y)` cannot link), and a
/// zero-width space entity after the characters that start a mention, a
/// reference or an autolink, so that none renders as one.
pub fn md_text(s: &str) -> String {
    let s = terminal(s);
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len() + 8);
    const BREAK: &str = "&#8203;";
    for (i, &c) in chars.iter().enumerate() {
        let next = chars.get(i + 1).copied();
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\\' | '`' | '*' | '_' | '{' | '}' | '[' | ']' | '(' | ')' | '#' | '+' | '-' | '!' | '|' | '~' | '=' => {
                out.push('\\');
                out.push(c);
            }
            _ => out.push(c),
        }
        let breaks = match c {
            // Mentions and e-mail autolinks; references of GitHub (`#1`,
            // `o/r#1`) and GitLab (`!1`, `~l`, `%m`, `&1`, `$1`, `^1`).
            '@' | '#' | '!' | '~' | '%' | '&' | '$' | '^' => true,
            // `scheme://` autolinks.
            ':' => next == Some('/'),
            // `www.` autolinks.
            'w' | 'W' => next == Some('.') && i >= 2 && chars[i - 2..i].iter().all(|p| p.eq_ignore_ascii_case(&'w')),
            // `GH-1` references.
            'h' | 'H' => next == Some('-') && i >= 1 && chars[i - 1].eq_ignore_ascii_case(&'g'),
            _ => false,
        };
        if breaks {
            out.push_str(BREAK);
        }
    }
    out
}

/// An inline code span holding `s` literally (a fence longer than any run of
/// backticks inside). Not for table cells, where `|` would split the cell.
/// Code spans render no mention, link or reference.
pub fn md_code(s: &str) -> String {
    let escaped = terminal(s);
    let s = neutralize_comments(&escaped);
    let run = longest_backtick_run(&s);
    let fence = "`".repeat(run + 1);
    let pad = if s.starts_with('`') || s.ends_with('`') || run > 0 { " " } else { "" };
    format!("{fence}{pad}{s}{pad}{fence}")
}

/// The fence for a fenced code block whose lines are `body`: backticks, one
/// more than the longest run inside, at least three.
pub fn md_fence(body: &str) -> String {
    "`".repeat((longest_backtick_run(body) + 1).max(3))
}

/// A line for inside a fenced code block: control characters escaped, HTML
/// comment openers broken (so no value can forge the bot's marker), and a
/// leading `::` broken by a word joiner (so that printing the Markdown to a
/// CI log issues no workflow command, while the comment reads the same).
pub fn md_code_line(s: &str) -> String {
    let s = neutralize_comments(&terminal(s)).into_owned();
    if let Some(rest) = s.trim_start().strip_prefix("::") {
        let indent = &s[..s.len() - s.trim_start().len()];
        return format!("{indent}:\u{2060}:{rest}");
    }
    s
}

/// A Markdown link `[text](url)` when `url` is a plain `https://` or
/// `http://` URL made only of letters, digits and `-._~:/?#&=%+@,;`
/// (nothing that can end the link, open HTML or a comment); `None`
/// otherwise, for the caller to show the URL as code. `text` is escaped.
pub fn md_link(text: &str, url: &str) -> Option<String> {
    let plain = url.chars().all(|c| c.is_ascii_alphanumeric() || "-._~:/?#&=%+@,;".contains(c));
    let scheme = url.starts_with("https://") || url.starts_with("http://");
    (plain && scheme && url.len() > "https://".len() && !url.contains("--"))
        .then(|| format!("[{}]({url})", md_text(text)))
}

fn neutralize_comments(s: &str) -> Cow<'_, str> {
    if s.contains("<!--") || s.contains("-->") {
        Cow::Owned(s.replace("<!--", "<!\u{2060}--").replace("-->", "--\u{2060}>"))
    } else {
        Cow::Borrowed(s)
    }
}

fn longest_backtick_run(s: &str) -> usize {
    let mut best = 0;
    let mut cur = 0;
    for c in s.chars() {
        if c == '`' {
            cur += 1;
            best = best.max(cur);
        } else {
            cur = 0;
        }
    }
    best
}

/// Writes `value` as pretty-printed JSON in which every hidden character
/// ([`is_hidden`]) inside a string is a `\u` escape.
pub fn write_json<W: Write, T: serde::Serialize + ?Sized>(w: W, value: &T) -> serde_json::Result<()> {
    let mut ser = serde_json::Serializer::with_formatter(w, JsonFormatter(serde_json::ser::PrettyFormatter::new()));
    value.serialize(&mut ser)
}

/// `value` as compact JSON text with hidden characters escaped.
pub fn json_string<T: serde::Serialize + ?Sized>(value: &T) -> String {
    let mut out = Vec::new();
    let mut ser = serde_json::Serializer::with_formatter(&mut out, JsonFormatter(serde_json::ser::CompactFormatter));
    if value.serialize(&mut ser).is_err() {
        return "null".to_owned();
    }
    String::from_utf8(out).unwrap_or_default()
}

/// A serde_json formatter that escapes hidden characters in strings and
/// otherwise formats as the wrapped one does.
pub struct JsonFormatter<F>(pub F);

macro_rules! forward {
    ($($name:ident($($arg:ident: $ty:ty),*);)*) => {
        $(fn $name<W: ?Sized + Write>(&mut self, w: &mut W $(, $arg: $ty)*) -> io::Result<()> {
            self.0.$name(w $(, $arg)*)
        })*
    };
}

impl<F: serde_json::ser::Formatter> serde_json::ser::Formatter for JsonFormatter<F> {
    forward! {
        begin_array();
        end_array();
        begin_array_value(first: bool);
        end_array_value();
        begin_object();
        end_object();
        begin_object_key(first: bool);
        end_object_key();
        begin_object_value();
        end_object_value();
    }

    fn write_string_fragment<W: ?Sized + Write>(&mut self, w: &mut W, fragment: &str) -> io::Result<()> {
        let mut start = 0;
        for (i, c) in fragment.char_indices() {
            if is_hidden(c) {
                w.write_all(&fragment.as_bytes()[start..i])?;
                let mut units = [0u16; 2];
                for u in c.encode_utf16(&mut units) {
                    write!(w, "\\u{:04x}", u)?;
                }
                start = i + c.len_utf8();
            }
        }
        w.write_all(&fragment.as_bytes()[start..])
    }
}

/// The message part of a GitHub workflow command (`::error ...::MESSAGE`):
/// `%`, CR and LF percent-encoded as the runner decodes them; hidden
/// characters escaped.
pub fn gha_data(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '%' => out.push_str("%25"),
            '\r' => out.push_str("%0D"),
            '\n' => out.push_str("%0A"),
            c => push_terminal_char(&mut out, c),
        }
    }
    out
}

/// A property value of a GitHub workflow command (`file=`, `title=`): as
/// [`gha_data`], plus `:` and `,`, which end a property.
pub fn gha_property(s: &str) -> String {
    gha_data(s).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every hidden character class, one example each.
    const HIDDEN: &[char] = &[
        '\u{1b}',
        '\u{7f}',
        '\u{85}',
        '\u{9b}',
        '\u{061c}',
        '\u{200b}',
        '\u{200c}',
        '\u{200d}',
        '\u{200e}',
        '\u{200f}',
        '\u{2028}',
        '\u{2029}',
        '\u{202a}',
        '\u{202e}',
        '\u{2060}',
        '\u{2066}',
        '\u{2069}',
        '\u{feff}',
        '\u{00ad}',
        '\u{e0041}',
    ];

    #[test]
    fn terminal_escapes_controls_and_bidi() {
        assert_eq!(terminal("a\u{1b}[31mb\rc\u{8}\u{9b}\u{202e}"), "a\\u{1b}[31mb\\rc\\u{8}\\u{9b}\\u{202e}");
        assert_eq!(terminal("plain ünïcode"), "plain ünïcode");
        // Every ASCII control, DEL included, around printable ASCII.
        for b in (0u8..0x20).chain([0x7f]) {
            let s = format!("a ~{}b", b as char);
            assert!(!terminal(&s).contains(b as char), "{b:#x} survived");
        }
        assert!(matches!(terminal(" !az~"), Cow::Borrowed(_)));
        for &c in HIDDEN {
            let s = format!("a{c}b");
            let t = terminal(&s);
            assert!(!t.contains(c), "{:x} survived", c as u32);
            assert!(t.contains(&format!("\\u{{{:x}}}", c as u32)));
        }
    }

    #[test]
    fn terminal_and_stderr_issue_no_workflow_command() {
        assert_eq!(terminal("::add-mask::x"), "\\u{3a}:add-mask::x");
        assert_eq!(terminal("  ::error::x"), "  \\u{3a}:error::x");
        assert_eq!(terminal("a ::b"), "a ::b");
        let e = stderr("plangate: error: x\n::set-env name=A::1\r\n  ::warning::y");
        assert!(e.lines().all(|l| !l.trim_start().starts_with("::")), "{e}");
        assert!(!e.contains('\r'));
        assert_eq!(e.lines().count(), 3);
    }

    #[test]
    fn markdown_text_cannot_open_structure() {
        let s = md_text("</details><!-- plangate:x --> | `x` [a](b)\n# h");
        assert!(!s.contains('<') && !s.contains('\n'));
        assert!(!s.contains(" | ") && !s.contains("`x`"));
    }

    #[test]
    fn markdown_text_renders_no_mention_link_or_reference() {
        for hostile in [
            "@all",
            "ping @octocat/team",
            "https://evil.example/approve",
            "see www.evil.example",
            "fixes #123",
            "owner/repo#1",
            "!12",
            "~deploy",
            "%release",
            "&5",
            "$7",
            "GH-9",
            "mail a@b.example",
        ] {
            let s = md_text(hostile);
            for bad in ["@a", "@o", "@b", "://", "www.", "#1", "!1", "~d", "%r", "&5", "$7", "GH\\-9", "H-"] {
                assert!(!s.contains(bad), "{hostile:?} -> {s:?} contains {bad:?}");
            }
        }
    }

    #[test]
    fn code_spans_and_fences_outgrow_backticks() {
        assert_eq!(md_code("a"), "`a`");
        assert_eq!(md_code("a``b"), "``` a``b ```");
        assert_eq!(md_code("a|b"), "`a|b`");
        assert_eq!(md_fence("```\n````"), "`````");
        assert_eq!(md_fence("x"), "```");
        assert!(!md_code_line("<!-- plangate:prod -->").contains("<!--"));
        assert!(!md_code_line("  ::error::x").trim_start().starts_with("::"));
    }

    #[test]
    fn json_escapes_every_hidden_character() {
        let s: String = HIDDEN.iter().collect();
        let j = json_string(&s);
        assert!(j.is_ascii(), "{j}");
        let back: String = serde_json::from_str(&j).unwrap();
        assert_eq!(back, s);
        let mut pretty = Vec::new();
        write_json(&mut pretty, &serde_json::json!({"k\u{2028}": ["a\u{202e}b"]})).unwrap();
        let pretty = String::from_utf8(pretty).unwrap();
        assert!(pretty.contains("\\u2028") && pretty.contains("\\u202e") && pretty.contains("\n  "), "{pretty}");
    }

    #[test]
    fn workflow_command_escaping() {
        assert_eq!(gha_data("50%\r\nx"), "50%25%0D%0Ax");
        assert_eq!(gha_property("a:b,c"), "a%3Ab%2Cc");
    }

    #[test]
    fn links_only_to_plain_web_urls() {
        assert_eq!(
            md_link("CI run", "https://github.com/o/r/actions/runs/42").as_deref(),
            Some("[CI run](https://github.com/o/r/actions/runs/42)")
        );
        for bad in
            ["javascript:alert(1)", "https://x/a)b", "https://x/<b>", "https://x/ a", "https://", "https://x/-->"]
        {
            assert_eq!(md_link("run", bad), None, "{bad}");
        }
    }
}
