//! The JSON report against its documented schema, `docs/report.schema.json`:
//! every report the binary writes for the fixtures under `testdata/` must
//! validate, and the schema must reject what the report must not be (an
//! unknown field, a bad enum value), so that it is not vacuous.
//!
//! The schema is strict (`additionalProperties: false`): a field added to the
//! report without a line in `docs/json.md` and the schema fails here.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use jsonschema::Validator;
use serde_json::{Value, json};

const TODAY: &str = "2026-11-24";

fn schema() -> Value {
    let text = std::fs::read_to_string("docs/report.schema.json").expect("docs/report.schema.json");
    serde_json::from_str(&text).expect("docs/report.schema.json is JSON")
}

fn validator() -> Validator {
    let schema = schema();
    assert_eq!(schema["$schema"], "https://json-schema.org/draft/2020-12/schema", "the schema declares draft 2020-12");
    jsonschema::draft202012::options().build(&schema).expect("docs/report.schema.json is a valid draft 2020-12 schema")
}

/// The schema's errors for `report`, one line each (empty when valid).
fn errors(v: &Validator, report: &Value) -> Vec<String> {
    v.iter_errors(report).map(|e| format!("at `{}`: {e}", e.instance_path())).collect()
}

fn assert_valid(v: &Validator, what: &str, report: &Value) {
    let errs = errors(v, report);
    assert!(
        errs.is_empty(),
        "{what}: the report does not match docs/report.schema.json:\n  {}\nreport:\n{}",
        errs.join("\n  "),
        serde_json::to_string_pretty(report).unwrap()
    );
}

/// Runs plangate with `args` plus `--format json --today TODAY`; returns the
/// parsed report. Exit 0 (pass/warn) and 1 (block) both write a report.
fn report(args: &[&str]) -> Value {
    let out = Command::cargo_bin("plangate")
        .unwrap()
        .args(args)
        .args(["--format", "json", "--today", TODAY])
        .output()
        .unwrap();
    let code = out.status.code();
    assert!(matches!(code, Some(0 | 1)), "plangate {args:?} exited {code:?}: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("plangate {args:?} wrote no JSON ({e}):\n{}", String::from_utf8_lossy(&out.stdout)))
}

fn sorted_entries(dir: &str) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> =
        std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{dir}: {e}")).map(|e| e.unwrap().path()).collect();
    v.sort();
    v
}

