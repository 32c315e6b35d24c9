//! Reading plan files: recognising what is *not* a plan, and turning the raw
//! serde model into the normalized one.
//!
//! Every failure is a [`LoadError`] naming the file, what was wrong and what
//! to do; nothing here panics on any input.

use std::borrow::Cow;
use std::fmt;
use std::io::Read;
use std::ops::Range;

use serde_json::Value;

use super::raw::{Chunked, RawChange, RawPlan, RawResourceChange, RawStateModule};
use super::{Action, Mode, OutputChange, Path, Plan, ResourceChange, StateResource, Status, Values};

/// The bytes of one input file and the name to report it by.
pub struct Source {
    pub name: String,
    data: Data,
}

enum Data {
    Owned(Vec<u8>),
    Mapped(memmap2::Mmap),
}

/// Files at least this large are memory-mapped instead of read: the plan
/// is then parsed straight from the page cache, with no copy.
const MAP_THRESHOLD: u64 = 1 << 20;

impl Source {
    /// A source from bytes already in memory.
    pub fn new(name: impl Into<String>, bytes: Vec<u8>) -> Source {
        Source { name: name.into(), data: Data::Owned(bytes) }
    }

    pub fn bytes(&self) -> &[u8] {
        match &self.data {
            Data::Owned(v) => v,
            Data::Mapped(m) => m,
        }
    }

    /// Reads `path`, or standard input for `-`.
    pub fn read(path: &str) -> Result<Source, LoadError> {
        let fail = |name: &str, e: std::io::Error| {
            LoadError::new(name, format!("cannot read the file: {e}; check the path and its permissions"))
        };
        if path == "-" {
            let mut bytes = Vec::new();
            std::io::stdin().read_to_end(&mut bytes).map_err(|e| fail("<stdin>", e))?;
            return Ok(Source::new("<stdin>", bytes));
        }
        let file = std::fs::File::open(path).map_err(|e| fail(path, e))?;
        let meta = file.metadata().map_err(|e| fail(path, e))?;
        if meta.is_dir() {
            return Err(LoadError::new(path, "this is a directory, not a plan file"));
        }
        if meta.is_file() && meta.len() >= MAP_THRESHOLD {
            // SAFETY: the map is read-only and private to this process. If
            // another process truncates the file while we read it, the OS
            // raises SIGBUS and plangate dies (exit status not 0 or 1), so a
            // gate still never passes on a half-read plan.
            if let Ok(map) = unsafe { memmap2::Mmap::map(&file) } {
                return Ok(Source { name: path.to_owned(), data: Data::Mapped(map) });
            }
        }
        let mut bytes = Vec::with_capacity(meta.len() as usize);
        let mut file = file;
        file.read_to_end(&mut bytes).map_err(|e| fail(path, e))?;
        Ok(Source::new(path, bytes))
    }

    /// Tells the OS that the bytes at `range` of [`Source::bytes`] will not
    /// be read again soon, so that the pages of a memory-mapped file there
    /// need not stay resident (a page read again is read back from the
    /// page cache). For `prior_state`, a quarter of a large plan, which
    /// nothing reads after the parse but the digest, when one is shown.
    fn release(&self, range: Range<usize>) {
        #[cfg(unix)]
        if let Data::Mapped(map) = &self.data
            && let Some(pages) = whole_pages(range, map.len())
        {
            // SAFETY: the map is a read-only mapping of the file, so dropping
            // its pages changes no byte anyone can read: a page read again is
            // read back from the file, like any page of the map that the OS
            // has evicted.
            let _ = unsafe { map.unchecked_advise_range(memmap2::UncheckedAdvice::DontNeed, pages.start, pages.len()) };
        }
        #[cfg(not(unix))]
        let _ = range;
    }
}

/// The whole 4 KiB pages inside `range`, if any, and only if `range` lies
/// inside a map of `len` bytes (offsets from its page-aligned start).
#[cfg_attr(not(unix), allow(dead_code))]
fn whole_pages(range: Range<usize>, len: usize) -> Option<Range<usize>> {
    const PAGE: usize = 4096;
    let (start, end) = (range.start.next_multiple_of(PAGE), range.end / PAGE * PAGE);
    (start < end && range.end <= len).then_some(start..end)
}

/// Why a file could not be used as a plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadError {
    pub file: String,
    pub message: String,
}

