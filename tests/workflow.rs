//! The promotion workflow end to end, as CI runs it: the approval round trip
//! through `plangate fingerprint`, flags that `review`, `check` and
//! `comment` share (one rule each), several report formats from one run,
//! and what `comment` leaves in the CI log.

use std::path::PathBuf;

mod cmd;
use cmd::plangate;

const STAGING: &str = "testdata/example/staging.json";
const PROD: &str = "testdata/example/prod.json";
const TODAY: &str = "2026-11-24";

fn stdout_of(args: &[&str]) -> (i32, String, String) {
    let out = plangate().args(args).output().unwrap();
    (out.status.code().unwrap(), String::from_utf8(out.stdout).unwrap(), String::from_utf8(out.stderr).unwrap())
}

fn scratch_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("plangate-workflow-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The finding ids in a JSON report.
fn ids(json: &str) -> Vec<String> {
    let v: serde_json::Value = serde_json::from_str(json).unwrap();
    v["findings"].as_array().unwrap().iter().map(|f| f["id"].as_str().unwrap().to_owned()).collect()
}

#[test]
fn fingerprint_of_one_plan_is_the_digest_alone_and_of_several_digest_name_lines() {
    let (code, one, _) = stdout_of(&["fingerprint", STAGING]);
    assert_eq!(code, 0);
    let digest = one.trim_end();
    assert!(digest.starts_with("sha256:") && digest.len() == 7 + 64, "{one:?}");
    assert_eq!(one, format!("{digest}\n"), "one plan prints nothing but the digest");

    let (code, two, _) = stdout_of(&["fingerprint", STAGING, PROD]);
    assert_eq!(code, 0);
    let lines: Vec<&str> = two.lines().collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0], format!("{digest}  {STAGING}"));
    assert!(lines[1].starts_with("sha256:") && lines[1].ends_with(&format!("  {PROD}")), "{two}");
}

#[test]
fn approval_round_trip_through_fingerprint_output() {
    let (_, digest, _) = stdout_of(&["fingerprint", STAGING]);
    // What a CI script does: `--approved "$(plangate fingerprint staging.json)"`
    // (command substitution drops the trailing newline).
    let approved = digest.trim_end_matches('\n');
    let review = |staging: &str, approved: &str| {
        let (code, out, err) = stdout_of(&[
            "review",
            "--staging",
            staging,
            "--prod",
            PROD,
            "--approved",
            approved,
            "--format",
            "json",
            "--today",
            TODAY,
        ]);
        assert!(code == 0 || code == 1, "exit {code}: {err}");
        ids(&out)
    };
    assert!(!review(STAGING, approved).contains(&"staging-not-approved".to_owned()));
    // Without the prefix, and in capitals, it is the same digest.
    let bare = approved.strip_prefix("sha256:").unwrap().to_ascii_uppercase();
    assert!(!review(STAGING, &bare).contains(&"staging-not-approved".to_owned()));
    // Another staging plan than the approved one blocks.
    assert!(review(PROD, approved).contains(&"staging-not-approved".to_owned()));
}

#[test]
fn a_malformed_digest_is_a_usage_error_for_review_and_comment() {
    let (_, two, _) = stdout_of(&["fingerprint", STAGING, PROD]);
    let malformed = ["", "sha256:", "sha256:abc", "md5:0123", &"g".repeat(64), two.trim_end()];
    for bad in malformed {
        let (code, out, err) =
            stdout_of(&["review", "--staging", STAGING, "--prod", PROD, "--approved", bad, "--today", TODAY]);
        assert_eq!(code, 2, "review --approved {bad:?}: {out}");
        assert!(out.is_empty() && err.contains("is not a plan digest"), "{err}");
        let (code, _, err) = stdout_of(&[
            "comment",
            "github",
            "--repo",
            "o/r",
            "--number",
            "1",
            "--dry-run",
            "--staging",
            STAGING,
            "--prod",
            PROD,
            "--approved",
            bad,
        ]);
        assert_eq!(code, 2, "comment --approved {bad:?}");
        assert!(err.contains("is not a plan digest"), "{err}");
    }
}

