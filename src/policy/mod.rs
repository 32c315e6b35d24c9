//! Policy: what is stateful, what is disruptive, custom rules, level
//! overrides, exceptions and compare settings, validated from TOML files.
//!
//! Precedence (documented in `docs/policy.md`): files are read in order, the
//! built-in pack first, then each `--policy` path as given (a directory's
//! `*.toml` files by name); entries and rules add up, and for a single-valued
//! setting (a level override) the last file wins. An unexpired exception
//! whose rule and address match a finding waives it, whatever its level.

mod builtin;
pub mod parity;
mod parse;
pub mod pattern;
pub(crate) mod replace;
pub mod show;

use std::collections::BTreeMap;
use std::fmt;

use crate::rules::{FindingId, Level, RuleId};

pub use builtin::BUILTIN_FILES;
pub use parity::{AttrPath, Comparison, Direction, OneWay, Outcome, Parity};
pub use parse::{Problem, load_paths, parse_str};
pub use pattern::{AddressGlob, PathPattern, TypeGlob};

/// Where a policy item was written: file and 1-based line.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Origin {
    pub file: String,
    pub line: usize,
}

/// How the built-in pack's files are named in origins (`builtin:aws.toml`).
pub const BUILTIN_PREFIX: &str = "builtin:";

impl Origin {
    /// Whether the item comes from the built-in pack, not a user's file.
    pub fn is_builtin(&self) -> bool {
        self.file.starts_with(BUILTIN_PREFIX)
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file, self.line)
    }
}

/// A calendar date (`expires`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Date {
    pub year: i32,
    pub month: u32,
    pub day: u32,
}

impl Date {
    /// Parses `YYYY-MM-DD`, checking the day exists.
    pub fn parse(s: &str) -> Option<Date> {
        let mut it = s.split('-');
        let (y, m, d) = (it.next()?, it.next()?, it.next()?);
        if it.next().is_some() || y.len() != 4 || m.len() != 2 || d.len() != 2 {
            return None;
        }
        Date::new(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?)
    }

    pub fn new(year: i32, month: u32, day: u32) -> Option<Date> {
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
        let days = match month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if leap => 29,
            2 => 28,
            _ => return None,
        };
        (1..=days).contains(&day).then_some(Date { year, month, day })
    }

    /// The civil date of a count of days since 1970-01-01 (Howard Hinnant's
    /// `civil_from_days`).
    pub fn from_unix_days(z: i64) -> Date {
        let z = z + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        let year = (yoe + era * 400 + i64::from(month <= 2)) as i32;
        Date { year, month, day }
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// Which plan a rule looks at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EnvScope {
    Prod,
    Staging,
    Any,
}

/// The action selectors a `[[rule]]` may name.
pub const ACTION_SELECTORS: &[&str] =
    &["create", "read", "update", "delete", "replace", "forget", "import", "move", "no-op"];

/// `[[stateful]]`: resources whose destruction loses data.
#[derive(Debug)]
pub struct Stateful {
    pub type_: Option<TypeGlob>,
    pub address: Option<AddressGlob>,
    pub reason: String,
    pub origin: Origin,
}

/// `[[disruptive]]`: in-place updates that disrupt.
#[derive(Debug)]
pub struct Disruptive {
    pub type_: TypeGlob,
    pub address: Option<AddressGlob>,
    pub paths: Vec<PathPattern>,
    pub reason: String,
    pub origin: Origin,
}

/// `[[rule]]`: a custom finding.
#[derive(Debug)]
pub struct Rule {
    pub id: String,
    pub level: Level,
    pub message: String,
    pub type_: Option<TypeGlob>,
    pub address: Option<AddressGlob>,
    pub actions: Vec<String>,
    pub reasons: Vec<String>,
    pub paths: Vec<PathPattern>,
    pub env: EnvScope,
    pub origin: Origin,
}

/// `[[exception]]`: waives one rule's findings for matching addresses.
#[derive(Debug)]
pub struct Exception {
    pub rule: FindingId,
    pub address: AddressGlob,
    pub reason: String,
    pub expires: Option<Date>,
    pub origin: Origin,
}

/// `[[compare.map]]`: prod address fragment <-> staging address fragment.
#[derive(Debug, Clone)]
pub struct AddressMap {
    pub prod: String,
    pub staging: String,
    pub origin: Origin,
}

/// `[[compare.replace]]`: an environment token in staging and its prod
/// counterpart (`stg` / `prd`), substituted whole in staging's values, paths,
/// lines and addresses before they are compared with prod's.
#[derive(Debug, Clone)]
pub struct TokenPair {
    pub staging: String,
    pub prod: String,
    pub reason: Option<String>,
    pub origin: Origin,
}

