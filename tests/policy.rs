//! Policy files end to end: the documented example parses, every kind of
//! mistake exits 2 with a position, and exceptions behave as documented.

use serde_json::Value;

mod cmd;
use cmd::plangate;

fn write(name: &str, text: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("plangate-policy-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn documented_example_parses() {
    let text = std::fs::read_to_string("docs/examples/policy.toml").unwrap();
    let policy = plangate::policy::parse_str("policy.toml", &text).expect("the docs example is valid");
    assert_eq!(policy.stateful.len(), 2);
    assert_eq!(policy.rules.len(), 2);
    assert_eq!(policy.exceptions.len(), 2);
    assert_eq!(policy.exceptions[1].rule.name(), "parity-kind");
    assert_eq!(policy.parity.len(), 2);
    assert_eq!(policy.one_way.len(), 2);
    assert_eq!(policy.one_way[1].to, ["premium", "enterprise"]);
    assert_eq!(policy.address_maps.len(), 2);
    assert_eq!(policy.replace.len(), 2);
    // The pairs take effect, whole tokens only.
    assert_eq!(
        policy.normalize_staging("arn:aws:iam::111111111111:role/app-staging.example.com"),
        "arn:aws:iam::222222222222:role/app-example.com"
    );
    assert_eq!(policy.normalize_staging("1111111111112"), "1111111111112");
    plangate().args(["policy", "validate", "docs/examples/policy.toml"]).assert().success();
}

#[test]
fn every_kind_of_mistake_is_reported_with_a_position() {
    let path = write(
        "bad.toml",
        r#"[[stateful]]
type = "aws_db_{"
reason = "x"

[[rule]]
id = "my-rule"
level = "urgent"
message = "m"
actions = ["explode"]

[[exception]]
rule = "no-such-id"
address = "*"
expires = "2026-13-01"

[levels]
destructive = "block"
nonsense = "warn"

[typo]
x = 1
"#,
    );
    let out = plangate().args(["policy", "validate"]).arg(&path).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    let p = path.display().to_string();
    for expect in [
        format!("{p}:2:8: bad glob"),
        format!("{p}:7:9: unknown level `urgent`"),
        format!("{p}:9:12: unknown action `explode`"),
        format!("{p}:11:1: a `[[exception]]` entry needs `reason`"),
        format!("{p}:12:8: exception names unknown rule id `no-such-id`"),
        format!("{p}:14:11: `expires` must be a date"),
        format!("{p}:18:1: level override names unknown rule id `nonsense`"),
        format!("{p}:20:2: unknown key `typo`"),
    ] {
        assert!(err.contains(&expect), "missing `{expect}` in:\n{err}");
    }
    // The same policy given to a review is also exit 2, before any plan is read.
    plangate().args(["check", "testdata/plans/stateful-replace-db.json", "--policy"]).arg(&path).assert().code(2);
}

fn check_json(policy: &std::path::Path, today: &str) -> (i32, Value) {
    let out = plangate()
        .args(["check", "testdata/plans/stateful-replace-db.json", "--format", "json", "--today", today, "--policy"])
        .arg(policy)
        .output()
        .unwrap();
    (out.status.code().unwrap(), serde_json::from_slice(&out.stdout).unwrap())
}

fn ids(r: &Value) -> Vec<(String, bool)> {
    r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["id"].as_str().unwrap().to_owned(), f["waived"].is_null()))
        .collect()
}

#[test]
fn exceptions_waive_until_they_expire_and_unused_ones_are_reported() {
    let path = write(
        "exceptions.toml",
        r#"[[stateful]]
type = "aws_db_instance"
reason = "test: databases are stateful"

[[exception]]
rule = "stateful-destroy"
address = "aws_db_instance.main"
reason = "CHG-1: engine upgrade with a fresh snapshot"
expires = 2026-12-01

[[exception]]
rule = "destructive"
address = "aws_nothing.here"
reason = "stale"
"#,
    );
    let (code, r) = check_json(&path, "2026-11-24");
    assert_eq!(code, 0, "{:?}", ids(&r));
    let found = ids(&r);
    assert!(found.contains(&("stateful-destroy".into(), false)), "waived finding stays visible: {found:?}");
    assert!(found.contains(&("exception-unused".into(), true)));
    let waived = r["findings"].as_array().unwrap().iter().find(|f| !f["waived"].is_null()).unwrap();
    assert!(waived["waived"]["origin"]["line"].as_u64() == Some(5));

    // The day after expiry the exception no longer applies.
    let (code, r) = check_json(&path, "2026-12-02");
    assert_eq!(code, 1);
    let found = ids(&r);
    assert!(found.contains(&("stateful-destroy".into(), true)));
    assert!(found.contains(&("exception-expired".into(), true)));
}

#[test]
fn level_overrides_and_custom_rules_apply_with_their_origin() {
    let path = write(
        "levels.toml",
        r#"[levels]
destructive = "block"

[[rule]]
id = "sg-deletes"
level = "warn"
message = "security group removed"
type = "aws_security_group"
actions = ["delete"]
reasons = ["delete_because_no_resource_config"]
"#,
    );
    let (code, r) = check_json(&path, "2026-11-24");
    assert_eq!(code, 1);
    let f = r["findings"].as_array().unwrap();
    let custom = f.iter().find(|f| f["id"] == "sg-deletes").expect("custom rule fired");
    assert_eq!(custom["address"], "aws_security_group.db");
    assert_eq!(custom["origin"]["line"], 4);
    let destructive = f.iter().find(|f| f["id"] == "destructive").unwrap();
    assert_eq!(destructive["level"], "block");
}

#[test]
fn policy_show_names_origins() {
    let out = plangate().args(["policy", "show", "docs/examples/policy.toml"]).output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("docs/examples/policy.toml:"), "{text}");
    assert!(text.contains("builtin:"), "{text}");
}
