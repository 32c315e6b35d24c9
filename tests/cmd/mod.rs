//! The `plangate` binary as every command-line test runs it: with none of
//! the caller's environment that could change its output.

use assert_cmd::Command;

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