/// `[levels]` entry.
#[derive(Debug, Clone)]
pub struct LevelOverride {
    pub level: Level,
    pub origin: Origin,
}

/// The validated, merged policy.
#[derive(Debug, Default)]
pub struct Policy {
    /// The files read, in order.
    pub files: Vec<String>,
    pub stateful: Vec<Stateful>,
    pub disruptive: Vec<Disruptive>,
    pub rules: Vec<Rule>,
    pub levels: BTreeMap<FindingId, LevelOverride>,
    pub exceptions: Vec<Exception>,
    pub ignore_paths: Vec<PathPattern>,
    pub address_maps: Vec<AddressMap>,
    /// `[[parity]]`: kind attributes per resource type.
    pub parity: Vec<Parity>,
    /// `[[one_way]]`: edits a rollback cannot undo.
    pub one_way: Vec<OneWay>,
    /// Environment tokens, in the order the files declare them.
    pub replace: Vec<TokenPair>,
    /// One glob set over the type patterns of `stateful`, built on first use
    /// (a plan asks once per change; 200 single globs per ask was the
    /// review's hottest path).
    stateful_types: std::sync::OnceLock<globset::GlobSet>,
}

impl Policy {
    /// The first `[[stateful]]` entry matching a resource.
    pub fn stateful_for(&self, type_: &str, address: &str) -> Option<&Stateful> {
        let set = self.stateful_types.get_or_init(|| {
            let mut b = globset::GlobSetBuilder::new();
            for s in &self.stateful {
                match &s.type_ {
                    Some(t) => b.add(t.glob().clone()),
                    None => b.add(globset::Glob::new("*").expect("`*` is a valid glob")),
                };
            }
            b.build().unwrap_or_else(|_| globset::GlobSet::empty())
        });
        let mut hits = set.matches(type_);
        hits.sort_unstable();
        hits.into_iter().map(|i| &self.stateful[i]).find(|s| s.address.as_ref().is_none_or(|g| g.is_match(address)))
    }

    /// The level of a built-in id after `[levels]` overrides (else the
    /// registry's default), and the override's origin.
    pub fn builtin_level(&self, id: RuleId) -> (Level, Option<&Origin>) {
        match self.levels.get(&FindingId::Builtin(id)) {
            Some(o) => (o.level, Some(&o.origin)),
            None => (id.level(), None),
        }
    }

    /// The level of a custom rule's findings after `[levels]` overrides
    /// (else the rule's own `level`), and the override's origin.
    pub fn rule_level(&self, rule: &Rule) -> (Level, Option<&Origin>) {
        match self.levels.get(&FindingId::Custom(rule.id.clone())) {
            Some(o) => (o.level, Some(&o.origin)),
            None => (rule.level, None),
        }
    }

    /// Maps a prod address to the staging address it corresponds to.
    pub fn map_to_staging(&self, prod_address: &str) -> Option<String> {
        self.rewrite(prod_address, |m| (&m.prod, &m.staging))
    }

    /// Maps a staging address to its prod counterpart (the reverse of
    /// [`Policy::map_to_staging`]).
    pub fn map_to_prod(&self, staging_address: &str) -> Option<String> {
        self.rewrite(staging_address, |m| (&m.staging, &m.prod))
    }

    /// Applies every `[[compare.map]]` in order; `None` when none applied.
    fn rewrite(&self, address: &str, from_to: impl Fn(&AddressMap) -> (&String, &String)) -> Option<String> {
        let mut out = address.to_owned();
        let mut changed = false;
        for m in &self.address_maps {
            let (from, to) = from_to(m);
            if out.contains(from.as_str()) {
                out = out.replace(from.as_str(), to);
                changed = true;
            }
        }
        changed.then_some(out)
    }

