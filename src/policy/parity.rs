//! `[[parity]]` (kind attributes that must match between staging and prod)
//! and `[[one_way]]` (edits that promoting the previous artifact cannot
//! undo): the validated policy entries.
//!
//! Attribute paths in both tables are dotted keys with list indices folded:
//! `settings.ip_configuration.ipv4_enabled` names that leaf in every element
//! of the `settings` and `ip_configuration` blocks, the way provider docs
//! name nested attributes.

use std::fmt;

use super::{Origin, TypeGlob};

/// A dotted attribute path whose lists are folded (`settings.disk_size`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AttrPath {
    pub text: String,
    pub keys: Vec<String>,
}

impl AttrPath {
    pub fn new(text: &str) -> Result<AttrPath, String> {
        let bad = |why: &str| Err(format!("bad attribute `{text}`: {why}"));
        if text.is_empty() {
            return bad("it is empty");
        }
        let keys: Vec<String> = text.split('.').map(str::to_owned).collect();
        if keys.iter().any(String::is_empty) {
            return bad("empty step (two dots, or a dot at an end)");
        }
        if text.contains(['[', ']', '*', '?', '"', '{', '}']) {
            return bad(
                "write dotted attribute names; list indices are folded (`settings.tier`, not `settings[0].tier`)",
            );
        }
        Ok(AttrPath { text: text.to_owned(), keys })
    }
}

impl fmt::Display for AttrPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// How a `[[parity]]` attribute is compared.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Comparison {
    /// Equal after environment-token normalization.
    Exact,
    /// The same leading version parts: `Some(n)` parts, or `None` for the
    /// family rule (1 part from 10 on, else 2: PostgreSQL 15 / 9.6, MySQL
    /// 8.0, Kubernetes 1.29).
    Major(Option<u8>),
    /// Set in both or in neither.
    Presence,
}

impl Comparison {
    pub fn name(self) -> &'static str {
        match self {
            Comparison::Exact => "exact",
            Comparison::Major(_) => "major",
            Comparison::Presence => "presence",
        }
    }
}

/// `[[parity]]`: kind attributes of a resource type.
#[derive(Debug)]
pub struct Parity {
    pub type_: TypeGlob,
    pub attributes: Vec<AttrPath>,
    pub compare: Comparison,
    pub reason: String,
    pub source: Option<String>,
    pub origin: Origin,
}

/// Which way an edit goes for a `[[one_way]]` entry to apply.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// A number (or size such as `20Gi`) grows.
    Increase,
    Decrease,
    /// A version grows, compared as a version (`9.6 < 10.1`).
    Upgrade,
    Downgrade,
    /// Becomes `true`.
    Enable,
    /// Stops being `true`.
    Disable,
    /// A set value takes another value.
    Change,
    /// An unset (null, empty) value becomes set.
    Set,
}

pub const DIRECTIONS: &[&str] = &["increase", "decrease", "upgrade", "downgrade", "enable", "disable", "change", "set"];

impl Direction {
    pub fn parse(s: &str) -> Option<Direction> {
        Some(match s {
            "increase" => Direction::Increase,
            "decrease" => Direction::Decrease,
            "upgrade" => Direction::Upgrade,
            "downgrade" => Direction::Downgrade,
            "enable" => Direction::Enable,
            "disable" => Direction::Disable,
            "change" => Direction::Change,
            "set" => Direction::Set,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        DIRECTIONS[self as usize]
    }
}

/// What promoting the previous artifact would do after a one-way edit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// The provider plans a replacement (destroy and create).
    Replace,
    /// The API refuses the old value at apply.
    Error,
    /// What the edit removed is gone; the old value does not bring it back.
    DataLoss,
    /// The old value can be set again only after a cooldown.
    Wait,
}

pub const OUTCOMES: &[&str] = &["replace", "error", "data-loss", "wait"];

impl Outcome {
    pub fn parse(s: &str) -> Option<Outcome> {
        Some(match s {
            "replace" => Outcome::Replace,
            "error" => Outcome::Error,
            "data-loss" => Outcome::DataLoss,
            "wait" => Outcome::Wait,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        OUTCOMES[self as usize]
    }

    /// What promoting the previous artifact would do, in words.
    pub fn rollback(self) -> &'static str {
        match self {
            Outcome::Replace => "the provider would replace the resource (destroy and create it)",
            Outcome::Error => "the API refuses the old value: the rollback apply fails",
            Outcome::DataLoss => "what this edit removes is lost; setting the old value back does not restore it",
            Outcome::Wait => "the old value can be set again only after a cooldown",
        }
    }
}

/// `[[one_way]]`: an edit the previous artifact cannot undo.
#[derive(Debug)]
pub struct OneWay {
    pub type_: TypeGlob,
    pub path: AttrPath,
    pub direction: Direction,
    /// Only when the old value is one of these (display strings).
    pub from: Vec<String>,
    /// Only when the new value is one of these.
    pub to: Vec<String>,
    pub outcome: Outcome,
    pub reason: String,
    pub source: String,
    pub origin: Origin,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attr_paths_are_dotted_keys() {
        assert_eq!(AttrPath::new("settings.disk_size").unwrap().keys, ["settings", "disk_size"]);
        for bad in ["", "a..b", ".a", "a.", "settings[0].tier", "a.*"] {
            assert!(AttrPath::new(bad).is_err(), "{bad} should fail");
        }
    }

    #[test]
    fn names_round_trip() {
        for d in DIRECTIONS {
            assert_eq!(Direction::parse(d).unwrap().name(), *d);
        }
        for o in OUTCOMES {
            assert_eq!(Outcome::parse(o).unwrap().name(), *o);
        }
        assert!(Direction::parse("grow").is_none() && Outcome::parse("silent").is_none());
    }
}