impl LoadError {
    pub fn new(file: &str, message: impl Into<String>) -> LoadError {
        LoadError { file: file.to_owned(), message: message.into() }
    }
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}`: {}", self.file, self.message)
    }
}

impl std::error::Error for LoadError {}

const SHOW_JSON: &str = "produce the plan JSON with `terraform show -json PLANFILE > plan.json` (or `tofu show -json`)";

/// Parses, normalizes and verifies a plan. The returned plan borrows from
/// `source`.
pub fn parse_plan(source: &Source) -> Result<Plan<'_>, LoadError> {
    let unverified = parse_unverified(source)?;
    unverified.verify(false)?;
    Ok(unverified.plan)
}

/// A plan serde has read and normalized, whose text the fail-closed scan
/// (`scan.rs`) has not checked yet, so whose digest cannot be computed yet.
///
/// It lets a caller review the plan while [`Unverified::verify`] runs on
/// another core; the caller must then discard everything derived from the
/// plan when `verify` refuses it, before anything is shown. Until `verify`
/// has run, reading the plan's digest waits, so `verify` must be started
/// before (or beside) anything that needs it.
pub struct Unverified<'a> {
    pub plan: Plan<'a>,
    text: &'a str,
    /// The file `text` is read from.
    source: &'a Source,
    /// Where `prior_state`'s value is in `text`: the scan steps over it,
    /// and nothing reads it after `verify` (which computes the digest, when
    /// asked, first), so its pages are then released.
    prior_state: Option<Range<usize>>,
    /// The one-pass reader (`strict.rs`) read the plan, so the scan's
    /// checks are done and its result recorded.
    scanned: bool,
}

impl Unverified<'_> {
    /// Scans the text (see `scan.rs`), after which the plan's digest can be
    /// computed; with `digest`, computes it here too, so that whoever reads
    /// it later does not wait. The scan's result is recorded even when it
    /// refuses the text or this panics, so a review waiting for the digest
    /// never hangs.
    pub fn verify(&self, digest: bool) -> Result<(), LoadError> {
        struct SetOnExit<'d, 'a>(&'d super::Digest<'a>);
        impl Drop for SetOnExit<'_, '_> {
            fn drop(&mut self) {
                self.0.scanned(None);
            }
        }
        let _guard = SetOnExit(&self.plan.digest);
        if !self.scanned {
            let scanned = super::scan::scan_text(self.text, self.prior_state.clone())
                .map_err(|e| LoadError::new(&self.plan.name, e.message()))?;
            self.plan.digest.scanned(Some(scanned));
        }
        if digest {
            self.plan.digest.get();
        }
        if let Some(range) = &self.prior_state {
            // `text` is `source`'s bytes but for any byte order mark.
            let offset = self.text.as_ptr() as usize - self.source.bytes().as_ptr() as usize;
            self.source.release(range.start + offset..range.end + offset);
        }
        Ok(())
    }
}

/// Parses and normalizes a plan, all but [`Unverified::verify`].
pub fn parse_unverified(source: &Source) -> Result<Unverified<'_>, LoadError> {
    let name = source.name.as_str();
    // A UTF-8 byte order mark (Windows editors, PowerShell 7's
    // `Out-File -Encoding utf8BOM`) is not part of the JSON.
    let bytes = source.bytes();
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    sniff(name, bytes)?;
    // Validated once here, so serde reads the text without checking each
    // string again.
    let text = super::scan::utf8(bytes).map_err(|e| LoadError::new(name, e.message()))?;
    // One pass reads the plan and does the scan's checks; a plan it does
    // not accept is read the slow way (serde, then the scan in `verify`),
    // which says what is wrong with it.
    let (raw, scanned) = match super::strict::read::<RawPlan<'_>>(text) {
        Some((raw, scanned)) => (raw, Some(scanned)),
        None => (serde_json::from_str(text).map_err(|e| json_error(name, bytes, &e))?, None),
    };
    identify(name, &raw)?;
    let prior_state = raw.prior_state.and_then(|v| slice_range(text, v.get()));
    let plan = normalize(name, text, raw)?;
    let read_in_one_pass = scanned.is_some();
    if let Some(scanned) = scanned {
        plan.digest.scanned(Some(scanned));
    }
    Ok(Unverified { plan, text, source, prior_state, scanned: read_in_one_pass })
}

/// Where `part`, a slice of `text`, is in it (were it not a slice of it,
/// the scan would look into it like everything else).
fn slice_range(text: &str, part: &str) -> Option<Range<usize>> {
    let start = (part.as_ptr() as usize).checked_sub(text.as_ptr() as usize)?;
    let range = start..start + part.len();
    text.get(range.clone()).is_some_and(|t| std::ptr::eq(t, part)).then_some(range)
}

/// Rejects, before JSON parsing, the inputs that are recognisably not JSON.
fn sniff(name: &str, bytes: &[u8]) -> Result<(), LoadError> {
    let text_start = bytes.iter().position(|b| !b.is_ascii_whitespace()).map(|i| &bytes[i..]);
    let Some(start) = text_start else {
        return Err(LoadError::new(name, format!("the file is empty; {SHOW_JSON}")));
    };
    if is_utf16(bytes) {
        return Err(LoadError::new(
            name,
            "this file is UTF-16 text (what Windows PowerShell 5's `>` and `Out-File` write), not UTF-8; \
             write the plan as UTF-8: `terraform show -json PLANFILE | Out-File -Encoding utf8 plan.json` \
             in PowerShell 5, or `>` in PowerShell 7 or cmd.exe",
        ));
    }
    if bytes.starts_with(b"PK\x03\x04") {
        return Err(LoadError::new(
            name,
            format!("this is a binary plan file (the zip that `terraform plan -out` writes), not JSON; {SHOW_JSON}"),
        ));
    }
    let head = &bytes[..bytes.len().min(8192)];
    if head.contains(&0) || std::str::from_utf8(head).is_err() && head.len() < 8192 {
        return Err(LoadError::new(name, format!("this is a binary file, not plan JSON; {SHOW_JSON}")));
    }
    if start.starts_with(b"[command]") || contains(head, b"::set-output") || contains(head, b"::debug::") {
        return Err(LoadError::new(
            name,
            "the JSON is wrapped in hashicorp/setup-terraform wrapper output (`[command]`, `::set-output` lines); \
             set `terraform_wrapper: false` on the setup-terraform step, or write the file with \
             `terraform show -json PLANFILE > plan.json`",
        ));
    }
    if start[0] != b'{' && start[0] != b'[' {
        let text = String::from_utf8_lossy(head);
        let looks_like_text_plan = [
            "Terraform will perform",
            "Terraform used the selected providers",
            "OpenTofu will perform",
            "OpenTofu used the selected providers",
            "No changes.",
            "Plan: ",
            "# ",
        ]
        .iter()
        .any(|m| text.contains(m));
        let is_json = serde_json::from_slice::<serde::de::IgnoredAny>(bytes).is_ok();
        let what = if looks_like_text_plan {
            "this is a human-readable plan, not plan JSON"
        } else if is_json {
            "the JSON document is not an object, so it is not a plan"
        } else {
            "this is not JSON"
        };
        return Err(LoadError::new(name, format!("{what}; {SHOW_JSON}")));
    }
    Ok(())
}

/// UTF-16 with a byte order mark, or JSON's first characters as UTF-16
/// without one (`{` then NUL, or NUL then `{`).
fn is_utf16(bytes: &[u8]) -> bool {
    if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        return true;
    }
    let head = &bytes[..bytes.len().min(64)];
    head.len() >= 4
        && head.chunks_exact(2).all(|p| (p[0] == 0) != (p[1] == 0))
        && (head.chunks_exact(2).all(|p| p[1] == 0) || head.chunks_exact(2).all(|p| p[0] == 0))
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

fn json_error(name: &str, bytes: &[u8], e: &serde_json::Error) -> LoadError {
    use serde_json::error::Category;
    let at = |line: usize, column: usize| {
        let path = super::scan::path_at(bytes, super::scan::offset_of(bytes, line, column));
        if path.is_empty() { String::new() } else { format!(", at `{path}`") }
    };
    match e.classify() {
        Category::Syntax | Category::Eof => LoadError::new(
            name,
            format!(
                "invalid JSON at line {}, column {}{}: {}; the file may be truncated or edited by hand. {SHOW_JSON}",
                e.line(),
                e.column(),
                at(e.line(), e.column()),
                without_content(strip_position(&e.to_string()))
            ),
        ),
        Category::Io => LoadError::new(name, format!("cannot read the file: {e}")),
        Category::Data => {
            // Valid JSON of the wrong shape. Tell a non-object apart from a
            // plan with a malformed entry.
            let is_object = bytes.iter().find(|b| !b.is_ascii_whitespace()).is_some_and(|b| *b == b'{');
            if is_object {
                LoadError::new(
                    name,
                    format!(
                        "the JSON does not have the shape of a plan at line {}, column {}{}: {}; \
                         is it the output of `terraform show -json`?",
                        e.line(),
                        e.column(),
                        at(e.line(), e.column()),
                        without_content(strip_position(&e.to_string()))
                    ),
                )
            } else {
                LoadError::new(name, format!("the JSON document is not an object, so it is not a plan; {SHOW_JSON}"))
            }
        }
    }
}

fn strip_position(message: &str) -> &str {
    message.rfind(" at line ").map_or(message, |i| &message[..i])
}

/// A serde message with the plan's own text taken out: `invalid type:
/// string "hunter2", expected a boolean` becomes `invalid type: a string,
/// expected a boolean`. Only the names of our own fields (in backticks after
/// `field`) and the kinds of values are kept.
fn without_content(message: &str) -> String {
    for prefix in ["invalid type: ", "invalid value: "] {
        if let Some(rest) = message.strip_prefix(prefix) {
            let (unexpected, expected) = rest.split_once(", expected ").unwrap_or((rest, ""));
            let kind = unexpected.split(['`', '"']).next().unwrap_or("").trim();
            let expected = if expected.contains(['`', '"']) { "another kind of value" } else { expected };
            return format!("{prefix}{kind}, expected {expected}");
        }
    }
    let ours = ["duplicate field `", "missing field `", "unknown field `"].iter().any(|p| message.starts_with(p));
    if ours || !message.contains(['`', '"']) {
        return message.to_owned();
    }
    "a value of the wrong kind".to_owned()
}

/// Rejects well-formed JSON that is some other Terraform format.
fn identify(name: &str, raw: &RawPlan<'_>) -> Result<(), LoadError> {
    if raw.plan_format_version.is_some() || (raw.provider_schemas.is_some() && raw.format_version.is_none()) {
        return Err(LoadError::new(
            name,
            "this is an HCP Terraform / Terraform Enterprise redacted plan (API `json-output-redacted`), \
             which hides the values a review needs; download the plan file and run `terraform show -json PLANFILE`",
        ));
    }
    let has_plan_keys = raw.resource_changes.is_some()
        || raw.planned_values.is_some()
        || raw.output_changes.is_some()
        || raw.resource_drift.is_some();
    if raw.lineage.is_some() || raw.serial.is_some() || (raw.resources.is_some() && !has_plan_keys) {
        return Err(LoadError::new(name, format!("this is a Terraform state file, not a plan; {SHOW_JSON}")));
    }
    if raw.values.is_some() && !has_plan_keys {
        return Err(LoadError::new(
            name,
            format!(
                "this is `terraform show -json` output for a state, not for a plan; pass the plan file: {SHOW_JSON}"
            ),
        ));
    }
    if !has_plan_keys && raw.format_version.is_none() {
        return Err(LoadError::new(
            name,
            format!(
                "the JSON has none of a plan's keys (`format_version`, `resource_changes`, `planned_values`); {SHOW_JSON}"
            ),
        ));
    }
    if !has_plan_keys && raw.configuration.is_none() && raw.prior_state.is_none() {
        return Err(LoadError::new(
            name,
            format!("the JSON has a `format_version` but none of a plan's keys; {SHOW_JSON}"),
        ));
    }
    if let Some(v) = &raw.format_version {
        let major = v.split('.').next().unwrap_or("");
        if major != "0" && major != "1" {
            // Quoted only when it reads as a version: messages carry no other plan text.
            let is_version =
                v.len() <= 16 && v.split('.').all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
            let shown = if is_version { format!(" `{v}`") } else { String::new() };
            return Err(LoadError::new(
                name,
                format!(
                    "plan `format_version`{shown} is not supported (plangate reads 0.x and 1.x); \
                     upgrade plangate, or produce the plan with a Terraform/OpenTofu version that writes format 1.x"
                ),
            ));
        }
    }
    Ok(())
}

/// Makes an input-derived string safe to put in an error message.
pub fn escape_for_message(s: &str) -> String {
    let mut out: String = s
        .chars()
        .take(200)
        .flat_map(|c| if c.is_control() || c == '`' { c.escape_unicode().collect::<Vec<_>>() } else { vec![c] })
        .collect();
    if s.chars().count() > 200 {
        out.push('…');
    }
    out
}

fn normalize<'a>(name: &str, text: &'a str, raw: RawPlan<'a>) -> Result<Plan<'a>, LoadError> {
    let file = File { name, bytes: text.as_bytes() };
    let mut changes = Vec::with_capacity(raw.resource_changes.as_ref().map_or(0, Chunked::len));
    for (i, rc) in raw.resource_changes.into_iter().flatten().enumerate() {
        changes.push(resource_change(&file, ("resource_changes", i), rc, None)?);
    }
    let mut drift = Vec::new();
    for (i, rc) in raw.resource_drift.into_iter().flatten().enumerate() {
        drift.push(resource_change(&file, ("resource_drift", i), rc, None)?);
    }
    let mut deferred = Vec::new();
    for (i, d) in raw.deferred_changes.into_iter().flatten().enumerate() {
        let reason = Some(d.reason.unwrap_or(Cow::Borrowed("unknown")));
        deferred.push(resource_change(&file, ("deferred_changes", i), d.resource_change, reason)?);
    }

    let root = raw.configuration.and_then(|c| c.root_module);
    let sensitive_outputs: Vec<Cow<'a, str>> = root
        .as_ref()
        .and_then(|r| r.outputs.as_ref())
        .map(|o| o.iter().filter(|(_, v)| v.sensitive == Some(true)).map(|(k, _)| k.clone()).collect())
        .unwrap_or_default();
    let mut outputs = Vec::new();
    for (out_name, change) in raw.output_changes.into_iter().flatten() {
        let action = actions(&file, "an `output_changes[…].actions`", &change.actions)?;
        let marked = |v: Option<super::RawJson<'_>>| v.is_some_and(|v| v.get() != "false");
        let sensitive =
            marked(change.before_sensitive) || marked(change.after_sensitive) || sensitive_outputs.contains(&out_name);
        outputs.push(OutputChange { name: out_name, action, sensitive, values: values(&change) });
    }

    let sensitive_names: Vec<Cow<'a, str>> = root
        .as_ref()
        .and_then(|r| r.variables.as_ref())
        .map(|v| v.iter().filter(|(_, v)| v.sensitive == Some(true)).map(|(k, _)| k.clone()).collect())
        .unwrap_or_default();
    let sensitive_variables = raw
        .variables
        .into_iter()
        .flatten()
        .filter(|(k, _)| sensitive_names.contains(k))
        .filter_map(|(k, v)| v.value.map(|value| (k, value)))
        .collect();

    let relevant = raw.relevant_attributes.map(|r| r.into_iter().map(|r| r.resource).collect());
    let resulting = raw.planned_values.map(|pv| {
        let mut out = Vec::new();
        if let Some(root) = pv.root_module {
            state_resources(root, &mut out);
        }
        out
    });

    Ok(Plan {
        name: name.to_owned(),
        format_version: raw.format_version,
        terraform_version: raw.terraform_version,
        opentofu: changes.iter().any(|c: &ResourceChange<'_>| c.provider_is_tofu),
        changes,
        drift,
        deferred,
        outputs,
        status: Status { errored: raw.errored, complete: raw.complete, applyable: raw.applyable },
        sensitive_variables,
        relevant,
        digest: super::Digest::new(text),
        resulting,
    })
}

/// The managed resources of a `planned_values` module and its children, in
/// document order. Entries without an address or type are skipped: the
/// resulting state is only read for parity, never to decide what apply does.
fn state_resources<'a>(module: RawStateModule<'a>, out: &mut Vec<StateResource<'a>>) {
    for r in module.resources.into_iter().flatten() {
        if r.mode.as_deref().is_some_and(|m| m != "managed") {
            continue;
        }
        if let (Some(address), Some(type_)) = (r.address, r.type_) {
            if r.mode.is_none() && super::address::mode_of(&address) == Mode::Data {
                continue;
            }
            out.push(StateResource { address, type_, values: r.values, sensitive: r.sensitive_values });
        }
    }
    // Depth is bounded by the parser's recursion limit.
    for child in module.child_modules.into_iter().flatten() {
        state_resources(child, out);
    }
}

/// The file being loaded, for messages that point into it.
struct File<'f> {
    name: &'f str,
    bytes: &'f [u8],
}

impl File<'_> {
    /// ` (line L, column C)` of a string borrowed from the file, if it is.
    fn position(&self, s: &str) -> String {
        let start = self.bytes.as_ptr() as usize;
        let p = s.as_ptr() as usize;
        if p < start || p > start + self.bytes.len() {
            return String::new();
        }
        let (line, column) = super::scan::line_column(self.bytes, p - start);
        format!(" (line {line}, column {column})")
    }
}