    /// Whether an attribute path is ignored by `[compare] ignore_paths`.
    pub fn ignores(&self, path: &crate::plan::Path) -> bool {
        self.ignore_paths.iter().any(|p| p.matches(path))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::RuleId;

    #[test]
    fn levels_are_the_registry_default_unless_overridden_last_file_wins() {
        let none = parse_str("p.toml", "").unwrap();
        for r in crate::rules::RULES {
            assert_eq!(none.builtin_level(r.id), (r.level, None), "{}", r.id);
        }
        let p = parse::parse_files(&[
            ("a.toml", "[levels]\ndestructive = \"block\"\ndrift = \"warn\"\n"),
            ("b.toml", "[levels]\ndrift = \"info\"\nmy-rule = \"block\"\n"),
            (
                "c.toml",
                "[[rule]]\nid = \"my-rule\"\nlevel = \"warn\"\nmessage = \"m\"\n\
                 [[rule]]\nid = \"other\"\nlevel = \"warn\"\nmessage = \"m\"\n",
            ),
        ])
        .unwrap();
        let at = |file: &str, line| Some(Origin { file: file.into(), line });
        assert_eq!(p.builtin_level(RuleId::Destructive), (Level::Block, at("a.toml", 2).as_ref()));
        assert_eq!(p.builtin_level(RuleId::Drift), (Level::Info, at("b.toml", 2).as_ref()));
        assert_eq!(p.builtin_level(RuleId::StatefulDestroy), (Level::Block, None));
        assert_eq!(p.rule_level(&p.rules[0]), (Level::Block, at("b.toml", 3).as_ref()));
        assert_eq!(p.rule_level(&p.rules[1]), (Level::Warn, None));
    }

    #[test]
    fn level_overrides_win_over_defaults() {
        let p = parse_str(
            "p.toml",
            "[[rule]]\nid = \"mine\"\nlevel = \"info\"\nmessage = \"m\"\n\n[[rule]]\nid = \"other\"\nlevel = \"warn\"\nmessage = \"m\"\n\n\
             [levels]\ndestructive = \"block\"\nstaging-only = \"warn\"\nmine = \"block\"\n",
        )
        .unwrap();
        for (id, want, overridden) in [
            (RuleId::Destructive, Level::Block, true),
            (RuleId::StagingOnly, Level::Warn, true),
            (RuleId::Drift, Level::Info, false),
            (RuleId::StatefulDestroy, Level::Block, false),
        ] {
            let (level, origin) = p.builtin_level(id);
            assert_eq!((level, origin.is_some()), (want, overridden), "{id}");
        }
        let (mine, other) = (&p.rules[0], &p.rules[1]);
        assert_eq!(p.rule_level(mine).0, Level::Block);
        assert_eq!(p.rule_level(other), (Level::Warn, None));
    }

    #[test]
    fn only_builtin_files_are_builtin_origins() {
        for (file, builtin) in [("builtin:aws.toml", true), ("p.toml", false), ("dir/builtin:x.toml", false)] {
            assert_eq!(Origin { file: file.into(), line: 1 }.is_builtin(), builtin, "{file}");
        }
    }

    #[test]
    fn dates_are_checked() {
        assert_eq!(Date::parse("2024-02-29"), Some(Date { year: 2024, month: 2, day: 29 }));
        assert_eq!(Date::parse("2023-02-29"), None);
        assert_eq!(Date::parse("2023-13-01"), None);
        assert_eq!(Date::parse("2023-1-01"), None);
        for bad in
            ["2024-02-29-01", "24-02-01", "02024-02-01", "2024-002-01", "2024-02-1", "2024-02-001", "2024-02", ""]
        {
            assert_eq!(Date::parse(bad), None, "{bad}");
        }
        assert_eq!(Date::parse("2100-02-29"), None, "a century is not a leap year");
        assert_eq!(Date::parse("2000-02-29"), Some(Date { year: 2000, month: 2, day: 29 }), "unless it divides by 400");
        assert_eq!(Date::parse("2023-04-31"), None);
        assert_eq!(Date::parse("2023-12-31"), Some(Date { year: 2023, month: 12, day: 31 }));
    }

    /// Every day from 1900 to 2400 (centuries, the 400-year era boundary,
    /// year ends), against a naive day-by-day calendar.
    #[test]
    fn unix_days_to_civil_day_by_day() {
        let next = |d: Date| {
            Date::new(d.year, d.month, d.day + 1).or_else(|| Date::new(d.year, d.month + 1, 1)).unwrap_or(Date {
                year: d.year + 1,
                month: 1,
                day: 1,
            })
        };
        let mut want = Date { year: 1900, month: 1, day: 1 };
        for z in -25_567..157_000 {
            assert_eq!(Date::from_unix_days(z), want, "day {z}");
            want = next(want);
        }
        assert_eq!(want.year, 2399);
    }

    #[test]
    fn unix_days_to_civil() {
        assert_eq!(Date::from_unix_days(0).to_string(), "1970-01-01");
        assert_eq!(Date::from_unix_days(20_416).to_string(), "2025-11-24");
        assert_eq!(Date::from_unix_days(11_016).to_string(), "2000-02-29");
    }
}
