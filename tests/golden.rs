//! Golden files: the exact user-visible output of `review` and `check` on
//! the fixtures, in every format, under `testdata/golden/<case>.<ext>`.
//!
//! A case pins stdout (the file), the exit status (the table below) and an
//! empty stderr. After an intended output change, regenerate the files with
//!
//! ```text
//! UPDATE_GOLDEN=1 cargo test --test golden
//! ```
//!
//! and read the diff before committing it: it is the review of the change.
//! Only fixtures under `testdata/` are used, so the cases do not depend on
//! the shared corpus. `--today` is fixed so exception expiry is stable, and
//! plangate's own version is filtered to `[VERSION]` (as cargo-semver-checks'
//! snapshots do), so a release does not rewrite every golden file.

use std::path::{Path, PathBuf};

mod cmd;
use cmd::plangate;

const GOLDEN_DIR: &str = "testdata/golden";
const TODAY: &str = "2026-11-24";

/// The command-line arguments that select a format, and the golden
/// file's extension.
fn format_args(format: &str) -> (&'static [&'static str], &'static str) {
    match format {
        "text" => (&["--format", "text", "--color", "never"], "text"),
        "markdown" => (&["--format", "markdown"], "md"),
        "json" => (&["--format", "json"], "json"),
        other => panic!("unknown format {other}"),
    }
}

fn golden_path(case: &str, format: &str) -> PathBuf {
    let (_, ext) = format_args(format);
    Path::new(GOLDEN_DIR).join(format!("{case}.{ext}"))
}

/// The output with plangate's version, where the tool names itself, as
/// `[VERSION]`: the JSON report's `tool.version`, and `plangate X.Y.Z` in prose.
fn filter_version(out: &str) -> String {
    let version = env!("CARGO_PKG_VERSION");
    out.replace(&format!("\"version\": \"{version}\""), "\"version\": \"[VERSION]\"")
        .replace(&format!("plangate {version}"), "plangate [VERSION]")
}

/// Runs plangate with `args` plus the format's, then compares stdout with
/// the golden file (or writes it, with `UPDATE_GOLDEN=1`).
fn golden(case: &str, format: &str, args: &[&str], exit: i32) {
    let (fmt_args, _) = format_args(format);
    let out = plangate().args(args).args(fmt_args).args(["--today", TODAY]).output().unwrap();
    let stdout = filter_version(&String::from_utf8(out.stdout).expect("the report is UTF-8"));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(exit), "{case} ({format}): exit status; stderr: {stderr}");
    assert!(stderr.is_empty(), "{case} ({format}): stderr: {stderr}");

    let path = golden_path(case, format);
    if std::env::var_os("UPDATE_GOLDEN").is_some_and(|v| v == "1") {
        std::fs::create_dir_all(GOLDEN_DIR).unwrap();
        std::fs::write(&path, &stdout).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!("cannot read {}: {e}; run `UPDATE_GOLDEN=1 cargo test --test golden` to create it", path.display())
    });
    pretty_assertions::assert_eq!(
        expected,
        stdout,
        "{} differs from the output; if the change is intended, run \
         `UPDATE_GOLDEN=1 cargo test --test golden` and review the diff",
        path.display()
    );
}

/// `review` of `testdata/pairs/<pair>/` in `format`, with the pair's
/// `policy.toml` when it has one.
fn review(case: &str, pair: &str, format: &str, exit: i32) {
    review_in("testdata/pairs", case, pair, format, exit);
}

/// `review` of the hand-made `testdata/pairs-handmade/<pair>/`.
fn handmade(case: &str, pair: &str, format: &str, exit: i32) {
    review_in("testdata/pairs-handmade", case, pair, format, exit);
}

fn review_in(root: &str, case: &str, pair: &str, format: &str, exit: i32) {
    let staging = format!("{root}/{pair}/staging.json");
    let prod = format!("{root}/{pair}/prod.json");
    let policy = format!("{root}/{pair}/policy.toml");
    let mut args = vec!["review", "--staging", &staging, "--prod", &prod];
    if Path::new(&policy).exists() {
        args.extend(["--policy", &policy]);
    }
    golden(case, format, &args, exit);
}

/// `check` of `testdata/plans/<plan>.json` in `format`.
fn check(case: &str, plan: &str, format: &str, exit: i32) {
    let plan = format!("testdata/plans/{plan}.json");
    golden(case, format, &["check", &plan], exit);
}

/// One test per case and format: `name: kind(case, input, exit) [formats]`.
macro_rules! golden_cases {
    ($($test:ident: $kind:ident($case:literal, $input:literal, $exit:literal) [$($format:literal),+];)+) => {
        $(
            #[test]
            fn $test() {
                for format in [$($format),+] {
                    $kind($case, $input, format, $exit);
                }
            }
        )+

        /// Every case and format, for the check on stray golden files.
        const CASES: &[(&str, &[&str])] = &[$(($case, &[$($format),+])),+];
    };
}

golden_cases! {
    // Prod replaces the database staging only updates, and replaces a cache
    // staging leaves alone: escalated + destructive + not-in-staging.
    review_prod_only_replace:
        review("review-prod-only-replace", "prod-only-replace", 0) ["text", "markdown", "json"];
    // Prod deletes for_each instances whose keys staging never had.
    review_removed_for_each_keys:
        review("review-removed-for-each-keys", "removed-for-each-keys", 0) ["text", "markdown", "json"];
    // Sensitive values redacted everywhere, hostile strings escaped.
    review_secrets_and_hostile_values:
        review("review-secrets-and-hostile-values", "secrets-and-hostile-values", 0) ["text", "markdown", "json"];
    // More instances in prod than staging, same change: a pass.
    review_scaled_counts:
        review("review-scaled-counts", "scaled-counts", 0) ["text", "markdown", "json"];
    // Kind differs (major version introduced by this plan, LB type already
    // different and accepted by an exception), quantity does not; a type
    // only prod will have, one only staging has.
    review_parity_kind:
        handmade("review-parity-kind", "parity-kind", 0) ["text", "markdown", "json"];
    // Storage growth, engine and Kubernetes upgrades, PVC growth, lower log
    // retention: one-way, with the Rollback section; sizes and tags are not.
    review_one_way:
        handmade("review-one-way", "one-way", 0) ["text", "markdown", "json"];
    // Real terraform: the same cases on terraform_data with a policy naming
    // their kind attributes and one-way edits.
    review_parity_and_one_way:
        review("review-parity-and-one-way", "parity-and-one-way", 0) ["text", "markdown", "json"];
    // One stateful replacement: the gate blocks.
    check_stateful_replace_db:
        check("check-stateful-replace-db", "stateful-replace-db", 1) ["text", "json"];
    // Stateful destroys across AWS, Google Cloud, Azure and Kubernetes.
    check_stateful_destroys_four_platforms:
        check("check-stateful-destroys-four-platforms", "stateful-destroys-four-platforms", 1) ["text", "json"];
}

#[test]
fn every_golden_file_belongs_to_a_case() {
    let expected: Vec<PathBuf> =
        CASES.iter().flat_map(|(case, formats)| formats.iter().map(|f| golden_path(case, f))).collect();
    let Ok(dir) = std::fs::read_dir(GOLDEN_DIR) else {
        return;
    };
    for entry in dir.flatten() {
        let path = entry.path();
        assert!(expected.contains(&path), "{} belongs to no case in tests/golden.rs: delete it", path.display());
    }
}
