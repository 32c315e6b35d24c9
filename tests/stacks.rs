//! End-to-end tests of many stacks in one gate: the twelve stacks of
//! `testdata/stacks/` in both layouts (`terragrunt/{env}/<stack>/tfplan.json`
//! and `plans/<stack>/{env}.json`), per-stack verdicts and findings,
//! one-sided stacks, per-stack approval, and one Markdown comment.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

mod support;

mod cmd;
use cmd::{findings, has, plangate};

const TG: [&str; 4] = ["--staging", "testdata/stacks/terragrunt/staging", "--prod", "testdata/stacks/terragrunt/prod"];
const PATTERN: [&str; 2] = ["--plans", "testdata/stacks/plans/{stack}/{env}.json"];

/// Each stack's verdict (see `testdata/stacks/assemble.sh`); for a stack
/// with both plans, the test also checks it is what `review` of that pair
/// alone says.
const VERDICTS: &[(&str, &str)] = &[
    ("app/queue", "warn"),
    ("app/web", "warn"),
    ("app/workers", "pass"),
    ("data/archive", "block"),
    ("data/cache", "block"),
    ("data/db", "block"),
    ("edge/cdn", "warn"),
    ("legacy/batch", "pass"),
    ("network/dns", "pass"),
    ("network/vpc", "pass"),
    ("ops/monitoring", "warn"),
    ("ops/secrets", "warn"),
];

/// The verdict `review` gives the pair of files alone.
fn single_pair_verdict(stack: &str) -> Option<String> {
    let staging = format!("testdata/stacks/plans/{stack}/staging.json");
    let prod = format!("testdata/stacks/plans/{stack}/prod.json");
    if !Path::new(&staging).exists() || !Path::new(&prod).exists() {
        return None;
    }
    let (_, report) = review_json(&["--staging", &staging, "--prod", &prod], &[]);
    Some(report["verdict"].as_str().unwrap().to_owned())
}

fn run(args: &[&str]) -> (i32, String, String) {
    let mut cmd = plangate();
    cmd.args(args);
    if matches!(args.first(), Some(&"review" | &"check")) {
        cmd.args(["--today", "2026-11-24"]);
    }
    let out = cmd.output().unwrap();
    (out.status.code().unwrap(), String::from_utf8(out.stdout).unwrap(), String::from_utf8(out.stderr).unwrap())
}

fn review_json(inputs: &[&str], extra: &[&str]) -> (i32, Value) {
    let mut args = vec!["review", "--format", "json"];
    args.extend_from_slice(inputs);
    args.extend_from_slice(extra);
    let (code, out, err) = run(&args);
    assert!(code == 0 || code == 1, "exit {code}: {err}");
    (code, serde_json::from_str(&out).expect("the report is JSON"))
}

fn stacks(report: &Value) -> BTreeMap<String, &Value> {
    report["stacks"]
        .as_array()
        .expect("a `stacks` array")
        .iter()
        .map(|s| (s["stack"].as_str().unwrap().to_owned(), s))
        .collect()
}

#[test]
fn both_layouts_give_every_stack_its_own_verdict() {
    for inputs in [&TG[..], &PATTERN[..]] {
        let (code, report) = review_json(inputs, &[]);
        assert_eq!(code, 1, "a blocked stack fails the gate");
        assert_eq!(report["verdict"], "block");
        assert_eq!(report["schema_version"], 1);
        let got: Vec<(String, String)> =
            stacks(&report).iter().map(|(k, v)| (k.clone(), v["verdict"].as_str().unwrap().to_owned())).collect();
        let want: Vec<(String, String)> = VERDICTS.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        assert_eq!(got, want, "{inputs:?}");
        assert_eq!(report["summary"]["stacks"], serde_json::json!({"block": 3, "warn": 5, "pass": 4}));
    }
    // Each stack is reviewed exactly as its pair alone would be.
    let (_, report) = review_json(&TG, &[]);
    for (name, stack) in stacks(&report) {
        if let Some(alone) = single_pair_verdict(&name) {
            assert_eq!(stack["verdict"].as_str().unwrap(), alone, "{name}");
        }
    }
}

