//! The plan format: loading `terraform show -json` output into a normalized,
//! borrowed model.
//!
//! Invariants: a [`Plan`] only exists for input that is a real plan of a
//! supported `format_version` major (0 or 1) with only known actions; a change
//! is identified by its address plus deposed key; values stay borrowed
//! [`RawJson`] slices of the input until a consumer asks for them.

mod address;
mod fingerprint;
mod load;
pub mod path;
mod raw;
pub mod raw_nav;
mod scan;
mod strict;
pub mod value;

use std::borrow::Cow;
use std::fmt;

pub use raw_nav::RawJson;

pub use load::{LoadError, Source, Unverified, escape_for_message, parse_plan, parse_unverified};
pub use path::{Path, Step};

/// What Terraform will do to one resource instance (or output).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Action {
    NoOp,
    Read,
    Create,
    Update,
    Delete,
    /// `["delete","create"]`: destroy the old object, then create the new one.
    ReplaceDestroyFirst,
    /// `["create","delete"]`: create the new object, then destroy the old one.
    ReplaceCreateFirst,
    Forget,
    /// `["create","forget"]` (Terraform) or `["forget","create"]` (OpenTofu):
    /// a replacement whose old object is forgotten, not destroyed.
    ReplaceForget,
}

impl Action {
    /// Parses a plan's `actions` array. `None` for a combination Terraform
    /// and OpenTofu do not emit; the caller turns that into an error.
    pub fn from_actions<S: AsRef<str>>(actions: &[S]) -> Option<Action> {
        let a: Vec<&str> = actions.iter().map(AsRef::as_ref).collect();
        Some(match a.as_slice() {
            ["no-op"] => Action::NoOp,
            ["read"] => Action::Read,
            ["create"] => Action::Create,
            ["update"] => Action::Update,
            ["delete"] => Action::Delete,
            ["delete", "create"] => Action::ReplaceDestroyFirst,
            ["create", "delete"] => Action::ReplaceCreateFirst,
            ["forget"] => Action::Forget,
            ["create", "forget"] | ["forget", "create"] => Action::ReplaceForget,
            _ => return None,
        })
    }

    /// Whether an existing object is destroyed.
    pub fn destroys(self) -> bool {
        matches!(self, Action::Delete | Action::ReplaceDestroyFirst | Action::ReplaceCreateFirst)
    }

    pub fn is_replace(self) -> bool {
        matches!(self, Action::ReplaceDestroyFirst | Action::ReplaceCreateFirst | Action::ReplaceForget)
    }

    /// The stable name used in reports and policy files.
    pub fn name(self) -> &'static str {
        match self {
            Action::NoOp => "no-op",
            Action::Read => "read",
            Action::Create => "create",
            Action::Update => "update",
            Action::Delete => "delete",
            Action::ReplaceDestroyFirst => "replace",
            Action::ReplaceCreateFirst => "replace-create-first",
            Action::Forget => "forget",
            Action::ReplaceForget => "replace-forget",
        }
    }

    /// Terraform's own plan symbol.
    pub fn symbol(self) -> &'static str {
        match self {
            Action::NoOp => " ",
            Action::Read => "<=",
            Action::Create => "+",
            Action::Update => "~",
            Action::Delete => "-",
            Action::ReplaceDestroyFirst => "-/+",
            Action::ReplaceCreateFirst => "+/-",
            Action::Forget => ".",
            Action::ReplaceForget => "+/.",
        }
    }
}

impl serde::Serialize for Action {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Whether a change concerns a managed resource or a data source.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    Managed,
    Data,
}

/// The raw JSON values of one change, parsed on demand.
#[derive(Clone, Copy, Debug, Default)]
pub struct Values<'a> {
    pub before: Option<RawJson<'a>>,
    pub after: Option<RawJson<'a>>,
    pub after_unknown: Option<RawJson<'a>>,
    pub before_sensitive: Option<RawJson<'a>>,
    pub after_sensitive: Option<RawJson<'a>>,
}

/// One entry of `resource_changes`, `resource_drift` or `deferred_changes`.
#[derive(Debug)]
pub struct ResourceChange<'a> {
    pub address: Cow<'a, str>,
    pub previous_address: Option<Cow<'a, str>>,
    pub mode: Mode,
    pub type_: Cow<'a, str>,
    pub deposed: Option<Cow<'a, str>>,
    pub action: Action,
    /// `action_reason`, verbatim; unknown reasons are kept.
    pub reason: Option<Cow<'a, str>>,
    /// Paths whose change forces the replacement.
    pub replace_paths: Vec<Path>,
    /// `importing` was present: the object is imported (in addition to `action`).
    pub importing: bool,
    /// The `deferred_changes` reason, for deferred entries.
    pub deferred: Option<Cow<'a, str>>,
    /// The provider address is in OpenTofu's registry.
    pub provider_is_tofu: bool,
    pub values: Values<'a>,
}