#[test]
fn comment_id_is_accepted_or_rejected_alike_by_review_check_and_comment() {
    let cases = [
        ("prod-gate", true),
        ("prod.eu_1", true),
        ("team/app:prod", true),
        ("", false),
        ("a--b", false),
        ("with space", false),
        ("x>y", false),
        (&*"a".repeat(101), false),
    ];
    for (id, ok) in cases {
        let review = plangate()
            .args(["review", "--staging", STAGING, "--prod", PROD, "--format", "markdown", "--today", TODAY])
            .args(["--comment-id", id])
            .output()
            .unwrap();
        let check = plangate()
            .args(["check", PROD, "--format", "markdown", "--today", TODAY, "--comment-id", id])
            .output()
            .unwrap();
        let comment = plangate()
            .env_clear()
            .args(["comment", "github", "--repo", "o/r", "--number", "1", "--dry-run", "--today", TODAY])
            .args(["--staging", STAGING, "--prod", PROD, "--comment-id", id])
            .output()
            .unwrap();
        for (what, out) in [("review", &review), ("check", &check), ("comment", &comment)] {
            let code = out.status.code().unwrap();
            if ok {
                assert!(code == 0 || code == 1, "{what} rejected `{id}`: {}", String::from_utf8_lossy(&out.stderr));
            } else {
                assert_eq!(code, 2, "{what} accepted `{id}`");
                assert!(String::from_utf8_lossy(&out.stderr).contains("is not valid"), "{what} `{id}`");
            }
        }
        if ok {
            let md = String::from_utf8(review.stdout).unwrap();
            assert!(md.starts_with(&format!("<!-- plangate:{id} -->\n")), "{md}");
        }
    }
}

#[test]
fn report_files_are_identical_to_separate_runs() {
    let dir = scratch_dir("reports");
    let (json, md, text) = (dir.join("r.json"), dir.join("r.md"), dir.join("r.txt"));
    let base = ["review", "--staging", STAGING, "--prod", PROD, "--today", TODAY, "--color", "never"];
    let out = plangate()
        .args(base)
        .args(["--format", "text"])
        .arg("--report")
        .arg(format!("json={}", json.display()))
        .arg("--report")
        .arg(format!("markdown={}", md.display()))
        .args(["-o"])
        .arg(&text)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty(), "-o sends the report to the file");
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(
        err,
        format!(
            "plangate: wrote the text report to {}\nplangate: wrote the json report to {}\n\
             plangate: wrote the markdown report to {}\n",
            text.display(),
            json.display(),
            md.display()
        )
    );
    for (format, file) in [("text", &text), ("json", &json), ("markdown", &md)] {
        let separate = plangate().args(base).args(["--format", format]).output().unwrap();
        assert_eq!(separate.status.code(), Some(1));
        assert_eq!(std::fs::read(file).unwrap(), separate.stdout, "--report {format} differs from --format {format}");
    }
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_bad_report_flag_is_a_usage_error() {
    for bad in ["json", "yaml=x.yaml", "json="] {
        let (code, out, err) =
            stdout_of(&["review", "--staging", STAGING, "--prod", PROD, "--today", TODAY, "--report", bad]);
        assert_eq!(code, 2, "--report {bad}");
        assert!(out.is_empty() && err.contains("--report"), "{err}");
    }
}

#[test]
fn comment_prints_the_verdict_and_findings_to_stdout_and_exits_with_the_gate() {
    let dir = scratch_dir("comment");
    let json = dir.join("r.json");
    let out = plangate()
        .env_clear()
        .args(["comment", "github", "--repo", "o/r", "--number", "7", "--dry-run", "--today", TODAY])
        .args(["--staging", STAGING, "--prod", PROD, "--report"])
        .arg(format!("json={}", json.display()))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "the gate blocks: {}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8(out.stdout).unwrap();
    let text = plangate()
        .args(["review", "--staging", STAGING, "--prod", PROD, "--today", TODAY, "--color", "never"])
        .output()
        .unwrap();
    assert_eq!(stdout, String::from_utf8(text.stdout).unwrap(), "the CI log gets the text report");
    assert!(stdout.contains("stateful-destroy"));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("dry run: no request sent to GitHub"), "{stderr}");
    let report = std::fs::read_to_string(&json).unwrap();
    assert!(ids(&report).contains(&"stateful-destroy".to_owned()));
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_comment_that_cannot_be_posted_exits_2_after_printing_the_report() {
    // No token and no server: posting fails; the log still says why the gate failed.
    let out = plangate()
        .env_clear()
        .args(["comment", "github", "--repo", "o/r", "--number", "7", "--today", TODAY])
        .args(["--api-url", "http://127.0.0.1:9", "--staging", STAGING, "--prod", PROD])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stdout).contains("stateful-destroy"));
}

