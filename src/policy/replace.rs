//! Environment-token normalization (`[[compare.replace]]`): staging's
//! `stg` becomes prod's `prd` before anything of staging's is compared with
//! prod's, so names that differ only by environment compare equal.
//!
//! Invariants: a token is replaced only whole, bounded on both sides by a
//! character that is not alphanumeric or by the end of the string
//! (`app-stg-db`, `stg_eu` change; `postgres`, `product` do not); one pass
//! over the string, so a replacement is never replaced again; where two
//! tokens could start at the same place, the pair declared last (a user's
//! file after the built-in pack) wins.

use std::borrow::Cow;

use super::Policy;

impl Policy {
    /// `s` (a staging value, path, line or address) with every staging token
    /// of `[[compare.replace]]` replaced by its prod counterpart.
    pub fn normalize_staging<'s>(&self, s: &'s str) -> Cow<'s, str> {
        replace_tokens(s, self.replace.iter().rev().map(|p| (p.staging.as_str(), p.prod.as_str())))
    }
}

fn is_word(c: char) -> bool {
    c.is_alphanumeric()
}

/// Replaces whole tokens; `pairs` in order of precedence.
pub(crate) fn replace_tokens<'s, 'p>(
    s: &'s str,
    pairs: impl Iterator<Item = (&'p str, &'p str)> + Clone,
) -> Cow<'s, str> {
    if !pairs.clone().any(|(from, _)| s.contains(from)) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    let mut changed = false;
    let mut i = 0;
    // Whether the character before `i` bounds a token.
    let mut bounded = true;
    while i < s.len() {
        if bounded {
            let rest = &s[i..];
            let hit = pairs.clone().find(|(from, _)| {
                rest.starts_with(from) && rest[from.len()..].chars().next().is_none_or(|c| !is_word(c))
            });
            if let Some((from, to)) = hit {
                out.push_str(to);
                i += from.len();
                changed = true;
                bounded = from.chars().next_back().is_none_or(|c| !is_word(c));
                continue;
            }
        }
        let c = s[i..].chars().next().expect("i is a char boundary below len");
        out.push(c);
        bounded = !is_word(c);
        i += c.len_utf8();
    }
    if changed { Cow::Owned(out) } else { Cow::Borrowed(s) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(s: &str, pairs: &[(&str, &str)]) -> String {
        replace_tokens(s, pairs.iter().copied()).into_owned()
    }

    #[test]
    fn tokens_are_replaced_whole() {
        let builtin = [("staging", "prod"), ("stg", "prd")];
        let cases = [
            ("app-stg-db", "app-prd-db"),
            ("stg_eu", "prd_eu"),
            ("stg", "prd"),
            ("eu.stg", "eu.prd"),
            ("postgres", "postgres"),
            ("product", "product"),
            ("stgx", "stgx"),
            ("xstg", "xstg"),
            ("1stg", "1stg"),
            ("stg1", "stg1"),
            ("éstg", "éstg"),
            ("staging.example.com", "prod.example.com"),
            ("module.app[\"staging\"].aws_s3_bucket.b", "module.app[\"prod\"].aws_s3_bucket.b"),
            ("stg-stg stg", "prd-prd prd"),
            ("", ""),
            ("no tokens here", "no tokens here"),
        ];
        for (input, want) in cases {
            assert_eq!(norm(input, &builtin), want, "input {input:?}");
        }
    }

    #[test]
    fn first_pair_in_precedence_order_wins_and_replacements_are_final() {
        // A user pair declared after the built-in one comes first here.
        assert_eq!(norm("staging-db", &[("staging", "production"), ("staging", "prod")]), "production-db");
        // The replacement is not itself replaced by a later pair.
        assert_eq!(norm("a-stg", &[("stg", "staging"), ("staging", "prod")]), "a-staging");
        // Account ids, bounded by `:`.
        assert_eq!(
            norm("arn:aws:iam::111111111111:role/x", &[("111111111111", "222222222222")]),
            "arn:aws:iam::222222222222:role/x"
        );
        assert_eq!(norm("1111111111119", &[("111111111111", "222222222222")]), "1111111111119");
    }

    #[test]
    fn unchanged_strings_are_borrowed() {
        assert!(matches!(replace_tokens("postgres", [("stg", "prd")].into_iter()), Cow::Borrowed(_)));
        assert!(matches!(replace_tokens("x-stg", [("stg", "prd")].into_iter()), Cow::Owned(_)));
    }
}