fn values<'a>(c: &RawChange<'a>) -> Values<'a> {
    Values {
        before: c.before,
        after: c.after,
        after_unknown: c.after_unknown,
        before_sensitive: c.before_sensitive,
        after_sensitive: c.after_sensitive,
    }
}

/// Parses an `actions` list; `what` names the entry by its JSON path, never
/// by plan text.
fn actions<S: AsRef<str>>(file: &File<'_>, what: &str, list: &[S]) -> Result<Action, LoadError> {
    Action::from_actions(list).ok_or_else(|| {
        LoadError::new(
            file.name,
            format!(
                "{what} has unknown `actions`; this plan may come from a newer Terraform/OpenTofu \
                 than plangate understands: upgrade plangate (an unknown action is never treated as safe)"
            ),
        )
    })
}

fn resource_change<'a>(
    file: &File<'_>,
    (section, index): (&str, usize),
    mut rc: RawResourceChange<'a>,
    deferred: Option<Cow<'a, str>>,
) -> Result<ResourceChange<'a>, LoadError> {
    let what = format!("`{section}[{index}]`");
    let address = match rc.address.take() {
        Some(a) => a,
        None => Cow::Owned(address_from_parts(file.name, section, &rc)?),
    };
    let action = actions(file, &format!("`{section}[{index}].change.actions`"), &rc.change.actions)?;
    let mode = match rc.mode.as_deref() {
        Some("managed") => Mode::Managed,
        Some("data") => Mode::Data,
        Some(other) => {
            return Err(LoadError::new(
                file.name,
                format!(
                    "{what}{} has an unknown `mode` (plangate knows `managed` and `data`); this plan may come \
                     from a newer Terraform/OpenTofu than plangate understands: upgrade plangate",
                    file.position(other)
                ),
            ));
        }
        None => super::address::mode_of(&address),
    };
    let mut replace_paths = Vec::new();
    if let Some(raw) = rc.change.replace_paths {
        let parsed: Value = serde_json::from_str(raw.get()).unwrap_or(Value::Null);
        for p in parsed.as_array().into_iter().flatten() {
            if let Some(p) = Path::from_json(p) {
                replace_paths.push(p);
            }
        }
    }
    let importing = rc.change.importing.is_some_and(|v| v.get() != "null") || rc.change.generated_config.is_some();
    let type_ = rc.type_.unwrap_or_else(|| Cow::Owned(super::address::type_of(&address).to_owned()));
    let provider_is_tofu = rc.provider_name.as_deref().is_some_and(|p| p.starts_with("registry.opentofu.org/"));
    let values = values(&rc.change);
    Ok(ResourceChange {
        address,
        previous_address: rc.previous_address,
        mode,
        type_,
        deposed: rc.deposed,
        action,
        reason: rc.action_reason,
        replace_paths,
        importing,
        deferred,
        provider_is_tofu,
        values,
    })
}