impl ResourceChange<'_> {
    /// The address without its trailing instance key: `aws_instance.web[2]`
    /// becomes `aws_instance.web`; module instance keys are kept.
    pub fn resource_address(&self) -> &str {
        strip_instance_key(&self.address)
    }

    pub fn is_moved(&self) -> bool {
        self.previous_address.as_deref().is_some_and(|p| p != self.address)
    }

    /// A change that does something: not a pure no-op (a no-op that moves or
    /// imports is a change).
    pub fn is_change(&self) -> bool {
        self.action != Action::NoOp || self.importing || self.is_moved()
    }
}

/// Strips the trailing `[...]` instance key of an address, if any.
pub fn strip_instance_key(address: &str) -> &str {
    if !address.ends_with(']') {
        return address;
    }
    // Walk back to the `[` that opens the last key, skipping quoted strings.
    let bytes = address.as_bytes();
    let mut i = bytes.len() - 1;
    let mut in_string = false;
    while i > 0 {
        i -= 1;
        let c = bytes[i];
        if c == b'"' && !is_escaped(bytes, i) {
            in_string = !in_string;
        } else if c == b'[' && !in_string {
            return &address[..i];
        }
    }
    address
}

fn is_escaped(bytes: &[u8], i: usize) -> bool {
    let mut n = 0;
    let mut j = i;
    while j > 0 && bytes[j - 1] == b'\\' {
        n += 1;
        j -= 1;
    }
    n % 2 == 1
}

/// One entry of `output_changes`.
#[derive(Debug)]
pub struct OutputChange<'a> {
    pub name: Cow<'a, str>,
    pub action: Action,
    /// The output is declared `sensitive` (or its change is marked so).
    pub sensitive: bool,
    pub values: Values<'a>,
}

/// One managed resource instance of the plan's resulting state
/// (`planned_values`): what it will look like after apply, changed or not.
#[derive(Debug)]
pub struct StateResource<'a> {
    pub address: Cow<'a, str>,
    pub type_: Cow<'a, str>,
    /// `values`, raw; unknown attributes are absent.
    pub values: Option<RawJson<'a>>,
    /// `sensitive_values`, the sensitivity mirror of `values`.
    pub sensitive: Option<RawJson<'a>>,
}

/// `errored` / `complete` / `applyable` as the plan states them (absent in
/// older Terraform and in OpenTofu).
#[derive(Clone, Copy, Debug, Default)]
pub struct Status {
    pub errored: Option<bool>,
    pub complete: Option<bool>,
    pub applyable: Option<bool>,
}

/// A loaded plan.
#[derive(Debug)]
pub struct Plan<'a> {
    /// What to call the plan in messages: its path, or `<stdin>`.
    pub name: String,
    pub format_version: Option<Cow<'a, str>>,
    pub terraform_version: Option<Cow<'a, str>>,
    pub opentofu: bool,
    pub changes: Vec<ResourceChange<'a>>,
    pub drift: Vec<ResourceChange<'a>>,
    pub deferred: Vec<ResourceChange<'a>>,
    pub outputs: Vec<OutputChange<'a>>,
    /// The managed resources of `planned_values` (root and child modules);
    /// `None` when the plan has no `planned_values`.
    pub resulting: Option<Vec<StateResource<'a>>>,
    pub status: Status,
    /// Values of root variables declared `sensitive`.
    pub sensitive_variables: Vec<(Cow<'a, str>, RawJson<'a>)>,
    /// Addresses named by `relevant_attributes`; `None` when the plan has no
    /// such key (before Terraform 1.2), which means "all drift is relevant".
    pub relevant: Option<Vec<Cow<'a, str>>>,
    /// The `sha256:` digest of what the plan will apply (see `fingerprint`).
    pub digest: Digest<'a>,
}

/// A plan's digest, computed from its text once the fail-closed scan has
/// accepted it (possibly on another thread while the plan is being
/// reviewed), and only when someone asks: it hashes the whole plan.
pub struct Digest<'a> {
    text: &'a str,
    /// The scan's top-level members and whether the text is compact; `None`
    /// when the scan refused the text (or did not finish).
    scanned: std::sync::OnceLock<Option<scan::Scanned>>,
    value: std::sync::OnceLock<String>,
}

impl<'a> Digest<'a> {
    pub(super) fn new(text: &'a str) -> Digest<'a> {
        Digest { text, scanned: std::sync::OnceLock::new(), value: std::sync::OnceLock::new() }
    }

    /// The digest, waiting until the plan is scanned. Every plan from
    /// [`parse_plan`] is; an [`Unverified`] plan is scanned by `verify`.
    /// Empty for a plan the scan refused (which nobody may show).
    pub fn get(&self) -> &str {
        self.value.get_or_init(|| match self.scanned.wait() {
            Some(s) => fingerprint::digest(self.text.as_bytes(), &s.members, s.compact),
            None => String::new(),
        })
    }

    /// Records the scan's result unless one is recorded already.
    pub(super) fn scanned(&self, scanned: Option<scan::Scanned>) {
        let _ = self.scanned.set(scanned);
    }
}

impl std::fmt::Debug for Digest<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Digest").field(&self.value.get()).finish()
    }
}

impl Plan<'_> {
    /// Whether the plan would do anything at all.
    pub fn has_changes(&self) -> bool {
        self.changes.iter().any(ResourceChange::is_change)
            || self.outputs.iter().any(|o| o.action != Action::NoOp)
            || !self.deferred.is_empty()
    }
}
