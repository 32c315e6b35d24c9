//! What a reviewer sees, end to end: the real binary on a fixture pair
//! where prod replaces two stateful objects and does things staging did
//! not. The Markdown comment must show, outside every `<details>`, the
//! blocking findings with their cause and the exception that unblocks them,
//! and the list of prod changes staging did not make; the exceptions it
//! suggests must really unblock the gate. The text report must carry
//! Terraform's `Plan:` lines and each finding once.

use std::path::Path;

mod cmd;
use cmd::plangate;

const STAGING: &str = "testdata/pairs/prod-only-replace/staging.json";
const PROD: &str = "testdata/pairs/prod-only-replace/prod.json";

/// A policy that makes `terraform_data` stateful, so the fixture's
/// replacements block.
fn stateful_policy(dir: &Path) -> String {
    let path = dir.join("stateful.toml");
    std::fs::write(&path, "[[stateful]]\ntype = \"terraform_data\"\nreason = \"holds the test data\"\n").unwrap();
    path.display().to_string()
}

fn review(args: &[&str]) -> (i32, String) {
    let out = plangate()
        .args(["review", "--staging", STAGING, "--prod", PROD, "--today", "2026-11-24"])
        .args(args)
        .output()
        .unwrap();
    assert!(out.stderr.is_empty(), "{}", String::from_utf8_lossy(&out.stderr));
    (out.status.code().unwrap(), String::from_utf8(out.stdout).unwrap())
}

/// Each line outside fenced code with its `<details>` depth; fenced lines
/// carry the depth of their block and `true`.
fn lines(md: &str) -> Vec<(usize, bool, &str)> {
    let mut depth = 0;
    let mut fence: Option<&str> = None;
    let mut out = Vec::new();
    for l in md.lines() {
        match fence {
            Some(f) if l == f => {
                fence = None;
                out.push((depth, true, l));
                continue;
            }
            Some(_) => {
                out.push((depth, true, l));
                continue;
            }
            None if l.starts_with("```") => {
                fence = Some(&l[..l.chars().take_while(|&c| c == '`').count()]);
                out.push((depth, true, l));
                continue;
            }
            None => {}
        }
        if l.starts_with("<details>") {
            depth += 1;
        }
        out.push((depth, false, l));
        if l == "</details>" {
            depth -= 1;
        }
    }
    out
}

fn visible<'a>(md: &'a str, starts: &str) -> Vec<&'a str> {
    lines(md).into_iter().filter(|(d, _, l)| *d == 0 && l.starts_with(starts)).map(|(_, _, l)| l).collect()
}

#[test]
fn markdown_shows_causes_unblock_hints_and_the_not_in_staging_list_without_a_click() {
    let dir = tempdir();
    let policy = stateful_policy(&dir);
    let (code, md) = review(&["--policy", &policy, "--format", "markdown"]);
    assert_eq!(code, 1, "{md}");
    assert_eq!(visible(&md, "### ⛔ plangate: blocked").len(), 1, "{md}");

    for address in ["terraform_data.cache", "terraform_data.db"] {
        let line = format!("- **block** `stateful-destroy` prod `{address}`");
        assert_eq!(visible(&md, &line).len(), 1, "{address} not visible:\n{md}");
    }
    let why = visible(&md, "  - **Why:**");
    assert_eq!(why.len(), 2, "{md}");
    assert!(
        why.iter().any(|l| l.contains("forced by `triggers_replace.engine_version` (`\"14.9\"` → `\"15.4\"`)")),
        "{why:?}"
    );
    assert!(why.iter().all(|l| l.contains("identified by `id = ")), "{why:?}");
    let unblock = visible(&md, "  - **To unblock:**");
    assert_eq!(unblock.len(), 2);
    assert!(unblock.iter().all(|l| l.contains("`plangate rules --explain stateful-destroy`")));

    // The exception blocks are visible too, and they really unblock.
    let mut toml = String::new();
    let mut in_toml = false;
    for (depth, fenced, l) in lines(&md) {
        if fenced && l.ends_with("toml") {
            assert_eq!(depth, 0, "a folded exception block");
            in_toml = true;
        } else if fenced && in_toml && l.starts_with("```") {
            in_toml = false;
        } else if in_toml {
            toml.push_str(&l.replace("TODO: why this is safe", "migration approved in CHG-1"));
            toml.push('\n');
        }
    }
    assert_eq!(toml.matches("[[exception]]").count(), 2, "{md}");
    let exceptions = dir.join("exceptions.toml");
    std::fs::write(&exceptions, &toml).unwrap();
    let (code, after) =
        review(&["--policy", &policy, "--policy", &exceptions.display().to_string(), "--format", "markdown"]);
    assert_eq!(code, 0, "the suggested exceptions do not unblock:\n{after}");
    assert!(after.contains("<details><summary>Waived by exceptions (2)</summary>"), "{after}");

    // What prod does that staging did not: one visible line per resource.
    assert_eq!(visible(&md, "#### Prod changes staging did not make (3)").len(), 1, "{md}");
    for (action, address) in [
        ("replace \\(destroy before create\\)", "terraform_data.db"),
        ("replace \\(create before destroy\\)", "terraform_data.cache"),
        ("update", "terraform_data.app"),
    ] {
        assert_eq!(visible(&md, &format!("- **{action}** `{address}` · ")).len(), 1, "{address}:\n{md}");
    }
    // Warnings and full diffs are folded.
    assert!(lines(&md).iter().filter(|(_, f, l)| !f && l.starts_with("- **warn**")).all(|(d, _, _)| *d == 1));
    assert!(lines(&md).iter().filter(|(_, f, l)| *f && l.starts_with("```diff")).all(|(d, _, _)| *d == 1));
}

