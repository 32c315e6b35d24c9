//! The `plangate` binary as every command-line test runs it: with none of
//! the caller's environment that could change its output; and reading the
//! findings of its JSON report.
#![allow(dead_code)] // each test file uses a different part of this module

use assert_cmd::Command;
use serde_json::Value;

/// Variables plangate reads: colour (`NO_COLOR`, `TERM`), the GitHub job
/// summary it appends to, and the CI commit and run the Markdown names.
const CALLER_ENVIRONMENT: &[&str] = &[
    "NO_COLOR",
    "TERM",
    "GITHUB_STEP_SUMMARY",
    "GITHUB_SHA",
    "GITHUB_SERVER_URL",
    "GITHUB_REPOSITORY",
    "GITHUB_RUN_ID",
    "CI_COMMIT_SHA",
    "CI_JOB_URL",
    "CI_PIPELINE_URL",
];

/// `plangate`, built by cargo for the tests; a test sets what it needs.
pub fn plangate() -> Command {
    let mut c = Command::cargo_bin("plangate").unwrap();
    for var in CALLER_ENVIRONMENT {
        c.env_remove(var);
    }
    c
}

/// `(id, address)` of every finding that counts in a JSON report (of one
/// review, or one stack's entry of many).
pub fn findings(report: &Value) -> Vec<(String, String)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["waived"].is_null())
        .map(|f| (f["id"].as_str().unwrap().to_owned(), f["address"].as_str().unwrap_or("").to_owned()))
        .collect()
}

/// Whether a finding `id` about `address` counts in the report.
pub fn has(report: &Value, id: &str, address: &str) -> bool {
    findings(report).iter().any(|(i, a)| i == id && a == address)
}