/// Every `testdata/pairs/<scenario>/` directory.
fn pairs() -> Vec<PathBuf> {
    let v: Vec<PathBuf> = sorted_entries("testdata/pairs").into_iter().filter(|p| p.is_dir()).collect();
    assert!(v.len() >= 10, "expected the plan pairs, found {v:?}");
    v
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn review_of_every_pair_matches_the_schema() {
    let v = validator();
    for dir in pairs() {
        let (staging, prod) = (dir.join("staging.json"), dir.join("prod.json"));
        let r = report(&["review", "--staging", s(&staging), "--prod", s(&prod)]);
        assert_eq!(r["command"], "review");
        assert_valid(&v, &format!("review {}", dir.display()), &r);
    }
}

#[test]
fn check_of_every_plan_matches_the_schema() {
    let v = validator();
    let mut plans: Vec<PathBuf> =
        sorted_entries("testdata/plans").into_iter().filter(|p| p.extension().is_some_and(|e| e == "json")).collect();
    assert!(!plans.is_empty(), "no plans under testdata/plans");
    for dir in pairs() {
        plans.push(dir.join("staging.json"));
        plans.push(dir.join("prod.json"));
    }
    for plan in &plans {
        let r = report(&["check", s(plan)]);
        assert_eq!(r["command"], "check");
        assert_valid(&v, &format!("check {}", plan.display()), &r);
    }
}

/// A staging plan checked as staging (findings carry `env: staging`).
#[test]
fn check_env_staging_of_every_staging_plan_matches_the_schema() {
    let v = validator();
    for dir in pairs() {
        let plan = dir.join("staging.json");
        let r = report(&["check", "--env", "staging", s(&plan)]);
        assert_valid(&v, &format!("check --env staging {}", plan.display()), &r);
    }
}

/// A policy with every kind of origin: a waiver, an expired and an unused
/// exception (findings with no env and no address), a custom rule and a
/// level override. Without it no fixture report has a `waived` object.
const POLICY: &str = r#"
[[exception]]
rule = "stateful-destroy"
address = "aws_db_instance.main"
reason = "schema test: a waived finding"
expires = 2027-01-31

[[exception]]
rule = "destructive"
address = "aws_security_group.db"
reason = "schema test: an expired exception"
expires = 2026-01-01

[[exception]]
rule = "forget"
address = "nothing.matches"
reason = "schema test: an unused exception"

[[rule]]
id = "no-sg-deletes"
level = "warn"
message = "security groups are deleted by the network team only"
type = "aws_security_group"
actions = ["delete"]

[levels]
destructive = "block"
"#;

#[test]
fn report_with_waivers_and_policy_origins_matches_the_schema() {
    let v = validator();
    let policy = Path::new(env!("CARGO_TARGET_TMPDIR")).join("json-schema-policy.toml");
    std::fs::write(&policy, POLICY).unwrap();
    let r = report(&["check", "testdata/plans/stateful-replace-db.json", "--policy", s(&policy)]);
    assert_valid(&v, "check with a policy", &r);
    let findings = r["findings"].as_array().unwrap();
    // The fixture really exercises the nullable and nested shapes.
    assert!(findings.iter().any(|f| f["waived"].is_object()), "{r:#}");
    assert!(findings.iter().any(|f| f["env"].is_null()), "{r:#}");
    assert!(findings.iter().any(|f| f["id"] == "no-sg-deletes"), "{r:#}");
    assert_eq!(r["summary"]["waived"], 1, "{r:#}");
    // Waived findings come last.
    let first_waived = findings.iter().position(|f| f["waived"].is_object());
    assert_eq!(first_waived, Some(findings.len() - 1), "{r:#}");

    // The same policy on a review.
    let r = report(&[
        "review",
        "--staging",
        "testdata/pairs/prod-only-replace/staging.json",
        "--prod",
        "testdata/pairs/prod-only-replace/prod.json",
        "--policy",
        s(&policy),
    ]);
    assert_valid(&v, "review with a policy", &r);
}

fn example() -> Value {
    report(&[
        "review",
        "--staging",
        "testdata/pairs/prod-only-replace/staging.json",
        "--prod",
        "testdata/pairs/prod-only-replace/prod.json",
    ])
}

/// The schema is not vacuous: each mutation of a valid report must fail.
#[test]
fn schema_rejects_reports_that_break_the_contract() {
    let v = validator();
    let good = example();
    assert_valid(&v, "example", &good);

    type Mutation = fn(&mut Value);
    let cases: &[(&str, Mutation)] = &[
        ("unknown top-level key", |r| {
            r["surprise"] = json!(true);
        }),
        ("bad verdict", |r| r["verdict"] = json!("fail")),
        ("other schema_version", |r| r["schema_version"] = json!(2)),
        ("missing findings", |r| {
            r.as_object_mut().unwrap().remove("findings");
        }),
        ("unknown key in a finding", |r| {
            r["findings"][0]["value"] = json!("s3cr3t");
        }),
        ("bad level", |r| r["findings"][0]["level"] = json!("error")),
        ("bad env", |r| r["findings"][0]["env"] = json!("dev")),
        ("bad action", |r| {
            r["changes"][0]["action"] = json!("destroy");
        }),
        ("raw Terraform actions array", |r| {
            r["changes"][0]["action"] = json!(["delete", "create"]);
        }),
        ("attribute values in a change", |r| {
            r["changes"][0]["after"] = json!({"password": "s3cr3t"});
        }),
        ("bad match status", |r| {
            r["changes"][0]["staging"]["status"] = json!("missing");
        }),
        ("bad via", |r| {
            r["changes"][0]["staging"]["via"] = json!("previous_address");
        }),
        ("matched without a counterpart address", |r| {
            r["changes"][0]["staging"]["status"] = json!("matched");
            r["changes"][0]["staging"]["address"] = Value::Null;
        }),
        ("bad digest", |r| {
            r["plans"]["prod"]["digest"] = json!("7156cc160afbf529");
        }),
        ("uppercase digest", |r| {
            let d = r["plans"]["prod"]["digest"].as_str().unwrap().to_uppercase();
            r["plans"]["prod"]["digest"] = json!(d.replacen("SHA256", "sha256", 1));
        }),
        ("nullable typed wrong", |r| {
            r["plans"]["prod"]["errored"] = json!("false");
        }),
        ("unknown action count key", |r| {
            r["plans"]["prod"]["actions"]["destroy"] = json!(1);
        }),
        ("review without staging plan", |r| {
            r["plans"].as_object_mut().unwrap().remove("staging");
        }),
        ("review without staging_changes", |r| {
            r.as_object_mut().unwrap().remove("staging_changes");
        }),
        ("check with staging_changes", |r| r["command"] = json!("check")),
        ("bad command", |r| r["command"] = json!("plan")),
        ("negative count", |r| {
            r["summary"]["findings"]["warn"] = json!(-1);
        }),
        ("unknown summary level", |r| {
            r["summary"]["findings"]["error"] = json!(0);
        }),
        ("output with a value", |r| {
            r["outputs"] = json!([{"name": "dsn", "action": "update", "sensitive": false, "after": "x"}]);
        }),
        ("waiver without a reason", |r| {
            r["findings"][0]["waived"] = json!({"expires": null, "origin": {"file": "p.toml", "line": 3}});
        }),
        ("origin line 0", |r| {
            r["findings"][0]["origin"] = json!({"file": "p.toml", "line": 0});
        }),
    ];
    for (what, mutate) in cases {
        let mut bad = good.clone();
        mutate(&mut bad);
        assert_ne!(bad, good, "{what}: the mutation changed nothing");
        assert!(!v.is_valid(&bad), "{what}: the schema accepts a report it must reject");
    }
}

/// `docs/json.md`'s example is a real report: its keys are the example's.
#[test]
fn documented_example_is_a_real_report() {
    let v = validator();
    let doc = std::fs::read_to_string("docs/json.md").expect("docs/json.md");
    let start = doc.find("```json\n").expect("docs/json.md has a ```json example") + "```json\n".len();
    let len = doc[start..].find("\n```").expect("the example block ends");
    let documented: Value =
        serde_json::from_str(&doc[start..start + len]).expect("the example in docs/json.md is JSON");
    assert_valid(&v, "docs/json.md example", &documented);
    let real = example();
    assert_eq!(
        key_paths(&documented),
        key_paths(&real),
        "docs/json.md's example has drifted from the real report's shape"
    );
    assert_eq!(documented["verdict"], real["verdict"]);
    assert_eq!(documented["summary"], real["summary"]);
    assert_eq!(documented["plans"], real["plans"]);
}

/// Every object key path in a document (array items merged), sorted.
fn key_paths(v: &Value) -> Vec<String> {
    fn walk(v: &Value, prefix: &str, out: &mut std::collections::BTreeSet<String>) {
        match v {
            Value::Object(m) => {
                for (k, x) in m {
                    let p = format!("{prefix}.{k}");
                    out.insert(p.clone());
                    walk(x, &p, out);
                }
            }
            Value::Array(a) => {
                for x in a {
                    walk(x, &format!("{prefix}[]"), out);
                }
            }
            _ => {}
        }
    }
    let mut out = std::collections::BTreeSet::new();
    walk(v, "", &mut out);
    out.into_iter().collect()
}
