//! End-to-end tests of the `plangate` binary: exit status, stdout and
//! stderr together, on the fixtures under `testdata/`.

use serde_json::Value;

mod cmd;
use cmd::{findings, has, plangate};

fn pair(scenario: &str) -> [String; 2] {
    [format!("testdata/pairs/{scenario}/staging.json"), format!("testdata/pairs/{scenario}/prod.json")]
}

/// Runs `review --format json` on a pair; returns (exit code, report).
fn review_json(scenario: &str, extra: &[&str]) -> (i32, Value) {
    let [s, p] = pair(scenario);
    let out = plangate()
        .args(["review", "--staging", &s, "--prod", &p, "--format", "json", "--today", "2026-11-24"])
        .args(extra)
        .output()
        .unwrap();
    let code = out.status.code().unwrap();
    assert!(code == 0 || code == 1, "{scenario}: exit {code}: {}", String::from_utf8_lossy(&out.stderr));
    (code, serde_json::from_slice(&out.stdout).expect("report is JSON"))
}

fn change<'r>(report: &'r Value, address: &str) -> &'r Value {
    report["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["address"] == address)
        .unwrap_or_else(|| panic!("no change for {address}"))
}

#[test]
fn bad_inputs_exit_2_with_a_message_naming_the_file() {
    let cases = [
        ("empty.json", "empty"),
        ("blank.json", "empty"),
        ("binary-plan.tfplan", "binary plan file"),
        ("state.json", "state file"),
        ("show-state.json", "for a state"),
        ("text-plan.txt", "human-readable plan"),
        ("not-a-plan.json", "none of a plan's keys"),
        ("array.json", "not an object"),
        ("json-string.json", "not an object"),
        ("hcp-redacted.json", "redacted plan"),
        ("future-format.json", "`2.0` is not supported"),
        ("unknown-action.json", "`resource_changes[0].change.actions` has unknown `actions`"),
        ("malformed.json", "invalid JSON at line 3, column"),
        ("setup-terraform-wrapper.json", "terraform_wrapper: false"),
        ("trailing-brace.json", "invalid JSON at line 1"),
    ];
    for (file, expect) in cases {
        let path = format!("testdata/bad/{file}");
        let out = plangate().args(["check", &path]).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{file}: {stderr}");
        assert!(stderr.contains(&path), "{file}: stderr does not name the file: {stderr}");
        assert!(stderr.contains(expect), "{file}: expected `{expect}` in: {stderr}");
        assert!(out.stdout.is_empty(), "{file}: printed a report");
        assert!(!stderr.contains("obliterate"), "{file}: the message quotes plan content: {stderr}");
        // The same input is refused on either side of a review.
        let ok = "testdata/pairs/nothing-to-do/prod.json";
        let out = plangate().args(["review", "--staging", ok, "--prod", &path]).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "review --prod {file}");
        let out = plangate().args(["review", "--staging", &path, "--prod", ok]).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "review --staging {file}");
    }
}

