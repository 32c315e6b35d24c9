//! Trust, end to end through the binary: no secret leaks into any output
//! format (text with and without colour, Markdown, JSON, stderr), no plan
//! text injects Markdown links, mentions or references or terminal control
//! sequences, and input that cannot be understood is refused (exit 2) with a
//! message that quotes no plan content.

use std::path::PathBuf;

use serde_json::{Value, json};

mod cmd;
use cmd::plangate;

/// Every output of `args` (plus `--format`/`--color`), with the exit code of each.
fn all_outputs(args: &[&str]) -> Vec<(String, i32, String, String)> {
    let formats: [&[&str]; 4] = [
        &["--format", "text", "--color", "never"],
        &["--format", "text", "--color", "always"],
        &["--format", "markdown"],
        &["--format", "json"],
    ];
    formats
        .iter()
        .map(|f| {
            let out = plangate().args(args).args(*f).args(["--today", "2026-11-24"]).output().unwrap();
            (
                f.join(" "),
                out.status.code().unwrap_or(-1),
                String::from_utf8_lossy(&out.stdout).into_owned(),
                String::from_utf8_lossy(&out.stderr).into_owned(),
            )
        })
        .collect()
}

fn assert_absent(outputs: &[(String, i32, String, String)], forbidden: &[&str]) {
    for (format, code, stdout, stderr) in outputs {
        assert!(*code == 0 || *code == 1, "{format}: exit {code}: {stderr}");
        for bad in forbidden {
            assert!(!stdout.contains(bad), "{format}: stdout contains {bad:?}:\n{stdout}");
            assert!(!stderr.contains(bad), "{format}: stderr contains {bad:?}:\n{stderr}");
        }
    }
}

fn write(dir: &str, name: &str, v: &Value) -> String {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(dir);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, serde_json::to_vec_pretty(v).unwrap()).unwrap();
    path.to_string_lossy().into_owned()
}

fn write_bytes(dir: &str, name: &str, bytes: &[u8]) -> String {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(dir);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path.to_string_lossy().into_owned()
}

/// A plan of `changes`, with root variables `vars` declared sensitive.
fn plan(vars: &[(&str, Value)], changes: Value, outputs: Value, drift: Value) -> Value {
    let variables: serde_json::Map<String, Value> =
        vars.iter().map(|(k, v)| ((*k).to_owned(), json!({ "value": v }))).collect();
    let declared: serde_json::Map<String, Value> =
        vars.iter().map(|(k, _)| ((*k).to_owned(), json!({ "sensitive": true }))).collect();
    json!({
        "format_version": "1.2",
        "terraform_version": "1.11.4",
        "variables": variables,
        "resource_changes": changes,
        "resource_drift": drift,
        "output_changes": outputs,
        "configuration": { "root_module": { "variables": declared } },
        "errored": false, "complete": true, "applyable": true
    })
}

fn rc(address: &str, actions: &[&str], before: Value, after: Value) -> Value {
    let (type_, name) = {
        let base = address.split('[').next().unwrap();
        let parts: Vec<&str> = base.rsplitn(2, '.').collect();
        (parts[1].rsplit('.').next().unwrap().to_owned(), parts[0].to_owned())
    };
    json!({
        "address": address, "mode": "managed", "type": type_, "name": name,
        "provider_name": "registry.terraform.io/hashicorp/aws",
        "change": { "actions": actions, "before": before, "after": after, "after_unknown": {},
                    "before_sensitive": {}, "after_sensitive": {} }
    })
}

