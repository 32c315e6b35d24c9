//! Making untrusted plan text safe for each output: terminals (no control
//! sequences) and Markdown (no structure: fences, `<details>`, tables, HTML,
//! the bot's marker).
//!
//! Every string that comes from a plan (addresses, types, values, reasons)
//! passes through one of these before it is written.

use std::borrow::Cow;

/// Characters that could change what a terminal shows: C0 and C1 controls,
/// DEL, and bidirectional overrides (which reorder what the reader sees).
fn is_dangerous(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
}

/// Escapes dangerous characters as `\u{1b}`; keeps newlines only if asked.
pub fn terminal(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_dangerous) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if is_dangerous(c) {
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
    Cow::Owned(out)
}

/// Text for Markdown outside code: one line, HTML special characters as
/// entities, Markdown punctuation backslash-escaped (so `|` cannot split a
/// table cell, `<details>` cannot open, `[x](y)` cannot link).
pub fn md_text(s: &str) -> String {
    let s = terminal(s);
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
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
    }
    out
}

/// An inline code span holding `s` literally (a fence longer than any run of
/// backticks inside). Not for table cells, where `|` would split the cell.
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

/// A line for inside a fenced code block: control characters escaped and
/// HTML comment openers broken, so no value can forge the bot's marker.
pub fn md_code_line(s: &str) -> String {
    neutralize_comments(&terminal(s)).into_owned()
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_escapes_controls_and_bidi() {
        assert_eq!(terminal("a\u{1b}[31mb\rc\u{8}\u{9b}\u{202e}"), "a\\u{1b}[31mb\\rc\\u{8}\\u{9b}\\u{202e}");
        assert_eq!(terminal("plain ünïcode"), "plain ünïcode");
    }

    #[test]
    fn markdown_text_cannot_open_structure() {
        let s = md_text("</details><!-- plangate:x --> | `x` [a](b)\n# h");
        assert!(!s.contains('<') && !s.contains('\n'));
        assert!(!s.contains(" | ") && !s.contains("`x`"));
    }

    #[test]
    fn code_spans_and_fences_outgrow_backticks() {
        assert_eq!(md_code("a"), "`a`");
        assert_eq!(md_code("a``b"), "``` a``b ```");
        assert_eq!(md_code("a|b"), "`a|b`");
        assert_eq!(md_fence("```\n````"), "`````");
        assert_eq!(md_fence("x"), "```");
        assert!(!md_code_line("<!-- plangate:prod -->").contains("<!--"));
    }
}