#[test]
fn missing_file_and_usage_errors_exit_2() {
    let out = plangate().args(["check", "testdata/no-such-plan.json"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no-such-plan.json"));
    plangate().args(["review", "--prod", "x.json"]).assert().code(2);
    plangate().args(["check", "x", "--format", "yaml"]).assert().code(2);
}

#[test]
fn stdin_is_read_with_a_dash() {
    let plan = std::fs::read("testdata/plans/stateful-replace-db.json").unwrap();
    let out = plangate().args(["check", "-", "--format", "json"]).write_stdin(plan).output().unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["plans"]["prod"]["file"], "<stdin>");
    let out = plangate().args(["review", "--staging", "-", "--prod", "-"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn same_change_in_both_environments_passes() {
    let (code, r) = review_json("same-change", &[]);
    assert_eq!(code, 0);
    assert_eq!(r["verdict"], "pass", "{:?}", findings(&r));
    // Same edits; only the size differs (staging t3, prod m5): information.
    for c in r["changes"].as_array().unwrap() {
        assert_eq!(c["staging"]["status"], "value-differs", "{c}");
        assert_eq!(c["staging"]["value_differences"], serde_json::json!(["input.size"]), "{c}");
        assert_eq!(c["staging"]["extra_edits"], serde_json::json!([]), "{c}");
        assert_eq!(c["finding_ids"], serde_json::json!(["value-differs"]), "{c}");
    }
    assert!(r["findings"].as_array().unwrap().iter().all(|f| f["level"] == "info"));
}

#[test]
fn prod_only_change_is_not_in_staging() {
    let (code, r) = review_json("prod-only-change", &[]);
    assert_eq!(code, 0);
    assert_eq!(r["verdict"], "warn");
    assert!(has(&r, "not-in-staging", "terraform_data.log_group"), "{:?}", findings(&r));
    assert_eq!(change(&r, "terraform_data.log_group")["staging"]["status"], "absent");
}

#[test]
fn prod_only_replace_is_escalated_and_destructive() {
    let (_, r) = review_json("prod-only-replace", &[]);
    assert!(has(&r, "escalated", "terraform_data.db"), "{:?}", findings(&r));
    assert!(has(&r, "destructive", "terraform_data.db"));
    assert!(has(&r, "not-in-staging", "terraform_data.cache"));
    assert_eq!(change(&r, "terraform_data.db")["action"], "replace");
    assert_eq!(change(&r, "terraform_data.cache")["action"], "replace-create-first");
    assert_eq!(change(&r, "terraform_data.db")["staging"]["status"], "escalated");
}

#[test]
fn extra_instances_match_their_siblings() {
    let (code, r) = review_json("scaled-counts", &[]);
    assert_eq!(code, 0);
    assert_eq!(r["verdict"], "pass", "{:?}", findings(&r));
    let web3 = &change(&r, "terraform_data.web[3]")["staging"];
    assert_eq!(web3["status"], "matched");
    assert_eq!(web3["via"], "sibling");
}

#[test]
fn removed_for_each_keys_are_not_in_staging() {
    let (_, r) = review_json("removed-for-each-keys", &[]);
    assert!(has(&r, "destructive", r#"terraform_data.queue["audit"]"#));
    // Staging has the keys, unchanged: prod's deletes are not in staging (not
    // a comparison of two changes, so not `escalated`), and the two deletes
    // are one finding for the resource naming both instances.
    let not_in: Vec<&Value> =
        r["findings"].as_array().unwrap().iter().filter(|f| f["id"] == "not-in-staging").collect();
    assert_eq!(not_in.len(), 1, "{:?}", findings(&r));
    assert_eq!(not_in[0]["address"], "terraform_data.queue");
    let message = not_in[0]["message"].as_str().unwrap();
    assert!(message.contains(r#"queue["audit"]"#) && message.contains(r#"queue["legacy/billing"]"#), "{message}");
    for key in ["audit", "legacy/billing"] {
        let c = change(&r, &format!("terraform_data.queue[\"{key}\"]"));
        assert!(c["finding_ids"].as_array().unwrap().contains(&Value::from("not-in-staging")), "{c}");
    }
    assert!(!has(&r, "escalated", r#"terraform_data.queue["legacy/billing"]"#));
    assert!(!findings(&r).iter().any(|(_, a)| a == r#"terraform_data.queue["orders"]"#));
    assert_eq!(change(&r, r#"terraform_data.queue["audit"]"#)["action_reason"], "delete_because_each_key");
}

#[test]
fn moves_match_through_previous_address() {
    let (_, r) = review_json("moved-resource", &[]);
    let c = change(&r, "terraform_data.api_gateway");
    assert_eq!(c["previous_address"], "terraform_data.api");
    assert_eq!(c["moved"], true);
    assert!(c["staging"]["address"].is_string(), "{c}");
}

#[test]
fn errored_prod_plan_blocks() {
    let (code, r) = review_json("errored-prod", &[]);
    assert_eq!(code, 1);
    assert_eq!(r["verdict"], "block");
    assert!(findings(&r).iter().any(|(id, _)| id == "plan-not-applicable"));
}

#[test]
fn nothing_to_do_passes() {
    let (code, r) = review_json("nothing-to-do", &[]);
    assert_eq!(code, 0);
    assert_eq!(r["verdict"], "pass");
    assert!(r["findings"].as_array().unwrap().is_empty(), "{:?}", findings(&r));
}

#[test]
fn fail_on_warn_turns_warnings_into_exit_1() {
    let (code, _) = review_json("prod-only-change", &["--fail-on", "warn"]);
    assert_eq!(code, 1);
}

#[test]
fn fingerprint_ignores_formatting_and_timestamp_but_not_changes() {
    let path = "testdata/pairs/same-change/staging.json";
    let digest = |bytes: Vec<u8>| {
        let out = plangate().args(["fingerprint", "-"]).write_stdin(bytes).output().unwrap();
        assert!(out.status.success());
        String::from_utf8(out.stdout).unwrap().split_whitespace().next().unwrap().to_owned()
    };
    let raw = std::fs::read(path).unwrap();
    let mut doc: Value = serde_json::from_slice(&raw).unwrap();
    let original = digest(raw.clone());
    assert!(original.starts_with("sha256:") && original.len() == 71);
    // Another timestamp and Terraform version, and whitespace between the
    // tokens (key order kept, as Terraform writes it), change nothing.
    let text = String::from_utf8(raw).unwrap();
    let stamp = doc["timestamp"].as_str().unwrap().to_owned();
    let version = doc["terraform_version"].as_str().unwrap().to_owned();
    let text = text.replacen(&stamp, "2030-01-01T00:00:00Z", 1).replacen(&format!("\"{version}\""), "\"9.9.9\"", 1);
    assert_eq!(digest(spaced(&text).into_bytes()), original);
    let changes = doc["resource_changes"].as_array_mut().unwrap();
    let upd = changes.iter_mut().find(|c| c["change"]["actions"][0] == "update").unwrap();
    upd["change"]["after"]["input"] = Value::String("something else".into());
    assert_ne!(digest(serde_json::to_vec(&doc).unwrap()), original);
}

/// `json` with a newline and spaces after every `,`, `:`, `{` and `[`
/// outside strings: pretty-printing that keeps key order.
fn spaced(json: &str) -> String {
    let mut out = String::new();
    let (mut in_string, mut escaped) = (false, false);
    for c in json.chars() {
        out.push(c);
        if in_string {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_string = false,
                _ => {}
            }
        } else if c == '"' {
            in_string = true;
        } else if matches!(c, ',' | ':' | '{' | '[') {
            out.push_str("\n  ");
        }
    }
    out
}

#[test]
fn approval_binds_the_staging_plan() {
    let [s, _] = pair("same-change");
    let out = plangate().args(["fingerprint", &s]).output().unwrap();
    let digest = String::from_utf8(out.stdout).unwrap().split_whitespace().next().unwrap().to_owned();
    let (code, r) = review_json("same-change", &["--approved", &digest]);
    assert_eq!(code, 0);
    assert!(!findings(&r).iter().any(|(id, _)| id == "staging-not-approved"));
    // A well-formed digest of another plan blocks (a malformed one is a
    // usage error: tests/workflow.rs).
    let other = format!("sha256:{}", "0".repeat(64));
    let (code, r) = review_json("same-change", &["--approved", &other]);
    assert_eq!(code, 1);
    assert!(findings(&r).iter().any(|(id, _)| id == "staging-not-approved"));
    assert_eq!(r["plans"]["staging"]["digest"], digest.as_str());
}

#[test]
fn json_report_lists_every_prod_change_with_its_match() {
    let (_, r) = review_json("removed-for-each-keys", &[]);
    assert_eq!(r["schema_version"], 1);
    for c in r["changes"].as_array().unwrap() {
        assert!(c["address"].is_string() && c["action"].is_string());
        let status = c["staging"]["status"].as_str().unwrap();
        assert!(["matched", "diverged", "escalated", "absent"].contains(&status));
    }
}

#[test]
fn secrets_never_appear_in_any_format() {
    let [s, p] = pair("secrets-and-hostile-values");
    for format in ["text", "json", "markdown"] {
        let out = plangate()
            .args(["review", "--staging", &s, "--prod", &p, "--format", format, "--color", "never"])
            .output()
            .unwrap();
        assert!(matches!(out.status.code(), Some(0 | 1)), "{format}: {}", String::from_utf8_lossy(&out.stderr));
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(!text.is_empty());
        for secret in ["S3cr3t-staging", "S3cr3t-prod", "7f1c", "91ab"] {
            assert!(!text.contains(secret), "{format} output leaks {secret}");
        }
    }
}

#[test]
fn text_output_carries_no_control_bytes_without_color() {
    let [s, p] = pair("secrets-and-hostile-values");
    let out = plangate().args(["review", "--staging", &s, "--prod", &p, "--color", "never"]).output().unwrap();
    let bad: Vec<u8> = out.stdout.iter().copied().filter(|b| (*b < 0x20 && *b != b'\n') || *b == 0x7f).collect();
    assert!(bad.is_empty(), "control bytes in text output: {bad:?}");
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("\\u001b") || text.contains("\\u{1b}"),
        "the ESC of the hostile value should be shown escaped"
    );
    assert!(!text.chars().any(|c| ('\u{80}'..='\u{9f}').contains(&c)));
}

#[test]
fn color_is_off_when_not_a_terminal_and_on_when_forced() {
    let [s, p] = pair("prod-only-replace");
    let out = plangate().args(["review", "--staging", &s, "--prod", &p]).output().unwrap();
    assert!(!out.stdout.contains(&0x1b));
    let out = plangate().args(["review", "--staging", &s, "--prod", &p, "--color", "always"]).output().unwrap();
    assert!(out.stdout.contains(&0x1b));
}

#[test]
fn rules_lists_and_explains_ids() {
    let out = plangate().arg("rules").output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("stateful-destroy") && text.contains("block"));
    let out = plangate().args(["rules", "--explain", "escalated"]).output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("escalated (default level: warn)\n"), "{text}");
    // No path into a source checkout the user may not have.
    assert!(!text.contains("docs/rules.md") || text.contains("://"), "{text}");
    plangate().args(["rules", "--explain", "nope"]).assert().code(2);
}

#[test]
fn output_file_receives_the_report() {
    let dir = std::env::temp_dir().join(format!("plangate-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("report.json");
    let [s, p] = pair("same-change");
    plangate()
        .args(["review", "--staging", &s, "--prod", &p, "--format", "json", "--output"])
        .arg(&file)
        .assert()
        .success()
        .stdout("");
    let report: Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    assert_eq!(report["verdict"], "pass");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn relevant_drift_is_reported_and_irrelevant_drift_is_not() {
    let out = plangate()
        .args(["review", "--staging", "testdata/pairs-handmade/drift/staging.json"])
        .args(["--prod", "testdata/pairs-handmade/drift/prod.json", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(has(&r, "drift", "aws_security_group.web"), "{:?}", findings(&r));
    assert!(has(&r, "drift", "aws_sqs_queue.jobs"));
    assert!(!has(&r, "drift", "aws_instance.batch"), "drift outside relevant_attributes is noise");
    let drift = r["drift"].as_array().unwrap();
    assert_eq!(drift.len(), 2);
    assert!(drift[0]["changed_paths"].as_array().unwrap().iter().any(|p| p == "ingress[0].cidr_blocks[0]"));
}

#[test]
fn default_pack_blocks_stateful_destroys_on_every_platform() {
    let out = plangate()
        .args(["check", "testdata/plans/stateful-destroys-four-platforms.json", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    for c in r["changes"].as_array().unwrap() {
        let address = c["address"].as_str().unwrap();
        let expected = if address == "aws_instance.web" { "destructive" } else { "stateful-destroy" };
        assert!(has(&r, expected, address), "{address}: expected {expected}, got {:?}", findings(&r));
        if expected == "stateful-destroy" {
            assert!(c["stateful"].is_string(), "{address} should carry the stateful reason");
        }
    }
    let f = r["findings"].as_array().unwrap();
    let s3 = f.iter().find(|f| f["address"] == "aws_s3_bucket.logs").unwrap();
    assert!(s3["message"].as_str().unwrap().contains("prevent_destroy"));
    assert!(s3["origin"]["file"].as_str().unwrap().starts_with("builtin:aws.toml"));
}

#[test]
fn default_pack_flags_disruptive_updates() {
    let out =
        plangate().args(["check", "testdata/plans/stateful-replace-db.json", "--format", "json"]).output().unwrap();
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(has(&r, "disruptive-update", "aws_db_instance.replica"), "{:?}", findings(&r));
    assert!(has(&r, "stateful-destroy", "aws_db_instance.main"));
    assert!(has(&r, "destructive", "aws_security_group.db"));
}

#[test]
fn quick_start_example_blocks_and_masks_the_copied_password() {
    let out = plangate()
        .args(["review", "--staging", "testdata/example/staging.json", "--prod", "testdata/example/prod.json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("BLOCKED"));
    assert!(!text.contains("hunter2"), "{text}");
    assert!(text.contains("echo (sensitive) > /etc/db"), "{text}");
}

#[test]
fn addresses_that_embed_the_environment_match_through_the_policy_map() {
    let dir = "testdata/pairs-handmade/address-map";
    let run = |policy: bool| {
        let mut c = plangate();
        c.args(["review", "--staging", &format!("{dir}/staging.json"), "--prod", &format!("{dir}/prod.json")])
            .args(["--format", "json"]);
        if policy {
            c.args(["--policy", &format!("{dir}/policy.toml")]);
        }
        let out = c.output().unwrap();
        serde_json::from_slice::<Value>(&out.stdout).unwrap()
    };
    // The built-in `[[compare.replace]]` pair `staging`/`prod` already
    // matches these.
    let without = run(false);
    let app = change(&without, r#"module.env["prod"].aws_instance.app"#);
    assert_eq!(app["staging"]["via"], "normalized");
    assert_eq!(app["staging"]["address"], r#"module.env["staging"].aws_instance.app"#);
    let bare = {
        let out = plangate()
            .args(["review", "--staging", &format!("{dir}/staging.json"), "--prod", &format!("{dir}/prod.json")])
            .args(["--format", "json", "--no-default-policy"])
            .output()
            .unwrap();
        serde_json::from_slice::<Value>(&out.stdout).unwrap()
    };
    // Without any pair, the module instance key still finds its sibling.
    assert_eq!(change(&bare, r#"module.env["prod"].aws_instance.app"#)["staging"]["via"], "sibling");
    assert!(has(&bare, "not-in-staging", "aws_s3_bucket.logs_prod"));
    let with = run(true);
    let app = change(&with, r#"module.env["prod"].aws_instance.app"#);
    assert_eq!(app["staging"]["via"], "mapped");
    assert_eq!(app["staging"]["address"], r#"module.env["staging"].aws_instance.app"#);
    assert_eq!(app["staging"]["status"], "diverged", "prod also sets `public`");
    assert_eq!(app["staging"]["extra_paths"][0], "public");
    assert_eq!(change(&with, "aws_s3_bucket.logs_prod")["staging"]["status"], "matched");
    assert!(
        !findings(&with).iter().any(|(id, _)| id == "staging-only" || id == "not-in-staging"),
        "{:?}",
        findings(&with)
    );
}

#[test]
fn for_each_keys_may_differ_per_environment() {
    let out = plangate()
        .args(["review", "--staging", "testdata/pairs-handmade/regional-keys/staging.json"])
        .args(["--prod", "testdata/pairs-handmade/regional-keys/prod.json", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["verdict"], "pass", "{:?}", findings(&r));
    assert!(r["findings"].as_array().unwrap().is_empty(), "no staging-only for the us key: {:?}", findings(&r));
    let eu = &change(&r, r#"aws_instance.web["eu"]"#)["staging"];
    assert_eq!((eu["status"].as_str(), eu["via"].as_str()), (Some("matched"), Some("sibling")));
}

/// `kind path` of each extra edit of a prod change.
fn extra_edits(c: &Value) -> Vec<String> {
    c["staging"]["extra_edits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| format!("{} {}", e["kind"].as_str().unwrap(), e["path"].as_str().unwrap()))
        .collect()
}

#[test]
fn extra_script_lines_and_policy_elements_diverge_real_terraform() {
    let (code, r) = review_json("edits-script-policy", &[]);
    assert_eq!(code, 0);
    let deploy = change(&r, "terraform_data.deploy");
    assert_eq!(deploy["staging"]["status"], "diverged");
    // The replicas line only; the image and token lines are staging's too,
    // and `app-stg-db` / `app-prd-db` differ only by environment token.
    assert_eq!(extra_edits(deploy), vec!["line input.script"]);
    assert_eq!(deploy["staging"]["value_differences"], serde_json::json!(["input.instance_class"]));
    let policy = change(&r, "terraform_data.policy");
    assert_eq!(policy["staging"]["status"], "diverged");
    assert_eq!(extra_edits(policy), vec!["element input.policy.Statement[*].Action"]);
    assert_eq!(change(&r, "terraform_data.token")["staging"]["status"], "matched");
    let mut ids: Vec<(String, String)> = findings(&r);
    ids.sort();
    assert_eq!(
        ids,
        vec![
            ("diverged".to_owned(), "terraform_data.deploy".to_owned()),
            ("diverged".to_owned(), "terraform_data.policy".to_owned())
        ]
    );
    let message = &r["findings"][0]["message"];
    assert!(message.as_str().unwrap().contains("input.script (1 line)"), "{message}");
}

#[test]
fn human_formats_show_each_prod_edit_beside_staging_and_no_secret() {
    let [s, p] = pair("edits-script-policy");
    for format in ["text", "markdown", "json"] {
        let out = plangate().args(["review", "--staging", &s, "--prod", &p, "--format", format]).output().unwrap();
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(!text.contains("Tok3n-"), "{format}: a token leaked:\n{text}");
        if format == "json" {
            continue;
        }
        for want in [
            "run --replicas 6 --name app-prd  (not in staging)",
            "docker pull registry.example.com/app:1.3.0  (same as staging)",
            "\"s3:DeleteObject\"  (not in staging)",
            "\"s3:PutObject\"  (same as staging)",
            "\"db.r6g.xlarge\"  (staging: \"db.t3.large\")",
        ] {
            assert!(text.contains(want), "{format}: no `{want}` in\n{text}");
        }
    }
}

#[test]
fn per_environment_keys_match_and_prod_only_scale_out_is_one_finding_real_terraform() {
    let (code, r) = review_json("edits-env-keys", &[]);
    assert_eq!(code, 0);
    for region in ["eu", "us"] {
        let m = &change(&r, &format!("module.svc[\"prod-{region}\"].terraform_data.this"))["staging"];
        assert_eq!(m["status"], "matched", "{m}");
        assert_eq!(m["via"], "sibling", "{m}");
    }
    assert_eq!(change(&r, "terraform_data.endpoint")["staging"]["status"], "matched");
    assert_eq!(findings(&r), vec![("not-in-staging".to_owned(), "terraform_data.worker".to_owned())]);
    let message = r["findings"][0]["message"].as_str().unwrap();
    assert!(message.contains("worker[2]") && message.contains("worker[3]"), "{message}");
}

/// Several plans are fingerprinted on every core, printed in the order
/// given; one that cannot be read fails the whole command, printing none.
#[test]
fn fingerprints_of_many_plans_keep_their_order() {
    let alone = |p: &str| {
        let out = plangate().args(["fingerprint", p]).output().unwrap();
        String::from_utf8(out.stdout).unwrap().trim().to_owned()
    };
    let mut plans: Vec<String> = ["same-change", "prod-only-change", "moved-resource", "state-drift", "errored-prod"]
        .iter()
        .flat_map(|p| [format!("testdata/pairs/{p}/prod.json"), format!("testdata/pairs/{p}/staging.json")])
        .collect();
    for _ in 0..2 {
        let out = plangate().arg("fingerprint").args(&plans).output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
        let want: String = plans.iter().map(|p| format!("{}  {p}\n", alone(p))).collect();
        assert_eq!(String::from_utf8(out.stdout).unwrap(), want);
        plans.reverse();
    }
    plans.insert(3, "testdata/bad/empty.json".into());
    let out = plangate().arg("fingerprint").args(&plans).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains("testdata/bad/empty.json"));
}

/// A plan large enough to be memory-mapped has its `prior_state` pages
/// released once it is read: the digest, which still covers `prior_state`,
/// is the same as that of the same bytes read from standard input (never
/// mapped), whether it is computed after the release (`fingerprint`) or
/// before it (a JSON review's plan lines).
#[test]
fn a_mapped_plan_whose_prior_state_is_released_keeps_its_digest() {
    let base: Value =
        serde_json::from_str(&std::fs::read_to_string("testdata/pairs/same-change/prod.json").unwrap()).unwrap();
    let mut plan = base.clone();
    let resources: Vec<Value> = (0..8000)
        .map(|i| {
            serde_json::json!({"address": format!("null_resource.r[{i}]"), "mode": "managed",
            "type": "null_resource", "name": "r", "index": i, "values": {"id": format!("{i:0>200}")}})
        })
        .collect();
    plan["prior_state"] =
        serde_json::json!({"format_version": "1.0", "values": {"root_module": {"resources": resources}}});
    let text = serde_json::to_string(&plan).unwrap();
    assert!(text.len() > 2 << 20, "large enough to be mapped (1 MB and up): {}", text.len());
    let dir = std::env::temp_dir().join(format!("plangate-release-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("prod.json");
    std::fs::write(&path, &text).unwrap();
    let path = path.to_str().unwrap();

    let mapped = plangate().args(["fingerprint", path]).output().unwrap();
    let piped = plangate().args(["fingerprint", "-"]).write_stdin(text.clone()).output().unwrap();
    let digest = |out: &std::process::Output| {
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).split_whitespace().next().unwrap().to_owned()
    };
    assert_eq!(digest(&mapped), digest(&piped));
    // `prior_state` is covered: another one is another digest.
    let mut other = plan.clone();
    other["prior_state"]["values"]["root_module"]["resources"][7999]["values"]["id"] = "x".into();
    let other = plangate().args(["fingerprint", "-"]).write_stdin(serde_json::to_string(&other).unwrap()).output();
    assert_ne!(digest(&other.unwrap()), digest(&piped));

    let staging = "testdata/pairs/same-change/staging.json";
    let out = plangate().args(["review", "--staging", staging, "--prod", path, "--format", "json"]).output().unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["plans"]["prod"]["digest"].as_str(), Some(digest(&piped).as_str()), "{}", report["plans"]);
    std::fs::remove_dir_all(&dir).unwrap();
}