#[test]
fn real_terraform_copies_of_secrets_are_masked_in_every_format() {
    let s = "testdata/pairs/secret-copies/staging.json";
    let p = "testdata/pairs/secret-copies/prod.json";
    let mut forbidden = vec!["Tok3n", "MIIEstaging", "MIIEprod", "hkiG9w0BAQEFAASC", "Tok3n%3E"];
    // base64 of each token, as base64encode writes it.
    let b64 = [
        "c3RnJjxUb2szbj4gb2xkLzE=",
        "c3RnJjxUb2szbj4gbmV3LzE=",
        "cHJkJjxUb2szbj4gb2xkLzI=",
        "cHJkJjxUb2szbj4gbmV3LzI=",
    ];
    forbidden.extend(b64);
    let outputs = all_outputs(&["review", "--staging", s, "--prod", p]);
    assert_absent(&outputs, &forbidden);
    let outputs = all_outputs(&["check", p]);
    assert_absent(&outputs, &forbidden);
    // The masking still says where things are.
    let (_, _, json, _) = &all_outputs(&["review", "--staging", s, "--prod", p])[3];
    let report: Value = serde_json::from_str(json).unwrap();
    let addresses: Vec<&str> =
        report["changes"].as_array().unwrap().iter().map(|c| c["address"].as_str().unwrap()).collect();
    assert!(addresses.contains(&"terraform_data.per_key[\"eu-(sensitive)\"]"), "{addresses:?}");
}

/// Secrets in map keys, paths, `replace_paths`, instance keys, previous
/// addresses, output names and drift, long and short.
#[test]
fn secrets_in_keys_paths_and_addresses_are_masked_in_every_format() {
    let secret = "hunter2-Sekrit";
    let short = "q7z";
    let staging = plan(
        &[("pw", json!("stg-Passw0rd!")), ("pin", json!("r4x"))],
        json!([rc("aws_db_instance.db", &["update"], json!({"input": {}, "n": 1}), json!({"input": {}, "n": 2})),]),
        json!({}),
        json!([]),
    );
    let mut moved = rc(
        &format!("aws_s3_bucket.b[\"{secret}\"]"),
        &["update"],
        json!({"tags": {"x": "1"}}),
        json!({"tags": {"x": "2"}}),
    );
    moved["previous_address"] = json!(format!("aws_s3_bucket.old[\"{secret}\"]"));
    let mut replaced =
        rc(&format!("aws_instance.i[\"{short}\"]"), &["delete", "create"], json!({"ami": "a"}), json!({"ami": "b"}));
    replaced["change"]["replace_paths"] = json!([["user_data", secret], ["tags", short]]);
    replaced["action_reason"] = json!("replace_because_cannot_update");
    let prod = plan(
        &[("pw", json!(secret)), ("pin", json!(short))],
        json!([
            rc(
                "aws_db_instance.db",
                &["update"],
                json!({"input": {}, "n": 1}),
                json!({"input": {secret: "v", short: "w"}, "n": 2, "copy": format!("tok={secret}")})
            ),
            moved,
            replaced,
        ]),
        json!({
            secret: { "actions": ["create"], "before": null, "after": 1, "after_unknown": false,
                      "before_sensitive": false, "after_sensitive": false },
            "plain": { "actions": ["update"], "before": {"k": "a"}, "after": {(secret): "b"},
                       "after_unknown": false, "before_sensitive": false, "after_sensitive": false }
        }),
        json!([rc("aws_db_instance.db", &["update"], json!({"input": {}}), json!({"input": {secret: "drifted"}}))]),
    );
    let s = write("keys", "staging.json", &staging);
    let p = write("keys", "prod.json", &prod);
    let forbidden = [secret, "hunter2", "Sekrit", "\"q7z\"", "[q7z]", ".q7z", "stg-Passw0rd"];
    assert_absent(&all_outputs(&["review", "--staging", &s, "--prod", &p]), &forbidden);
    assert_absent(&all_outputs(&["check", &p]), &forbidden);
    // The diverged finding names the extra edit, masked.
    let (_, _, json, _) = &all_outputs(&["review", "--staging", &s, "--prod", &p])[3];
    assert!(json.contains("(sensitive)"), "{json}");
}