#[test]
fn an_exception_is_valid_through_its_date_in_every_format_and_expired_the_next_day() {
    let dir = scratch_dir("expiry");
    let policy = dir.join("policy.toml");
    std::fs::write(
        &policy,
        "[[exception]]\nrule = \"stateful-destroy\"\naddress = \"aws_db_instance.*\"\nreason = \"migration CHG-1\"\n\
         expires = 2026-12-31\n",
    )
    .unwrap();
    let run = |today: &str, format: &str| {
        let out = plangate()
            .args(["check", "testdata/plans/stateful-replace-db.json", "--color", "never", "--format", format])
            .args(["--today", today, "--policy"])
            .arg(&policy)
            .output()
            .unwrap();
        (out.status.code().unwrap(), String::from_utf8(out.stdout).unwrap())
    };
    // The last day: waived, and every human format says so in the same words.
    for format in ["text", "markdown"] {
        let (_, out) = run("2026-12-31", format);
        // Markdown escapes punctuation (`2026\-12\-31`); GitHub shows it without the backslashes.
        let shown = out.replace('\\', "");
        assert!(shown.contains("(valid through 2026-12-31)"), "{format}: {out}");
        assert!(!out.contains("exception-expired"), "{format}: {out}");
    }
    let (_, json) = run("2026-12-31", "json");
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let waived: Vec<&serde_json::Value> =
        v["findings"].as_array().unwrap().iter().filter(|f| !f["waived"].is_null()).collect();
    assert!(!waived.is_empty() && waived.iter().all(|f| f["waived"]["expires"] == "2026-12-31"), "{json}");
    // The next day: nothing is waived, and the expiry finding uses the same words.
    let (code, out) = run("2027-01-01", "text");
    assert_eq!(code, 1);
    assert!(
        out.contains("exception-expired") && out.contains("was valid through 2026-12-31 and no longer applies"),
        "{out}"
    );
    let (_, json) = run("2027-01-01", "json");
    assert!(!json.contains("\"waived\": {"), "{json}");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn policy_validate_counts_the_users_files_only() {
    let dir = scratch_dir("validate");
    let policy = dir.join("p.toml");
    std::fs::write(&policy, "[[stateful]]\ntype = \"my_db\"\nreason = \"ours\"\n").unwrap();
    let out = plangate().args(["policy", "validate"]).arg(&policy).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "policy OK: 1 file(s): 1 stateful entries, 0 disruptive entries, 0 rules, 0 exceptions, on top of the built-in pack\n"
    );
    let out = plangate().args(["policy", "validate", "--no-default-policy"]).arg(&policy).output().unwrap();
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "policy OK: 1 file(s): 1 stateful entries, 0 disruptive entries, 0 rules, 0 exceptions\n"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn policy_show_lists_each_ignore_path_once_and_aligns_long_ids() {
    let dir = scratch_dir("show");
    let policy = dir.join("p.toml");
    let long = "no-deletes-of-anything-in-the-payments-account";
    std::fs::write(
        &policy,
        format!(
            "[compare]\nignore_paths = [\"tags_all\", \"tags_all\", \"labels\"]\n\n[[rule]]\nid = \"{long}\"\n\
             level = \"warn\"\nmessage = \"m\"\nactions = [\"delete\"]\n"
        ),
    )
    .unwrap();
    let out = plangate().args(["policy", "show"]).arg(&policy).output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let ignore = text.lines().find(|l| l.trim_start().starts_with("ignore_paths:")).unwrap();
    assert_eq!(ignore.trim(), "ignore_paths: tags_all, labels", "{text}");
    // The level column starts at the same place on every id line.
    let level_at = |l: &str| l.find(" block ").or_else(|| l.find(" warn ")).or_else(|| l.find(" info "));
    let ids: Vec<&str> = text
        .lines()
        .skip_while(|l| !l.starts_with("# finding levels"))
        .skip(1)
        .filter(|l| l.starts_with("  ") && level_at(l).is_some())
        .take_while(|l| !l.starts_with('#'))
        .collect();
    assert!(ids.iter().any(|l| l.contains(long)), "{text}");
    let columns: std::collections::BTreeSet<usize> = ids.iter().filter_map(|l| level_at(l)).collect();
    assert_eq!(columns.len(), 1, "levels not aligned:\n{}", ids.join("\n"));
    std::fs::remove_dir_all(dir).unwrap();
}
