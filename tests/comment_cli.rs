//! The `plangate comment` command end to end: the real binary against the
//! loopback GitHub/GitLab mock, as CI would run it.

mod support;

use assert_cmd::Command;
use support::{GH_PR, GH_REPO, GL_IID, GitLabPaging, MockForge};

const TOKEN: &str = "ghp_cli-test-token-0123456789";

fn comment(platform: &str, api: &str, token_var: &str) -> Command {
    let mut c = Command::cargo_bin("plangate").unwrap();
    c.env_clear().env(token_var, TOKEN).env("PLANGATE_RETRY_BASE_MS", "5").args([
        "comment",
        platform,
        "--api-url",
        api,
        "--comment-id",
        "prod-gate",
        "--today",
        "2026-11-24",
    ]);
    c
}

fn example() -> [&'static str; 4] {
    ["--staging", "testdata/example/staging.json", "--prod", "testdata/example/prod.json"]
}

#[test]
fn github_two_runs_leave_one_updated_comment_and_exit_with_the_verdict() {
    let forge = MockForge::github(TOKEN);
    for _ in 0..2 {
        let out = comment("github", &forge.api_url(), "GITHUB_TOKEN")
            .args(["--repo", GH_REPO, "--number", &GH_PR.to_string()])
            .args(example())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
        let all = [out.stdout, out.stderr].concat();
        assert!(!String::from_utf8_lossy(&all).contains(TOKEN));
    }
    let comments = forge.comments();
    assert_eq!(comments.len(), 1);
    assert!(comments[0].body.starts_with("<!-- plangate:prod-gate -->\n"));
    assert!(comments[0].body.contains("stateful-destroy"));
    assert!(!comments[0].body.contains("hunter2"), "a secret reached the comment");
    let methods: Vec<String> = forge.writes().iter().map(|r| r.method.clone()).collect();
    assert_eq!(methods, ["POST", "PATCH"]);
}

#[test]
fn a_server_error_is_retried_and_a_403_exits_2_naming_the_permission() {
    let forge = MockForge::github(TOKEN);
    forge.script(502, &[], "bad gateway");
    comment("github", &forge.api_url(), "GITHUB_TOKEN")
        .args(["--repo", GH_REPO, "--number", &GH_PR.to_string()])
        .args(example())
        .assert()
        .code(1);
    assert_eq!(forge.comments().len(), 1);

    let forge = MockForge::github(TOKEN);
    forge.script(403, &[], r#"{"message":"Resource not accessible by integration"}"#);
    let out = comment("github", &forge.api_url(), "GITHUB_TOKEN")
        .args(["--repo", GH_REPO, "--number", &GH_PR.to_string()])
        .args(example())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("pull-requests: write"), "{stderr}");
    assert!(!stderr.contains(TOKEN));
}

#[test]
fn gitlab_posts_one_note() {
    let forge = MockForge::gitlab(TOKEN, "42", GitLabPaging::NextPageHeader);
    let mut c = comment("gitlab", &forge.api_url(), "GITLAB_TOKEN");
    c.env("CI_PROJECT_ID", "42").env("CI_MERGE_REQUEST_IID", GL_IID.to_string());
    c.args(example()).assert().code(1);
    assert_eq!(forge.comments().len(), 1);
}

#[test]
fn dry_run_sends_nothing_and_a_body_file_must_carry_the_marker() {
    let forge = MockForge::github(TOKEN);
    comment("github", &forge.api_url(), "GITHUB_TOKEN")
        .args(["--repo", GH_REPO, "--number", "7", "--dry-run"])
        .args(example())
        .assert()
        .code(1);
    assert!(forge.requests().is_empty());
    let body = support::scratch_file("no-marker.md", "hello\n");
    comment("github", &forge.api_url(), "GITHUB_TOKEN")
        .args(["--repo", GH_REPO, "--number", "7", "--body"])
        .arg(&body)
        .assert()
        .code(2);
}