/// Hostile text in names, keys, addresses and values renders no mention,
/// link or reference in Markdown outside code, and no raw control or
/// invisible character in any format.
#[test]
fn hostile_text_injects_nothing_in_any_format() {
    let hostile = [
        "@all",
        "https://evil.example/approve",
        "#123",
        "owner/repo#1",
        "a\u{1b}[31mred",
        "b\u{9b}31m",
        "rtl\u{202e}txt",
        "alm\u{061c}x",
        "zw\u{200b}sp",
        "ls\u{2028}x",
        "ps\u{2029}x",
        "del\u{7f}x",
        "::error::pwned",
    ];
    let mut changes = Vec::new();
    for (i, h) in hostile.iter().enumerate() {
        changes.push(rc(
            &format!("aws_s3_bucket.b[\"{h}\"]"),
            &["update"],
            json!({"tags": {"Name": "old"}, "note": "x"}),
            json!({"tags": {(*h): "v", "Name": *h}, "note": format!("{h}\n::warning::line {i}")}),
        ));
    }
    let staging = plan(&[], json!([]), json!({}), json!([]));
    let prod = plan(&[], json!(changes), json!({}), json!([]));
    let s = write("hostile", "staging.json", &staging);
    let p = write("hostile", "prod.json", &prod);
    for (format, code, stdout, stderr) in all_outputs(&["review", "--staging", &s, "--prod", &p]) {
        assert!(code == 0 || code == 1, "{format}: {stderr}");
        for c in ['\u{9b}', '\u{202e}', '\u{061c}', '\u{200b}', '\u{2028}', '\u{2029}', '\u{7f}'] {
            assert!(!stdout.contains(c), "{format}: raw U+{:04X}", c as u32);
        }
        if !format.contains("always") {
            assert!(!stdout.contains('\u{1b}'), "{format}: raw ESC");
        } else {
            assert!(!stdout.contains("\u{1b}[31mred"), "{format}: plan ESC");
        }
        for line in stdout.lines() {
            assert!(!line.trim_start().starts_with("::"), "{format}: workflow command line {line:?}");
        }
        if format.contains("markdown") {
            for line in markdown_prose(&stdout) {
                for bad in ["@all", "https://evil", "#123", "repo#1"] {
                    assert!(!line.contains(bad), "markdown prose renders {bad:?}: {line}");
                }
            }
        }
    }
}

/// The Markdown lines outside fenced code blocks, with inline code spans removed.
fn markdown_prose(md: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut fence: Option<String> = None;
    for line in md.lines() {
        let t = line.trim_start();
        if let Some(f) = &fence {
            if t.starts_with(f.as_str()) && t.trim_end().chars().all(|c| c == '`') {
                fence = None;
            }
            continue;
        }
        if t.starts_with("```") {
            fence = Some(t.chars().take_while(|&c| c == '`').collect());
            continue;
        }
        // Drop code spans: runs between equal backtick fences.
        let mut prose = String::new();
        let chars: Vec<char> = line.chars().collect();
        let mut i = 0;
        while i < chars.len() {
            if chars[i] == '`' {
                let n = chars[i..].iter().take_while(|&&c| c == '`').count();
                let fence: String = "`".repeat(n);
                let rest: String = chars[i + n..].iter().collect();
                if let Some(end) = rest.find(&fence) {
                    i += n + rest[..end].chars().count() + n;
                    continue;
                }
            }
            prose.push(chars[i]);
            i += 1;
        }
        out.push(prose);
    }
    out
}