#[test]
fn findings_belong_to_the_stack_they_come_from() {
    let (_, report) = review_json(&TG, &[]);
    let s = stacks(&report);
    assert!(has(s["data/db"], "stateful-destroy", "aws_db_instance.app"));
    assert!(has(s["data/db"], "stateful-destroy", "aws_s3_bucket.assets"));
    assert!(has(s["data/cache"], "plan-not-applicable", ""));
    assert!(has(s["app/web"], "not-in-staging", "terraform_data.log_group"), "{:?}", findings(s["app/web"]));
    for (name, stack) in &s {
        let ids: Vec<String> = findings(stack).into_iter().map(|(i, _)| i).collect();
        if !matches!(name.as_str(), "data/db" | "data/archive") {
            assert!(!ids.contains(&"stateful-destroy".to_owned()), "{name}: {ids:?}");
        }
        if !matches!(name.as_str(), "data/cache") {
            assert!(!ids.contains(&"plan-not-applicable".to_owned()), "{name}: {ids:?}");
        }
        // Each stack's plans are its own.
        if let Some(prod) = stack["plans"]["prod"]["file"].as_str() {
            assert!(prod.contains(&format!("/{name}/")), "{name}: {prod}");
        }
    }
    for quiet in ["network/vpc", "network/dns", "app/workers"] {
        let levels: Vec<&Value> = s[quiet]["findings"].as_array().unwrap().iter().map(|f| &f["level"]).collect();
        assert!(levels.iter().all(|l| *l == "info"), "{quiet}: {levels:?}");
    }
}

#[test]
fn a_prod_stack_without_staging_is_not_in_staging_throughout() {
    let (_, report) = review_json(&TG, &[]);
    let s = stacks(&report);
    for name in ["edge/cdn", "data/archive"] {
        let stack = s[name];
        assert!(has(stack, "stack-not-in-staging", ""), "{name}: {:?}", findings(stack));
        assert!(stack["plans"]["staging"].is_null(), "{name}");
        let changes = stack["changes"].as_array().unwrap();
        assert!(!changes.is_empty());
        for c in changes {
            if c["action"] == "no-op" || c["mode"] == "data" {
                continue;
            }
            assert_eq!(c["staging"]["status"], "absent", "{name}: {c}");
            assert!(has(stack, "not-in-staging", c["address"].as_str().unwrap()), "{name}: {c}");
        }
    }
    // The prod-only stack's own blocking finding still blocks it.
    assert!(has(s["data/archive"], "stateful-destroy", "aws_db_instance.main"), "{:?}", findings(s["data/archive"]));
}

#[test]
fn a_staging_stack_without_prod_is_reported_as_info() {
    let (_, report) = review_json(&TG, &[]);
    let s = stacks(&report);
    let batch = s["legacy/batch"];
    assert_eq!(batch["verdict"], "pass");
    let f = batch["findings"].as_array().unwrap();
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!(f[0]["id"], "stack-not-in-prod");
    assert_eq!(f[0]["level"], "info");
    assert!(batch["plans"]["prod"].is_null());
    assert!(batch["plans"]["staging"]["file"].as_str().unwrap().ends_with("legacy/batch/tfplan.json"));
}