/// Rebuilds an instance address from `module_address`, `mode`, `type`,
/// `name` and `index`.
fn address_from_parts(file: &str, section: &str, rc: &RawResourceChange<'_>) -> Result<String, LoadError> {
    let (Some(type_), Some(name)) = (&rc.type_, &rc.name) else {
        return Err(LoadError::new(
            file,
            format!(
                "a `{section}` entry has no `address` (nor `type` and `name`); is it the output of `terraform show -json`?"
            ),
        ));
    };
    let mut a = String::new();
    if let Some(m) = &rc.module_address {
        a.push_str(m);
        a.push('.');
    }
    if rc.mode.as_deref() == Some("data") {
        a.push_str("data.");
    }
    a.push_str(type_);
    a.push('.');
    a.push_str(name);
    if let Some(index) = rc.index {
        a.push('[');
        a.push_str(index.get());
        a.push(']');
    }
    Ok(a)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_whole_pages_inside_the_range_and_the_map_are_released() {
        const P: usize = 4096;
        for (range, len, want) in [
            (0..3 * P, 3 * P, Some(0..3 * P)),
            (1..3 * P, 3 * P, Some(P..3 * P)),
            (1..3 * P - 1, 3 * P, Some(P..2 * P)),
            (P - 1..2 * P + 1, 3 * P, Some(P..2 * P)),
            (1..2 * P - 1, 3 * P, None),
            (P..P, 3 * P, None),
            (P..4 * P, 3 * P, None),
            (5 * P + 7..9 * P + 1, 10 * P, Some(6 * P..9 * P)),
        ] {
            assert_eq!(whole_pages(range.clone(), len), want, "{range:?} of {len}");
        }
    }
}