#[test]
fn markdown_names_the_ci_commit_and_run() {
    let out = plangate()
        .args(["review", "--staging", STAGING, "--prod", PROD, "--format", "markdown"])
        .env("GITHUB_SHA", "0123abc")
        .env("GITHUB_SERVER_URL", "https://github.com")
        .env("GITHUB_REPOSITORY", "octo/infra")
        .env("GITHUB_RUN_ID", "42")
        .output()
        .unwrap();
    let md = String::from_utf8(out.stdout).unwrap();
    assert!(md.contains("From commit `0123abc`, [CI run](https://github.com/octo/infra/actions/runs/42)."), "{md}");
    for plan in [PROD, STAGING] {
        let out = plangate().args(["fingerprint", plan]).output().unwrap();
        let digest = String::from_utf8(out.stdout).unwrap();
        let digest = digest.trim();
        assert!(digest.starts_with("sha256:"), "{digest}");
        assert!(md.contains(&format!("`{plan}` (`{digest}`)")), "{plan}'s digest is not named:\n{md}");
    }
}

#[test]
fn text_has_terraform_plan_lines_and_each_finding_once() {
    let (code, text) = review(&["--format", "text", "--color", "never"]);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("\nprod:    Plan: 2 to add, 1 to change, 2 to destroy.\n"), "{text}");
    assert!(text.contains("\nstaging: Plan: 0 to add, 1 to change, 0 to destroy.\n"), "{text}");
    // The escalation's message appears once, in the findings list.
    assert_eq!(text.matches("where staging will only update").count(), 1, "{text}");
    assert!(text.contains("findings: WARN destructive, WARN escalated"), "{text}");
}

/// A fresh directory under the target dir (no tempfile dependency).
fn tempdir() -> std::path::PathBuf {
    static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("present-{}-{n}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn identifying_attributes_of_a_deleted_object_are_masked_when_sensitive() {
    let dir = tempdir();
    let plan = dir.join("plan.json");
    let change = |name: &str, bucket: &str, sensitive: bool| {
        format!(
            r#"{{"address": "aws_s3_bucket.{name}", "mode": "managed", "type": "aws_s3_bucket", "name": "{name}",
              "provider_name": "registry.terraform.io/hashicorp/aws",
              "change": {{"actions": ["delete"], "before": {{"bucket": "{bucket}", "id": "{bucket}"}}, "after": null,
                         "after_unknown": {{}}, "before_sensitive": {{"bucket": {sensitive}, "id": {sensitive}}},
                         "after_sensitive": false}},
              "action_reason": "delete_because_no_resource_config"}}"#
        )
    };
    let json = format!(
        r#"{{"format_version": "1.2", "terraform_version": "1.9.0",
            "resource_changes": [{}, {}], "errored": false, "complete": true, "applyable": true}}"#,
        change("hidden", "Zq-secret-bucket", true),
        change("logs", "acme-logs-prod", false)
    );
    std::fs::write(&plan, json).unwrap();
    for format in ["text", "markdown"] {
        let out = plangate()
            .args(["check", &plan.display().to_string(), "--format", format, "--color", "never"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
        let s = String::from_utf8(out.stdout).unwrap();
        assert!(!s.contains("Zq-secret"), "a sensitive name leaks ({format}):\n{s}");
        assert!(s.contains(r#"bucket = "acme-logs-prod""#), "{format}:\n{s}");
        assert!(s.contains("bucket = (sensitive)"), "{format}:\n{s}");
        assert!(s.contains("because aws_s3_bucket.logs is not in configuration"), "{format}:\n{s}");
    }
}