/// A scratch directory under the target dir, removed at the end.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }
    fn s(&self, rel: &str) -> String {
        self.0.join(rel).to_str().unwrap().to_owned()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_dir() {
            copy_tree(&e.path(), &to.join(e.file_name()));
        } else {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}

#[test]
fn approval_is_per_stack_and_blocks_only_the_stacks_that_differ() {
    let dir = Scratch::new("stacks-approval");
    copy_tree(Path::new("testdata/stacks/terragrunt"), &dir.0);
    let (staging, prod, approved) = (dir.s("staging"), dir.s("prod"), dir.s("approved.txt"));

    // The staging job records every staging plan.
    let (code, lines, err) = run(&["fingerprint", &staging]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(lines.lines().count(), 10, "one line per staging plan:\n{lines}");
    for l in lines.lines() {
        let (digest, name) = l.split_once("  ").unwrap();
        assert!(digest.starts_with("sha256:") && name.starts_with(&staging) && name.ends_with("/tfplan.json"), "{l}");
    }
    std::fs::write(&approved, &lines).unwrap();
    let inputs = ["--staging", staging.as_str(), "--prod", prod.as_str()];
    let (_, report) = review_json(&inputs, &["--approved-file", &approved]);
    for (name, stack) in stacks(&report) {
        assert!(!has(stack, "staging-not-approved", ""), "{name} is approved");
    }

    // A staging plan that changed after approval blocks its stack only;
    // a stack with no line in the file is not approved.
    std::fs::copy("testdata/pairs/prod-only-change/prod.json", dir.0.join("staging/network/vpc/tfplan.json")).unwrap();
    let kept: String = lines.lines().filter(|l| !l.contains("/app/workers/")).map(|l| format!("{l}\n")).collect();
    std::fs::write(&approved, kept).unwrap();
    let (code, report) = review_json(&inputs, &["--approved-file", &approved]);
    assert_eq!(code, 1);
    let s = stacks(&report);
    let blocked: Vec<&str> =
        s.iter().filter(|(_, v)| has(v, "staging-not-approved", "")).map(|(k, _)| k.as_str()).collect();
    assert_eq!(blocked, ["app/workers", "network/vpc"]);
    assert_eq!(s["network/vpc"]["verdict"], "block");
    assert_eq!(s["app/workers"]["verdict"], "block");
    let msg = |n: &str| {
        s[n]["findings"].as_array().unwrap().iter().find(|f| f["id"] == "staging-not-approved").unwrap()["message"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    assert!(msg("app/workers").contains("approved.txt"), "{}", msg("app/workers"));
    assert_eq!(s["network/dns"]["verdict"], "pass", "other stacks are untouched");

    // Approval names are read from the same relative place, however spelled.
    let relative: String = lines.replace(&format!("{}/", dir.0.display()), "./");
    std::fs::write(&approved, relative).unwrap();
    let out = plangate()
        .current_dir(&dir.0)
        .args(["review", "--staging", "staging/", "--prod", "prod", "--format", "json", "--today", "2026-11-24"])
        .args(["--approved-file", "approved.txt"])
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let blocked: Vec<String> =
        stacks(&report).iter().filter(|(_, v)| has(v, "staging-not-approved", "")).map(|(k, _)| k.clone()).collect();
    assert_eq!(blocked, ["network/vpc"], "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn a_malformed_approval_file_is_a_usage_error() {
    let dir = Scratch::new("stacks-approval-bad");
    let bad = dir.s("approved.txt");
    std::fs::write(&bad, "sha256:nothex  testdata/stacks/terragrunt/staging/app/web/tfplan.json\n").unwrap();
    let mut args = vec!["review"];
    args.extend_from_slice(&TG);
    args.extend_from_slice(&["--approved-file", &bad]);
    let (code, out, err) = run(&args);
    assert_eq!(code, 2, "{out}");
    assert!(err.contains("line 1") && err.contains("is not a digest"), "{err}");
    let (code, _, err) = run(&["review", TG[0], TG[1], TG[2], TG[3], "--approved", "sha256:00"]);
    assert_eq!(code, 2);
    assert!(err.contains("--approved-file"), "{err}");
}

#[test]
fn an_invalid_plan_in_any_stack_fails_closed_naming_it() {
    let dir = Scratch::new("stacks-invalid");
    copy_tree(Path::new("testdata/stacks/terragrunt"), &dir.0);
    std::fs::write(dir.0.join("prod/app/web/tfplan.json"), "{ not json").unwrap();
    let (code, out, err) = run(&["review", "--staging", &dir.s("staging"), "--prod", &dir.s("prod")]);
    assert_eq!(code, 2, "{out}");
    assert!(err.contains("prod/app/web/tfplan.json"), "{err}");
    assert!(out.is_empty());
}

#[test]
fn usage_errors_for_inputs_that_do_not_pair() {
    for (args, why) in [
        (
            vec!["--staging", "testdata/stacks/terragrunt/staging", "--prod", "testdata/example/prod.json"],
            "is a directory and",
        ),
        (vec!["--plans", "testdata/stacks/plans/{stack}.json"], "no `{env}`"),
        (vec!["--plans", "testdata/stacks/nowhere/{stack}/{env}.json"], "--plans"),
        (vec!["--plans", "testdata/stacks/plans/{stack}/{env}.json", "--prod", "x.json"], "cannot be used with"),
    ] {
        let mut full = vec!["review"];
        full.extend_from_slice(&args);
        let (code, _, err) = run(&full);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(err.contains(why), "{args:?}: {err}");
    }
}

#[test]
fn text_rolls_up_every_stack_then_shows_those_with_something_to_show() {
    let (code, out, err) = run(&["review", TG[0], TG[1], TG[2], TG[3], "--color", "never"]);
    assert_eq!(code, 1, "{err}");
    let table_end = out.find("data/db").expect("the roll-up names data/db");
    for (name, verdict) in VERDICTS {
        let line = out.lines().find(|l| l.contains(name)).unwrap_or_else(|| panic!("{name} missing:\n{out}"));
        assert!(line.contains(verdict), "{name}: {line}");
    }
    // A stack's details come after the table, under its own heading.
    let db = out.rfind("data/db").unwrap();
    assert!(db > table_end);
    assert!(out[db..].contains("aws_db_instance.app"));
    assert!(!out.contains("\u{1b}["), "no colour with --color never");
    assert!(out.contains("(no staging plan for this stack)"), "a prod-only stack says so");
}

#[test]
fn one_markdown_comment_within_budget_shows_every_blocking_finding_first() {
    for max in ["65536", "6000"] {
        let (code, md, err) = run(&["review", TG[0], TG[1], TG[2], TG[3], "--format", "markdown", "--max-chars", max]);
        assert_eq!(code, 1, "{err}");
        assert!(md.chars().count() <= max.parse::<usize>().unwrap(), "{max}: {} chars", md.chars().count());
        assert!(md.starts_with("<!-- plangate:plangate -->\n"));
        assert_eq!(md.matches("<!-- plangate:").count(), 1, "one marker");
        // Every blocking finding is outside any <details>.
        let first_fold = md.find("<details").unwrap_or(md.len());
        let visible = &md[..first_fold];
        for (stack, address) in [
            ("data/db", "aws_db_instance.app"),
            ("data/db", "aws_s3_bucket.assets"),
            ("data/archive", "aws_db_instance.main"),
        ] {
            assert!(
                visible.lines().any(|l| l.contains("stateful-destroy") && l.contains(stack) && l.contains(address)),
                "{max}: {stack} {address} not visible:\n{visible}"
            );
        }
        assert!(visible.lines().any(|l| l.contains("plan-not-applicable") && l.contains("data/cache")), "{visible}");
        // Every stack is named; balanced folds.
        for (name, _) in VERDICTS {
            assert!(md.contains(name), "{max}: {name} missing");
        }
        let (open, close) = folds(&md);
        assert_eq!(open, close, "{max}: balanced folds");
        assert!(open >= 8, "{max}: a section per stack with something to show");
    }
}

/// A blocked stack's section is open, with each blocking finding's why and
/// how to unblock it (an `[[exception]]` to paste); other sections fold.
/// A prod-only stack's changes say why they are not in staging, in words.
#[test]
fn blocked_stack_sections_are_open_with_why_and_how_to_unblock() {
    let (code, md, err) = run(&["review", TG[0], TG[1], TG[2], TG[3], "--format", "markdown"]);
    assert_eq!(code, 1, "{err}");
    let section = |name: &str| -> (bool, String) {
        let start = md.find(&format!("<summary><b>{name}</b>")).unwrap_or_else(|| panic!("{name}: no section"));
        let open_tag = md[..start].rfind("<details").unwrap();
        let is_open = md[open_tag..start].starts_with("<details open>");
        let end = md[start..].find("\n</details>\n\n<details").map_or(md.len(), |e| start + e);
        (is_open, md[start..end].to_owned())
    };
    for name in ["data/archive", "data/db", "data/cache"] {
        let (open, body) = section(name);
        assert!(open, "{name}: a blocked stack's section is open");
        assert!(body.contains("#### ⛔ Blocking findings"), "{name}: {body}");
    }
    let (_, archive) = section("data/archive");
    assert!(archive.contains("**Why:**") && archive.contains("**To unblock:**"), "{archive}");
    assert!(
        archive.contains("[[exception]]\nrule = \"stateful-destroy\"\naddress = \"aws_db_instance.main\""),
        "{archive}"
    );
    assert!(archive.contains("not in staging: this stack has no staging plan"), "{archive}");
    assert!(!md.contains("which changes its this stack"), "a sentence about siblings for a stack without staging");
    for name in ["app/web", "ops/secrets", "network/vpc"] {
        assert!(!section(name).0, "{name}: only blocked stacks' sections are open");
    }
}

/// `<details` and `</details>` outside fenced code blocks and code spans
/// (plan text inside them may hold anything).
fn folds(md: &str) -> (usize, usize) {
    let (mut open, mut close, mut fence) = (0, 0, None::<String>);
    for line in md.lines() {
        let ticks: String = line.chars().take_while(|c| *c == '`').collect();
        match &fence {
            Some(f) if ticks.len() >= f.len() && line.trim_end() == ticks => fence = None,
            Some(_) => {}
            None if ticks.len() >= 3 => fence = Some(ticks),
            None => {
                // Drop code spans: text between runs of backticks.
                let prose: String = line.split('`').step_by(2).collect();
                open += prose.matches("<details").count();
                close += prose.matches("</details>").count();
            }
        }
    }
    (open, close)
}

#[test]
fn json_of_many_stacks_validates_against_the_schema() {
    let schema: Value = serde_json::from_str(&std::fs::read_to_string("docs/report.schema.json").unwrap()).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    for inputs in [&TG[..], &PATTERN[..]] {
        let (_, report) = review_json(inputs, &[]);
        let errors: Vec<String> =
            validator.iter_errors(&report).map(|e| format!("{e} at {}", e.instance_path())).collect();
        assert!(errors.is_empty(), "{errors:#?}");
    }
}

#[test]
fn one_stack_found_keeps_the_single_pair_shape() {
    let dir = Scratch::new("stacks-single");
    for env in ["staging", "prod"] {
        std::fs::create_dir_all(dir.0.join(env)).unwrap();
        std::fs::copy(format!("testdata/example/{env}.json"), dir.0.join(env).join("app.json")).unwrap();
    }
    let (code, report) = review_json(&["--staging", &dir.s("staging"), "--prod", &dir.s("prod")], &[]);
    assert_eq!(code, 1);
    assert!(report.get("stacks").is_none());
    assert_eq!(report["command"], "review");
    assert!(report["plans"]["prod"]["file"].as_str().unwrap().ends_with("prod/app.json"));
}

#[test]
fn check_takes_several_plans_or_a_directory() {
    let (code, out, err) = run(&["check", "testdata/stacks/terragrunt/prod", "--format", "json"]);
    assert_eq!(code, 1, "{err}");
    let report: Value = serde_json::from_str(&out).unwrap();
    let s = stacks(&report);
    assert_eq!(s.len(), 11);
    assert_eq!(s["data/db"]["verdict"], "block");
    assert_eq!(s["network/vpc"]["verdict"], "pass");
    assert!(
        s["app/web"]["findings"].as_array().unwrap().iter().all(|f| f["id"] != "not-in-staging"),
        "check has no staging"
    );

    let (code, out, _) = run(&[
        "check",
        "testdata/pairs/nothing-to-do/prod.json",
        "testdata/plans/stateful-replace-db.json",
        "--format",
        "json",
    ]);
    assert_eq!(code, 1);
    let report: Value = serde_json::from_str(&out).unwrap();
    let names: Vec<String> = stacks(&report).keys().cloned().collect();
    assert_eq!(names, ["testdata/pairs/nothing-to-do/prod.json", "testdata/plans/stateful-replace-db.json"]);
}

#[test]
fn comment_posts_one_comment_for_every_stack() {
    const TOKEN: &str = "ghp_stacks-test-token-0123456789";
    let forge = support::MockForge::github(TOKEN);
    for _ in 0..2 {
        let out = Command::cargo_bin("plangate")
            .unwrap()
            .env_clear()
            .env("GITHUB_TOKEN", TOKEN)
            .env("PLANGATE_RETRY_BASE_MS", "5")
            .args(["comment", "github", "--api-url", &forge.api_url(), "--comment-id", "prod-gate"])
            .args(["--repo", support::GH_REPO, "--number", &support::GH_PR.to_string(), "--today", "2026-11-24"])
            .args(PATTERN)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
        // The CI log gets the text roll-up.
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(stdout.contains("12 stacks: 3 blocked"), "{stdout}");
    }
    let comments = forge.comments();
    assert_eq!(comments.len(), 1, "one comment for all stacks, updated in place");
    let body = &comments[0].body;
    assert!(body.starts_with("<!-- plangate:prod-gate -->\n"));
    assert!(body.chars().count() <= 65_536);
    for (name, _) in VERDICTS {
        assert!(body.contains(name), "{name} missing from the comment");
    }
    let visible = &body[..body.find("<details").unwrap()];
    assert_eq!(visible.lines().filter(|l| l.contains("**block**")).count(), 4, "{visible}");
}
