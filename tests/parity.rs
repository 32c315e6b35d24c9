//! Parity and one-way end to end: the real binary on the hand-made and
//! real-terraform fixtures, pinning which differences are kind and which
//! edits a rollback cannot undo.

use assert_cmd::Command;
use serde_json::Value;

fn review(dir: &str, extra: &[&str]) -> Value {
    let out = Command::cargo_bin("plangate")
        .unwrap()
        .args(["review", "--staging", &format!("{dir}/staging.json"), "--prod", &format!("{dir}/prod.json")])
        .args(["--format", "json", "--today", "2026-11-24"])
        .args(extra)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "stderr: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// `(id, address, waived)` of every finding with one of `ids`.
fn findings(report: &Value, ids: &[&str]) -> Vec<(String, String, bool)> {
    let mut out: Vec<(String, String, bool)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| ids.contains(&f["id"].as_str().unwrap()))
        .map(|f| {
            (f["id"].as_str().unwrap().to_owned(), f["address"].as_str().unwrap().to_owned(), !f["waived"].is_null())
        })
        .collect();
    out.sort();
    out
}

const PARITY_IDS: &[&str] = &["parity-kind", "type-not-in-staging", "type-not-in-prod"];

#[test]
fn kind_differs_quantity_and_names_do_not() {
    let r = review("testdata/pairs-handmade/parity-kind", &[]);
    let got = findings(&r, PARITY_IDS);
    let want = [
        ("parity-kind", "aws_db_instance.orders", false),
        ("parity-kind", "module.web[\"prod\"].aws_lb.this", false),
        ("type-not-in-prod", "aws_cloudwatch_log_group.debug", false),
        ("type-not-in-staging", "aws_wafv2_web_acl.edge", false),
    ]
    .map(|(a, b, c)| (a.to_owned(), b.to_owned(), c));
    assert_eq!(got, want);
    let db = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == "parity-kind" && f["address"] == "aws_db_instance.orders")
        .unwrap();
    let msg = db["message"].as_str().unwrap();
    assert!(
        msg.contains("staging `15.4`, prod `16.1`") && msg.contains("this plan introduces the difference"),
        "{msg}"
    );
    let lb = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == "parity-kind" && f["address"] != "aws_db_instance.orders")
        .unwrap();
    assert!(lb["message"].as_str().unwrap().contains("the difference predates this plan"), "{lb}");
}

#[test]
fn an_exception_waives_a_documented_gap() {
    let r =
        review("testdata/pairs-handmade/parity-kind", &["--policy", "testdata/pairs-handmade/parity-kind/policy.toml"]);
    let got = findings(&r, &["parity-kind"]);
    assert_eq!(
        got,
        [
            ("parity-kind".to_owned(), "aws_db_instance.orders".to_owned(), false),
            ("parity-kind".to_owned(), "module.web[\"prod\"].aws_lb.this".to_owned(), true),
        ]
    );
    assert!(findings(&r, &["exception-unused"]).is_empty());
}

#[test]
fn storage_versions_and_retention_are_one_way_sizes_and_tags_are_not() {
    let r = review("testdata/pairs-handmade/one-way", &[]);
    let edits: Vec<(String, String, String)> = r["rollback"]["edits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["address"].as_str().unwrap().into(),
                e["path"].as_str().unwrap().into(),
                e["outcome"].as_str().unwrap().into(),
            )
        })
        .collect();
    let want = [
        ("aws_db_instance.orders", "allocated_storage", "error"),
        ("aws_db_instance.orders", "engine_version", "error"),
        ("aws_eks_cluster.main", "version", "error"),
        ("kubernetes_persistent_volume_claim_v1.data", "spec.resources.requests.storage", "replace"),
        ("aws_cloudwatch_log_group.audit", "retention_in_days", "data-loss"),
    ]
    .map(|(a, b, c)| (a.to_owned(), b.to_owned(), c.to_owned()));
    assert_eq!(edits, want);
    assert_eq!(r["rollback"]["one_way"], 5);
    let one_way: Vec<&Value> = r["findings"].as_array().unwrap().iter().filter(|f| f["id"] == "one-way").collect();
    assert_eq!(one_way.len(), 5);
    assert!(one_way.iter().all(|f| f["rollback"]["outcome"].is_string()));
    assert!(!one_way.iter().any(|f| f["address"] == "aws_instance.app"), "a bigger instance type is not one-way");
    assert!(!one_way.iter().any(|f| f["message"].as_str().unwrap().contains("tags")), "tags are not one-way");
}

#[test]
fn every_human_format_ends_with_the_rollback_section() {
    for format in ["text", "markdown"] {
        let out = Command::cargo_bin("plangate")
            .unwrap()
            .args(["review", "--staging", "testdata/pairs-handmade/one-way/staging.json"])
            .args(["--prod", "testdata/pairs-handmade/one-way/prod.json", "--format", format, "--color", "never"])
            .output()
            .unwrap();
        let text = String::from_utf8(out.stdout).unwrap();
        let at = text.rfind("Rollback").unwrap_or_else(|| panic!("{format}: no Rollback section:\n{text}"));
        let section = &text[at..];
        for name in ["aws_db_instance.orders", "aws_eks_cluster.main", "kubernetes_persistent_volume_claim_v1.data"] {
            assert!(section.contains(name), "{format}: the Rollback section does not name {name}:\n{section}");
        }
        assert!(!section.contains("aws_instance.app"), "{format}:\n{section}");

        let out = Command::cargo_bin("plangate")
            .unwrap()
            .args(["review", "--staging", "testdata/pairs/same-change/staging.json"])
            .args(["--prod", "testdata/pairs/same-change/prod.json", "--format", format, "--color", "never"])
            .output()
            .unwrap();
        let text = String::from_utf8(out.stdout).unwrap();
        let last = text.trim_end().lines().last().unwrap();
        assert!(last.contains("No known one-way change"), "{format}: last line is {last:?}");
    }
}

#[test]
fn real_terraform_plans_with_a_policy_for_their_stand_ins() {
    let r = review("testdata/pairs/parity-and-one-way", &["--policy", "testdata/pairs/parity-and-one-way/policy.toml"]);
    assert_eq!(
        findings(&r, &["parity-kind", "one-way"]),
        [
            ("one-way".to_owned(), "terraform_data.db".to_owned(), false),
            ("one-way".to_owned(), "terraform_data.db".to_owned(), false),
            ("parity-kind".to_owned(), "terraform_data.db".to_owned(), false),
            ("parity-kind".to_owned(), "terraform_data.lb".to_owned(), false),
        ]
    );
}