/// Windows-made files: UTF-16 (PowerShell 5's `>`) is refused with a
/// message saying how to write UTF-8; a UTF-8 byte order mark is accepted.
#[test]
fn windows_encodings() {
    let plan = std::fs::read_to_string("testdata/pairs/same-change/prod.json").unwrap();
    let mut bom = b"\xEF\xBB\xBF".to_vec();
    bom.extend_from_slice(plan.as_bytes());
    let p = write_bytes("windows", "bom.json", &bom);
    let out = plangate().args(["fingerprint", &p]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let plain = plangate().args(["fingerprint", "testdata/pairs/same-change/prod.json"]).output().unwrap();
    let digest = |o: &[u8]| String::from_utf8_lossy(o).split_whitespace().next().unwrap_or("").to_owned();
    assert_eq!(digest(&out.stdout), digest(&plain.stdout), "a BOM does not change the digest");

    let le: Vec<u8> = [0xFF, 0xFE].into_iter().chain(plan.encode_utf16().flat_map(u16::to_le_bytes)).collect();
    let be: Vec<u8> = plan.encode_utf16().flat_map(u16::to_be_bytes).collect();
    for (name, bytes) in [("le.json", le), ("be-no-bom.json", be)] {
        let p = write_bytes("windows", name, &bytes);
        let out = plangate().args(["check", &p]).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{name}: {stderr}");
        assert!(stderr.contains("UTF-16") && stderr.contains("Out-File -Encoding utf8"), "{name}: {stderr}");
        assert!(stderr.contains(&p), "{name}: names the file: {stderr}");
    }
}

/// Runs `check` on raw plan text; returns (exit code, stdout, stderr).
fn check_text(name: &str, text: &str) -> (i32, String, String) {
    let p = write_bytes("refused", name, text.as_bytes());
    let out = plangate().args(["check", &p, "--format", "json"]).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn one_change(change: &str, extra: &str) -> String {
    format!(
        r#"{{"format_version":"1.2","terraform_version":"1.11.4"{extra},"resource_changes":[{{"address":"aws_db_instance.db","mode":"managed","type":"aws_db_instance","name":"db","provider_name":"registry.terraform.io/hashicorp/aws","change":{change}}}]}}"#
    )
}

/// Sensitivity that cannot be understood is never "nothing sensitive": the
/// plan is refused (exit 2), naming the file, the line and the JSON path,
/// quoting nothing from the plan.
#[test]
fn unreadable_json_is_refused_without_quoting_it() {
    let secret = "hunter2-Sekrit";
    let deep = format!("{}{}", "[".repeat(150), "]".repeat(150));
    let cases = [
        (
            "duplicate-mirror-key",
            one_change(
                &format!(
                    r#"{{"actions":["update"],"before":{{"password":"{secret}"}},"after":{{"password":"{secret}-2"}},"before_sensitive":{{"password":true,"password":false}},"after_sensitive":{{"password":true}}}}"#
                ),
                "",
            ),
            "same key twice",
        ),
        (
            "duplicate-value-key",
            one_change(
                &format!(
                    r#"{{"actions":["update"],"before":{{"password":"a","password":"{secret}"}},"after":{{}},"before_sensitive":{{}},"after_sensitive":{{}}}}"#
                ),
                "",
            ),
            "same key twice",
        ),
        (
            "duplicate-variable",
            one_change(
                r#"{"actions":["no-op"],"before":{},"after":{}}"#,
                &format!(r#","variables":{{"pw":{{"value":"{secret}"}},"pw":{{"value":"x"}}}}"#),
            ),
            "same key twice",
        ),
        (
            "huge-number",
            one_change(
                &format!(
                    r#"{{"actions":["update"],"before":{{"password":"{secret}","n":1e400}},"after":{{}},"before_sensitive":{{"password":true}},"after_sensitive":{{}}}}"#
                ),
                "",
            ),
            "out of the range",
        ),
        (
            "lone-surrogate",
            one_change(
                &format!(
                    r#"{{"actions":["update"],"before":{{"password":"{secret}\ud800"}},"after":{{}},"before_sensitive":{{"password":true}},"after_sensitive":{{}}}}"#
                ),
                "",
            ),
            "surrogate",
        ),
        (
            "deep-variable",
            one_change(
                r#"{"actions":["no-op"],"before":{},"after":{}}"#,
                &format!(r#","variables":{{"pw":{{"value":{deep}}}}}"#),
            ),
            "nested more than",
        ),
        (
            "type-error",
            one_change(r#"{"actions":["update"],"before":{},"after":{}}"#, "")
                .replace(r#""type":"aws_db_instance""#, &format!(r#""type":["{secret}"]"#)),
            "does not have the shape of a plan",
        ),
        (
            "type-error-string",
            one_change(r#"{"actions":["update"],"before":{},"after":{}}"#, "")
                .replace(r#""format_version":"1.2""#, r#""format_version":"1.2","errored":"hunter2-Sekrit""#),
            "does not have the shape of a plan",
        ),
        (
            "unknown-mode",
            one_change(r#"{"actions":["update"],"before":{},"after":{}}"#, "")
                .replace(r#""mode":"managed""#, &format!(r#""mode":"{secret}""#)),
            "unknown `mode`",
        ),
        (
            "unknown-action",
            one_change(&format!(r#"{{"actions":["{secret}"],"before":{{}},"after":{{}}}}"#), ""),
            "unknown `actions`",
        ),
    ];
    for (name, text, expect) in cases {
        let (code, stdout, stderr) = check_text(&format!("{name}.json"), &text);
        assert_eq!(code, 2, "{name}: {stderr}");
        assert!(stdout.is_empty(), "{name}: printed a report");
        assert!(stderr.contains(expect), "{name}: expected {expect:?} in {stderr}");
        assert!(stderr.contains(&format!("{name}.json")), "{name}: names the file: {stderr}");
        assert!(!stderr.contains("hunter2") && !stderr.contains("Sekrit"), "{name}: quotes the plan: {stderr}");
        // A review checks each plan beside the review and its rendering: a
        // refused plan, on either side, still discards every report (the
        // `--report` file and the job summary too) and exits 2.
        let bad = write_bytes("refused", &format!("{name}.json"), text.as_bytes());
        let good = "testdata/pairs/same-change/staging.json";
        let (extra, summary) = (format!("{bad}.sarif"), format!("{bad}.summary.md"));
        for (staging, prod) in [(good, bad.as_str()), (bad.as_str(), good)] {
            for format in ["json", "text", "markdown"] {
                let out = plangate()
                    .args(["review", "--staging", staging, "--prod", prod, "--format", format])
                    .args(["--report", &format!("sarif={extra}")])
                    .env("GITHUB_STEP_SUMMARY", &summary)
                    .output()
                    .unwrap();
                let stderr = String::from_utf8_lossy(&out.stderr);
                assert_eq!(out.status.code(), Some(2), "{name} review {format}: {stderr}");
                assert!(out.stdout.is_empty(), "{name} review {format}: printed a report");
                let written = [&extra, &summary].map(|f| std::path::Path::new(f).exists());
                assert_eq!(written, [false, false], "{name} review {format}: wrote a report file");
                assert!(stderr.contains(expect) && stderr.contains(&bad), "{name} review: {stderr}");
                assert!(!stderr.contains("hunter2") && !stderr.contains("Sekrit"), "{name} review: {stderr}");
            }
        }
    }
    let (_, _, stderr) = check_text("type-error.json", &cases_type_error());
    assert!(stderr.contains("line 1, column") && stderr.contains("`resource_changes[0].type`"), "{stderr}");
}

/// `prior_state` is the one part of a plan plangate never reads: the scan
/// steps over it, so readers disagreeing about it cannot change a review,
/// but it must still be JSON, and the same text anywhere that is read
/// (here `planned_values`) is refused.
#[test]
fn prior_state_is_only_checked_to_be_json() {
    let unreadable = r#"{"values":{"root_module":{"resources":[{"address":"aws_db_instance.db","mode":"managed","type":"aws_db_instance","name":"db","values":{"password":"a","password":"hunter2-Sekrit","n":1e400}}]}}}"#;
    let change = r#"{"actions":["no-op"],"before":{},"after":{}}"#;
    let in_prior = one_change(change, &format!(r#","prior_state":{unreadable}"#));
    let (code, _, stderr) = check_text("prior-state.json", &in_prior);
    assert_eq!(code, 0, "{stderr}");
    let planned = unreadable.replacen(r#"{"values":"#, "", 1);
    let planned = &planned[..planned.len() - 1];
    let in_planned = one_change(change, &format!(r#","planned_values":{planned}"#));
    let (code, _, stderr) = check_text("planned-values.json", &in_planned);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("same key twice") && stderr.contains("planned_values"), "{stderr}");
    // Not JSON inside `prior_state` is still not JSON.
    let (code, _, stderr) = check_text("prior-state-broken.json", &in_prior.replace("1e400", "1e"));
    assert_eq!(code, 2, "{stderr}");
    // The digest still covers it.
    let fingerprint = |name: &str, text: &str| {
        let p = write_bytes("refused", name, text.as_bytes());
        let out = plangate().args(["fingerprint", &p]).output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).split_whitespace().next().unwrap_or_default().to_owned()
    };
    assert_ne!(fingerprint("a.json", &in_prior), fingerprint("b.json", &in_prior.replace(r#""n":1e400"#, r#""n":1"#)));
}

fn cases_type_error() -> String {
    one_change(r#"{"actions":["update"],"before":{},"after":{}}"#, "")
        .replace(r#""type":"aws_db_instance""#, r#""type":["hunter2-Sekrit"]"#)
}

/// A change without `mode` is a data source only when its address says so by
/// its grammar, not because `.data.` appears somewhere in it.
#[test]
fn mode_comes_from_the_address_grammar() {
    for (address, blocks) in [
        ("module.data.aws_db_instance.x", true),
        ("aws_db_instance.x[\"eu.data.x\"]", true),
        ("module.a.data.aws_db_instance.x", false),
    ] {
        let text = format!(
            r#"{{"format_version":"1.2","resource_changes":[{{"address":{},"type":"aws_db_instance","name":"x","change":{{"actions":["delete"],"before":{{"identifier":"db"}},"after":null}}}}]}}"#,
            serde_json::to_string(address).unwrap()
        );
        let (code, stdout, stderr) = check_text("mode.json", &text);
        let report: Value = serde_json::from_str(&stdout).unwrap_or_else(|_| panic!("{address}: {stderr}"));
        let stateful = report["findings"].as_array().unwrap().iter().any(|f| f["id"] == "stateful-destroy");
        assert_eq!(stateful, blocks, "{address}: {stdout}");
        assert_eq!(code, if blocks { 1 } else { 0 }, "{address}");
        assert_eq!(report["changes"][0]["mode"], if blocks { "managed" } else { "data" }, "{address}");
    }
}

/// An output whose sensitivity mask marks it is sensitive even when the
/// plan has no configuration saying so (`terraform show -json` of a plan
/// made with `-refresh-only`, or a hand-trimmed plan): its value is shown in
/// no format.
#[test]
fn an_output_marked_only_by_its_mask_is_masked() {
    let secret = "hunter2-OutputSekrit";
    for (mask, before) in [("true", r#","before_sensitive":false"#), ("true", ""), (r#"{"k":true}"#, "")] {
        let value = if mask == "true" { format!(r#""{secret}""#) } else { format!(r#"{{"k":"{secret}"}}"#) };
        let text = format!(
            r#"{{"format_version":"1.2","terraform_version":"1.11.4","resource_changes":[],"output_changes":{{"token":{{"actions":["create"],"before":null,"after":{value},"after_unknown":false{before},"after_sensitive":{mask}}}}}}}"#
        );
        let p = write_bytes("outputs", "output-mask.json", text.as_bytes());
        for format in ["json", "text", "markdown"] {
            let out = plangate().args(["check", &p, "--format", format, "--color", "never"]).output().unwrap();
            let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
            assert!(matches!(out.status.code(), Some(0 | 1)), "{format}: {stderr}");
            assert!(stdout.contains("token"), "{format}: the output is listed: {stdout}");
            assert!(!stdout.contains("OutputSekrit") && !stderr.contains("OutputSekrit"), "{format} {mask}: {stdout}");
            if format == "json" {
                let report: Value = serde_json::from_str(&stdout).unwrap();
                assert_eq!(report["outputs"][0]["sensitive"], json!(true), "{mask}: {stdout}");
            }
        }
    }
}
