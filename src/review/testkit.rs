//! Test helpers: plans and changes built from a few lines, so that the
//! decision tables beside each check read as data.

use serde_json::{Value, json};

use super::{Change, Env, Options, Review};
use crate::plan::{Action, Mode, Path, Source, parse_plan};
use crate::policy::{Date, Policy, parse_str};

/// A `resource_changes` entry of type `terraform_data`.
pub fn rc(address: &str, actions: &[&str], before: Value, after: Value) -> Value {
    json!({
        "address": address,
        "mode": "managed",
        "type": "terraform_data",
        "name": "x",
        "provider_name": "terraform.io/builtin/terraform",
        "change": {"actions": actions, "before": before, "after": after, "after_unknown": {}}
    })
}

pub fn upd(address: &str, before: Value, after: Value) -> Value {
    rc(address, &["update"], before, after)
}

/// A plan document holding `changes` (and an unchanged resource of the same
/// type, so type-level parity findings stay out of the way).
pub fn plan_json(mut changes: Vec<Value>) -> Vec<u8> {
    changes.push(rc("terraform_data.filler", &["no-op"], json!({"v": 0}), json!({"v": 0})));
    let v = json!({"format_version": "1.2", "terraform_version": "1.9.8", "resource_changes": changes,
        "complete": true, "errored": false, "applyable": true});
    serde_json::to_vec(&v).unwrap()
}

pub fn policy(text: &str) -> Policy {
    parse_str("test.toml", text).unwrap_or_else(|e| panic!("test policy: {e:?}"))
}

pub fn options(today: Date, approved: Option<&str>) -> Options {
    Options {
        today,
        approved: approved.map(|d| super::Approval::Digest(d.to_owned())),
        attribute_diffs: true,
        digests: true,
        env: Env::Prod,
    }
}

pub fn day(s: &str) -> Date {
    Date::parse(s).unwrap()
}

/// `review` of two plans built from changes.
pub fn review_of(staging: Vec<Value>, prod: Vec<Value>, policy: &Policy, opts: &Options) -> Review {
    let (s, p) = (Source::new("staging.json", plan_json(staging)), Source::new("prod.json", plan_json(prod)));
    let (s, p) = (parse_plan(&s).unwrap(), parse_plan(&p).unwrap());
    super::review(&s, &p, policy, opts)
}

/// `check` of one plan built from changes.
pub fn check_of(changes: Vec<Value>, policy: &Policy, opts: &Options) -> Review {
    let p = Source::new("plan.json", plan_json(changes));
    let p = parse_plan(&p).unwrap();
    super::check(&p, policy, opts)
}

/// `(id, address)` of every finding, waived or not.
pub fn ids(r: &Review) -> Vec<(String, String)> {
    r.findings.iter().map(|f| (f.id.to_string(), f.address.clone().unwrap_or_default())).collect()
}

/// An analysed change, for checks that read one.
pub fn change(address: &str, type_: &str, action: Action) -> Change {
    Change {
        address: address.to_owned(),
        previous_address: None,
        deposed: None,
        type_: type_.to_owned(),
        mode: Mode::Managed,
        action,
        importing: false,
        moved: false,
        action_reason: None,
        replace_paths: Vec::new(),
        deferred: None,
        changed_paths: Vec::new(),
        staging: None,
        stateful: None,
        paths: Vec::new(),
        marks: Vec::new(),
        shape: Vec::new(),
        findings: Vec::new(),
        attributes: Vec::new(),
        identity: Vec::new(),
    }
}

/// The same with changed attribute paths (`["tags", "Name"]` form).
pub fn with_paths(mut c: Change, paths: &[Value]) -> Change {
    c.paths = paths.iter().map(|p| Path::from_json(p).unwrap()).collect();
    c
}
