//! CLI conventions CI users expect: shell completions, the `.plangate/`
//! policy directory found in the working directory, and the GitHub job
//! summary appended when `GITHUB_STEP_SUMMARY` is set.

use std::path::{Path, PathBuf};

use assert_cmd::Command;

mod cmd;
use cmd::plangate;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn pair() -> (PathBuf, PathBuf) {
    let dir = root().join("testdata/pairs/prod-only-replace");
    (dir.join("staging.json"), dir.join("prod.json"))
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("plangate-conventions-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn review_in(dir: &Path) -> Command {
    let (staging, prod) = pair();
    let mut cmd = plangate();
    cmd.current_dir(dir).arg("review").arg("--staging").arg(staging).arg("--prod").arg(prod);
    cmd
}

#[test]
fn completions_for_each_shell_name_the_subcommands() {
    for (shell, marker) in [
        ("bash", "_plangate()"),
        ("zsh", "#compdef plangate"),
        ("fish", "complete -c plangate"),
        ("powershell", "Register-ArgumentCompleter"),
    ] {
        let out = plangate().args(["completions", shell]).output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{shell}");
        let script = String::from_utf8(out.stdout).unwrap();
        assert!(script.contains(marker), "{shell} script lacks {marker}");
        for sub in ["review", "check", "fingerprint", "comment", "rules"] {
            assert!(script.contains(sub), "{shell} script does not complete `{sub}`");
        }
    }
    plangate().args(["completions", "tcsh"]).assert().code(2);
}

#[test]
fn a_plangate_directory_in_the_working_directory_is_the_default_policy() {
    let dir = temp_dir("discovery");
    // Without it, the replaced terraform_data objects only warn.
    review_in(&dir).assert().code(0);
    std::fs::create_dir(dir.join(".plangate")).unwrap();
    std::fs::write(
        dir.join(".plangate/team.toml"),
        "[[stateful]]\ntype = \"terraform_data\"\nreason = \"team test: holds state\"\n",
    )
    .unwrap();
    let out = review_in(&dir).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "the discovered policy makes the replacement block");
    assert!(String::from_utf8_lossy(&out.stdout).contains("stateful-destroy"));
    // An explicit --policy replaces discovery.
    let empty = dir.join("empty.toml");
    std::fs::write(&empty, "").unwrap();
    review_in(&dir).arg("--policy").arg(&empty).assert().code(0);
    // `policy show` says where the entry came from.
    let shown = plangate().current_dir(&dir).args(["policy", "show"]).output().unwrap();
    let shown = String::from_utf8(shown.stdout).unwrap();
    assert!(shown.contains(".plangate/team.toml:1"), "{shown}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_job_summary_is_appended_only_when_the_variable_is_set() {
    let dir = temp_dir("summary");
    let summary = dir.join("summary.md");
    std::fs::write(&summary, "earlier step\n").unwrap();
    review_in(&dir).env("GITHUB_STEP_SUMMARY", &summary).assert().code(0);
    let text = std::fs::read_to_string(&summary).unwrap();
    assert!(text.starts_with("earlier step\n"), "appended, not overwritten");
    assert!(text.contains("<!-- plangate"), "the Markdown report is there: {text}");
    // Without the variable nothing is written anywhere.
    let before = std::fs::read_to_string(&summary).unwrap();
    review_in(&dir).assert().code(0);
    assert_eq!(std::fs::read_to_string(&summary).unwrap(), before);
    // A summary that cannot be written never fails the gate.
    let out = review_in(&dir).env("GITHUB_STEP_SUMMARY", dir.join("no/such/dir/summary.md")).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stderr).contains("job summary"));
    let _ = std::fs::remove_dir_all(&dir);
}
